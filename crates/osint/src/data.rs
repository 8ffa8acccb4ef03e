//! The three data files: gazetteer, actor aliases and event vocabulary (TOML; formats in
//! `data/osint/README.md`). Small defaults are compiled in; larger files load the same way.

use serde::{Deserialize, Serialize};

use crate::hash::FxHashMap;
use crate::text::normalize;

/// Errors loading a data file.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("{0}")]
    Invalid(String),
}

const DEFAULT_GAZETTEER: &str = include_str!("../../../data/osint/gazetteer.toml");
const DEFAULT_ALIASES: &str = include_str!("../../../data/osint/aliases.toml");
const DEFAULT_VOCAB: &str = include_str!("../../../data/osint/event_types.toml");

/// What kind of place an entry is; decides how specific a mention is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlaceKind {
    Region,
    Country,
    Admin1,
    Admin2,
    City,
    District,
    Site,
    /// Anything else a larger gazetteer may carry (ranked like a city).
    #[serde(other)]
    Other,
}

impl PlaceKind {
    /// 0 (a world region) ... 6 (a building or site).
    pub fn specificity(self) -> u8 {
        match self {
            PlaceKind::Region => 0,
            PlaceKind::Country => 1,
            PlaceKind::Admin1 => 2,
            PlaceKind::Admin2 => 3,
            PlaceKind::City | PlaceKind::Other => 4,
            PlaceKind::District => 5,
            PlaceKind::Site => 6,
        }
    }
}

/// One gazetteer entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    pub id: String,
    pub name: String,
    pub kind: PlaceKind,
    /// ISO 3166-1 alpha-3 code of the country the place is in (or is).
    #[serde(default)]
    pub country: Option<String>,
    /// ISO 3166-1 alpha-2 code; needed on country entries (STIX `location.country`).
    #[serde(default)]
    pub iso2: Option<String>,
    /// Id of the enclosing place (admin area, city, country).
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub lat: Option<f64>,
    #[serde(default)]
    pub lon: Option<f64>,
    /// Alternate names and spellings.
    #[serde(default)]
    pub names: Vec<String>,
    /// Ids of places this one is near (for "outskirts of X" reasoning without coordinates).
    #[serde(default)]
    pub near: Vec<String>,
    /// Tie-breaker between homonyms (e.g. population); higher wins.
    #[serde(default)]
    pub importance: u32,
}

#[derive(Deserialize)]
struct GazetteerFile {
    #[serde(default)]
    place: Vec<Place>,
}

/// A gazetteer: places with alternate spellings, admin hierarchy and coordinates.
#[derive(Debug, Clone)]
pub struct Gazetteer {
    pub places: Vec<Place>,
    by_id: FxHashMap<String, usize>,
    parent: Vec<Option<usize>>,
    country: Vec<Option<usize>>,
}

impl Gazetteer {
    /// The built-in default (`data/osint/gazetteer.toml`).
    pub fn default_data() -> Gazetteer {
        Gazetteer::load_toml(DEFAULT_GAZETTEER).expect("the built-in gazetteer is valid")
    }

    pub fn load_toml(s: &str) -> Result<Gazetteer, DataError> {
        let f: GazetteerFile = toml::from_str(s)?;
        Gazetteer::from_places(f.place)
    }

    pub fn from_places(places: Vec<Place>) -> Result<Gazetteer, DataError> {
        let mut by_id = FxHashMap::default();
        for (i, p) in places.iter().enumerate() {
            if by_id.insert(p.id.clone(), i).is_some() {
                return Err(DataError::Invalid(format!("duplicate place id '{}'", p.id)));
            }
        }
        let mut parent = Vec::with_capacity(places.len());
        for p in &places {
            match &p.parent {
                None => parent.push(None),
                Some(id) => match by_id.get(id) {
                    Some(&j) => parent.push(Some(j)),
                    None => {
                        return Err(DataError::Invalid(format!(
                            "place '{}': unknown parent '{id}'",
                            p.id
                        )));
                    }
                },
            }
        }
        // Country of each place: the nearest country ancestor, else the entry whose alpha-3 it names.
        let country_by_code: FxHashMap<&str, usize> = places
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == PlaceKind::Country)
            .filter_map(|(i, p)| p.country.as_deref().map(|c| (c, i)))
            .collect();
        let mut country = Vec::with_capacity(places.len());
        for i in 0..places.len() {
            let mut cur = Some(i);
            let mut found = None;
            let mut steps = 0;
            while let Some(c) = cur {
                if places[c].kind == PlaceKind::Country {
                    found = Some(c);
                    break;
                }
                cur = parent[c];
                steps += 1;
                if steps > 32 {
                    return Err(DataError::Invalid(format!(
                        "place '{}': parent cycle",
                        places[i].id
                    )));
                }
            }
            if found.is_none() {
                found = places[i]
                    .country
                    .as_deref()
                    .and_then(|c| country_by_code.get(c).copied());
            }
            country.push(found);
        }
        Ok(Gazetteer {
            places,
            by_id,
            parent,
            country,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Place> {
        self.by_id.get(id).map(|&i| &self.places[i])
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub fn parent_of(&self, i: usize) -> Option<usize> {
        self.parent[i]
    }

    /// The country entry a place is in (itself for a country).
    pub fn country_of(&self, i: usize) -> Option<usize> {
        self.country[i]
    }

    /// ISO alpha-3 code of the place's country.
    pub fn country_code(&self, i: usize) -> Option<&str> {
        self.places[i]
            .country
            .as_deref()
            .or_else(|| self.country[i].and_then(|c| self.places[c].country.as_deref()))
    }

    /// Whether `a` is `b` or encloses it.
    pub fn encloses(&self, a: usize, b: usize) -> bool {
        let mut cur = Some(b);
        let mut steps = 0;
        while let Some(c) = cur {
            if c == a {
                return true;
            }
            cur = self.parent[c];
            steps += 1;
            if steps > 32 {
                break;
            }
        }
        false
    }

    /// Coordinates of a place, or of its nearest ancestor that has them.
    pub fn coords(&self, i: usize) -> Option<(f64, f64)> {
        let mut cur = Some(i);
        while let Some(c) = cur {
            if let (Some(a), Some(b)) = (self.places[c].lat, self.places[c].lon) {
                return Some((a, b));
            }
            cur = self.parent[c];
        }
        None
    }

    /// Great-circle distance in km between two places with coordinates.
    pub fn distance_km(&self, a: usize, b: usize) -> Option<f64> {
        let (la1, lo1) = (self.places[a].lat?, self.places[a].lon?);
        let (la2, lo2) = (self.places[b].lat?, self.places[b].lon?);
        let (p1, p2) = (la1.to_radians(), la2.to_radians());
        let dp = p2 - p1;
        let dl = (lo2 - lo1).to_radians();
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        Some(2.0 * 6371.0 * h.sqrt().asin())
    }

    /// Whether one of the two lists the other as `near`.
    pub fn declared_near(&self, a: usize, b: usize) -> bool {
        self.places[a].near.iter().any(|n| n == &self.places[b].id)
            || self.places[b].near.iter().any(|n| n == &self.places[a].id)
    }

    /// The path from the place up to its root, most specific first.
    pub fn ancestry(&self, i: usize) -> Vec<usize> {
        let mut out = vec![i];
        let mut cur = self.parent[i];
        while let Some(c) = cur {
            if out.len() > 32 {
                break;
            }
            out.push(c);
            cur = self.parent[c];
        }
        out
    }

    /// Looks a name up (any spelling); homonyms are returned most important first.
    pub fn lookup(&self, name: &str) -> Vec<&Place> {
        let n = normalize(name);
        let mut v: Vec<&Place> = self
            .places
            .iter()
            .filter(|p| normalize(&p.name) == n || p.names.iter().any(|a| normalize(a) == n))
            .collect();
        v.sort_by_key(|p| std::cmp::Reverse(p.importance));
        v
    }
}

/// What an actor entry stands for; decides the STIX type it becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActorKind {
    /// A terrorist, insurgent or criminal group (STIX `threat-actor`).
    ThreatActor,
    /// A cyber intrusion set (STIX `intrusion-set`).
    IntrusionSet,
    /// A government, agency, company or NGO (STIX `identity`, class organization).
    Organization,
    /// A named person (STIX `identity`, class individual).
    Person,
    /// A news outlet or agency (STIX `identity`; an original source when cited).
    Outlet,
}

/// One actor entry: a canonical name and every alias it goes by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Actor {
    pub id: String,
    pub name: String,
    pub kind: ActorKind,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// STIX `threat_actor_types` (threat actors only), e.g. `["terrorist"]`.
    #[serde(default)]
    pub types: Vec<String>,
    /// ISO 3166-1 alpha-3 code of the actor's home country or main area of operation.
    #[serde(default)]
    pub country: Option<String>,
    /// Id of the parent group for affiliates and branches (ISKP → Islamic State).
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Deserialize)]
struct AliasesFile {
    #[serde(default)]
    actor: Vec<Actor>,
}

/// Actors (groups, organisations, people, outlets) with their aliases.
#[derive(Debug, Clone)]
pub struct Aliases {
    pub actors: Vec<Actor>,
    by_id: FxHashMap<String, usize>,
}

impl Aliases {
    pub fn default_data() -> Aliases {
        Aliases::load_toml(DEFAULT_ALIASES).expect("the built-in alias list is valid")
    }

    pub fn load_toml(s: &str) -> Result<Aliases, DataError> {
        let f: AliasesFile = toml::from_str(s)?;
        Aliases::from_actors(f.actor)
    }

    pub fn from_actors(actors: Vec<Actor>) -> Result<Aliases, DataError> {
        let mut by_id = FxHashMap::default();
        for (i, a) in actors.iter().enumerate() {
            if by_id.insert(a.id.clone(), i).is_some() {
                return Err(DataError::Invalid(format!("duplicate actor id '{}'", a.id)));
            }
        }
        for a in &actors {
            if let Some(p) = &a.parent
                && !by_id.contains_key(p)
            {
                return Err(DataError::Invalid(format!(
                    "actor '{}': unknown parent '{p}'",
                    a.id
                )));
            }
        }
        Ok(Aliases { actors, by_id })
    }

    pub fn get(&self, id: &str) -> Option<&Actor> {
        self.by_id.get(id).map(|&i| &self.actors[i])
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The canonical entry for a name or alias (exact, after normalisation).
    pub fn resolve(&self, name: &str) -> Option<&Actor> {
        let n = normalize(name);
        let n2 = n.strip_prefix("the ").unwrap_or(&n);
        self.actors
            .iter()
            .find(|a| normalize(&a.name) == n2 || a.aliases.iter().any(|x| normalize(x) == n2))
    }

    /// Whether two actors are the same group or one is a branch of the other.
    pub fn related(&self, a: usize, b: usize) -> bool {
        if a == b {
            return true;
        }
        let up = |i: usize| {
            self.actors[i]
                .parent
                .as_deref()
                .and_then(|p| self.index_of(p))
        };
        let chain = |mut i: usize| {
            let mut v = vec![i];
            while let Some(p) = up(i) {
                if v.len() > 8 {
                    break;
                }
                v.push(p);
                i = p;
            }
            v
        };
        let (ca, cb) = (chain(a), chain(b));
        ca.contains(&b) || cb.contains(&a)
    }
}

/// One event type: how the text signals it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventType {
    pub id: String,
    pub label: String,
    /// Reports of one real-world event agree on the family even when they disagree on the
    /// type ("planned attack" vs "foiled plot"); clustering compares families.
    pub family: String,
    /// When several types match one sentence, the highest priority wins.
    #[serde(default)]
    pub priority: i32,
    /// Phrases that signal the event; a trailing `*` matches any word ending ("foil*").
    pub triggers: Vec<String>,
    /// If non-empty, the sentence must also contain one of these.
    #[serde(default)]
    pub context: Vec<String>,
    /// If the sentence contains one of these, the type does not match.
    #[serde(default)]
    pub excludes: Vec<String>,
    /// The harm the event threatens (duty-to-warn vocabulary): intentional-killing,
    /// serious-bodily-injury, kidnapping.
    #[serde(default)]
    pub harm: Option<String>,
    /// The event is a threat still to come (a planned attack): it may raise a duty-to-warn case.
    #[serde(default)]
    pub prospective: bool,
}

#[derive(Deserialize)]
struct VocabFile {
    #[serde(default)]
    event: Vec<EventType>,
}

/// The event-type vocabulary.
#[derive(Debug, Clone)]
pub struct Vocab {
    pub events: Vec<EventType>,
}

impl Vocab {
    pub fn default_data() -> Vocab {
        Vocab::load_toml(DEFAULT_VOCAB).expect("the built-in event vocabulary is valid")
    }

    pub fn load_toml(s: &str) -> Result<Vocab, DataError> {
        let f: VocabFile = toml::from_str(s)?;
        let mut seen = std::collections::HashSet::new();
        for e in &f.event {
            if !seen.insert(e.id.clone()) {
                return Err(DataError::Invalid(format!(
                    "duplicate event type '{}'",
                    e.id
                )));
            }
            if e.triggers.is_empty() {
                return Err(DataError::Invalid(format!(
                    "event type '{}' has no triggers",
                    e.id
                )));
            }
        }
        Ok(Vocab { events: f.event })
    }

    pub fn get(&self, id: &str) -> Option<&EventType> {
        self.events.iter().find(|e| e.id == id)
    }
}
