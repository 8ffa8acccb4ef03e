//! The per-object egress decision: whether one stored object may leave, exactly as stored, to
//! one recipient.
//!
//! [`project()`](crate::project()) makes new objects for a recipient; once released, those
//! objects are stored and served as they are (their bytes are signed). Every time one would
//! leave to a partner, it goes through [`admit`] (or [`Gate`], its per-page form over JSON
//! text): the same marking algebra and the same [`decide`] as the projection, so egress can
//! never hand out what the projection would withhold. Because egress cannot cut fields out of
//! signed bytes, the rule is stricter than the projection's: an object leaves only if its
//! object-level markings *and every granular marking* allow the recipient, and it carries no
//! source-protected span above what the recipient may get. Unknown, malformed or contradictory
//! markings withhold it (fail closed).
//!
//! **Originator.** An object authored by the recipient's own organisation (its
//! `created_by_ref` is the recipient's identity: feedback) is judged with the recipient as its
//! own organisation ([`Recipient::is_own_org`]): TLP:AMBER+STRICT reaches the partner's own
//! members, TLP:RED reaches no one else. Producer accounts are the originator of the holdings
//! and see them as stored; that is the caller's fast path, not a decision made here.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::Value;

use crate::ids;
use crate::markings::{MarkingSet, ObjectMarkings, Registry, object_markings};
use crate::recipient::{Policy, Reason, Recipient, decide};

/// Reads an object's markings and takes the object-level decision: the first step of both the
/// projection (`project`'s staging) and [`admit`].
pub(crate) fn object_level(obj: &Value, id: &str, reg: &Registry, recipient: &Recipient, policy: &Policy) -> Result<(ObjectMarkings, MarkingSet), Reason> {
    let om = object_markings(obj).map_err(|e| Reason::Markings(e.to_string()))?;
    let objset = MarkingSet::from_refs(om.object.iter().map(String::as_str), reg).map_err(|e| Reason::Markings(e.to_string()))?;
    decide(&objset, id, recipient, policy)?;
    Ok((om, objset))
}

/// The markings governing one field: the object's set joined with the field's granular
/// markings (never wider than the object's).
pub(crate) fn field_set(objset: &MarkingSet, sel: &str, refs: &[String], reg: &Registry) -> Result<MarkingSet, Reason> {
    let gset = MarkingSet::from_refs(refs.iter().map(String::as_str), reg).map_err(|e| Reason::Markings(format!("{sel}: {e}")))?;
    objset.join(&gset).map_err(|e| Reason::Markings(format!("{sel}: {e}")))
}

fn checked_id(obj: &Value) -> Result<&str, Reason> {
    let (Some(id), Some(ty)) = (obj.get("id").and_then(Value::as_str), obj.get("type").and_then(Value::as_str)) else {
        return Err(Reason::NotContent);
    };
    check_id(id, ty)?;
    Ok(id)
}

fn check_id(id: &str, ty: &str) -> Result<(), Reason> {
    if tearline_stix::Identifier::parse(id).map(|i| i.object_type() != ty).unwrap_or(true) {
        return Err(Reason::Markings("invalid id".into()));
    }
    Ok(())
}

/// The recipient as judge of an object: its own organisation's objects are judged with it as
/// its own organisation.
fn judge_for<'a>(obj_author: Option<&str>, recipient: &'a Recipient, own: &'a Recipient) -> &'a Recipient {
    if obj_author == Some(recipient.org_identity.as_str()) { own } else { recipient }
}

fn as_own_org(recipient: &Recipient) -> Recipient {
    Recipient { is_own_org: true, ..recipient.clone() }
}

/// Whether `obj` may leave, exactly as it is, to `recipient` under `policy`; `reg` holds the
/// marking-definitions its references may name (beyond the built-in ones) that the caller
/// trusts. The first reason found is returned.
pub fn admit(obj: &Value, reg: &Registry, recipient: &Recipient, policy: &Policy) -> Result<(), Reason> {
    let own = as_own_org(recipient);
    let judge = judge_for(obj.get("created_by_ref").and_then(Value::as_str), recipient, &own);
    admit_as(obj, reg, judge, policy)
}

fn admit_as(obj: &Value, reg: &Registry, recipient: &Recipient, policy: &Policy) -> Result<(), Reason> {
    if !obj.is_object() {
        return Err(Reason::NotContent);
    }
    let id = checked_id(obj)?;
    let (om, objset) = object_level(obj, id, reg, recipient, policy)?;
    // Stored bytes leave whole: a field the recipient may not get withholds the object.
    for (sel, refs) in &om.granular {
        decide(&field_set(&objset, sel, refs, reg)?, id, recipient, policy)?;
    }
    let sp = crate::path::key("extensions", ids::EXT_SOURCE_PROTECTION);
    if let Some(ext) = crate::path::resolve(obj, &sp) {
        let allowed = u64::from(policy.release_level.min(recipient.max_source_level));
        let bad = || Reason::Markings("malformed source protection span".into());
        let spans = ext.get("spans").map(|v| v.as_array().ok_or_else(bad)).transpose()?;
        for s in spans.into_iter().flatten() {
            if s.get("level").and_then(Value::as_u64).ok_or_else(bad)? > allowed {
                return Err(Reason::SourceProtection);
            }
        }
    }
    Ok(())
}

/// The version of the decision code: part of every [`fingerprint`], so a build that decides
/// differently never reuses decisions stored by another.
pub const DECISION_VERSION: &str = concat!("tearline-admit/1 ", env!("CARGO_PKG_VERSION"));

/// The fingerprint of everything [`admit`] depends on besides the object and the trusted
/// marking-definitions: the recipient, the policy and the decision code. A decision stored
/// under one fingerprint is valid exactly while the fingerprint stays the same (objects are
/// immutable); any change of the recipient (country, flags, tier, identity, ...) or of the
/// policy yields another one. The first 128 bits of SHA-256 over their complete `Debug` forms,
/// in hex (it is stored on every admitted row).
pub fn fingerprint(recipient: &Recipient, policy: &Policy) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [DECISION_VERSION.to_owned(), format!("{recipient:?}"), format!("{policy:?}")] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(&h.finalize()[..16])
}

/// What the decision reads of an object's JSON text: everything else is skipped unparsed.
#[derive(Deserialize)]
struct RawHead {
    id: Option<String>,
    #[serde(rename = "type")]
    ty: Option<String>,
    created_by_ref: Option<String>,
    object_marking_refs: Option<Vec<String>>,
    granular_markings: Option<Vec<RawGranular>>,
    extensions: Option<HashMap<String, serde::de::IgnoredAny>>,
}

#[derive(Deserialize)]
struct RawGranular {
    marking_ref: Option<String>,
}

/// The parts of one stored object the decision needs, read once from its JSON text.
#[derive(Debug, Clone)]
pub struct Head {
    pub id: String,
    pub created_by_ref: Option<String>,
    object_marking_refs: Vec<String>,
    granular_refs: Vec<String>,
    /// Granular markings or a source-protection extension: decided on the whole object.
    needs_body: bool,
}

impl Head {
    /// Reads an object's id, author and marking references; text that is not a STIX object
    /// with a valid id is an error (the object is withheld).
    pub fn parse(body: &str) -> Result<Head, Reason> {
        let raw: RawHead = serde_json::from_str(body).map_err(|_| Reason::Markings("the object cannot be read".into()))?;
        let (Some(id), Some(ty)) = (raw.id, raw.ty) else { return Err(Reason::NotContent) };
        check_id(&id, &ty)?;
        let granular_refs: Vec<String> = raw.granular_markings.iter().flatten().filter_map(|g| g.marking_ref.clone()).collect();
        let needs_body = raw.granular_markings.is_some() || raw.extensions.is_some_and(|e| e.contains_key(ids::EXT_SOURCE_PROTECTION));
        Ok(Head { id, created_by_ref: raw.created_by_ref, object_marking_refs: raw.object_marking_refs.unwrap_or_default(), granular_refs, needs_body })
    }

    /// Every marking-definition id the object references (object-level and granular).
    pub fn marking_refs(&self) -> impl Iterator<Item = &str> {
        self.object_marking_refs.iter().chain(&self.granular_refs).map(String::as_str)
    }

    /// Whether the decision on this object depends only on the object, the recipient and the
    /// policy (every marking it references is built in), so that it may be stored under their
    /// [`fingerprint`].
    pub fn self_contained(&self) -> bool {
        self.marking_refs().all(is_builtin_marking)
    }
}

/// Whether a marking-definition id is one of the built-in definitions (TLP, no-endorsement),
/// which need no stored definition.
pub fn is_builtin_marking(id: &str) -> bool {
    crate::markings::Tlp::from_definition_id(id).is_some() || id == ids::NO_ENDORSEMENT
}

/// One decision per object for a page of stored objects going to one recipient: [`admit`] over
/// JSON text, with the object-level marking sets of a page read once per distinct list of
/// references.
pub struct Gate<'a> {
    reg: Registry,
    recipient: &'a Recipient,
    own: Recipient,
    policy: &'a Policy,
    sets: HashMap<Vec<String>, Result<MarkingSet, Reason>>,
}

impl<'a> Gate<'a> {
    /// A gate knowing the built-in marking-definitions only.
    pub fn new(recipient: &'a Recipient, policy: &'a Policy) -> Gate<'a> {
        Gate { reg: Registry::builtin(), recipient, own: as_own_org(recipient), policy, sets: HashMap::new() }
    }

    /// Adds a marking-definition the caller trusts (one released to this recipient). Two
    /// different definitions under one id make both unusable (fail closed).
    pub fn add_definition(&mut self, def: &Value) {
        self.reg.add(def);
        self.sets.clear();
    }

    /// The decision for one object's text: `Ok` when it may leave as stored.
    pub fn admit(&mut self, head: &Head, body: &str) -> Result<(), Reason> {
        let judge = judge_for(head.created_by_ref.as_deref(), self.recipient, &self.own);
        if head.needs_body {
            let obj: Value = serde_json::from_str(body).map_err(|_| Reason::Markings("the object cannot be read".into()))?;
            return admit_as(&obj, &self.reg, judge, self.policy);
        }
        let reg = &self.reg;
        let set = self
            .sets
            .entry(head.object_marking_refs.clone())
            .or_insert_with(|| MarkingSet::from_refs(head.object_marking_refs.iter().map(String::as_str), reg).map_err(|e| Reason::Markings(e.to_string())));
        let set = set.as_ref().map_err(Clone::clone)?;
        decide(set, &head.id, judge, self.policy)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::json;
    use tearline_stix::Timestamp;

    use super::*;
    use crate::markings::{Classification, Country};
    use crate::project;

    const ORG: &str = "identity--00000000-0000-4000-8000-0000000000aa";
    const PARTNER: &str = "identity--00000000-0000-4000-8000-0000000000bb";
    const T: &str = "2025-01-01T00:00:00.000Z";

    fn policy() -> Policy {
        let org = json!({"type":"identity","spec_version":"2.1","id":ORG,"created":T,"modified":T,"name":"Producer","identity_class":"organization"});
        let mut p = Policy::new(org, Country::parse("USA").unwrap(), [7; 32], Timestamp::parse(T).unwrap());
        p.communities = BTreeSet::from(["cert-net".to_owned()]);
        p
    }

    fn recipient(community: bool) -> Recipient {
        Recipient {
            org_identity: PARTNER.into(),
            country: Country::parse("GBR").unwrap(),
            sectors: vec![],
            trust_tier: Default::default(),
            flags: Default::default(),
            is_own_org: false,
            clients: vec![],
            communities: if community { BTreeSet::from(["cert-net".to_owned()]) } else { BTreeSet::new() },
            clearance: Classification::Unclassified,
            max_source_level: 0,
        }
    }

    fn caveats(n: u32, portion: &str, rel_to: &[&str]) -> Value {
        json!({"type":"marking-definition","spec_version":"2.1","id":format!("marking-definition--00000000-0000-4000-8000-{n:012}"),"created":T,"name":portion,
            "extensions":{ids::EXT_MARKINGS:{"extension_type":"property-extension","kind":"caveats","controls":["REL"],"rel_to":rel_to}}})
    }

    fn obj(n: u32, markings: &[&str], extra: Value) -> Value {
        let mut o = json!({"type":"malware","spec_version":"2.1","id":format!("malware--00000000-0000-4000-8000-{n:012}"),"created":T,"modified":T,
            "name":format!("m{n}"),"description":"text","is_family":true,"object_marking_refs":markings});
        o.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        o
    }

    fn text_decision(o: &Value, defs: &[Value], r: &Recipient, p: &Policy) -> Result<(), Reason> {
        let mut g = Gate::new(r, p);
        for d in defs {
            g.add_definition(d);
        }
        let body = o.to_string();
        let head = Head::parse(&body)?;
        g.admit(&head, &body)
    }

    /// Both forms agree on every case.
    fn both(o: &Value, defs: &[Value], r: &Recipient, p: &Policy) -> Result<(), Reason> {
        let mut reg = Registry::builtin();
        for d in defs {
            reg.add(d);
        }
        let direct = admit(o, &reg, r, p);
        assert_eq!(direct, text_decision(o, defs, r, p), "admit and Gate disagree on {o}");
        direct
    }

    #[test]
    fn everything_a_projection_releases_is_admitted_to_its_recipient() {
        let (p, r) = (policy(), recipient(true));
        let rel = caveats(1, "REL TO USA, GBR", &["USA", "GBR"]);
        let sources = vec![
            rel.clone(),
            obj(1, &[ids::TLP2_GREEN], json!({})),
            obj(2, &[ids::TLP2_CLEAR, rel["id"].as_str().unwrap()], json!({})),
            obj(3, &[ids::TLP2_CLEAR], json!({"granular_markings":[{"marking_ref":ids::TLP2_RED,"selectors":["description"]}]})),
            obj(4, &[ids::TLP2_CLEAR], json!({"granular_markings":[{"marking_ref":ids::TLP2_GREEN,"selectors":["description"]}]})),
            obj(5, &[ids::TLP2_RED], json!({})),
        ];
        let proj = project(&sources, &r, &p);
        assert!(proj.released.len() > 4, "{:?}", proj.removals);
        let defs: Vec<Value> = proj.released.iter().filter(|o| o["type"] == "marking-definition").cloned().collect();
        for o in &proj.released {
            assert_eq!(both(o, &defs, &r, &p), Ok(()), "released but not admitted: {o}");
        }
        // Without the released definitions, the re-issued caveats are unknown: withheld.
        let caveated = proj.released.iter().find(|o| o["type"] == "malware" && o["object_marking_refs"].as_array().is_some_and(|m| m.len() > 1)).unwrap();
        assert!(matches!(both(caveated, &[], &r, &p), Err(Reason::Markings(_))));
        // The sources themselves: what the projection withheld whole is withheld, and an object
        // the projection only cut (a granular field) cannot leave uncut.
        assert_eq!(both(&sources[1], &[], &r, &p), Ok(()));
        assert!(matches!(both(&sources[5], &[], &r, &p), Err(Reason::Tlp(_))));
        assert!(matches!(both(&sources[3], &[], &r, &p), Err(Reason::Tlp(_))));
        assert_eq!(both(&sources[4], &[], &r, &p), Ok(()));
        // Outside the community, TLP:GREEN does not reach it.
        assert!(matches!(both(&sources[1], &[], &recipient(false), &p), Err(Reason::Tlp(_))));
    }

    #[test]
    fn unknown_malformed_and_contradictory_markings_fail_closed() {
        let (p, r) = (policy(), recipient(true));
        let unknown = obj(1, &["marking-definition--00000000-0000-4000-8000-999999999999"], json!({}));
        assert!(matches!(both(&unknown, &[], &r, &p), Err(Reason::Markings(_))));
        let two_tlps = obj(2, &[ids::TLP2_CLEAR, ids::TLP2_GREEN], json!({}));
        assert!(matches!(both(&two_tlps, &[], &r, &p), Err(Reason::Markings(_))));
        let a = caveats(3, "REL TO USA, GBR", &["USA", "GBR"]);
        let mut b = a.clone();
        b["name"] = json!("REL TO USA");
        b["extensions"][ids::EXT_MARKINGS]["rel_to"] = json!(["USA"]);
        let m = obj(3, &[a["id"].as_str().unwrap()], json!({}));
        assert_eq!(both(&m, std::slice::from_ref(&a), &r, &p), Ok(()));
        assert!(matches!(both(&m, &[a.clone(), b], &r, &p), Err(Reason::Markings(_))), "two definitions under one id");
        let not_rel = caveats(4, "REL TO USA", &["USA"]);
        let m = obj(4, &[not_rel["id"].as_str().unwrap()], json!({}));
        assert_eq!(both(&m, &[not_rel], &r, &p), Err(Reason::RelTo));
        let bad_sel = obj(5, &[], json!({"granular_markings":[{"marking_ref":ids::TLP2_CLEAR,"selectors":["nowhere"]}]}));
        assert!(matches!(both(&bad_sel, &[], &r, &p), Err(Reason::Markings(_))));
        let spans = obj(6, &[], json!({"extensions":{ids::EXT_SOURCE_PROTECTION:{"extension_type":"property-extension","spans":[{"selector":"description","start":0,"end":2,"level":2}]}}}));
        assert_eq!(both(&spans, &[], &r, &p), Err(Reason::SourceProtection));
        let mut bad_id = obj(7, &[], json!({}));
        bad_id["type"] = json!("indicator");
        assert!(both(&bad_id, &[], &r, &p).is_err());
        assert!(text_decision(&json!("not an object"), &[], &r, &p).is_err());
        assert!(Head::parse("{\"id\":").is_err());
    }

    #[test]
    fn the_recipients_own_objects_are_judged_as_its_own_organisation() {
        let (p, r) = (policy(), recipient(false));
        let mine = |n, tlp: &str| obj(n, &[tlp], json!({"created_by_ref": PARTNER}));
        assert_eq!(both(&mine(1, ids::TLP2_AMBER_STRICT), &[], &r, &p), Ok(()));
        assert_eq!(both(&mine(2, ids::TLP2_AMBER), &[], &r, &p), Ok(()));
        assert!(matches!(both(&mine(3, ids::TLP2_RED), &[], &r, &p), Err(Reason::Tlp(_))), "TLP:RED reaches no one else");
        let theirs = obj(4, &[ids::TLP2_AMBER_STRICT], json!({"created_by_ref": ORG}));
        assert!(matches!(both(&theirs, &[], &r, &p), Err(Reason::Tlp(_))));
    }

    #[test]
    fn the_fingerprint_follows_every_input() {
        let (p, r) = (policy(), recipient(true));
        let f = fingerprint(&r, &p);
        assert_eq!(f, fingerprint(&r.clone(), &p.clone()));
        let mut hostile = r.clone();
        hostile.flags.hostile = true;
        let mut moved = r.clone();
        moved.country = Country::parse("IRN").unwrap();
        let mut other = p.clone();
        other.communities.clear();
        for (what, g) in [("flags", fingerprint(&hostile, &p)), ("country", fingerprint(&moved, &p)), ("community", fingerprint(&recipient(false), &p)), ("policy", fingerprint(&r, &other))] {
            assert_ne!(f, g, "{what}");
        }
    }
}
