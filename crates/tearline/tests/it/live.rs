//! Account and grant changes made with the CLI take effect on a running server at once.

use serde_json::Value;

use crate::harness::*;

#[test]
fn account_changes_take_effect_on_a_running_server() {
    let db = Db::new();
    let alice = db.account("alice", "analyst");
    let coll = db.collection("Alpha", "alice", "alice");
    let server = Server::start(&db);
    let http = agent();
    let discovery = server.url("/taxii2/");
    let objects = server.url(&format!("/taxii2/default/collections/{coll}/objects/"));
    assert_eq!(get(&http, &discovery, &basic("alice", &alice)).unwrap().0, 200);

    // A new account, added while the server runs, works at once (Basic and Bearer).
    let bob = db.account("bob", "analyst");
    let (status, body) = get(&http, &discovery, &basic("bob", &bob)).unwrap();
    assert_eq!(status, 200, "{body}");
    let roots: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(roots["api_roots"], serde_json::json!([]), "bob has no grant yet");
    assert_eq!(get(&http, &objects, &basic("bob", &bob)).unwrap().0, 404);
    // A grant, given while the server runs, works at once.
    db.ok(&["collection", "grant", &coll, "bob", "--read"]);
    assert_eq!(get(&http, &objects, &basic("bob", &bob)).unwrap().0, 200);
    assert_eq!(get(&http, &objects, &format!("Bearer {bob}")).unwrap().0, 200);
    let body = indicator("live", 1).to_string();
    let envelope = format!("{{\"objects\":[{body}]}}");
    assert_eq!(post(&http, &objects, &basic("bob", &bob), &envelope).unwrap().0, 403, "read-only");

    // Rotation: the old secret stops working at once, the new one works.
    let rotated = db.ok(&["account", "rotate", "bob"]).last_line().to_owned();
    assert_eq!(get(&http, &objects, &basic("bob", &bob)).unwrap().0, 401);
    assert_eq!(get(&http, &objects, &format!("Bearer {bob}")).unwrap().0, 401);
    assert_eq!(get(&http, &objects, &basic("bob", &rotated)).unwrap().0, 200);
    assert_eq!(get(&http, &objects, &format!("Bearer {rotated}")).unwrap().0, 200);

    // Disabling: refused at once.
    db.ok(&["account", "disable", "bob"]);
    assert_eq!(get(&http, &objects, &basic("bob", &rotated)).unwrap().0, 401);
    assert_eq!(get(&http, &objects, &format!("Bearer {rotated}")).unwrap().0, 401);
    // Others are unaffected.
    assert_eq!(get(&http, &objects, &basic("alice", &alice)).unwrap().0, 200);
    server.kill();
}
