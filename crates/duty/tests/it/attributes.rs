use serde_json::json;
use tearline_duty::*;

use crate::common::*;

#[test]
fn default_profile_loads_and_encodes_the_rules() {
    let p = profile();
    let harms: Vec<&str> = p.harm.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(harms, ["intentional-killing", "serious-bodily-injury", "kidnapping"]);
    assert!(p.harm("serious-bodily-injury").unwrap().requires_justification);
    assert_eq!(p.urgency("critical").unwrap().deliver_minutes, 60);
    assert_eq!(p.urgency("high").unwrap().deliver_minutes, 360);
    assert_eq!(p.urgency("routine").unwrap().deliver_minutes, 1440);
    assert_eq!(p.urgency("immediate").unwrap().id, "critical");
    assert_eq!(p.specificity.minimum, 2);
    assert!(p.waiver_ground("recipient-is-hostile").unwrap().forbidden.is_some());
    assert!(p.waiver_ground("sharing-implies-support").unwrap().forbidden.is_some());
    assert!(p.waiver_ground("victim-is-terrorist-or-criminal").unwrap().victim_based());
    assert!(p.waiver_ground("endangers-personnel-sources-methods").unwrap().sources_and_methods);
    assert_eq!(p.responsible_for("SYR"), ["syria-gsd"]);
    assert_eq!(p.responsible_for("syr"), ["syria-gsd"]);
    assert_eq!(p.responsible_for("RUS"), ["russia-fsb"]);
    assert_eq!(p.responsible_for("IRN"), ["iran-mois"]);
    assert_eq!(p.responsible_for("kurdistan region"), ["krg-asayish", "iraq-inss"]);
    assert!(p.responsible_for("ATA").is_empty());
    // The statement is the one tearline-policy marks releases with.
    assert_eq!(p.no_endorsement, tearline_policy::ids::NO_ENDORSEMENT_TEXT);
}

#[test]
fn profile_errors_are_typed() {
    assert!(matches!(Profile::from_toml("name = 1"), Err(ProfileError::Toml(_))));
    let dup = profile::DEFAULT_PROFILE_TOML.replace("id = \"high\"", "id = \"critical\"");
    assert!(matches!(Profile::from_toml(&dup), Err(ProfileError::Invalid(_))));
    let bad = profile::DEFAULT_PROFILE_TOML.replace("fields = [\"who\"", "fields = [\"whom\"");
    assert!(matches!(Profile::from_toml(&bad), Err(ProfileError::Invalid(m)) if m.contains("whom")));
}

#[test]
fn extension_definition_is_fixed_and_valid_stix() {
    let d = extension_definition();
    assert_eq!(d["id"], EXT_THREAT);
    assert_eq!(EXT_THREAT, "extension-definition--c14747dd-ac3f-4ce3-b3a4-c9e9ee6cefec");
    assert_eq!(d["name"], EXT_THREAT_NAME);
    assert_eq!(d["extension_types"], json!(["property-extension"]));
    let v = tearline_stix::validate::validate_object(&d);
    assert!(v.is_valid(), "{v:?}");
}

#[test]
fn attributes_round_trip_through_stix() {
    let a = attrs("SYR", "Sayyida Zaynab shrine");
    let mut ind = json!({"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created":"2025-01-05T00:00:00.000Z","modified":"2025-01-05T00:00:00.000Z","pattern":"[x:y = 'z']","pattern_type":"stix","valid_from":"2025-01-05T00:00:00Z"});
    a.attach(&mut ind);
    assert_eq!(ind["extensions"][EXT_THREAT]["extension_type"], "property-extension");
    assert_eq!(ind["extensions"][EXT_THREAT]["window_start"], "2025-01-10T00:00:00.000000Z");
    assert_eq!(ind["extensions"][EXT_THREAT]["specificity"]["where"], "Sayyida Zaynab shrine");
    assert_eq!(parse_threat_attributes(&ind).unwrap().unwrap(), a);
    // JSON storage form round-trips too.
    let s = serde_json::to_string(&a).unwrap();
    assert_eq!(serde_json::from_str::<ThreatAttributes>(&s).unwrap(), a);
    // No extension: none.
    assert_eq!(parse_threat_attributes(&json!({"type":"note"})).unwrap(), None);
}

#[test]
fn older_policy_extension_id_is_read() {
    let o = json!({"extensions":{tearline_policy::ids::EXT_THREAT_ATTRIBUTES:{"extension_type":"property-extension",
        "harm_type":"kidnapping","credible":true,"specific":false,"impending":true,"urgency":"days"}}});
    let a = parse_threat_attributes(&o).unwrap().unwrap();
    assert_eq!(a.harm_type, "kidnapping");
    assert_eq!(assess(&a, &profile()).urgency, "routine");
}

#[test]
fn bad_attributes_are_typed_errors() {
    let wrap = |e: serde_json::Value| json!({"extensions":{EXT_THREAT: e}});
    let base = || json!({"extension_type":"property-extension","harm_type":"intentional-killing","credible":true,"specific":true,"impending":true});
    assert!(parse_threat_attributes(&wrap(base())).unwrap().is_some());
    type Check = fn(&AttributeError) -> bool;
    let cases: Vec<(serde_json::Value, Check)> = vec![
        (json!("x"), |e| matches!(e, AttributeError::ExtensionNotAnObject)),
        (json!({"harm_type":"x","credible":true,"specific":true}), |e| matches!(e, AttributeError::Missing("impending"))),
        (json!({"extension_type":"toplevel-property-extension"}), |e| matches!(e, AttributeError::ExtensionType)),
        (json!({"harm_type":1}), |e| matches!(e, AttributeError::WrongType { .. })),
        (json!({"harm_type":"  ","credible":true,"specific":true,"impending":true}), |e| matches!(e, AttributeError::Value { .. })),
    ];
    for (ext, ok) in cases {
        let err = parse_threat_attributes(&wrap(ext.clone())).unwrap_err();
        assert!(ok(&err), "{ext}: {err}");
    }
    let with = |k: &str, v: serde_json::Value| {
        let mut b = base();
        b[k] = v;
        parse_threat_attributes(&wrap(b)).unwrap_err()
    };
    assert!(matches!(with("credible", json!("yes")), AttributeError::WrongType { .. }));
    assert!(matches!(with("window_start", json!("2025-01-10")), AttributeError::Timestamp { .. }));
    assert!(matches!(with("specificity", json!(["who"])), AttributeError::WrongType { .. }));
    assert!(matches!(with("victim", json!({"kind":"building","name":"x"})), AttributeError::Value { .. }));
    assert!(matches!(with("victim", json!({"kind":"place"})), AttributeError::Missing("victim.name")));
    assert!(matches!(with("victim", json!({"kind":"place","name":"x","country":"SY"})), AttributeError::Value { .. }));
    assert!(matches!(with("victim", json!({"kind":"place","name":"x","designations":[1]})), AttributeError::WrongType { .. }));
    assert!(matches!(with("own_citizens_at_risk", json!(1)), AttributeError::WrongType { .. }));
    let mut b = base();
    b["window_start"] = json!("2025-01-12T00:00:00Z");
    b["window_end"] = json!("2025-01-10T00:00:00Z");
    assert_eq!(parse_threat_attributes(&wrap(b)).unwrap_err(), AttributeError::WindowReversed);
    assert!(matches!(parse_threat_attributes(&json!([])), Err(AttributeError::NotAnObject)));
    assert!(matches!(parse_threat_attributes(&json!({"extensions":[]})), Err(AttributeError::ExtensionsNotAnObject)));
    // Error messages say what to do.
    assert_eq!(AttributeError::Missing("credible").to_string(), "threat attribute 'credible' is missing; add it");
}

#[test]
fn trigger_needs_listed_harm_credible_specific_impending() {
    let p = profile();
    let a = attrs("SYR", "shrine");
    let r = assess(&a, &p);
    assert!(r.duty, "{r:?}");
    assert_eq!(r.proposed_recipients, ["syria-gsd"]);
    assert_eq!(r.urgency, "high");

    let mut o = a.clone();
    o.harm_type = "property-damage".into();
    assert_eq!(assess(&o, &p).unmet, [Unmet::HarmNotListed { harm: "property-damage".into() }]);
    for (f, u) in [(0, Unmet::NotCredible), (1, Unmet::NotSpecific), (2, Unmet::NotImpending)] {
        let mut o = a.clone();
        match f {
            0 => o.credible = false,
            1 => o.specific = false,
            _ => o.impending = false,
        }
        let r = assess(&o, &p);
        assert!(!r.duty);
        assert_eq!(r.unmet, [u]);
    }
}

#[test]
fn serious_bodily_injury_needs_a_written_justification() {
    let p = profile();
    let mut a = attrs("SYR", "shrine");
    a.harm_type = "serious-bodily-injury".into();
    assert_eq!(assess(&a, &p).unmet, [Unmet::HarmJustificationMissing { harm: "serious-bodily-injury".into() }]);
    a.harm_justification = Some("   ".into());
    assert!(!assess(&a, &p).duty);
    a.harm_justification = Some("acid attack planned: substantial risk of permanent disfigurement".into());
    assert!(assess(&a, &p).duty);
}

#[test]
fn specific_with_fewer_than_two_facets_is_flagged_for_review() {
    let p = profile();
    let mut a = attrs("SYR", "shrine");
    a.specificity = Specifics { what: Some("attack".into()), who: Some("  ".into()), ..Default::default() };
    let r = assess(&a, &p);
    assert!(r.review.contains(&ReviewFlag::SpecificButThin { filled: vec!["what".into()], minimum: 2 }), "{r:?}");
    a.specificity.when = Some("next Friday".into());
    assert!(!assess(&a, &p).review.iter().any(|f| matches!(f, ReviewFlag::SpecificButThin { .. })));
    // Not marked specific: no review flag for thinness (it is simply not specific).
    a.specific = false;
    a.specificity = Specifics::default();
    assert!(!assess(&a, &p).review.iter().any(|f| matches!(f, ReviewFlag::SpecificButThin { .. })));
}

#[test]
fn victim_nationality_plays_no_part_and_review_flags() {
    let p = profile();
    let mut a = attrs("ATA", "research station");
    let r = assess(&a, &p);
    assert!(r.duty);
    assert!(r.review.contains(&ReviewFlag::NoResponsiblePartner));
    a.victim = None;
    a.urgency = Some("whenever".into());
    let r = assess(&a, &p);
    assert!(r.duty);
    assert!(r.review.contains(&ReviewFlag::NoVictim));
    assert!(r.review.contains(&ReviewFlag::UrgencyUnknown { given: Some("whenever".into()) }));
    assert_eq!(r.urgency, "critical", "unknown urgency fails towards the most urgent level");
    // Area entries come first, then the country's.
    let v = Victim { kind: VictimKind::Group, name: "pilgrims".into(), country: Some("IRQ".into()), area: Some("Kurdistan Region".into()), designations: vec![] };
    assert_eq!(recipients_for(&v, &p), ["krg-asayish", "iraq-inss"]);
}
