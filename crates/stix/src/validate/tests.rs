//! Per-type rules: a valid example of every type passes, and breaking one required property or
//! rule fails naming that property.

use serde_json::{Value, json};

use super::{Category, category_of, deterministic_sco_id, validate_object};
use crate::Severity;

const ID: &str = "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
const T: &str = "2016-05-12T08:17:27.000Z";

fn sdo(ty: &str, props: Value) -> Value {
    let mut o = json!({"type": ty, "spec_version": "2.1", "id": format!("{ty}--{ID}"), "created": T, "modified": T});
    o.as_object_mut().unwrap().extend(props.as_object().unwrap().clone());
    o
}

fn sco(ty: &str, props: Value) -> Value {
    let mut o = json!({"type": ty, "spec_version": "2.1"});
    o.as_object_mut().unwrap().extend(props.as_object().unwrap().clone());
    let id = deterministic_sco_id(&o).map(|i| i.to_string()).unwrap_or_else(|| format!("{ty}--{ID}"));
    o.as_object_mut().unwrap().insert("id".into(), id.into());
    o
}

fn r(ty: &str) -> String {
    format!("{ty}--{ID}")
}

fn valid_examples() -> Vec<Value> {
    vec![
        sdo("attack-pattern", json!({"name": "Spear Phishing", "kill_chain_phases": [{"kill_chain_name": "lockheed-martin-cyber-kill-chain", "phase_name": "delivery"}],
            "external_references": [{"source_name": "capec", "external_id": "CAPEC-163"}]})),
        sdo("campaign", json!({"name": "Green Group Attacks", "first_seen": T, "last_seen": T})),
        sdo("course-of-action", json!({"name": "Add TCP port 80 filter rule"})),
        sdo("grouping", json!({"context": "suspicious-activity", "object_refs": [r("indicator")]})),
        sdo("identity", json!({"name": "ACME", "identity_class": "organization", "sectors": ["technology"]})),
        sdo("incident", json!({"name": "Incident 43"})),
        sdo("indicator", json!({"pattern": "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
            "pattern_type": "stix", "valid_from": T, "indicator_types": ["malicious-activity"]})),
        sdo("infrastructure", json!({"name": "Poison Ivy C2", "infrastructure_types": ["command-and-control"]})),
        sdo("intrusion-set", json!({"name": "Bobcat Breakin", "goals": ["acquisition-theft"]})),
        sdo("location", json!({"latitude": 48.8566, "longitude": 2.3522, "precision": 1000.0})),
        sdo("location", json!({"region": "northern-america", "country": "US"})),
        sdo("malware", json!({"name": "Cryptolocker", "is_family": true, "malware_types": ["ransomware"], "sample_refs": [r("file")]})),
        sdo("malware-analysis", json!({"product": "microsoft", "result": "malicious", "host_vm_ref": r("software")})),
        sdo("note", json!({"content": "analysis note", "object_refs": [r("campaign")]})),
        sdo("observed-data", json!({"first_observed": T, "last_observed": T, "number_observed": 50, "object_refs": [r("ipv4-addr"), r("relationship")]})),
        sdo("opinion", json!({"opinion": "strongly-disagree", "object_refs": [r("relationship")]})),
        sdo("report", json!({"name": "The Black Vine", "published": T, "object_refs": [r("indicator")], "report_types": ["campaign"]})),
        sdo("threat-actor", json!({"name": "Evil Org", "threat_actor_types": ["crime-syndicate"], "sophistication": "advanced"})),
        sdo("tool", json!({"name": "VNC", "tool_types": ["remote-access"]})),
        sdo("vulnerability", json!({"name": "CVE-2016-1234", "external_references": [{"source_name": "cve", "external_id": "CVE-2016-1234"}]})),
        sdo("relationship", json!({"relationship_type": "indicates", "source_ref": r("indicator"), "target_ref": r("malware")})),
        sdo("relationship", json!({"relationship_type": "resolves-to", "source_ref": r("domain-name"), "target_ref": r("ipv4-addr")})),
        sdo("sighting", json!({"sighting_of_ref": r("indicator"), "count": 2, "where_sighted_refs": [r("identity"), r("location")],
            "observed_data_refs": [r("observed-data")]})),
        sco("artifact", json!({"mime_type": "application/zip", "payload_bin": "aGVsbG8=", "encryption_algorithm": "mime-type-indicated", "decryption_key": "x"})),
        sco("artifact", json!({"url": "https://example.com/a.zip", "hashes": {"SHA-256": "6db12788c37247f2316052e142f42f4b259d6561751e5f401a1ae2a6df9c674b"}})),
        sco("autonomous-system", json!({"number": 15139, "name": "Slime Industries", "rir": "ARIN"})),
        sco("directory", json!({"path": "C:\\Windows\\System32", "path_enc": "UTF-8", "contains_refs": [r("file")]})),
        sco("domain-name", json!({"value": "example.com", "resolves_to_refs": [r("ipv4-addr")]})),
        sco("email-addr", json!({"value": "john@example.com", "display_name": "John Doe"})),
        sco("email-message", json!({"is_multipart": true, "from_ref": r("email-addr"), "to_refs": [r("email-addr")],
            "body_multipart": [{"content_type": "text/plain", "body": "hi"}, {"body_raw_ref": r("artifact")}]})),
        sco("file", json!({"name": "foo.dll", "hashes": {"MD5": "b365b9a80a06906fc9b400c06c33ff43"}, "size": 25536,
            "extensions": {"ntfs-ext": {"alternate_data_streams": [{"name": "second.stream", "size": 25536}]},
                           "windows-pebinary-ext": {"pe_type": "dll", "time_date_stamp": "2016-01-22T12:31:12Z"}}})),
        sco("ipv4-addr", json!({"value": "198.51.100.3"})),
        sco("ipv6-addr", json!({"value": "2001:0db8:85a3:0000:0000:8a2e:0370:7334"})),
        sco("mac-addr", json!({"value": "d2:fb:49:24:37:18"})),
        sco("mutex", json!({"name": "__CLEANSWEEP__"})),
        sco("network-traffic", json!({"src_ref": r("ipv4-addr"), "dst_port": 443, "protocols": ["ipv4", "tcp"],
            "extensions": {"tcp-ext": {"src_flags_hex": "00000002"}, "socket-ext": {"address_family": "AF_INET", "socket_type": "SOCK_STREAM"}}})),
        sco("process", json!({"pid": 1221, "command_line": "./gedit-bin --new-window", "extensions": {"windows-process-ext": {"integrity_level": "high"}}})),
        sco("software", json!({"name": "Word", "cpe": "cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*", "languages": ["en", "pt-BR"], "vendor": "Microsoft"})),
        sco("url", json!({"value": "https://example.com/research/index.html"})),
        sco("user-account", json!({"user_id": "1001", "account_login": "jdoe", "account_type": "unix",
            "extensions": {"unix-account-ext": {"gid": 1001, "groups": ["wheel"]}}})),
        sco("windows-registry-key", json!({"key": "HKEY_LOCAL_MACHINE\\System\\Foo", "values": [{"name": "Foo", "data": "qwerty", "data_type": "REG_SZ"}]})),
        sco("x509-certificate", json!({"issuer": "C=ZA, O=Thawte", "serial_number": "02:08:87:83", "validity_not_before": T, "validity_not_after": T})),
        json!({"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
            "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:GREEN", "definition": {"tlp": "green"}}),
        json!({"type": "marking-definition", "spec_version": "2.1", "id": format!("marking-definition--{ID}"), "created": T,
            "definition_type": "statement", "definition": {"statement": "Copyright 2019, Example Corp"}}),
        json!({"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            "created": "2022-10-01T00:00:00.000Z", "name": "TLP:AMBER+STRICT",
            "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {"extension_type": "property-extension", "tlp_2_0": "amber+strict"}}}),
        sdo("language-content", json!({"object_ref": r("campaign"), "object_modified": T, "contents": {"de": {"name": "Bank Angriff"}}})),
        sdo("extension-definition", json!({"created_by_ref": r("identity"), "name": "Extension Foo", "schema": "https://example.com/s.json",
            "version": "1.2.1", "extension_types": ["toplevel-property-extension"], "extension_properties": ["toxicity"]})),
        json!({"type": "bundle", "id": format!("bundle--{ID}"), "objects": [sdo("identity", json!({"name": "A"}))]}),
        sdo("x-acme-widget", json!({"x_acme_size": 3})),
        sdo("indicator", json!({"pattern": "x", "pattern_type": "yara", "valid_from": T,
            "granular_markings": [{"marking_ref": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "selectors": ["pattern", "id"]},
                                  {"lang": "en", "selectors": ["pattern_type"]}],
            "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"],
            "extensions": {"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": {"extension_type": "property-extension", "rank": 5}}})),
    ]
}

#[test]
fn a_valid_example_of_every_type_passes_without_warnings() {
    let examples = valid_examples();
    let mut covered: Vec<String> = examples.iter().map(|e| e["type"].as_str().unwrap().to_owned()).collect();
    covered.sort();
    covered.dedup();
    for ty in [
        "attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident", "indicator", "infrastructure",
        "intrusion-set", "location", "malware", "malware-analysis", "note", "observed-data", "opinion", "report",
        "threat-actor", "tool", "vulnerability", "relationship", "sighting", "artifact", "autonomous-system", "directory",
        "domain-name", "email-addr", "email-message", "file", "ipv4-addr", "ipv6-addr", "mac-addr", "mutex",
        "network-traffic", "process", "software", "url", "user-account", "windows-registry-key", "x509-certificate",
        "marking-definition", "language-content", "extension-definition", "bundle",
    ] {
        assert!(covered.iter().any(|c| c == ty), "no example of {ty}");
        assert!(category_of(ty).is_some(), "{ty} has no table");
    }
    for e in examples {
        let v = validate_object(&e);
        assert!(v.errors.is_empty(), "{}: {:#?}", e["type"], v.errors);
        let unexpected: Vec<_> = v.warnings.iter().filter(|w| w.rule != "custom-property").collect();
        assert!(unexpected.is_empty(), "{}: {:#?}", e["type"], unexpected);
    }
}

/// The rule codes of the errors, and whether one of them names `property`.
fn fails(obj: &Value, property: &str, rule: &str) {
    let v = validate_object(obj);
    let want = Some(property).filter(|p| !p.is_empty());
    assert!(
        v.errors.iter().any(|f| f.property.as_deref() == want && f.rule == rule),
        "expected {rule} on '{property}' for {obj}, got {:#?}",
        v.errors
    );
    for f in &v.errors {
        assert!(!f.message.ends_with('.') && f.message.chars().next().is_some_and(|c| !c.is_uppercase()), "{}", f.message);
    }
}

fn without(mut o: Value, prop: &str) -> Value {
    o.as_object_mut().unwrap().remove(prop);
    o
}

fn with(mut o: Value, prop: &str, v: Value) -> Value {
    o.as_object_mut().unwrap().insert(prop.into(), v);
    o
}

#[test]
fn missing_required_properties_are_named() {
    let ex = valid_examples();
    let find = |ty: &str| ex.iter().find(|e| e["type"] == ty).unwrap().clone();
    for (ty, prop) in [
        ("attack-pattern", "name"), ("campaign", "name"), ("course-of-action", "name"), ("grouping", "context"),
        ("grouping", "object_refs"), ("identity", "name"), ("incident", "name"), ("indicator", "pattern"),
        ("indicator", "pattern_type"), ("indicator", "valid_from"), ("infrastructure", "name"), ("intrusion-set", "name"),
        ("malware", "is_family"), ("malware-analysis", "product"), ("note", "content"), ("note", "object_refs"),
        ("observed-data", "first_observed"), ("observed-data", "number_observed"), ("opinion", "opinion"),
        ("report", "published"), ("report", "object_refs"), ("threat-actor", "name"), ("tool", "name"),
        ("vulnerability", "name"), ("relationship", "relationship_type"), ("relationship", "source_ref"),
        ("relationship", "target_ref"), ("sighting", "sighting_of_ref"), ("autonomous-system", "number"),
        ("directory", "path"), ("domain-name", "value"), ("email-addr", "value"), ("email-message", "is_multipart"),
        ("ipv4-addr", "value"), ("mac-addr", "value"), ("mutex", "name"), ("network-traffic", "protocols"),
        ("software", "name"), ("url", "value"), ("language-content", "contents"), ("extension-definition", "schema"),
        ("identity", "spec_version"), ("identity", "created"), ("identity", "modified"), ("identity", "id"),
        ("marking-definition", "created"),
    ] {
        fails(&without(find(ty), prop), prop, "required-property");
    }
}

#[test]
fn rules_spanning_properties() {
    let ex = valid_examples();
    let find = |ty: &str| ex.iter().find(|e| e["type"] == ty).unwrap().clone();
    let later = "2017-01-01T00:00:00.000Z";
    let earlier = "2015-01-01T00:00:00.000Z";
    fails(&with(find("identity"), "modified", earlier.into()), "modified", "timestamp-order");
    fails(&with(with(find("indicator"), "valid_from", later.into()), "valid_until", later.into()), "valid_until", "timestamp-order");
    fails(&with(find("campaign"), "last_seen", earlier.into()), "last_seen", "timestamp-order");
    fails(&with(find("sighting"), "count", 1_000_000_000.into()), "count", "out-of-range");
    fails(&with(find("sighting"), "sighting_of_ref", r("relationship").into()), "sighting_of_ref", "reference-type");
    fails(&with(find("sighting"), "where_sighted_refs", json!([r("tool")])), "where_sighted_refs.[0]", "reference-type");
    fails(&with(find("sighting"), "observed_data_refs", json!([r("indicator")])), "observed_data_refs.[0]", "reference-type");
    fails(&with(find("relationship"), "target_ref", r("marking-definition").into()), "target_ref", "reference-type");
    fails(&with(find("relationship"), "relationship_type", "Indicates".into()), "relationship_type", "relationship-type-format");
    fails(&with(find("opinion"), "opinion", "maybe".into()), "opinion", "enumeration");
    fails(&with(find("location"), "latitude", 91.0.into()), "latitude", "out-of-range");
    fails(&without(find("location"), "longitude"), "longitude", "required-property");
    fails(&with(find("malware"), "is_family", "true".into()), "is_family", "property-type");
    fails(&without(find("malware"), "name"), "name", "required-property");
    fails(&with(find("observed-data"), "number_observed", 0.into()), "number_observed", "out-of-range");
    fails(&with(find("observed-data"), "objects", json!({"0": {"type": "file", "name": "x"}})), "objects", "mutually-exclusive");
    fails(&with(find("observed-data"), "object_refs", json!([r("indicator")])), "object_refs.[0]", "reference-type");
    // created_by_ref is described as an identity's id, with no MUST: another type is a warning.
    let v = validate_object(&with(find("identity"), "created_by_ref", r("tool").into()));
    assert!(v.errors.is_empty(), "{:#?}", v.errors);
    assert!(v.warnings.iter().any(|f| f.property.as_deref() == Some("created_by_ref") && f.rule == "reference-type"), "{:#?}", v.warnings);
    fails(&with(find("identity"), "object_marking_refs", json!([r("indicator")])), "object_marking_refs.[0]", "reference-type");
    fails(&with(find("identity"), "confidence", 101.into()), "confidence", "out-of-range");
    fails(&with(find("identity"), "labels", json!([])), "labels", "empty-list");
    fails(&with(find("identity"), "lang", "español".into()), "lang", "value-format");
    fails(&with(find("identity"), "spec_version", "2.0".into()), "spec_version", "spec-version");
    fails(&with(find("identity"), "created", "2016-05-12T08:17:27Z".into()), "created", "timestamp-precision");
    fails(&with(find("identity"), "severity", "high".into()), "severity", "reserved-property");
    fails(&with(find("identity"), "my-prop", 1.into()), "my-prop", "property-name");
    // Section 3.1: property names MUST begin with a letter (a MUST, not a SHOULD).
    fails(&with(find("identity"), "9lives", 1.into()), "9lives", "property-name");
    fails(&with(find("identity"), "_private", 1.into()), "_private", "property-name");
    fails(&with(find("identity"), "id", r("tool").into()), "id", "id-type-mismatch");
    fails(&with(find("identity"), "id", "identity--8e2e2d2b-17d4-4cbf-138f-98ee46b3cd3f".into()), "id", "id-format");
    fails(&with(find("identity"), "external_references", json!([{"source_name": "x"}])), "external_references.[0]", "external-reference");
    fails(&with(find("identity"), "external_references", json!([{"source_name": "cve", "external_id": "cve-2016-1"}])), "external_references.[0]", "external-reference-cve");
    fails(&with(find("identity"), "external_references", json!([{"url": "https://x.example"}])), "external_references.[0].source_name", "required-property");
    fails(&with(find("indicator"), "pattern", "[file:name = ".into()), "pattern", "pattern-syntax");
    fails(&with(find("artifact"), "url", "https://example.com".into()), "url", "mutually-exclusive");
    fails(&with(find("artifact"), "payload_bin", "not base64!".into()), "payload_bin", "binary-format");
    fails(&with(find("artifact"), "encryption_algorithm", "rot13".into()), "encryption_algorithm", "enumeration");
    fails(&with(find("email-message"), "is_multipart", false.into()), "body_multipart", "dependent-property");
    fails(&with(find("email-addr"), "value", "John <j@example.com>".into()), "value", "value-format");
    fails(&with(find("ipv4-addr"), "value", "10.0.0.1/33".into()), "value", "value-format");
    fails(&with(find("ipv6-addr"), "value", "fe80::1/129".into()), "value", "value-format");
    fails(&with(find("mac-addr"), "value", "D2:FB:49:24:37:18".into()), "value", "value-format");
    fails(&with(find("url"), "value", "www.example.com".into()), "value", "url-format");
    fails(&with(find("network-traffic"), "dst_port", 70000.into()), "dst_port", "out-of-range");
    fails(&with(with(find("network-traffic"), "is_active", true.into()), "end", T.into()), "end", "dependent-property");
    fails(&without(find("network-traffic"), "src_ref"), "", "required-property");
    fails(&with(find("software"), "cpe", "invalid".into()), "cpe", "value-format");
    fails(&with(find("windows-registry-key"), "key", "HKLM\\System".into()), "key", "registry-hive");
    fails(&with(find("file"), "hashes", json!({"MD5": "abc"})), "hashes.MD5", "hash-format");
    fails(&with(find("file"), "hashes", json!({"MD": "abc"})), "hashes.MD", "hash-algorithm");
    fails(&with(find("file"), "extensions", json!({"x-foobar": {"a": 1}})), "extensions.x-foobar", "extension-name");
    fails(&with(find("file"), "extensions", json!({"windows-pebinary-ext": {}})), "extensions.windows-pebinary-ext.pe_type", "required-property");
    fails(&with(find("process"), "id", "process--ff1e0780-358c-5808-a8c7-d0fca4ef6ef4".into()), "id", "sco-id-uuid4");
    fails(&sco("process", json!({})), "", "required-property");
    fails(&with(find("language-content"), "contents", json!({"español": {"name": "x"}})), "contents.español", "language-tag");
    fails(&with(find("language-content"), "contents", json!({"es": {"a": "x"}})), "contents.es.a", "property-name");
    fails(&with(find("extension-definition"), "extension_types", json!(["new-sdo"])), "extension_properties", "dependent-property");
    fails(&with(find("extension-definition"), "extension_types", json!(["something"])), "extension_types.[0]", "enumeration");
    fails(&json!({"type": "action", "id": format!("action--{ID}"), "spec_version": "2.1", "created": T, "modified": T}), "type", "reserved-type");
    fails(&json!({"type": "corpor@tion", "id": format!("corpor@tion--{ID}")}), "type", "type-format");
}

#[test]
fn markings() {
    let tlp = |id: &str, colour: &str, created: &str| {
        json!({"type": "marking-definition", "spec_version": "2.1", "id": id, "created": created, "definition_type": "tlp", "definition": {"tlp": colour}})
    };
    let green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da";
    assert!(validate_object(&tlp(green, "green", "2017-01-20T00:00:00.000Z")).is_valid());
    fails(&tlp(green, "red", "2017-01-20T00:00:00.000Z"), "definition", "tlp-definition");
    fails(&tlp(green, "green", T), "definition", "tlp-definition");
    let amber_strict_wrong = json!({"type": "marking-definition", "spec_version": "2.1", "id": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        "created": "2022-10-01T00:00:00.000Z",
        "extensions": {"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {"extension_type": "property-extension", "tlp_2_0": "amber+strict"}}});
    fails(&amber_strict_wrong, "id", "tlp2-definition");
    let bare = json!({"type": "marking-definition", "spec_version": "2.1", "id": format!("marking-definition--{ID}"), "created": T});
    fails(&bare, "", "marking-definition");
    let circular = with(tlp(green, "green", "2017-01-20T00:00:00.000Z"), "object_marking_refs", json!([green]));
    fails(&circular, "object_marking_refs", "circular-marking");

    let base = sdo("identity", json!({"name": "A", "labels": ["x", "y"], "external_references": [{"source_name": "s", "url": "https://e.example"}]}));
    let gm = |g: Value| with(base.clone(), "granular_markings", g);
    let ok = gm(json!([{"marking_ref": green, "selectors": ["labels.[1]", "external_references.[0].url", "name", "id"]}]));
    assert!(validate_object(&ok).is_valid(), "{:#?}", validate_object(&ok).errors);
    fails(&gm(json!([{"marking_ref": green, "selectors": ["labels.[2]"]}])), "granular_markings.[0].selectors.[0]", "selector-unresolved");
    fails(&gm(json!([{"marking_ref": green, "selectors": ["description"]}])), "granular_markings.[0].selectors.[0]", "selector-unresolved");
    fails(&gm(json!([{"marking_ref": green, "selectors": ["[0]"]}])), "granular_markings.[0].selectors.[0]", "selector-format");
    fails(&gm(json!([{"marking_ref": green, "selectors": []}])), "granular_markings.[0].selectors", "empty-list");
    fails(&gm(json!([{"marking_ref": green, "lang": "en", "selectors": ["name"]}])), "granular_markings.[0]", "granular-marking");
    fails(&gm(json!([{"selectors": ["name"]}])), "granular_markings.[0]", "granular-marking");
    fails(&gm(json!([{"marking_ref": r("indicator"), "selectors": ["name"]}])), "granular_markings.[0].marking_ref", "reference-type");
}

#[test]
fn should_level_findings_are_warnings() {
    let warns = |o: &Value, rule: &str| {
        let v = validate_object(o);
        assert!(v.is_valid(), "{o}: {:#?}", v.errors);
        assert!(v.warnings.iter().any(|w| w.rule == rule && w.severity == Severity::Warning), "{o}: expected warning {rule}, got {:#?}", v.warnings);
    };
    warns(&sdo("tool", json!({"name": "x", "tool_types": ["hammer"]})), "open-vocabulary");
    warns(&sdo("tool", json!({"name": "x", "x_acme_score": 1})), "custom-property");
    warns(&json!({"type": "tool", "spec_version": "2.1", "id": "tool--fdd60b30-b67c-11e3-b0b9-f01faf20d111", "created": T, "modified": T, "name": "x"}), "id-uuid-version");
    warns(&json!({"type": "ipv4-addr", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.4"}), "sco-id-deterministic");
    warns(&sco("file", json!({"name": "a", "hashes": {"x-custom-hash": "abc"}})), "hash-algorithm");
    warns(&sco("file", json!({"name": "a", "extensions": {"x-acme-ext": {"size": 1}}})), "custom-extension");
    warns(&sdo("location", json!({"country": "France"})), "country-code");
}

#[test]
fn deterministic_ids_match_the_spec_examples() {
    // Computed independently with Python's uuid.uuid5 over the canonical JSON. (The ids printed in
    // the spec's examples, e.g. ipv4-addr--ff26c055-..., are not the UUIDv5 of their properties.)
    let ip = json!({"type": "ipv4-addr", "value": "198.51.100.3"});
    assert_eq!(deterministic_sco_id(&ip).unwrap().as_str(), "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4");
    let ip6 = json!({"type": "ipv6-addr", "value": "2001:0db8:85a3:0000:0000:8a2e:0370:7334"});
    assert_eq!(deterministic_sco_id(&ip6).unwrap().as_str(), "ipv6-addr--85a85a8c-ee99-5722-946d-3c3a3270fc6f");
    assert_eq!(deterministic_sco_id(&json!({"type": "process", "pid": 1})), None);
    assert_eq!(category_of("file"), Some(Category::Sco));
}

#[test]
fn bundle_objects_are_validated_under_their_index() {
    let b = json!({"type": "bundle", "id": format!("bundle--{ID}"), "objects": [sdo("identity", json!({"name": "A"})), sdo("identity", json!({}))]});
    fails(&b, "objects.[1].name", "required-property");
    fails(&json!({"type": "bundle", "objects": []}), "id", "required-property");
    fails(&json!({"type": "bundle", "id": format!("bundle--{ID}"), "objects": [1]}), "objects.[0]", "not-an-object");
}
