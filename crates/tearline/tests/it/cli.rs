//! `account` and `collection` commands: output contracts, JSON listings, and errors that go to
//! stderr with a non-zero exit and leave nothing half-written.

use serde_json::Value;

use crate::harness::*;

fn names(list: &Value, key: &str) -> Vec<String> {
    list.as_array().expect("a JSON list").iter().map(|a| a[key].as_str().unwrap().to_owned()).collect()
}

#[test]
fn account_add_prints_the_secret_alone_on_the_last_line() {
    let db = Db::new();
    let out = db.ok(&["account", "add", "alice", "--role", "admin"]);
    let secret = out.last_line();
    assert!(secret.starts_with("tl_") && secret.len() == 46, "secret {secret:?}");
    assert!(secret.bytes().all(|b| b.is_ascii_graphic()));
    assert!(out.stderr.contains("alice"), "a message on stderr: {}", out.stderr);
    assert!(!out.stderr.contains(secret), "the secret is printed once, on stdout only");

    let other = db.account("bob", "analyst");
    assert_ne!(other, secret, "secrets differ");
    let list = db.json(&["account", "list", "--json"]);
    assert_eq!(names(&list, "name"), ["alice", "bob"]);
    assert_eq!(names(&list, "role"), ["admin", "analyst"]);
    assert!(list.as_array().unwrap().iter().all(|a| a["disabled"] == false));
    assert!(!list.to_string().contains(secret), "listings never show secrets");

    let rotated = db.ok(&["account", "rotate", "alice"]);
    let new = rotated.last_line();
    assert!(new.starts_with("tl_") && new != secret, "rotate prints a new secret");
    db.ok(&["account", "disable", "bob"]);
    let list = db.json(&["account", "list", "--json"]);
    assert_eq!(list[1]["disabled"], true);
    // The human listing names every account.
    let table = db.ok(&["account", "list"]).stdout;
    assert!(table.contains("alice") && table.contains("bob") && table.contains("disabled"), "{table}");
}

#[test]
fn collection_add_prints_the_id_alone_on_the_last_line() {
    let db = Db::new();
    db.account("alice", "analyst");
    db.account("bob", "analyst");
    let out = db.ok(&["collection", "add", "--title", "Shared intel", "--description", "for partners", "--alias", "shared", "--read", "alice,bob", "--write", "alice"]);
    let id = out.last_line().to_owned();
    uuid::Uuid::parse_str(&id).unwrap_or_else(|_| panic!("collection id {id:?} is a UUID"));
    let other = db.ok(&["collection", "add", "--api-root", "partners", "--title", "Other", "--read", "bob"]).last_line().to_owned();
    let list = db.json(&["collection", "list", "--json"]);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2);
    let shared = list.iter().find(|c| c["id"] == id.as_str()).expect("listed");
    assert_eq!(shared["title"], "Shared intel");
    assert_eq!(shared["api_root"], "default");
    assert_eq!(shared["description"], "for partners");
    assert_eq!(shared["alias"], "shared");
    assert_eq!(list.iter().find(|c| c["id"] == other.as_str()).unwrap()["api_root"], "partners");
    let table = db.ok(&["collection", "list"]).stdout;
    assert!(table.contains(&id) && table.contains("Shared intel"), "{table}");
    db.ok(&["collection", "grant", &id, "bob", "--read", "--write"]);
}

#[test]
fn errors_go_to_stderr_exit_non_zero_and_write_nothing() {
    let db = Db::new();
    db.account("alice", "analyst");
    let id = db.collection("Alpha", "alice", "alice");
    let accounts_before = db.json(&["account", "list", "--json"]);
    let collections_before = db.json(&["collection", "list", "--json"]);

    // Unknown accounts in grants: the whole collection is refused (and its new API root too).
    db.fails(&["collection", "add", "--title", "Ghostly", "--read", "ghost"], "ghost");
    db.fails(&["collection", "add", "--api-root", "newroot", "--title", "Half", "--read", "alice", "--write", "alice,ghost"], "ghost");
    // Unknown role, bad names, duplicates.
    db.fails(&["account", "add", "carol", "--role", "root"], "unknown role");
    db.fails(&["account", "add", "a:b"], "account names");
    db.fails(&["account", "add", "has space"], "account names");
    db.fails(&["account", "add", "alice"], "alice");
    db.fails(&["account", "rotate", "ghost"], "ghost");
    db.fails(&["account", "disable", "ghost"], "ghost");
    db.fails(&["collection", "add", "--api-root", "bad/root", "--title", "X"], "API root");
    db.fails(&["collection", "grant", &id, "ghost", "--read"], "ghost");
    db.fails(&["collection", "grant", &uuid::Uuid::new_v4().to_string(), "alice", "--read"], "collection");
    db.fails(&["export", "--collection", &uuid::Uuid::new_v4().to_string()], "no collection");

    assert_eq!(db.json(&["account", "list", "--json"]), accounts_before, "no account was written");
    assert_eq!(db.json(&["collection", "list", "--json"]), collections_before, "no collection was written");

    // A bad database URL: refused before anything is created.
    let dir = tempfile::tempdir().unwrap();
    for url in ["mysql://localhost/x", "sqlite://", "tearline.db"] {
        let out = tearline().current_dir(dir.path()).args(["--database", url, "account", "add", "x"]).output().unwrap();
        assert!(!out.status.success(), "{url} accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("database URL"), "{url}: {stderr}");
        assert!(out.stdout.is_empty(), "{url}: no secret printed");
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no file was created");
}

#[test]
fn a_missing_or_invalid_settings_file_is_an_error() {
    let db = Db::new();
    let out = db.run(&["--config", "/nonexistent/tearline.toml", "account", "list"]);
    assert!(!out.status.success());
    assert!(out.stderr.contains("settings file"), "{}", out.stderr);
    let bad = write_file(db.dir.path(), "bad.toml", "databse = \"typo\"\n");
    let out = db.run(&["--config", bad.to_str().unwrap(), "account", "list"]);
    assert!(!out.status.success());
    assert!(out.stderr.contains("not valid"), "{}", out.stderr);
}
