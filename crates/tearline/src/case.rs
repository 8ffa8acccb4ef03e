//! `tearline case ...`: duty-to-warn cases.
//!
//! Decisions, approvals and everything a person records go through the management API with
//! that person's own secret (`--server URL`, `TEARLINE_TOKEN`). Reading (list, show, timeline,
//! document, metrics) works through the API too, or directly on the database as the operator
//! when no `--server` is given.

use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use serde_json::{Value, json};
use tearline_service::Actor;
use tearline_service::cases;
use tearline_service::releases::Releaser;
use tearline_store::Store;

use crate::release::{Remote, call, parse_override, request};

#[derive(Subcommand)]
pub enum CaseCmd {
    /// List cases.
    List {
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        remote: Remote,
    },
    /// Show one case: attributes, victim, recipients, deadlines, deliveries.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        remote: Remote,
    },
    /// Every step of a case with its time and actor.
    Timeline {
        id: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        remote: Remote,
    },
    /// Open a case from objects (threat attributes from their tearline-threat extension unless
    /// given with --attributes FILE.json).
    Open {
        #[arg(long = "source", required = true, value_name = "ID")]
        sources: Vec<String>,
        #[arg(long)]
        title: Option<String>,
        /// Partner to warn (repeatable; default: from the jurisdiction map).
        #[arg(long = "recipient", value_name = "PARTNER")]
        recipients: Vec<String>,
        #[arg(long, value_name = "FILE")]
        attributes: Option<std::path::PathBuf>,
        #[command(flatten)]
        remote: Remote,
    },
    /// Decide: warn (a release to each recipient), waive (on a ground of the profile's closed
    /// list), or escalate to the resolver. Through the management API.
    Decide {
        id: String,
        #[arg(value_parser = ["warn", "waive", "escalate"])]
        decision: String,
        /// How the warning goes (e.g. taxii, direct-meeting, liaison).
        #[arg(long, default_value = "taxii")]
        channel: String,
        /// Waiver ground (see the profile).
        #[arg(long)]
        ground: Option<String>,
        #[arg(long)]
        justification: Option<String>,
        /// A further-sanitised draft considered and rejected: TEXT=REASON (repeatable; a
        /// sources-and-methods waiver needs one).
        #[arg(long = "rejected-draft", value_name = "TEXT=REASON")]
        rejected_drafts: Vec<String>,
        /// Why escalate.
        #[arg(long)]
        reason: Option<String>,
        /// Override a blocking lint in a warning: PARTNER|*:CODE:OBJECT_ID:PATH=JUSTIFICATION.
        #[arg(long = "override", value_name = "PARTNER:CODE:OBJECT:PATH=WHY")]
        overrides: Vec<String>,
        #[command(flatten)]
        remote: Remote,
    },
    /// Record an event by hand (JSON, e.g. '{"event":"confirm"}',
    /// '{"event":"acknowledged","partner":"p","by":"Col. X","how":"in-person"}',
    /// '{"event":"manual-delivery","delivery":{...}}', '{"event":"outcome","partner":"p","outcome":"foiled"}').
    Record {
        id: String,
        event: String,
        #[command(flatten)]
        remote: Remote,
    },
    /// The human-readable warning for one recipient (plain text, or --html).
    Document {
        id: String,
        #[arg(long)]
        partner: String,
        #[arg(long)]
        html: bool,
        #[command(flatten)]
        remote: Remote,
    },
    /// Time to decide, deliver and acknowledge, and outcomes, per partner.
    Metrics {
        #[command(flatten)]
        remote: Remote,
    },
}

pub async fn run(store: &dyn Store, desk: &cases::Desk, releaser: &Releaser, cmd: CaseCmd) -> anyhow::Result<ExitCode> {
    let op = Actor::Operator;
    match cmd {
        CaseCmd::List { json, remote } => {
            let list: Value = if remote.server.is_some() { call_get(&remote, "/cases")? } else { json!({ "cases": cases::list(store, &op).await? }) };
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                println!("{:<50} {:<20} {:<9} title", "case", "stage", "urgency");
                for c in list["cases"].as_array().into_iter().flatten() {
                    println!("{:<50} {:<20} {:<9} {}", s(&c["id"]), s(&c["stage"]), s(&c["urgency"]), s(&c["title"]));
                }
            }
        }
        CaseCmd::Show { id, json, remote } => {
            let c: Value = if remote.server.is_some() { call_get(&remote, &format!("/cases/{id}"))? } else { serde_json::to_value(cases::show(store, &op, &id).await?)? };
            if json {
                println!("{}", serde_json::to_string_pretty(&c)?);
            } else {
                print_case(&c);
            }
        }
        CaseCmd::Timeline { id, json, remote } => {
            let (entries, lines): (Value, Vec<String>) = if remote.server.is_some() {
                let t = call_get(&remote, &format!("/cases/{id}/timeline"))?;
                (t["entries"].clone(), t["lines"].as_array().into_iter().flatten().map(|l| s(l).to_owned()).collect())
            } else {
                let entries = cases::timeline(store, &op, &id).await?;
                (serde_json::to_value(&entries)?, tearline_duty::render_timeline(&entries))
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&entries)?);
            } else {
                for l in lines {
                    println!("{l}");
                }
            }
        }
        CaseCmd::Open { sources, title, recipients, attributes, remote } => {
            let attributes: Option<Value> = match attributes {
                Some(f) => Some(serde_json::from_str(&std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?).with_context(|| format!("{} is not JSON", f.display()))?),
                None => None,
            };
            let mut body = json!({ "sources": sources });
            if let Some(t) = title {
                body["title"] = json!(t);
            }
            if !recipients.is_empty() {
                body["recipients"] = json!(recipients);
            }
            if let Some(a) = attributes {
                body["attributes"] = a;
            }
            let c: Value = if remote.server.is_some() {
                call(&remote, "/cases", &body)?
            } else {
                let input: cases::OpenInput = serde_json::from_value(body).context("invalid case input")?;
                serde_json::to_value(cases::CaseView::from(cases::open(store, &op, desk, input).await?))?
            };
            eprintln!("case opened ({}), recipients: {}", s(&c["state"]), c["recipients"].as_array().into_iter().flatten().map(|r| s(&r["partner"]).to_owned()).collect::<Vec<_>>().join(", "));
            println!("{}", s(&c["id"]));
        }
        CaseCmd::Decide { id, decision, channel, ground, justification, rejected_drafts, reason, overrides, remote } => {
            let mut body = json!({ "decision": decision });
            match decision.as_str() {
                "warn" => {
                    body["channel"] = json!(channel);
                    if let Some(j) = &justification {
                        body["justification"] = json!(j);
                    }
                    let mut per: std::collections::BTreeMap<String, Vec<Value>> = std::collections::BTreeMap::new();
                    for o in &overrides {
                        let (partner, rest) = o.split_once(':').context("an override is PARTNER:CODE:OBJECT_ID:PATH=JUSTIFICATION (PARTNER may be *)")?;
                        per.entry(partner.to_owned()).or_default().push(parse_override(rest)?);
                    }
                    body["options"] = json!({ "overrides": per });
                }
                "waive" => {
                    body["ground"] = json!(ground.context("a waiver needs --ground (see the profile's closed list)")?);
                    body["justification"] = json!(justification.unwrap_or_default());
                    let drafts = rejected_drafts
                        .iter()
                        .map(|d| d.split_once('=').map(|(t, r)| json!({"draft": t, "reason": r})).context("a rejected draft is TEXT=REASON"))
                        .collect::<anyhow::Result<Vec<_>>>()?;
                    body["sanitised_drafts"] = json!(drafts);
                }
                _ => body["reason"] = json!(reason.context("say why with --reason")?),
            }
            let d = call(&remote, &format!("/cases/{id}/decide"), &body)?;
            eprintln!("case {id}: {}", s(&d["case"]["stage"]));
            for r in d["releases"].as_array().into_iter().flatten() {
                println!("{}  {}  {}", s(&r["partner"]), s(&r["release_id"]), s(&r["channel"]));
            }
            if let Some(a) = d.get("public_advisory").filter(|a| !a.is_null()) {
                eprintln!("own citizens at risk: public advisory draft (TLP:CLEAR) created:\n{}", s(&a["text"]));
            }
        }
        CaseCmd::Record { id, event, remote } => {
            let ev: Value = serde_json::from_str(&event).context("the event is JSON with an \"event\" field")?;
            let c = call(&remote, &format!("/cases/{id}/events"), &ev)?;
            eprintln!("recorded; case {id} is now {}", s(&c["stage"]));
        }
        CaseCmd::Document { id, partner, html, remote } => {
            let text = if remote.server.is_some() {
                request(&remote, &format!("/cases/{id}/document?partner={partner}&format={}", if html { "html" } else { "text" }), None)?
            } else {
                let d = cases::document(store, &op, desk, releaser, &id, &partner).await?;
                if html { d.html } else { d.text }
            };
            print!("{text}");
        }
        CaseCmd::Metrics { remote } => {
            let m: Value = if remote.server.is_some() { call_get(&remote, "/cases/metrics")? } else { serde_json::to_value(cases::metrics(store, &op).await?)? };
            println!("{}", serde_json::to_string_pretty(&m)?);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn call_get(remote: &Remote, path: &str) -> anyhow::Result<Value> {
    Ok(serde_json::from_str(&request(remote, path, None)?)?)
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn print_case(c: &Value) {
    println!("{}  {}", s(&c["id"]), s(&c["title"]));
    println!("  stage: {} (state {}), urgency {}, harm {}", s(&c["stage"]), s(&c["state"]), s(&c["urgency"]), s(&c["harm"]));
    if let Some(v) = c.get("victim").filter(|v| !v.is_null()) {
        println!("  intended victim: {} ({}, {})", s(&v["name"]), s(&v["kind"]), s(&v["country"]));
    }
    let recipients: Vec<String> = c["recipients"].as_array().into_iter().flatten().map(|r| s(&r["partner"]).to_owned()).collect();
    println!("  recipients to warn: {}", recipients.join(", "));
    println!("  author: {}; sources: {}", s(&c["author"]), c["source_object_ids"].as_array().into_iter().flatten().map(|x| s(x).to_owned()).collect::<Vec<_>>().join(", "));
    if let Some(d) = c["deliveries"].as_object() {
        for (p, d) in d {
            println!(
                "  delivery to {p}: release {} via {}; retrieved {}; acknowledged {}; outcome {}",
                s(&d["release_id"]),
                s(&d["channel"]),
                if d["retrieved_at"].is_null() { "no" } else { "yes" },
                if d["acknowledged_at"].is_null() { "no" } else { "yes" },
                d["outcome"].as_str().unwrap_or("-")
            );
        }
    }
    for r in c["reviews"].as_array().into_iter().flatten() {
        println!("  review opened: {} said {} of {}: {}", s(&r["partner"]), s(&r["opinion"]), s(&r["release_id"]), s(&r["comment"]));
    }
    for e in c["escalations"].as_array().into_iter().flatten() {
        println!("  escalated: {}", e);
    }
}
