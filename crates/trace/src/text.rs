//! Words, operative spans and phrase matching.
//!
//! A word is a maximal run of alphanumeric characters and apostrophes; everything else (spaces,
//! punctuation, hyphens, the zero-width characters of invisible marks) separates words.
//! Operative words are never part of a substituted span: words with a digit or a capital letter,
//! time, number, method and negation words, the function words that lead into a time expression
//! ("in the coming days"), and anything inside quotation marks.

use std::collections::HashMap;

/// One word of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    /// UTF-8 byte range in the text.
    pub start: usize,
    pub end: usize,
    /// Lowercase, typographic apostrophes folded to `'`.
    pub norm: String,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\'' || c == '\u{2019}'
}

pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        match (is_word_char(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                push_token(text, s, i, &mut out);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        push_token(text, s, text.len(), &mut out);
    }
    out
}

fn push_token(text: &str, start: usize, end: usize, out: &mut Vec<Token>) {
    // Apostrophes at the edges are quotation marks, not part of the word.
    let raw = &text[start..end];
    let trimmed_start = raw.len() - raw.trim_start_matches(['\'', '\u{2019}']).len();
    let inner = raw.trim_matches(['\'', '\u{2019}']);
    if inner.is_empty() {
        return;
    }
    let s = start + trimmed_start;
    let norm = inner.chars().flat_map(char::to_lowercase).map(|c| if c == '\u{2019}' { '\'' } else { c }).collect();
    out.push(Token { start: s, end: s + inner.len(), norm });
}

/// Words that carry time: they and their lead-in words are never varied.
pub(crate) const TIME_WORDS: &[&str] = &[
    "today", "tonight", "tomorrow", "yesterday", "morning", "mornings", "afternoon", "afternoons", "evening", "evenings",
    "night", "nights", "overnight", "midnight", "noon", "midday", "dawn", "dusk", "sunrise", "sunset", "day", "days",
    "daily", "week", "weeks", "weekly", "weekend", "weekends", "fortnight", "month", "months", "monthly", "year", "years",
    "annual", "annually", "hour", "hours", "hourly", "minute", "minutes", "second", "seconds", "soon", "shortly",
    "imminent", "imminently", "eve", "coming", "upcoming", "next", "following", "forthcoming", "before", "after", "during",
    "until", "till", "now", "currently", "recently", "later", "earlier", "early", "late", "ahead", "period", "window",
    "season", "holiday", "holidays", "anniversary", "date", "dates", "time", "times", "when", "while", "since", "ago",
    "then", "once", "twice", "again", "already", "still", "yet", "prior", "previous", "previously", "last", "past",
    "beginning", "end", "start", "o'clock", "am", "pm", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
    "dec", "ramadan", "eid", "ashura", "arbaeen", "christmas", "easter", "passover", "hanukkah", "diwali", "new",
];

/// Words leading into a time expression ("in the coming days", "on the eve of").
const TIME_LEAD: &[&str] = &[
    "in", "on", "at", "by", "within", "during", "over", "the", "a", "an", "this", "that", "these", "those", "next",
    "coming", "following", "few", "several", "early", "late", "mid", "before", "after", "until", "around", "from",
    "to", "of", "each", "every", "same", "between", "throughout", "and", "or", "as",
];

/// Quantities, spelled out.
pub(crate) const NUMBER_WORDS: &[&str] = &[
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty", "forty",
    "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "hundreds", "thousand", "thousands", "million",
    "millions", "dozen", "dozens", "several", "few", "many", "multiple", "single", "both", "first", "third", "fourth",
    "fifth", "half", "couple", "pair", "numerous", "some", "all", "most", "each", "every", "any", "more", "less",
    "fewer", "least", "only", "sole", "lone", "score", "scores", "percent", "per",
];

/// How: weapons and modes of attack.
pub(crate) const METHOD_WORDS: &[&str] = &[
    "bomb", "bombs", "bombing", "bombings", "bomber", "bombers", "explosive", "explosives", "ied", "ieds", "vbied",
    "device", "devices", "suicide", "vest", "vests", "belt", "belts", "car", "cars", "vehicle", "vehicles", "truck",
    "trucks", "van", "vans", "motorcycle", "gun", "guns", "gunman", "gunmen", "rifle", "rifles", "firearm",
    "firearms", "pistol", "pistols", "shooting", "shootings", "shooter", "shooters", "shoot", "shot", "grenade",
    "grenades", "knife", "knives", "blade", "stabbing", "stab", "arson", "fire", "incendiary", "drone", "drones",
    "rocket", "rockets", "mortar", "mortars", "missile", "missiles", "poison", "poisoning", "chemical", "toxic",
    "ramming", "rammed", "kidnap", "kidnapping", "abduct", "abduction", "hostage", "hostages", "assault", "armed",
    "weapon", "weapons", "ammunition", "detonate", "detonated", "detonation", "detonator", "blast", "blow", "explode",
    "exploded", "explosion", "tnt", "fertiliser", "fertilizer", "nail", "nails", "shrapnel", "attacker", "attackers",
    "cyber", "malware", "ransomware", "phishing", "exploit",
];

/// Words that flip or weaken a statement.
pub(crate) const NEGATION_WORDS: &[&str] = &[
    "not", "no", "never", "nor", "neither", "none", "nothing", "nobody", "without", "unlikely", "cannot", "can't",
    "won't", "isn't", "aren't", "doesn't", "don't", "hasn't", "haven't", "wasn't", "weren't", "didn't", "shouldn't",
    "wouldn't", "couldn't", "hardly", "barely", "doubt", "doubtful",
];

fn has(list: &[&str], w: &str) -> bool {
    list.contains(&w)
}

/// Why a word is operative, if it is (a phrase-table word must not be).
pub(crate) fn operative_reason(word: &str) -> Option<&'static str> {
    if word.chars().any(|c| c.is_ascii_digit() || c.is_numeric()) {
        Some("contains a digit")
    } else if word.chars().any(char::is_uppercase) {
        Some("contains a capital letter")
    } else if has(TIME_WORDS, word) {
        Some("is a time word")
    } else if has(NUMBER_WORDS, word) {
        Some("is a number word")
    } else if has(METHOD_WORDS, word) {
        Some("is a method word")
    } else if has(NEGATION_WORDS, word) {
        Some("is a negation")
    } else {
        None
    }
}

/// Byte ranges inside quotation marks ("...", “...”, «...»).
fn quoted_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, char)> = None;
    for (i, c) in text.char_indices() {
        match (open, c) {
            (None, '"') => open = Some((i, '"')),
            (None, '\u{201c}') => open = Some((i, '\u{201d}')),
            (None, '\u{00ab}') => open = Some((i, '\u{00bb}')),
            (Some((s, close)), c) if c == close => {
                out.push((s, i));
                open = None;
            }
            _ => {}
        }
    }
    if let Some((s, _)) = open {
        out.push((s, text.len()));
    }
    out
}

/// For each token, whether it is operative (see the module documentation).
#[cfg(test)]
pub(crate) fn protected(text: &str, tokens: &[Token]) -> Vec<bool> {
    protection(text, tokens).0
}

/// Operative tokens, and the tokens of time expressions (time words with their lead-in and
/// complement): a slot may not even touch the latter, since its last word could become part of
/// the expression ("an attack against | in the coming days" -> "an attack on | in ...").
pub(crate) fn protection(text: &str, tokens: &[Token]) -> (Vec<bool>, Vec<bool>) {
    let mut p: Vec<bool> = tokens.iter().map(|t| operative_reason(&t.norm).is_some() || text[t.start..t.end].chars().any(char::is_uppercase)).collect();
    let mut time = vec![false; tokens.len()];
    for (i, t) in tokens.iter().enumerate() {
        if !has(TIME_WORDS, &t.norm) {
            continue;
        }
        time[i] = true;
        // Lead-in words to the left (across punctuation too: protecting a word too many costs
        // one slot, a word too few can change a time expression).
        let mut j = i;
        let mut steps = 0;
        while j > 0 && steps < 4 && has(TIME_LEAD, &tokens[j - 1].norm) {
            j -= 1;
            steps += 1;
            p[j] = true;
            time[j] = true;
        }
        // "the eve of the commemoration", "the anniversary of": the complement too.
        if tokens.get(i + 1).is_some_and(|n| n.norm == "of") {
            for k in i + 1..(i + 4).min(tokens.len()) {
                p[k] = true;
                time[k] = true;
            }
        }
    }
    for (s, e) in quoted_ranges(text) {
        for (i, t) in tokens.iter().enumerate() {
            if t.start >= s && t.end <= e {
                p[i] = true;
            }
        }
    }
    (p, time)
}

fn only_spaces(s: &str) -> bool {
    s.chars().all(char::is_whitespace)
}

/// A phrase found in a text: tokens `first..last` (exclusive), bytes `start..end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    pub phrase: usize,
    pub first: usize,
    pub last: usize,
    pub start: usize,
    pub end: usize,
}

/// Leftmost-longest matching of word sequences.
#[derive(Debug, Clone, Default)]
pub(crate) struct Matcher {
    phrases: Vec<Vec<String>>,
    by_first: HashMap<String, Vec<usize>>,
}

impl Matcher {
    pub fn new<'a>(phrases: impl IntoIterator<Item = &'a str>) -> Matcher {
        let mut m = Matcher::default();
        for p in phrases {
            let words: Vec<String> = tokenize(p).into_iter().map(|t| t.norm).collect();
            if words.is_empty() {
                continue;
            }
            m.by_first.entry(words[0].clone()).or_default().push(m.phrases.len());
            m.phrases.push(words);
        }
        for v in m.by_first.values_mut() {
            // Longest first: the first that matches is the longest.
            let phrases = &m.phrases;
            v.sort_by_key(|&i| std::cmp::Reverse(phrases[i].len()));
        }
        m
    }

    /// Every non-overlapping occurrence, leftmost-longest. `strict`: the text's words must be
    /// exactly the phrase's (lowercase) and separated by whitespace only, as when compiling a
    /// variant; otherwise case and separators are ignored, as when reading a leak.
    pub fn find(&self, text: &str, tokens: &[Token], strict: bool) -> Vec<Found> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let hit = self.by_first.get(&tokens[i].norm).and_then(|cands| {
                cands.iter().copied().find(|&p| {
                    let words = &self.phrases[p];
                    i + words.len() <= tokens.len()
                        && words.iter().enumerate().all(|(k, w)| {
                            let t = &tokens[i + k];
                            if strict {
                                &text[t.start..t.end] == w && (k == 0 || only_spaces(&text[tokens[i + k - 1].end..t.start]))
                            } else {
                                &t.norm == w
                            }
                        })
                })
            });
            match hit {
                Some(p) => {
                    let n = self.phrases[p].len();
                    out.push(Found { phrase: p, first: i, last: i + n, start: tokens[i].start, end: tokens[i + n - 1].end });
                    i += n;
                }
                None => i += 1,
            }
        }
        out
    }
}

/// Up to `n` words left and right of `first..last`, nearest first, skipping words in `skip`.
pub(crate) fn context(tokens: &[Token], skip: &[bool], first: usize, last: usize, n: usize) -> (Vec<String>, Vec<String>) {
    let left = (0..first).rev().filter(|&i| !skip[i]).take(n).map(|i| tokens[i].norm.clone()).collect();
    let right = (last..tokens.len()).filter(|&i| !skip[i]).take(n).map(|i| tokens[i].norm.clone()).collect();
    (left, right)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prot(text: &str) -> Vec<(String, bool)> {
        let t = tokenize(text);
        let p = protected(text, &t);
        t.iter().zip(p).map(|(t, p)| (t.norm.clone(), p)).collect()
    }

    #[test]
    fn tokens_fold_case_and_apostrophes() {
        let t = tokenize("The group’s 'cell' is-planning");
        let n: Vec<&str> = t.iter().map(|t| t.norm.as_str()).collect();
        assert_eq!(n, ["the", "group's", "cell", "is", "planning"]);
    }

    #[test]
    fn time_expressions_and_their_lead_in_are_protected() {
        let p = prot("an attack in the coming days on the eve of the commemoration");
        let protected: Vec<&str> = p.iter().filter(|(_, b)| *b).map(|(w, _)| w.as_str()).collect();
        assert_eq!(protected, ["in", "the", "coming", "days", "on", "the", "eve", "of", "the", "commemoration"]);
    }

    #[test]
    fn capitals_digits_and_quotes_are_protected() {
        let p = prot("near Damascus 3 men said \"we are planning\" then");
        let protected: Vec<&str> = p.iter().filter(|(_, b)| *b).map(|(w, _)| w.as_str()).collect();
        assert_eq!(protected, ["damascus", "3", "we", "are", "planning", "then"]);
    }

    #[test]
    fn strict_matching_needs_exact_lowercase_and_spaces() {
        let m = Matcher::new(["is planning", "is assessed to be"]);
        let text = "He is assessed to be close. It Is planning; is, planning. is planning";
        let t = tokenize(text);
        let strict: Vec<&str> = m.find(text, &t, true).iter().map(|f| &text[f.start..f.end]).collect();
        assert_eq!(strict, ["is assessed to be", "is planning"]);
        let loose = m.find(text, &t, false);
        assert_eq!(loose.len(), 4);
    }
}
