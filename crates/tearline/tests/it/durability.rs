//! Durability across a crash: concurrent writers POST bundles to `tearline serve`, the server
//! is SIGKILLed mid-stream, restarted on the same database, and then
//!
//! - every object whose POST was acknowledged (202, success) is readable with identical content,
//!   and its status resource is still served;
//! - every stored object is complete and equal to what some client sent;
//! - each request is all-or-nothing: its objects are all present or (only for requests that
//!   were not acknowledged) all absent, since the server stores one request in one transaction;
//! - the latest-version view agrees with the versions stored.
//!
//! Several rounds on the same database, so later rounds also check earlier ones.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::*;

const ROUNDS: u32 = 3;
const WRITERS: u32 = 4;

/// One POST: what it sent and, if acknowledged, the status resource it got back.
struct Sent {
    objects: Vec<Value>,
    acked: Option<String>,
}

fn key(o: &Value) -> (String, String) {
    (o["id"].as_str().unwrap().to_owned(), o["modified"].as_str().unwrap().to_owned())
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    let db = Db::new();
    let secret = db.account("alice", "analyst");
    let coll = db.collection("Alpha", "alice", "alice");
    let auth = basic("alice", &secret);
    let sent: Arc<Mutex<Vec<Sent>>> = Arc::default();

    for round in 0..=ROUNDS {
        let server = Server::start(&db);
        verify(&server, &coll, &auth, &sent.lock().unwrap());
        if round == ROUNDS {
            server.kill();
            break;
        }
        let url = server.url(&format!("/taxii2/default/collections/{coll}/objects/"));
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (url, auth, sent, stop) = (url.clone(), auth.clone(), sent.clone(), stop.clone());
                std::thread::spawn(move || {
                    let http = agent();
                    for seq in 0.. {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        // Five new objects and a new version of this writer's anchor object.
                        let mut objects: Vec<Value> = (0..5).map(|i| indicator(&format!("r{round}-w{w}-s{seq}-i{i}"), 1)).collect();
                        objects.push(indicator(&format!("r{round}-w{w}-anchor"), seq + 1));
                        let result = post(&http, &url, &auth, &json!({ "objects": objects }).to_string());
                        let acked = match result {
                            Ok((202, body)) => {
                                let status: Value = serde_json::from_str(&body).expect("status resource");
                                assert_eq!(status["success_count"], 6, "every object succeeds: {body}");
                                Some(body)
                            }
                            Ok((status, body)) => panic!("unexpected answer {status}: {body}"),
                            Err(_) => None,
                        };
                        let failed = acked.is_none();
                        sent.lock().unwrap().push(Sent { objects, acked });
                        if failed {
                            break; // the server is gone
                        }
                    }
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(400 + 300 * u64::from(round)));
        let acked_before_kill = sent.lock().unwrap().iter().filter(|s| s.acked.is_some()).count();
        server.kill();
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            w.join().expect("writer thread");
        }
        assert!(acked_before_kill > 0, "round {round}: no write was acknowledged before the kill");
    }
}

fn verify(server: &Server, coll: &str, auth: &str, sent: &[Sent]) {
    let http = agent();
    let stored = all_objects(&http, server, coll, auth);
    let stored: BTreeMap<(String, String), String> = stored.iter().map(|o| (key(o), text(o))).collect();
    let mut sent_text: HashMap<(String, String), String> = HashMap::new();
    for s in sent {
        for o in &s.objects {
            sent_text.insert(key(o), text(o));
        }
    }
    // Every stored object is one a client sent, complete.
    for (k, t) in &stored {
        assert_eq!(sent_text.get(k), Some(t), "stored object {k:?} is not what any client sent");
    }
    let (mut acked, mut lost) = (0, 0);
    for s in sent {
        let present = s.objects.iter().filter(|o| stored.contains_key(&key(o))).count();
        match &s.acked {
            Some(status) => {
                acked += 1;
                assert_eq!(present, s.objects.len(), "an acknowledged request lost objects after a crash: {:?}", key(&s.objects[0]));
                let id = serde_json::from_str::<Value>(status).unwrap()["id"].as_str().unwrap().to_owned();
                let (code, body) = get(&http, &server.url(&format!("/taxii2/default/status/{id}/")), auth).expect("GET status");
                assert_eq!((code, body.as_str()), (200, status.as_str()), "the status of an acknowledged request survives");
            }
            None => {
                assert!(present == 0 || present == s.objects.len(), "a request was stored in part: {present} of {} objects", s.objects.len());
                if present == 0 {
                    lost += 1;
                }
            }
        }
    }
    // The latest-version view agrees with the stored versions.
    let mut latest: BTreeMap<&str, &str> = BTreeMap::new();
    for (id, v) in stored.keys() {
        let e = latest.entry(id).or_insert(v);
        if *e < v.as_str() {
            *e = v;
        }
    }
    let mut last_view: BTreeMap<String, String> = BTreeMap::new();
    let mut next: Option<String> = None;
    loop {
        let mut url = server.url(&format!("/taxii2/default/collections/{coll}/manifest/?limit=1000"));
        if let Some(n) = &next {
            url.push_str(&format!("&next={n}"));
        }
        let (code, body) = get(&http, &url, auth).unwrap();
        assert_eq!(code, 200, "{body}");
        let page: Value = serde_json::from_str(&body).unwrap();
        for m in page["objects"].as_array().cloned().unwrap_or_default() {
            let prev = last_view.insert(m["id"].as_str().unwrap().to_owned(), m["version"].as_str().unwrap().to_owned());
            assert!(prev.is_none(), "the latest-version view lists {} twice", m["id"]);
        }
        match page.get("next").and_then(Value::as_str) {
            Some(n) => next = Some(n.to_owned()),
            None => break,
        }
    }
    let want: BTreeMap<String, String> = latest.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect();
    assert_eq!(last_view, want, "match[version]=last names the newest stored version of each object");
    eprintln!("durability: {} stored versions, {acked} acknowledged requests intact, {lost} unacknowledged requests absent", stored.len());
}
