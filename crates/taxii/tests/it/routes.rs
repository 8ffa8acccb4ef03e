//! Every route the server declares (`tearline_taxii::ROUTES`) is exercised here with a valid
//! request and must be answered by its own handler, not by the fallback. A route added to the
//! server without a row in [`CASES`] fails `every_route_has_a_case`.
//!
//! Each row is the one place to hang per-route obligations: the status it must answer, that
//! the metrics record it under its own template, and that its response left through the egress
//! module (every response built there carries the `Egressed` tag; errors and the fallbacks
//! too, checked in `errors_and_fallbacks_leave_through_egress`).

use std::collections::BTreeSet;

use axum::http::Method;

use crate::harness::*;

/// One valid request per route.
struct Case {
    method: &'static str,
    template: &'static str,
    /// Account making the request (`None`: anonymous).
    by: Option<&'static str>,
    /// The success status the route answers.
    expect: u16,
    /// JSON body of a management API request.
    json: Option<&'static str>,
}

const fn case(method: &'static str, template: &'static str, by: Option<&'static str>, expect: u16) -> Case {
    Case { method, template, by, expect, json: None }
}

const fn api(method: &'static str, template: &'static str, by: &'static str, expect: u16, json: &'static str) -> Case {
    Case { method, template, by: Some(by), expect, json: Some(json) }
}

/// In execution order (the DELETE comes last: it removes the object the others read).
const CASES: &[Case] = &[
    case("GET", "/taxii2/", Some("alice"), 200),
    case("GET", "/taxii2/{root}/", Some("alice"), 200),
    case("GET", "/taxii2/{root}/collections/", Some("alice"), 200),
    case("GET", "/taxii2/{root}/collections/{id}/", Some("alice"), 200),
    case("POST", "/taxii2/{root}/collections/{id}/objects/", Some("alice"), 202),
    case("GET", "/taxii2/{root}/status/{status_id}/", Some("alice"), 200),
    case("GET", "/taxii2/{root}/collections/{id}/objects/", Some("alice"), 200),
    case("GET", "/taxii2/{root}/collections/{id}/objects/{object_id}/", Some("alice"), 200),
    case("GET", "/taxii2/{root}/collections/{id}/objects/{object_id}/versions/", Some("alice"), 200),
    case("GET", "/taxii2/{root}/collections/{id}/manifest/", Some("alice"), 200),
    case("GET", "/healthz", None, 200),
    case("GET", "/readyz", None, 200),
    case("GET", "/metrics", Some("admin"), 200),
    case("GET", "/api/v1/openapi.json", None, 200),
    case("GET", "/api/v1/whoami", Some("alice"), 200),
    api("POST", "/api/v1/partners", "admin", 201, r#"{"name": "syria-gsd", "country": "SYR", "flags": ["not-recognised"]}"#),
    case("GET", "/api/v1/partners", Some("alice"), 200),
    case("GET", "/api/v1/partners/{name}", Some("auditor"), 200),
    api("PATCH", "/api/v1/partners/{name}", "admin", 200, r#"{"trust_tier": 4}"#),
    api("POST", "/api/v1/partners/{name}/members", "admin", 201, r#"{"name": "gsd-liaison"}"#),
    api("POST", "/api/v1/releases/preview", "alice", 200, r#"{"partner": "syria-gsd", "sources": ["{object_id}"]}"#),
    api("POST", "/api/v1/releases", "rob", 201, r#"{"partner": "syria-gsd", "sources": ["{object_id}"], "draft": "{draft}"}"#),
    case("GET", "/api/v1/releases", Some("auditor"), 200),
    case("GET", "/api/v1/releases/{release}", Some("alice"), 200),
    case("GET", "/api/v1/releases/{release}/bundle", Some("auditor"), 200),
    api("POST", "/api/v1/releases/{release}/recall", "rob", 200, r#"{"reason": "the indicator was a false positive"}"#),
    api("POST", "/api/v1/cases", "alice", 201, r#"{"sources": ["{object_id}"], "recipients": ["syria-gsd"], "attributes": {"harm_type": "intentional-killing", "credible": true, "specific": true, "impending": true, "specificity": {"what": "bombing", "where": "Sayyida Zaynab shrine"}, "window_start": "2025-01-10T00:00:00Z", "window_end": "2025-01-12T00:00:00Z", "victim": {"kind": "place", "name": "Sayyida Zaynab shrine", "country": "SYR"}, "urgency": "high"}}"#),
    case("GET", "/api/v1/cases", Some("auditor"), 200),
    case("GET", "/api/v1/cases/{case}", Some("alice"), 200),
    api("POST", "/api/v1/cases/{case}/decide", "rob", 200, r#"{"decision": "warn", "channel": "taxii"}"#),
    api("POST", "/api/v1/cases/{case}/events", "alice", 200, r#"{"event": "acknowledged", "partner": "syria-gsd", "by": "liaison officer", "how": "in-person"}"#),
    case("GET", "/api/v1/cases/{case}/timeline", Some("auditor"), 200),
    case("GET", "/api/v1/cases/{case}/document", Some("rob"), 200),
    case("GET", "/api/v1/cases/metrics", Some("auditor"), 200),
    case("GET", "/api/v1/ledger", Some("auditor"), 200),
    case("GET", "/api/v1/ledger/checkpoint", Some("rob"), 200),
    case("DELETE", "/api/v1/partners/{name}", Some("admin"), 204),
    api("POST", "/api/v1/osint/articles", "alice", 200, r#"{"collection": "{id}", "articles": [{"name": "a1", "text": "+++\noutlet = \"Example Wire\"\npublished = \"2025-01-12\"\n+++\nSyrian security forces foiled an Islamic State plot to bomb the Sayyida Zaynab shrine near Damascus on 11 January."}]}"#),
    case("DELETE", "/taxii2/{root}/collections/{id}/objects/{object_id}/", Some("alice"), 200),
];

#[test]
fn every_route_has_a_case() {
    let declared: BTreeSet<(&str, &str)> = tearline_taxii::ROUTES.iter().copied().collect();
    let tested: BTreeSet<(&str, &str)> = CASES.iter().map(|c| (c.method, c.template)).collect();
    let untested: Vec<_> = declared.difference(&tested).collect();
    let stale: Vec<_> = tested.difference(&declared).collect();
    assert!(untested.is_empty(), "routes without a case in tests/it/routes.rs (add one, and tests of their error paths): {untested:?}");
    assert!(stale.is_empty(), "cases for routes the server no longer declares: {stale:?}");
    assert_eq!(CASES.len(), tested.len(), "one case per route");
}

#[tokio::test]
async fn every_route_answers_through_its_own_handler() {
    let fx = fixture().await;
    let object_id = sid("indicator", 1);
    let status_id = fx.post(&fx.alpha, &[indicator(1, 1)]).await["id"].as_str().unwrap().to_owned();
    // Values the cases produce for later ones: the preview's draft token, the release's id.
    let (mut draft, mut release, mut case_id) = (String::new(), String::new(), String::new());
    for c in CASES {
        let path = c
            .template
            .replace("{root}", "default")
            .replace("{id}", &fx.alpha)
            .replace("{object_id}", &object_id)
            .replace("{status_id}", &status_id)
            .replace("{name}", "syria-gsd")
            .replace("{release}", &release)
            .replace("{case}", &case_id);
        let path = if c.template.ends_with("/document") { format!("{path}?partner=syria-gsd") } else { path };
        let method = Method::from_bytes(c.method.as_bytes()).unwrap();
        let mut req = if let Some(json) = c.json {
            let json = json.replace("{id}", &fx.alpha).replace("{object_id}", &object_id).replace("{draft}", &draft);
            Req::new(method, &path).header("content-type", "application/json").body(json.into_bytes())
        } else if method == Method::POST {
            Req::post(&path, &envelope(&[indicator(2, 1)]))
        } else {
            Req::new(method, &path)
        };
        if let Some(account) = c.by {
            req = req.by(account);
        }
        if c.template == "/api/v1/ledger/checkpoint" {
            seal(&fx).await;
        }
        let resp = check(&fx, req, c.expect).await;
        // Every route's answer left through the egress module.
        assert!(resp.egressed, "{} {} answered without going through egress", c.method, c.template);
        match (c.method, c.template) {
            ("POST", "/api/v1/releases/preview") => draft = resp.json()["draft"].as_str().unwrap().to_owned(),
            ("POST", "/api/v1/releases") => release = resp.json()["manifest_id"].as_str().unwrap().to_owned(),
            ("POST", "/api/v1/cases") => case_id = resp.json()["id"].as_str().unwrap().to_owned(),
            _ => {}
        }
    }
    // The metrics count each request under its route template: none fell through to the
    // fallback ("unmatched").
    let metrics = check(&fx, Req::get("/metrics").by("admin"), 200).await.text();
    for c in CASES {
        let label = format!("method=\"{}\",route=\"{}\",status=\"{}\"", c.method, c.template, c.expect);
        assert!(metrics.contains(&label), "{} {} was not answered by its route ({label}):\n{metrics}", c.method, c.template);
    }
    assert!(!metrics.contains("route=\"unmatched\""), "{metrics}");
    // Duty-to-warn figures per partner, from the case the rows above warned and acknowledged.
    assert!(metrics.contains("tearline_duty_warnings{partner=\"syria-gsd\"} 1"), "{metrics}");
    assert!(metrics.contains("tearline_duty_seconds{partner=\"syria-gsd\",stage=\"acknowledge\",stat=\"median\"}"), "{metrics}");
}

/// Obligations of every TAXII route (those under `/taxii2/`): anonymous is 401, a client that
/// does not accept TAXII 2.1 is 406, and an undeclared method on the same path is 405.
#[tokio::test]
async fn every_taxii_route_authenticates_negotiates_and_refuses_other_methods() {
    let fx = fixture().await;
    let object_id = sid("indicator", 1);
    let status_id = fx.post(&fx.alpha, &[indicator(1, 1)]).await["id"].as_str().unwrap().to_owned();
    let declared: BTreeSet<(&str, &str)> = tearline_taxii::ROUTES.iter().copied().collect();
    for c in CASES.iter().filter(|c| c.template.starts_with("/taxii2/")) {
        let path = c
            .template
            .replace("{root}", "default")
            .replace("{id}", &fx.alpha)
            .replace("{object_id}", &object_id)
            .replace("{status_id}", &status_id);
        let method = Method::from_bytes(c.method.as_bytes()).unwrap();
        let req = || {
            if method == Method::POST {
                Req::post(&path, &envelope(&[indicator(2, 1)]))
            } else {
                Req::new(method.clone(), &path)
            }
        };
        check(&fx, req(), 401).await;
        check(&fx, req().by("alice").header("accept", "application/json"), 406).await;
        for other in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if !declared.contains(&(other, c.template)) {
                check(&fx, Req::new(Method::from_bytes(other.as_bytes()).unwrap(), &path).by("alice"), 405).await;
            }
        }
    }
}

#[tokio::test]
async fn accept_headers_that_admit_taxii_21_are_served() {
    let fx = fixture().await;
    for accept in [None, Some(TAXII), Some("application/taxii+json"), Some("application/taxii+json; version=2.1"), Some("*/*"), Some("application/*"), Some("text/html, application/taxii+json;version=2.1;q=0.5")] {
        let mut req = Req::get("/taxii2/").by("alice");
        req = match accept {
            Some(a) => req.header("accept", a),
            None => req.without("accept"),
        };
        check(&fx, req, 200).await;
    }
}

#[tokio::test]
async fn errors_and_fallbacks_leave_through_egress() {
    let fx = fixture().await;
    for (req, status) in [
        (Req::get("/taxii2/"), 401),
        (Req::get("/nowhere"), 404),
        (Req::new(Method::PUT, "/taxii2/").by("alice"), 405),
        (Req::get("/api/v1/nowhere").by("alice"), 404),
        (Req::get("/api/v1/releases/report--00000000-0000-4000-8000-000000000000").by("alice"), 404),
    ] {
        let resp = fx.send(req).await;
        assert_eq!(resp.status.as_u16(), status);
        assert!(resp.egressed, "an error answer built outside egress: {}", resp.text());
    }
}
