//! The sanitiser: lints over the text of released objects.
//!
//! Blocking lints (a release with one is refused unless an approver overrides that finding with a
//! justification):
//! - `TL-MODALITY`: collection-modality wording ("intercepted", "call between", "SIGINT", "imagery
//!   shows", ...);
//! - `TL-SOURCE`: descriptions of sources or their access ("a member of the cell", "source with
//!   access", "informant", "liaison service", ...);
//! - `TL-QUOTE`: quoted speech (a quotation of several words, or one right after "said" / "told" /
//!   "wrote" ... or right before a tag: "'Don't bring phones,' the courier reminded them"; single
//!   quotes may hold apostrophes: "'If I don't come back, ...'"; English, German (`„...“`,
//!   `‚...‘`), French, Swiss and Japanese marks);
//! - `TL-QUOTE` also covers unquoted speech after a colon ("his message read: we go after the
//!   sermon"; after a speech noun in the first or second person: "the instruction was simply: wait
//!   for my signal", or in any person when the noun is the subject of "was" / "is" right before the
//!   colon: "The order, as relayed by the courier, was: hit them where they pray"), around a speech
//!   tag between commas ("Go at dawn, she told them, and do not call me"; the tag's subject may
//!   hold "of" and a noun: "..., the head of the clan told his lieutenants", "..., one of the
//!   brothers told the driver"), after a speech verb with its addressee or its channel and a colon
//!   or a dash ("She said to her brother: the money is in the blue bag", "guy says to the driver —
//!   park by the side gate", "he wrote in the group chat: bring the bags"), after a speech tag and
//!   a comma when the speech opens with a capital or the first person and speaks in the first or
//!   second person ("He swore to them, We will not leave one soldier standing"), and dictated
//!   speech ("quote, we go on Friday, unquote"). The colon forms hold after a dash too when the
//!   verb is the last word or a speech noun is the subject ("His final note reads in part — Forgive
//!   me, ..."; not a parenthesis "— as expected —" nor "— that ..."); a verb may be followed by a
//!   filler ("reads in part:", "went roughly:", "as follows"), a possessed speech noun by "was"
//!   and a word of manner ("The commander's instruction to the team was blunt — take the bridge
//!   first"), and writing may open or close the clause ("Written on the back of the diagram in
//!   the bomb-maker's hand: ...", "..., in the courier's handwriting: ...") (ninth round). A
//!   quotation in a sentence that makes it a public
//!   statement ("told reporters", "in a televised address", "the minister said", "the State
//!   Department warned", "thousands chanting") or a name or slogan ("a statement titled", "the
//!   government's slogan for the campaign, '...'", "say '...' instead"), a characterisation after
//!   a naming verb and its object ("called the strike '...'", "described the raid as '...'") or an
//!   inscription ("'One city, one club' is painted above the gate") is not speech of the plotters
//!   and is not reported, unless the speech verb has a subordinate of a gang, a club or a cell as
//!   its addressee (`private_speech` phrases: "The club president told his members, '...'"); a
//!   mention noun after a speech verb and "that" does not make a quotation a name ("told the
//!   members that the operation is '...'");
//! - `TL-PHONE`, `TL-EMAIL`, `TL-HANDLE`, `TL-DEVICE-ID`, `TL-WALLET`: selectors (phone numbers,
//!   North American numbers without a prefix, e-mail addresses, @handles, platform links and
//!   account names like `user abu_layth77` or `Handle on the forum: Sayf_al_Haqq`, invite links
//!   (`chat.whatsapp.com/...`, `signal.group/...`), messenger ids like `Threema ID 7XK2PZ9M`, onion
//!   addresses, spelled-out and defanged e-mail addresses (`name at proton dot me`,
//!   `name[at]domain[.]com`), IMEI / IMSI / ICCID / MAC addresses, vehicle registrations after a
//!   registration word, Bitcoin / Ethereum / Tron / Monero / Litecoin / Dogecoin / XRP / other
//!   bech32 wallets and any base58 address after "wallet" or "address", Indian UPI payment
//!   addresses (`name@okaxis`, any `name@handle` after "UPI ID"), payment links (`paypal.me/...`,
//!   `cash.app/$...`), Cash App `$cashtags`, and gaming and Discord tags (`ironwolf#4471`; not
//!   `ticket#2210`); registrations after "rego", "Kennzeichen", "matrícula" and other registration
//!   words, with groups of up to five characters, or five digits or more alone after a plate
//!   word (`Dubai plate N 48213`, `Kuwaiti plates 48291`); account names after platforms' short
//!   names (`his snap is dz.k1ng_07`, "insta", "psn") and after verbs of going by a name (`goes
//!   by shadow_of_uhud.07`, "calls himself", "posts as"); mobile-money and bank account numbers
//!   after the service's or an account word (`EVC Plus account 61 558 0412`, "M-Pesa", "Zaad",
//!   IBANs; national bank account and branch numbers after "CLABE", "CBU", "CVU", "BSB", "sort
//!   code", "routing number", "NUBAN": tenth round) as `TL-WALLET`; profile links on Steam
//!   (`steamcommunity.com/id/...`), Twitch, Reddit, Roblox, OK, Gab, Kick, Bluesky, Truth
//!   Social, Rumble, Odysee and Minds as `TL-HANDLE` (tenth round)). A published public line is
//!   not a selector: a freephone or toll-free number, or one after "hotline", "helpline" ...
//!   within six words, or after "public", "enquiry", "switchboard" ... followed by a line word
//!   ("the public safety line", "the enquiry desk"; alone those words fail closed). IP addresses and domains are not selectors here:
//!   indicators are released on purpose; but an IP address that its sentence attributes to a
//!   person (`ip_attribution` phrases: "rented by the accused under his own name", "the
//!   suspect's home connection"; or a possessor's home connection: "Musa Garba's home
//!   connection") is reported as `TL-DEVICE-ID`;
//! - `TL-TIME-PRECISION`: clock times finer than the configured granularity (default: a day):
//!   `14:35`, `14h35`, `14 h 35`, `0235Z`, `at 0430`, `2:35 pm`, `at 10.15`, `19.30 on Thursday`,
//!   `half past eight`, `twenty to eight`, `a quarter to midnight`, `nine o'clock`, `shortly after
//!   3 in the morning`, `at midnight`, `at 0615 at the fuel station`, `around half seven`, `roughly
//!   05.20`, `between 2 and 3 in the afternoon`, `0530-0600`, `at 19h`, `at 7 sharp`, ISO
//!   timestamps, a time after a scheduling verb (`timed for 1615`, `planned for 14.30`), military
//!   time-zone letters (`0540J`, `at 0300L`, `2130-2200L`, `0115L and 0145L`), a four-digit time
//!   after a label in notes (`RV: 2330`, `Time: 0415`; a label may take a qualifier with a
//!   preposition or in parentheses before its colon when a zone letter, a time word, a parenthesis
//!   or the end of the clause follows the time: `ETA at target: 1340L`, `H-hour (local): 0400`, not
//!   `Meeting at the ministry: 1200 participants`; tenth round), approximate times (`1915ish`,
//!   `around 10ish`, `~2315`, `c.2340`, `ca. 0130`, when not a quantity), `14.30 Uhr`, a range of
//!   four-digit times before a temporal word (`between 1100 and 1130 before marching`), a half hour
//!   in digits (`at half 9`, `half 8 tonight`), a zone-lettered time after an approximation mark or
//!   a verb of movement or sighting (`c. 0215L`, `departed 0630L`, `sighted 2240L`; not `left 1000L
//!   of diesel`). A part of the day ("the evening of 11 January", "at dawn") is a window, not a
//!   clock time, and is not reported at any granularity; nor is the published time of a public
//!   event stated as such ("The march will leave Trafalgar Square at midday"), of an advisory, a
//!   patch or a report ("The vendor's advisory was published at 16:00 UTC and updated at 18:30
//!   UTC"), of a public address or programme's broadcast ("The king's address was broadcast at 8
//!   p.m."), an office's or a helpline's hours, or shift hours stated as advertised or published
//!   ("The plant's night shift runs from 22:00 to 06:00, as advertised in its recruitment notices";
//!   tenth round), nor a programme's airing time, a line's or an office's hours, a published
//!   timetable, a fixture's kick-off, a siren test, a service's start, a notice to staff, or a time
//!   the sentence attributes to a published timetable or website ("..., according to the
//!   organisers' website"); of the public clauses at a sentence's start the one reaching furthest
//!   counts, and "and" between two times joins a range (twelfth round). `12 noon` and hours
//!   counted in words (`at 6 hours 15 minutes in the morning`) are clock times.
//!
//! Phrases of the vocabulary do not reach across sentences: a semicolon, a question or exclamation
//! mark, a line break or a full stop before a space ends a match, except the full stop of an
//! abbreviation or an initial ("St. Mary's", "Lt. Col. J. Okafor", "No. 4"), which ends no
//! sentence anywhere in the lints. A word with a clitic matches as the word ("leader's" as "leader", "we've" / "we're" / "we'd" as "we").
//!
//! `TL-MODALITY`, `TL-SOURCE`, `TL-QUOTE` and `TL-TIME-PRECISION` also come from a statistical
//! second opinion ([`model`]): per sentence of five words or more where the phrases and patterns
//! found nothing of that class, a logistic regression trained on the labelled sentences the
//! vocabulary was tuned on. Its findings span the sentence and carry a `reason`: the head, the
//! probability and the words that weighed most. On the eight sets nobody had tuned or trained on
//! it raised recall from 0.818 to 0.955 for less than a point of precision (0.827 to 0.821; on
//! the two written after it, 0.815 to 0.963 for three points: `tests/it/lints_eval.rs`). The
//! vocabulary's `[model]` table turns it on, sets its thresholds and may add an organisation's
//! own labelled sentences. Leak tracing's interchangeable phrases are read as one
//! ([`LintConfig::with_equivalent_phrases`]), so every partner's variant of a release gets the
//! same findings.
//!
//! Warnings (never block): `TL-NO-LOCATION` and `TL-NO-WINDOW`, for releases that give no place or
//! no time window: recipients dismiss such warnings as "too general".
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

pub mod model;

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
    /// Why, when the matched text alone does not say: for the model's findings, the head, the
    /// probability and the words that weighed most.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
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
    /// Nouns that make a quotation a name or a wording when they stand within five words before
    /// it, in the same clause ("the government's slogan for the campaign, '...'", "banners
    /// reading '...'", "chanting '...'").
    #[serde(default)]
    quote_mention_near: Vec<String>,
    /// Words right before a speech noun that make it our own framing, not speech of the
    /// plotters ("key message:", "our message:").
    #[serde(default)]
    speech_noun_frames: Vec<String>,
    /// Phrases that, at the start of a sentence, make a clock time the published time of a
    /// public event ("The march will leave Trafalgar Square at midday"): a time inside such a
    /// match is not reported.
    #[serde(default)]
    time_allow: Vec<String>,
    /// Phrases that, in the sentence of an IP address, attribute it to a person ("rented by the
    /// accused under his own name"): the address is then a selector (seventh round; optional).
    #[serde(default)]
    ip_attribution: Vec<String>,
    /// Phrases that, in the sentence of a quotation, make it private speech even when a
    /// `public_speech` phrase is there too ("The club president told his members, '...'"):
    /// a speech verb with a subordinate of a gang or a cell as its addressee (eighth round;
    /// optional).
    #[serde(default)]
    private_speech: Vec<String>,
    skip_keys: Vec<String>,
    /// The statistical second opinion on modality, sources, speech and clock times in words
    /// (`[model]`, optional: a vocabulary without it has none). See [`model`].
    #[serde(default)]
    model: Option<model::Settings>,
}

#[derive(Debug, Clone)]
enum Tok {
    Word(String),
    Prefix(String),
    /// `a|b*|c`: any one of several words or prefixes (a word class): its first `n` tokens are
    /// the words, sorted (looked up by binary search), then the prefixes.
    Alt(Vec<Tok>, usize),
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
        alts.sort_by(|a, b| match (a, b) {
            (Tok::Word(x), Tok::Word(y)) => x.cmp(y),
            (Tok::Word(_), _) => std::cmp::Ordering::Less,
            (_, Tok::Word(_)) => std::cmp::Ordering::Greater,
            _ => std::cmp::Ordering::Equal,
        });
        let n = alts.iter().take_while(|t| matches!(t, Tok::Word(_))).count();
        toks.push(Tok::Alt(alts, n));
    }
    Ok(toks)
}

#[derive(Debug, Clone)]
struct Phrase {
    toks: Vec<Tok>,
    code: &'static str,
}

/// One hit: code, start, end, and the reason the model gives (none for phrases and patterns).
type Hit = (&'static str, usize, usize, Option<String>);

/// The hits of one text.
type Hits = std::sync::Arc<Vec<Hit>>;

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
    /// Phrases the model reads as one ([`LintConfig::with_equivalent_phrases`]).
    equivalents: Option<std::sync::Arc<model::Equivalents>>,
    /// The statistical second opinion, when the vocabulary has a `[model]` table.
    model: Option<std::sync::Arc<model::Model>>,
}

#[derive(Debug)]
struct Compiled {
    phrases: Vec<Phrase>,
    by_word: HashMap<String, Vec<usize>>,
    /// Phrases by the prefixes their first token may start with, as a trie of bytes.
    by_prefix: PrefixTrie,
    any_first: Vec<usize>,
    speech_verbs: HashSet<String>,
    speech_verbs_adjacent: HashSet<String>,
    speech_nouns: HashSet<String>,
    public_speech: Vec<Vec<Tok>>,
    quote_mention: HashSet<String>,
    quote_mention_near: HashSet<String>,
    speech_noun_frames: HashSet<String>,
    time_allow: Vec<Vec<Tok>>,
    ip_attribution: Vec<Vec<Tok>>,
    private_speech: Vec<Vec<Tok>>,
    quote_min_words: usize,
    quote_min_after_verb: usize,
    skip_keys: HashSet<String>,
}

/// A node of a [`PrefixTrie`]: its children by byte, and the phrases whose prefix ends there.
type TrieNode = (Vec<(u8, usize)>, Vec<usize>);

/// Prefixes as a trie of bytes: the phrases of every prefix of a word in one walk along it.
#[derive(Debug, Default)]
struct PrefixTrie {
    nodes: Vec<TrieNode>,
}

impl PrefixTrie {
    fn insert(&mut self, prefix: &str, phrase: usize) {
        if self.nodes.is_empty() {
            self.nodes.push(Default::default());
        }
        let mut n = 0;
        for b in prefix.bytes() {
            n = match self.nodes[n].0.iter().find(|&&(x, _)| x == b) {
                Some(&(_, next)) => next,
                None => {
                    self.nodes.push(Default::default());
                    let next = self.nodes.len() - 1;
                    self.nodes[n].0.push((b, next));
                    next
                }
            };
        }
        self.nodes[n].1.push(phrase);
    }

    /// Adds to `out` the phrases of every prefix of `w` (the empty one included).
    fn find(&self, w: &str, out: &mut Vec<usize>) {
        let Some(mut node) = self.nodes.first() else { return };
        out.extend(&node.1);
        for b in w.bytes() {
            match node.0.iter().find(|&&(x, _)| x == b) {
                Some(&(_, next)) => node = &self.nodes[next],
                None => return,
            }
            out.extend(&node.1);
        }
    }
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
            by_prefix: PrefixTrie::default(),
            any_first: Vec::new(),
            speech_verbs: v.speech_verbs.iter().chain(&v.speech_verbs_adjacent).map(|s| s.to_lowercase()).collect(),
            speech_verbs_adjacent: v.speech_verbs_adjacent.iter().map(|s| s.to_lowercase()).collect(),
            speech_nouns: v.speech_nouns.iter().map(|s| s.to_lowercase()).collect(),
            public_speech: v.public_speech.iter().map(|p| parse_phrase(p)).filter(|t| !t.as_ref().is_ok_and(Vec::is_empty)).collect::<Result<_, _>>()?,
            quote_mention: v.quote_mention.iter().map(|s| s.to_lowercase()).collect(),
            quote_mention_near: v.quote_mention_near.iter().map(|s| s.to_lowercase()).collect(),
            speech_noun_frames: v.speech_noun_frames.iter().map(|s| s.to_lowercase()).collect(),
            time_allow: v.time_allow.iter().map(|p| parse_phrase(p)).filter(|t| !t.as_ref().is_ok_and(Vec::is_empty)).collect::<Result<_, _>>()?,
            ip_attribution: v.ip_attribution.iter().map(|p| parse_phrase(p)).filter(|t| !t.as_ref().is_ok_and(Vec::is_empty)).collect::<Result<_, _>>()?,
            private_speech: v.private_speech.iter().map(|p| parse_phrase(p)).filter(|t| !t.as_ref().is_ok_and(Vec::is_empty)).collect::<Result<_, _>>()?,
            quote_min_words: v.quote_min_words.max(1),
            quote_min_after_verb: v.quote_min_words_after_verb.max(1),
            skip_keys: v.skip_keys.into_iter().collect(),
        };
        let model = v.model.as_ref().map(model::Settings::train).transpose().map_err(ConfigError)?.map(std::sync::Arc::new);
        for (list, code) in [(&v.modality, MODALITY), (&v.source, SOURCE), (&v.allow, ALLOW)] {
            for p in list {
                let toks = parse_phrase(p)?;
                if toks.is_empty() {
                    return Err(ConfigError(format!("empty phrase '{p}'")));
                }
                let i = c.phrases.len();
                let firsts = match &toks[0] {
                    Tok::Alt(alts, _) => alts.as_slice(),
                    t => std::slice::from_ref(t),
                };
                for t in firsts {
                    match t {
                        Tok::Word(w) => c.by_word.entry(w.clone()).or_default().push(i),
                        Tok::Prefix(pre) => c.by_prefix.insert(pre, i),
                        Tok::Any | Tok::Gap(_) | Tok::Alt(..) => c.any_first.push(i),
                    }
                }
                c.phrases.push(Phrase { toks, code });
            }
        }
        Ok(LintConfig { inner: std::sync::Arc::new(c), cache: Default::default(), granularity: Granularity::Day, equivalents: None, model })
    }

    /// The same vocabulary without its model: the phrases and patterns alone (to measure what
    /// the model adds).
    pub fn without_model(&self) -> LintConfig {
        LintConfig { model: None, cache: Default::default(), ..self.clone() }
    }

    /// Groups of interchangeable phrases (leak tracing's phrase table) that the model reads as
    /// each group's first phrase, so every partner's variant of a release gets the same
    /// findings. The phrases and patterns are not affected.
    pub fn with_equivalent_phrases<'a, G: IntoIterator<Item = &'a str>>(mut self, groups: impl IntoIterator<Item = G>) -> LintConfig {
        self.equivalents = Some(std::sync::Arc::new(model::Equivalents::new(groups)));
        self.cache = Default::default();
        self
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
                let w = &text[s..e];
                return Some((s, e, if w.is_ascii() { w.to_ascii_lowercase() } else { w.to_lowercase() }));
            }
        }
    })
}

/// A word without its clitic: "leader's" is "leader", "we've" / "we're" / "we'd" / "we'll" /
/// "I'm" are "we" and "i" (eighth round: "we've got access to his iCloud").
fn strip_clitic(w: &str) -> Option<&str> {
    ["'s", "'ve", "'re", "'d", "'ll", "'m"].iter().find_map(|c| w.strip_suffix(c)).filter(|s| !s.is_empty())
}

fn tok_matches(t: &Tok, w: &str) -> bool {
    match t {
        Tok::Word(x) => x == w || strip_clitic(w).is_some_and(|s| s == x),
        Tok::Prefix(p) => w.starts_with(p.as_str()),
        Tok::Alt(alts, n) => {
            let found = |v: &str| alts[..*n].binary_search_by(|t| if let Tok::Word(x) = t { x.as_str().cmp(v) } else { std::cmp::Ordering::Less }).is_ok();
            found(w) || strip_clitic(w).is_some_and(found) || alts[*n..].iter().any(|a| tok_matches(a, w))
        }
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
    wallet: Regex,
    account: Regex,
    platform_id: Regex,
    onion: Regex,
    plate: Regex,
    wallet_after_word: Regex,
    hour_of_day: Regex,
    bare_hhmm: Regex,
    window: Regex,
    email_spelled: Regex,
    half_hour: Regex,
    dotted_zero: Regex,
    hour_range: Regex,
    hhmm_range: Regex,
    sched: Regex,
    military_letter: Regex,
    upi: Regex,
    cashtag: Regex,
    ipv4: Regex,
    ish: Regex,
    labelled_hhmm: Regex,
    approx_hhmm: Regex,
    game_tag: Regex,
    alias: Regex,
    money_account: Regex,
}

/// Compiles a pattern with ASCII word boundaries: Unicode ones keep the fast automata off any
/// text with a non-ASCII character (curly quotes, accents), and the patterns' words are ASCII.
fn re(pattern: &str) -> Result<Regex, regex::Error> {
    Regex::new(&pattern.replace(r"\b", r"(?-u:\b)").replace(r"\B", r"(?-u:\B)"))
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        email: re(r"(?i)\b[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b").expect("regex"),
        handle: re(r"(?i)(?:^|[^\w@.])(@[a-z0-9_]{3,32})\b|\b(?:t\.me|telegram\.me|telegram\.dog|wa\.me|signal\.me|twitter\.com|x\.com|instagram\.com|facebook\.com|fb\.com|vk\.com|tiktok\.com|threads\.net|discord\.gg|discord\.com/invite|paypal\.me|cash\.app|revolut\.me|venmo\.com(?:/u)?|ko-fi\.com|buymeacoffee\.com|patreon\.com|youtube\.com|snapchat\.com/add|m\.me|chat\.whatsapp\.com|whatsapp\.com/(?:channel|invite)|signal\.group|matrix\.to|join\.skype\.com|invite\.viber\.com|line\.me|threema\.id|kik\.me|t\.snapchat\.com|session\.id|rocket\.chat|element\.io|steamcommunity\.com/(?:id|profiles)|twitch\.tv|reddit\.com/(?:u|user)|roblox\.com/users|ok\.ru|gab\.com|kick\.com|bsky\.app/profile|truthsocial\.com|rumble\.com/(?:c|user)|odysee\.com|minds\.com)/\$?[a-z0-9_.+@#-]{3,}").expect("regex"),
        phone: re(r"(?i)(?:\+|\b0)[\d \-().]{6,22}\d\b|\b(?:numbers?|phones?|tel|telephone|mobile|cell|whatsapp|signal|viber|telegram|thuraya|satphone|sim|line|contact|dial(?:ed|led)?|called|texted|msisdn|reachable (?:on|at))(?:\s+(?:is|was|are|were))?\W{1,5}\d[\d \-().]{6,20}\d\b|(?:\([2-9]\d{2}\)\s?|\b[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}\b").expect("regex"),
        device: re(r"(?i)\b(?:\d{15}|\d{2}[- ]\d{6}[- ]\d{6}[- ]?\d|89\d{16,18}|[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}|[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4})\b|\b(?:imei|imsi|iccid|msisdn|meid|esn|udid|android id|advertising id|idfa|serial(?: number| no\.?)?|mac(?: address)?)\b\W{0,3}[0-9a-f][0-9a-f \-:]{5,}[0-9a-f]\b").expect("regex"),
        clock: re(r"(?i)\b([01]?\d|2[0-3])(?::|\s?h\s?)([0-5]\d)(?::([0-5]\d))?\b").expect("regex"),
        military: re(r"(?i)\b([01]\d|2[0-3])([0-5]\d)\s?(?:z|zulu|utc|gmt|hrs|hours|local|horas|uhr|heures)\b").expect("regex"),
        ampm: re(r"(?i)\b(1[0-2]|0?[1-9])(?:[:.]([0-5]\d))?\s?(?:am|pm|a\.m\.|p\.m\.|o'clock)").expect("regex"),
        iso: re(r"\b\d{4}-\d{2}-\d{2}[T ]([01]\d|2[0-3]):([0-5]\d)").expect("regex"),
        // 10.15 after a time preposition, or followed by a part of the day: decimals elsewhere.
        dotted: re(r"(?i)\b(?:at|around|about|approximately|approx\.?|roughly|circa|towards?|by|from|until|till|after|before)\s+(?:around |about |approximately |roughly )?([01]?\d|2[0-3])\.([0-5]\d)\b(?:[^\d%]|$)|\b([01]?\d|2[0-3])\.([0-5]\d)\s*(?:h|hrs|hours|in the (?:morning|afternoon|evening)|at night|local|tonight|sharp|uhr|horas|heures|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|the \d{1,2}(?:st|nd|rd|th)?\b|\d{1,2}\s+[a-z]{3}))\b").expect("regex"),
        // Clock times in words: half past eight, quarter to nine, nine o'clock, noon / midnight.
        spelled: re(r"(?i)\b(?:(half\s+(?:past|after)|quarter\s+(?:past|to|after)|(?:five|ten|twenty|twenty[- ]five)\s+(?:minutes\s+)?past|(?:five|ten|twenty|twenty[- ]five)\s+minutes\s+to|(?:at|around|about|approximately|by|until|till|before|after|from)\s+(?:about\s+|around\s+|approximately\s+)?(?:five|ten|twenty|twenty[- ]five)\s+to)\s+(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|noon|midday|midnight|\d{1,2})\b|(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+(?:o'clock|o\u{2019}clock|oclock|(?:thirty|fifteen|forty[- ]five)\b|(?:a\.?m\.?|p\.?m\.?)\B|(?:am|pm)\b|in the (?:morning|afternoon|evening)|at night)|(?:at|around|about|shortly (?:before|after)|just (?:before|after)|right after)\s+(?:12\s+)?(?:noon|midday|midnight)\b|\d{1,2}\s+o\u{2019}clock)").expect("regex"),
        // Bitcoin (bech32 and base58), Ethereum, Tron and Monero addresses.
        wallet: re(r"\b(?:bc1[ac-hj-np-z02-9]{25,87}|[13][a-km-zA-HJ-NP-Z1-9]{25,34}|0x[0-9a-fA-F]{40}|T[1-9A-HJ-NP-Za-km-z]{33}|[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}|[a-z]{2,10}1[ac-hj-np-z02-9]{38,100}|(?:bitcoincash:)?[qp][ac-hj-np-z02-9]{41}|[LMDrXt][1-9A-HJ-NP-Za-km-z]{25,34})\b").expect("regex"),
        // An account name after an account word: the Telegram user abu_layth77.
        account: re(r"(?i)\b(?:user(?:name)?|user name|account|handle|channel|profile|nick(?:name)?|screen ?name|call ?sign|alias|moniker|pseudonym|gamertag|login|telegram|instagram|twitter|tiktok|snapchat|discord|facebook|ig|tg|kik|skype|youtube|x|snap|insta|twitch|steam|psn|xbox|xbl|reddit|roblox)\b(?:\s+(?:used\s+)?(?:on|in|at|for|by)\s+(?:the\s+|his\s+|her\s+|their\s+|a\s+|its\s+)?\w+(?:\s\w+){0,2})?\s*(?:\b(?:is|was)\s+)?[:=]?\s*[\x22'\u{201c}\u{2018}]?([a-z][a-z0-9_.]*(?:_|\d)[a-z0-9_.]*[a-z0-9])\b").expect("regex"),
        // An id on a messenger that has no phone numbers or @handles: "the Threema ID of the
        // contact is 7XK2PZ9M", "Session ID 05a1...". The id has a digit.
        platform_id: re(r"(?i)\b(?:threema|session|tox|wickr|briar|wire|element|matrix|kik|line|wechat|snapchat|skype|discord|signal|telegram|whatsapp|viber|icq|jabber|xmpp|simplex|keybase)\s+(?:id|user ?id|username|user name|handle|account|contact|name)\b(?:\s+(?:of|for|used by)\s+[^,.;:]{1,40}?)?\s*(?:\b(?:is|was)\b)?\s*[:=]?\s*([a-z0-9_.\-]*\d[a-z0-9_.\-]*)\b").expect("regex"),
        // Tor onion services (v2 and v3).
        onion: re(r"(?i)\b(?:[a-z2-7]{56}|[a-z2-7]{16})\.onion\b").expect("regex"),
        // Vehicle registrations after a registration word: letters and digits, upper case.
        plate: re(r"\b(?i:registration|reg\.?|rego|vrm|vrn|licen[cs]e plates?|number plates?|plates?|kennzeichen|matr[ií]cula|immatriculation|kenteken|targa)(?i:\s+(?:no\.?|number|mark))?\s*[:#]?\s*(?:(?i:is|was)\s+)?([A-Z0-9]{1,5}(?:[ -][A-Z0-9]{1,5}){0,2})\b").expect("regex"),
        // Any base58 address right after a wallet word (Litecoin, Dogecoin, Solana, ...).
        wallet_after_word: re(r"(?i:wallet|address|addr)\s*(?:(?i:is|was)\s+)?[:=]?\s*([1-9A-HJ-NP-Za-km-z]{26,50})\b").expect("regex"),
        // An hour in digits with a part of the day: "shortly after 3 in the morning".
        hour_of_day: re(r"(?i)\b(?:at|around|about|approximately|after|before|until|till|by|from)\s+(?:about\s+|around\s+)?(1[0-2]|0?[1-9])\s+(?:hours?\s+(?:(?:[0-5]?\d)\s+minutes\s+)?)?(?:in the (?:morning|afternoon|evening)|at night|tonight|sharp|(?:tomorrow|this|on \w+day|\w+day) (?:morning|afternoon|evening|night))\b|\b(?:at|around|about|towards?|from|until|till)\s+(?:[01]?\d|2[0-3])\s?h\b").expect("regex"),
        // Four digits after a time preposition: "at 0430", "until 1630" (not years: 19xx and
        // 20xx are left out, and a following word other than a time word rules it out).
        bare_hhmm: re(r"(?i)\b(?:at|until|till|before|by|from|after|around|approximately|approx\.?|roughly|circa|eta|etd|rv|nlt|meet|muster|depart|departs|arrive|arrives|leave|leaves|move|moves|start|starts)\s+((?:0\d|1[0-8]|2[1-3])([0-5]\d))\b").expect("regex"),
        // Spelled-out and defanged e-mail addresses: "abu.talha at protonmail dot com",
        // "name[at]domain[.]com". Which separators make an address is decided in `scan`.
        email_spelled: re(r"(?i)\b(?:[a-z0-9][a-z0-9._%+-]*\s*(?:\[at\]|\(at\)|\{at\}|\[@\]|\(@\))\s*[a-z0-9-]+(?:(?:(?:\s*(?:\[dot\]|\(dot\)|\{dot\}|\[\.\]|\(\.\))\s*|\s+dot\s+)|\.)[a-z0-9-]+){1,4}|(?:[a-z0-9][a-z0-9%+-]*[._\d][a-z0-9._%+-]*\s+at\s+[a-z0-9-]+|[a-z0-9][a-z0-9._%+-]*\s+at\s+(?:gmail|googlemail|yahoo|hotmail|outlook|live|proton|protonmail|pm|tutanota|tuta|yandex|mail|gmx|icloud|aol|zoho|riseup|disroot|cock|onionmail|mailfence|posteo|qq))(?:(?:\s*(?:\[dot\]|\(dot\)|\{dot\}|\[\.\]|\(\.\))\s*|\s+dot\s+)[a-z0-9-]+){1,4}|[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(?:(?:\s*(?:\[dot\]|\(dot\)|\{dot\}|\[\.\]|\(\.\))\s*|\s+dot\s+)[a-z0-9-]+){1,4}|(?:[a-z0-9][a-z0-9%+-]*[._\d][a-z0-9._%+-]*\s+at\s+[a-z0-9-]+|[a-z0-9][a-z0-9._%+-]*\s+at\s+(?:gmail|googlemail|yahoo|hotmail|outlook|live|proton|protonmail|pm|tutanota|tuta|yandex|mail|gmx|icloud|aol|zoho|riseup|disroot|cock|onionmail|mailfence|posteo|qq))(?:\.[a-z0-9-]+)*\.[a-z]{2,6}\b)").expect("regex"),
        // "around half seven": British half past the hour, after a time word.
        half_hour: re(r"(?i)\b(?:at|around|about|approximately|roughly|by|until|till|before|after|from|for|gone)\s+(?:about\s+|around\s+)?half\s+(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|1[0-2]|[1-9])\b|\bhalf\s+(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|1[0-2]|[1-9])\s+(?:tonight|tomorrow|today|this (?:morning|afternoon|evening)|in the (?:morning|afternoon|evening)|at night|sharp|(?:on )?(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b").expect("regex"),
        // "05.20" with a leading zero is a clock time wherever it stands (not "05.20.2024").
        dotted_zero: re(r"\b(0\d)\.([0-5]\d)(?:[^\d.%]|\.(?:\s|$)|$)").expect("regex"),
        // "between 2 and 3 in the afternoon", "from 10 to 11 in the morning".
        hour_range: re(r"(?i)\b(?:between|from)\s+(?:1[0-2]|0?[1-9])(?:[:.][0-5]\d)?\s*(?:and|to|-|\u{2013})\s*(?:1[0-2]|0?[1-9])(?:[:.][0-5]\d)?\s*(?:in the (?:morning|afternoon|evening)|at night|tonight|o'clock|o\u{2019}clock)").expect("regex"),
        // "0530-0600", "1400 to 1600": a range of four-digit times (not "1914-1918").
        // A military time-zone letter may follow either end: "2130-2200L", "0115L and 0145L".
        hhmm_range: re(r"(?i)\b((?:[01]\d|2[0-3])([0-5]\d))(?-i:[ZLJ])?\s?(?:-|\u{2013}|to|and)\s?((?:[01]\d|2[0-3])([0-5]\d))(?-i:[ZLJ])?\b").expect("regex"),
        // A time after a scheduling verb: "timed for 1615", "planned for 14.30", "moved to 2245"
        // (four digits: not 19xx or 20xx, which are years).
        sched: re(r"(?i)\b(?:timed|planned|scheduled|rescheduled|set|fixed|slated|due|arranged|booked|pencill?ed|called|ordered|moved|postponed|delayed|expected|targeted|brought forward|put back)\s+(?:for|to|until|till)\s+(?:about\s+|around\s+|approximately\s+|roughly\s+|circa\s+)?(?:((?:0\d|1[0-8]|2[1-3])([0-5]\d))|([01]?\d|2[0-3])\.([0-5]\d))\b").expect("regex"),
        // "at 0540L" (a time preposition before: "a 1000L tank" is a volume), "0540J" (the
        // observer's local time).
        military_letter: re(r"\b(?:(?i:at|by|from|until|till|before|after|around|about|approximately|nlt|net|eta|etd|is|now|departed|departs|departing|left|leaves|arrived|arrives|arriving|sighted|spotted|launched|landed|observed|seen|crossed|entered|exited)\s+((?:[01]\d|2[0-3])([0-5]\d))L|((?:[01]\d|2[0-3])([0-5]\d))J)\b").expect("regex"),
        // Indian UPI payment addresses: a name at a payment provider's handle ("name@okaxis"),
        // or any name@handle after "UPI" or "VPA".
        upi: re(r"(?i)\b([a-z0-9][a-z0-9._-]*@(?:ok(?:axis|sbi|hdfcbank|icici|bizaxis)|ybl|ibl|axl|paytm|upi|apl|yapl|rapl|axisbank|axisb|icici|sbi|hdfcbank|kotak|kmbl|jupiteraxis|fbl|pthdfc|ptsbi|ptyes|ptaxis|waicici|wahdfcbank|waaxis|wasbi|airtel|freecharge|jio|abfspay|idfcbank|indus|yesbank|aubank|barodampay|pnb|unionbank|boi|cnrb|federal|rbl|dbs|hsbc|citi|idbi|timecosmos|superyes|naviaxis|mahb|equitas|dlb|kbl|pingpay|nsdl|yescred|postbank|ikwik|payzapp))\b|\b(?:upi|vpa)(?:\s+(?:id|handle|address|number))?\s*(?:(?:is|was)\s+)?[:=]?\s*([a-z0-9][a-z0-9._-]*@[a-z][a-z0-9]+)\b").expect("regex"),
        // A Cash App $cashtag.
        cashtag: re(r"(?i)\b(?:cash\s?app|cashtag)\b[^$\n]{0,30}(\$[a-z][a-z0-9_-]{1,20})\b").expect("regex"),
        // "1915ish", "around 7ish": an approximate clock time (an hour alone needs a time
        // preposition before it: "20ish people", "he is 20ish" are numbers).
        ish: re(r"(?i)\b(?:(?:at|around|about|by|until|till|from|before|after|say)\s+(?:[01]?\d|2[0-3])(?:[:.]?[0-5]\d)?|(?:[01]\d|2[0-3])[0-5]\d)\s?-?ish\b").expect("regex"),
        // Four digits after a time label and a colon, as in verbless notes: "RV: 2330, quarry
        // gate", "Time: 0415 departure from the farm".
        labelled_hhmm: re(r"(?i)\b(?:time|times|timing|rv|rdv|rendezvous|meet|meeting|h[\s-]?hour|eta|etd|departure|depart|arrival|pick\s?up|pickup|drop|drop\s?off|handover|hand\s?over|start|kick\s?off|window|when|hit|strike|move|exfil|infil|launch)(?:\s+(?:at|on|to|in|over)(?:\s+[a-z'-]+){1,3}|\s*\((?:local|lt|zulu|utc|gmt|[a-z]{1,6})\))?\s*[:=]\s*((?:[01]\d|2[0-3])([0-5]\d))[ZLJ]?\b").expect("regex"),
        // Four digits after an approximation mark, as in notes: "handover ~2315", "c.2340",
        // "ca. 0130" (years 19xx and 20xx are left out; the caller rules out quantities).
        approx_hhmm: re(r"(?i)(?:^|[\s(\[,;:])(?:~|\u{2248}|c\.|ca\.?|circa)\s?((?:0\d|1[0-8]|2[1-3])([0-5]\d))(?:[ZLJ]|\s?(?:hrs|h|lt|local))?\b").expect("regex"),
        // A gaming or Discord tag: a name of three characters or more, "#" and four or five
        // digits ("ironwolf#4471", "Kharon#21977"; not a flight "BA#2490"); the words of
        // issue trackers ("issue#12", "ticket#2210") are left out by the caller.
        game_tag: re(r"(?i)\b([a-z][a-z0-9_.]{2,31}#\d{4,5})\b").expect("regex"),
        // An account name after a verb of going by a name: "he goes by shadow_of_uhud.07",
        // "calls himself kafir_hunter_09", "posts as ..." (ninth round); the name has a digit
        // or an underscore, as in `account`.
        alias: re(r"(?i)\b(?:go(?:es|ing)? by|went by|gone by|call(?:s|ed|ing)? (?:himself|herself|themselves)|styl(?:es|ed|ing) (?:himself|herself|themselves)|post(?:s|ed|ing)? as|sign(?:s|ed|ing)? (?:off )?as|known online as|(?:under|uses|used|using) the (?:user ?|screen ?)?name)\s+[\x22'\u{201c}\u{2018}]?([a-z][a-z0-9_.]*(?:_|\d)[a-z0-9_.]*[a-z0-9])\b").expect("regex"),
        // A mobile-money or bank account number after the service's or an account word: "EVC
        // Plus account 61 558 0412", "M-Pesa 0722 118 904", "IBAN AE07 0331 2345 ..." (ninth
        // round); the caller wants six digits at least.
        money_account: re(r"(?i)\b(?:(?:evc(?:\s?plus)?|m-?pesa|zaad|sahal|e-?dahab|mtn\s?momo|momo|mtn\s?money|orange\s?money|airtel\s?money|mobile\s?money|tigo\s?pesa|bkash|nagad|jazzcash|easypaisa|gcash|paymaya|hawala|acct|a/c|account|bank\s+account|clabe|cbu|cvu|bsb|sort\s?code|routing(?:\s+(?:no\.?|number))?|aba|nuban)\b(?:\s+(?:account|wallet|no\.?|number|num|id))*\s*(?:(?:is|was)\s+)?[:#=]?\s*(\d[\d \-]{4,22}\d)|iban\b(?:\s+(?:no\.?|number))?\s*(?:(?:is|was)\s+)?[:#=,]?\s*([a-z]{2}\d{2}(?:\s?[a-z0-9]{2,4}){2,8}))\b").expect("regex"),
        // IPv4 addresses, also defanged ("45.137.21[.]9").
        ipv4: re(r"\b(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:(?:\.|\[\.\]|\(\.\))(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}\b").expect("regex"),
        window: re(r"(?i)\b(?:between|from|until|till|before|after|by|within|during|on)\b[^.]{0,40}?\b(?:\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d{1,2}|\d{4}-\d{2}-\d{2}|\d+\s+(?:hours|days|weeks)|monday|tuesday|wednesday|thursday|friday|saturday|sunday|end of the (?:week|month))|\b(?:coming|next)\s+(?:days|weeks|hours|\d+\s+(?:hours|days))\b").expect("regex"),
    })
}

/// Disjoint byte spans, to test overlap and containment in logarithmic time (a text with many
/// findings stays linear).
#[derive(Debug, Default)]
struct Spans(std::collections::BTreeMap<usize, usize>);

impl Spans {
    /// The span starting last before `e`: the only one that can overlap `s..e`.
    fn last_before(&self, e: usize) -> Option<(usize, usize)> {
        self.0.range(..e).next_back().map(|(&a, &b)| (a, b))
    }
    fn overlaps(&self, s: usize, e: usize) -> bool {
        self.last_before(e.max(s + 1)).is_some_and(|(_, b)| s < b)
    }
    fn contains(&self, s: usize, e: usize) -> bool {
        self.0.range(..=s).next_back().is_some_and(|(_, &b)| e <= b)
    }
    /// Inserts `s..e`; callers insert only spans that overlap none (or, for regex matches of one
    /// pattern, that are disjoint by construction).
    fn insert(&mut self, s: usize, e: usize) {
        let b = self.0.entry(s).or_insert(e);
        *b = e.max(*b);
    }
}

/// Lints one text. `object_id` and `path` are copied into the findings.
pub fn lint_text(text: &str, object_id: &str, path: &str, cfg: &LintConfig, out: &mut Vec<Finding>) {
    let cached = cfg.cache.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(text).cloned();
    let hits = match cached {
        Some(h) => h,
        None => {
            let mut raw = Vec::new();
            scan(text, cfg, &mut raw);
            let mut hits: Vec<Hit> = raw.into_iter().map(|(code, s, e)| (code, s, e, None)).collect();
            if let Some(m) = &cfg.model {
                second_opinion(text, m, cfg, &mut hits);
            }
            let h: Hits = std::sync::Arc::new(hits);
            let mut m = cfg.cache.map.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if m.len() >= CACHE_MAX {
                m.clear();
            }
            m.insert(text.to_owned(), h.clone());
            h
        }
    };
    for (code, s, e, reason) in hits.iter() {
        out.push(Finding { code, object_id: object_id.to_owned(), path: path.to_owned(), span: Some((*s, *e)), blocking: true, matched: text[*s..*e].to_owned(), reason: reason.clone() });
    }
}

/// The model's second opinion, per sentence, on the classes the phrases and patterns found
/// nothing of in that sentence. Each finding's reason gives the head, the probability and the
/// words that weighed most.
fn second_opinion(text: &str, m: &model::Model, cfg: &LintConfig, hits: &mut Vec<Hit>) {
    let vocab = hits.len();
    let (mut mwords, mut feats) = (Vec::new(), Vec::new());
    for (s, e) in model::sentences(text) {
        let mut scored = false;
        for head in &m.heads {
            // Clock times are findings only at a day's granularity, and a time in digits is the
            // patterns' to judge (they tell "1000L of diesel" and "1200 participants" from times):
            // the model reads times in words ("a little after eight"). Speech in a sentence that
            // makes it a public statement ("the minister told reporters") is not the plotters'.
            let skip = match head.code {
                TIME_PRECISION => cfg.granularity != Granularity::Day || text[s..e].bytes().any(|b| b.is_ascii_digit()),
                QUOTE => public_speech(&words(&text[s..e]).collect::<Vec<_>>(), cfg),
                _ => false,
            };
            if skip {
                continue;
            }
            if hits[..vocab].iter().any(|&(c, a, b, _)| c == head.code && a < e && s < b) {
                continue;
            }
            if !scored {
                model::features(&text[s..e], cfg.equivalents.as_deref(), &mut mwords, &mut feats);
                scored = true;
            }
            if mwords.len() < model::MIN_WORDS {
                break;
            }
            let p = head.probability(&feats);
            if p >= head.threshold {
                let why = format!("model, {} head: probability {p:.2} (threshold {:.2}); weighed most: {}", head.class, head.threshold, head.evidence(&mwords, 3).join(", "));
                hits.push((head.code, s, e, Some(why)));
            }
        }
    }
}

fn scan(text: &str, cfg: &LintConfig, out: &mut Vec<(&'static str, usize, usize)>) {
    let mut push = |code: &'static str, s: usize, e: usize| out.push((code, s, e));
    // Vocabulary.
    let ws: Vec<(usize, usize, String)> = words(text).collect();
    let mut hits: Vec<(usize, usize, &'static str)> = Vec::new();
    let mut cands: Vec<usize> = Vec::new();
    for i in 0..ws.len() {
        let w = ws[i].2.as_str();
        cands.clear();
        if let Some(v) = cfg.inner.by_word.get(w) {
            cands.extend(v);
        }
        if let Some(stem) = strip_clitic(w).and_then(|s| cfg.inner.by_word.get(s)) {
            cands.extend(stem);
        }
        cfg.inner.by_prefix.find(w, &mut cands);
        cands.extend(&cfg.inner.any_first);
        // A phrase whose first token is a class can be reached through several of its words.
        cands.sort_unstable();
        cands.dedup();
        for &p in &cands {
            let ph = &cfg.inner.phrases[p];
            // A phrase does not reach across sentences ("the bug is fixed; the patch went live").
            if let Some(end) = match_at(&ph.toks, &ws, i)
                && end > i
                && !(i + 1..end).any(|j| sentence_break(text, ws[j - 1].1, ws[j].0))
            {
                hits.push((ws[i].0, ws[end - 1].1, ph.code));
            }
        }
    }
    hits.sort_by_key(|h| (h.0, std::cmp::Reverse(h.1)));
    // Allow spans by start, with the furthest end reached so far: a hit is allowed when some
    // allow span starting at or before it ends at or after it (a binary search, not a scan).
    let allowed: Vec<(usize, usize)> = hits.iter().filter(|h| h.2 == ALLOW).map(|h| (h.0, h.1)).collect();
    let reach: Vec<usize> = allowed.iter().scan(0, |m, &(_, b)| {
        *m = b.max(*m);
        Some(*m)
    }).collect();
    // The furthest end reported so far per code: hits come in order of start.
    let mut reported: HashMap<&'static str, usize> = HashMap::new();
    for (s, e, code) in hits {
        let k = allowed.partition_point(|&(a, _)| a <= s);
        if code == ALLOW || (k > 0 && reach[k - 1] >= e) {
            continue;
        }
        // One finding per overlapping region and code.
        if reported.get(code).is_some_and(|&re| s < re) {
            continue;
        }
        let re = reported.entry(code).or_insert(0);
        *re = e.max(*re);
        push(code, s, e);
    }

    let pt = patterns();
    // Cheap byte-class prefilters: most sentences have no digit, '@', colon or quote.
    let b = text.as_bytes();
    // One pass over the bytes.
    let (mut has_digit, mut has_at, mut has_slash, mut has_colon, mut has_ascii_quote, mut has_multibyte, mut has_bracket, mut has_spaced_hyphen) = Default::default();
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'0'..=b'9' => has_digit = true,
            b'@' => has_at = true,
            b'/' => has_slash = true,
            b':' => has_colon = true,
            b'"' | b'\'' => has_ascii_quote = true,
            b'[' | b'(' | b'{' => has_bracket = true,
            b'-' if i > 0 && b[i - 1] == b' ' => has_spaced_hyphen = true,
            0xc2.. => has_multibyte = true,
            _ => {}
        }
    }
    // Every quotation mark but the ASCII ones is a multi-byte character; so are the dashes.
    let has_quote = has_ascii_quote || has_multibyte;
    let has_dash = has_spaced_hyphen || (has_multibyte && (text.contains('\u{2014}') || text.contains('\u{2013}')));
    let mut emails = Spans::default();
    for m in pt.email.find_iter(if has_at { text } else { "" }) {
        emails.insert(m.start(), m.end());
        push(EMAIL, m.start(), m.end());
    }
    // Spelled-out and defanged addresses: a bracketed "[at]" with any dots; a plain " at " with
    // spelled dots ("abu.talha1990 at protonmail dot com") or a dotted domain ("at
    // protonmail.com"), after a name that looks like a mailbox (a dot, underscore or digit in
    // it) or before a known mail provider: not "look at this dot com" or "met at home.Then".
    let lower = text.to_ascii_lowercase();
    let spelled_at = lower.contains(" at ") && (lower.contains(" dot ") || lower.contains("dot)") || lower.contains("dot]") || lower.contains("dot}") || lower.contains('.'));
    if spelled_at || has_at || (has_bracket && ["[at]", "(at)", "{at}", "[.]", "(.)"].iter().any(|w| lower.contains(w))) {
        for m in pt.email_spelled.find_iter(text) {
            if !emails.overlaps(m.start(), m.end()) {
                emails.insert(m.start(), m.end());
                push(EMAIL, m.start(), m.end());
            }
        }
    }
    for c in pt.handle.captures_iter(if has_at || has_slash { text } else { "" }) {
        let m = c.get(1).or_else(|| c.get(0)).expect("match");
        if !emails.contains(m.start(), m.end()) {
            push(HANDLE, m.start(), m.end());
        }
    }
    let mut devices = Spans::default();
    for m in pt.device.find_iter(if has_digit || has_colon { text } else { "" }) {
        devices.insert(m.start(), m.end());
        push(DEVICE_ID, m.start(), m.end());
    }
    for m in pt.phone.find_iter(if has_digit { text } else { "" }) {
        let digits = m.as_str().bytes().filter(u8::is_ascii_digit).count();
        let overlaps_device = devices.overlaps(m.start(), m.end());
        if (8..=15).contains(&digits) && !overlaps_device && !looks_like_date(m.as_str()) && !round_range(m.as_str()) && !public_line(text, m.start(), m.as_str()) {
            push(PHONE, m.start(), m.end());
        }
    }
    // Times finer than the granularity.
    let g = cfg.granularity;
    // In the order found, and as disjoint spans to test overlaps.
    let mut times: (Vec<(usize, usize)>, Spans) = Default::default();
    let time = |s: usize, e: usize, fine: Granularity, out: &mut (Vec<(usize, usize)>, Spans)| {
        if fine < g && !out.1.overlaps(s, e) {
            out.0.push((s, e));
            out.1.insert(s, e);
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
        if hhmm_followed_by_time_word(text, m.start(), m.end()) {
            time(m.start(), m.end(), if &c[2] == "00" { Granularity::Hour } else { Granularity::Minute }, &mut times);
        }
    }
    for c in pt.hhmm_range.captures_iter(if has_digit { text } else { "" }) {
        let m = c.get(0).expect("match");
        // "1914-1918" is a span of years; "0530-0600" and "2100-2200 local" are times.
        let year = |x: &str| x.starts_with("19") || x.starts_with("20");
        // Round hundreds ("1500-2000.") are as often quantities: they need a time word around.
        let round = &c[2] == "00" && &c[4] == "00";
        let prev = words(tail(&text[..m.start()], 30)).last().map(|(_, _, w)| w).unwrap_or_default();
        let next = words(head(&text[m.end()..], 30)).next().map(|(_, _, w)| w).unwrap_or_default();
        // "between 0200 and 0400": a leading zero is a clock time; "between 1500 and 2000
        // fighters" is not.
        let zero = c[1].starts_with('0') || c[3].starts_with('0');
        // A military time-zone letter ("2130-2200L") marks a time as a time word does.
        let zone = m.as_str().contains(['Z', 'L', 'J']);
        let time_word = zone || RANGE_BEFORE.contains(&prev.as_str()) || HHMM_NEXT.contains(&next.as_str());
        if !(year(&c[1]) && year(&c[3])) && (zero || if round { time_word } else { time_word || hhmm_followed_by_time_word(text, m.start(), m.end()) }) {
            time(m.start(), m.end(), if &c[2] == "00" && &c[4] == "00" { Granularity::Hour } else { Granularity::Minute }, &mut times);
        }
    }
    for c in pt.sched.captures_iter(if has_digit { text } else { "" }) {
        // "timed for 1615, during association", "planned for 14.30 at the bus terminal"; not
        // "set for 1500 people" or "due for 12.50 dollars".
        if let (Some(m), Some(mm)) = (c.get(1), c.get(2)) {
            if hhmm_followed_by_time_word(text, m.start(), m.end()) {
                time(m.start(), m.end(), if mm.as_str() == "00" { Granularity::Hour } else { Granularity::Minute }, &mut times);
            }
        } else if let (Some(h), Some(mm)) = (c.get(3), c.get(4)) {
            let next = words(&text[mm.end()..]).next().map(|(_, _, w)| w).unwrap_or_default();
            if !UNITS.contains(&next.as_str()) && !continues_a_number(&text[mm.end()..]) {
                time(h.start(), mm.end(), if mm.as_str() == "00" { Granularity::Hour } else { Granularity::Minute }, &mut times);
            }
        }
    }
    for c in pt.military_letter.captures_iter(if has_digit { text } else { "" }) {
        let (m, mm) = match (c.get(1), c.get(2)) {
            (Some(m), Some(mm)) => (m, mm),
            _ => (c.get(3).expect("time"), c.get(4).expect("minutes")),
        };
        // Not a volume: "left 1000L of diesel".
        let next = words(head(&text[m.end() + 1..], 40)).next().map(|(_, _, w)| w).unwrap_or_default();
        if ["of", "tank", "tanks", "drum", "drums", "container", "containers", "bladder", "bladders", "jerrycan", "jerrycans"].contains(&next.as_str()) {
            continue;
        }
        time(m.start(), m.end() + 1, if mm.as_str() == "00" { Granularity::Hour } else { Granularity::Minute }, &mut times);
    }
    for c in pt.labelled_hhmm.captures_iter(if has_digit && has_colon || text.contains('=') { text } else { "" }) {
        let (m, mm) = (c.get(1).expect("time"), c.get(2).expect("minutes"));
        // Not a quantity: "window: 1500 metres" (a comma ends the number: "ETA at the crossing:
        // 0530, per the driver").
        let after = &text[m.end()..];
        let next = if after.starts_with([',', ';', ')']) { String::new() } else { words(head(after, 40)).next().map(|(_, _, w)| w).unwrap_or_default() };
        // A year-like 19xx or 20xx needs a time word or the end of its clause after it ("Start:
        // 2024 budget review" is a year).
        let year_like = m.as_str().starts_with("19") || m.as_str().starts_with("20");
        // A label with a qualifier ("ETA at target:", "H-hour (local):", tenth round) needs a
        // zone letter, a time word, a parenthesis or the end of its clause after the time: not
        // "Meeting at the ministry: 1200 participants".
        let label = &text[c.get(0).expect("match").start()..m.start()];
        let qualified = label.trim_end().trim_end_matches([':', '=']).trim_end().contains([' ', '(']);
        let zone = after.starts_with(['Z', 'L', 'J']) && !after[1..].starts_with(|c: char| c.is_alphanumeric());
        let plain_time = zone || after.trim_start().starts_with('(') || hhmm_followed_by_time_word(text, m.start(), m.end());
        if !UNITS.contains(&next.as_str()) && !continues_a_number(after) && (!year_like || hhmm_followed_by_time_word(text, m.start(), m.end())) && (!qualified || plain_time) {
            time(m.start(), m.end(), if mm.as_str() == "00" { Granularity::Hour } else { Granularity::Minute }, &mut times);
        }
    }
    for c in pt.approx_hhmm.captures_iter(if has_digit { text } else { "" }) {
        let (m, mm) = (c.get(1).expect("time"), c.get(2).expect("minutes"));
        // "handover ~2315, car park B", "c.2340 behind the mosque"; not "~1500 fighters" nor
        // "estimated at ~1500, police said".
        // A military time-zone letter makes it a time: "departed Eyl c. 0215L heading NE".
        let rest = &text[m.end()..];
        let zone = rest.starts_with(['Z', 'L', 'J']) && !rest[1..].starts_with(|c: char| c.is_alphanumeric());
        if (zone || hhmm_followed_by_time_word(text, m.start(), m.end())) && !continues_a_number(rest) {
            time(m.start(), m.end(), if mm.as_str() == "00" { Granularity::Hour } else { Granularity::Minute }, &mut times);
        }
    }
    for m in pt.ish.find_iter(if has_digit && lower.contains("ish") { text } else { "" }) {
        // Not "about 20ish minutes", "by 10ish metres".
        let next = words(head(&text[m.end()..], 40)).next().map(|(_, _, w)| w).unwrap_or_default();
        if !["minutes", "mins", "hours", "hrs", "people", "men", "years", "yrs", "metres", "meters", "km", "miles", "kg", "percent", "per", "of"].contains(&next.as_str()) {
            let s = m.start() + m.as_str().find(|c: char| c.is_ascii_digit()).unwrap_or(0);
            time(s, m.end(), Granularity::Hour, &mut times);
        }
    }
    for m in pt.half_hour.find_iter(if lower.contains("half") { text } else { "" }) {
        // Not "fell by half six months later".
        let next = words(head(&text[m.end()..], 40)).next().map(|(_, _, w)| w).unwrap_or_default();
        if !["months", "years", "weeks", "days", "hours", "minutes", "times", "percent", "per", "of", "million", "thousand", "hundred"].contains(&next.as_str()) && !continues_a_number(&text[m.end()..]) {
            time(m.start(), m.end(), Granularity::Minute, &mut times);
        }
    }
    for c in pt.dotted_zero.captures_iter(if has_digit { text } else { "" }) {
        let (h, mm) = (c.get(1).expect("hour"), c.get(2).expect("minutes"));
        // Not a version ("version 05.20", "v05.20") or a quantity ("05.20 per cent").
        let prev = words(tail(&text[..h.start()], 20)).last().map(|(_, _, w)| w).unwrap_or_default();
        let next = words(&text[mm.end()..]).next().map(|(_, _, w)| w).unwrap_or_default();
        if !["version", "v", "ver", "release", "build", "firmware", "rev", "revision"].contains(&prev.as_str()) && !UNITS.contains(&next.as_str()) && !text[..h.start()].ends_with(['.', ',', '/', '-', '$', '\u{a3}', '\u{20ac}']) {
            time(h.start(), mm.end(), if mm.as_str() == "00" { Granularity::Hour } else { Granularity::Minute }, &mut times);
        }
    }
    for m in pt.hour_range.find_iter(if has_digit { text } else { "" }) {
        time(m.start(), m.end(), Granularity::Hour, &mut times);
    }
    // The published time of a public event, stated as such at the start of its sentence ("The
    // march will leave Trafalgar Square at midday on Saturday"), is not access.
    let public_times = if times.0.is_empty() { Vec::new() } else { public_event_times(text, &ws, cfg) };
    for (s, e) in times.0 {
        // `public_times` is in order and disjoint: the one span that starts before `e` last.
        let k = public_times.partition_point(|&(a, _)| a < e);
        if k == 0 || public_times[k - 1].1 <= s {
            push(TIME_PRECISION, s, e);
        }
    }
    // Wallet addresses (a run of hex digits is a hash, not a base58 address).
    for m in pt.wallet.find_iter(if has_digit { text } else { "" }) {
        let w = m.as_str();
        // Litecoin, Dogecoin, XRP, Dash, Zcash (a letter and base58): with digits and both
        // cases, as generated addresses have; a long word is not an address.
        let bech32 = w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b':');
        let mixed = w.bytes().any(|b| b.is_ascii_digit()) && w.bytes().any(|b| b.is_ascii_uppercase()) && w.bytes().any(|b| b.is_ascii_lowercase());
        let hrp = w.find('1').map(|i| &w[..i]).filter(|h| h.len() >= 2 && h.bytes().all(|b| b.is_ascii_lowercase()));
        let letter_base58 = w.starts_with(['L', 'M', 'D', 'r', 'X', 't']) && !(bech32 && hrp.is_some());
        if (w.starts_with("0x") || !w.bytes().all(|c| c.is_ascii_hexdigit())) && (!letter_base58 || mixed) {
            push(WALLET, m.start(), m.end());
        }
    }
    // Account names after an account word ("the Telegram user abu_layth77").
    let mut accounts = Spans::default();
    // An account name has a digit or an underscore.
    for c in pt.account.captures_iter(if has_digit || b.contains(&b'_') { text } else { "" }) {
        let m = c.get(1).expect("name");
        if !emails.contains(m.start(), m.end()) {
            accounts.insert(m.start(), m.end());
            push(HANDLE, m.start(), m.end());
        }
    }
    // A messenger id has a digit.
    for c in pt.platform_id.captures_iter(if has_digit { text } else { "" }) {
        let m = c.get(1).expect("id");
        let id = m.as_str().trim_matches(['.', '-', '_']);
        let known = emails.overlaps(m.start(), m.end()) || accounts.overlaps(m.start(), m.end());
        // Six characters at least: "the Signal account of 2024" is not an id.
        if !known && id.len() >= 6 {
            let s = m.start() + m.as_str().find(id).unwrap_or(0);
            push(HANDLE, s, s + id.len());
        }
    }
    for m in pt.onion.find_iter(if lower.contains(".onion") { text } else { "" }) {
        push(HANDLE, m.start(), m.end());
    }
    for c in pt.plate.captures_iter(if has_digit { text } else { "" }) {
        let m = c.get(1).expect("plate");
        let p = m.as_str();
        let alnum = p.bytes().filter(u8::is_ascii_alphanumeric).count();
        // Digits alone after a word that names a vehicle's plate: "Kuwaiti plates 48291" (five
        // digits at least: not a year).
        let word = c.get(0).map_or(String::new(), |w| w.as_str().to_ascii_lowercase());
        let vehicle_word = word.contains("plate") || ["rego", "kennzeichen", "targa", "kenteken", "immatriculation"].iter().any(|w| word.starts_with(w));
        let digits_only = p.bytes().all(|b| b.is_ascii_digit() || b == b' ' || b == b'-') && (5..=8).contains(&p.bytes().filter(u8::is_ascii_digit).count());
        if alnum >= 5 && p.bytes().any(|b| b.is_ascii_digit()) && (p.bytes().any(|b| b.is_ascii_uppercase()) || (vehicle_word && digits_only)) && !looks_like_date(p) {
            push(DEVICE_ID, m.start(), m.end());
        }
    }
    // Names an account goes by: "he goes by shadow_of_uhud.07 on Signal".
    for c in pt.alias.captures_iter(if has_digit || b.contains(&b'_') { text } else { "" }) {
        let m = c.get(1).expect("name");
        if m.as_str().len() >= 4 && !emails.overlaps(m.start(), m.end()) && !accounts.overlaps(m.start(), m.end()) {
            push(HANDLE, m.start(), m.end());
        }
    }
    // Mobile-money and bank account numbers: six digits at least, not a date.
    for c in pt.money_account.captures_iter(if has_digit { text } else { "" }) {
        let m = c.get(1).or_else(|| c.get(2)).expect("account");
        let digits = m.as_str().bytes().filter(u8::is_ascii_digit).count();
        if (6..=34).contains(&digits) && !looks_like_date(m.as_str()) {
            push(WALLET, m.start(), m.end());
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
    // UPI payment addresses ("rahulk1987@okaxis"; an e-mail address is reported as one).
    for c in pt.upi.captures_iter(if has_at { text } else { "" }) {
        let m = c.get(1).or_else(|| c.get(2)).expect("address");
        if !emails.overlaps(m.start(), m.end()) {
            push(WALLET, m.start(), m.end());
        }
    }
    for c in pt.cashtag.captures_iter(if b.contains(&b'$') { text } else { "" }) {
        let m = c.get(1).expect("cashtag");
        push(HANDLE, m.start(), m.end());
    }
    // Gaming and Discord tags ("ironwolf#4471"); not the numbers of issue trackers and
    // documents ("ticket#2210", "case#1234").
    for c in pt.game_tag.captures_iter(if has_digit && b.contains(&b'#') { text } else { "" }) {
        let m = c.get(1).expect("tag");
        let name = m.as_str().split('#').next().unwrap_or_default().to_ascii_lowercase();
        if !NUMBERED_THINGS.contains(&name.trim_end_matches(['.', '_'])) {
            push(HANDLE, m.start(), m.end());
        }
    }
    // An IP address attributed to a person in its sentence ("rented by the accused under his
    // own name") is a selector of that person; other addresses are indicators.
    if !cfg.inner.ip_attribution.is_empty() {
        for m in pt.ipv4.find_iter(if has_digit { text } else { "" }) {
            let sw = sentence_words_around(text, m.start(), m.end(), 300);
            if cfg.inner.ip_attribution.iter().any(|toks| (0..sw.len()).any(|i| match_at(toks, &sw, i).is_some_and(|e| e > i))) || possessed_home_line(&sw) {
                push(DEVICE_ID, m.start(), m.end());
            }
        }
    }
    // Quoted speech.
    for q in quotations(if has_quote { text } else { "" }) {
        let inner = &text[q.inner.clone()];
        if !(2..=QUOTE_MAX).contains(&inner.chars().count()) {
            continue;
        }
        let n = words(inner).count();
        let before = &text[..q.whole.start];
        let mut from = before.len().saturating_sub(40);
        while !before.is_char_boundary(from) {
            from += 1;
        }
        let whole = &q.whole;
        // A speech verb right before, a colon, or a tag right after: "'Don't bring phones,' the
        // courier reminded the others".
        let tag_after = words(head(&text[whole.end..], 40)).take(3).any(|(_, _, w)| cfg.inner.speech_verbs.contains(&w) && !cfg.inner.speech_verbs_adjacent.contains(&w));
        let verb = words(&before[from..]).last().is_some_and(|(_, _, w)| cfg.inner.speech_verbs.contains(&w))
            || before.trim_end().ends_with(':')
            || tag_after;
        if (n >= cfg.inner.quote_min_words || (verb && n >= cfg.inner.quote_min_after_verb)) && !public_or_mention(text, whole.start, whole.end, cfg) {
            push(QUOTE, q.inner.start, q.inner.end);
        }
    }
    // Reported speech after a colon without quotation marks: "His message read: we go after
    // the sermon." A speech verb right before the colon, or within three words of it ("told the
    // group:"), or followed by its addressee or where it was said ("said to her brother:",
    // "wrote in the group chat:"); the words after it up to the end of the sentence are the
    // quotation. After a speech noun: within four words and in the first or second person ("the
    // instruction was simply: wait for my signal"), or anywhere in the clause as the subject of
    // "was" / "is" right before the colon, in any person ("The order, as relayed by the courier,
    // was: hit them where they pray"). A noun in our own framing ("key message:") is not speech.
    //
    // Ninth round: the same after a dash ("His final note to his mother reads in part — Forgive
    // me, ...") when a speech verb or a speech noun as subject comes before it (not a bare noun:
    // a dash is as often a parenthesis); a verb may be followed by "in part", "in full", "as
    // follows", "roughly" ("the note reads in part:"); a speech noun with a possessor may be the
    // subject of "was" and a word of manner ("The commander's instruction to the boarding team
    // was blunt — take the bridge first"); and writing may open the clause ("Written on the back
    // of the diagram in the bomb-maker's hand: ...") or end it ("in the courier's handwriting:").
    let colons = text.match_indices(':').filter(|_| has_colon).map(|(i, _)| (i, i + 1, false));
    let dashes = text
        .match_indices(['\u{2014}', '\u{2013}'])
        .filter(|&(i, d)| d == "\u{2014}" || text[i + d.len()..].starts_with(' '))
        .map(|(i, d)| (i, i + d.len(), true))
        .chain(text.match_indices(" - ").map(|(i, _)| (i + 1, i + 2, true)))
        .filter(|_| has_dash);
    for (ci, ce, dash) in colons.chain(dashes) {
        let head_text = tail(&text[..ci], 100);
        let clause_from = head_text.rfind(['.', '!', '?', '\n', ';']).map_or(0, |i| i + 1);
        let head_text = &head_text[clause_from..];
        let all: Vec<(usize, usize, String)> = words(head_text).collect();
        if all.last().is_none_or(|(_, e, _)| !head_text[*e..].trim().is_empty()) {
            continue;
        }
        // "reads in part:", "went roughly:": the verb before the filler.
        let filler = SPEECH_FILLERS.iter().find(|f| all.len() > f.len() && all[all.len() - f.len()..].iter().zip(f.iter()).all(|(w, x)| w.2 == *x)).map_or(0, |f| f.len());
        let before = &all[..all.len() - filler];
        let n = before.len();
        // Before a dash, the verb is the last word ("reads in part —"): "which analysts said was
        // responsible — a view ..." is an apposition.
        let verb = before.iter().enumerate().rev().take(if dash { 1 } else { 3 }).any(|(i, (_, _, w))| {
            cfg.inner.speech_verbs.contains(w) && (i + 1 == n || !cfg.inner.speech_verbs_adjacent.contains(w))
        }) && !(filler > 0 && before.iter().any(|(_, _, w)| OUR_DOCUMENTS.contains(&w.as_str())))
            || (filler == 0 && ends_in_addressed_verb(head_text, before, cfg));
        // A dash after a verb and its addressee is the next loop's ("guy says to the driver -").
        if dash && filler == 0 && ends_in_addressed_verb(head_text, before, cfg) {
            continue;
        }
        let speech_noun = |i: usize| {
            let w = &before[i].2;
            cfg.inner.speech_nouns.contains(w.strip_suffix("'s").unwrap_or(w)) && (i == 0 || !cfg.inner.speech_noun_frames.contains(&before[i - 1].2))
        };
        let noun = !dash && (n.saturating_sub(4)..n).any(speech_noun);
        let copula = before.last().is_some_and(|(_, _, w)| COPULAS.contains(&w.as_str()));
        // "was blunt", "were short": a word of manner after the copula, when the noun has a
        // possessor that is not a public body ("his instruction", "the commander's order").
        // Not our own instruction to partners: "The instruction to partners is: review access".
        let own_side = before.iter().any(|(_, _, w)| OWN_SIDE.contains(&w.as_str()));
        let manner = n >= 3 && MANNER.contains(&before[n - 1].2.as_str()) && ["was", "were", "is", "are"].contains(&before[n - 2].2.as_str());
        let possessed = |i: usize| {
            i > 0 && {
                let p = &before[i - 1].2;
                ["his", "her", "their"].contains(&p.as_str()) || p.strip_suffix("'s").is_some_and(|o| !o.is_empty() && !PUBLIC_POSSESSORS.contains(&o))
            }
        };
        let noun_subject = !own_side && ((copula && (0..n).any(speech_noun)) || (manner && (0..n).any(|i| speech_noun(i) && possessed(i))));
        // Writing: "Written on the back of ...:", "..., in the courier's handwriting:".
        // The participle before a place ("Written on", "Scrawled inside"), not an adjective
        // ("Written guidance for venues:"), nor in our own documents ("Written in the advisory:").
        let written = (n >= 3
            && WRITING.contains(&before[0].2.as_str())
            && ["on", "in", "inside", "across", "under", "at", "along", "over", "onto", "into", "beneath", "behind", "upon", "below", "above"].contains(&before[1].2.as_str())
            && !own_side
            && !before.iter().any(|(_, _, w)| OUR_DOCUMENTS.contains(&w.as_str())))
            || (n >= 2 && ["hand", "handwriting"].contains(&before[n - 1].2.as_str()) && possessed(n - 1));
        if !verb && !noun && !noun_subject && !written {
            continue;
        }
        let rest = head(&text[ce..], 400);
        if rest.trim_start().starts_with(['"', '\'', '\u{201c}', '\u{00ab}', '\u{2018}']) || rest.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let end = rest.find(['.', '!', '?', '\n']).unwrap_or(rest.len());
        let said: Vec<String> = words(&rest[..end]).map(|(_, _, w)| w).collect();
        // After a dash: not a parenthesis ("- as expected -") nor reported speech ("- that").
        if dash && (rest[..end].contains(['\u{2014}', '\u{2013}']) || rest[..end].contains(" - ") || said.first().is_none_or(|w| w == "that")) {
            continue;
        }
        // After a noun ("the instruction was:"), only words in the first or second person are
        // speech: "the key message: recipients should review access" is not.
        if !verb && !noun_subject && !written && !said.iter().any(|w| PERSONAL.contains(&w.as_str())) {
            continue;
        }
        if said.len() >= cfg.inner.quote_min_after_verb.max(3) && !public_or_mention(text, ci, ce + end, cfg) {
            let s = ce + (rest.len() - rest.trim_start().len());
            push(QUOTE, s, (ce + end).max(s));
        }
    }
    // Unquoted speech after a dash that follows a speech verb and its addressee: "guy says to the
    // driver - park by the side gate and wait". Not a parenthesis ("he told them - as expected -
    // that ...") nor reported speech ("- that ...").
    if has_dash {
        let dashes = text.match_indices(['\u{2014}', '\u{2013}']).map(|(i, d)| (i, i + d.len())).chain(text.match_indices(" - ").map(|(i, _)| (i + 1, i + 2)));
        for (di, de) in dashes {
            let head_text = tail(&text[..di], 100);
            let head_text = after_last(head_text, &['.', '!', '?', '\n', ';', ':', ',', '\u{2014}', '\u{2013}']);
            let before: Vec<(usize, usize, String)> = words(head_text).collect();
            if before.last().is_none_or(|(_, e, _)| !head_text[*e..].trim().is_empty()) || !ends_in_addressed_verb(head_text, &before, cfg) {
                continue;
            }
            let rest = head(&text[de..], 400);
            let end = rest.find(['.', '!', '?', '\n']).unwrap_or(rest.len());
            let said: Vec<(usize, usize, String)> = words(&rest[..end]).collect();
            if rest[..end].contains(['\u{2014}', '\u{2013}']) || rest[..end].contains(" - ") || said.first().is_none_or(|(_, _, w)| w == "that") {
                continue;
            }
            let s = de + (rest.len() - rest.trim_start().len());
            if said.len() >= 3 && !public_or_mention(text, di, de + end, cfg) {
                push(QUOTE, s, (de + end).max(s));
            }
        }
    }
    // Unquoted direct speech after a speech tag and a comma: "He swore to them, We will not leave
    // one soldier standing", "the emir wrote to them, we strike when the fast is broken". The
    // clause before the comma ends in a speech verb (and its addressee) after a subject that is
    // not the writer ("I", "we") nor a subordinate clause ("When he told them, we ..."); the
    // speech opens with a capital or a first- or second-person word and speaks in the first or
    // second person.
    for (ci, _) in text.match_indices(',') {
        // First what is cheap: the word after the comma has a capital or is "we", "I", "you" ...
        let next = text[ci + 1..].trim_start();
        let opens = next.starts_with(char::is_uppercase)
            || PERSONAL.iter().any(|p| next.get(..p.len()).is_some_and(|w| w.eq_ignore_ascii_case(p)) && !next[p.len()..].starts_with(char::is_alphanumeric));
        if !opens {
            continue;
        }
        let head_text = tail(&text[..ci], 100);
        let head_text = after_last(head_text, &['.', '!', '?', '\n', ';', ':', ',', '\u{2014}', '\u{2013}', '"', '\u{201d}']);
        let before: Vec<(usize, usize, String)> = words(head_text).collect();
        let Some(last) = before.last() else { continue };
        if !head_text[last.1..].trim().is_empty() || before.len() < 2 || before.len() > 8 {
            continue;
        }
        let tagged = (cfg.inner.speech_verbs.contains(&last.2) && !cfg.inner.speech_verbs_adjacent.contains(&last.2)) || ends_in_addressed_verb(head_text, &before, cfg);
        if !tagged || NOT_A_SPEAKER.contains(&before[0].2.as_str()) || before.iter().any(|(_, _, w)| OUR_WRITERS.contains(&w.as_str())) {
            continue;
        }
        let rest = head(&text[ci + 1..], 300);
        let end = rest.find(['.', '!', '?', '\n', ';']).unwrap_or(rest.len());
        let said: Vec<(usize, usize, String)> = words(&rest[..end]).collect();
        let Some(open) = said.first() else { continue };
        let capital = rest[open.0..].starts_with(char::is_uppercase);
        if !rest[..open.0].trim().is_empty() || !(capital || PERSONAL.contains(&open.2.as_str())) || open.2 == "that" || said.len() < 3 {
            continue;
        }
        if said.iter().any(|(_, _, w)| PERSONAL.contains(&w.as_str())) && !public_sentence(text, ci, ci, cfg) {
            push(QUOTE, ci + 1 + open.0, ci + 1 + end);
        }
    }
    // Unquoted direct speech around a speech tag between commas: "Go at dawn, she told them,
    // and do not call me", "We are ready, the recruiter wrote, only the date is missing". The
    // tag is a pronoun, a name, or "the" / "his" / "her" / "their" and a noun; then a speech verb
    // and at most three words of addressee before a comma or the end of the sentence. The
    // speech around it is in the first or second person, or the verb has an addressee ("he
    // told the driver"); a public statement ("..., the minister said") is not reported.
    for (ci, _) in text.match_indices(',') {
        let after = head(&text[ci + 1..], 100);
        let aw: Vec<(usize, usize, String)> = words(after).take(11).collect();
        let Some(first) = aw.first() else { continue };
        if !after[..first.0].trim().is_empty() {
            continue;
        }
        let w = |i: usize| aw.get(i).map_or("", |x| x.2.as_str());
        // The subject may hold "of" and a noun: "the head of the clan told", "one of the
        // brothers told", "one of them told" (eighth round).
        let of_noun = |at: usize| if ["the", "his", "her", "their"].contains(&w(at + 1)) { at + 3 } else { at + 2 };
        let vi = if TAG_PRONOUNS.contains(&first.2.as_str()) {
            1
        } else if first.2 == "one" && w(1) == "of" {
            of_noun(1)
        } else if ["the", "his", "her", "their", "a", "an"].contains(&first.2.as_str()) {
            if w(2) == "of" { of_noun(2) } else { 2 }
        } else if after[first.0..].starts_with(char::is_uppercase) {
            1
        } else {
            continue;
        };
        let Some(v) = aw.get(vi) else { continue };
        if !cfg.inner.speech_verbs.contains(&v.2) || cfg.inner.speech_verbs_adjacent.contains(&v.2) || !(1..=vi).all(|i| after[aw[i - 1].1..aw[i].0].trim().is_empty()) {
            continue;
        }
        // The addressee: up to three words, then a comma, the end of the sentence or the text.
        let mut tag = None;
        for k in 0..=5 {
            let Some(w) = aw.get(vi + k) else { break };
            if k > 0 && !after[aw[vi + k - 1].1..w.0].trim().is_empty() {
                break;
            }
            let next = after[w.1..].trim_start();
            if next.starts_with([',', '.', ';', '!', '?']) || (next.is_empty() && ci + 1 + after.len() == text.len()) {
                tag = Some((k, ci + 1 + w.1, next.starts_with(',')));
                break;
            }
        }
        let Some((addressee, tag_end, continues)) = tag else { continue };
        let before = tail(&text[..ci], 300);
        let seg_start = ci - before.len() + before.rfind(['.', '!', '?', '\n', ';', ':']).map_or(0, |i| i + 1);
        let spoken_before: Vec<String> = words(&text[seg_start..ci]).map(|(_, _, w)| w).collect();
        let spoken_after: Vec<String> = if continues {
            let rest = head(&text[tag_end + 1..], 300);
            words(&rest[..rest.find(['.', '!', '?', '\n', ';']).unwrap_or(rest.len())]).map(|(_, _, w)| w).collect()
        } else {
            Vec::new()
        };
        let personal = spoken_before.iter().chain(&spoken_after).any(|w| PERSONAL.contains(&w.as_str()));
        let directed = (1..=3).contains(&addressee) && aw.get(vi + 1).is_some_and(|w| ADDRESSEES.contains(&w.2.as_str())) && DIRECTED_VERBS.contains(&v.2.as_str());
        // Without the first or second person, a short opening is an adverbial ("As a result, he
        // told his lawyer, ..."), not speech: four words at least.
        // Nor a public statement framed inside the words before the tag ("In her speech, she
        // said, ...").
        if spoken_before.len() >= if personal { 2 } else { 4 } && (personal || directed) && !public_or_mention(text, seg_start, ci, cfg) && !public_sentence(text, ci, ci, cfg) {
            let s = seg_start + (text[seg_start..ci].len() - text[seg_start..ci].trim_start().len());
            push(QUOTE, s, ci);
        }
    }
    if lower.contains("quote") {
        dictated_quotes(text, &lower, out);
    }
}

/// One quotation: the marks and what they enclose (`whole` may also hold the character before
/// an opening ASCII single quote and the one after a closing single quote).
struct Quotation {
    whole: std::ops::Range<usize>,
    inner: std::ops::Range<usize>,
}

/// The longest quotation, in characters.
const QUOTE_MAX: usize = 400;

/// Quotation marks that pair by themselves: (opening marks, closing marks). What they enclose
/// holds no closing mark ("\u{201c}" closes as well as opens: German and English usage).
const QUOTE_PAIRS: [(&[char], &[char]); 8] = [
    (&['"'], &['"']),
    (&['\u{201c}', '\u{201e}'], &['\u{201d}', '\u{201c}']),
    (&['\u{00ab}'], &['\u{00bb}']),
    (&['\u{2018}'], &['\u{2019}']),
    (&['\u{2039}'], &['\u{203a}']),
    (&['\u{00bb}'], &['\u{00ab}']),
    (&['\u{300c}'], &['\u{300d}']),
    // German single quotation marks: "\u{201a}...\u{2018}" (eighth round).
    (&['\u{201a}'], &['\u{2018}']),
];

/// Quotations in order, left to right, without overlap: two to 400 characters between a pair of
/// marks; a curly single quotation ends before a character that is not part of a word; an ASCII
/// single quotation opens at the start or after a space, colon, parenthesis or comma, may hold
/// apostrophes before a letter or digit ("'If I don't come back'"), and closes before a space,
/// punctuation or the end. Each opening mark looks at most 401 characters ahead, so the scan is
/// linear in the text.
fn quotations(text: &str) -> impl Iterator<Item = Quotation> + '_ {
    let b = text.as_bytes();
    // Where the scan is, and where the last quotation ended (the next cannot start before it).
    let (mut scan, mut floor) = (0, 0);
    std::iter::from_fn(move || {
        // Every mark is '"', '\'' or a multi-byte character (its first byte 0xc2 or above).
        while let Some(k) = b.get(scan..)?.iter().position(|&x| x == b'"' || x == b'\'' || x >= 0xc2) {
            let at = scan + k;
            let c = text[at..].chars().next()?;
            scan = at + c.len_utf8();
            let found = if c == '\'' {
                let prev = text[..at].chars().next_back();
                let start = match prev {
                    None => Some(0),
                    Some(p) if p.is_whitespace() || [':', '(', ','].contains(&p) => Some(at - p.len_utf8()).filter(|&s| s >= floor),
                    Some(_) => None,
                };
                start.and_then(|s| single_quotation(text, s, at + 1))
            } else {
                QUOTE_PAIRS.iter().find(|(open, _)| open.contains(&c)).and_then(|(_, close)| paired_quotation(text, at, scan, close))
            };
            if let Some(q) = found {
                (scan, floor) = (q.whole.end, q.whole.end);
                return Some(q);
            }
        }
        None
    })
}

/// A quotation opened at `start` (its content from `from`), closed by the first of `close`.
fn paired_quotation(text: &str, start: usize, from: usize, close: &[char]) -> Option<Quotation> {
    // A byte loop: every closing mark starts with '"' or a byte of 0xc2 or above; `k` counts the
    // characters passed (bytes that do not continue a character).
    let b = text.as_bytes();
    let (mut j, mut k) = (from, 0);
    let (i, m) = loop {
        let c = *b.get(j)?;
        if c & 0xc0 != 0x80 {
            if k > QUOTE_MAX {
                return None;
            }
            if c == b'"' || c >= 0xc2 {
                let m = text[j..].chars().next()?;
                if close.contains(&m) {
                    break (j - from, m);
                }
            }
            k += 1;
        }
        j += 1;
    };
    if k < 2 {
        return None;
    }
    let end = from + i + m.len_utf8();
    // A curly single quotation ends before a character that is not part of a word (and takes it).
    let end = if m == '\u{2019}' {
        match text[end..].chars().next() {
            None => end,
            Some(n) if !(n.is_alphanumeric() || n == '_' || is_mark(n)) => end + n.len_utf8(),
            Some(_) => return None,
        }
    } else {
        end
    };
    Some(Quotation { whole: start..end, inner: from..from + i })
}

/// Combining marks count as part of a word, as in a regex `\w`.
fn is_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
}

/// An ASCII single quotation whose content starts at `from` (the quote mark before it at
/// `from - 1`, and `start` at the character before that or at the start): the first quote mark
/// followed by a space, punctuation or the end closes it; one followed by a letter or digit is an
/// apostrophe; any other ends the attempt.
fn single_quotation(text: &str, start: usize, from: usize) -> Option<Quotation> {
    let mut it = text[from..].char_indices().take(QUOTE_MAX + 2).peekable();
    let mut units = 0;
    while let Some((i, c)) = it.next() {
        if c != '\'' {
            units += 1;
            continue;
        }
        let next = it.peek().map(|&(_, n)| n);
        if units > 0 {
            match next {
                None => return Some(Quotation { whole: start..from + i + 1, inner: from..from + i }),
                Some(n) if n.is_whitespace() || ['.', ',', ';', ':', '!', '?', ')'].contains(&n) => {
                    return Some(Quotation { whole: start..from + i + 1 + n.len_utf8(), inner: from..from + i });
                }
                _ => {}
            }
        }
        match next {
            Some(n) if n.is_alphanumeric() => {
                it.next();
                units += 1;
            }
            _ => return None,
        }
    }
    None
}

/// Our own writers and documents before a speech tag: "The analyst wrote, We assess ...".
const OUR_WRITERS: [&str; 16] = [
    "analyst", "analysts", "report", "assessment", "author", "authors", "researchers", "study", "paper", "note", "bulletin", "advisory", "we", "our", "i", "my",
];

/// Where words were said: "wrote in the group chat:", "said on the call:".
const CHANNELS: [&str; 21] = [
    "chat", "group", "channel", "thread", "forum", "call", "phone", "message", "note", "letter", "text", "dm", "email", "whatsapp", "telegram", "signal", "radio",
    "line", "recording", "video", "audio",
];

/// First words of a clause before a speech tag that make it not the plotters' speech: the writer
/// ("As I told partners, we ...") or a subordinate clause ("When he told them, we were ...").
const NOT_A_SPEAKER: [&str; 21] = [
    "i", "we", "it", "as", "like", "when", "after", "before", "if", "once", "because", "since", "while", "although", "though", "until", "whatever", "what", "who",
    "which", "where",
];

/// Whether a clause ends in a speech verb and its addressee, with nothing but spaces between:
/// "says to the driver", "told his company leads", "swore to them", "said to Ali". After "to"
/// the addressee is a pronoun, an article or a name ("is said to be" is not speech). Or the verb
/// and where the words were said: "wrote in the group chat".
fn ends_in_addressed_verb(text: &str, ws: &[(usize, usize, String)], cfg: &LintConfig) -> bool {
    let n = ws.len();
    (1..=4).filter(|&k| n > k).any(|k| {
        let v = &ws[n - k - 1];
        let a = &ws[n - k];
        let addressee = if a.2 == "to" {
            ws.get(n - k + 1).is_some_and(|x| ADDRESSEES.contains(&x.2.as_str()) || text[x.0..].starts_with(char::is_uppercase))
        } else {
            ADDRESSEES.contains(&a.2.as_str())
        };
        // Or where it was said: "wrote in the group chat", "said on the call".
        let channel = ["in", "on", "over", "via"].contains(&a.2.as_str()) && CHANNELS.contains(&ws[n - 1].2.as_str());
        (addressee || channel)
            && cfg.inner.speech_verbs.contains(&v.2)
            && !cfg.inner.speech_verbs_adjacent.contains(&v.2)
            && ws[n - k - 1..].windows(2).all(|p| text[p[0].1..p[1].0].trim().is_empty())
    })
}

/// Dictated speech: "quote, we go on Friday, unquote" / "... end quote".
fn dictated_quotes(text: &str, lower: &str, out: &mut Vec<(&'static str, usize, usize)>) {
    let mut from = 0;
    for end_word in ["unquote", "end quote", "close quote", "end of quote"] {
        for (ei, _) in lower.match_indices(end_word) {
            if ei < from {
                continue;
            }
            let window = tail(&lower[..ei], 400);
            let base = ei - window.len();
            let open = words(window).filter(|(_, _, w)| w == "quote").last();
            if let Some((_, qe, _)) = open {
                let inner: Vec<(usize, usize, String)> = words(&text[base + qe..ei]).collect();
                if let (true, Some(first), Some(last)) = (inner.len() >= 2, inner.first(), inner.last()) {
                    out.push((QUOTE, base + qe + first.0, base + qe + last.1));
                    from = ei + end_word.len();
                }
            }
        }
    }
}

/// Words after a comma that can open a speech tag ("..., she told them, ..."); not "we" or
/// "I": the writer's own words are not speech of the plotters.
const TAG_PRONOUNS: [&str; 3] = ["he", "she", "they"];

/// Speech verbs that take an addressee: "..., he told the driver, ..." is speech in any person.
const DIRECTED_VERBS: [&str; 16] = ["told", "tells", "texted", "messaged", "wrote", "writes", "ordered", "instructed", "warned", "asked", "urged", "reminded", "whispered", "replied", "answered", "shouted"];

/// Words that make a speech noun our own framing for the recipients.
const OWN_SIDE: [&str; 14] = ["partners", "partner", "recipients", "recipient", "readers", "members", "customers", "users", "staff", "venues", "operators", "we", "our", "you"];

/// First words of an addressee after a directed speech verb: "he told them", "told the driver".
const ADDRESSEES: [&str; 13] = ["them", "him", "her", "his", "their", "the", "us", "me", "my", "a", "an", "one", "both"];

/// Words right before a colon that make a speech noun earlier in the clause its subject: "his
/// instruction was:", "the order, as relayed, was simply:".
const COPULAS: [&str; 8] = ["was", "is", "were", "are", "simply", "being", "remains", "remained"];

/// Words between a speech verb and a colon or a dash: "the note reads in part:", "his
/// voicemail went roughly:" (ninth round).
const SPEECH_FILLERS: [&[&str]; 11] = [
    &["in", "part"], &["in", "full"], &["as", "follows"], &["roughly"], &["verbatim"], &["in", "translation"], &["word", "for", "word"], &["more", "or", "less"],
    &["in", "essence"], &["in", "substance"], &["something", "like"],
];

/// Words of manner after "was" that keep a speech noun the subject: "his instruction was blunt —".
const MANNER: [&str; 19] = [
    "blunt", "clear", "simple", "short", "brief", "explicit", "direct", "unambiguous", "stark", "curt", "terse", "plain", "precise", "chilling", "specific",
    "categorical", "firm", "emphatic", "unequivocal",
];

/// Possessors of a speech noun that make it a public body's words: "the ministry's message was
/// clear:".
const PUBLIC_POSSESSORS: [&str; 24] = [
    "government", "ministry", "minister", "president", "police", "army", "vendor", "company", "agency", "department", "council", "court", "judge", "prosecutor",
    "spokesman", "spokeswoman", "spokesperson", "mayor", "governor", "king", "queen", "pope", "embassy", "commission",
];

/// Our own documents and rules: "Written in the advisory:" is not the plotters' writing.
const OUR_DOCUMENTS: [&str; 14] = [
    "advisory", "bulletin", "report", "guidance", "assessment", "policy", "manual", "procedure", "procedures", "law", "regulation", "regulations", "guidelines", "standard",
];

/// Participles of writing that open a clause before a colon or a dash: "Scrawled inside the
/// cover of his notebook: ...".
const WRITING: [&str; 11] = ["written", "scrawled", "scribbled", "handwritten", "inscribed", "jotted", "pencilled", "penciled", "etched", "carved", "daubed"];

/// Words before a phone number that make it a published line: "the anti-terrorist hotline on
/// 0800 789 321" (ninth round).
const PUBLIC_LINES: [&str; 9] = ["hotline", "hotlines", "helpline", "helplines", "tipline", "tiplines", "freephone", "freefone", "crimestoppers"];

/// Words that make a published line only with a line word right after them ("the festival's
/// public safety line", "the embassy's public enquiry line", "the enquiry desk"): alone they
/// say nothing about the number ("called the public prosecutor from ...", "the inquiry heard
/// he used ..."), and a selector that is missed can burn a source, so they fail closed.
const PUBLIC_LINE_QUALIFIERS: [&str; 7] = ["public", "enquiry", "enquiries", "inquiry", "inquiries", "toll", "switchboard"];

/// Line words after a [`PUBLIC_LINE_QUALIFIERS`] word (within two words).
const LINE_WORDS: [&str; 9] = ["line", "lines", "number", "numbers", "desk", "hotline", "helpline", "free", "operator"];

/// Whether the phone number `m` at `s` is a published public line: a freephone or toll-free
/// number, a `PUBLIC_LINES` word within six words before it in its sentence, or a
/// `PUBLIC_LINE_QUALIFIERS` word there with a line word right after it.
fn public_line(text: &str, s: usize, m: &str) -> bool {
    let digits: String = m.chars().filter(char::is_ascii_digit).collect();
    let toll_free = ["0800", "0808", "0500", "1800"].iter().any(|p| digits.starts_with(p))
        || (digits.len() == 11 && digits.starts_with('1') && ["800", "888", "877", "866", "855", "844", "833"].contains(&&digits[1..4]));
    // The words before the number itself (a match may open with a label: "line, +254 ...").
    let lead = m.find(|c: char| c.is_ascii_digit() || c == '+').unwrap_or(0);
    let before = tail(&text[..s + lead], 80);
    let from = before.rfind(['.', '!', '?', ';', '\n']).map_or(0, |i| i + 1);
    let ws: Vec<String> = words(&before[from..]).map(|(_, _, w)| w).collect();
    let near = ws.len().saturating_sub(6);
    toll_free
        || ws[near..].iter().any(|w| PUBLIC_LINES.contains(&w.as_str()))
        || (near..ws.len()).any(|i| PUBLIC_LINE_QUALIFIERS.contains(&ws[i].as_str()) && ws[i + 1..].iter().take(2).any(|w| LINE_WORDS.contains(&w.as_str())))
}

/// Whether the words of a sentence hold a possessor and a home connection: "Musa Garba's home
/// connection", "Ahmed Noor's home router" (ninth round): an IP address in that sentence is
/// that person's.
fn possessed_home_line(ws: &[(usize, usize, String)]) -> bool {
    ws.windows(3).any(|w| {
        w[0].2.strip_suffix("'s").is_some_and(|o| !o.is_empty() && !["it", "that", "there", "what", "here", "he", "she", "who", "where", "let"].contains(&o))
            && ["home", "residential", "household"].contains(&w[1].2.as_str())
            && ["connection", "broadband", "router", "line", "internet", "wifi", "wi", "ip"].contains(&w[2].2.as_str())
    })
}

/// The last `n` bytes of `s` or fewer, cut at a char boundary.
fn tail(s: &str, n: usize) -> &str {
    let mut from = s.len().saturating_sub(n);
    while !s.is_char_boundary(from) {
        from += 1;
    }
    &s[from..]
}

/// Whether the text between two words ends a sentence: a semicolon, a question or exclamation
/// mark, a line break, or a full stop before a space that ends a sentence ([`full_stop_ends`]).
fn sentence_break(text: &str, from: usize, to: usize) -> bool {
    let gap = &text[from..to];
    gap.contains([';', '!', '?', '\n']) || gap.find(". ").is_some_and(|i| full_stop_ends(text, from + i))
}

/// Abbreviations whose full stop does not end a sentence: "St. Mary's", "Dr. Hamid", "Gen.
/// Haftar", "Lt. Col. Adeyemi", "Acme Co. Ltd", "et al." ("No." only before a number).
const ABBREVIATIONS: [&str; 40] = [
    "st", "dr", "mr", "mrs", "ms", "gen", "col", "lt", "capt", "cpt", "sgt", "maj", "brig", "adm", "cpl", "pte", "prof", "rev", "fr", "mt", "ft", "jr", "sr",
    "inc", "ltd", "co", "corp", "ave", "rd", "blvd", "approx", "vs", "dept", "gov", "sen", "rep", "hon", "al", "cf", "ca",
];

/// Whether the full stop at byte `dot` of `text` ends a sentence: not after an abbreviation
/// ([`ABBREVIATIONS`]; "No." before a number) or a single letter (an initial: "J. Smith",
/// "U.S. officials").
pub(crate) fn full_stop_ends(text: &str, dot: usize) -> bool {
    let word = text[..dot].rsplit(|c: char| !c.is_alphanumeric()).next().unwrap_or("");
    let mut chars = word.chars();
    if chars.next().is_some_and(char::is_alphabetic) && chars.next().is_none() {
        return false;
    }
    let lower = word.to_ascii_lowercase();
    if lower == "no" || lower == "nos" {
        return !text[dot + 1..].trim_start().starts_with(|c: char| c.is_ascii_digit());
    }
    !ABBREVIATIONS.contains(&lower.as_str())
}

/// Where the first sentence of `s` ends (the byte of its mark: a full stop, `!` or `?` before
/// whitespace, or a line break), if it does.
fn first_sentence_end(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len()).find(|&i| b[i] == b'\n' || (matches!(b[i], b'.' | b'!' | b'?') && b.get(i + 1) == Some(&b' ') && (b[i] != b'.' || full_stop_ends(s, i))))
}

/// Where the last sentence of `s` starts (after the last sentence end), if one ends in it.
fn last_sentence_start(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len()).rev().find_map(|i| match b[i] {
        b'\n' => Some(i + 1),
        b'.' | b'!' | b'?' if b.get(i + 1) == Some(&b' ') && (b[i] != b'.' || full_stop_ends(s, i)) => Some(i + 2),
        _ => None,
    })
}

/// The words of the sentence around `s..e` in `text`, outside it (at most `reach` bytes each
/// way).
fn sentence_words_around(text: &str, s: usize, e: usize, reach: usize) -> Vec<(usize, usize, String)> {
    let (before, after) = (tail(&text[..s], reach), head(&text[e..], reach));
    let start = last_sentence_start(before).unwrap_or(0);
    let end = first_sentence_end(after).unwrap_or(after.len());
    words(&before[start..]).chain(words(&after[..end])).collect()
}

/// What follows the last of `marks` in `s` (all of `s` without one).
fn after_last<'a>(s: &'a str, marks: &[char]) -> &'a str {
    s.rfind(marks).map_or(s, |i| &s[i + s[i..].chars().next().map_or(1, char::len_utf8)..])
}

/// The first `n` bytes of `s` or fewer, cut at a char boundary.
fn head(s: &str, n: usize) -> &str {
    let mut to = n.min(s.len());
    while !s.is_char_boundary(to) {
        to -= 1;
    }
    &s[..to]
}

/// Stems that make a clause about the attack, not about a public event.
const ATTACK_WORDS: [&str; 16] = ["attack", "strike", "bomb", "device", "detonat", "explos", "shoot", "gunm", "assault", "plot", "raid", "ambush", "hit", "target", "cell", "operation"];

/// Words before "2100-2200" that make it a window of time.
const RANGE_BEFORE: [&str; 8] = ["window", "until", "time", "times", "timeframe", "slot", "period", "h"];

/// Verbs that go on with a public event's clause after "and" / "then" ("starts at noon and ends
/// at four"), besides any ending in "-ed".
const CONTINUING_VERBS: [&str; 10] = ["ends", "finishes", "closes", "reopens", "resumes", "returns", "continues", "concludes", "moves", "runs"];

/// Words that open a new clause: a public event's time does not reach past them.
const CLAUSE_WORDS: [&str; 8] = ["and", "but", "when", "while", "whereas", "where", "then", "so"];

/// Words that may follow "at 0430" and keep it a clock time.
const HHMM_NEXT: [&str; 52] = [
    "on", "local", "lt", "hours", "hrs", "h", "tomorrow", "today", "tonight", "and", "or", "when", "sharp", "that", "the", "until", "at", "near", "outside",
    "opposite", "behind", "via", "then", "latest", "z", "zulu", "utc", "gmt", "from", "tmrw", "tmw", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "this", "next", "before", "after",
];

/// Verbs after which "at 1200" is a quantity ("the group's strength stands at 1200 near the
/// border").
const QUANTITY_VERBS: [&str; 14] = ["stands", "stood", "estimated", "priced", "valued", "capped", "numbered", "totalled", "totaled", "rose", "fell", "reached", "peaked", "put"];

/// Whether a four-digit time at `s..e` ends its clause or is followed by a time word ("at 0615
/// at the fuel station", "until 1630 on Friday"), and is not a quantity ("at 1200 metres", "by
/// 1500 fighters", "stands at 1200 near the border").
fn hhmm_followed_by_time_word(text: &str, s: usize, e: usize) -> bool {
    let next = text[e..].trim_start();
    let word = words(next).next().map(|(_, _, w)| w).unwrap_or_default();
    let before: Vec<String> = words(tail(&text[..s], 40)).map(|(_, _, w)| w).collect();
    let quantity = before.iter().rev().take(3).any(|w| QUANTITY_VERBS.contains(&w.as_str()));
    // "from 1400 to 1600": a range of times.
    let range = (word == "to" || word == "and") && words(next).nth(1).is_some_and(|(_, _, w)| w.len() == 4 && w.bytes().all(|b| b.is_ascii_digit()));
    !quantity && (next.is_empty() || next.starts_with([',', '.', ';', ')']) || range || (next.starts_with(char::is_alphabetic) && HHMM_NEXT.contains(&word.as_str())))
}

/// Where a clock time is the published time of a public event: from a `time_allow` phrase at
/// the start of a sentence to the end of its clause (a comma, a semicolon, the end of the
/// sentence, or "and" / "but" / "when" / "while" / "where" / "then"): "The march will leave
/// Trafalgar Square at midday on Saturday", not "..., and the attackers will strike at 12:15".
fn public_event_times(text: &str, ws: &[(usize, usize, String)], cfg: &LintConfig) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if cfg.inner.time_allow.is_empty() {
        return out;
    }
    // A verb sharing the subject goes on with the clause: "was published at 16:00 and updated
    // at 18:30", "starts at noon and ends at four".
    let shared_subject = |j: usize| ["and", "then"].contains(&ws[j].2.as_str()) && ws.get(j + 1).is_some_and(|(_, _, w)| w.ends_with("ed") || CONTINUING_VERBS.contains(&w.as_str()));
    // Punctuation ends the clause, but not the colon or dot inside a clock time.
    let digits = |w: &str| w.bytes().all(|b| b.is_ascii_digit());
    let breaks = |j: usize| {
        let gap = &text[ws[j - 1].1..ws[j].0];
        gap.contains([',', ';', ':', '.', '!', '?', '\n', '(']) && !((gap == ":" || gap == ".") && digits(&ws[j - 1].2) && digits(&ws[j].2))
    };
    // "between 05:00 and 06:00": "and" between two times joins a range (twelfth round).
    let range = |j: usize| ws[j].2 == "and" && digits(&ws[j - 1].2) && ws.get(j + 1).is_some_and(|(_, _, w)| digits(w));
    let sentence_break_before = |j: usize| sentence_break(text, ws[j - 1].1, ws[j].0);
    for i in 0..ws.len() {
        // Spans stay in order and disjoint (a phrase's gap may run past a full stop).
        if (i > 0 && !sentence_break_before(i)) || out.last().is_some_and(|&(_, e)| ws[i].0 < e) {
            continue;
        }
        let sentence_end = (i + 1..ws.len()).find(|&k| sentence_break_before(k)).unwrap_or(ws.len());
        // Of the phrases that match here, the one whose clause reaches furthest: "The festival
        // gates open at 16:00 and the main stage programme begins at 18:30, according to the
        // organisers' website" (twelfth round).
        let mut best: Option<(usize, usize)> = None;
        for toks in &cfg.inner.time_allow {
            if let Some(end) = match_at(toks, ws, i).filter(|&e| e > i) {
                let mut j = end;
                while j < ws.len() && !breaks(j) && (!CLAUSE_WORDS.contains(&ws[j].2.as_str()) || shared_subject(j) || range(j)) {
                    j += 1;
                }
                // Not when the sentence speaks of the attack, in the clause ("Kick-off for the
                // attack is 19.30") or after it ("Prayers begin at 19:30, when the cell intends to
                // detonate the device"): the public time is then the plot's.
                if !ws[i..j.max(sentence_end)].iter().any(|(_, _, w)| ATTACK_WORDS.iter().any(|a| w.starts_with(a))) && best.is_none_or(|(_, e)| ws[j - 1].1 > e) {
                    best = Some((ws[i].0, ws[j - 1].1));
                }
            }
        }
        out.extend(best);
    }
    out
}

/// First- and second-person words: the voice of direct speech.
const PERSONAL: [&str; 12] = ["i", "i'm", "i'll", "me", "my", "we", "we'll", "we're", "us", "our", "you", "your"];

/// Whether the quotation at `qs..qe` is a public statement (a phrase of `public_speech` in its
/// sentence, outside the quotation) or a mention (a `quote_mention` word right before it, a
/// `quote_mention_near` noun within five words before it in its clause, or "instead" /
/// "rather" right after it: "say 'in the coming days' instead").
fn public_or_mention(text: &str, qs: usize, qe: usize, cfg: &LintConfig) -> bool {
    // Bounded windows around the quotation keep the whole scan linear in the text.
    let before = tail(&text[..qs], 400);
    let after = head(&text[qe..], 400);
    let bw: Vec<(usize, usize, String)> = words(before).collect();
    if bw.last().is_some_and(|(_, _, w)| cfg.inner.quote_mention.contains(w))
        || words(after).next().is_some_and(|(_, _, w)| w == "instead" || w == "rather")
    {
        return true;
    }
    // A mention noun within five words before, in the same clause: "the slogan for the
    // campaign, '...'", "banners reading '...'"; not after a speech verb and "that" ("told the
    // members that the operation is '...'": reported speech, ninth round).
    let clause = before.rfind(['.', '!', '?', ';', '\n']).map_or(0, |i| i + 1);
    let in_clause: Vec<&(usize, usize, String)> = bw.iter().filter(|(s, _, _)| *s >= clause).collect();
    let k = in_clause.len();
    let reported = |at: usize| {
        in_clause[..at].iter().enumerate().any(|(i, (_, _, w))| {
            cfg.inner.speech_verbs.contains(w) && !cfg.inner.speech_verbs_adjacent.contains(w) && in_clause[i + 1..at].iter().any(|(_, _, t)| t == "that")
        })
    };
    if (k.saturating_sub(5)..k).any(|i| cfg.inner.quote_mention_near.contains(in_clause[i].2.strip_suffix("'s").unwrap_or(&in_clause[i].2)) && !reported(i)) {
        return true;
    }
    // A naming verb and its object right before: "called the strike '...'", "described the raid
    // as '...'", "branded the attack '...'" (a characterisation, not speech; ninth round). Not
    // with a comma or colon between, nor "called his brother" (a call).
    let tail_words = &in_clause[k.saturating_sub(5)..];
    if let Some(i) = tail_words.iter().rposition(|(_, _, w)| NAMING_VERBS.contains(&w.as_str()))
        && tail_words.len() - i <= 5
        && !before[tail_words[i].1..].contains([',', ':', ';'])
        && tail_words.get(i + 1).is_some_and(|(_, _, w)| !["his", "her", "their", "my", "our", "your", "me", "him", "us", "them"].contains(&w.as_str()))
    {
        return true;
    }
    // An inscription: "'One city, one club' is painted in huge letters above the gate".
    let aw: Vec<String> = words(after).take(4).map(|(_, _, w)| w).collect();
    let displayed = |i: usize| aw.get(i).is_some_and(|w| DISPLAYED.contains(&w.as_str()));
    if aw.first().is_some_and(|w| ["is", "was", "are", "were", "been", "has", "had"].contains(&w.as_str())) && (displayed(1) || (aw.get(1).is_some_and(|w| w == "been") && displayed(2))) {
        return true;
    }
    public_sentence(text, qs, qe, cfg)
}

/// Verbs that name or characterise something with a quotation after their object: "called the
/// strike '...'" (ninth round).
const NAMING_VERBS: [&str; 22] = [
    "called", "calls", "calling", "branded", "brands", "branding", "labelled", "labeled", "termed", "terms", "described", "describes", "describing", "characterised",
    "characterized", "denounced", "condemned", "hailed", "praised", "decried", "slammed", "dismissed",
];

/// Participles that make a quotation before them an inscription: "'...' is painted above the
/// gate", "'...' was stencilled on walls" (ninth round).
const DISPLAYED: [&str; 20] = [
    "painted", "written", "displayed", "printed", "emblazoned", "inscribed", "stencilled", "stenciled", "carved", "engraved", "hung", "sprayed", "daubed",
    "scrawled", "plastered", "etched", "projected", "chalked", "splashed", "posted",
];

/// Whether the sentence around `qs..qe`, outside it, has a phrase of `public_speech`.
fn public_sentence(text: &str, qs: usize, qe: usize, cfg: &LintConfig) -> bool {
    public_speech(&sentence_words_around(text, qs, qe, 400), cfg)
}

/// Whether words have a phrase of `public_speech` and none of `private_speech`: a speech verb
/// with a subordinate as addressee ("the club president told his members") is private speech
/// whatever else the sentence has.
fn public_speech(ws: &[(usize, usize, String)], cfg: &LintConfig) -> bool {
    let any = |list: &[Vec<Tok>]| list.iter().any(|toks| (0..ws.len()).any(|i| match_at(toks, ws, i).is_some_and(|e| e > i)));
    any(&cfg.inner.public_speech) && !any(&cfg.inner.private_speech)
}

/// Words before "#1234" that make it the number of a thing, not a gaming or Discord tag.
const NUMBERED_THINGS: [&str; 40] = [
    "issue", "issues", "ticket", "tickets", "case", "cases", "bug", "pr", "pull", "item", "items", "no", "nr", "num", "number", "order", "invoice", "room", "flight",
    "ref", "incident", "inc", "cve", "kb", "page", "line", "row", "build", "task", "story", "job", "request", "req", "change", "chg", "rfc", "report", "alert", "rule",
    "version",
];

/// Words after a number that make "at 12.50" a quantity rather than a clock time.
const UNITS: [&str; 16] = ["per", "percent", "pc", "million", "billion", "km", "kilometres", "kilometers", "m", "metres", "kg", "tonnes", "dollars", "euros", "usd", "points"];

/// Whether what follows a number makes it part of a larger one or a percentage: "2.50%",
/// "1500,000", "14.30.5".
fn continues_a_number(rest: &str) -> bool {
    rest.starts_with('%') || (rest.starts_with(['.', ',']) && rest[1..].starts_with(|c: char| c.is_ascii_digit()))
}

/// "numbers 1500-2000": two round numbers in rising order joined by a dash are a range of
/// quantities ("the group numbers 1500-2000"), not a phone number.
fn round_range(s: &str) -> bool {
    let from = s.find(|c: char| c.is_ascii_digit()).unwrap_or(s.len());
    let parts: Vec<&str> = s[from..].split(['-', '\u{2013}']).map(str::trim).collect();
    let n = |p: &str| p.parse::<u64>().ok().filter(|&v| v >= 100 && v % 100 == 0);
    matches!(parts.as_slice(), [a, b] if n(a).zip(n(b)).is_some_and(|(a, b)| a < b))
}

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
        out.push(Finding { code: NO_LOCATION, object_id: String::new(), path: String::new(), span: None, blocking: false, matched: String::new(), reason: None });
    }
    if has_content && !has_window {
        out.push(Finding { code: NO_WINDOW, object_id: String::new(), path: String::new(), span: None, blocking: false, matched: String::new(), reason: None });
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

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<&'static str> {
        let mut out = Vec::new();
        lint_text(text, "x", "description", &LintConfig::default(), &mut out);
        out.iter().filter(|f| f.blocking).map(|f| f.code).collect()
    }

    fn findings(text: &str, cfg: &LintConfig) -> Vec<Finding> {
        let mut out = Vec::new();
        lint_text(text, "x", "description", cfg, &mut out);
        out
    }

    fn vocabulary_alone() -> LintConfig {
        LintConfig::default().without_model()
    }

    #[test]
    fn the_model_reports_wording_no_phrase_lists_and_says_why() {
        // Sources and collection said in words the phrases do not hold: the vocabulary alone
        // passes them, the model reports them with its probability and the words that weighed.
        for (text, code) in [
            ("A cousin of the driver, who visits us every few weeks, says the brothers have left the farm.", SOURCE),
            ("Everything he typed into the tablet went straight to our analysts for the last month.", MODALITY),
        ] {
            assert!(findings(text, &vocabulary_alone()).is_empty(), "{text}");
            let got = findings(text, &LintConfig::default());
            let f = got.iter().find(|f| f.code == code).unwrap_or_else(|| panic!("{text}: {got:?}"));
            assert_eq!(f.matched, text);
            let reason = f.reason.as_deref().expect("a model finding says why");
            assert!(reason.starts_with("model, ") && reason.contains(" head: probability ") && reason.contains("weighed most: '"), "{reason}");
        }
        // Threat prose of the same length and topic stays clean, and so do short fragments.
        for text in ["The brothers have left the farm and are believed to be moving towards the border crossing.", "Operation Dry Farm", "Brothers left the farm."] {
            assert!(findings(text, &LintConfig::default()).is_empty(), "{text}");
        }
    }

    #[test]
    fn the_model_reads_reported_speech_and_clock_times_in_words() {
        let speech = "The leader then told the boys that nobody leaves the house until the car comes back, and that phones stay off.";
        let time = "The convoy is due to leave the depot once the evening prayer ends, a little after eight.";
        for (text, code) in [(speech, QUOTE), (time, TIME_PRECISION)] {
            assert!(findings(text, &vocabulary_alone()).is_empty(), "{text}");
            assert!(findings(text, &LintConfig::default()).iter().any(|f| f.code == code && f.reason.is_some()), "{text}");
        }
        // A clock time is no finding at an hour's granularity, and a public statement's reported
        // speech is not the plotters'.
        assert!(findings(time, &LintConfig::default().with_granularity(Granularity::Hour)).is_empty());
        assert!(findings("The minister told parliament that the government would not be intimidated by terrorists.", &LintConfig::default()).is_empty());
    }

    #[test]
    fn an_organisations_own_examples_teach_the_model() {
        // A false alarm of the default model (a plotter's relative as a fact about the plot, not
        // as a source)...
        let text = "The cell leader's cousin works as a driver at the hotel.";
        assert!(findings(text, &LintConfig::default()).iter().any(|f| f.code == SOURCE && f.reason.is_some()));
        // ...is not reported once the organisation adds such sentences as clean examples.
        let own = format!("{DEFAULT_TOML}examples = [\n  {{ text = \"The cell leader's cousin works as a driver at the hotel.\", cat = \"clean\" }},\n  {{ text = \"The bomb-maker's brother runs a shop near the station.\", cat = \"clean\" }},\n]\n");
        assert!(findings(text, &LintConfig::from_toml(&own).expect("own examples")).is_empty());
        // Bad settings are refused with the reason.
        let bad_class = format!("{DEFAULT_TOML}examples = [{{ text = \"x y z\", cat = \"selector\" }}]\n");
        assert!(LintConfig::from_toml(&bad_class).expect_err("class").to_string().contains("class must be one of"));
        let bad_threshold = DEFAULT_TOML.replace("threshold_source = 0.5", "threshold_source = 1.5");
        assert!(LintConfig::from_toml(&bad_threshold).expect_err("threshold").to_string().contains("threshold"));
    }

    #[test]
    fn the_model_scores_each_sentence_and_defers_to_the_vocabulary() {
        // A sentence the vocabulary already reports for a class gets no second finding of that
        // class; another sentence of the same text is scored on its own.
        let text = "An informant inside the cell reported the move. A cousin of the driver, who visits us every few weeks, says the brothers have left the farm.";
        let second = text.find("A cousin").expect("second sentence");
        let got = findings(text, &LintConfig::default());
        let sources: Vec<&Finding> = got.iter().filter(|f| f.code == SOURCE).collect();
        assert!(sources.iter().any(|f| f.reason.is_none() && f.span.is_some_and(|(s, _)| s < second)), "{got:?}");
        let model: Vec<&Finding> = sources.iter().copied().filter(|f| f.reason.is_some()).collect();
        assert_eq!(model.len(), 1, "{got:?}");
        assert_eq!(model[0].span, Some((second, text.len())));
    }

    #[test]
    fn lints_gaming_and_discord_tags_but_not_numbered_things() {
        assert!(codes("His Discord handle is ironwolf#4471.").contains(&HANDLE));
        assert!(codes("Battle.net: Kharon#21977, same name on the forums.").contains(&HANDLE));
        assert!(codes("The fix is tracked in ticket#2210 and Issue#4471.").is_empty());
        assert!(codes("See issue #4471 for the fix.").is_empty());
        assert!(codes("The airline said flight BA#2490 was delayed.").is_empty());
    }

    #[test]
    fn lints_approximate_four_digit_times_but_not_quantities() {
        assert!(codes("- handover ~2315, car park B").contains(&TIME_PRECISION));
        assert!(codes("Drop-off c.2340 behind the mosque.").contains(&TIME_PRECISION));
        assert!(codes("RV ca. 0130 at the north gate").contains(&TIME_PRECISION));
        assert!(codes("The militia fields ~1500 fighters in the valley.").is_empty());
        assert!(codes("Turnout was estimated at ~1500, police said.").is_empty());
        assert!(codes("The ledger lists ~2000, mostly in cash.").is_empty());
    }

    #[test]
    fn a_range_of_four_digit_times_before_a_temporal_word() {
        assert!(codes("They assemble between 1100 and 1130 before marching.").contains(&TIME_PRECISION));
        assert!(codes("Between 1100 and 1300 migrants crossed that week.").is_empty());
    }

    #[test]
    fn german_single_quotation_marks_hold_speech() {
        assert!(codes("The ringleader told the others \u{201a}Keep your heads down until the trial is over\u{2018}.").contains(&QUOTE));
        assert!(codes("He wrote \u{201a}not on the phone\u{2018} and hung up.").contains(&QUOTE));
        assert!(codes("The \u{201a}Sturmfront\u{2018} network recruits online.").is_empty());
    }

    #[test]
    fn a_subordinate_as_addressee_makes_speech_private() {
        assert!(codes("The president told his members, 'Sort the Rebels out before the run, no excuses.'").contains(&QUOTE));
        assert!(codes("The chairman told his lieutenants: 'the boat goes Friday, not before.'").contains(&QUOTE));
        assert!(codes("The president told reporters, 'We will find those responsible.'").is_empty());
        assert!(codes("The minister told parliament that the threat was 'real and growing'.").is_empty());
    }

    #[test]
    fn a_speech_tag_whose_subject_has_of_and_a_noun() {
        assert!(codes("Nobody touches the money until I arrive, the head of the clan told his lieutenants.").contains(&QUOTE));
        assert!(codes("Bring the van round at dawn, one of the brothers told the driver.").contains(&QUOTE));
        assert!(codes("We wait for the signal, one of them told the recruits, and then we move.").contains(&QUOTE));
        assert!(codes("As expected, the head of the delegation told the conference that talks would continue.").is_empty());
        assert!(codes("We will not be intimidated, one of the ministers told reporters.").is_empty());
    }

    #[test]
    fn contractions_of_pronouns_match_as_the_pronoun() {
        assert_eq!(strip_clitic("we've"), Some("we"));
        assert_eq!(strip_clitic("i'm"), Some("i"));
        assert_eq!(strip_clitic("'s"), None);
        assert_eq!(strip_clitic("leader"), None);
        assert!(codes("Heads-up: we've got access to his iCloud now.").contains(&MODALITY));
        assert!(codes("We'd been reading the courier's mail for weeks.").contains(&MODALITY));
    }

    #[test]
    fn registrations_after_other_registration_words() {
        assert!(codes("The bloke's ute is a grey HiLux, NSW rego CX 41 LP.").contains(&DEVICE_ID));
        assert!(codes("Sein Auto hat das Kennzeichen B-MK 4471.").contains(&DEVICE_ID));
        assert!(codes("The rego check came back clean.").is_empty());
    }

    #[test]
    fn plates_with_five_digit_groups_and_digits_alone_after_a_plate_word() {
        assert!(codes("A white Patrol bearing Abu Dhabi plate N 48213.").contains(&DEVICE_ID));
        assert!(codes("Grey Corolla, Kuwaiti plates 48291, tinted windows.").contains(&DEVICE_ID));
        assert!(codes("The registration 48291 was cancelled.").is_empty());
        assert!(codes("Number plates were removed from 12 vehicles in 2024.").is_empty());
    }

    #[test]
    fn names_an_account_goes_by() {
        assert!(codes("He goes by shadow_of_uhud.07 on Signal.").contains(&HANDLE));
        assert!(codes("Online she calls herself umm_x_92 and runs the channel.").contains(&HANDLE));
        assert!(codes("his snap is dz.k1ng_07 btw").contains(&HANDLE));
        assert!(codes("He goes by his kunya, Abu Talha, among the fighters.").is_empty());
        assert!(codes("The actor known as APT28 goes by many names.").is_empty());
    }

    #[test]
    fn mobile_money_and_bank_account_numbers() {
        assert!(codes("Paid through EVC Plus account 61 558 0412, registered to a shop.").contains(&WALLET));
        assert!(codes("Fees go via Zaad account 63 4471 220.").contains(&WALLET));
        assert!(codes("His IBAN, AE07 0331 2345 6789 0123 456, was shared.").contains(&WALLET));
        assert!(codes("The account was opened in 2021 and closed in 2023.").is_empty());
        assert!(codes("Mobile money accounts for 40 per cent of transfers.").is_empty());
    }

    #[test]
    fn published_public_lines_are_not_selectors() {
        assert!(codes("Call the anti-terrorist hotline on 0800 789 321 if you see anything.").is_empty());
        assert!(codes("The embassy's public enquiry line, +254 20 363 6000, is staffed.").is_empty());
        assert!(codes("Toll-free: 1-800-225-5324.").is_empty());
        assert!(codes("The coordinator uses +971 52 684 3190 for all contact.").contains(&PHONE));
        assert!(codes("The festival's public safety line is +44 20 7946 0321.").is_empty());
        assert!(codes("The enquiry desk on +44 161 496 0000 takes reports.").is_empty());
        // "public" or "inquiry" alone says nothing about the number: fail closed.
        assert!(codes("He called the public prosecutor's office from +44 7700 900123.").contains(&PHONE));
        assert!(codes("The inquiry heard that he used +44 7700 900456 to reach the cell.").contains(&PHONE));
    }

    #[test]
    fn an_ip_address_of_a_named_persons_home_connection() {
        assert!(codes("Musa Garba's home connection was assigned 41.203.77.142 in May.").contains(&DEVICE_ID));
        assert!(codes("The C2 at 185.220.101.47 recruits compromised home routers.").is_empty());
        assert!(codes("It's home router firmware at 10.0.0.1 that the botnet targets.").is_empty());
    }

    #[test]
    fn half_hours_in_digits_and_zone_letters_after_approximations_and_movements() {
        assert!(codes("go time is half 8 tonight").contains(&TIME_PRECISION));
        assert!(codes("They meet at half 9 by the chippy.").contains(&TIME_PRECISION));
        assert!(codes("PAG departed Eyl c. 0215L heading NE").contains(&TIME_PRECISION));
        assert!(codes("Dhow sighted 2240L off Ras Hafun.").contains(&TIME_PRECISION));
        assert!(codes("Prices fell by half 8 times in a decade.").is_empty());
        assert!(codes("The convoy left 1000L of diesel at the depot.").is_empty());
    }

    #[test]
    fn speech_after_a_dash_fillers_manner_and_writing() {
        assert!(codes("His note to his mother reads in part \u{2014} Forgive me, I will not come home.").contains(&QUOTE));
        assert!(codes("His voicemail went roughly: we leave the car at the mosque and wait.").contains(&QUOTE));
        assert!(codes("The commander's instruction to the team was blunt \u{2014} take the bridge first, then the engineers.").contains(&QUOTE));
        assert!(codes("Written on the back of the diagram in his hand: for the airport one, double the nails.").contains(&QUOTE));
        assert!(codes("On the back, in the courier's handwriting: two guards, the dog sleeps by the gate.").contains(&QUOTE));
        assert!(codes("The answer is simple \u{2014} patch the gateway and rotate the keys.").is_empty());
        assert!(codes("The ministry's message was clear: the talks will continue next week.").is_empty());
        assert!(codes("The group said \u{2014} without giving details \u{2014} that it had new members.").is_empty());
        assert!(codes("Written guidance for venues: review bag searches at every entrance.").is_empty());
        assert!(codes("Written in the advisory: apply the patch and rotate the keys.").is_empty());
    }

    #[test]
    fn characterisations_and_inscriptions_are_not_speech_but_reported_speech_after_that_is() {
        assert!(codes("The UN Secretary-General called the strike 'a heinous crime against civilians'.").is_empty());
        assert!(codes("Amnesty described the raid as 'a grave violation of international law'.").is_empty());
        assert!(codes("'One city, one club' is painted in huge letters above the main gate.").is_empty());
        assert!(codes("He called the driver, 'we leave at dawn and nobody talks'.").contains(&QUOTE));
        assert!(codes("The official in charge told the members that the operation is 'revenge for the martyrs and will be in the capital'.").contains(&QUOTE));
        assert!(codes("The operation 'Desert Shield of the Faithful' was announced in March.").is_empty());
    }

    #[test]
    fn profile_links_bank_account_words_and_labels_with_a_qualifier() {
        assert!(codes("His Steam profile is steamcommunity.com/id/kr1eg_77.").contains(&HANDLE));
        assert!(codes("He streams on twitch.tv/sturmwolf_88 most nights.").contains(&HANDLE));
        assert!(codes("He posts at reddit.com/user/blood_n_soil_44.").contains(&HANDLE));
        assert!(codes("Paid via CLABE 002180700123456789 in a cousin's name.").contains(&WALLET));
        assert!(codes("Sort code 20-45-77 was used for the rent.").contains(&WALLET));
        assert!(codes("Funds went through CBU 2850590940090418135201.").contains(&WALLET));
        assert!(codes("- ETA at target: 1340L (unconfirmed)").contains(&TIME_PRECISION));
        assert!(codes("Time on target: 0215").contains(&TIME_PRECISION));
        assert!(codes("H-hour (local): 0400.").contains(&TIME_PRECISION));
        assert!(codes("RV: 2330, per the driver.").contains(&TIME_PRECISION));
        assert!(codes("Window: 1500 per cent of the quota.").is_empty());
        assert!(codes("Start of the campaign: 2019").is_empty());
        assert!(codes("Routing of the traffic: see annex.").is_empty());
        assert!(codes("Meeting at the ministry: 1200 participants expected.").is_empty());
        // Never a panic, whatever follows a label or a link.
        for t in ["ETA at \u{00e9}t\u{00e9}: 1340\u{00c9}", "ETA (loc\u{00e9}): 0", "twitch.tv/\u{00e9}\u{00e9}\u{00e9}", "CLABE \u{00e9}", "H-hour (", "time on:", "Time: 2359,"] {
            let _ = codes(t);
        }
    }

    /// The codes the phrases and patterns alone report.
    fn vocabulary_codes(text: &str) -> Vec<&'static str> {
        findings(text, &vocabulary_alone()).iter().filter(|f| f.blocking).map(|f| f.code).collect()
    }

    #[test]
    fn twelfth_round_collection_words_in_other_senses() {
        // Record keeping, forces stopping vessels and people, debates about tapping, published
        // pictures, regulators' reports, SIM registration, the adversary's own phones and apps,
        // drones as goods: not our collection.
        for t in [
            "Recorded thefts from cars rose by nine per cent, the statistics office says.",
            "Only four stabbings were recorded in the district last year.",
            "The magistrate recorded a verdict of accidental death.",
            "The manuscript was recorded in the abbey's register in 1911.",
            "The cocaine boat was intercepted by a navy cutter off the Azores.",
            "The harbour master said it had intercepted a Liberian-flagged freighter without papers.",
            "The frigate intercepted a mayday signal from a sinking dhow.",
            "The wiretap scandal brought down the interior minister.",
            "Parliament debated the phone-tapping bill for a second day.",
            "Aerial photographs released by the ministry show the flooded valley.",
            "The customs service published photographs of the seized ivory.",
            "A video of the governor's press conference is on the state website.",
            "Dealers must file suspicious transaction reports within a week.",
            "SIM card registration with a passport became compulsory last year.",
            "The gang used burner phones and changed handsets every fortnight.",
            "The extremists switched from open forums to encrypted messaging apps last year.",
            "Forty drones were stolen from a warehouse in the port.",
            "The drone, a modified crop sprayer, was found in a field.",
        ] {
            assert!(!vocabulary_codes(t).contains(&MODALITY), "{t}");
        }
        // The same words as our collection still block.
        for t in [
            "Our team recorded his calls with the courier.",
            "His calls were intercepted by the service for a month.",
            "We intercepted the courier's messages on the night of the drop.",
            "Imagery from our satellite shows the trucks at the depot.",
            "His burner handset went dark near the border.",
            "We have been reading the group's encrypted chats since June.",
            "A drone followed the convoy to the farm.",
            "Photographs of the meeting were taken by our officers.",
        ] {
            assert!(vocabulary_codes(t).contains(&MODALITY), "{t}");
        }
    }

    #[test]
    fn an_abbreviation_does_not_end_the_sentence_a_phrase_or_a_statement_is_read_in() {
        // The speaker before "St." still makes the quotation a public statement.
        assert!(!vocabulary_codes("The spokesman for St. Mary's said: \"the church will stay open.\"").contains(&QUOTE));
        // A phrase still reaches across "Dr." as across any word, and not across a real full stop.
        assert!(!full_stop_ends("Dr. Hamid", 2) && !full_stop_ends("J. Okafor", 1) && !full_stop_ends("Check No. 4", 8));
        assert!(full_stop_ends("He said no. Then", 10) && full_stop_ends("the cell. Then", 8));
    }

    #[test]
    fn twelfth_round_sources_in_public_or_other_senses() {
        for t in [
            "The bill on whistleblower protection passed its second reading.",
            "The informant reward scheme pays for tips on poachers.",
            "A defector who became a novelist gave a public lecture in Oslo.",
            "A former member who left the sect told his story in an interview with a national newspaper.",
            "An undercover reporter filmed the sale of rhino horn.",
            "The handler of the sniffer dog searched the lorry.",
            "According to sources quoted by the Herald, the ransom was paid.",
        ] {
            assert!(!vocabulary_codes(t).contains(&SOURCE), "{t}");
        }
        for t in [
            "A former member of the cell who now talks to us says the money is in the garage.",
            "The informant we pay in the union says the drivers will strike.",
            "A defector in our care says the camp has moved.",
            "According to our source in the port, the crate left on Monday.",
        ] {
            assert!(vocabulary_codes(t).contains(&SOURCE), "{t}");
        }
    }

    #[test]
    fn twelfth_round_published_times_and_public_quotations() {
        for t in [
            "The morning show, which airs at 06:30, will repeat the appeal.",
            "The passport office is open from 08:30 to 16:00 on weekdays.",
            "The museum's published timetable lists the last entry at 17:15.",
            "The park gates open at 07:00 and the first tour starts at 09:30, according to the council's website.",
            "Dundee v Hearts kicks off at 7.45pm on Friday.",
            "Evening prayers begin at 19:30, as published on the mosque's website.",
            "Staff are reminded that the vault is closed between 12:00 and 13:00.",
        ] {
            assert!(!vocabulary_codes(t).contains(&TIME_PRECISION), "{t}");
        }
        for t in [
            "Prayers begin at 19:30, when the cell intends to detonate the device.",
            "Prayers begin at 19:30 at St. Mary's, when the cell intends to detonate the device.",
            "The station is open from 08:30, and the bomber plans to arrive at 08:45.",
            "The courier's meeting is at 19:30 behind the mosque.",
            "The cell will strike the match when it kicks off at 7.45pm.",
            "They will meet at 21:00, and the attack follows at 21:30.",
            "The gates open at 07:00 and the team goes in at 07:10.",
        ] {
            assert!(vocabulary_codes(t).contains(&TIME_PRECISION), "{t}");
        }
        for t in [
            "The Orthodox Church condemned the bombing, calling it \"an attack on every family.\"",
            "According to the police spokesman, \"the roads will reopen by the evening.\"",
            "The Opposition Leader asked whether the minister had been 'asleep at the wheel'.",
            "The Coast Guard Service said the crew were \"safe and in good health.\"",
        ] {
            assert!(!vocabulary_codes(t).contains(&QUOTE), "{t}");
        }
        // Hours counted in words, and "12 noon" (twelfth round).
        assert!(vocabulary_codes("They will cross at 6 hours 15 minutes in the morning.").contains(&TIME_PRECISION));
        assert!(vocabulary_codes("The device is set to go off at 12 noon.").contains(&TIME_PRECISION));
        assert!(!vocabulary_codes("The shelling lasted 6 hours in the morning and stopped by noon.").contains(&TIME_PRECISION));
        for t in [
            "The courier told the driver, \"park at the back and wait for my call.\"",
            "The leader wrote to his men: \"we go on the night of the match.\"",
            "The partner version should not include his words: \"we hit them at the gate.\"",
        ] {
            assert!(vocabulary_codes(t).contains(&QUOTE), "{t}");
        }
    }
}
