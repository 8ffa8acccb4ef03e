//! `import`, `export` (round trips, custom properties, `--all-versions`) and `backup` of a live
//! database under concurrent writes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::harness::*;

fn bundle(objects: &[Value]) -> String {
    json!({"type": "bundle", "id": format!("bundle--{}", uuid::Uuid::new_v4()), "objects": objects}).to_string()
}

/// `(id, modified)` -> object text.
fn by_version(objects: &[Value]) -> BTreeMap<(String, String), String> {
    objects.iter().map(|o| ((o["id"].as_str().unwrap().to_owned(), o["modified"].as_str().unwrap_or("").to_owned()), text(o))).collect()
}

fn exported(db: &Db, coll: &str, all: bool) -> Vec<Value> {
    let mut args = vec!["export", "--collection", coll];
    if all {
        args.push("--all-versions");
    }
    let b = db.json(&args);
    assert_eq!(b["type"], "bundle");
    assert!(b["id"].as_str().unwrap().starts_with("bundle--"));
    b["objects"].as_array().unwrap().clone()
}

#[test]
fn import_then_export_round_trips_every_object() {
    let db = Db::new();
    db.account("alice", "analyst");
    let coll = db.collection("Alpha", "alice", "alice");
    // 1200 objects (more than one export page), three of them in several versions, custom
    // properties of every JSON kind, and a custom object type.
    let mut objects: Vec<Value> = (0..1200).map(|n| indicator(&format!("obj{n}"), 1)).collect();
    objects.extend([indicator("obj0", 2), indicator("obj1", 5), indicator("obj1", 3)]);
    objects[7]["x_acme_nested"] = json!({"z": [1, 2.5, -3e-7, {"deep": null}], "a": "order", "quote": "\"\\\n"});
    objects.push(json!({"type": "x-acme-widget", "spec_version": "2.1", "id": "x-acme-widget--0f4b4f2e-5c1d-4c37-9a27-1a3e5f7c9b11",
        "created": CREATED, "modified": CREATED, "x_acme_size": 3}));
    let (first, second) = objects.split_at(700);
    let f1 = write_file(db.dir.path(), "one.json", &bundle(first));
    let f2 = write_file(db.dir.path(), "two.json", &format!("{{\"objects\":{}}}", Value::from(second.to_vec())));
    let out = db.ok(&["import", "--quiet", "--collection", &coll, f1.to_str().unwrap(), f2.to_str().unwrap()]);
    assert!(out.stderr.contains(&format!("{} added", objects.len())), "{}", out.stderr);

    let all = exported(&db, &coll, true);
    assert_eq!(all.len(), objects.len(), "--all-versions exports every version");
    assert_eq!(by_version(&all), by_version(&objects), "every version, content intact");

    let latest = exported(&db, &coll, false);
    let mut want: BTreeMap<String, Value> = BTreeMap::new();
    for o in &objects {
        let id = o["id"].as_str().unwrap().to_owned();
        if want.get(&id).is_none_or(|w| w["modified"].as_str() < o["modified"].as_str()) {
            want.insert(id, o.clone());
        }
    }
    assert_eq!(latest.len(), want.len(), "one version of each object");
    assert_eq!(by_version(&latest), by_version(&want.into_values().collect::<Vec<_>>()), "the latest version of each");

    // Importing the same again changes nothing; importing the export elsewhere reproduces it.
    let again = db.ok(&["import", "--quiet", "--collection", &coll, f1.to_str().unwrap()]);
    assert!(again.stderr.contains("0 added") && again.stderr.contains("700 already present"), "{}", again.stderr);
    let copy = db.collection("Copy", "alice", "alice");
    let exported_file = write_file(db.dir.path(), "export.json", &db.ok(&["export", "--all-versions", "--collection", &coll]).stdout);
    db.ok(&["import", "--quiet", "--collection", &copy, exported_file.to_str().unwrap()]);
    assert_eq!(by_version(&exported(&db, &copy, true)), by_version(&objects));
}

#[test]
fn import_reports_invalid_objects_and_keeps_the_valid_ones() {
    let db = Db::new();
    db.account("alice", "analyst");
    let coll = db.collection("Alpha", "alice", "alice");
    let mut bad = indicator("bad", 1);
    bad.as_object_mut().unwrap().remove("pattern");
    let good = [indicator("good1", 1), indicator("good2", 1)];
    let f = write_file(db.dir.path(), "b.json", &bundle(&[good[0].clone(), bad.clone(), good[1].clone()]));
    let out = db.run(&["import", "--quiet", "--collection", &coll, f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "some objects failed: exit 2; stderr:\n{}", out.stderr);
    assert!(out.stderr.contains("2 added") && out.stderr.contains("1 failed"), "{}", out.stderr);
    assert!(out.stderr.contains(bad["id"].as_str().unwrap()) && out.stderr.contains("pattern"), "names the object and property: {}", out.stderr);
    assert_eq!(by_version(&exported(&db, &coll, true)), by_version(&good));
    // An unreadable file: an error, and nothing from it.
    let junk = write_file(db.dir.path(), "junk.json", "{\"objects\": [");
    let out = db.run(&["import", "--quiet", "--collection", &coll, junk.to_str().unwrap()]);
    assert!(!out.status.success() && out.stderr.contains("junk.json"), "{}", out.stderr);
    assert_eq!(exported(&db, &coll, true).len(), 2);
}

#[test]
fn backup_of_a_live_database_under_writes_holds_every_acknowledged_object() {
    let db = Db::new();
    let secret = db.account("alice", "analyst");
    let coll = db.collection("Alpha", "alice", "alice");
    let server = Server::start(&db);
    let url = server.url(&format!("/taxii2/default/collections/{coll}/objects/"));
    let auth = basic("alice", &secret);
    let acked: Arc<Mutex<Vec<Value>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let (url, auth, acked, stop) = (url.clone(), auth.clone(), acked.clone(), stop.clone());
            std::thread::spawn(move || {
                let http = agent();
                let mut seq = 0;
                while !stop.load(Ordering::Relaxed) {
                    let objs: Vec<Value> = (0..10).map(|i| indicator(&format!("w{w}-{seq}-{i}"), 1)).collect();
                    let (status, body) = post(&http, &url, &auth, &json!({ "objects": objs }).to_string()).expect("POST");
                    assert_eq!(status, 202, "{body}");
                    let st: Value = serde_json::from_str(&body).unwrap();
                    assert_eq!(st["success_count"], 10, "{body}");
                    acked.lock().unwrap().extend(objs);
                    seq += 1;
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let before: Vec<Value> = acked.lock().unwrap().clone();
    assert!(!before.is_empty(), "writes were acknowledged before the backup");
    let dest = db.dir.path().join("backup.db");
    let out = db.ok(&["backup", dest.to_str().unwrap()]);
    assert!(out.stderr.contains("backup written"), "{}", out.stderr);
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().expect("writer");
    }
    server.kill();

    // The copy opens and holds every object acknowledged before the backup began, intact.
    let copy = Db { dir: tempfile::tempdir().unwrap(), url: format!("sqlite://{}", dest.display()) };
    let in_copy = by_version(&exported(&copy, &coll, true));
    let missing: Vec<_> = by_version(&before).into_iter().filter(|(k, v)| in_copy.get(k) != Some(v)).map(|(k, _)| k).collect();
    assert!(missing.is_empty(), "{} acknowledged objects missing from the backup, e.g. {:?}", missing.len(), missing.first());
    // Everything in the copy is something a writer sent (no partial objects).
    let sent: BTreeSet<String> = acked.lock().unwrap().iter().map(text).collect();
    assert!(in_copy.values().all(|t| sent.contains(t)), "the copy holds only complete, acknowledged objects");
    // Backing up onto an existing file is refused.
    db.fails(&["backup", dest.to_str().unwrap()], "");
}
