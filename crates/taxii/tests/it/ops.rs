//! Operational endpoints: `/healthz`, `/readyz` (no authentication) and `/metrics` (admin and
//! auditor accounts only, and never a collection id or an account name in it).

use crate::harness::*;

#[tokio::test]
async fn health_and_readiness_need_no_credentials() {
    let fx = fixture().await;
    for path in ["/healthz", "/readyz"] {
        let resp = check(&fx, Req::get(path), 200).await;
        assert!(!resp.body.is_empty(), "{path}");
        check(&fx, Req::get(path).by("eve"), 200).await;
    }
}

#[tokio::test]
async fn metrics_are_for_admin_and_auditor_only() {
    let fx = fixture().await;
    // Some traffic to count, touching every collection and account.
    let status = fx.post(&fx.alpha, &[indicator(1, 1)]).await;
    check(&fx, Req::get(&objects_url("default", &fx.alpha)).by("bob"), 200).await;
    check(&fx, Req::get(&objects_url("default", &fx.private)).by("alice"), 404).await;
    check(&fx, Req::get(&objects_url("second", &fx.charlie)).by("alice"), 200).await;
    check(&fx, Req::get(&objects_url("default", &fx.alpha)).by("wo"), 403).await;
    check(&fx, Req::get(&coll_url("default", &fx.bravo)).by("auditor"), 200).await;

    check(&fx, Req::get("/metrics"), 401).await;
    check(&fx, Req::get("/metrics").auth("Bearer tl_wrong"), 401).await;
    for analyst in ["alice", "bob", "wo", "eve"] {
        check(&fx, Req::get("/metrics").by(analyst), 403).await;
    }
    for observer in ["admin", "auditor"] {
        let resp = check(&fx, Req::get("/metrics").by(observer), 200).await;
        let ct = resp.header("content-type").unwrap();
        assert!(ct.starts_with("text/plain"), "metrics media type {ct}");
        let body = resp.text();
        assert!(body.contains("tearline_http_requests_total{"), "{body}");
        assert!(body.contains("route=\"/taxii2/{root}/collections/{id}/objects/\""), "labelled by route template: {body}");
        let mut forbidden: Vec<&str> = vec![&fx.alpha, &fx.bravo, &fx.private, &fx.charlie, status["id"].as_str().unwrap()];
        forbidden.extend(ACCOUNTS.iter().map(|(name, _)| fx.secret(name)));
        for needle in forbidden {
            assert!(!body.contains(needle), "metrics leak {needle:?}:\n{body}");
        }
        // No account name as a word, nor as a label value.
        let words: Vec<&str> = body.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').collect();
        for (name, _) in ACCOUNTS {
            if !["admin", "auditor"].contains(name) {
                assert!(!words.contains(name), "metrics name the account {name}:\n{body}");
            }
            assert!(!body.contains(&format!("\"{name}\"")), "metrics label an account {name}:\n{body}");
        }
    }
}
