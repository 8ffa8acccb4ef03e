//! The release API (`/api/v1/releases`): roles, the two-person rule, unresolved lints, and what
//! a partner member sees through the egress projection.

use axum::http::Method;
use serde_json::{Value, json};
use tearline_policy::ids;
use tearline_store::{Access, ObjectFilter};

use crate::harness::*;

const PLAIN: &str = "A cell plans a bomb attack on the shrine between 10 and 13 January.";
const INTERCEPT: &str = " An intercepted call between two members discussed the timing.";

fn sources() -> Vec<Value> {
    let desc = format!("{PLAIN}{INTERCEPT}");
    vec![
        json!({"type":"threat-actor","spec_version":"2.1","id":sid("threat-actor", 1),"created":CREATED,"modified":CREATED,
            "name":"Cell","description":desc,"object_marking_refs":[ids::TLP2_CLEAR],
            "extensions":{ids::EXT_SOURCE_PROTECTION:{"extension_type":"property-extension","spans":[{"selector":"description","start":PLAIN.len(),"end":desc.len(),"level":3}]}}}),
        json!({"type":"location","spec_version":"2.1","id":sid("location", 2),"created":CREATED,"modified":CREATED,
            "name":"Sayyida Zaynab shrine","country":"SY","object_marking_refs":[ids::TLP2_CLEAR]}),
        json!({"type":"note","spec_version":"2.1","id":sid("note", 3),"created":CREATED,"modified":CREATED,
            "content":"The source said \"we will strike on Friday after the prayers\" to the handler, reachable on +963 944 123 456.",
            "object_refs":[sid("threat-actor", 1)],"object_marking_refs":[ids::TLP2_CLEAR]}),
        // Producer-only: never released.
        json!({"type":"note","spec_version":"2.1","id":sid("note", 4),"created":CREATED,"modified":CREATED,
            "content":"Internal assessment.","object_refs":[sid("threat-actor", 1)],"object_marking_refs":[ids::TLP2_RED]}),
    ]
}

fn source_ids() -> Vec<String> {
    sources().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect()
}

/// A hostile, not-recognised partner with one member; returns (partner, member auth).
async fn setup(fx: &Fx) -> (Value, Auth) {
    fx.post(&fx.alpha, &sources()).await;
    let (s, partner) = api(fx, Method::POST, "/api/v1/partners", Auth::As("admin"), Some(json!({"name": "syria-gsd", "country": "SYR", "flags": ["hostile", "not-recognised"]}))).await;
    assert_eq!(s, 201, "{partner}");
    let (s, m) = api(fx, Method::POST, "/api/v1/partners/syria-gsd/members", Auth::As("admin"), Some(json!({"name": "gsd-liaison"}))).await;
    assert_eq!(s, 201, "{m}");
    (partner, Auth::Header(basic("gsd-liaison", m["secret"].as_str().unwrap())))
}

fn overrides(preview: &Value) -> Value {
    Value::Array(
        preview["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["blocking"] == json!(true))
            .map(|f| json!({"code": f["code"], "object_id": f["source_id"], "path": f["path"], "justification": "paraphrased; the wording is needed to act"}))
            .collect(),
    )
}

#[tokio::test]
async fn roles_two_people_and_unresolved_lints_are_enforced() {
    let fx = fixture().await;
    let (_, member) = setup(&fx).await;
    let body = json!({"partner": "syria-gsd", "sources": source_ids()});
    // Wrong roles: 403.
    assert_eq!(api(&fx, Method::POST, "/api/v1/releases/preview", Auth::As("auditor"), Some(body.clone())).await.0, 403);
    assert_eq!(api(&fx, Method::POST, "/api/v1/releases/preview", member.clone(), Some(body.clone())).await.0, 403);
    assert_eq!(api(&fx, Method::GET, "/api/v1/releases", member.clone(), None).await.0, 403, "partners never see release records");
    // Unknown partner, sources the caller cannot read: 404.
    assert_eq!(api(&fx, Method::POST, "/api/v1/releases/preview", Auth::As("alice"), Some(json!({"partner": "nobody", "sources": source_ids()}))).await.0, 404);
    assert_eq!(api(&fx, Method::POST, "/api/v1/releases/preview", Auth::As("admin"), Some(body.clone())).await.0, 404, "admin cannot read Alpha");

    let (s, preview) = api(&fx, Method::POST, "/api/v1/releases/preview", Auth::As("alice"), Some(body.clone())).await;
    assert_eq!(s, 200, "{preview}");
    assert!(preview["blocking"].as_u64().unwrap() > 0);
    let draft = preview["draft"].clone();
    let approve = |extra: Value| {
        let mut b = json!({"partner": "syria-gsd", "sources": source_ids(), "draft": draft});
        b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        b
    };
    assert_eq!(api(&fx, Method::POST, "/api/v1/releases", Auth::As("alice"), Some(approve(json!({"overrides": overrides(&preview)})))).await.0, 403, "analysts do not approve");
    let (s, e) = api(&fx, Method::POST, "/api/v1/releases", Auth::As("rob"), Some(approve(json!({})))).await;
    assert_eq!(s, 422, "unresolved blocking lints: {e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("unresolved"));
    let (s, _) = api(&fx, Method::POST, "/api/v1/releases", Auth::As("rob"), Some(json!({"partner": "syria-gsd", "sources": source_ids(), "overrides": overrides(&preview)}))).await;
    assert_eq!(s, 403, "without the author's draft the approver is the author: two-person rule");
    let mut weak = overrides(&preview);
    weak[0]["justification"] = json!("ok");
    assert_eq!(api(&fx, Method::POST, "/api/v1/releases", Auth::As("rob"), Some(approve(json!({"overrides": weak})))).await.0, 422, "an override needs a justification");

    let (s, r) = api(&fx, Method::POST, "/api/v1/releases", Auth::As("rob"), Some(approve(json!({"overrides": overrides(&preview)})))).await;
    assert_eq!(s, 201, "{r}");
    let id = r["manifest_id"].as_str().unwrap();
    assert_eq!((r["author"].as_str(), r["approver"].as_str(), r["state"].as_str()), (Some("alice"), Some("rob"), Some("active")));
    assert_eq!(api(&fx, Method::GET, &format!("/api/v1/releases/{id}"), Auth::As("auditor"), None).await.0, 200);
    assert_eq!(api(&fx, Method::GET, "/api/v1/releases/report--00000000-0000-4000-8000-000000000000", Auth::As("auditor"), None).await.0, 404);
    let recall = json!({"reason": "the timing was wrong; disregard"});
    assert_eq!(api(&fx, Method::POST, &format!("/api/v1/releases/{id}/recall"), Auth::As("alice"), Some(recall.clone())).await.0, 403);
    assert_eq!(api(&fx, Method::POST, "/api/v1/releases/report--00000000-0000-4000-8000-000000000000/recall", Auth::As("rob"), Some(recall.clone())).await.0, 404);
    assert_eq!(api(&fx, Method::POST, &format!("/api/v1/releases/{id}/recall"), Auth::As("rob"), Some(json!({"reason": "no"}))).await.0, 422);
    let (s, r) = api(&fx, Method::POST, &format!("/api/v1/releases/{id}/recall"), Auth::As("rob"), Some(recall.clone())).await;
    assert_eq!((s, r["state"].as_str()), (200, Some("recalled")));
    assert_eq!(api(&fx, Method::POST, &format!("/api/v1/releases/{id}/recall"), Auth::As("rob"), Some(recall)).await.0, 422, "already recalled");
}

/// The whole loop in-process: preview (intercept wording removed), approval by a second
/// person, the partner member reads exactly the release over TAXII and verifies it with the
/// published key, posts feedback that stays in its collection; nothing else leaves to it.
#[tokio::test]
async fn a_partner_member_sees_exactly_its_releases_and_its_own_feedback() {
    let fx = fixture().await;
    let (partner, member) = setup(&fx).await;
    let coll = partner["collection_id"].as_str().unwrap().to_owned();
    let (_, preview) = api(&fx, Method::POST, "/api/v1/releases/preview", Auth::As("alice"), Some(json!({"partner": "syria-gsd", "sources": source_ids()}))).await;
    let released = preview["released"].to_string();
    assert!(!released.contains("intercepted") && !released.contains("Internal assessment"), "{released}");
    let removed: Vec<&Value> = preview["removals"].as_array().unwrap().iter().collect();
    assert!(removed.iter().any(|r| r["removed_text"].as_str().is_some_and(|t| t.contains("intercepted"))), "the diff shows the cut: {removed:?}");
    assert!(removed.iter().any(|r| r["source_id"] == json!(sid("note", 4)) && r["path"].is_null()), "the TLP:RED note is withheld");
    let codes: Vec<&str> = preview["findings"].as_array().unwrap().iter().filter_map(|f| f["code"].as_str()).collect();
    assert!(codes.contains(&"TL-QUOTE") && codes.contains(&"TL-PHONE"), "{codes:?}");
    let (s, r) = api(&fx, Method::POST, "/api/v1/releases", Auth::As("rob"), Some(json!({"partner": "syria-gsd", "sources": source_ids(), "draft": preview["draft"], "overrides": overrides(&preview)}))).await;
    assert_eq!(s, 201, "{r}");
    let manifest_id = r["manifest_id"].as_str().unwrap().to_owned();
    let mut release_ids: Vec<String> = r["object_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    release_ids.sort();

    // A producer object misfiled into the delivery collection, and a producer collection the
    // member was granted by mistake: neither leaves to the partner.
    let misfiled = json!({"type":"note","spec_version":"2.1","id":sid("note", 9),"created":CREATED,"modified":CREATED,"content":"producer only","object_refs":[manifest_id]});
    fx.store.add_objects(&coll, vec![tearline_service::ingest::submission(0, &misfiled)], None).await.unwrap();
    fx.store.set_grant(&fx.alpha, "gsd-liaison", Access { can_read: true, can_write: false }).await.unwrap();

    let get = |path: String| {
        let mut req = Req::get(&path);
        req.auth = member.clone();
        fx.send(req)
    };
    let resp = get(objects_url("partners", &coll)).await;
    assert_eq!(resp.status.as_u16(), 200);
    let objects = resp.json()["objects"].as_array().unwrap().clone();
    let mut got: Vec<String> = objects.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect();
    got.sort();
    assert_eq!(got, release_ids, "the partner gets exactly the released objects");
    assert_eq!(get(object_url("partners", &coll, &sid("note", 9))).await.status.as_u16(), 404, "withheld answers like missing");
    assert_eq!(get(format!("{}versions/", object_url("partners", &coll, &sid("note", 9)))).await.status.as_u16(), 404);
    let manifest = get(format!("{}manifest/", coll_url("partners", &coll))).await.json();
    assert_eq!(manifest["objects"].as_array().unwrap().len(), release_ids.len());
    let holdings = get(objects_url("default", &fx.alpha)).await.json();
    assert_eq!(holdings["objects"].as_array().map(Vec::len), Some(0), "producer holdings never reach a partner member: {holdings}");

    // The signature verifies with the public key the producer identity publishes.
    let identity = objects.iter().find(|o| o["type"] == "identity" && o.get("x_tearline_signing_keys").is_some()).expect("producer identity");
    let mut ring = tearline_policy::Keyring::new();
    for k in identity["x_tearline_signing_keys"].as_array().unwrap() {
        ring.add(tearline_service::keys::parse_public_key(k["public_key"].as_str().unwrap()).unwrap());
    }
    let v = tearline_policy::verify_objects(&objects, &ring).expect("the release verifies from the collection alone");
    assert_eq!(v.manifest_id, manifest_id);
    assert!(objects.iter().any(|o| o["id"] == json!(ids::NO_ENDORSEMENT)), "the no-endorsement statement goes to a hostile partner");

    // Feedback: a note referencing the manifest, authored by the partner.
    let feedback = json!({"type":"note","spec_version":"2.1","id":sid("note", 20),"created":"2025-01-11T00:00:00.000Z","modified":"2025-01-11T00:00:00.000Z",
        "created_by_ref": partner["identity_id"], "abstract":"Outcome: foiled","content":"Plot foiled on 11 January.","object_refs":[manifest_id]});
    let mut post = Req::post(&objects_url("partners", &coll), &envelope(std::slice::from_ref(&feedback)));
    post.auth = member.clone();
    let status = fx.send(post).await;
    assert_eq!(status.status.as_u16(), 202, "{}", status.text());
    assert_eq!(status.json()["success_count"], json!(1));
    let after = get(objects_url("partners", &coll)).await.json();
    assert!(after["objects"].as_array().unwrap().iter().any(|o| o["id"] == json!(sid("note", 20))), "the partner sees its own feedback");
    for producer in [&fx.alpha, &fx.bravo, &fx.private, &fx.charlie] {
        let page = fx.store.objects(producer, &ObjectFilter { ids: vec![sid("note", 20)], ..Default::default() }, false).await.unwrap();
        assert!(page.items.is_empty(), "feedback never lands in a producer collection");
    }
    // Producer accounts see their holdings unfiltered (the fast path).
    let alice = check(&fx, Req::get(&objects_url("default", &fx.alpha)).by("alice"), 200).await.json();
    assert_eq!(alice["objects"].as_array().unwrap().len(), sources().len());
}
