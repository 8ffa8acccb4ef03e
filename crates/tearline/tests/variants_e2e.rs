//! Leak tracing end to end through the real binary and HTTP server: one warning previewed and
//! approved for three partners as variants (`--to A --to B --to C --variants`), each partner's
//! TAXII collection verifies offline and `tearline trace` names it; a mix of two partners'
//! text names both; no response of any egress path carries the variant map.

#[allow(dead_code)]
#[path = "it/harness.rs"]
mod harness;

use harness::*;
use serde_json::{Value, json};

const TLP_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
const CAMPAIGN: &str = "campaign--2c51f0d4-6a0e-4f3b-8d0e-000000000001";
const LOCATION: &str = "location--2c51f0d4-6a0e-4f3b-8d0e-000000000002";
const TEXT: &str = "Based on several consistent reports, we assess that a cell of Islamic State is planning an attack on the Sayyida Zaynab shrine south of Damascus in the coming days. The cell is assessed to be in the final stage of preparation and will probably use a suicide bomber wearing an explosive vest among pilgrims. Its leader is believed to be in Rif Dimashq, and reporting indicates that he intends to strike between 10 and 12 January, in particular during Friday prayers. For these reasons we recommend increased security at the northern and eastern gates as well as searches of vehicles on the access road.";
const PARTNERS: [&str; 3] = ["austria-dsn", "iraq-ctd", "syria-gis"];
/// Fields only a variant map has: none may appear in anything served.
const MAP_FIELDS: [&str; 5] = ["\"slots\"", "\"alternatives\"", "\"choice\"", "\"left\"", "\"right\""];

fn sources() -> Vec<Value> {
    let t = "2025-01-08T10:15:00.000Z";
    vec![
        json!({"type":"campaign","spec_version":"2.1","id":CAMPAIGN,"created":t,"modified":t,"name":"Planned attack on Sayyida Zaynab shrine",
            "description":TEXT,"first_seen":"2025-01-10T00:00:00.000Z","last_seen":"2025-01-13T00:00:00.000Z","object_marking_refs":[TLP_CLEAR]}),
        json!({"type":"location","spec_version":"2.1","id":LOCATION,"created":t,"modified":t,"name":"Sayyida Zaynab shrine","latitude":33.4443,"longitude":36.3407,
            "country":"SY","object_marking_refs":[TLP_CLEAR]}),
        json!({"type":"relationship","spec_version":"2.1","id":"relationship--2c51f0d4-6a0e-4f3b-8d0e-000000000003","created":t,"modified":t,
            "relationship_type":"targets","source_ref":CAMPAIGN,"target_ref":LOCATION,"object_marking_refs":[TLP_CLEAR]}),
    ]
}

fn as_person(db: &Db, config: &std::path::Path, token: &str, args: &[&str]) -> Out {
    let out = tearline().arg("--database").arg(&db.url).arg("--config").arg(config).env("TEARLINE_TOKEN", token).args(args).output().expect("run tearline");
    Out { status: out.status, stdout: String::from_utf8_lossy(&out.stdout).into_owned(), stderr: String::from_utf8_lossy(&out.stderr).into_owned() }
}

fn api_get(http: &ureq::Agent, url: &str, auth: &str) -> String {
    let mut resp = http.get(url).header("Accept", "application/json").header("Authorization", auth).call().expect("GET");
    assert_eq!(resp.status().as_u16(), 200, "{url}");
    resp.body_mut().read_to_string().unwrap()
}

fn assert_no_map(what: &str, body: &str) {
    for f in MAP_FIELDS {
        assert!(!body.contains(f), "{what} carries the variant map field {f}");
    }
}

#[test]
fn variants_to_three_partners_trace_back_and_the_map_never_leaves() {
    let db = Db::new();
    let config = write_file(db.dir.path(), "tearline.toml", "[organisation]\nname = \"Producer Service\"\ncountry = \"USA\"\n\n[releases]\ntwo_person = \"always\"\n");
    let cfg = config.to_str().unwrap();

    // Before any variant release: trace refuses clearly.
    let leak0 = write_file(db.dir.path(), "early.txt", TEXT);
    db.fails(&["trace", leak0.to_str().unwrap()], "no variant maps");
    db.fails(&["trace", db.dir.path().join("missing.txt").to_str().unwrap()], "cannot read");

    let ann = db.account("ann", "analyst");
    let rob = db.account("rob", "release-officer");
    let holdings = db.collection("Holdings", "ann,rob", "ann");
    let bundle = write_file(db.dir.path(), "sources.json", &json!({"type": "bundle", "id": "bundle--2c51f0d4-6a0e-4f3b-8d0e-0000000000ff", "objects": sources()}).to_string());
    db.ok(&["import", "--quiet", "--collection", &holdings, bundle.to_str().unwrap()]);
    let mut members = Vec::new();
    for (p, country) in PARTNERS.iter().zip(["AUT", "IRQ", "SYR"]) {
        db.ok(&["--config", cfg, "partner", "add", p, "--country", country]);
        let coll = db.json(&["partner", "show", p, "--json"])["collection_id"].as_str().unwrap().to_owned();
        let member = format!("{p}-liaison");
        let secret = db.ok(&["partner", "member", "add", p, &member]).last_line().to_owned();
        members.push((p.to_string(), coll, basic(&member, &secret)));
    }

    let server = Server::start_with(&db, &["--listen", "127.0.0.1:0", "--config", cfg]).expect("server starts");
    let base = server.base.clone();
    let ids: Vec<String> = sources().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
    let tos: Vec<&str> = PARTNERS.iter().flat_map(|p| ["--to", *p]).collect();

    // Several partners need --variants.
    let mut plain = vec!["release", "preview", "--server", &base];
    plain.extend(&tos);
    plain.extend(ids.iter().map(String::as_str));
    let out = as_person(&db, &config, &ann, &plain);
    assert!(!out.status.success() && out.stderr.contains("--variants"), "{}", out.stderr);

    let mut preview = plain.clone();
    preview.extend(["--variants", "--json"]);
    let out = as_person(&db, &config, &ann, &preview);
    assert!(out.status.success(), "{}", out.stderr);
    assert_no_map("the preview", &out.stdout);
    let previews: Vec<Value> = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(previews.len(), 3);
    assert!(previews.iter().all(|p| p["variants"]["wording_slots"].as_u64() >= Some(6) && p["blocking"] == json!(0)), "{previews:#?}");
    let draft = previews[0]["draft"].as_str().unwrap().to_owned();
    let mut shown = preview.clone();
    shown.retain(|a| *a != "--json");
    let text = as_person(&db, &config, &ann, &shown).stdout;
    assert!(text.contains("variant: this partner's own ids and wording"), "{text}");

    let mut approve = vec!["release", "approve", "--server", &base, "--draft", &draft, "--variants", "--justification", "duty to warn"];
    approve.extend(&tos);
    approve.extend(ids.iter().map(String::as_str));
    let out = as_person(&db, &config, &rob, &approve);
    assert!(out.status.success(), "{}", out.stderr);
    let released: Vec<(String, String)> = out.stdout.lines().map(|l| l.split_once(' ').map(|(p, m)| (p.to_owned(), m.to_owned())).unwrap()).collect();
    assert_eq!(released.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), PARTNERS);

    let key = db.ok(&["--config", cfg, "key", "show"]).stdout.lines().find_map(|l| l.strip_prefix("public key: ")).unwrap().trim().to_owned();
    let http = agent();
    let rob_auth = basic("rob", &rob);
    let mut texts = Vec::new();
    for ((partner, coll, auth), (_, manifest)) in members.iter().zip(&released) {
        // What the partner's member reads over TAXII: it verifies, and traces back to it.
        let (status, body) = get(&http, &server.url(&format!("/taxii2/partners/collections/{coll}/objects/?limit=1000")), auth).unwrap();
        assert_eq!(status, 200, "{body}");
        assert_no_map("the partner's TAXII collection", &body);
        let objects = serde_json::from_str::<Value>(&body).unwrap()["objects"].clone();
        let file = write_file(db.dir.path(), &format!("{partner}.json"), &objects.to_string());
        let v = db.ok(&["verify", file.to_str().unwrap(), "--key", &key]);
        assert!(v.stdout.contains(manifest.as_str()), "{}", v.stdout);
        let t = db.json(&["trace", file.to_str().unwrap(), "--json"]);
        assert_eq!(t["suspects"][0]["partner"], json!(partner), "{t:#}");
        assert_eq!(t["suspects"][0]["release"], json!(manifest));
        let readable = db.ok(&["trace", file.to_str().unwrap()]).stdout;
        let first = readable.lines().find(|l| l.trim_start().starts_with("1 ")).unwrap_or_default();
        assert!(first.contains(partner.as_str()) && readable.contains("evidence for"), "{readable}");
        let campaign = objects.as_array().unwrap().iter().find(|o| o["type"] == "campaign").unwrap();
        texts.push(campaign["description"].as_str().unwrap().to_owned());

        // Every other egress path: the release records, the bundle, the manifest, an export.
        assert_no_map("GET /api/v1/releases/{id}", &api_get(&http, &server.url(&format!("/api/v1/releases/{manifest}")), &rob_auth));
        assert_no_map("the bundle", &api_get(&http, &server.url(&format!("/api/v1/releases/{manifest}/bundle")), &rob_auth));
        let (_, m) = get(&http, &server.url(&format!("/taxii2/partners/collections/{coll}/manifest/")), auth).unwrap();
        assert_no_map("the TAXII manifest", &m);
        assert_no_map("export", &db.ok(&["export", "--all-versions", "--collection", coll]).stdout);
        assert_no_map("release show", &db.ok(&["release", "show", manifest]).stdout);
    }
    assert_no_map("GET /api/v1/releases", &api_get(&http, &server.url("/api/v1/releases"), &rob_auth));
    assert_no_map("GET /api/v1/releases?source=", &api_get(&http, &server.url(&format!("/api/v1/releases?source={CAMPAIGN}")), &rob_auth));
    assert_no_map("release list", &db.ok(&["release", "list", "--json"]).stdout);
    assert_no_map("export of the holdings", &db.ok(&["export", "--collection", &holdings]).stdout);
    assert_eq!(db.json(&["release", "list", "--json", "--source", CAMPAIGN]).as_array().unwrap().len(), 3);

    // A leak mixing two partners' text (no ids) names both first.
    let cut = |t: &str| t.find(" Its leader").unwrap();
    let mix = format!("{}{}", &texts[2][..cut(&texts[2])], &texts[1][cut(&texts[1])..]);
    let file = write_file(db.dir.path(), "mix.txt", &mix);
    let t = db.json(&["trace", file.to_str().unwrap(), "--json"]);
    let mut two: Vec<&str> = t["suspects"].as_array().unwrap()[..2].iter().map(|s| s["partner"].as_str().unwrap()).collect();
    two.sort();
    assert_eq!(two, ["iraq-ctd", "syria-gis"], "{t:#}");
}
