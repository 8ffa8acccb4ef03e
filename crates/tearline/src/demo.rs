//! `tearline demo`: the three public duty-to-warn cases, run for real.
//!
//! Two tearline servers start on loopback ports the OS picks, each on its own temporary SQLite
//! database: the producer (a national CERT), and a recipient's own TAXII server (for the
//! warning pushed to Iran). Every step goes over HTTP as the person or partner who takes it:
//! analysts post intelligence over TAXII, the release officer decides through the management
//! API, partners pull their collection and post their acknowledgement and outcome over TAXII.
//! Deadlines run on a hand-driven clock (starting now), so a missed acknowledgement takes a
//! moment instead of two hours. The timelines printed are read back from the stored cases.
//!
//! `--bench N` also measures approval-to-readable: from the warn decision to the warning being
//! readable in the recipient's collection on its own server (push included).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tearline_service::cases::{Desk, ManualClock, PushTarget, Scheduler};
use tearline_service::partners::{self, PartnerInput};
use tearline_service::releases::{Organisation, ReleaseSettings, Releaser};
use tearline_service::Actor;
use tearline_store::{NewCollection, Role, Store, secret};
use tearline_store_sqlite::SqliteStore;
use tokio::sync::oneshot;

const SAYYIDA: &str = include_str!("../../../data/demo/sayyida-zaynab-2025.json");
const CROCUS: &str = include_str!("../../../data/demo/crocus-city-hall-2024.json");
const KERMAN: &str = include_str!("../../../data/demo/kerman-2024.json");

const TAXII: &str = "application/taxii+json;version=2.1";

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Keep the temporary databases (their directory is printed).
    #[arg(long)]
    keep: bool,
    /// Also measure approval-to-readable over N warnings pushed to the recipient's server.
    #[arg(long, value_name = "N")]
    bench: Option<usize>,
}

/// A running server.
struct Node {
    base: String,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Node {
    async fn start(state: tearline_taxii::AppState) -> anyhow::Result<Node> {
        let (bound_tx, bound_rx) = oneshot::channel();
        let (stop, stopped) = oneshot::channel::<()>();
        let listen = tearline_taxii::Listen { addr: SocketAddr::from(([127, 0, 0, 1], 0)), tls: None };
        let task = tokio::spawn(tearline_taxii::serve(
            state,
            listen,
            Duration::from_secs(5),
            move |addr| {
                let _ = bound_tx.send(addr);
            },
            async move {
                let _ = stopped.await;
            },
        ));
        let addr = tokio::time::timeout(Duration::from_secs(10), bound_rx).await.context("the server did not start")?.context("the server did not start")?;
        Ok(Node { base: format!("http://{addr}"), stop: Some(stop), task })
    }

    async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = self.task.await;
    }
}

/// One HTTP exchange (on the blocking pool: the servers share this runtime).
async fn http(method: &'static str, url: String, token: &str, body: Option<Value>, taxii: bool) -> anyhow::Result<(u16, Value, String)> {
    let auth = format!("Bearer {token}");
    tokio::task::spawn_blocking(move || -> anyhow::Result<(u16, Value, String)> {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(Duration::from_secs(30))).build().into();
        let media = if taxii { TAXII } else { "application/json" };
        let mut resp = match (method, body) {
            ("POST", Some(b)) => agent.post(&url).header("Authorization", &auth).header("Accept", media).header("Content-Type", media).send(b.to_string()),
            _ => agent.get(&url).header("Authorization", &auth).header("Accept", media).call(),
        }
        .with_context(|| format!("cannot reach {url}"))?;
        let status = resp.status().as_u16();
        let text = resp.body_mut().read_to_string().unwrap_or_default();
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null), text))
    })
    .await?
}

async fn expect(method: &'static str, url: String, token: &str, body: Option<Value>, taxii: bool, want: u16) -> anyhow::Result<Value> {
    let (status, v, text) = http(method, url.clone(), token, body, taxii).await?;
    if status != want {
        bail!("{method} {url} answered {status} (expected {want}): {text}");
    }
    Ok(v)
}

struct Demo {
    producer: Node,
    store: Arc<dyn Store>,
    desk: Arc<Desk>,
    clock: Arc<ManualClock>,
    intel: String,
    ana: String,
    rob: String,
    members: std::collections::BTreeMap<&'static str, String>,
}

fn say(s: impl AsRef<str>) {
    println!("{}", s.as_ref());
}

impl Demo {
    fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.producer.base)
    }

    fn objects_url(&self, root: &str, collection: &str) -> String {
        format!("{}/taxii2/{root}/collections/{collection}/objects/", self.producer.base)
    }

    /// An analyst posts intelligence over TAXII; returns the case the server raised from it.
    async fn post_intel(&self, bundle: &str) -> anyhow::Result<Value> {
        let envelope: Value = serde_json::from_str(bundle)?;
        let n = envelope["objects"].as_array().map_or(0, Vec::len);
        let status = expect("POST", self.objects_url("default", &self.intel), &self.ana, Some(envelope.clone()), true, 202).await?;
        say(format!("  ana (analyst) posts {n} objects over TAXII: status {}, {} stored", status["status"].as_str().unwrap_or("?"), status["success_count"]));
        let report = envelope["objects"].as_array().into_iter().flatten().find(|o| o["type"] == "report").context("the scenario has a report")?;
        let id = tearline_duty::NewCase::derive_id(report["id"].as_str().unwrap_or_default());
        let case = expect("GET", self.api(&format!("/cases/{id}")), &self.rob, None, false, 200).await.context("the case was not raised")?;
        let recipients: Vec<String> = case["recipients"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| {
                let f = &r["flags"];
                let flags: Vec<&str> = [("hostile", "hostile"), ("not_recognised", "not recognised"), ("no_relations", "no relations"), ("designated", "designated")]
                    .into_iter()
                    .filter(|(k, _)| f[*k] == json!(true))
                    .map(|(_, v)| v)
                    .collect();
                format!("{} ({})", r["partner"].as_str().unwrap_or(""), if flags.is_empty() { "no flags".into() } else { flags.join(", ") })
            })
            .collect();
        say(format!("  the server raises case {id}: \"{}\", urgency {}, to warn: {}", case["title"].as_str().unwrap_or(""), case["urgency"].as_str().unwrap_or(""), recipients.join(", ")));
        Ok(case)
    }

    async fn warn(&self, case: &str) -> anyhow::Result<Value> {
        let d = expect("POST", self.api(&format!("/cases/{case}/decide")), &self.rob, Some(json!({"decision": "warn", "channel": "taxii"})), false, 200).await?;
        for r in d["releases"].as_array().into_iter().flatten() {
            say(format!("  rob (release officer) decides to warn: signed release {} for {} via {}", r["release_id"].as_str().unwrap_or(""), r["partner"].as_str().unwrap_or(""), r["channel"].as_str().unwrap_or("")));
        }
        Ok(d)
    }

    /// The partner's member reads its collection over TAXII; returns the objects and the raw bytes.
    async fn pull(&self, partner: &str) -> anyhow::Result<(Vec<Value>, String)> {
        let p = self.store.partner(partner).await?.context("partner")?;
        let (status, v, raw) = http("GET", self.objects_url("partners", &p.collection_id), &self.members[partner], None, true).await?;
        if status != 200 {
            bail!("{partner} could not read its collection: {status} {raw}");
        }
        let objects = v["objects"].as_array().cloned().unwrap_or_default();
        say(format!("  {partner}'s member pulls its collection over TAXII: {} objects", objects.len()));
        for o in &objects {
            if let Some(d) = o.get("description").or_else(|| o.get("content")).and_then(Value::as_str).filter(|_| matches!(o["type"].as_str(), Some("report" | "note"))) {
                say(format!("      {} \"{}\": {}", o["type"].as_str().unwrap_or(""), o.get("name").and_then(Value::as_str).unwrap_or(""), d));
            }
        }
        Ok((objects, raw))
    }

    async fn feedback(&self, partner: &str, objects: Vec<Value>) -> anyhow::Result<()> {
        let p = self.store.partner(partner).await?.context("partner")?;
        expect("POST", self.objects_url("partners", &p.collection_id), &self.members[partner], Some(json!({"objects": objects})), true, 202).await?;
        Ok(())
    }

    async fn tick(&self) -> anyhow::Result<()> {
        for (case, what) in tearline_store::ledger::acting(Scheduler::ACTOR, Scheduler::tick(&*self.store, &self.desk)).await? {
            say(format!("  scheduler: {what} ({case})"));
        }
        Ok(())
    }

    async fn timeline(&self, case: &str) -> anyhow::Result<()> {
        let t = expect("GET", self.api(&format!("/cases/{case}/timeline")), &self.rob, None, false, 200).await?;
        let c = expect("GET", self.api(&format!("/cases/{case}")), &self.rob, None, false, 200).await?;
        say(format!("  timeline (read back from the stored case; final stage: {}):", c["stage"].as_str().unwrap_or("")));
        for l in t["lines"].as_array().into_iter().flatten() {
            say(format!("    {}", l.as_str().unwrap_or("")));
        }
        for r in c["reviews"].as_array().into_iter().flatten() {
            say(format!("  review of the release opened: {} said {} ({})", r["partner"].as_str().unwrap_or(""), r["opinion"].as_str().unwrap_or(""), r["comment"].as_str().unwrap_or("")));
        }
        for e in c["escalations"].as_array().into_iter().flatten() {
            let to = match e["target"]["to"].as_str() {
                Some("out-of-band") => format!("an out-of-band channel (in person) for {}", e["target"]["partners"]),
                Some(other) => other.to_owned(),
                None => e["target"].to_string(),
            };
            say(format!("  escalated to {to}: {}", e["reason"].as_str().unwrap_or("")));
        }
        Ok(())
    }
}

fn feedback_note(release: &str, content: &str, outcome: Option<&str>) -> Value {
    let now = tearline_stix::Timestamp::now().to_string();
    let mut note = json!({"type": "note", "spec_version": "2.1", "id": format!("note--{}", uuid::Uuid::new_v4()), "created": now, "modified": now,
        "content": content, "object_refs": [release]});
    if let Some(o) = outcome {
        note["x_tearline_outcome"] = json!(o);
    }
    note
}

fn release_of(decided: &Value) -> String {
    decided["releases"][0]["release_id"].as_str().unwrap_or_default().to_owned()
}

pub async fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let dir = std::env::temp_dir().join(format!("tearline-demo-{}-{}", std::process::id(), tearline_stix::Timestamp::now().as_micros()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = run_in(&dir, &args).await;
    if args.keep {
        say(format!("\nthe databases are kept in {}", dir.display()));
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    result
}

async fn account(store: &dyn Store, name: &str, role: Role) -> anyhow::Result<String> {
    let s = secret::generate();
    store.add_account(name, role, secret::hash(&s)).await?;
    Ok(s)
}

async fn run_in(dir: &std::path::Path, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    say("tearline demo: three public duty-to-warn cases, run for real on two local tearline servers\n");
    // The recipient's own TAXII server (Iran's, for the pushed warning).
    let theirs: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.join("recipient.db"))?);
    let pusher = account(&*theirs, "cert-inbound", Role::Analyst).await?;
    let reader = account(&*theirs, "mois-duty-officer", Role::Analyst).await?;
    let inbox = theirs
        .add_collection(NewCollection { api_root: "default".into(), title: "Warnings received".into(), readers: vec!["mois-duty-officer".into(), "cert-inbound".into()], writers: vec!["cert-inbound".into()], ..Default::default() })
        .await?;
    let recipient_node = Node::start(tearline_taxii::AppState::new(theirs.clone(), Default::default())).await?;

    // The producer.
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(dir.join("producer.db"))?);
    let ana = account(&*store, "ana", Role::Analyst).await?;
    let rob = account(&*store, "rob", Role::ReleaseOfficer).await?;
    account(&*store, "ada", Role::Admin).await?;
    let intel = store
        .add_collection(NewCollection { api_root: "default".into(), title: "Intelligence".into(), readers: vec!["ana".into(), "rob".into()], writers: vec!["ana".into()], ..Default::default() })
        .await?;
    let op = Actor::Operator;
    let mut members = std::collections::BTreeMap::new();
    let mut clients = Vec::new();
    for (name, country, flags, member) in [
        ("syria-gsd", "SYR", vec!["not-recognised"], Some("gsd-liaison")),
        ("russia-fsb", "RUS", vec!["hostile"], Some("fsb-duty-desk")),
        ("iran-mois", "IRN", vec!["hostile", "no-diplomatic-relations"], None),
    ] {
        let input = PartnerInput { name: Some(name.into()), country: Some(country.into()), flags: Some(flags.into_iter().map(str::to_owned).collect()), ..Default::default() };
        // Each partner is in the producer's TLP:AMBER scope (a client): the intelligence is
        // TLP:AMBER, and what protects its sources is its source-protection marking.
        clients.push(partners::add(&*store, &op, input).await?.profile.identity_id);
        if let Some(m) = member {
            members.insert(name, partners::add_member(&*store, &op, name, m).await?.1);
        }
    }
    let clock = Arc::new(ManualClock::at(tearline_stix::Timestamp::now().as_micros()));
    let mut desk = Desk::new(tearline_duty::Profile::default_profile());
    desk.clock = clock.clone();
    desk.push.insert(
        "iran-mois".into(),
        PushTarget { collection_url: format!("{}/taxii2/default/collections/{}/", recipient_node.base, inbox.id), token: Some(pusher), basic: None },
    );
    let organisation = Organisation { name: "Example National CERT (demo)".into(), identity: None, country: Some("USA".into()) };
    desk.publisher_identity = organisation.identity_id();
    let releaser = Releaser::new(organisation, ReleaseSettings { clients, ..Default::default() }, dir.join("tearline.key"))?;
    let state = tearline_taxii::AppState::new(store.clone(), Default::default()).with_releaser(releaser).with_desk(desk);
    let desk = state.desk.clone();
    let producer = Node::start(state).await?;
    say(format!("producer (Example National CERT) on {}, Iran's own TAXII server on {}", producer.base, recipient_node.base));
    say("accounts: ana (analyst), rob (release officer); partners: syria-gsd (not recognised), russia-fsb (hostile), iran-mois (hostile, no relations)\n");
    let demo = Demo { producer, store: store.clone(), desk, clock, intel: intel.id.clone(), ana, rob, members };
    let outcome = scenarios(&demo, &recipient_node, &inbox.id, &reader, args).await;
    demo.producer.stop().await;
    recipient_node.stop().await;
    outcome
}

async fn scenarios(d: &Demo, theirs: &Node, inbox: &str, reader: &str, args: &DemoArgs) -> anyhow::Result<ExitCode> {
    // 1. Sayyida Zaynab.
    say("== 1. Sayyida Zaynab shrine, Damascus, January 2025 ==");
    let case = d.post_intel(SAYYIDA).await?;
    let id = case["id"].as_str().unwrap_or_default().to_owned();
    let decided = d.warn(&id).await?;
    let release = release_of(&decided);
    let (_, raw) = d.pull("syria-gsd").await?;
    let forbidden = ["Intercept", "intercept", "+963", "944 123 456", "356938035643809", "at 21:14", "at 02:10", "source with access", "facilitator"];
    let leaked: Vec<&str> = forbidden.iter().copied().filter(|f| raw.contains(f)).collect();
    if !leaked.is_empty() {
        bail!("the warning carried source material: {leaked:?}");
    }
    if !raw.contains("Sayyida Zaynab") || !raw.contains("2025-01-10") {
        bail!("the warning lost its substance (target, place or time window)");
    }
    say("  checked: the partner got the target, place and time window, and none of the intercept wording, selectors or collection times");
    // The server records first reads in the background (reads never wait on a write).
    for _ in 0..100 {
        if !d.store.retrievals(Some(&release)).await?.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    d.tick().await?;
    d.feedback("syria-gsd", vec![feedback_note(&release, "Received. Security around the shrine is being reinforced.", None)]).await?;
    say("  the partner acknowledges with a STIX note referencing the release");
    d.feedback("syria-gsd", vec![feedback_note(&release, "Cell arrested on 11 January before the attack; explosives seized.", Some("foiled"))]).await?;
    say("  the partner reports the outcome: foiled");
    d.timeline(&id).await?;

    // 2. Crocus City Hall.
    say("\n== 2. Crocus City Hall, Moscow, March 2024 ==");
    let case = d.post_intel(CROCUS).await?;
    let id = case["id"].as_str().unwrap_or_default().to_owned();
    let decided = d.warn(&id).await?;
    if let Some(a) = decided.get("public_advisory").filter(|a| !a.is_null()) {
        say(format!("  own citizens at risk: public advisory draft (TLP:CLEAR) \"{}\"", a["title"].as_str().unwrap_or("")));
    }
    let release = release_of(&decided);
    let (objects, _) = d.pull("russia-fsb").await?;
    let endorsement = objects.iter().any(|o| o["type"] == "marking-definition" && o["id"] == "marking-definition--8eecf7ed-47e5-411e-869d-e17e89c2faf3");
    say(format!("  the release carries the no-endorsement statement: {}", if endorsement { "yes" } else { "NO" }));
    let now = tearline_stix::Timestamp::now().to_string();
    let opinion = json!({"type": "opinion", "spec_version": "2.1", "id": format!("opinion--{}", uuid::Uuid::new_v4()), "created": now, "modified": now,
        "opinion": "disagree", "explanation": "Too general: no specific venue or date.", "object_refs": [release]});
    d.feedback("russia-fsb", vec![opinion]).await?;
    say("  the partner answers with an opinion: disagree, \"too general\"");
    d.feedback("russia-fsb", vec![feedback_note(&release, "Attack at Crocus City Hall on 22 March.", Some("attack-occurred"))]).await?;
    d.timeline(&id).await?;

    // 3. Kerman.
    say("\n== 3. Kerman, Iran, January 2024 ==");
    let case = d.post_intel(KERMAN).await?;
    let id = case["id"].as_str().unwrap_or_default().to_owned();
    let (status, v, _) = http(
        "POST",
        d.api(&format!("/cases/{id}/decide")),
        &d.ana,
        Some(json!({"decision": "waive", "ground": "recipient-is-hostile", "justification": "Iran is a hostile state; we do not share with it."})),
        false,
    )
    .await?;
    say(format!("  ana tries to waive on the ground \"recipient is hostile\": refused ({status}): {}", v["error"]["message"].as_str().unwrap_or("")));
    if status < 400 {
        bail!("a waiver on 'recipient is hostile' was accepted");
    }
    let decided = d.warn(&id).await?;
    let release = release_of(&decided);
    let got = expect("GET", format!("{}/taxii2/default/collections/{inbox}/objects/?match[id]={release}", theirs.base), reader, None, true, 200).await?;
    say(format!("  on Iran's own server, its duty officer reads the warning: {} object(s) with id {release}", got["objects"].as_array().map_or(0, Vec::len)));
    let c = expect("GET", d.api(&format!("/cases/{id}")), &d.rob, None, false, 200).await?;
    let ack_by = c["deadlines"]["acknowledge_by"].as_i64().context("an acknowledgement deadline")?;
    d.clock.set(ack_by + 1);
    say("  no acknowledgement comes; the clock passes the acknowledgement deadline");
    d.tick().await?;
    d.timeline(&id).await?;

    // The record holds.
    let mut head = tearline_store::Head::default();
    let mut n = 0;
    loop {
        let page = d.store.ledger_entries(&tearline_store::LedgerQuery { after: head.seq, ..Default::default() }).await?;
        if page.is_empty() {
            break;
        }
        n += page.len();
        head = tearline_store::ledger::verify_entries(head, &page).map_err(|e| anyhow::anyhow!("ledger: {e}"))?;
    }
    say(format!("\nledger: {n} entries, the hash chain holds (head {})", hex(&head.hash)));

    if let Some(count) = args.bench {
        bench(d, theirs, inbox, reader, count).await?;
    }
    Ok(ExitCode::SUCCESS)
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Approval-to-readable, push to the recipient's own server included.
async fn bench(d: &Demo, theirs: &Node, inbox: &str, reader: &str, count: usize) -> anyhow::Result<()> {
    let mut times = Vec::with_capacity(count);
    for i in 0..count {
        let bundle = KERMAN.replace("c0000000-0000-4000-8000-", &format!("{:08x}-0000-4000-8000-", 0xd000_0000u32 + i as u32));
        let envelope: Value = serde_json::from_str(&bundle)?;
        expect("POST", d.objects_url("default", &d.intel), &d.ana, Some(envelope.clone()), true, 202).await?;
        let report = envelope["objects"].as_array().into_iter().flatten().find(|o| o["type"] == "report").context("the scenario has a report")?;
        let id = tearline_duty::NewCase::derive_id(report["id"].as_str().unwrap_or_default());
        let t0 = Instant::now();
        let decided = expect("POST", d.api(&format!("/cases/{id}/decide")), &d.rob, Some(json!({"decision": "warn", "channel": "taxii"})), false, 200).await?;
        let release = release_of(&decided);
        loop {
            let got = expect("GET", format!("{}/taxii2/default/collections/{inbox}/objects/?match[id]={release}", theirs.base), reader, None, true, 200).await?;
            if got["objects"].as_array().is_some_and(|a| !a.is_empty()) {
                break;
            }
            if t0.elapsed() > Duration::from_secs(30) {
                bail!("warning {release} not readable after 30 s");
            }
        }
        times.push(t0.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    say(format!(
        "\napproval to readable in the recipient's own collection (push included), {count} warnings: median {:.0} ms, p90 {:.0} ms, max {:.0} ms",
        ms(times[count / 2]),
        ms(times[(count * 9 / 10).min(count - 1)]),
        ms(times[count - 1])
    ));
    Ok(())
}
