//! `tearline ledger ...` through the binary: the chain is tampered with **directly in the
//! database**, as an attacker with write access would (triggers dropped first, then rows edited,
//! deleted, inserted, reordered, truncated), and `ledger verify` must exit non-zero naming the
//! first broken entry each time. Also: truncation caught by an exported and by a stored
//! checkpoint, archives (verify still accepts the whole history), listing, and the server's
//! periodic sealing. One test runs on PostgreSQL when `TEARLINE_TEST_DATABASE_URL` is set.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use rusqlite::params;
use tearline_store::ledger::entry_hash;

use crate::harness::*;

fn db_file(db: &Db) -> PathBuf {
    db.dir.path().join("tearline.db")
}

/// Direct SQL on the SQLite file, as an attacker: the protecting triggers go first.
fn attack(db: &Db, sql: &str) {
    let c = rusqlite::Connection::open(db_file(db)).expect("open the database file");
    c.execute_batch("DROP TRIGGER IF EXISTS ledger_immutable; DROP TRIGGER IF EXISTS ledger_kept;").expect("drop triggers");
    c.execute_batch(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// A database whose ledger holds `n` entries (`account add a1..an`).
fn ledger_of(n: usize) -> Db {
    let db = Db::new();
    for i in 1..=n {
        db.ok(&["account", "add", &format!("a{i}")]);
    }
    db
}

/// `ledger verify` must fail, naming `first` as the first broken entry.
fn broken_at(db: &Db, extra: &[&str], first: i64) -> Out {
    let mut args = vec!["ledger", "verify"];
    args.extend_from_slice(extra);
    let out = db.fails(&args, "NOT verified");
    assert_eq!(out.status.code(), Some(2), "{}", out.stderr);
    assert!(out.stderr.contains(&format!("first broken entry: {first}\n")), "expected entry {first} named:\n{}", out.stderr);
    out
}

fn verified(db: &Db, extra: &[&str]) -> Out {
    let mut args = vec!["ledger", "verify"];
    args.extend_from_slice(extra);
    let out = db.ok(&args);
    assert!(out.stdout.contains("ledger verified: "), "{}", out.stdout);
    out
}

#[test]
fn a_fresh_chain_verifies_and_says_what_it_checked() {
    let db = ledger_of(5);
    let out = verified(&db, &[]);
    assert!(out.stdout.contains("5 entries checked"), "{}", out.stdout);
    assert!(out.stdout.contains("head: entry 5 "), "{}", out.stdout);
    assert!(out.stdout.contains("none stored"), "without a checkpoint it says truncation cannot be seen: {}", out.stdout);
    // A checkpoint of the head; a second call reuses it; after a change a new one is made.
    let first: serde_json::Value = db.json(&["ledger", "checkpoint"]);
    assert_eq!(first["seq"], 5);
    assert!(first["key_id"].as_str().unwrap().starts_with("ed25519:"));
    let again = db.ok(&["ledger", "checkpoint"]);
    assert!(again.stderr.contains("has not moved"), "{}", again.stderr);
    db.ok(&["account", "add", "a6"]);
    assert_eq!(db.json(&["ledger", "checkpoint"])["seq"], 6);
    let out = verified(&db, &[]);
    assert!(out.stdout.contains("2 stored") && out.stdout.contains("seals entry 6"), "{}", out.stdout);
}

#[test]
fn an_edited_entry_is_named() {
    let db = ledger_of(6);
    attack(&db, r#"UPDATE ledger SET detail = '{"role":"admin"}' WHERE seq = 3"#);
    let out = broken_at(&db, &[], 3);
    assert!(out.stderr.contains("altered"), "{}", out.stderr);
}

#[test]
fn a_deleted_entry_is_named() {
    let db = ledger_of(6);
    attack(&db, "DELETE FROM ledger WHERE seq = 3");
    broken_at(&db, &[], 3);
}

#[test]
fn an_inserted_entry_is_named() {
    // A forged entry with a correct hash, linked to entry 2; the later entries are renumbered to
    // make room. The forgery holds by itself; the old entry 3, now 4, no longer links to it.
    let db = ledger_of(6);
    let c = rusqlite::Connection::open(db_file(&db)).unwrap();
    let prev: Vec<u8> = c.query_row("SELECT hash FROM ledger WHERE seq = 2", [], |r| r.get(0)).unwrap();
    let at: i64 = c.query_row("SELECT at FROM ledger WHERE seq = 2", [], |r| r.get(0)).unwrap();
    let prev: [u8; 32] = prev.try_into().unwrap();
    let detail = r#"{"role":"admin"}"#;
    let hash = entry_hash(&prev, 3, at + 1, "operator", "account.add", "mallory", detail);
    attack(&db, "UPDATE ledger SET seq = seq + 1000 WHERE seq >= 3; UPDATE ledger SET seq = seq - 999 WHERE seq >= 1003;");
    c.execute(
        "INSERT INTO ledger (seq, at, actor, kind, subject, detail, prev, hash) VALUES (3, ?1, 'operator', 'account.add', 'mallory', ?2, ?3, ?4)",
        params![at + 1, detail, &prev[..], &hash[..]],
    )
    .unwrap();
    let out = broken_at(&db, &[], 4);
    assert!(out.stderr.contains("does not follow"), "{}", out.stderr);
    // Done naively (no valid hash), the inserted entry itself is named.
    let db = ledger_of(6);
    attack(&db, "UPDATE ledger SET seq = seq + 1000 WHERE seq >= 3; UPDATE ledger SET seq = seq - 999 WHERE seq >= 1003;
                 INSERT INTO ledger (seq, at, actor, kind, subject, detail, prev, hash)
                 SELECT 3, at, actor, kind, 'mallory', detail, hash, hash FROM ledger WHERE seq = 2;");
    broken_at(&db, &[], 3);
}

#[test]
fn reordered_entries_are_named() {
    let db = ledger_of(6);
    attack(&db, "UPDATE ledger SET seq = -1 WHERE seq = 3; UPDATE ledger SET seq = 3 WHERE seq = 4; UPDATE ledger SET seq = 4 WHERE seq = -1;");
    broken_at(&db, &[], 3);
}

#[test]
fn a_rewritten_tail_is_caught_by_the_checkpoint() {
    // The attacker rewrites entry 4 and re-chains everything after it with valid hashes: only
    // the signed checkpoint of entry 6 can tell.
    let db = ledger_of(6);
    db.ok(&["ledger", "checkpoint"]);
    let c = rusqlite::Connection::open(db_file(&db)).unwrap();
    let rows: Vec<(i64, i64, String, String, String, String)> = c
        .prepare("SELECT seq, at, actor, kind, subject, detail FROM ledger WHERE seq >= 4 ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut prev: [u8; 32] = c.query_row("SELECT hash FROM ledger WHERE seq = 3", [], |r| r.get::<_, Vec<u8>>(0)).unwrap().try_into().unwrap();
    attack(&db, "DELETE FROM ledger WHERE seq >= 4");
    for (seq, at, actor, kind, subject, mut detail) in rows {
        if seq == 4 {
            detail = r#"{"role":"admin"}"#.into();
        }
        let hash = entry_hash(&prev, seq, at, &actor, &kind, &subject, &detail);
        c.execute("INSERT INTO ledger VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", params![seq, at, actor, kind, subject, detail, &prev[..], &hash[..]]).unwrap();
        prev = hash;
    }
    let out = broken_at(&db, &[], 6);
    assert!(out.stderr.contains("does not match the checkpoint"), "{}", out.stderr);
}

#[test]
fn truncation_is_caught_by_stored_and_exported_checkpoints() {
    let db = ledger_of(6);
    let cp = db.dir.path().join("checkpoint.json");
    db.ok(&["ledger", "checkpoint", "--export", cp.to_str().unwrap()]);
    verified(&db, &["--checkpoint", cp.to_str().unwrap()]);
    attack(&db, "DELETE FROM ledger WHERE seq >= 5");
    // The stored checkpoint of entry 6 is beyond the end.
    let out = broken_at(&db, &[], 5);
    assert!(out.stderr.contains("truncated"), "{}", out.stderr);
    // The attacker removes the stored checkpoints too: the database alone cannot tell any more...
    attack(&db, "DELETE FROM ledger_checkpoints");
    verified(&db, &[]);
    // ...but the checkpoint exported and kept elsewhere can.
    let out = broken_at(&db, &["--checkpoint", cp.to_str().unwrap()], 5);
    assert!(out.stderr.contains("truncated"), "{}", out.stderr);
    // A forged checkpoint (moved to the new end, the old signature kept) does not verify.
    attack(&db, "INSERT INTO ledger_checkpoints (seq, hash, at, key_id, signature) SELECT 4, hash, at, 'x', 'y' FROM ledger WHERE seq = 4");
    let c = rusqlite::Connection::open(db_file(&db)).unwrap();
    let exported: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&cp).unwrap()).unwrap();
    c.execute(
        "UPDATE ledger_checkpoints SET key_id = ?1, signature = ?2 WHERE seq = 4",
        params![exported["key_id"].as_str().unwrap(), exported["signature"].as_str().unwrap()],
    )
    .unwrap();
    let out = broken_at(&db, &[], 4);
    assert!(out.stderr.contains("signature does not verify"), "{}", out.stderr);
    // A checkpoint file from another server's key is refused (unknown key), and --key decides.
    let other = Db::new();
    other.ok(&["account", "add", "z"]);
    let foreign = other.dir.path().join("foreign.json");
    other.ok(&["ledger", "checkpoint", "--export", foreign.to_str().unwrap()]);
    let fresh = ledger_of(1);
    let out = fresh.fails(&["ledger", "verify", "--checkpoint", foreign.to_str().unwrap()], "not in the keyring");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn verify_with_public_keys_only() {
    let db = ledger_of(3);
    db.ok(&["ledger", "checkpoint"]);
    let key = db.json(&["key", "show", "--json"])["current"]["public_key"].as_str().unwrap().to_owned();
    // Another key file (none there): the public key given is enough, no private key is needed.
    let elsewhere = db.dir.path().join("nowhere").join("tearline.key");
    let out = db.ok(&["--key-file", elsewhere.to_str().unwrap(), "ledger", "verify", "--key", &key]);
    assert!(out.stdout.contains("1 stored"), "{}", out.stdout);
    assert!(!elsewhere.exists(), "verify creates no key");
    db.fails(&["--key-file", elsewhere.to_str().unwrap(), "ledger", "verify"], "not in the keyring");
}

#[test]
fn archives_move_sealed_segments_and_verify_still_covers_everything() {
    let db = ledger_of(6);
    let dir = db.dir.path();
    let a1 = dir.join("ledger-1.jsonl");
    let a2 = dir.join("ledger-2.jsonl");
    db.fails(&["ledger", "archive", "--before", "2100-01-01", "--out", a1.to_str().unwrap()], "no checkpoint");
    db.ok(&["ledger", "checkpoint"]);
    db.ok(&["account", "add", "b7"]);
    db.ok(&["account", "add", "b8"]);
    db.fails(&["ledger", "archive", "--before", "2000-01-01", "--out", a1.to_str().unwrap()], "no checkpoint made before");
    let out = db.ok(&["ledger", "archive", "--before", "2100-01-01", "--out", a1.to_str().unwrap()]);
    assert_eq!(out.last_line(), a1.to_str().unwrap());
    assert!(out.stderr.contains("archived entries 1..6"), "{}", out.stderr);
    // The file: a header naming the segment and its sealing checkpoint, then the entries.
    let text = std::fs::read_to_string(&a1).unwrap();
    let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 7);
    assert_eq!((lines[0]["first"].as_i64(), lines[0]["last"].as_i64(), lines[0]["checkpoint"]["seq"].as_i64()), (Some(1), Some(6), Some(6)));
    assert_eq!(lines[6]["seq"], 6);
    // The database keeps only 7 and 8.
    let left: Vec<i64> = db.json(&["ledger", "list", "--json"]).as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(left, vec![7, 8]);
    let out = verified(&db, &[]);
    assert!(out.stdout.contains("entries 1..6 are not in the database") && out.stdout.contains("trusted"), "{}", out.stdout);
    let out = verified(&db, &["--archive", a1.to_str().unwrap()]);
    assert!(out.stdout.contains("8 entries checked") && out.stdout.contains("6 entries verified from archive files"), "{}", out.stdout);
    // A second segment; both files, in any order, cover the whole history.
    db.ok(&["ledger", "checkpoint"]);
    db.ok(&["account", "add", "c9"]);
    db.ok(&["ledger", "archive", "--before", "2100-01-01", "--out", a2.to_str().unwrap()]);
    let out = verified(&db, &["--archive", a2.to_str().unwrap(), "--archive", a1.to_str().unwrap()]);
    assert!(out.stdout.contains("9 entries checked"), "{}", out.stdout);
    db.fails(&["ledger", "verify", "--archive", a2.to_str().unwrap()], "give every archive file");
    // An archive file edited afterwards: the entry is named.
    let edited = text.replacen("\"subject\":\"a2\"", "\"subject\":\"mallory\"", 1);
    assert_ne!(edited, text);
    std::fs::write(&a1, edited).unwrap();
    broken_at(&db, &["--archive", a1.to_str().unwrap(), "--archive", a2.to_str().unwrap()], 2);
    // Archiving into an existing file is refused, and nothing is removed.
    db.ok(&["ledger", "checkpoint"]);
    db.fails(&["ledger", "archive", "--before", "2100-01-01", "--out", a2.to_str().unwrap()], "exists");
    assert_eq!(db.json(&["ledger", "list", "--json"]).as_array().unwrap().len(), 1);
}

#[test]
fn list_answers_who_did_what() {
    let db = ledger_of(2);
    db.ok(&["account", "disable", "a1"]);
    let all = db.json(&["ledger", "list", "--json"]);
    assert_eq!(all.as_array().unwrap().len(), 3);
    let about = db.json(&["ledger", "list", "--json", "--subject", "a1"]);
    let kinds: Vec<&str> = about.as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["account.add", "account.disable"]);
    let disables = db.json(&["ledger", "list", "--json", "--kind", "account.dis"]);
    assert_eq!(disables[0]["actor"], "operator");
    assert_eq!(db.json(&["ledger", "list", "--json", "--after", "2", "--limit", "5"]).as_array().unwrap().len(), 1);
    let table = db.ok(&["ledger", "list", "--kind", "account."]);
    assert!(table.stdout.contains("account.disable") && table.stdout.contains("a1"), "{}", table.stdout);
    db.fails(&["ledger", "list", "--limit", "10001"], "at most");
}

#[test]
fn the_server_seals_periodically() {
    let db = Db::new();
    let config = write_file(db.dir.path(), "tearline.toml", "[ledger]\ncheckpoint_interval = 1\n");
    let server = Server::start_with(&db, &["--listen", "127.0.0.1:0", "--config", config.to_str().unwrap()]).expect("server starts");
    db.ok(&["account", "add", "a1"]);
    db.ok(&["account", "add", "a2"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let out = verified(&db, &[]);
        if out.stdout.contains("seals entry 2") {
            break;
        }
        assert!(Instant::now() < deadline, "no checkpoint of entry 2 within 20 s:\n{}\n{}", out.stdout, server.log.lock().unwrap());
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(server.log.lock().unwrap().contains("ledger sealed"));
    // A stop seals what was written since.
    db.ok(&["account", "add", "a3"]);
    server.terminate();
    assert!(server.wait(Duration::from_secs(20)).success());
    assert!(verified(&db, &[]).stdout.contains("seals entry 3"));
}

#[test]
fn postgres_tampering_and_truncation_are_named() {
    let Some(pg) = crate::multinode::PgSchema::create("ledger") else { return };
    let db = &pg.db;
    for i in 1..=6 {
        db.ok(&["account", "add", &format!("a{i}")]);
    }
    let cp = db.dir.path().join("checkpoint.json");
    db.ok(&["ledger", "checkpoint", "--export", cp.to_str().unwrap()]);
    verified(db, &["--checkpoint", cp.to_str().unwrap()]);
    pg.sql("DROP TRIGGER ledger_kept ON ledger");
    pg.sql(r#"UPDATE ledger SET detail = '{"role":"admin"}' WHERE seq = 3"#);
    broken_at(db, &[], 3);
    pg.sql(r#"UPDATE ledger SET detail = '{"role":"analyst"}' WHERE seq = 3"#);
    verified(db, &[]);
    pg.sql("DELETE FROM ledger WHERE seq >= 5; DELETE FROM ledger_checkpoints");
    verified(db, &[]);
    let out = broken_at(db, &["--checkpoint", cp.to_str().unwrap()], 5);
    assert!(out.stderr.contains("truncated"), "{}", out.stderr);
}

#[test]
fn the_server_continues_the_chain_after_a_cli_command_appended_to_it() {
    // The server's writer must not trust a head it remembers: a CLI command next to it appends.
    let db = Db::new();
    let secret = db.account("alice", "admin");
    let coll = db.collection("c", "alice", "alice");
    let server = Server::start(&db);
    db.ok(&["account", "add", "bob"]);
    let url = server.url(&format!("/taxii2/default/collections/{coll}/objects/"));
    let body = text(&serde_json::json!({"objects": [indicator("k", 1)]}));
    let (status, answer) = post(&agent(), &url, &basic("alice", &secret), &body).expect("POST");
    assert_eq!(status, 202, "{answer}\n{}", server.log.lock().unwrap());
    let out = verified(&db, &[]);
    assert!(out.stdout.contains("4 entries checked"), "{}", out.stdout);
}
