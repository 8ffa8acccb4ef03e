//! Property tests: timestamps, identifiers, canonical JSON, and validation never panicking.

use proptest::prelude::*;
use serde_json::{Map, Value};
use tearline_stix::canonical::to_canonical_string;
use tearline_stix::validate::validate_object;
use tearline_stix::{Identifier, Timestamp};

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

prop_compose! {
    fn timestamp_text()(y in 1000u32..=9999, m in 1u32..=12, d in 1u32..=31, h in 0u32..24, mi in 0u32..60, s in 0u32..60,
                        frac in proptest::option::of("[0-9]{1,9}")) -> String {
        let d = d.min(days_in_month(y, m));
        let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}{frac}Z")
    }
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("indicator"), Just("file"), Just("bundle"), Just("marking-definition"), Just("relationship"),
            Just("2.1"), Just("2016-05-12T08:17:27.000Z"), Just("identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
            Just("[file:name = 'x']"), Just("stix"),
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        let keys = prop_oneof![
            "[a-z_]{1,12}",
            prop_oneof![
                Just("type"), Just("id"), Just("spec_version"), Just("created"), Just("modified"), Just("objects"),
                Just("granular_markings"), Just("selectors"), Just("marking_ref"), Just("extensions"), Just("hashes"),
                Just("external_references"), Just("pattern"), Just("pattern_type"), Just("object_refs"),
            ]
            .prop_map(str::to_owned),
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((keys, inner), 0..8).prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

proptest! {
    #[test]
    fn timestamp_text_round_trips(s in timestamp_text()) {
        let t = Timestamp::parse(&s).unwrap();
        prop_assert_eq!(t.to_stix_string(), s.clone());
        prop_assert_eq!(Timestamp::parse(&t.to_stix_string()).unwrap(), t);
        prop_assert_eq!(Timestamp::parse(&t.sort_key()).unwrap(), t);
    }

    #[test]
    fn timestamp_order_is_time_order(a in timestamp_text(), b in timestamp_text()) {
        let (ta, tb) = (Timestamp::parse(&a).unwrap(), Timestamp::parse(&b).unwrap());
        prop_assert_eq!(ta.cmp(&tb), ta.sort_key().cmp(&tb.sort_key()));
        prop_assert_eq!(ta.cmp(&tb), (ta.unix_seconds(), ta.subsec_nanos()).cmp(&(tb.unix_seconds(), tb.subsec_nanos())));
    }

    #[test]
    fn micros_round_trip(us in -30_000_000_000_000_000i64..250_000_000_000_000_000) {
        let t = Timestamp::from_micros(us);
        prop_assert_eq!(t.as_micros(), us);
        prop_assert_eq!(Timestamp::parse(&t.to_micros_string()).unwrap(), t);
    }

    #[test]
    fn timestamp_parse_never_panics(s in "\\PC{0,40}") {
        let _ = Timestamp::parse(&s);
    }

    #[test]
    fn identifier_round_trips(ty in "[a-z][a-z0-9]{2,10}(-[a-z0-9]{1,8}){0,3}", u in any::<u128>()) {
        let uuid = uuid::Uuid::from_u128(u).to_string();
        let s = format!("{ty}--{uuid}");
        let id = Identifier::parse(&s).unwrap();
        prop_assert_eq!(id.as_str(), s.as_str());
        prop_assert_eq!(id.object_type(), ty.as_str());
        prop_assert_eq!(id.uuid_part(), uuid.as_str());
        prop_assert!(Identifier::parse(&s.to_uppercase()).is_err());
    }

    #[test]
    fn identifier_parse_never_panics(s in "\\PC{0,60}") {
        if let Ok(id) = Identifier::parse(&s) {
            prop_assert_eq!(format!("{}--{}", id.object_type(), id.uuid_part()), s);
        }
    }

    #[test]
    fn canonical_is_idempotent(v in json()) {
        let once = to_canonical_string(&v);
        let reparsed: Value = serde_json::from_str(&once).unwrap();
        prop_assert_eq!(to_canonical_string(&reparsed), once);
    }

    #[test]
    fn canonical_ignores_key_order(kv in prop::collection::vec(("\\PC{0,6}", json()), 0..8)) {
        let forward: Map<String, Value> = kv.iter().cloned().collect();
        let mut backward = Map::new();
        for (k, v) in kv.iter().rev() {
            if forward.get(k) == Some(v) && !backward.contains_key(k) {
                backward.insert(k.clone(), v.clone());
            }
        }
        // Same entries (first occurrence wins in `forward` only if duplicates agree).
        if backward.len() == forward.len() {
            prop_assert_eq!(to_canonical_string(&Value::Object(forward)), to_canonical_string(&Value::Object(backward)));
        }
    }

    #[test]
    fn validate_never_panics(v in json()) {
        let r = validate_object(&v);
        for f in r.errors.iter().chain(&r.warnings) {
            prop_assert!(!f.message.ends_with('.'), "{}", f.message);
        }
    }

    #[test]
    fn validate_never_panics_on_stix_shaped_objects(ty in prop_oneof![
            Just("indicator"), Just("file"), Just("bundle"), Just("marking-definition"), Just("relationship"),
            Just("sighting"), Just("observed-data"), Just("network-traffic"), Just("x-custom")],
        extra in prop::collection::vec(("[a-z_]{3,12}", json()), 0..6)) {
        let mut m = Map::new();
        m.insert("type".into(), Value::from(ty));
        m.insert("id".into(), Value::from(format!("{ty}--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")));
        m.insert("spec_version".into(), Value::from("2.1"));
        for (k, v) in extra {
            m.insert(k, v);
        }
        let _ = validate_object(&Value::Object(m));
    }
}
