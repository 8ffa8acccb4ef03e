//! Extraction: from one article to entities, dates, attributions, counts and events, each fact
//! with the sentence it came from.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::article::{Article, Meta};
use crate::data::{ActorKind, Aliases, EventType, Gazetteer, Vocab};
use crate::date::{DateRange, Day, Precision};
use crate::hash::FxHashSet;
use crate::index::{Match, PhraseIndex, Target};
use crate::minhash::{MinHash, signature};
use crate::temporal::{DateMention, DateRole, find_dates, month_of};
use crate::text::{SentenceSpan, Token, normalize, split_sentences, tokenize_sentence};

/// What an entity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntityKind {
    ThreatActor,
    IntrusionSet,
    Organization,
    Person,
    Outlet,
    Place,
}

impl From<ActorKind> for EntityKind {
    fn from(k: ActorKind) -> EntityKind {
        match k {
            ActorKind::ThreatActor => EntityKind::ThreatActor,
            ActorKind::IntrusionSet => EntityKind::IntrusionSet,
            ActorKind::Organization => EntityKind::Organization,
            ActorKind::Person => EntityKind::Person,
            ActorKind::Outlet => EntityKind::Outlet,
        }
    }
}

/// One mention of an entity in the text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mention {
    pub kind: EntityKind,
    /// Gazetteer or alias-list id; for entities found by pattern alone, `person:<name>` or
    /// `org:<name>` (normalised).
    pub id: String,
    /// Canonical name.
    pub name: String,
    /// The words as written.
    pub text: String,
    pub sentence: usize,
    /// Places: written as "near X", "outskirts of X", "outside X" ...
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub near: bool,
    /// Matched by transliteration skeleton rather than a listed spelling.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fuzzy: bool,
    #[serde(skip)]
    pub tokens: (usize, usize),
}

/// A distinct entity with every sentence that mentions it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub kind: EntityKind,
    pub id: String,
    pub name: String,
    /// Spellings seen.
    pub surface: Vec<String>,
    pub sentences: Vec<usize>,
}

/// Kind of source an attribution names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A news outlet or agency: an original report the article retells.
    Outlet,
    /// A named organisation (ministry, agency) speaking for itself.
    Organization,
    /// A named person.
    Person,
    /// Officials, sources, witnesses: unnamed.
    Anonymous,
}

/// "according to the Washington Post", "an official said".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    pub kind: SourceKind,
    pub sentence: usize,
    /// The attribution as written.
    pub text: String,
}

/// What a count counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CountKind {
    Killed,
    Injured,
    Arrested,
    Kidnapped,
}

/// "at least 12 people were killed".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Count {
    pub kind: CountKind,
    pub value: u32,
    pub sentence: usize,
    pub text: String,
}

/// A sentence that signals an event type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventMention {
    pub event_type: String,
    pub family: String,
    pub sentence: usize,
    pub trigger: String,
    #[serde(skip)]
    pub priority: i32,
}

/// A fact with the sentence it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fact<T> {
    pub value: T,
    /// The words as written.
    pub text: String,
    pub sentence: usize,
}

/// A place as the event's location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlaceRef {
    pub id: String,
    pub name: String,
    /// "near X", "outskirts of X": the event is close to, not in, the place.
    pub near: bool,
}

/// An actor (threat actor or intrusion set) of the event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorRef {
    pub id: String,
    pub name: String,
    pub kind: EntityKind,
}

/// The main event an article reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub event_type: String,
    pub label: String,
    pub family: String,
    /// Duty-to-warn harm vocabulary (intentional-killing, serious-bodily-injury, kidnapping).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harm: Option<String>,
    /// The event lies ahead (a planned attack, not a foiled or executed one).
    pub prospective: bool,
    pub place: Option<Fact<PlaceRef>>,
    pub date: Option<Fact<DateRange>>,
    pub actors: Vec<Fact<ActorRef>>,
    pub target: Option<Fact<String>>,
    pub counts: Vec<Count>,
    /// Sentences that describe the event.
    pub sentences: Vec<usize>,
    /// 0-100: how much the text says about the event (type, place, date, actors).
    pub confidence: u8,
}

/// A duty-to-warn case the text suggests: a planned attack with a target and a time window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposedCase {
    /// The intended victim (person, group, place) as written.
    pub target: String,
    pub place: Option<PlaceRef>,
    pub window: DateRange,
    pub actors: Vec<ActorRef>,
    pub harm: String,
    /// Sentences the proposal rests on.
    pub sentences: Vec<usize>,
}

/// Everything extracted from one article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    /// `meta.id`, else `sha256:` of the text.
    pub article_id: String,
    pub meta: Meta,
    /// Canonical outlet name (resolved through the alias list when listed).
    pub outlet: Option<String>,
    /// SHA-256 (hex) of the article text as given.
    pub text_sha256: String,
    pub title: Option<String>,
    pub sentences: Vec<String>,
    pub mentions: Vec<Mention>,
    pub dates: Vec<DateMention>,
    pub attributions: Vec<Attribution>,
    pub counts: Vec<Count>,
    pub event_mentions: Vec<EventMention>,
    /// The main event, if the text reports one.
    pub event: Option<Event>,
    /// Other events the text mentions in passing (e.g. last year's attack).
    pub other_events: Vec<Event>,
    /// MinHash signature of the text (near-duplicate detection).
    #[serde(skip)]
    pub signature: MinHash,
}

impl Extraction {
    /// Distinct entities, in order of first mention.
    pub fn entities(&self) -> Vec<Entity> {
        let mut out: Vec<Entity> = Vec::new();
        for m in &self.mentions {
            match out.iter_mut().find(|e| e.id == m.id && e.kind == m.kind) {
                Some(e) => {
                    if !e.surface.contains(&m.text) {
                        e.surface.push(m.text.clone());
                    }
                    if !e.sentences.contains(&m.sentence) {
                        e.sentences.push(m.sentence);
                    }
                }
                None => out.push(Entity {
                    kind: m.kind,
                    id: m.id.clone(),
                    name: m.name.clone(),
                    surface: vec![m.text.clone()],
                    sentences: vec![m.sentence],
                }),
            }
        }
        out
    }

    pub fn entities_of(&self, kind: EntityKind) -> Vec<Entity> {
        self.entities()
            .into_iter()
            .filter(|e| e.kind == kind)
            .collect()
    }

    /// The sentence with this index.
    pub fn sentence(&self, i: usize) -> &str {
        self.sentences.get(i).map_or("", String::as_str)
    }

    /// Named outlets the article cites (its original sources), canonical names; includes
    /// `meta.attributed_to`. The article's own outlet is left out.
    pub fn original_sources(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        for a in &self.attributions {
            if a.kind == SourceKind::Outlet
                && Some(&a.source) != self.outlet.as_ref()
                && !v.contains(&a.source)
            {
                v.push(a.source.clone());
            }
        }
        v
    }

    /// A duty-to-warn case proposal: the main event is a planned attack with a target (or a
    /// place) and a time window that has not passed at publication.
    pub fn proposes_case(&self) -> Option<ProposedCase> {
        let ev = self.event.as_ref()?;
        if !ev.prospective {
            return None;
        }
        let window = ev.date.as_ref()?.value;
        if let Some(p) = self.meta.published
            && window.end < p
        {
            return None;
        }
        let target = ev
            .target
            .as_ref()
            .map(|t| t.value.clone())
            .or_else(|| ev.place.as_ref().map(|p| p.value.name.clone()))?;
        Some(ProposedCase {
            target,
            place: ev.place.as_ref().map(|p| p.value.clone()),
            window,
            actors: ev.actors.iter().map(|a| a.value.clone()).collect(),
            harm: ev
                .harm
                .clone()
                .unwrap_or_else(|| "intentional-killing".into()),
            sentences: ev.sentences.clone(),
        })
    }
}

/// A trigger phrase: tokens, each a word or a prefix (`foil*`).
#[derive(Debug, Clone)]
struct Pattern(Vec<(String, bool)>);

impl Pattern {
    fn parse(s: &str) -> Pattern {
        Pattern(
            s.split_whitespace()
                .map(|w| {
                    let star = w.ends_with('*');
                    let n = normalize(w.trim_end_matches('*'));
                    (n.replace(' ', ""), star)
                })
                .filter(|(w, star)| !w.is_empty() || *star)
                .collect(),
        )
    }

    /// First token index in `toks` where the pattern matches.
    fn find(&self, toks: &[Token]) -> Option<usize> {
        let n = self.0.len();
        if n == 0 || toks.len() < n {
            return None;
        }
        (0..=toks.len() - n).find(|&i| {
            self.0.iter().enumerate().all(|(k, (w, star))| {
                let t = &toks[i + k].norm;
                if *star {
                    t.starts_with(w.as_str())
                } else {
                    t == w
                }
            })
        })
    }
}

#[derive(Debug, Clone)]
struct CompiledEvent {
    ty: EventType,
    triggers: Vec<Pattern>,
    context: Vec<Pattern>,
    excludes: Vec<Pattern>,
}

/// The extractor: data files compiled into matchers. Cheap to share across threads.
#[derive(Debug, Clone)]
pub struct Extractor {
    pub gazetteer: Arc<Gazetteer>,
    pub aliases: Arc<Aliases>,
    pub vocab: Arc<Vocab>,
    index: PhraseIndex,
    events: Vec<CompiledEvent>,
}

impl Default for Extractor {
    fn default() -> Self {
        Extractor::new(
            Gazetteer::default_data(),
            Aliases::default_data(),
            Vocab::default_data(),
        )
    }
}

const NEAR_WORDS: &[&str] = &[
    "near",
    "outside",
    "outskirts",
    "suburb",
    "suburbs",
    "countryside",
    "vicinity",
    "around",
    "close",
    "edge",
    "north",
    "south",
    "east",
    "west",
    "northeast",
    "northwest",
    "southeast",
    "southwest",
    "northern",
    "southern",
    "eastern",
    "western",
];
const LOC_PREPS: &[&str] = &[
    "in",
    "at",
    "near",
    "outside",
    "of",
    "on",
    "targeting",
    "targeted",
    "inside",
    "into",
    "across",
    "around",
    "toward",
    "towards",
    "against",
];
const AGENT_PREPS: &[&str] = &["by", "from", "with", "to", "for"];
const ORG_WORDS: &[&str] = &[
    "ministry",
    "institute",
    "agency",
    "council",
    "department",
    "police",
    "army",
    "forces",
    "university",
    "committee",
    "foundation",
    "bureau",
    "office",
    "service",
    "command",
    "corps",
    "guard",
    "guards",
    "directorate",
    "court",
    "parliament",
    "government",
    "brigade",
    "brigades",
    "battalion",
    "front",
    "movement",
    "party",
    "organization",
    "organisation",
    "centre",
    "center",
    "observatory",
    "authority",
    "network",
    "commission",
    "unit",
    "association",
    "monitor",
    "news",
    "times",
    "post",
    "observer",
    "herald",
    "press",
    "tribune",
    "journal",
    "daily",
    "gazette",
    "wire",
    "radio",
    "tv",
    "television",
    "courier",
    "review",
    "bulletin",
    "report",
    "desk",
];
const PERSON_TITLES: &[&str] = &[
    "president",
    "leader",
    "minister",
    "sheikh",
    "general",
    "gen",
    "colonel",
    "col",
    "commander",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "mr",
    "mrs",
    "ms",
    "dr",
    "king",
    "prince",
    "emir",
    "senator",
    "secretary",
    "chief",
    "director",
    "imam",
    "cleric",
    "governor",
    "mayor",
    "judge",
    "prosecutor",
    "ambassador",
    "envoy",
    "premier",
    "chancellor",
    "lieutenant",
    "major",
    "captain",
    "sergeant",
    "brigadier",
    "sen",
    "rep",
];
const ROLE_NOUNS: &[&str] = &[
    "researcher",
    "analyst",
    "expert",
    "professor",
    "fellow",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "official",
    "director",
    "commander",
    "leader",
    "founder",
    "member",
    "resident",
    "witness",
    "journalist",
    "correspondent",
    "scholar",
    "minister",
    "adviser",
    "advisor",
    "head",
    "chief",
    "diplomat",
    "officer",
    "lawyer",
    "prosecutor",
    "activist",
];
const NAME_PARTICLES: &[&str] = &[
    "al", "el", "bin", "ibn", "abu", "abd", "bint", "ul", "ud", "de", "van", "von", "der", "la",
    "le", "ben",
];
const SPEECH_VERBS: &[&str] = &[
    "said",
    "says",
    "told",
    "reported",
    "reports",
    "confirmed",
    "noted",
    "explained",
    "added",
    "stated",
    "announced",
    "claimed",
    "wrote",
    "revealed",
    "quoted",
    "cited",
    "tweeted",
    "published",
    "learned",
    "disclosed",
];
const ANON_NOUNS: &[&str] = &[
    "official",
    "officials",
    "source",
    "sources",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "witness",
    "witnesses",
    "residents",
    "diplomat",
    "diplomats",
    "officer",
    "officers",
];
const ANON_ADJ: &[&str] = &[
    "anonymous",
    "senior",
    "former",
    "current",
    "us",
    "american",
    "syrian",
    "iraqi",
    "security",
    "local",
    "intelligence",
    "government",
    "military",
    "western",
    "european",
    "israeli",
    "russian",
    "iranian",
    "turkish",
    "police",
    "two",
    "three",
    "several",
    "informed",
    "unnamed",
    "other",
    "knowledgeable",
    "administration",
];
const COUNT_KILLED: &[&str] = &[
    "killed",
    "dead",
    "died",
    "killing",
    "deaths",
    "death",
    "lives",
    "fatalities",
    "slain",
];
const COUNT_INJURED: &[&str] = &[
    "wounded", "injured", "injuring", "wounding", "hurt", "injuries",
];
const COUNT_ARRESTED: &[&str] = &[
    "arrested",
    "detained",
    "arresting",
    "detaining",
    "apprehended",
    "arrests",
    "suspects",
];
const COUNT_KIDNAPPED: &[&str] = &["kidnapped", "abducted", "hostages", "hostage", "seized"];
const TARGET_STOP: &[&str] = &[
    "located",
    "in",
    "on",
    "near",
    "at",
    "that",
    "which",
    "who",
    "earlier",
    "last",
    "this",
    "next",
    "by",
    "with",
    "and",
    "but",
    "during",
    "when",
    "where",
    "after",
    "before",
    "from",
    "to",
    "thanks",
    "according",
    "officials",
    "said",
    "was",
    "were",
    "is",
    "are",
    "has",
    "had",
    "the",
    "outside",
    "while",
    "as",
];

struct Ctx<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    sent_tok: Vec<(usize, usize)>,
    pub_day: Option<Day>,
}

impl Extractor {
    pub fn new(gazetteer: Gazetteer, aliases: Aliases, vocab: Vocab) -> Extractor {
        let index = PhraseIndex::build(&gazetteer, &aliases);
        let events = vocab
            .events
            .iter()
            .map(|e| CompiledEvent {
                ty: e.clone(),
                triggers: e.triggers.iter().map(|t| Pattern::parse(t)).collect(),
                context: e.context.iter().map(|t| Pattern::parse(t)).collect(),
                excludes: e.excludes.iter().map(|t| Pattern::parse(t)).collect(),
            })
            .collect();
        Extractor {
            gazetteer: Arc::new(gazetteer),
            aliases: Arc::new(aliases),
            vocab: Arc::new(vocab),
            index,
            events,
        }
    }

    /// Analyses one article.
    pub fn extract(&self, article: &Article) -> Extraction {
        let meta = article.meta.clone();
        // The analysed text: the front-matter title (if any, and not already the first line), then the body.
        let mut text = String::new();
        let mut title = None;
        if let Some(t) = &meta.title
            && !article.text.trim_start().starts_with(t.trim())
        {
            text.push_str(t.trim());
            text.push_str("\n\n");
        }
        text.push_str(&article.text);
        let spans = split_sentences(&text);
        let mut tokens = Vec::with_capacity(text.len() / 5);
        let mut sent_tok = Vec::with_capacity(spans.len());
        for (si, s) in spans.iter().enumerate() {
            let start = tokens.len();
            tokens.extend(tokenize_sentence(&text[s.start..s.end], s.start, si));
            sent_tok.push((start, tokens.len()));
        }
        // A headline: the first sentence, a line of its own without terminal punctuation.
        if let Some(first) = spans.first() {
            let s = &text[first.start..first.end];
            let line_alone = text[first.end..].starts_with("\n\n")
                || text[first.end..].starts_with("\r\n\r\n")
                || meta.title.is_some();
            if line_alone && !s.ends_with(['.', '!', '?']) {
                title = Some(s.to_owned());
            }
        }
        let cx = Ctx {
            text: &text,
            tokens,
            sent_tok,
            pub_day: meta.published,
        };
        let sentences: Vec<String> = spans
            .iter()
            .map(|s: &SentenceSpan| text[s.start..s.end].to_owned())
            .collect();

        let matches = self.index.find(&cx.tokens);
        let mut mentions = self.resolve_matches(&cx, &matches);
        self.pattern_entities(&cx, &mut mentions);
        mentions.sort_by_key(|m| m.tokens.0);

        let mut attributions = self.attributions(&cx, &mentions);
        for a in &meta.attributed_to {
            let (name, id) = match self.aliases.resolve(a) {
                Some(x) => (x.name.clone(), Some(x.id.clone())),
                None => (a.clone(), None),
            };
            if !attributions.iter().any(|x| x.source == name) {
                attributions.push(Attribution {
                    source: name,
                    source_id: id,
                    kind: SourceKind::Outlet,
                    sentence: usize::MAX,
                    text: a.clone(),
                });
            }
        }
        let mut dates = Vec::new();
        for &(lo, hi) in &cx.sent_tok {
            find_dates(cx.text, &cx.tokens, (lo, hi), cx.pub_day, &mut dates);
        }
        // Dates right after a cited source date the report, not the event.
        for d in &mut dates {
            let s = d.tokens.0;
            if mentions.iter().any(|m| {
                m.kind == EntityKind::Outlet
                    && m.tokens.1 <= s
                    && s - m.tokens.1 <= 4
                    && m.sentence == d.sentence
            }) {
                d.role = DateRole::Report;
            }
        }
        let counts = self.counts(&cx, &dates);
        let event_mentions = self.event_mentions(&cx);
        let (event, other_events) = self.assemble(
            &cx,
            &mentions,
            &dates,
            &counts,
            &event_mentions,
            title.is_some(),
        );
        let outlet = meta.outlet.as_ref().map(|o| match self.aliases.resolve(o) {
            Some(a) if a.kind == ActorKind::Outlet => a.name.clone(),
            _ => o.trim().to_owned(),
        });
        let signature = signature(&cx.tokens);
        let text_sha256: String = Sha256::digest(article.text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let article_id = meta
            .id
            .clone()
            .unwrap_or_else(|| format!("sha256:{}", &text_sha256[..32]));
        Extraction {
            article_id,
            meta,
            outlet,
            text_sha256,
            title,
            sentences,
            mentions,
            dates,
            attributions,
            counts,
            event_mentions,
            event,
            other_events,
            signature,
        }
    }

    fn place_near(&self, cx: &Ctx, start: usize) -> bool {
        let s = cx.tokens[start].sentence;
        (1..=3).any(|k| {
            start >= k
                && cx.tokens[start - k].sentence == s
                && NEAR_WORDS.contains(&cx.tokens[start - k].norm.as_str())
        })
    }

    fn resolve_matches(&self, cx: &Ctx, matches: &[Match]) -> Vec<Mention> {
        // Countries named unambiguously anywhere in the text break ties between homonyms.
        let mut countries: FxHashSet<usize> = FxHashSet::default();
        for m in matches {
            if m.targets.len() == 1
                && let Target::Place(p) = m.targets[0]
                && let Some(c) = self.gazetteer.country_of(p as usize)
            {
                countries.insert(c);
            }
        }
        let mut out = Vec::with_capacity(matches.len());
        for m in matches {
            let actor = m.targets.iter().find_map(|t| {
                if let Target::Actor(a) = t {
                    Some(*a as usize)
                } else {
                    None
                }
            });
            let text = cx.text[cx.tokens[m.start].start..cx.tokens[m.end - 1].end].to_owned();
            let sentence = cx.tokens[m.start].sentence;
            if let Some(a) = actor {
                let a = &self.aliases.actors[a];
                out.push(Mention {
                    kind: a.kind.into(),
                    id: a.id.clone(),
                    name: a.name.clone(),
                    text,
                    sentence,
                    near: false,
                    fuzzy: m.fuzzy,
                    tokens: (m.start, m.end),
                });
                continue;
            }
            let best = m
                .targets
                .iter()
                .filter_map(|t| {
                    if let Target::Place(p) = t {
                        Some(*p as usize)
                    } else {
                        None
                    }
                })
                .max_by_key(|&p| {
                    let in_ctx = self
                        .gazetteer
                        .country_of(p)
                        .is_some_and(|c| countries.contains(&c) && c != p);
                    (in_ctx, self.gazetteer.places[p].importance)
                });
            if let Some(p) = best {
                let pl = &self.gazetteer.places[p];
                out.push(Mention {
                    kind: EntityKind::Place,
                    id: pl.id.clone(),
                    name: pl.name.clone(),
                    text,
                    sentence,
                    near: self.place_near(cx, m.start),
                    fuzzy: m.fuzzy,
                    tokens: (m.start, m.end),
                });
            }
        }
        out
    }

    /// Organisations and people not in the alias list, found by their shape.
    fn pattern_entities(&self, cx: &Ctx, mentions: &mut Vec<Mention>) {
        let toks = &cx.tokens;
        let covered = |mentions: &Vec<Mention>, i: usize| {
            mentions
                .iter()
                .any(|m| m.tokens.0 <= i && i < m.tokens.1 && m.kind != EntityKind::Place)
        };
        for &(lo, hi) in &cx.sent_tok {
            let mut i = lo;
            while i < hi {
                // A capitalised run, allowing lowercase connectors and name particles.
                if !toks[i].cap || toks[i].numeric {
                    i += 1;
                    continue;
                }
                let mut j = i + 1;
                while j < hi {
                    let t = &toks[j];
                    let connector = matches!(t.norm.as_str(), "of" | "for" | "and" | "the")
                        || NAME_PARTICLES.contains(&t.norm.as_str());
                    if t.punct_before && !connector && !t.cap {
                        break;
                    }
                    if toks[j - 1].punct_after
                        && cx.text[toks[j - 1].end..t.start].trim() != ""
                        && cx.text[toks[j - 1].end..t.start].trim() != "-"
                    {
                        break;
                    }
                    if t.cap || (connector && j + 1 < hi && toks[j + 1].cap) {
                        j += 1;
                    } else {
                        break;
                    }
                }
                let (mut s, e) = (i, j);
                while s < e && matches!(toks[s].norm.as_str(), "the" | "a" | "an") {
                    s += 1;
                }
                if e - s >= 2 && !(s..e).any(|k| covered(mentions, k)) {
                    let words: Vec<&str> = (s..e).map(|k| toks[k].norm.as_str()).collect();
                    let is_org = words.iter().any(|w| ORG_WORDS.contains(w));
                    let text = cx.text[toks[s].start..toks[e - 1].end].to_owned();
                    let sentence = toks[s].sentence;
                    let prev = if s > lo {
                        toks[s - 1].norm.as_str()
                    } else {
                        ""
                    };
                    if is_org && toks[e - 1].cap {
                        mentions.retain(|m| {
                            !(m.kind == EntityKind::Place && m.tokens.0 < e && s < m.tokens.1)
                        });
                        mentions.push(Mention {
                            kind: EntityKind::Organization,
                            id: format!("org:{}", words.join("-")),
                            name: text.clone(),
                            text,
                            sentence,
                            near: false,
                            fuzzy: false,
                            tokens: (s, e),
                        });
                    } else if !is_org
                        && e - s <= 4
                        && !(s..e)
                            .any(|k| mentions.iter().any(|m| m.tokens.0 <= k && k < m.tokens.1))
                        && !words.iter().any(|w| {
                            month_of(&toks[s]).is_some()
                                || matches!(
                                    *w,
                                    "monday"
                                        | "tuesday"
                                        | "wednesday"
                                        | "thursday"
                                        | "friday"
                                        | "saturday"
                                        | "sunday"
                                )
                        })
                        && self.person_context(cx, s, e, lo, hi, prev)
                    {
                        mentions.push(Mention {
                            kind: EntityKind::Person,
                            id: format!("person:{}", words.join("-")),
                            name: text.clone(),
                            text,
                            sentence,
                            near: false,
                            fuzzy: false,
                            tokens: (s, e),
                        });
                    }
                }
                i = j.max(i + 1);
            }
        }
    }

    fn person_context(
        &self,
        cx: &Ctx,
        s: usize,
        e: usize,
        lo: usize,
        hi: usize,
        prev: &str,
    ) -> bool {
        let toks = &cx.tokens;
        if PERSON_TITLES.contains(&prev) {
            return true;
        }
        // "Matthew Levitt, a researcher at ..."
        if toks[e - 1].punct_after && cx.text[toks[e - 1].end..].starts_with(',') {
            let window = (e..(e + 5).min(hi))
                .map(|k| toks[k].norm.as_str())
                .collect::<Vec<_>>();
            if matches!(window.first(), Some(&("a" | "an" | "the")))
                && window.iter().any(|w| ROLE_NOUNS.contains(w))
            {
                return true;
            }
        }
        // "..., said Jane Doe" / "Jane Doe said"
        let said_before = s > lo && matches!(toks[s - 1].norm.as_str(), "said" | "says" | "told");
        let said_after = e < hi && matches!(toks[e].norm.as_str(), "said" | "says" | "told");
        (said_before || said_after) && s > lo
    }

    fn attributions(&self, cx: &Ctx, mentions: &[Mention]) -> Vec<Attribution> {
        let toks = &cx.tokens;
        let mut out: Vec<Attribution> = Vec::new();
        let push = |out: &mut Vec<Attribution>,
                    m: Option<&Mention>,
                    source: String,
                    kind: SourceKind,
                    sentence: usize,
                    s: usize,
                    e: usize| {
            if out
                .iter()
                .any(|a| a.source == source && a.sentence == sentence)
            {
                return;
            }
            let text = cx.text[toks[s].start..toks[e.max(s + 1) - 1].end].to_owned();
            out.push(Attribution {
                source,
                source_id: m.map(|m| m.id.clone()).filter(|id| !id.contains(':')),
                kind,
                sentence,
                text,
            });
        };
        let kind_of = |m: &Mention| match m.kind {
            EntityKind::Outlet => Some(SourceKind::Outlet),
            EntityKind::Organization => Some(SourceKind::Organization),
            EntityKind::Person => Some(SourceKind::Person),
            _ => None,
        };
        let mention_at = |i: usize| mentions.iter().find(|m| m.tokens.0 == i);
        for &(lo, hi) in &cx.sent_tok {
            for i in lo..hi {
                let w = toks[i].norm.as_str();
                let sentence = toks[i].sentence;
                // according to [the] X
                if w == "according" && i + 1 < hi && toks[i + 1].norm == "to" {
                    let mut j = i + 2;
                    while j < hi && matches!(toks[j].norm.as_str(), "the" | "a" | "an") {
                        j += 1;
                    }
                    if let Some(m) = mention_at(j).filter(|m| kind_of(m).is_some()) {
                        push(
                            &mut out,
                            Some(m),
                            m.name.clone(),
                            kind_of(m).unwrap_or(SourceKind::Anonymous),
                            sentence,
                            i,
                            m.tokens.1,
                        );
                    } else if j < hi {
                        let mut k = j;
                        while k < hi && k < j + 4 && !toks[k].punct_after {
                            k += 1;
                        }
                        let k = (k + 1).min(hi);
                        let phrase: Vec<&str> = (j..k).map(|x| toks[x].norm.as_str()).collect();
                        if phrase.iter().any(|p| {
                            ANON_NOUNS.contains(p)
                                || matches!(
                                    *p,
                                    "statement" | "report" | "reports" | "media" | "sources"
                                )
                        }) {
                            let src = cx.text[toks[j].start..toks[k - 1].end].to_owned();
                            push(&mut out, None, src, SourceKind::Anonymous, sentence, i, k);
                        }
                    }
                }
                // X reported / X said (X a named outlet, organisation or person)
                if SPEECH_VERBS.contains(&w) {
                    // look back over an optional parenthetical alias or "first"
                    let mut j = i;
                    while j > lo
                        && matches!(
                            toks[j - 1].norm.as_str(),
                            "first"
                                | "also"
                                | "has"
                                | "had"
                                | "have"
                                | "newspaper"
                                | "agency"
                                | "daily"
                        )
                    {
                        j -= 1;
                    }
                    if let Some(m) = mentions
                        .iter()
                        .filter(|m| {
                            m.tokens.1 <= j && j - m.tokens.1 <= 2 && m.sentence == sentence
                        })
                        .max_by_key(|m| m.tokens.1)
                        && let Some(k) = kind_of(m)
                    {
                        push(
                            &mut out,
                            Some(m),
                            m.name.clone(),
                            k,
                            sentence,
                            m.tokens.0,
                            i + 1,
                        );
                    }
                    // told / confirmed to [the] X
                    let mut j = i + 1;
                    if j < hi && toks[j].norm == "to" {
                        j += 1;
                    }
                    while j < hi && toks[j].norm == "the" {
                        j += 1;
                    }
                    if let Some(m) = mention_at(j).filter(|m| m.kind == EntityKind::Outlet) {
                        push(
                            &mut out,
                            Some(m),
                            m.name.clone(),
                            SourceKind::Outlet,
                            sentence,
                            i,
                            m.tokens.1,
                        );
                    }
                }
                // a report by/in [the] X; X's report
                if matches!(w, "report" | "reporting" | "investigation" | "story")
                    && i + 1 < hi
                    && matches!(
                        toks[i + 1].norm.as_str(),
                        "by" | "in" | "from" | "published"
                    )
                {
                    let mut j = i + 2;
                    while j < hi && toks[j].norm == "the" {
                        j += 1;
                    }
                    if let Some(m) = mention_at(j).filter(|m| m.kind == EntityKind::Outlet) {
                        push(
                            &mut out,
                            Some(m),
                            m.name.clone(),
                            SourceKind::Outlet,
                            sentence,
                            i,
                            m.tokens.1,
                        );
                    }
                }
                // unnamed officials and sources
                if ANON_NOUNS.contains(&w) {
                    let near_verb = (i + 1..(i + 4).min(hi))
                        .any(|k| SPEECH_VERBS.contains(&toks[k].norm.as_str()))
                        || (lo..i)
                            .rev()
                            .take(5)
                            .any(|k| SPEECH_VERBS.contains(&toks[k].norm.as_str()));
                    if near_verb && !mentions.iter().any(|m| m.tokens.0 <= i && i < m.tokens.1) {
                        let mut s = i;
                        while s > lo
                            && (ANON_ADJ.contains(&toks[s - 1].norm.as_str())
                                || toks[s - 1].norm == "us")
                        {
                            s -= 1;
                        }
                        let name = cx.text[toks[s].start..toks[i].end].to_owned();
                        let norm = normalize(&name);
                        let name = if norm.ends_with('s') && !norm.ends_with("ss") {
                            norm
                        } else {
                            format!("{} {}", "an", norm).replace("an an", "an")
                        };
                        let name = name.trim_start_matches("an ").to_owned();
                        let s0 =
                            if s > lo && matches!(toks[s - 1].norm.as_str(), "a" | "an" | "the") {
                                s - 1
                            } else {
                                s
                            };
                        push(
                            &mut out,
                            None,
                            name,
                            SourceKind::Anonymous,
                            sentence,
                            s0,
                            i + 1,
                        );
                    }
                }
            }
        }
        out
    }

    fn counts(&self, cx: &Ctx, dates: &[DateMention]) -> Vec<Count> {
        let toks = &cx.tokens;
        let mut out = Vec::new();
        let in_date = |i: usize| dates.iter().any(|d| d.tokens.0 <= i && i < d.tokens.1);
        let kind_of = |w: &str| {
            if COUNT_KILLED.contains(&w) {
                Some(CountKind::Killed)
            } else if COUNT_INJURED.contains(&w) {
                Some(CountKind::Injured)
            } else if COUNT_ARRESTED.contains(&w) {
                Some(CountKind::Arrested)
            } else if COUNT_KIDNAPPED.contains(&w) {
                Some(CountKind::Kidnapped)
            } else {
                None
            }
        };
        let num = |t: &Token| -> Option<u32> {
            if t.numeric {
                return t
                    .norm
                    .replace(',', "")
                    .parse()
                    .ok()
                    .filter(|n| *n < 100_000);
            }
            Some(match t.norm.as_str() {
                "two" => 2,
                "three" => 3,
                "four" => 4,
                "five" => 5,
                "six" => 6,
                "seven" => 7,
                "eight" => 8,
                "nine" => 9,
                "ten" => 10,
                "eleven" => 11,
                "twelve" => 12,
                "fifteen" => 15,
                "twenty" => 20,
                "thirty" => 30,
                "dozen" => 12,
                _ => return None,
            })
        };
        for &(lo, hi) in &cx.sent_tok {
            for i in lo..hi {
                if in_date(i)
                    || (i > lo && matches!(toks[i - 1].norm.as_str(), "million" | "billion"))
                    || cx.text[..toks[i].start].ends_with('$')
                {
                    continue;
                }
                let Some(v) = num(&toks[i]) else { continue };
                if i + 1 < hi
                    && matches!(
                        toks[i + 1].norm.as_str(),
                        "million"
                            | "billion"
                            | "years"
                            | "year"
                            | "percent"
                            | "km"
                            | "kilometres"
                            | "kilometers"
                            | "miles"
                            | "troops"
                            | "days"
                            | "weeks"
                            | "months"
                            | "hours"
                    )
                {
                    continue;
                }
                // N [people|civilians ...] [were|have been] killed
                let ahead = (i + 1..(i + 6).min(hi))
                    .find_map(|k| kind_of(toks[k].norm.as_str()).map(|c| (c, k)));
                // killing|killed [at least] N
                let behind = (i.saturating_sub(4).max(lo)..i)
                    .rev()
                    .find_map(|k| kind_of(toks[k].norm.as_str()).map(|c| (c, k)));
                let found = ahead.or(behind.filter(|(_, k)| {
                    (k + 1..i).all(|x| {
                        matches!(
                            toks[x].norm.as_str(),
                            "at" | "least"
                                | "some"
                                | "about"
                                | "around"
                                | "nearly"
                                | "more"
                                | "than"
                                | "to"
                                | "rose"
                                | "up"
                                | "over"
                        )
                    })
                }));
                if let Some((kind, k)) = found {
                    let (s, e) = if k > i { (i, k + 1) } else { (k, i + 1) };
                    out.push(Count {
                        kind,
                        value: v,
                        sentence: toks[i].sentence,
                        text: cx.text[toks[s].start..toks[e - 1].end].to_owned(),
                    });
                }
            }
        }
        out
    }

    fn event_mentions(&self, cx: &Ctx) -> Vec<EventMention> {
        let mut out = Vec::new();
        for &(lo, hi) in &cx.sent_tok {
            let toks = &cx.tokens[lo..hi];
            let mut best: Option<(&CompiledEvent, usize)> = None;
            for ce in &self.events {
                let Some((k, _)) = ce
                    .triggers
                    .iter()
                    .enumerate()
                    .find_map(|(k, p)| p.find(toks).map(|x| (k, x)))
                else {
                    continue;
                };
                if !ce.context.is_empty() && !ce.context.iter().any(|p| p.find(toks).is_some()) {
                    continue;
                }
                if ce.excludes.iter().any(|p| p.find(toks).is_some()) {
                    continue;
                }
                if best.is_none_or(|(b, _)| ce.ty.priority > b.ty.priority) {
                    best = Some((ce, k));
                }
            }
            if let Some((ce, k)) = best {
                out.push(EventMention {
                    event_type: ce.ty.id.clone(),
                    family: ce.ty.family.clone(),
                    sentence: cx.tokens.get(lo).map_or(0, |t| t.sentence),
                    trigger: ce.ty.triggers[k].clone(),
                    priority: ce.ty.priority,
                });
            }
        }
        out
    }

    fn places_compatible(&self, a: &str, b: &str) -> bool {
        let (Some(x), Some(y)) = (self.gazetteer.index_of(a), self.gazetteer.index_of(b)) else {
            return true;
        };
        let g = &self.gazetteer;
        g.encloses(x, y)
            || g.encloses(y, x)
            || g.declared_near(x, y)
            || g.distance_km(x, y).is_some_and(|d| d < 60.0)
            || (g.country_of(x) == g.country_of(y)
                && g.places[x].kind.specificity() <= 2
                && g.places[y].kind.specificity() <= 2)
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        &self,
        cx: &Ctx,
        mentions: &[Mention],
        dates: &[DateMention],
        counts: &[Count],
        ems: &[EventMention],
        has_title: bool,
    ) -> (Option<Event>, Vec<Event>) {
        if ems.is_empty() {
            return (None, Vec::new());
        }
        // Order mentions by importance: priority, then headline and lead position.
        let score = |m: &EventMention| {
            let pos = if m.sentence == 0 {
                40
            } else if m.sentence <= 2 {
                25
            } else if m.sentence <= 4 {
                10
            } else {
                0
            };
            let has_place = mentions
                .iter()
                .any(|x| x.sentence == m.sentence && x.kind == EntityKind::Place)
                as i32
                * 10;
            let has_date = dates
                .iter()
                .any(|d| d.sentence == m.sentence && d.role == DateRole::Event)
                as i32
                * 5;
            m.priority
                + pos
                + has_place
                + has_date
                + if has_title && m.sentence == 0 { 10 } else { 0 }
        };
        let mut order: Vec<&EventMention> = ems.iter().collect();
        order.sort_by_key(|m| (-score(m), m.sentence));
        let mut groups: Vec<Vec<&EventMention>> = Vec::new();
        let sentence_date = |s: usize| -> Option<&DateMention> {
            dates
                .iter()
                .filter(|d| d.sentence == s && d.role == DateRole::Event && d.resolved.is_some())
                .max_by_key(|d| {
                    let r = d.resolved.unwrap_or(DateRange::day(Day(0)));
                    (r.precision, -r.len_days())
                })
        };
        let sentence_place = |s: usize| -> Option<&Mention> {
            mentions
                .iter()
                .filter(|m| m.sentence == s && m.kind == EntityKind::Place)
                .max_by_key(|m| self.place_score(cx, m))
        };
        'next: for m in order {
            for g in groups.iter_mut() {
                let head = g[0];
                if head.family != m.family {
                    continue;
                }
                // Dates must be compatible with every dated mention in the group.
                let md = sentence_date(m.sentence).and_then(|d| d.resolved);
                let gd: Vec<DateRange> = g
                    .iter()
                    .filter_map(|x| sentence_date(x.sentence).and_then(|d| d.resolved))
                    .collect();
                if let Some(md) = md
                    && gd.iter().any(|d| d.gap(&md) > 3)
                {
                    continue;
                }
                let mp = sentence_place(m.sentence);
                let gp: Vec<&Mention> = g
                    .iter()
                    .filter_map(|x| sentence_place(x.sentence))
                    .collect();
                if let Some(mp) = mp
                    && gp.iter().any(|p| !self.places_compatible(&p.id, &mp.id))
                {
                    continue;
                }
                g.push(m);
                continue 'next;
            }
            groups.push(vec![m]);
        }
        let mut events: Vec<Event> = groups
            .iter()
            .map(|g| self.build_event(cx, mentions, dates, counts, g))
            .collect();
        let main = events.remove(0);
        (Some(main), events)
    }

    fn place_score(&self, cx: &Ctx, m: &Mention) -> i32 {
        let spec = self
            .gazetteer
            .get(&m.id)
            .map_or(0, |p| p.kind.specificity()) as i32;
        let s = m.tokens.0;
        let lo = cx.sent_tok[m.sentence].0;
        let prev = if s > lo {
            cx.tokens[s - 1].norm.as_str()
        } else {
            ""
        };
        let prev2 = if s > lo + 1 {
            cx.tokens[s - 2].norm.as_str()
        } else {
            ""
        };
        let p = if prev == "the" { prev2 } else { prev };
        let prep = if LOC_PREPS.contains(&p) || m.near {
            5
        } else if AGENT_PREPS.contains(&p) {
            -5
        } else {
            0
        };
        spec * 10 + prep
    }

    fn build_event(
        &self,
        cx: &Ctx,
        mentions: &[Mention],
        dates: &[DateMention],
        counts: &[Count],
        g: &[&EventMention],
    ) -> Event {
        let head = g[0];
        let ty = self.vocab.get(&head.event_type);
        let sentences: Vec<usize> = {
            let mut v: Vec<usize> = g.iter().map(|m| m.sentence).collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        // Place: the most specific, preposition-led place in the event's sentences.
        let place = mentions
            .iter()
            .filter(|m| m.kind == EntityKind::Place && sentences.contains(&m.sentence))
            .max_by_key(|m| (self.place_score(cx, m), -(m.sentence as i32)))
            .map(|m| Fact {
                value: PlaceRef {
                    id: m.id.clone(),
                    name: m.name.clone(),
                    near: m.near,
                },
                text: m.text.clone(),
                sentence: m.sentence,
            });
        // Date: the most precise event date in the event's sentences.
        let date = dates
            .iter()
            .filter(|d| {
                d.role == DateRole::Event && sentences.contains(&d.sentence) && d.resolved.is_some()
            })
            .max_by_key(|d| {
                let r = d.resolved.unwrap_or(DateRange::day(Day(0)));
                (r.precision, -r.len_days(), -(d.sentence as i32))
            })
            .map(|d| Fact {
                value: d.resolved.unwrap_or(DateRange::day(Day(0))),
                text: d.text.clone(),
                sentence: d.sentence,
            });
        let date = date.map(|mut d| {
            if let Some(p) = cx.pub_day
                && !ty.is_some_and(|t| t.prospective)
            {
                d.value = d.value.clamp_end(p);
            }
            d
        });
        let mut actors: Vec<Fact<ActorRef>> = Vec::new();
        let mut add_actor = |m: &Mention| {
            if matches!(m.kind, EntityKind::ThreatActor | EntityKind::IntrusionSet)
                && !actors.iter().any(|a| a.value.id == m.id)
            {
                actors.push(Fact {
                    value: ActorRef {
                        id: m.id.clone(),
                        name: m.name.clone(),
                        kind: m.kind,
                    },
                    text: m.text.clone(),
                    sentence: m.sentence,
                });
            }
        };
        for m in mentions.iter().filter(|m| sentences.contains(&m.sentence)) {
            add_actor(m);
        }
        let target = sentences.iter().find_map(|&s| self.target(cx, s));
        let ev_counts: Vec<Count> = counts
            .iter()
            .filter(|c| {
                sentences.contains(&c.sentence) || sentences.iter().any(|&s| c.sentence == s + 1)
            })
            .cloned()
            .collect();
        let prospective = ty.is_some_and(|t| t.prospective);
        let confidence = (40
            + place.as_ref().map_or(0, |_| 20)
            + date.as_ref().map_or(0, |_| 20)
            + if actors.is_empty() { 0 } else { 15 }
            + (g.len().min(3) as u8 - 1) * 2)
            .min(100);
        Event {
            event_type: head.event_type.clone(),
            label: ty.map_or_else(|| head.event_type.clone(), |t| t.label.clone()),
            family: head.family.clone(),
            harm: ty.and_then(|t| t.harm.clone()),
            prospective,
            place,
            date,
            actors,
            target,
            counts: ev_counts,
            sentences,
            confidence,
        }
    }

    /// "targeting a religious facility", "attack on the shrine", "plot to attack a church".
    fn target(&self, cx: &Ctx, s: usize) -> Option<Fact<String>> {
        let (lo, hi) = cx.sent_tok[s];
        let toks = &cx.tokens;
        for i in lo..hi {
            let w = toks[i].norm.as_str();
            let start = match w {
                "targeting" | "targeted" | "targetting" | "target"
                    if i + 1 < hi && toks[i + 1].norm != "of" =>
                {
                    i + 1
                }
                "attack" | "attacks" | "assault" | "bombing" | "strike"
                    if i + 1 < hi && matches!(toks[i + 1].norm.as_str(), "on" | "against") =>
                {
                    i + 2
                }
                "attack" | "bomb" | "strike"
                    if i > lo
                        && toks[i - 1].norm == "to"
                        && i + 1 < hi
                        && matches!(toks[i + 1].norm.as_str(), "a" | "an" | "the") =>
                {
                    i + 1
                }
                _ => continue,
            };
            let mut j = start;
            while j < hi && matches!(toks[j].norm.as_str(), "a" | "an" | "the") {
                j += 1;
            }
            let b = j;
            while j < hi && j < b + 6 && !TARGET_STOP.contains(&toks[j].norm.as_str()) {
                j += 1;
                if toks[j - 1].punct_after && !cx.text[toks[j - 1].end..].starts_with('-') {
                    break;
                }
            }
            if j > b {
                let text = cx.text[toks[b].start..toks[j - 1].end].to_owned();
                return Some(Fact {
                    value: text.clone(),
                    text,
                    sentence: s,
                });
            }
        }
        None
    }
}

impl Event {
    /// The event's date precision, if dated.
    pub fn precision(&self) -> Option<Precision> {
        self.date.as_ref().map(|d| d.value.precision)
    }
}
