//! The ledger through the management API: `GET /api/v1/ledger` (filters, paging, roles) and
//! `GET /api/v1/ledger/checkpoint` (the latest signed checkpoint).

use crate::harness::*;

/// The status of a management API error answer, which must be a JSON error object.
async fn refused(fx: &Fx, req: Req) -> u16 {
    let resp = fx.send(req).await;
    assert!(resp.egressed);
    assert!(resp.json()["error"]["code"].is_string(), "{}", resp.text());
    resp.status.as_u16()
}

#[tokio::test]
async fn the_ledger_is_for_admin_auditor_and_release_officer() {
    let fx = fixture().await;
    fx.post(&fx.alpha, &[indicator(1, 1)]).await;
    for reader in ["admin", "auditor", "rob"] {
        let v = check(&fx, Req::get("/api/v1/ledger").by(reader), 200).await.json();
        let entries = v["entries"].as_array().unwrap();
        assert!(entries.iter().any(|e| e["kind"] == "ingest" && e["actor"] == "alice" && e["subject"] == fx.alpha.as_str()), "{v}");
    }
    for analyst in ["alice", "bob", "eve"] {
        assert_eq!(refused(&fx, Req::get("/api/v1/ledger").by(analyst)).await, 403);
        assert_eq!(refused(&fx, Req::get("/api/v1/ledger/checkpoint").by(analyst)).await, 403);
    }
    assert_eq!(refused(&fx, Req::get("/api/v1/ledger")).await, 401);
}

#[tokio::test]
async fn filters_paging_and_the_latest_checkpoint() {
    let fx = fixture().await;
    assert_eq!(refused(&fx, Req::get("/api/v1/ledger/checkpoint").by("auditor")).await, 404);
    for i in 1..=3 {
        fx.post(&fx.alpha, &[indicator(i, 1)]).await;
    }
    let ingests = check(&fx, Req::get(&format!("/api/v1/ledger?kind=ingest&subject={}", fx.alpha)).by("auditor"), 200).await.json();
    assert_eq!(ingests["entries"].as_array().unwrap().len(), 3, "{ingests}");
    assert!(ingests["next_after"].is_null());
    let none = check(&fx, Req::get("/api/v1/ledger?kind=release.approve").by("auditor"), 200).await.json();
    assert_eq!(none["entries"], serde_json::json!([]));
    // Paging: two at a time, in sequence order, without gaps.
    let mut seqs = Vec::new();
    let mut after = 0;
    loop {
        let page = check(&fx, Req::get(&format!("/api/v1/ledger?limit=2&after={after}")).by("admin"), 200).await.json();
        seqs.extend(page["entries"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()));
        match page["next_after"].as_i64() {
            Some(a) => after = a,
            None => break,
        }
    }
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>());
    assert_eq!(refused(&fx, Req::get("/api/v1/ledger?limit=0").by("admin")).await, 422);
    assert_eq!(refused(&fx, Req::get("/api/v1/ledger?limit=10001").by("admin")).await, 422);
    assert_eq!(refused(&fx, Req::get("/api/v1/ledger?after=x").by("admin")).await, 400);
    let sealed = seal(&fx).await;
    let cp = check(&fx, Req::get("/api/v1/ledger/checkpoint").by("auditor"), 200).await.json();
    assert_eq!(cp["seq"].as_i64(), Some(sealed.seq));
    assert_eq!(cp["seq"].as_i64(), seqs.last().copied());
    assert_eq!(cp["key_id"].as_str(), Some(sealed.key_id.as_str()));
}
