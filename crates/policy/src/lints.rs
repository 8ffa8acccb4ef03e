//! The sanitiser: lints over the text of released objects.
//!
//! Blocking lints (a release with one is refused unless an approver overrides that finding with
//! a justification):
//! - `TL-MODALITY`: collection-modality wording ("intercepted", "call between", "SIGINT",
//!   "imagery shows", ...);
//! - `TL-SOURCE`: descriptions of sources or their access ("a member of the cell", "source with
//!   access", "informant", "liaison service", ...);
//! - `TL-QUOTE`: quoted speech (a quotation of several words, or one right after "said" /
//!   "told" / "wrote" ...);
//! - `TL-QUOTE` also covers unquoted speech after a colon ("his message read: we go after the
//!   sermon"; after a speech noun only in the first or second person: "the instruction was
//!   simply: wait for my signal"). A quotation in a sentence that makes it a public statement
//!   ("told reporters", "in a televised address", "the minister said") or a name ("a statement
//!   titled", "say '...' instead") is not speech of the plotters and is not reported;
//! - `TL-PHONE`, `TL-EMAIL`, `TL-HANDLE`, `TL-DEVICE-ID`, `TL-WALLET`: selectors (phone numbers,
//!   North American numbers without a prefix, e-mail addresses, @handles, platform links and
//!   account names like `user abu_layth77`, messenger ids like `Threema ID 7XK2PZ9M`, onion
//!   addresses, IMEI / IMSI / ICCID / MAC addresses, vehicle registrations after a registration
//!   word, Bitcoin / Ethereum / Tron / Monero wallets and any base58 address after "wallet" or
//!   "address"). IP addresses and domains are not selectors here: indicators are released on
//!   purpose;
//! - `TL-TIME-PRECISION`: clock times finer than the configured granularity (default: a day):
//!   `14:35`, `14h35`, `14 h 35`, `0235Z`, `at 0430`, `2:35 pm`, `at 10.15`, `19.30 on
//!   Thursday`, `half past eight`, `twenty to eight`, `a quarter to midnight`, `nine o'clock`,
//!   `shortly after 3 in the morning`, `at midnight`, ISO timestamps. A part of the day ("the
//!   evening of 11 January", "at dawn") is a window, not a clock time, and is not reported at
//!   any granularity.
//!
//! Warnings (never block): `TL-NO-LOCATION` and `TL-NO-WINDOW`, for releases that give no place
//! or no time window: recipients dismiss such warnings as "too general".
//!
//! The vocabulary is data (`data/policy/lints.toml`, embedded as the default) so organisations
//! adapt it without code changes.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ids;
use crate::recipient::Granularity;

pub const MODALITY: &str = "TL-MODALITY";
pub const SOURCE: &str = "TL-SOURCE";
pub const QUOTE: &str = "TL-QUOTE";
pub const PHONE: &str = "TL-PHONE";
pub const EMAIL: &str = "TL-EMAIL";
pub const HANDLE: &str = "TL-HANDLE";
pub const DEVICE_ID: &str = "TL-DEVICE-ID";
pub const WALLET: &str = "TL-WALLET";
pub const TIME_PRECISION: &str = "TL-TIME-PRECISION";
pub const NO_LOCATION: &str = "TL-NO-LOCATION";
pub const NO_WINDOW: &str = "TL-NO-WINDOW";

/// The embedded default vocabulary.
pub const DEFAULT_TOML: &str = include_str!("../../../data/policy/lints.toml");

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable code, e.g. `TL-MODALITY`.
    pub code: &'static str,
    /// The released object's id (empty for release-level findings).
    pub object_id: String,
    /// The property path in selector form (`description`, `external_references.[0].description`).
    pub path: String,
    /// UTF-8 byte range in the property's text.
    pub span: Option<(usize, usize)>,
    pub blocking: bool,
    /// The matched text (internal: for the release officer).
    pub matched: String,
}

/// An approver's override of one blocking finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub code: String,
    pub object_id: String,
    pub path: String,
    pub justification: String,
    pub approver: String,
}

impl Override {
    /// Whether this override clears `f`: same code, object and path, a written justification
    /// (at least 10 characters) and a named approver.
    pub fn clears(&self, f: &Finding) -> bool {
        self.code == f.code
            && self.object_id == f.object_id
            && self.path == f.path
            && self.justification.trim().chars().count() >= 10
            && !self.approver.trim().is_empty()
    }
}

#[derive(Debug, Clone, Deserialize)]
struct Vocab {
    modality: Vec<String>,
    source: Vec<String>,
    #[serde(default)]
    allow: Vec<String>,
    speech_verbs: Vec<String>,
    /// Speech verbs that mark a colon quotation only right before the colon ("read:", not
    /// "read the following:").
    #[serde(default)]
    speech_verbs_adjacent: Vec<String>,
    quote_min_words: usize,
    quote_min_words_after_verb: usize,
    /// Nouns that mark an unquoted colon quotation within four words ("his instruction was: wait
    /// for my signal") when the words after the colon speak in the first or second person.
    #[serde(default)]
    speech_nouns: Vec<String>,
    /// Phrases that make a quotation in the same sentence a public statement, not speech of
    /// the plotters ("told reporters", "in a televised address", "the minister said").
    #[serde(default)]
    public_speech: Vec<String>,
    /// Words right before a quotation that make it a name or a wording, not speech ("a statement
    /// titled", "the operation dubbed", "the phrase").
    #[serde(default)]
    quote_mention: Vec<String>,
    skip_keys: Vec<String>,
}

#[derive(Debug, Clone)]
enum Tok {
    Word(String),
    Prefix(String),
    /// `a|b*|c`: any one of several words or prefixes (a word class).
    Alt(Vec<Tok>),
    Any,
    /// `~N`: up to N words of any kind.
    Gap(usize),
}

/// One token of a phrase: `word`, `word*`, `*`, `~N`.
fn parse_tok(w: String) -> Tok {
    if w == "*" {
        Tok::Any
    } else if let Some(n) = w.strip_prefix('~').and_then(|n| n.parse().ok()) {
        Tok::Gap(n)
    } else if let Some(pre) = w.strip_suffix('*') {
        Tok::Prefix(pre.to_owned())
    } else {
        Tok::Word(w)
    }
}

/// Tokenises a phrase: words as in the text, plus `a|b|c` alternatives of single words.
fn parse_phrase(p: &str) -> Result<Vec<Tok>, ConfigError> {
    let mut toks = Vec::new();
    for chunk in p.split_whitespace() {
        if !chunk.contains('|') {
            toks.extend(words(chunk).map(|(_, _, w)| parse_tok(w)));
            continue;
        }
        let mut alts = Vec::new();
        for alt in chunk.split('|') {
            let ws: Vec<String> = words(alt).map(|(_, _, w)| w).collect();
            match <[String; 1]>::try_from(ws) {
                Ok([w]) if w != "*" && !w.starts_with('~') => alts.push(parse_tok(w)),
                _ => return Err(ConfigError(format!("'{alt}' in '{p}': an alternative is one word or prefix"))),
            }
        }
        toks.push(Tok::Alt(alts));
    }
    Ok(toks)
}

#[derive(Debug, Clone)]
struct Phrase {
    toks: Vec<Tok>,
    code: &'static str,
}

/// Raw hits of one text: (code, start, end).
type Hits = std::sync::Arc<Vec<(&'static str, usize, usize)>>;

/// Texts already linted under one configuration: releases of one report to many recipients
/// share most of their text. Bounded; cleared when full.
#[derive(Debug, Default)]
struct Cache {
    map: std::sync::Mutex<HashMap<String, Hits>>,
}

const CACHE_MAX: usize = 200_000;

/// A compiled lint configuration (cheap to clone: the compiled vocabulary and the cache of
/// texts already linted are shared).
#[derive(Debug, Clone)]
pub struct LintConfig {
    inner: std::sync::Arc<Compiled>,
    cache: std::sync::Arc<Cache>,
    pub granularity: Granularity,
}

#[derive(Debug)]
struct Compiled {
    phrases: Vec<Phrase>,
    by_word: HashMap<String, Vec<usize>>,
    by_prefix: HashMap<String, Vec<usize>>,
    prefix_lens: Vec<usize>,
    any_first: Vec<usize>,
    speech_verbs: HashSet<String>,
    speech_verbs_adjacent: HashSet<String>,
    speech_nouns: HashSet<String>,
    public_speech: Vec<Vec<Tok>>,
    quote_mention: HashSet<String>,
    quote_min_words: usize,
    quote_min_after_verb: usize,
    skip_keys: HashSet<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("lint configuration: {0}")]
pub struct ConfigError(String);

impl Default for LintConfig {
    fn default() -> Self {
        static DEFAULT: OnceLock<LintConfig> = OnceLock::new();
        DEFAULT.get_or_init(|| LintConfig::from_toml(DEFAULT_TOML).expect("the embedded lint vocabulary parses")).clone()
    }
}

const ALLOW: &str = "allow";

impl LintConfig {
    /// Parses a vocabulary in the format of `data/policy/lints.toml`.
    pub fn from_toml(text: &str) -> Result<LintConfig, ConfigError> {
        let v: Vocab = toml::from_str(text).map_err(|e| ConfigError(e.to_string()))?;
        let mut c = Compiled {
            phrases: Vec::new(),
            by_word: HashMap::new(),
            by_prefix: HashMap::new(),
            prefix_lens: Vec::new(),
            any_first: Vec::new(),
            speech_verbs: v.speech_verbs.iter().chain(&v.speech_verbs_adjacent).map(|s| s.to_lowercase()).collect(),
            speech_verbs_adjacent: v.speech_verbs_adjacent.iter().map(|s| s.to_lowercase()).collect(),
            speech_nouns: v.speech_nouns.iter().map(|s| s.to_lowercase()).collect(),
            public_speech: v.public_speech.iter().map(|p| parse_phrase(p)).filter(|t| !t.as_ref().is_ok_and(Vec::is_empty)).collect::<Result<_, _>>()?,
            quote_mention: v.quote_mention.iter().map(|s| s.to_lowercase()).collect(),
            quote_min_words: v.quote_min_words.max(1),
            quote_min_after_verb: v.quote_min_words_after_verb.max(1),
            skip_keys: v.skip_keys.into_iter().collect(),
        };
        for (list, code) in [(&v.modality, MODALITY), (&v.source, SOURCE), (&v.allow, ALLOW)] {
            for p in list {
                let toks = parse_phrase(p)?;
                if toks.is_empty() {
                    return Err(ConfigError(format!("empty phrase '{p}'")));
                }
                let i = c.phrases.len();
                let firsts = match &toks[0] {
                    Tok::Alt(alts) => alts.as_slice(),
                    t => std::slice::from_ref(t),
                };
                for t in firsts {
                    match t {
                        Tok::Word(w) => c.by_word.entry(w.clone()).or_default().push(i),
                        Tok::Prefix(pre) => {
                            c.by_prefix.entry(pre.clone()).or_default().push(i);
                            if !c.prefix_lens.contains(&pre.len()) {
                                c.prefix_lens.push(pre.len());
                            }
                        }
                        Tok::Any | Tok::Gap(_) | Tok::Alt(_) => c.any_first.push(i),
                    }
                }
                c.phrases.push(Phrase { toks, code });
            }
        }
        Ok(LintConfig { inner: std::sync::Arc::new(c), cache: Default::default(), granularity: Granularity::Day })
    }

    pub fn with_granularity(mut self, g: Granularity) -> LintConfig {
        if g != self.granularity {
            self.granularity = g;
            self.cache = Default::default();
        }
        self
    }
}

/// Words of a text: (start, end, lower-case word). A `*` is kept as part of a word so phrases
/// can be tokenised by the same function.
fn words(text: &str) -> impl Iterator<Item = (usize, usize, String)> + '_ {
    let mut it = text.char_indices().peekable();
    std::iter::from_fn(move || {
        loop {
            let (s, c) = it.next()?;
            if c.is_alphanumeric() || c == '*' || c == '~' {
                let mut e = s + c.len_utf8();
                while let Some(&(i, d)) = it.peek() {
                    if d.is_alphanumeric() || d == '*' || (d == '\'' && text[i + 1..].chars().next().is_some_and(char::is_alphanumeric) && text[..i].chars().last().is_some_and(char::is_alphanumeric)) {
                        e = i + d.len_utf8();
                        it.next();
                    } else {
                        break;
                    }
                }
                return Some((s, e, text[s..e].to_lowercase()));
            }
        }
    })
}

fn tok_matches(t: &Tok, w: &str) -> bool {
    match t {
        Tok::Word(x) => x == w || (w.ends_with("'s") && &w[..w.len() - 2] == x),
        Tok::Prefix(p) => w.starts_with(p.as_str()),
        Tok::Alt(alts) => alts.iter().any(|a| tok_matches(a, w)),
        Tok::Any => true,
        Tok::Gap(_) => true,
    }
}

/// Where a phrase starting at word `i` ends (exclusive word index), if it matches.
fn match_at(toks: &[Tok], ws: &[(usize, usize, String)], i: usize) -> Option<usize> {
    let Some((t, rest)) = toks.split_first() else { return Some(i) };
    if let Tok::Gap(n) = t {
        return (0..=*n).filter(|k| i + k <= ws.len()).find_map(|k| match_at(rest, ws, i + k));
    }
    let w = &ws.get(i)?.2;
    if tok_matches(t, w) { match_at(rest, ws, i + 1) } else { None }
}

struct Patterns {
    email: Regex,
    handle: Regex,
    phone: Regex,
    device: Regex,
    clock: Regex,
    military: Regex,
    ampm: Regex,
    iso: Regex,
    dotted: Regex,
    spelled: Regex,
    quote: Regex,
    wallet: Regex,
    account: Regex,
    platform_id: Regex,
    onion: Regex,
    plate: Regex,
    wallet_after_word: Regex,
    hour_of_day: Regex,
    bare_hhmm: Regex,
    window: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        email: Regex::new(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b").expect("regex"),
        handle: Regex::new(r"(?i)(?:^|[^\w@.])(@[a-z0-9_]{3,32})\b|\b(?:t\.me|telegram\.me|telegram\.dog|wa\.me|signal\.me|twitter\.com|x\.com|instagram\.com|facebook\.com|fb\.com|vk\.com|tiktok\.com|threads\.net|discord\.gg|discord\.com/invite|youtube\.com|snapchat\.com/add|m\.me)/[a-z0-9_.+@#-]{3,}").expect("regex"),
        phone: Regex::new(r"(?i)(?:\+|\b0)[\d \-().]{6,22}\d\b|\b(?:numbers?|phones?|tel|telephone|mobile|cell|whatsapp|signal|viber|telegram|thuraya|satphone|sim|line|contact|dial(?:ed|led)?|called|texted|msisdn|reachable (?:on|at))(?:\s+(?:is|was|are|were))?\W{1,5}\d[\d \-().]{6,20}\d\b|(?:\([2-9]\d{2}\)\s?|\b[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}\b").expect("regex"),
        device: Regex::new(r"(?i)\b(?:\d{15}|\d{2}[- ]\d{6}[- ]\d{6}[- ]?\d|89\d{16,18}|[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4})\b|\b(?:imei|imsi|iccid|msisdn|meid|esn|udid|android id|advertising id|idfa|serial(?: number| no\.?)?|mac(?: address)?)\b\W{0,3}[0-9a-f][0-9a-f \-:]{5,}[0-9a-f]\b").expect("regex"),
        clock: Regex::new(r"(?i)\b([01]?\d|2[0-3])(?::|\s?h\s?)([0-5]\d)(?::([0-5]\d))?\b").expect("regex"),
        military: Regex::new(r"(?i)\b([01]\d|2[0-3])([0-5]\d)\s?(?:z|zulu|utc|gmt|hrs|hours|local)\b").expect("regex"),
        ampm: Regex::new(r"(?i)\b(1[0-2]|0?[1-9])(?:[:.]([0-5]\d))?\s?(?:am|pm|a\.m\.|p\.m\.|o'clock)").expect("regex"),
        iso: Regex::new(r"\b\d{4}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):([0-5]\d)").expect("regex"),
        // 10.15 after a time preposition, or followed by a part of the day: decimals elsewhere.
        dotted: Regex::new(r"(?i)\b(?:at|around|about|approximately|from|until|till|after|before)\s+(?:around |about |approximately )?([01]?\d|2[0-3])\.([0-5]\d)\b(?:[^\d%]|$)|\b([01]?\d|2[0-3])\.([0-5]\d)\s*(?:h|hrs|hours|in the (?:morning|afternoon|evening)|at night|local|tonight|sharp|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|the \d{1,2}(?:st|nd|rd|th)?\b|\d{1,2}\s+[a-z]{3}))\b").expect("regex"),
        // Clock times in words: half past eight, quarter to nine, nine o'clock, noon / midnight.
        spelled: Regex::new(r"(?i)\b(?:(half\s+(?:past|after)|quarter\s+(?:past|to|after)|(?:five|ten|twenty|twenty[- ]five)\s+(?:minutes\s+)?past|(?:five|ten|twenty|twenty[- ]five)\s+minutes\s+to|(?:at|around|about|approximately|by|until|till|before|after|from)\s+(?:about\s+|around\s+|approximately\s+)?(?:five|ten|twenty|twenty[- ]five)\s+to)\s+(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon|midday|midnight|\d{1,2})\b|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+(?:o'clock|o\u{2019}clock|oclock|(?:thirty|fifteen|forty[- ]five)\b|(?:a\.?m\.?|p\.?m\.?)\B|(?:am|pm)\b|in the (?:morning|afternoon|evening)|at night)|(?:at|around|about|shortly (?:before|after)|just (?:before|after)|right after)\s+(?:noon|midday|midnight)\b|\d{1,2}\s+o\u{2019}clock)").expect("regex"),
        quote: Regex::new("\"([^\"]{2,400})\"|[\u{201c}\u{201e}]([^\u{201c}\u{201d}]{2,400})[\u{201d}\u{201c}]|\u{00ab}([^\u{00bb}]{2,400})\u{00bb}|(?:^|[\\s:(])'([^']{2,400})'(?:[\\s.,;:!?)]|$)|\u{2018}([^\u{2019}]{2,400})\u{2019}(?:[^\\w]|$)|\u{2039}([^\u{203a}]{2,400})\u{203a}|\u{00bb}([^\u{00ab}]{2,400})\u{00ab}|\u{300c}([^\u{300d}]{2,400})\u{300d}").expect("regex"),
        // Bitcoin (bech32 and base58), Ethereum, Tron and Monero addresses.
        wallet: Regex::new(r"\b(?:bc1[ac-hj-np-z02-9]{25,87}|[13][a-km-zA-HJ-NP-Z1-9]{25,34}|0x[0-9a-fA-F]{40}|T[1-9A-HJ-NP-Za-km-z]{33}|[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93})\b").expect("regex"),
        // An account name after an account word: the Telegram user abu_layth77.
        account: Regex::new(r"(?i)\b(?:user(?:name)?|user name|account|handle|channel|profile|nick(?:name)?|screen ?name|call ?sign)\s*[:=]?\s*[\x22'\u{201c}\u{2018}]?([a-z][a-z0-9_.]*(?:_|\d)[a-z0-9_.]*[a-z0-9])\b").expect("regex"),
        // An id on a messenger that has no phone numbers or @handles: "the Threema ID of the
        // contact is 7XK2PZ9M", "Session ID 05a1...". The id has a digit.
        platform_id: Regex::new(r"(?i)\b(?:threema|session|tox|wickr|briar|wire|element|matrix|kik|line|wechat|snapchat|skype|discord|signal|telegram|whatsapp|viber|icq|jabber|xmpp|simplex|keybase)\s+(?:id|user ?id|username|user name|handle|account|contact|name)\b(?:\s+(?:of|for|used by)\s+[^,.;:]{1,40}?)?\s*(?:\b(?:is|was)\b)?\s*[:=]?\s*([a-z0-9_.\-]*\d[a-z0-9_.\-]*)\b").expect("regex"),
        // Tor onion services (v2 and v3).
        onion: Regex::new(r"(?i)\b(?:[a-z2-7]{56}|[a-z2-7]{16})\.onion\b").expect("regex"),
        // Vehicle registrations after a registration word: letters and digits, upper case.
        plate: Regex::new(r"\b(?i:registration|reg\.?|vrm|licen[cs]e plates?|number plates?|plates?)(?i:\s+(?:no\.?|number|mark))?\s*[:#]?\s*(?:(?i:is|was)\s+)?([A-Z0-9]{1,4}(?:[ -][A-Z0-9]{1,4}){0,2})\b").expect("regex"),
        // Any base58 address right after a wallet word (Litecoin, Dogecoin, Solana, ...).
        wallet_after_word: Regex::new(r"(?i:wallet|address|addr)\s*(?:(?i:is|was)\s+)?[:=]?\s*([1-9A-HJ-NP-Za-km-z]{26,50})\b").expect("regex"),
        // An hour in digits with a part of the day: "shortly after 3 in the morning".
        hour_of_day: Regex::new(r"(?i)\b(?:at|around|about|approximately|after|before|until|till|by|from)\s+(?:about\s+|around\s+)?(1[0-2]|0?[1-9])\s+(?:in the (?:morning|afternoon|evening)|at night|tonight)\b").expect("regex"),
        // Four digits after a time preposition: "at 0430", "until 1630" (not years: 19xx and
        // 20xx are left out, and a following word other than a time word rules it out).
        bare_hhmm: Regex::new(r"(?i)\b(?:at|until|till|before|by|from|after|around|approximately)\s+((?:0\d|1[0-8]|2[1-3])([0-5]\d))\b").expect("regex"),
        window: Regex::new(r"(?i)\b(?:between|from|until|till|before|after|by|within|during|on)\b[^.]{0,40}?\b(?:\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d{1,2}|\d{4}-\d{2}-\d{2}|\d+\s+(?:hours|days|weeks)|monday|tuesday|wednesday|thursday|friday|saturday|sunday|end of the (?:week|month))|\b(?:coming|next)\s+(?:days|weeks|hours|\d+\s+(?:hours|days))\b").expect("regex"),
    })
}

/// Lints one text. `object_id` and `path` are copied into the findings.
pub fn lint_text(text: &str, object_id: &str, path: &str, cfg: &LintConfig, out: &mut Vec<Finding>) {
    let cached = cfg.cache.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(text).cloned();
    let hits = match cached {
        Some(h) => h,
        None => {
            let mut raw = Vec::new();
            scan(text, cfg, &mut raw);
            let h: Hits = std::sync::Arc::new(raw);
            let mut m = cfg.cache.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if m.len() >= CACHE_MAX {
                m.clear();
            }
            m.insert(text.to_owned(), h.clone());
            h
        }
    };
    for &(code, s, e) in hits.iter() {
        out.push(Finding { code, object_id: object_id.to_owned(), path: path.to_owned(), span: Some((s, e)), blocking: true, matched: text[s..e].to_owned() });
    }
}

fn scan(text: &str, cfg: &LintConfig, out: &mut Vec<(&'static str, usize, usize)>) {
    let mut push = |code: &'static str, s: usize, e: usize| out.push((code, s, e));
    // Vocabulary.
    let ws: Vec<(usize, usize, String)> = words(text).collect();
    let mut hits: Vec<(usize, usize, &'static str)> = Vec::new();
    for i in 0..ws.len() {
        let w = ws[i].2.as_str();
        let mut cands: Vec<usize> = Vec::new();
        if let Some(v) = cfg.inner.by_word.get(w) {
            cands.extend(v);
        }
        if let Some(stem) = w.strip_suffix("'s").and_then(|s| cfg.inner.by_word.get(s)) {
            cands.extend(stem);
        }
        for &l in &cfg.inner.prefix_lens {
            if w.len() >= l && w.is_char_boundary(l)
                && let Some(v) = cfg.inner.by_prefix.get(&w[..l])
            {
                cands.extend(v);
            }
        }
        cands.extend(&cfg.inner.any_first);
        // A phrase whose first token is a class can be reached through several of its words.
        cands.sort_unstable();
        cands.dedup();
        for p in cands {
            let ph = &cfg.inner.phrases[p];
            if let Some(end) = match_at(&ph.toks, &ws, i)
                && end > i
            {
                hits.push((ws[i].0, ws[end - 1].1, ph.code));
            }
        }
    }
    let allowed: Vec<(usize, usize)> = hits.iter().filter(|h| h.2 == ALLOW).map(|h| (h.0, h.1)).collect();
    let mut reported: Vec<(usize, usize, &'static str)> = Vec::new();
    hits.sort_by_key(|h| (h.0, std::cmp::Reverse(h.1)));
    for (s, e, code) in hits {
        if code == ALLOW || allowed.iter().any(|&(a, b)| a <= s && e <= b) {
            continue;
        }
        // One finding per overlapping region and code.
        if reported.iter().any(|&(rs, re, rc)| rc == code && s < re && rs < e) {
            continue;
        }
        reported.push((s, e, code));
        push(code, s, e);
    }

    let pt = patterns();
    // Cheap byte-class prefilters: most sentences have no digit, '@', colon or quote.
    let b = text.as_bytes();
    let has_digit = b.iter().any(u8::is_ascii_digit);
    let has_at = b.contains(&b'@');
    let has_slash = b.contains(&b'/');
    let has_colon = b.contains(&b':');
    let has_quote = b.iter().any(|&c| c == b'"' || c == b'\'') || text.contains(['\u{201c}', '\u{201e}', '\u{00ab}', '\u{00bb}', '\u{2018}', '\u{2039}', '\u{300c}']);
    let mut emails: Vec<(usize, usize)> = Vec::new();
    for m in pt.email.find_iter(if has_at { text } else { "" }) {
        emails.push((m.start(), m.end()));
        push(EMAIL, m.start(), m.end());
    }
    for c in pt.handle.captures_iter(if has_at || has_slash { text } else { "" }) {
        let m = c.get(1).or_else(|| c.get(0)).expect("match");
        if !emails.iter().any(|&(s, e)| s <= m.start() && m.end() <= e) {
            push(HANDLE, m.start(), m.end());
        }
    }
    let mut devices: Vec<(usize, usize)> = Vec::new();
    for m in pt.device.find_iter(if has_digit || has_colon { text } else { "" }) {
        devices.push((m.start(), m.end()));
        push(DEVICE_ID, m.start(), m.end());
    }
    for m in pt.phone.find_iter(if has_digit { text } else { "" }) {
        let digits = m.as_str().bytes().filter(u8::is_ascii_digit).count();
        let overlaps_device = devices.iter().any(|&(s, e)| m.start() < e && s < m.end());
        if (8..=15).contains(&digits) && !overlaps_device && !looks_like_date(m.as_str()) {
            push(PHONE, m.start(), m.end());
        }
    }
    // Times finer than the granularity.
    let g = cfg.granularity;
    let mut times: Vec<(usize, usize)> = Vec::new();
    let time = |s: usize, e: usize, fine: Granularity, out: &mut Vec<(usize, usize)>| {
        if fine < g && !out.iter().any(|&(a, b)| s < b && a < e) {
            out.push((s, e));
        }
    };
    for c in pt.iso.captures_iter(if has_digit { text } else { "" }) {
        let m = c.get(0).expect("match");
        time(m.start(), m.end(), if &c[2] == "00" { Granularity::Hour } else { Granularity::Minute }, &mut times);
    }
    for c in pt.clock.captures_iter(if has_digit { text } else { "" }) {
        let m = c.get(0).expect("match");
        let fine = if c.get(3).is_some() { Granularity::Second } else if &c[2] == "00" { Granularity::Hour } else { Granularity::Minute };
        time(m.start(), m.end(), fine, &mut times);
    }
    for c in pt.military.captures_iter(if has_digit { text } else { "" }) {
        let m = c.get(0).expect("match");
        time(m.start(), m.end(), if &c[2] == "00" { Granularity::Hour } else { Granularity::Minute }, &mut times);
    }
    for c in pt.ampm.captures_iter(if has_digit { text } else { "" }) {
        let m = c.get(0).expect("match");
        let fine = match c.get(2) {
            Some(mm) if mm.as_str() != "00" => Granularity::Minute,
            _ => Granularity::Hour,
        };
        time(m.start(), m.end(), fine, &mut times);
    }
    for c in pt.dotted.captures_iter(if has_digit { text } else { "" }) {
        let m = c.get(0).expect("match");
        let mm = c.get(2).or_else(|| c.get(4)).expect("minutes");
        // "at 12.50 per cent", "around 3.20 million": a decimal, not a time.
        let next = words(&text[mm.end()..]).next().map(|(_, _, w)| w).unwrap_or_default();
        if !UNITS.contains(&next.as_str()) {
            time(m.start(), m.end(), if mm.as_str() == "00" { Granularity::Hour } else { Granularity::Minute }, &mut times);
        }
    }
    for c in pt.spelled.captures_iter(text) {
        let m = c.get(0).expect("match");
        let l = m.as_str().to_lowercase();
        let fine = if c.get(1).is_some() || ["thirty", "fifteen", "forty"].iter().any(|w| l.contains(w)) { Granularity::Minute } else { Granularity::Hour };
        time(m.start(), m.end(), fine, &mut times);
    }
    for c in pt.hour_of_day.captures_iter(if has_digit { text } else { "" }) {
        let m = c.get(0).expect("match");
        time(m.start(), m.end(), Granularity::Hour, &mut times);
    }
    for c in pt.bare_hhmm.captures_iter(if has_digit { text } else { "" }) {
        let m = c.get(1).expect("time");
        // "at 0430", "until 1630 on Friday"; not "at 1200 metres", "by 1500 fighters".
        let next = text[m.end()..].trim_start();
        let word = words(next).next().map(|(_, _, w)| w).unwrap_or_default();
        let ok = next.is_empty() || next.starts_with([',', '.', ';', ')']) || (next.starts_with(char::is_alphabetic) && HHMM_NEXT.contains(&word.as_str()));
        if ok {
            time(m.start(), m.end(), if &c[2] == "00" { Granularity::Hour } else { Granularity::Minute }, &mut times);
        }
    }
    for (s, e) in times {
        push(TIME_PRECISION, s, e);
    }
    // Wallet addresses (a run of hex digits is a hash, not a base58 address).
    for m in pt.wallet.find_iter(if has_digit { text } else { "" }) {
        let w = m.as_str();
        if w.starts_with("0x") || !w.bytes().all(|c| c.is_ascii_hexdigit()) {
            push(WALLET, m.start(), m.end());
        }
    }
    // Account names after an account word ("the Telegram user abu_layth77").
    let mut accounts: Vec<(usize, usize)> = Vec::new();
    for c in pt.account.captures_iter(text) {
        let m = c.get(1).expect("name");
        if !emails.iter().any(|&(s, e)| s <= m.start() && m.end() <= e) {
            accounts.push((m.start(), m.end()));
            push(HANDLE, m.start(), m.end());
        }
    }
    for c in pt.platform_id.captures_iter(text) {
        let m = c.get(1).expect("id");
        let id = m.as_str().trim_matches(['.', '-', '_']);
        let known = emails.iter().chain(&accounts).any(|&(s, e)| m.start() < e && s < m.end());
        // Six characters at least: "the Signal account of 2024" is not an id.
        if !known && id.len() >= 6 {
            let s = m.start() + m.as_str().find(id).unwrap_or(0);
            push(HANDLE, s, s + id.len());
        }
    }
    for m in pt.onion.find_iter(if text.contains(".onion") || text.contains(".ONION") { text } else { "" }) {
        push(HANDLE, m.start(), m.end());
    }
    for c in pt.plate.captures_iter(if has_digit { text } else { "" }) {
        let m = c.get(1).expect("plate");
        let p = m.as_str();
        let alnum = p.bytes().filter(u8::is_ascii_alphanumeric).count();
        if alnum >= 5 && p.bytes().any(|b| b.is_ascii_digit()) && p.bytes().any(|b| b.is_ascii_uppercase()) && !looks_like_date(p) {
            push(DEVICE_ID, m.start(), m.end());
        }
    }
    for c in pt.wallet_after_word.captures_iter(if has_digit { text } else { "" }) {
        let m = c.get(1).expect("address");
        let a = m.as_str();
        let mixed = a.bytes().any(|b| b.is_ascii_digit()) && a.bytes().any(|b| b.is_ascii_uppercase()) && a.bytes().any(|b| b.is_ascii_lowercase());
        if mixed && !pt.wallet.is_match(a) {
            push(WALLET, m.start(), m.end());
        }
    }
    // Quoted speech.
    for c in pt.quote.captures_iter(if has_quote { text } else { "" }) {
        let Some(inner) = c.iter().skip(1).flatten().next() else { continue };
        let n = words(inner.as_str()).count();
        let before = &text[..c.get(0).expect("match").start()];
        let mut from = before.len().saturating_sub(40);
        while !before.is_char_boundary(from) {
            from += 1;
        }
        let verb = words(&before[from..]).last().is_some_and(|(_, _, w)| cfg.inner.speech_verbs.contains(&w))
            || before.trim_end().ends_with(':');
        let whole = c.get(0).expect("match");
        if (n >= cfg.inner.quote_min_words || (verb && n >= cfg.inner.quote_min_after_verb)) && !public_or_mention(text, whole.start(), whole.end(), cfg) {
            push(QUOTE, inner.start(), inner.end());
        }
    }
    // Reported speech after a colon without quotation marks: "His message read: we go after
    // the sermon." A speech verb right before the colon, or within three words of it ("told the
    // group:"); the words after it up to the end of the sentence are the quotation.
    for (ci, _) in text.match_indices(':').filter(|_| has_colon) {
        let mut from = ci.saturating_sub(60);
        while !text.is_char_boundary(from) {
            from += 1;
        }
        let head = &text[from..ci];
        let before: Vec<(usize, usize, String)> = words(head).collect();
        if before.last().is_none_or(|(_, e, _)| !head[*e..].trim().is_empty()) {
            continue;
        }
        let n = before.len();
        let verb = before.iter().enumerate().rev().take(3).any(|(i, (_, _, w))| {
            cfg.inner.speech_verbs.contains(w) && (i + 1 == n || !cfg.inner.speech_verbs_adjacent.contains(w))
        });
        let noun = before.iter().rev().take(4).any(|(_, _, w)| cfg.inner.speech_nouns.contains(w.strip_suffix("'s").unwrap_or(w)));
        if !verb && !noun {
            continue;
        }
        let rest = &text[ci + 1..];
        if rest.trim_start().starts_with(['"', '\'', '\u{201c}', '\u{00ab}', '\u{2018}']) || rest.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let end = rest.find(['.', '!', '?', '\n']).unwrap_or(rest.len());
        let said: Vec<String> = words(&rest[..end]).map(|(_, _, w)| w).collect();
        // After a noun ("the instruction was:"), only words in the first or second person are
        // speech: "the key message: recipients should review access" is not.
        if !verb && !said.iter().any(|w| PERSONAL.contains(&w.as_str())) {
            continue;
        }
        if said.len() >= cfg.inner.quote_min_after_verb.max(3) && !public_or_mention(text, ci, ci + 1 + end, cfg) {
            let s = ci + 1 + (rest.len() - rest.trim_start().len());
            push(QUOTE, s, (ci + 1 + end).max(s));
        }
    }
}

/// Words that may follow "at 0430" and keep it a clock time.
const HHMM_NEXT: [&str; 16] = ["on", "local", "lt", "hours", "hrs", "h", "tomorrow", "today", "tonight", "and", "or", "when", "sharp", "that", "the", "until"];

/// First- and second-person words: the voice of direct speech.
const PERSONAL: [&str; 12] = ["i", "i'm", "i'll", "me", "my", "we", "we'll", "we're", "us", "our", "you", "your"];

/// Whether the quotation at `qs..qe` is a public statement (a phrase of `public_speech` in its
/// sentence, outside the quotation) or a mention (a `quote_mention` word right before it, or
/// "instead" / "rather" right after it: "say 'in the coming days' instead").
fn public_or_mention(text: &str, qs: usize, qe: usize, cfg: &LintConfig) -> bool {
    let before = &text[..qs];
    let after = &text[qe..];
    if words(before).last().is_some_and(|(_, _, w)| cfg.inner.quote_mention.contains(&w))
        || words(after).next().is_some_and(|(_, _, w)| w == "instead" || w == "rather")
    {
        return true;
    }
    // The sentence around the quotation.
    let start = [". ", "! ", "? ", "\n"].iter().filter_map(|t| before.rfind(t).map(|i| i + t.len())).max().unwrap_or(0);
    let end = [". ", "! ", "? ", "\n"].iter().filter_map(|t| after.find(t)).min().map_or(text.len(), |i| qe + i);
    let outside: Vec<(usize, usize, String)> = words(&text[start..qs]).chain(words(&text[qe..end])).collect();
    cfg.inner.public_speech.iter().any(|toks| (0..outside.len()).any(|i| match_at(toks, &outside, i).is_some_and(|e| e > i)))
}

/// Words after a number that make "at 12.50" a quantity rather than a clock time.
const UNITS: [&str; 16] = ["per", "percent", "pc", "million", "billion", "km", "kilometres", "kilometers", "m", "metres", "kg", "tonnes", "dollars", "euros", "usd", "points"];

fn looks_like_date(s: &str) -> bool {
    // 2024-01-10, 10.01.2024, 10/01/2024: a year (19xx / 20xx) and two 1-2 digit parts.
    let parts: Vec<&str> = s.trim().split(['-', '.', '/']).collect();
    let year = |p: &str| p.len() == 4 && (p.starts_with("19") || p.starts_with("20"));
    parts.len() == 3
        && parts.iter().all(|p| !p.is_empty() && p.bytes().all(|c| c.is_ascii_digit()))
        && parts.iter().filter(|p| year(p)).count() == 1
        && parts.iter().filter(|p| p.len() <= 2).count() == 2
}

/// Lints every released text. Marking-definitions, extension-definitions, the releasing
/// organisation's identity (`skip_ids`) and timestamps are not linted.
pub fn lint_objects(objects: &[Value], skip_ids: &[&str], cfg: &LintConfig) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut has_location = false;
    let mut has_window = false;
    let mut has_content = false;
    for o in objects {
        let ty = o.get("type").and_then(Value::as_str).unwrap_or_default();
        let id = o.get("id").and_then(Value::as_str).unwrap_or_default();
        if matches!(ty, "marking-definition" | "extension-definition") || skip_ids.contains(&id) {
            continue;
        }
        has_content = true;
        if ty == "location" {
            has_location = true;
        }
        if ["valid_until", "last_seen", "last_observed", "stop_time"].iter().any(|k| o.get(*k).is_some()) {
            has_window = true;
        }
        if let Some(t) = o.get("extensions").and_then(|e| e.get(ids::EXT_THREAT_ATTRIBUTES)) {
            has_window |= t.get("window_end").is_some() || t.get("window_start").is_some();
            has_location |= t.get("specificity").and_then(|s| s.get("where")).is_some_and(|w| w.as_str().is_some_and(|s| !s.is_empty()));
        }
        walk(o, "", &mut |path, text| {
            if !has_window && patterns().window.is_match(text) {
                has_window = true;
            }
            lint_text(text, id, path, cfg, &mut out);
        }, cfg);
    }
    if has_content && !has_location {
        out.push(Finding { code: NO_LOCATION, object_id: String::new(), path: String::new(), span: None, blocking: false, matched: String::new() });
    }
    if has_content && !has_window {
        out.push(Finding { code: NO_WINDOW, object_id: String::new(), path: String::new(), span: None, blocking: false, matched: String::new() });
    }
    out
}

fn walk(v: &Value, path: &str, f: &mut impl FnMut(&str, &str), cfg: &LintConfig) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                if cfg.inner.skip_keys.contains(k) || k.ends_with("_ref") || k.ends_with("_refs") || k.ends_with("_types") {
                    continue;
                }
                walk(x, &crate::path::key(path, k), f, cfg);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk(x, &crate::path::index(path, i), f, cfg);
            }
        }
        Value::String(s) if tearline_stix::Timestamp::parse(s).is_err() => f(path, s),
        _ => {}
    }
}

/// The blocking findings that no override clears.
pub fn unresolved<'a>(findings: &'a [Finding], overrides: &[Override]) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.blocking && !overrides.iter().any(|o| o.clears(f))).collect()
}
