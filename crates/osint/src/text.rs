//! Sentence splitting, tokenisation and spelling normalisation.
//!
//! Normalised forms are lowercase, with Latin diacritics folded ("Zaynab" and "Zaynāb" are one
//! form), apostrophes and transliteration marks dropped and hyphens treated as spaces
//! ("al-Qaeda" = "al qaeda"). A possessive "'s" is removed ("Syria's" = "syria").

/// A sentence: its byte range in the article body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentenceSpan {
    pub start: usize,
    pub end: usize,
}

/// One word of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Byte range in the article body.
    pub start: usize,
    pub end: usize,
    /// Normalised form.
    pub norm: String,
    /// Starts with an uppercase letter.
    pub cap: bool,
    /// Written in capitals (at least two letters), e.g. "IS", "U.S.".
    pub upper: bool,
    pub sentence: usize,
    /// Immediately follows a punctuation mark (",", "(", ":" ...) rather than a space.
    pub punct_before: bool,
    /// Immediately followed by a punctuation mark.
    pub punct_after: bool,
    /// The word is all digits.
    pub numeric: bool,
}

/// Folds one character to its ASCII lowercase base letter(s); `None` drops it.
fn fold(c: char, out: &mut String) {
    let mapped = match c {
        'A'..='Z' => return out.push(c.to_ascii_lowercase()),
        'a'..='z' | '0'..='9' => return out.push(c),
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å'
        | 'Ā' => 'a',
        'ç' | 'ć' | 'č' | 'Ç' | 'Ć' | 'Č' => 'c',
        'ď' | 'đ' | 'ḍ' | 'Ď' | 'Đ' | 'Ḍ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ė' | 'ę' | 'ě' | 'È' | 'É' | 'Ê' | 'Ë' | 'Ē' => {
            'e'
        }
        'ğ' | 'Ğ' => 'g',
        'ḥ' | 'Ḥ' => 'h',
        'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' | 'İ' | 'Ì' | 'Í' | 'Î' | 'Ï' | 'Ī' => 'i',
        'ł' | 'Ł' => 'l',
        'ñ' | 'ń' | 'ň' | 'Ñ' | 'Ń' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' | 'Ō' => {
            'o'
        }
        'ř' | 'Ř' => 'r',
        'ś' | 'š' | 'ş' | 'ș' | 'ṣ' | 'Ś' | 'Š' | 'Ş' | 'Ș' | 'Ṣ' => 's',
        'ß' => return out.push_str("ss"),
        'ť' | 'ţ' | 'ț' | 'ṭ' | 'Ť' | 'Ţ' | 'Ț' | 'Ṭ' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'Ū' => 'u',
        'ý' | 'ÿ' | 'Ý' => 'y',
        'ź' | 'ż' | 'ž' | 'ẓ' | 'Ź' | 'Ż' | 'Ž' => 'z',
        'æ' | 'Æ' => return out.push_str("ae"),
        'œ' | 'Œ' => return out.push_str("oe"),
        _ if c.is_alphanumeric() => {
            for l in c.to_lowercase() {
                out.push(l);
            }
            return;
        }
        _ => return,
    };
    out.push(mapped);
}

/// The normalised form of a phrase: its tokens' normalised forms joined by single spaces.
pub fn normalize(s: &str) -> String {
    let toks = tokenize_sentence(s, 0, 0);
    let mut out = String::with_capacity(s.len());
    for t in &toks {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&t.norm);
    }
    out
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '’' | '‘' | 'ʿ' | 'ʾ' | '`')
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Words that end with a period without ending a sentence.
const ABBREVIATIONS: &[&str] = &[
    "mr", "mrs", "ms", "dr", "st", "gen", "col", "lt", "sgt", "capt", "gov", "sen", "rep", "prof",
    "no", "vs", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "maj", "brig", "adm", "cpl", "pvt", "jr", "sr", "inc", "co", "corp", "ltd", "approx",
    "est", "mt", "ft", "fig", "al",
];

/// Splits a text into sentences. A sentence ends at `.`, `!` or `?` followed by a space and an
/// uppercase letter, digit or quote (not after an abbreviation or an initial), at a blank line,
/// or at a line break after terminal punctuation or a short line (a headline).
pub fn split_sentences(text: &str) -> Vec<SentenceSpan> {
    let mut out = Vec::new();
    let bytes: Vec<(usize, char)> = text.char_indices().collect();
    let mut start = 0usize;
    let mut i = 0usize;
    let n = bytes.len();
    let push = |out: &mut Vec<SentenceSpan>, s: usize, e: usize| {
        let seg = &text[s..e];
        let lead = seg.len() - seg.trim_start().len();
        let trail = seg.len() - seg.trim_end().len();
        if lead + trail < seg.len() {
            out.push(SentenceSpan {
                start: s + lead,
                end: e - trail,
            });
        }
    };
    while i < n {
        let (pos, c) = bytes[i];
        if c == '\n' {
            // Blank line, or line ending in terminal punctuation, or a short headline-like line.
            let line_start = text[..pos].rfind('\n').map_or(0, |p| p + 1);
            let line = text[line_start..pos].trim();
            let next_blank = text[pos + 1..]
                .lines()
                .next()
                .is_some_and(|l| l.trim().is_empty());
            let ends_terminal = line.ends_with(['.', '!', '?', '"', '”', ':', '»']);
            let headline = !line.is_empty() && line.len() < 160 && !line.ends_with([',', ';']);
            if next_blank || ends_terminal || headline || line.is_empty() {
                push(&mut out, start, pos);
                start = pos + 1;
            }
            i += 1;
            continue;
        }
        if matches!(c, '.' | '!' | '?') {
            // Advance over closing quotes/brackets.
            let mut j = i + 1;
            while j < n && matches!(bytes[j].1, '"' | '”' | '’' | '\'' | ')' | '»') {
                j += 1;
            }
            if j < n && bytes[j].1.is_whitespace() {
                let mut k = j;
                while k < n && bytes[k].1.is_whitespace() && bytes[k].1 != '\n' {
                    k += 1;
                }
                let next = if k < n { bytes[k].1 } else { 'A' };
                let starts_new = next.is_uppercase()
                    || next.is_ascii_digit()
                    || matches!(next, '"' | '“' | '‘' | '\'' | '«' | '\n');
                let abbrev = c == '.' && {
                    let word_start = text[..pos]
                        .rfind(|ch: char| !ch.is_alphanumeric() && ch != '.')
                        .map_or(0, |p| p + 1);
                    let w = &text[word_start..pos];
                    let letters = w.chars().filter(|c| c.is_alphabetic()).count();
                    (letters == 1 && w.chars().next().is_some_and(char::is_uppercase))
                        || w.contains('.')
                        || ABBREVIATIONS.iter().any(|a| w.eq_ignore_ascii_case(a))
                };
                if starts_new && !abbrev {
                    let end = if j < n { bytes[j].0 } else { text.len() };
                    push(&mut out, start, end);
                    start = end;
                    i = j;
                    continue;
                }
            }
        }
        i += 1;
    }
    push(&mut out, start, text.len());
    out
}

/// Tokenises one sentence (`s` sits at byte `offset` of the body).
pub fn tokenize_sentence(s: &str, offset: usize, sentence: usize) -> Vec<Token> {
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let n = chars.len();
    let mut out: Vec<Token> = Vec::with_capacity(s.len() / 5);
    let mut i = 0;
    let mut prev_was_space = true;
    while i < n {
        let (_, c) = chars[i];
        if !is_word_char(c) {
            prev_was_space = c.is_whitespace() || c == '-' || c == '–' || c == '—';
            i += 1;
            continue;
        }
        let start = chars[i].0;
        let mut norm = String::new();
        let mut letters = 0usize;
        let mut uppers = 0usize;
        let mut digits = 0usize;
        let first_upper = c.is_uppercase();
        let mut end;
        loop {
            let (p, ch) = chars[i];
            if is_word_char(ch) {
                fold(ch, &mut norm);
                if ch.is_alphabetic() {
                    letters += 1;
                    if ch.is_uppercase() {
                        uppers += 1;
                    }
                } else if ch.is_ascii_digit() {
                    digits += 1;
                }
                end = p + ch.len_utf8();
                i += 1;
            } else if is_apostrophe(ch) && i + 1 < n && chars[i + 1].1.is_alphabetic() {
                // Possessive 's: end the word here and skip it.
                let poss = matches!(chars[i + 1].1, 's' | 'S')
                    && (i + 2 >= n || !is_word_char(chars[i + 2].1));
                if poss {
                    end = p;
                    i += 2;
                    break;
                }
                i += 1; // an apostrophe inside a name: dropped
                continue;
            } else if ch == '.'
                && i + 2 < n
                && letters == 1
                && digits == 0
                && chars[i + 1].1.is_uppercase()
                && chars[i + 2].1 == '.'
            {
                // Initialisms: U.S. / U.N. / U.K.
                i += 1;
                continue;
            } else if ch == '.'
                && letters == uppers
                && letters >= 2
                && i > 0
                && chars[i - 2].1 == '.'
            {
                // Final period of an initialism (kept out of the word).
                end = p;
                i += 1;
                break;
            } else if matches!(ch, ',' | '.')
                && digits > 0
                && letters == 0
                && i + 1 < n
                && chars[i + 1].1.is_ascii_digit()
            {
                // 2,000 / 1.5
                if ch == '.' {
                    norm.push('.');
                }
                i += 1;
                continue;
            } else {
                end = p;
                break;
            }
            if i >= n {
                break;
            }
        }
        let punct_after = i < n && !chars[i].1.is_whitespace();
        let numeric = letters == 0 && digits > 0;
        out.push(Token {
            start: offset + start,
            end: offset + end,
            norm,
            cap: first_upper,
            upper: letters >= 2 && letters == uppers,
            sentence,
            punct_before: !prev_was_space,
            punct_after,
            numeric,
        });
        prev_was_space = false;
    }
    out
}

/// Transliteration skeleton of a normalised phrase: vowels (and y, w, h after a consonant)
/// dropped after each word's first letter, doubled letters collapsed, q→k, ph→f, ou→u. Used as
/// a fallback so that unseen romanisations of long Arabic, Persian or Somali names still match
/// ("Sayyida Zeinab" ~ "Sayeda Zainab").
pub fn skeleton(norm: &str) -> String {
    let mut out = String::with_capacity(norm.len());
    for (wi, w) in norm.split(' ').enumerate() {
        if wi > 0 {
            out.push(' ');
        }
        let w = w.replace("ph", "f").replace('q', "k");
        let mut last = '\0';
        for (ci, c) in w.chars().enumerate() {
            let keep = ci == 0 || !matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'w' | 'h');
            if keep && c != last {
                out.push(c);
            }
            last = if keep { c } else { last };
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_spellings() {
        assert_eq!(normalize("Syria’s al-Qaeda"), "syria al qaeda");
        assert_eq!(normalize("U.S. officials"), "us officials");
        assert_eq!(normalize("Zaynāb"), "zaynab");
        assert_eq!(normalize("2,000 troops"), "2000 troops");
        assert_eq!(skeleton("sayyida zaynab"), skeleton("sayeda zeinab"));
        assert_eq!(skeleton("shabaab"), skeleton("shabab"));
    }

    #[test]
    fn splits_sentences() {
        let t = "Title line here\n\nU.S. officials said on Jan. 11 that it happened. The CIA declined.\nNext para.";
        let s: Vec<&str> = split_sentences(t)
            .iter()
            .map(|s| &t[s.start..s.end])
            .collect();
        assert_eq!(
            s,
            vec![
                "Title line here",
                "U.S. officials said on Jan. 11 that it happened.",
                "The CIA declined.",
                "Next para."
            ]
        );
        let toks = tokenize_sentence("The U.S. said", 0, 0);
        assert!(toks[1].upper && toks[1].norm == "us");
    }
}
