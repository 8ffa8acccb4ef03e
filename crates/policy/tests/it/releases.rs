//! Releases: signing, verification, tamper evidence, key rotation, corrections, recalls, lints.

use serde_json::{Value, json};
use tearline_policy::ids;
use tearline_policy::lints;
use tearline_policy::release::{Keyring, recall_notice, verify_manifest};
use tearline_policy::{Ed25519Signer, Override, ReleaseError, ReleaseOptions, VerifyError, compile_release, project, verify_objects, verify_release};
use tearline_stix::Timestamp;

use crate::common::*;

fn sources(description: &str) -> Vec<Value> {
    vec![
        json!({"type":"threat-actor","spec_version":"2.1","id":format!("threat-actor--{}", uuid(1)),"created":T0,"modified":T0,
            "name":"Cell","description":description,"object_marking_refs":[ids::TLP2_CLEAR]}),
        json!({"type":"location","spec_version":"2.1","id":format!("location--{}", uuid(2)),"created":T0,"modified":T0,
            "name":"Shrine","country":"SY","object_marking_refs":[ids::TLP2_CLEAR]}),
    ]
}

fn now() -> Timestamp {
    Timestamp::parse("2025-01-09T12:30:00.000Z").expect("ts")
}

const CLEAN: &str = "A cell plans a bomb attack on the shrine between 10 and 13 January.";

#[test]
fn a_release_verifies_from_bytes_and_from_a_taxii_collection() {
    let signer = Ed25519Signer::from_seed(&[1; 32]);
    let r = hostile("SYR");
    let p = project(&sources(CLEAN), &r, &policy());
    let rel = compile_release(p.clone(), &r, &policy(), &signer, now(), &ReleaseOptions::default()).expect("compiles");
    validate_all(rel.objects());
    let keys = Keyring::from(signer.verifying_key());
    let v = verify_release(rel.bundle_bytes(), &keys).expect("verifies");
    assert_eq!(v.kind, "release");
    assert_eq!(v.recipient, PARTNER);
    assert_eq!(v.manifest_id, rel.manifest_id());
    assert_eq!(v.content_hash, rel.content_hash());
    // A TAXII-only recipient: the manifest and the listed objects among other objects of its
    // collection, in any order.
    let mut collection: Vec<Value> = rel.objects().iter().rev().cloned().collect();
    collection.push(json!({"type":"note","spec_version":"2.1","id":"note--11111111-1111-4111-8111-111111111111","created":T0,"modified":T0,"content":"other","object_refs":["report--11111111-1111-4111-8111-111111111111"]}));
    assert!(verify_objects(&collection, &keys).is_ok());
    // The manifest is marked for the hostile recipient and lists every object.
    let m = rel.manifest();
    assert!(m["object_marking_refs"].as_array().expect("marked").contains(&json!(ids::NO_ENDORSEMENT)));
    assert_eq!(m["object_refs"].as_array().expect("refs").len(), rel.objects().len() - 1);
    // Deterministic: compiling again gives the same bytes.
    let again = compile_release(p.clone(), &r, &policy(), &signer, now(), &ReleaseOptions::default()).expect("compiles");
    assert_eq!(again.bundle_bytes(), rel.bundle_bytes());
}

#[test]
fn tampering_is_detected() {
    let signer = Ed25519Signer::from_seed(&[1; 32]);
    let r = recipient("GBR");
    let p = project(&sources(CLEAN), &r, &policy());
    let rel = compile_release(p.clone(), &r, &policy(), &signer, now(), &ReleaseOptions::default()).expect("compiles");
    let keys = Keyring::from(signer.verifying_key());
    // Content changed.
    let mut objs = rel.objects().to_vec();
    let i = objs.iter().position(|o| o["type"] == "threat-actor").expect("ta");
    objs[i]["description"] = json!("changed");
    assert_eq!(verify_objects(&objs, &keys), Err(VerifyError::ContentHash));
    // Object missing.
    let mut objs = rel.objects().to_vec();
    objs.remove(i);
    assert!(matches!(verify_objects(&objs, &keys), Err(VerifyError::Missing(_))));
    // Manifest changed (recipient).
    let mut objs = rel.objects().to_vec();
    objs[0]["extensions"][ids::EXT_RELEASE_MANIFEST]["recipient_ref"] = json!("identity--99999999-9999-4999-8999-999999999999");
    assert_eq!(verify_objects(&objs, &keys), Err(VerifyError::Signature));
    // Another key.
    let other = Keyring::from(Ed25519Signer::from_seed(&[2; 32]).verifying_key());
    assert!(matches!(verify_objects(rel.objects(), &other), Err(VerifyError::UnknownKey(_))));
}

#[test]
fn key_rotation_old_releases_verify_with_old_keys_and_corrections_supersede() {
    let old = Ed25519Signer::from_seed(&[1; 32]);
    let new = Ed25519Signer::from_seed(&[3; 32]);
    let r = recipient("GBR");
    let p = project(&sources(CLEAN), &r, &policy());
    let first = compile_release(p.clone(), &r, &policy(), &old, now(), &ReleaseOptions::default()).expect("compiles");
    let mut pol2 = policy();
    pol2.seed = [9; 32];
    let p2 = project(&sources("A cell plans a bomb attack on the shrine between 10 and 14 January."), &r, &pol2);
    let opts = ReleaseOptions { supersedes: Some(first.manifest_id().to_owned()), ..Default::default() };
    let second = compile_release(p2.clone(), &r, &pol2, &new, now(), &opts).expect("compiles");
    let mut ring = Keyring::new();
    ring.add(old.verifying_key());
    ring.add(new.verifying_key());
    assert_eq!(verify_release(first.bundle_bytes(), &ring).expect("old").key_id, old.key_id_string());
    let v2 = verify_release(second.bundle_bytes(), &ring).expect("new");
    assert_eq!(v2.kind, "correction");
    assert_eq!(v2.supersedes.as_deref(), Some(first.manifest_id()));
    assert_ne!(first.manifest_id(), second.manifest_id());
    // The new key alone does not verify the old release.
    assert!(verify_release(first.bundle_bytes(), &Keyring::from(new.verifying_key())).is_err());
    // A signed recall.
    let note = recall_notice(first.manifest_id(), "Superseded: the date range was wrong.", &r, &policy(), &new, now());
    validate_all(std::slice::from_ref(&note));
    let v = verify_manifest(&note, &[], &ring).expect("recall verifies");
    assert_eq!(v.kind, "recall");
    assert_eq!(v.recalls.as_deref(), Some(first.manifest_id()));
    let mut forged = note.clone();
    forged["content"] = json!("Ignore the warning.");
    assert_eq!(verify_manifest(&forged, &[], &ring), Err(VerifyError::Signature));
}

trait KeyIdString {
    fn key_id_string(&self) -> String;
}
impl KeyIdString for Ed25519Signer {
    fn key_id_string(&self) -> String {
        tearline_policy::Signer::key_id(self)
    }
}

#[test]
fn blocking_lints_refuse_the_release_until_overridden() {
    let signer = Ed25519Signer::from_seed(&[1; 32]);
    let r = recipient("GBR");
    let bad = "Intercepted calls show a cell plans a bomb attack on the shrine between 10 and 13 January.";
    let p = project(&sources(bad), &r, &policy());
    let err = compile_release(p.clone(), &r, &policy(), &signer, now(), &ReleaseOptions::default()).expect_err("blocked");
    let ReleaseError::Blocked(findings) = err else { panic!("blocked") };
    assert!(findings.iter().all(|f| f.blocking));
    let f = findings.iter().find(|f| f.code == lints::MODALITY).expect("modality");
    assert_eq!(f.path, "description");
    let (s, e) = f.span.expect("span");
    assert_eq!(&bad[s..e], "Intercepted");
    let ov = |justification: &str| Override { code: f.code.into(), object_id: f.object_id.clone(), path: f.path.clone(), justification: justification.into(), approver: "release-officer-2".into() };
    // An empty justification does not count.
    let opts = ReleaseOptions { overrides: findings.iter().map(|_| ov("")).collect(), ..Default::default() };
    assert!(compile_release(p.clone(), &r, &policy(), &signer, now(), &opts).is_err());
    let opts = ReleaseOptions { overrides: findings.iter().map(|g| Override { code: g.code.into(), object_id: g.object_id.clone(), path: g.path.clone(), justification: "The recipient already knows the call was intercepted; approved by duty officer.".into(), approver: "release-officer-2".into() }).collect(), ..Default::default() };
    let rel = compile_release(p.clone(), &r, &policy(), &signer, now(), &opts).expect("overridden");
    assert!(!rel.overrides().is_empty());
    let _ = ov;
}

#[test]
fn over_sanitised_releases_get_warnings_not_blocks() {
    let signer = Ed25519Signer::from_seed(&[1; 32]);
    let r = recipient("GBR");
    let srcs = vec![json!({"type":"threat-actor","spec_version":"2.1","id":format!("threat-actor--{}", uuid(1)),"created":T0,"modified":T0,
        "name":"Cell","description":"A cell plans an attack.","object_marking_refs":[ids::TLP2_CLEAR]})];
    let p = project(&srcs, &r, &policy());
    let rel = compile_release(p.clone(), &r, &policy(), &signer, now(), &ReleaseOptions::default()).expect("warnings do not block");
    let codes: Vec<&str> = rel.findings().iter().map(|f| f.code).collect();
    assert!(codes.contains(&lints::NO_LOCATION) && codes.contains(&lints::NO_WINDOW));
    assert!(rel.findings().iter().all(|f| !f.blocking));
}

#[test]
fn nothing_to_release_is_an_error_not_an_empty_bundle() {
    let signer = Ed25519Signer::from_seed(&[1; 32]);
    let r = recipient("GBR");
    let srcs = vec![json!({"type":"threat-actor","spec_version":"2.1","id":format!("threat-actor--{}", uuid(1)),"created":T0,"modified":T0,
        "name":"Cell","object_marking_refs":[ids::TLP2_RED]})];
    let p = project(&srcs, &r, &policy());
    assert!(matches!(compile_release(p.clone(), &r, &policy(), &signer, now(), &ReleaseOptions::default()), Err(ReleaseError::Empty)));
}

#[test]
fn bundle_bytes_are_the_rfc8785_form_of_the_bundle() {
    let signer = Ed25519Signer::from_seed(&[1; 32]);
    let r = recipient("GBR");
    let p = project(&sources(CLEAN), &r, &policy());
    let rel = compile_release(p.clone(), &r, &policy(), &signer, now(), &ReleaseOptions::default()).expect("compiles");
    let parsed: Value = serde_json::from_slice(rel.bundle_bytes()).expect("json");
    assert_eq!(tearline_stix::canonical::to_canonical_string(&parsed).as_bytes(), rel.bundle_bytes());
    assert_eq!(parsed["objects"].as_array().expect("objects"), rel.objects());
    assert!(tearline_stix::validate::validate_object(&parsed).is_valid());
}
