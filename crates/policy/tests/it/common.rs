//! Shared fixtures.
#![allow(dead_code)]

use serde_json::{Value, json};
use tearline_policy::ids;
use tearline_policy::markings::{Classification, Country};
use tearline_policy::{Policy, Recipient, RelationshipFlags, TrustTier};
use tearline_stix::Timestamp;

pub const ORG: &str = "identity--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061";
pub const PARTNER: &str = "identity--a2b9c3a2-3b1f-4a4e-9a9e-6c1d2e3f4a5b";
pub const T0: &str = "2025-01-08T10:15:00.000Z";

pub fn c(s: &str) -> Country {
    Country::parse(s).expect("country")
}

pub fn org_identity() -> Value {
    json!({"type":"identity","spec_version":"2.1","id":ORG,"created":T0,"modified":T0,"name":"Producer Service","identity_class":"organization"})
}

pub fn policy() -> Policy {
    let mut p = Policy::new(org_identity(), c("USA"), [7u8; 32], Timestamp::parse("2025-01-09T12:00:00.000Z").expect("ts"));
    p.communities.insert("ct-community".into());
    p
}

pub fn recipient(country: &str) -> Recipient {
    Recipient {
        org_identity: PARTNER.into(),
        country: c(country),
        sectors: vec!["government".into()],
        trust_tier: TrustTier::Limited,
        flags: RelationshipFlags::default(),
        is_own_org: false,
        clients: vec![],
        communities: Default::default(),
        clearance: Classification::Unclassified,
        max_source_level: 0,
    }
}

pub fn hostile(country: &str) -> Recipient {
    let mut r = recipient(country);
    r.flags.hostile = true;
    r.flags.not_recognised = true;
    r.trust_tier = TrustTier::Untrusted;
    r
}

pub fn uuid(n: u32) -> String {
    format!("{n:08x}-0000-4000-8000-000000000000")
}

pub fn caveat_def(n: u32, portion: &str) -> Value {
    json!({"type":"marking-definition","spec_version":"2.1","id":format!("marking-definition--{}", uuid(n)),"created":T0,
        "name":portion,"extensions":{ids::EXT_MARKINGS:{"extension_type":"property-extension","kind":"caveats","portion":portion}}})
}

pub fn sp_def(n: u32, level: u8) -> Value {
    json!({"type":"marking-definition","spec_version":"2.1","id":format!("marking-definition--{}", uuid(n)),"created":T0,
        "name":"source protection","extensions":{ids::EXT_SOURCE_PROTECTION:{"extension_type":"property-extension","level":level,"category":"sigint"}}})
}

pub fn statement_def(n: u32, text: &str) -> Value {
    json!({"type":"marking-definition","spec_version":"2.1","id":format!("marking-definition--{}", uuid(n)),"created":T0,
        "definition_type":"statement","definition":{"statement":text}})
}

pub fn validate_all(objs: &[Value]) {
    for o in objs {
        let v = tearline_stix::validate::validate_object(o);
        assert!(v.is_valid(), "invalid released object {o}: {:?}", v.errors);
    }
}

/// Everything released, as text.
pub fn text(objs: &[Value]) -> String {
    serde_json::to_string(objs).expect("json")
}
