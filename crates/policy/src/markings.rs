//! The marking algebra: STIX marking-definitions and object / granular markings parsed into
//! typed values, and combined into the [`MarkingSet`] that governs one object or one field.
//!
//! Everything that cannot be understood fails closed: an unknown marking-definition id, a
//! malformed definition, an extension tearline does not know on a marking-definition, and a
//! contradiction (two TLP levels or two classifications on one object or selector, `NF` with
//! `REL TO`) yield a [`MarkingError`], and the object carrying it is withheld.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::OnceLock;

use serde_json::Value;

use crate::ids;

/// TLP 2.0 levels, ordered from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    AmberStrict,
    Red,
}

impl Tlp {
    /// The OASIS marking-definition id of this level.
    pub fn definition_id(self) -> &'static str {
        match self {
            Tlp::Clear => ids::TLP2_CLEAR,
            Tlp::Green => ids::TLP2_GREEN,
            Tlp::Amber => ids::TLP2_AMBER,
            Tlp::AmberStrict => ids::TLP2_AMBER_STRICT,
            Tlp::Red => ids::TLP2_RED,
        }
    }

    /// The FIRST label, e.g. `TLP:AMBER+STRICT`.
    pub fn label(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// The `tlp_2_0` value.
    pub fn value(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }

    pub fn from_value(s: &str) -> Option<Tlp> {
        Some(match s {
            "clear" => Tlp::Clear,
            "green" => Tlp::Green,
            "amber" => Tlp::Amber,
            "amber+strict" => Tlp::AmberStrict,
            "red" => Tlp::Red,
            _ => return None,
        })
    }

    /// The level a TLP 2.0 or TLP 1.0 marking-definition id stands for. TLP 1.0 maps onto the
    /// same-named 2.0 level (WHITE = CLEAR); nothing maps onto AMBER+STRICT from 1.0 and
    /// AMBER+STRICT is never mapped onto a 1.0 level, so the mapping never widens sharing.
    pub fn from_definition_id(id: &str) -> Option<Tlp> {
        Some(match id {
            ids::TLP2_CLEAR | ids::TLP1_WHITE => Tlp::Clear,
            ids::TLP2_GREEN | ids::TLP1_GREEN => Tlp::Green,
            ids::TLP2_AMBER | ids::TLP1_AMBER => Tlp::Amber,
            ids::TLP2_AMBER_STRICT => Tlp::AmberStrict,
            ids::TLP2_RED | ids::TLP1_RED => Tlp::Red,
            _ => return None,
        })
    }

    /// The TLP 1.0 id to use when a consumer only understands 1.0: AMBER+STRICT has no
    /// equivalent and goes up to RED (never down to AMBER).
    pub fn tlp1_definition_id(self) -> &'static str {
        match self {
            Tlp::Clear => ids::TLP1_WHITE,
            Tlp::Green => ids::TLP1_GREEN,
            Tlp::Amber => ids::TLP1_AMBER,
            Tlp::AmberStrict | Tlp::Red => ids::TLP1_RED,
        }
    }
}

/// PAP levels, from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Pap {
    Clear,
    Green,
    Amber,
    Red,
}

impl Pap {
    pub fn from_value(s: &str) -> Option<Pap> {
        Some(match s.to_ascii_lowercase().as_str() {
            "clear" | "white" => Pap::Clear,
            "green" => Pap::Green,
            "amber" => Pap::Amber,
            "red" => Pap::Red,
            _ => return None,
        })
    }
    pub fn value(self) -> &'static str {
        match self {
            Pap::Clear => "clear",
            Pap::Green => "green",
            Pap::Amber => "amber",
            Pap::Red => "red",
        }
    }
}

/// Classification levels, ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Classification {
    Unclassified,
    Restricted,
    Confidential,
    Secret,
    TopSecret,
}

impl Classification {
    pub fn parse(s: &str) -> Option<Classification> {
        Some(match s.trim().to_ascii_uppercase().as_str() {
            "U" | "UNCLASSIFIED" => Classification::Unclassified,
            "R" | "RESTRICTED" => Classification::Restricted,
            "C" | "CONFIDENTIAL" => Classification::Confidential,
            "S" | "SECRET" => Classification::Secret,
            "TS" | "TOP SECRET" | "TOP-SECRET" => Classification::TopSecret,
            _ => return None,
        })
    }
    pub fn abbrev(self) -> &'static str {
        match self {
            Classification::Unclassified => "U",
            Classification::Restricted => "R",
            Classification::Confidential => "C",
            Classification::Secret => "S",
            Classification::TopSecret => "TS",
        }
    }
}

/// An ISO 3166-1 alpha-3 country code (checked against the embedded list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Country([u8; 3]);

const ISO3166: &str = include_str!("../../../data/policy/iso3166-alpha3.txt");

fn iso_codes() -> &'static BTreeSet<&'static str> {
    static CODES: OnceLock<BTreeSet<&'static str>> = OnceLock::new();
    CODES.get_or_init(|| ISO3166.lines().filter(|l| l.len() == 3 && !l.starts_with('#')).collect())
}

impl Country {
    /// Parses an upper-case ISO 3166-1 alpha-3 code; anything else (alpha-2, lower case,
    /// unassigned) is refused.
    pub fn parse(s: &str) -> Option<Country> {
        let b = s.as_bytes();
        if b.len() != 3 || !iso_codes().contains(s) {
            return None;
        }
        Some(Country([b[0], b[1], b[2]]))
    }
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Country {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Country {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Country::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("'{s}' is not an ISO 3166-1 alpha-3 code")))
    }
}

/// Dissemination controls (the closed vocabulary; `REL TO` and `DISPLAY ONLY` carry lists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Control {
    /// Originator controlled: further release needs the originator's approval.
    Oc,
    /// No foreign release.
    Nf,
    /// A disclosure officer may release (no restriction by itself).
    Relido,
    /// For official use only: official (cleared at least RESTRICTED) recipients.
    Fouo,
    /// Proprietary: like OC, needs the originator's approval.
    Pr,
}

impl Control {
    pub fn parse(s: &str) -> Option<Control> {
        Some(match s {
            "OC" | "ORCON" => Control::Oc,
            "NF" | "NOFORN" => Control::Nf,
            "RELIDO" => Control::Relido,
            "FOUO" => Control::Fouo,
            "PR" | "PROPIN" => Control::Pr,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Control::Oc => "OC",
            Control::Nf => "NF",
            Control::Relido => "RELIDO",
            Control::Fouo => "FOUO",
            Control::Pr => "PR",
        }
    }
}

/// Classification and dissemination controls of one caveat marking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caveats {
    pub classification: Option<Classification>,
    pub controls: BTreeSet<Control>,
    /// `REL TO`: releasable only to these countries.
    pub rel_to: Option<BTreeSet<Country>>,
    /// `DISPLAY ONLY`: may be shown to, never given to, these countries.
    pub display_only: Option<BTreeSet<Country>>,
}

impl Caveats {
    /// Parses a banner / portion mark: `S//REL TO USA, SYR`, `(C//NF)`, `U//FOUO`,
    /// `S//OC/REL TO USA, GBR`.
    pub fn parse_portion(s: &str) -> Result<Caveats, String> {
        let t = s.trim();
        let t = t.strip_prefix('(').and_then(|t| t.strip_suffix(')')).unwrap_or(t);
        let mut parts = t.split("//");
        let cls = parts.next().unwrap_or_default();
        let classification = Classification::parse(cls).ok_or_else(|| format!("unknown classification '{cls}'"))?;
        let mut c = Caveats { classification: Some(classification), ..Caveats::default() };
        for block in parts {
            for item in block.split('/') {
                let item = item.trim();
                if item.is_empty() {
                    return Err("empty control".into());
                }
                if let Some(list) = item.strip_prefix("REL TO ") {
                    let set = countries(list.split(',').map(str::trim))?;
                    merge_list(&mut c.rel_to, set);
                } else if let Some(list) = item.strip_prefix("DISPLAY ONLY ") {
                    let set = countries(list.split(',').map(str::trim))?;
                    merge_list(&mut c.display_only, set);
                } else {
                    // `OC, NF` inside one block is written with commas.
                    for one in item.split(',') {
                        let one = one.trim();
                        let ctl = Control::parse(one).ok_or_else(|| format!("unknown control '{one}'"))?;
                        c.controls.insert(ctl);
                    }
                }
            }
        }
        c.check()?;
        Ok(c)
    }

    /// The portion mark form, e.g. `S//OC/REL TO USA, SYR`.
    pub fn portion(&self) -> String {
        let mut out = self.classification.map(Classification::abbrev).unwrap_or("U").to_owned();
        let mut blocks: Vec<String> = self.controls.iter().map(|c| c.as_str().to_owned()).collect();
        if let Some(r) = &self.rel_to {
            blocks.push(format!("REL TO {}", r.iter().map(Country::as_str).collect::<Vec<_>>().join(", ")));
        }
        if let Some(r) = &self.display_only {
            blocks.push(format!("DISPLAY ONLY {}", r.iter().map(Country::as_str).collect::<Vec<_>>().join(", ")));
        }
        if !blocks.is_empty() {
            out.push_str("//");
            out.push_str(&blocks.join("/"));
        }
        out
    }

    fn check(&self) -> Result<(), String> {
        if self.controls.contains(&Control::Nf) && self.rel_to.is_some() {
            return Err("NF and REL TO contradict each other".into());
        }
        if self.controls.contains(&Control::Nf) && self.controls.contains(&Control::Relido) {
            return Err("NF and RELIDO contradict each other".into());
        }
        Ok(())
    }
}

fn max<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(x), Some(y)) => Some(std::cmp::max(x, y)),
        (x, None) => x,
        (None, y) => y,
    }
}

fn countries<'a>(items: impl Iterator<Item = &'a str>) -> Result<BTreeSet<Country>, String> {
    let mut set = BTreeSet::new();
    for s in items {
        set.insert(Country::parse(s).ok_or_else(|| format!("'{s}' is not an ISO 3166-1 alpha-3 country code"))?);
    }
    if set.is_empty() {
        return Err("empty country list".into());
    }
    Ok(set)
}

/// Several lists of the same control narrow each other (intersection), never widen.
fn merge_list(dst: &mut Option<BTreeSet<Country>>, src: BTreeSet<Country>) {
    *dst = Some(match dst.take() {
        None => src,
        Some(d) => d.intersection(&src).copied().collect(),
    });
}

/// A FIRST IEP 2.0 policy (the fields that change handling; the rest is kept verbatim).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Iep {
    pub name: String,
    pub permitted_actions: String,
    pub tlp: Option<Tlp>,
    pub encrypt_in_transit: String,
    pub affected_party_notifications: String,
    pub attribution: String,
    pub unmodified_resale: String,
    pub start_date: String,
    pub end_date: Option<String>,
}

impl Iep {
    pub fn parse(v: &Value) -> Result<Iep, String> {
        let o = v.as_object().ok_or("an IEP policy must be an object")?;
        let s = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
        let one_of = |k: &str, allowed: &[&str]| -> Result<String, String> {
            let v = s(k).ok_or_else(|| format!("IEP '{k}' is required"))?;
            if allowed.contains(&v.as_str()) { Ok(v) } else { Err(format!("IEP '{k}' has an unknown value '{v}'")) }
        };
        if s("iep_version").as_deref() != Some("2.0") {
            return Err("IEP 'iep_version' must be '2.0'".into());
        }
        let tlp = match s("tlp") {
            None => None,
            Some(t) => Some(match t.as_str() {
                "white" | "clear" => Tlp::Clear,
                "green" => Tlp::Green,
                "amber" => Tlp::Amber,
                "red" => Tlp::Red,
                other => return Err(format!("IEP 'tlp' has an unknown value '{other}'")),
            }),
        };
        let start_date = s("start_date").ok_or("IEP 'start_date' is required")?;
        tearline_stix::Timestamp::parse(&start_date).map_err(|e| format!("IEP 'start_date': {e}"))?;
        let end_date = match o.get("end_date") {
            None | Some(Value::Null) => None,
            Some(Value::String(e)) => {
                tearline_stix::Timestamp::parse(e).map_err(|e| format!("IEP 'end_date': {e}"))?;
                Some(e.clone())
            }
            _ => return Err("IEP 'end_date' must be a timestamp or null".into()),
        };
        Ok(Iep {
            name: s("name").ok_or("IEP 'name' is required")?,
            permitted_actions: one_of(
                "permitted_actions",
                &["none", "contact-for-instruction", "internally-visible-actions", "externally-visible-indirect-actions", "externally-visible-direct-actions"],
            )?,
            tlp,
            encrypt_in_transit: one_of("encrypt_in_transit", &["must", "may"])?,
            affected_party_notifications: one_of("affected_party_notifications", &["may", "must-not"])?,
            attribution: one_of("attribution", &["may", "must", "must-not"])?,
            unmodified_resale: one_of("unmodified_resale", &["may", "must-not"])?,
            start_date,
            end_date,
        })
    }
}

/// One understood marking-definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marking {
    Tlp(Tlp),
    Statement(String),
    Caveats(Caveats),
    Pap(Pap),
    Iep(Box<Iep>),
    /// tearline source protection: content leaves only in releases at this level or above.
    SourceProtection { level: u8, category: Option<String> },
}

/// Why a marking cannot be used: every one of these withholds what it marks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkingError {
    #[error("unknown marking-definition {0}")]
    Unknown(String),
    #[error("malformed marking-definition {id}: {reason}")]
    Malformed { id: String, reason: String },
    #[error("contradictory markings: {0}")]
    Contradiction(String),
    #[error("malformed markings on the object: {0}")]
    BadReference(String),
}

/// Parses one marking-definition object. TLP 2.0 / 1.0 definitions must be the exact OASIS
/// ones (id, value); any extension other than TLP 2.0, PAP and tearline's own is refused.
pub fn parse_definition(def: &Value) -> Result<(String, Marking), MarkingError> {
    let id = def.get("id").and_then(Value::as_str).unwrap_or_default().to_owned();
    let bad = |reason: String| MarkingError::Malformed { id: id.clone(), reason };
    if def.get("type").and_then(Value::as_str) != Some("marking-definition") {
        return Err(bad("not a marking-definition".into()));
    }
    if tearline_stix::Identifier::parse(&id).map(|i| i.object_type() != "marking-definition").unwrap_or(true) {
        return Err(bad("invalid id".into()));
    }
    let mut found: Vec<Marking> = Vec::new();
    match (def.get("definition_type"), def.get("definition")) {
        (None, None) => {}
        (Some(Value::String(t)), Some(Value::Object(d))) => match t.as_str() {
            "tlp" => {
                let colour = d.get("tlp").and_then(Value::as_str);
                let fixed = match (id.as_str(), colour) {
                    (ids::TLP1_WHITE, Some("white")) => Tlp::Clear,
                    (ids::TLP1_GREEN, Some("green")) => Tlp::Green,
                    (ids::TLP1_AMBER, Some("amber")) => Tlp::Amber,
                    (ids::TLP1_RED, Some("red")) => Tlp::Red,
                    _ => return Err(bad("a TLP 1.0 definition must be one of the four fixed by STIX 2.1".into())),
                };
                found.push(Marking::Tlp(fixed));
            }
            "statement" => match d.get("statement") {
                Some(Value::String(s)) => found.push(Marking::Statement(s.clone())),
                _ => return Err(bad("a statement marking needs definition.statement".into())),
            },
            other => return Err(bad(format!("unknown definition_type '{other}'"))),
        },
        _ => return Err(bad("definition_type and definition must come together".into())),
    }
    if let Some(exts) = def.get("extensions") {
        let exts = exts.as_object().ok_or_else(|| bad("extensions must be an object".into()))?;
        for (name, e) in exts {
            let e = e.as_object().ok_or_else(|| bad(format!("extension {name} must be an object")))?;
            let get = |k: &str| e.get(k).and_then(Value::as_str);
            match name.as_str() {
                ids::TLP2_EXTENSION => {
                    let level = get("tlp_2_0").and_then(Tlp::from_value).ok_or_else(|| bad("unknown tlp_2_0 value".into()))?;
                    if level.definition_id() != id {
                        return Err(bad(format!("{} has the fixed id {}", level.label(), level.definition_id())));
                    }
                    found.push(Marking::Tlp(level));
                }
                ids::PAP_EXTENSION => {
                    found.push(Marking::Pap(get("pap").and_then(Pap::from_value).ok_or_else(|| bad("unknown pap value".into()))?));
                }
                ids::EXT_MARKINGS => found.push(parse_tearline_marking(e).map_err(bad)?),
                ids::EXT_SOURCE_PROTECTION => {
                    let level = e
                        .get("level")
                        .and_then(Value::as_u64)
                        .and_then(|l| u8::try_from(l).ok())
                        .ok_or_else(|| bad("source protection needs an integer level 0-255".into()))?;
                    found.push(Marking::SourceProtection { level, category: get("category").map(str::to_owned) });
                }
                other => return Err(bad(format!("unknown marking extension {other}"))),
            }
        }
    }
    match found.len() {
        1 => Ok((id, found.pop().expect("one"))),
        0 => Err(bad("no marking content tearline understands".into())),
        _ => Err(bad("one marking-definition must define one marking".into())),
    }
}

fn parse_tearline_marking(e: &serde_json::Map<String, Value>) -> Result<Marking, String> {
    match e.get("kind").and_then(Value::as_str) {
        Some("caveats") => {
            let mut c = Caveats::default();
            if let Some(cls) = e.get("classification") {
                let cls = cls.as_str().and_then(Classification::parse).ok_or("unknown classification")?;
                c.classification = Some(cls);
            }
            if let Some(ctl) = e.get("controls") {
                for item in ctl.as_array().ok_or("controls must be a list")? {
                    let s = item.as_str().ok_or("controls must be strings")?;
                    if s == "REL" || s == "DISPLAYONLY" {
                        continue; // the lists below carry these
                    }
                    c.controls.insert(Control::parse(s).ok_or_else(|| format!("unknown control '{s}'"))?);
                }
            }
            for (key, dst) in [("rel_to", &mut c.rel_to), ("display_only", &mut c.display_only)] {
                if let Some(list) = e.get(key) {
                    let items = list.as_array().ok_or_else(|| format!("{key} must be a list"))?;
                    let strs: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                    *dst = Some(countries(strs.ok_or_else(|| format!("{key} must hold strings"))?.into_iter())?);
                }
            }
            let has_list_control = |name: &str| {
                e.get("controls").and_then(Value::as_array).is_some_and(|a| a.iter().any(|x| x.as_str() == Some(name)))
            };
            if has_list_control("REL") && c.rel_to.is_none() {
                return Err("REL without rel_to".into());
            }
            if has_list_control("DISPLAYONLY") && c.display_only.is_none() {
                return Err("DISPLAYONLY without display_only".into());
            }
            if let Some(p) = e.get("portion") {
                let parsed = Caveats::parse_portion(p.as_str().ok_or("portion must be a string")?)?;
                let structured = c.classification.is_some() || !c.controls.is_empty() || c.rel_to.is_some() || c.display_only.is_some();
                // A portion always names a classification (`U` when the structured form has
                // none, as re-issued definitions write it): unclassified and none agree.
                let unclassified = c.classification.is_none() && parsed.classification == Some(Classification::Unclassified);
                let same = parsed == c || unclassified && Caveats { classification: None, ..parsed.clone() } == c;
                if structured && !same {
                    return Err("portion and structured caveats disagree".into());
                }
                c = parsed;
            }
            if c == Caveats::default() {
                return Err("empty caveats".into());
            }
            c.check()?;
            Ok(Marking::Caveats(c))
        }
        Some("pap") => Ok(Marking::Pap(e.get("pap").and_then(Value::as_str).and_then(Pap::from_value).ok_or("unknown pap value")?)),
        Some("iep") => Ok(Marking::Iep(Box::new(Iep::parse(e.get("iep").ok_or("iep policy missing")?)?))),
        Some(other) => Err(format!("unknown kind '{other}'")),
        None => Err("kind is required".into()),
    }
}

/// The marking-definitions known while projecting: the built-in OASIS and tearline ones, and
/// those found among the sources. Malformed ones are remembered so that references to them
/// fail with the reason.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    defs: HashMap<String, Result<Marking, MarkingError>>,
}

impl Registry {
    /// The built-in definitions: TLP 2.0, TLP 1.0, no-endorsement.
    pub fn builtin() -> Registry {
        let mut defs = HashMap::new();
        for id in [ids::TLP2_CLEAR, ids::TLP2_GREEN, ids::TLP2_AMBER, ids::TLP2_AMBER_STRICT, ids::TLP2_RED, ids::TLP1_WHITE, ids::TLP1_GREEN, ids::TLP1_AMBER, ids::TLP1_RED] {
            defs.insert(id.to_owned(), Ok(Marking::Tlp(Tlp::from_definition_id(id).expect("fixed"))));
        }
        defs.insert(ids::NO_ENDORSEMENT.to_owned(), Ok(Marking::Statement(ids::NO_ENDORSEMENT_TEXT.to_owned())));
        Registry { defs }
    }

    /// Adds a marking-definition found among the sources. A definition under a built-in id
    /// never replaces the built-in one.
    pub fn add(&mut self, def: &Value) {
        let id = def.get("id").and_then(Value::as_str).unwrap_or_default();
        if self.is_builtin(id) {
            return;
        }
        let parsed = parse_definition(def).map(|(_, m)| m);
        if id.is_empty() {
            return;
        }
        // Two different definitions under one id: neither can be trusted.
        let parsed = match self.defs.get(id) {
            Some(Ok(prev)) if parsed.as_ref().is_ok_and(|p| p != prev) => {
                Err(MarkingError::Malformed { id: id.to_owned(), reason: "two different definitions share this id".into() })
            }
            Some(Err(e)) => Err(e.clone()),
            _ => parsed,
        };
        self.defs.insert(id.to_owned(), parsed);
    }

    fn is_builtin(&self, id: &str) -> bool {
        Tlp::from_definition_id(id).is_some() || id == ids::NO_ENDORSEMENT
    }

    pub fn get(&self, id: &str) -> Result<&Marking, MarkingError> {
        match self.defs.get(id) {
            Some(Ok(m)) => Ok(m),
            Some(Err(e)) => Err(e.clone()),
            None => Err(MarkingError::Unknown(id.to_owned())),
        }
    }
}

/// The combined effect of every marking that applies to one object or one field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MarkingSet {
    pub tlp: Option<Tlp>,
    pub pap: Option<Pap>,
    pub classification: Option<Classification>,
    pub controls: BTreeSet<Control>,
    pub rel_to: Option<BTreeSet<Country>>,
    pub display_only: Option<BTreeSet<Country>>,
    pub source_protection: Option<u8>,
    pub ieps: Vec<Iep>,
    pub statements: BTreeSet<String>,
    /// The marking-definition ids that contributed (source ids), in order.
    pub refs: BTreeSet<String>,
}

impl MarkingSet {
    /// The set defined by one list of references that apply at one scope (an object's
    /// `object_marking_refs`, or every granular marking naming one selector). Two TLP levels,
    /// two classifications or two PAP levels at one scope contradict each other.
    pub fn from_refs<'a>(refs: impl IntoIterator<Item = &'a str>, reg: &Registry) -> Result<MarkingSet, MarkingError> {
        let mut s = MarkingSet::default();
        for r in refs {
            let m = reg.get(r)?;
            s.refs.insert(r.to_owned());
            match m {
                Marking::Tlp(t) => {
                    if s.tlp.is_some_and(|p| p != *t) {
                        return Err(MarkingError::Contradiction(format!("two TLP levels ({} and {})", s.tlp.expect("set").label(), t.label())));
                    }
                    s.tlp = Some(*t);
                }
                Marking::Pap(p) => {
                    if s.pap.is_some_and(|q| q != *p) {
                        return Err(MarkingError::Contradiction("two PAP levels".into()));
                    }
                    s.pap = Some(*p);
                }
                Marking::Statement(t) => {
                    s.statements.insert(t.clone());
                }
                Marking::Caveats(c) => {
                    if let Some(cls) = c.classification {
                        if s.classification.is_some_and(|p| p != cls) {
                            return Err(MarkingError::Contradiction("two classification levels".into()));
                        }
                        s.classification = Some(cls);
                    }
                    s.controls.extend(c.controls.iter().copied());
                    if let Some(r) = &c.rel_to {
                        merge_list(&mut s.rel_to, r.clone());
                    }
                    if let Some(r) = &c.display_only {
                        merge_list(&mut s.display_only, r.clone());
                    }
                }
                Marking::Iep(i) => {
                    if let Some(t) = i.tlp {
                        s.tlp = Some(s.tlp.map_or(t, |p| p.max(t)));
                    }
                    s.ieps.push((**i).clone());
                }
                Marking::SourceProtection { level, .. } => {
                    s.source_protection = Some(s.source_protection.map_or(*level, |p| p.max(*level)));
                }
            }
        }
        s.check()?;
        Ok(s)
    }

    fn check(&self) -> Result<(), MarkingError> {
        if self.controls.contains(&Control::Nf) && self.rel_to.is_some() {
            return Err(MarkingError::Contradiction("NF together with REL TO".into()));
        }
        if self.controls.contains(&Control::Nf) && self.controls.contains(&Control::Relido) {
            return Err(MarkingError::Contradiction("NF together with RELIDO".into()));
        }
        Ok(())
    }

    /// The most restrictive combination of two scopes (an object and a field of it): levels
    /// take the maximum, country lists intersect, controls add up. Never widens.
    pub fn join(&self, other: &MarkingSet) -> Result<MarkingSet, MarkingError> {
        let mut s = MarkingSet {
            tlp: max(self.tlp, other.tlp),
            pap: max(self.pap, other.pap),
            classification: max(self.classification, other.classification),
            controls: self.controls.union(&other.controls).copied().collect(),
            rel_to: self.rel_to.clone(),
            display_only: self.display_only.clone(),
            source_protection: max(self.source_protection, other.source_protection),
            ieps: self.ieps.iter().chain(other.ieps.iter()).cloned().collect(),
            statements: self.statements.union(&other.statements).cloned().collect(),
            refs: self.refs.union(&other.refs).cloned().collect(),
        };
        if let Some(r) = &other.rel_to {
            merge_list(&mut s.rel_to, r.clone());
        }
        if let Some(r) = &other.display_only {
            merge_list(&mut s.display_only, r.clone());
        }
        s.check()?;
        Ok(s)
    }
}

/// The markings written on one object: object-level refs, and granular markings grouped by
/// selector (in the order selectors first appear).
#[derive(Debug, Clone, Default)]
pub struct ObjectMarkings {
    pub object: Vec<String>,
    pub granular: BTreeMap<String, Vec<String>>,
}

/// Reads `object_marking_refs` and `granular_markings` of an object. Malformed entries
/// (selectors that do not parse or resolve, a marking_ref that is not a marking-definition
/// id) are an error: the object is withheld. Granular markings with `lang` only are
/// language annotations, not restrictions, and are skipped.
pub fn object_markings(obj: &Value) -> Result<ObjectMarkings, MarkingError> {
    let bad = |s: String| MarkingError::BadReference(s);
    let mut out = ObjectMarkings::default();
    if let Some(refs) = obj.get("object_marking_refs") {
        for r in refs.as_array().ok_or_else(|| bad("object_marking_refs must be a list".into()))? {
            out.object.push(r.as_str().ok_or_else(|| bad("object_marking_refs must hold ids".into()))?.to_owned());
        }
    }
    if let Some(g) = obj.get("granular_markings") {
        for m in g.as_array().ok_or_else(|| bad("granular_markings must be a list".into()))? {
            let m = m.as_object().ok_or_else(|| bad("a granular marking must be an object".into()))?;
            let sels = m.get("selectors").and_then(Value::as_array).ok_or_else(|| bad("granular marking without selectors".into()))?;
            let r = match m.get("marking_ref") {
                None if m.contains_key("lang") => continue,
                Some(Value::String(r)) => r,
                _ => return Err(bad("granular marking without a marking_ref".into())),
            };
            if sels.is_empty() {
                return Err(bad("granular marking with no selectors".into()));
            }
            for s in sels {
                let s = s.as_str().ok_or_else(|| bad("selectors must be strings".into()))?;
                if crate::path::resolve(obj, s).is_none() {
                    return Err(bad(format!("selector '{s}' does not resolve")));
                }
                out.granular.entry(s.to_owned()).or_default().push(r.clone());
            }
        }
    }
    Ok(out)
}
