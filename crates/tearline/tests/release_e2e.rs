//! End to end through the real binary and HTTP server: a partner and its member, a release
//! previewed by an analyst (intercept wording and the selector removed), approved by a release
//! officer through the management API, read by the partner member over TAXII (exactly the
//! released objects), verified offline with the public key, and feedback posted back that never
//! reaches a producer collection.

#[allow(dead_code)]
#[path = "it/harness.rs"]
mod harness;

use harness::*;
use serde_json::{Value, json};

const PLAIN: &str = "A cell plans a bomb attack on the Sayyida Zaynab shrine between 10 and 13 January.";
const INTERCEPT: &str = " An intercepted call between two members discussed the timing.";
const TLP_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
const SOURCE_PROTECTION: &str = "extension-definition--6d0b0ae0-11e7-4f8f-b13a-e82d608caad9";

fn sources() -> Vec<Value> {
    let desc = format!("{PLAIN}{INTERCEPT}");
    vec![
        json!({"type":"threat-actor","spec_version":"2.1","id":"threat-actor--7d1f0c52-2a6e-4c1e-9f0e-000000000001","created":"2025-01-08T10:00:00.000Z","modified":"2025-01-08T10:00:00.000Z",
            "name":"Cell","description":desc,"object_marking_refs":[TLP_CLEAR],
            "extensions":{SOURCE_PROTECTION:{"extension_type":"property-extension","spans":[{"selector":"description","start":PLAIN.len(),"end":desc.len(),"level":3}]}}}),
        json!({"type":"location","spec_version":"2.1","id":"location--7d1f0c52-2a6e-4c1e-9f0e-000000000002","created":"2025-01-08T10:00:00.000Z","modified":"2025-01-08T10:00:00.000Z",
            "name":"Sayyida Zaynab shrine","country":"SY","object_marking_refs":[TLP_CLEAR]}),
        json!({"type":"note","spec_version":"2.1","id":"note--7d1f0c52-2a6e-4c1e-9f0e-000000000003","created":"2025-01-08T10:00:00.000Z","modified":"2025-01-08T10:00:00.000Z",
            "content":"The cell coordinates on +963 944 123 456.","object_refs":["threat-actor--7d1f0c52-2a6e-4c1e-9f0e-000000000001"],
            "object_marking_refs":[TLP_CLEAR]}),
    ]
}

fn ids() -> Vec<String> {
    sources().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect()
}

/// Runs the binary with a person's token against the server.
fn as_person(db: &Db, config: &std::path::Path, token: &str, args: &[&str]) -> Out {
    let out = tearline().arg("--database").arg(&db.url).arg("--config").arg(config).env("TEARLINE_TOKEN", token).args(args).output().expect("run tearline");
    Out { status: out.status, stdout: String::from_utf8_lossy(&out.stdout).into_owned(), stderr: String::from_utf8_lossy(&out.stderr).into_owned() }
}

#[test]
fn a_warning_reaches_the_partner_signed_and_sanitised_and_feedback_stays_in_its_collection() {
    let db = Db::new();
    let config = write_file(db.dir.path(), "tearline.toml", "[organisation]\nname = \"Producer Service\"\ncountry = \"USA\"\n");
    let cfg = config.to_str().unwrap();
    let ann = db.account("ann", "analyst");
    let rob = db.account("rob", "release-officer");
    let holdings = db.collection("Holdings", "ann,rob", "ann");
    let bundle = write_file(db.dir.path(), "sources.json", &json!({"type": "bundle", "id": "bundle--7d1f0c52-2a6e-4c1e-9f0e-0000000000ff", "objects": sources()}).to_string());
    db.ok(&["import", "--quiet", "--collection", &holdings, bundle.to_str().unwrap()]);
    db.ok(&["--config", cfg, "partner", "add", "syria-gsd", "--country", "SYR", "--flags", "hostile,not-recognised"]);
    let partner = db.json(&["partner", "show", "syria-gsd", "--json"]);
    let delivery = partner["collection_id"].as_str().unwrap().to_owned();
    let member = db.ok(&["partner", "member", "add", "syria-gsd", "gsd-liaison"]).last_line().to_owned();

    let server = Server::start_with(&db, &["--listen", "127.0.0.1:0", "--config", cfg]).expect("server starts");
    let base = server.base.clone();
    let mut args = vec!["release", "preview", "--to", "syria-gsd", "--json", "--server", &base];
    let source_ids = ids();
    args.extend(source_ids.iter().map(String::as_str));
    let out = as_person(&db, &config, &ann, &args);
    assert!(out.status.success(), "{}", out.stderr);
    let preview: Value = serde_json::from_str(&out.stdout).unwrap();
    let released = preview["released"].to_string();
    assert!(!released.contains("intercepted"), "intercept wording removed: {released}");
    assert!(preview["removals"].as_array().unwrap().iter().any(|r| r["removed_text"].as_str().is_some_and(|t| t.contains("intercepted"))));
    assert!(preview["findings"].as_array().unwrap().iter().any(|f| f["code"] == "TL-PHONE" && f["blocking"] == json!(true)), "the selector blocks");
    // The human-readable preview shows the diff.
    let mut text_args = args.clone();
    text_args.retain(|a| *a != "--json");
    let shown = as_person(&db, &config, &ann, &text_args);
    assert!(shown.stdout.contains("removed (never sent)") && shown.stdout.contains("intercepted call"), "{}", shown.stdout);

    // The selector's note is rewritten at the source rather than overridden: a new version.
    let mut fixed = sources()[2].clone();
    fixed["modified"] = json!("2025-01-08T11:00:00.000Z");
    fixed["content"] = json!("The cell coordinates by phone.");
    let fix = write_file(db.dir.path(), "fix.json", &json!({"type": "bundle", "id": "bundle--7d1f0c52-2a6e-4c1e-9f0e-0000000000fe", "objects": [fixed]}).to_string());
    db.ok(&["import", "--quiet", "--collection", &holdings, fix.to_str().unwrap()]);
    let out = as_person(&db, &config, &ann, &args);
    let preview: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(preview["blocking"], json!(0), "{}", preview["findings"]);
    let draft = preview["draft"].as_str().unwrap().to_owned();

    let mut approve = vec!["release", "approve", "--to", "syria-gsd", "--server", &base, "--draft", &draft];
    approve.extend(source_ids.iter().map(String::as_str));
    let own = as_person(&db, &config, &ann, &approve);
    assert!(!own.status.success() && own.stderr.contains("403"), "the analyst who drafted cannot approve: {}", own.stderr);
    let mut no_draft = approve.clone();
    no_draft.drain(6..8);
    let alone = as_person(&db, &config, &rob, &no_draft);
    assert!(!alone.status.success() && alone.stderr.contains("two people"), "{}", alone.stderr);
    let ok = as_person(&db, &config, &rob, &approve);
    assert!(ok.status.success(), "{}", ok.stderr);
    let manifest_id = ok.last_line().to_owned();
    assert!(manifest_id.starts_with("report--"));

    let record = db.json(&["--config", cfg, "release", "show", &manifest_id]);
    assert_eq!((record["author"].as_str(), record["approver"].as_str()), (Some("ann"), Some("rob")));
    let mut expect: Vec<String> = record["object_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
    expect.sort();

    // The partner member reads its collection with TAXII: exactly the release.
    let http = agent();
    let auth = basic("gsd-liaison", &member);
    let objects = partner_objects(&http, &server, &delivery, &auth);
    let mut got: Vec<String> = objects.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect();
    got.sort();
    assert_eq!(got, expect);
    // It verifies them offline with the producer's public key.
    let key = db.ok(&["--config", cfg, "key", "show"]).stdout.lines().find_map(|l| l.strip_prefix("public key: ")).unwrap().trim().to_owned();
    let fetched = write_file(db.dir.path(), "fetched.json", &Value::Array(objects.clone()).to_string());
    let v = db.ok(&["verify", fetched.to_str().unwrap(), "--key", &key]);
    assert!(v.stdout.contains(&manifest_id), "{}", v.stdout);
    // The exact stored bytes verify too, and a tampered copy does not.
    let raw = tearline().arg("--database").arg(&db.url).args(["release", "show", &manifest_id, "--raw"]).output().unwrap().stdout;
    assert_eq!(hex_sha256(&raw), record["bundle_sha256"].as_str().unwrap());
    let raw_file = db.dir.path().join("raw.json");
    std::fs::write(&raw_file, &raw).unwrap();
    db.ok(&["verify", raw_file.to_str().unwrap(), "--key", &key]);
    let tampered = String::from_utf8(raw).unwrap().replace("between 10 and 13 January", "between 20 and 23 January");
    let t_file = write_file(db.dir.path(), "tampered.json", &tampered);
    assert!(!db.run(&["verify", t_file.to_str().unwrap(), "--key", &key]).status.success());

    // Feedback: a note referencing the manifest, posted into its collection.
    let note = json!({"type":"note","spec_version":"2.1","id":"note--7d1f0c52-2a6e-4c1e-9f0e-0000000000aa","created":"2025-01-11T18:00:00.000Z","modified":"2025-01-11T18:00:00.000Z",
        "created_by_ref": partner["identity_id"], "abstract":"Outcome: foiled","content":"The plot was foiled on 11 January.","object_refs":[manifest_id]});
    let (status, body) = post(&http, &server.url(&format!("/taxii2/partners/collections/{delivery}/objects/")), &auth, &json!({"objects": [note]}).to_string()).unwrap();
    assert_eq!(status, 202, "{body}");
    let after = partner_objects(&http, &server, &delivery, &auth);
    assert!(after.iter().any(|o| o["id"] == note["id"]));
    let producer = all_objects(&http, &server, &holdings, &basic("ann", &ann));
    assert!(producer.iter().all(|o| o["id"] != note["id"]), "feedback never appears in producer collections");
    let exported = db.ok(&["export", "--collection", &holdings]).stdout;
    assert!(!exported.contains("note--7d1f0c52-2a6e-4c1e-9f0e-0000000000aa"));
}

/// The latest version of every object in a partner's delivery collection, as its member sees it.
fn partner_objects(http: &ureq::Agent, server: &Server, coll: &str, auth: &str) -> Vec<Value> {
    let (status, body) = get(http, &server.url(&format!("/taxii2/partners/collections/{coll}/objects/?limit=1000")), auth).expect("GET objects");
    assert_eq!(status, 200, "{body}");
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["more"], json!(false));
    page["objects"].as_array().cloned().unwrap_or_default()
}

fn hex_sha256(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let out = std::process::Command::new("sha256sum").stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).spawn();
    let mut child = out.expect("sha256sum");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), bytes).unwrap();
    let o = child.wait_with_output().unwrap();
    let mut s = String::new();
    write!(s, "{}", String::from_utf8_lossy(&o.stdout).split_whitespace().next().unwrap_or("")).unwrap();
    s
}
