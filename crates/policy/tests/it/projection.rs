//! Projection scenarios.

use serde_json::{Value, json};
use tearline_policy::ids;
use tearline_policy::markings::Classification;
use tearline_policy::{Reason, project};

use crate::common::*;

fn id(ty: &str, n: u32) -> String {
    format!("{ty}--{}", uuid(n))
}

fn sdo(ty: &str, n: u32, extra: Value) -> Value {
    let mut o = json!({"type":ty,"spec_version":"2.1","id":id(ty, n),"created":T0,"modified":T0,"created_by_ref":ORG});
    if let (Value::Object(m), Value::Object(e)) = (&mut o, extra) {
        m.extend(e);
    }
    o
}

fn released_of<'a>(p: &'a tearline_policy::Projection, source: &str) -> Option<&'a Value> {
    let new = p.id_map.get(source)?;
    p.released.iter().find(|o| o["id"] == json!(new))
}

/// The Sayyida Zaynab shape: an intercept-derived internal report, and a sanitised warning
/// written for release.
fn zaynab() -> Vec<Value> {
    vec![
        caveat_def(1, "S//NF"),
        caveat_def(2, "U//REL TO USA, SYR"),
        sp_def(3, 3),
        statement_def(4, "Handle as a warning of a threat to life."),
        // internal: intercept content, S//NF and source protected
        sdo("note", 10, json!({"content":"Intercepted call between the emir and the bomber: target is the shrine.","object_refs":[id("threat-actor", 11)],
            "object_marking_refs":[format!("marking-definition--{}", uuid(1)), format!("marking-definition--{}", uuid(3))]})),
        // the sanitised warning
        sdo("threat-actor", 11, json!({"name":"Cell planning an attack on the shrine","description":"A terrorist cell plans a bomb attack on the Sayyida Zaynab shrine between 10 and 13 January.",
            "object_marking_refs":[ids::TLP2_CLEAR, format!("marking-definition--{}", uuid(2)), format!("marking-definition--{}", uuid(4))]})),
        sdo("location", 12, json!({"name":"Sayyida Zaynab shrine","country":"SY","region":"western-asia",
            "object_marking_refs":[ids::TLP2_CLEAR, format!("marking-definition--{}", uuid(2))]})),
        sdo("relationship", 13, json!({"relationship_type":"targets","source_ref":id("threat-actor", 11),"target_ref":id("location", 12),
            "object_marking_refs":[ids::TLP2_CLEAR]})),
        // derived from the intercept: cannot stand without it
        sdo("relationship", 14, json!({"relationship_type":"related-to","source_ref":id("note", 10),"target_ref":id("threat-actor", 11),
            "object_marking_refs":[ids::TLP2_CLEAR]})),
        sdo("report", 15, json!({"name":"Internal assessment","published":T0,"object_refs":[id("note", 10)],"object_marking_refs":[ids::TLP2_CLEAR]})),
        sdo("report", 16, json!({"name":"Warning","published":T0,"object_refs":[id("note", 10), id("threat-actor", 11), id("location", 12), id("relationship", 13)],
            "object_marking_refs":[ids::TLP2_CLEAR]})),
    ]
}

#[test]
fn hostile_recipient_gets_the_warning_and_nothing_of_the_sources() {
    let p = project(&zaynab(), &hostile("SYR"), &policy());
    validate_all(&p.released);
    let out = text(&p.released);
    for hidden in ["Intercepted", "emir", "Internal assessment", "S//NF"] {
        assert!(!out.contains(hidden), "{hidden} leaked");
    }
    for src in zaynab() {
        let sid = src["id"].as_str().expect("id");
        assert!(!out.contains(sid) || sid.starts_with("marking-definition--") && tearline_policy::Tlp::from_definition_id(sid).is_some(), "source id {sid} leaked");
    }
    assert!(released_of(&p, &id("note", 10)).is_none());
    assert!(released_of(&p, &id("relationship", 14)).is_none(), "relationship to the intercept withheld");
    assert!(released_of(&p, &id("report", 15)).is_none(), "report whose refs all vanish withheld");
    let ta = released_of(&p, &id("threat-actor", 11)).expect("warning released");
    assert_eq!(ta["created_by_ref"], json!(ORG));
    assert_ne!(ta["id"], json!(id("threat-actor", 11)));
    assert!(ta["object_marking_refs"].as_array().expect("marked").contains(&json!(ids::NO_ENDORSEMENT)), "no-endorsement statement");
    assert!(ta["object_marking_refs"].as_array().expect("marked").contains(&json!(ids::TLP2_CLEAR)));
    let rel = released_of(&p, &id("relationship", 13)).expect("targets released");
    assert_eq!(rel["source_ref"], ta["id"]);
    let warning = released_of(&p, &id("report", 16)).expect("warning report");
    assert_eq!(warning["object_refs"].as_array().expect("refs").len(), 3, "the intercept reference is pruned");
    // Re-issued markings: REL TO survives, under a new id, created by the releasing org.
    let rel_to = p.released.iter().find(|o| o["name"] == json!("U//REL TO SYR, USA")).expect("caveat re-issued");
    assert_eq!(rel_to["created_by_ref"], json!(ORG));
    assert!(p.released.iter().any(|o| o["id"] == json!(ids::NO_ENDORSEMENT)));
    // Internal record.
    assert!(p.removals.iter().any(|r| r.source_id == id("note", 10) && r.reason == Reason::Classification));
    assert!(p.removals.iter().any(|r| r.source_id == id("relationship", 14) && matches!(r.reason, Reason::Dependency(_))));
}

#[test]
fn own_country_cleared_recipient_with_source_level_gets_the_intercept() {
    let mut r = recipient("USA");
    r.clearance = Classification::Secret;
    r.max_source_level = 3;
    let mut pol = policy();
    pol.release_level = 3;
    let p = project(&zaynab(), &r, &pol);
    validate_all(&p.released);
    assert!(released_of(&p, &id("note", 10)).is_some());
    assert!(released_of(&p, &id("report", 15)).is_some());
    // Only the release level: not enough.
    pol.release_level = 2;
    let p = project(&zaynab(), &r, &pol);
    assert!(released_of(&p, &id("note", 10)).is_none());
    assert!(p.removals.iter().any(|x| x.reason == Reason::SourceProtection));
}

#[test]
fn tlp_scopes() {
    let objs = vec![
        sdo("malware", 1, json!({"name":"green","is_family":true,"object_marking_refs":[ids::TLP2_GREEN]})),
        sdo("malware", 2, json!({"name":"amber","is_family":true,"object_marking_refs":[ids::TLP2_AMBER]})),
        sdo("malware", 3, json!({"name":"strict","is_family":true,"object_marking_refs":[ids::TLP2_AMBER_STRICT]})),
        sdo("malware", 4, json!({"name":"red","is_family":true,"object_marking_refs":[ids::TLP2_RED]})),
        sdo("malware", 5, json!({"name":"clear","is_family":true,"object_marking_refs":[ids::TLP1_WHITE]})),
    ];
    let names = |r: &tearline_policy::Recipient, pol: &tearline_policy::Policy| {
        let p = project(&objs, r, pol);
        validate_all(&p.released);
        let mut n: Vec<String> = p.released.iter().filter(|o| o["type"] == "malware").map(|o| o["name"].as_str().expect("name").to_owned()).collect();
        n.sort();
        n
    };
    let pol = policy();
    let stranger = recipient("GBR");
    assert_eq!(names(&stranger, &pol), vec!["clear"]);
    let mut member = recipient("GBR");
    member.communities.insert("ct-community".into());
    assert_eq!(names(&member, &pol), vec!["clear", "green"]);
    let mut pol_client = policy();
    pol_client.clients.insert(PARTNER.into());
    assert_eq!(names(&stranger, &pol_client), vec!["amber", "clear", "green"]);
    let mut own = recipient("USA");
    own.is_own_org = true;
    assert_eq!(names(&own, &pol), vec!["amber", "clear", "green", "strict"]);
    // TLP 1.0 WHITE is re-marked as TLP 2.0 CLEAR.
    let p = project(&objs, &stranger, &pol);
    let clear = p.released.iter().find(|o| o["name"] == "clear").expect("clear");
    assert_eq!(clear["object_marking_refs"], json!([ids::TLP2_CLEAR]));
}

#[test]
fn granular_markings_remove_fields_and_list_items_and_are_carried_over() {
    let objs = vec![sdo(
        "threat-actor",
        1,
        json!({"name":"Cell","description":"secret detail","labels":["a","b-red","c"],
            "external_references":[{"source_name":"internal","description":"red ref"},{"source_name":"public","url":"https://example.org/x"}],
            "object_marking_refs":[ids::TLP2_CLEAR],
            "granular_markings":[
                {"marking_ref":ids::TLP2_RED,"selectors":["description","labels.[1]","external_references.[0]"]},
                {"marking_ref":ids::TLP2_GREEN,"selectors":["labels.[2]","external_references.[1].url"]}]}),
    )];
    let mut r = recipient("GBR");
    r.communities.insert("ct-community".into());
    let p = project(&objs, &r, &policy());
    validate_all(&p.released);
    let ta = &p.released.iter().find(|o| o["type"] == "threat-actor").expect("released");
    assert!(ta.get("description").is_none());
    assert_eq!(ta["labels"], json!(["a", "c"]));
    assert_eq!(ta["external_references"], json!([{"source_name":"public","url":"https://example.org/x"}]));
    assert_eq!(ta["granular_markings"], json!([{"marking_ref":ids::TLP2_GREEN,"selectors":["external_references.[0].url","labels.[1]"]}]));
    assert!(!text(&p.released).contains("red"));
    assert_eq!(p.removals.iter().filter(|x| x.path.is_some()).count(), 3);
}

#[test]
fn a_granular_marking_on_a_required_property_withholds_the_object() {
    let objs = vec![
        sdo("malware", 1, json!({"name":"m","is_family":true,"object_marking_refs":[ids::TLP2_CLEAR]})),
        sdo("relationship", 2, json!({"relationship_type":"uses","source_ref":id("malware", 1),"target_ref":id("malware", 1),
            "object_marking_refs":[ids::TLP2_CLEAR],"granular_markings":[{"marking_ref":ids::TLP2_RED,"selectors":["relationship_type"]}]})),
    ];
    let p = project(&objs, &recipient("GBR"), &policy());
    validate_all(&p.released);
    assert!(released_of(&p, &id("relationship", 2)).is_none());
    assert!(p.removals.iter().any(|x| x.source_id == id("relationship", 2) && matches!(x.reason, Reason::CannotStand(_))));
}

#[test]
fn source_protected_spans_are_cut_without_a_seam() {
    let text_ = "The cell plans an attack on the shrine. A source with access reported it. Expect it between 10 and 13 January.";
    let start = text_.find("A source").expect("span");
    let end = text_.find(" Expect").expect("span");
    let objs = vec![sdo("threat-actor", 1, json!({"name":"Cell","description":text_,"object_marking_refs":[ids::TLP2_CLEAR],
        "extensions":{ids::EXT_SOURCE_PROTECTION:{"extension_type":"property-extension","spans":[{"selector":"description","start":start,"end":end,"level":2}]}}}))];
    let p = project(&objs, &recipient("GBR"), &policy());
    validate_all(&p.released);
    let ta = &p.released.iter().find(|o| o["type"] == "threat-actor").expect("released");
    assert_eq!(ta["description"], json!("The cell plans an attack on the shrine. Expect it between 10 and 13 January."));
    assert!(ta.get("extensions").is_none(), "the span extension is internal");
    assert!(p.removals.iter().any(|x| x.span == Some((start, end))));
    // A malformed span fails closed.
    let bad = vec![sdo("threat-actor", 1, json!({"name":"Cell","description":"abc","object_marking_refs":[ids::TLP2_CLEAR],
        "extensions":{ids::EXT_SOURCE_PROTECTION:{"extension_type":"property-extension","spans":[{"selector":"description","start":1,"end":99,"level":2}]}}}))];
    assert!(project(&bad, &recipient("GBR"), &policy()).released.is_empty());
}

#[test]
fn fail_closed_on_unknown_and_contradictory_markings() {
    let objs = vec![
        caveat_def(1, "S//NF"),
        caveat_def(2, "S//REL TO USA, GBR"),
        sdo("malware", 1, json!({"name":"two tlp","is_family":true,"object_marking_refs":[ids::TLP2_CLEAR, ids::TLP2_RED]})),
        sdo("malware", 2, json!({"name":"unknown","is_family":true,"object_marking_refs":["marking-definition--99999999-9999-4999-8999-999999999999"]})),
        sdo("malware", 3, json!({"name":"nf rel","is_family":true,"object_marking_refs":[format!("marking-definition--{}", uuid(1)), format!("marking-definition--{}", uuid(2))]})),
        sdo("malware", 4, json!({"name":"bad selector","is_family":true,"granular_markings":[{"marking_ref":ids::TLP2_CLEAR,"selectors":["nonexistent"]}]})),
        sdo("malware", 5, json!({"name":"fine","is_family":true,"object_marking_refs":[ids::TLP2_CLEAR]})),
    ];
    let mut r = recipient("USA");
    r.is_own_org = true;
    r.clearance = Classification::TopSecret;
    let p = project(&objs, &r, &policy());
    validate_all(&p.released);
    let names: Vec<&str> = p.released.iter().filter(|o| o["type"] == "malware").map(|o| o["name"].as_str().expect("n")).collect();
    assert_eq!(names, vec!["fine"]);
    assert_eq!(p.removals.iter().filter(|x| matches!(x.reason, Reason::Markings(_))).count(), 4);
}

#[test]
fn deterministic_per_recipient_and_times_coarsened() {
    let objs = vec![
        sdo("indicator", 1, json!({"name":"i","pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix","valid_from":"2025-01-08T10:15:31.123Z",
            "valid_until":"2025-01-10T03:00:00Z","object_marking_refs":[ids::TLP2_CLEAR]})),
    ];
    let pol = policy();
    let a = project(&objs, &recipient("GBR"), &pol);
    let b = project(&objs, &recipient("GBR"), &pol);
    assert_eq!(a.released, b.released, "a preview equals the release");
    let mut other = recipient("GBR");
    other.org_identity = "identity--b2b9c3a2-3b1f-4a4e-9a9e-6c1d2e3f4a5b".into();
    let c_ = project(&objs, &other, &pol);
    assert_ne!(a.id_map, c_.id_map, "ids differ per recipient");
    let ind = a.released.iter().find(|o| o["type"] == "indicator").expect("indicator");
    assert_eq!(ind["valid_from"], json!("2025-01-08T00:00:00.000Z"));
    assert_eq!(ind["valid_until"], json!("2025-01-11T00:00:00.000Z"));
    assert_eq!(ind["created"], json!("2025-01-09T12:00:00.000Z"));
    validate_all(&a.released);
}
