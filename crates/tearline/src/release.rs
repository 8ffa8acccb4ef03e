//! `tearline release ...`, `tearline key ...` and `tearline verify`.
//!
//! Acts that need a person's authority (approve, recall, lint overrides) go through the
//! management API with the person's own secret (`--server URL`, `TEARLINE_TOKEN`), so nobody
//! satisfies the two-person rule by writing the database under another name. Previews may run
//! through the API too (then the draft names the account) or on the database directly (then the
//! draft names no person and cannot count as a second one). Listing, showing and key commands
//! are operator commands on the local database and key file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use tearline_service::Actor;
use tearline_service::keys::{SigningKeys, keyring_of, parse_public_key};
use tearline_service::releases::{self, Preview, PreviewInput, Releaser};
use tearline_store::Store;

#[derive(Args, Clone)]
pub struct Remote {
    /// The tearline server (management API), e.g. https://tearline.example:8480
    #[arg(long, env = "TEARLINE_SERVER", value_name = "URL")]
    pub(crate) server: Option<String>,
    /// Your account's secret (sent as a Bearer token).
    #[arg(long, env = "TEARLINE_TOKEN", hide_env_values = true, value_name = "SECRET")]
    pub(crate) token: Option<String>,
}

/// Meaning-preserving per-partner variants (leak tracing).
#[derive(Args, Clone, Default)]
pub struct VariantArgs {
    /// Give each partner (--to, repeatable) its own meaning-preserving variant: its own ids and
    /// wording alternatives in non-operative text, recorded internally for `tearline trace`.
    #[arg(long)]
    variants: bool,
    /// Also write invisible zero-width marks into varied text (off by default).
    #[arg(long, requires = "variants")]
    marks: bool,
    /// The text will be translated: never write invisible marks.
    #[arg(long, requires = "variants")]
    translated: bool,
    /// Variant seed, 64 hex digits (default: derived from the signing key and the sources).
    #[arg(long, requires = "variants", value_name = "HEX")]
    seed: Option<String>,
}

impl VariantArgs {
    /// The `variants` option of the API for a cohort of partners.
    fn option(&self, partners: &[String]) -> anyhow::Result<Option<Value>> {
        if !self.variants {
            if partners.len() > 1 {
                bail!("several --to partners need --variants (or preview and approve each partner on its own)");
            }
            return Ok(None);
        }
        let mut v = json!({"partners": partners, "invisible_marks": self.marks, "translated": self.translated});
        if let Some(s) = &self.seed {
            v["seed"] = json!(s);
        }
        Ok(Some(v))
    }
}

#[derive(Subcommand)]
pub enum ReleaseCmd {
    /// Show what a partner would get from these sources, what was removed and why, and lints.
    Preview {
        /// Partner (repeatable with --variants: one preview per partner, one draft for all).
        #[arg(long = "to", value_name = "PARTNER", required = true)]
        partners: Vec<String>,
        /// Source object ids (latest versions, in collections you may read).
        #[arg(required = true)]
        sources: Vec<String>,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        variants: VariantArgs,
        #[command(flatten)]
        remote: Remote,
    },
    /// Approve a release drafted by another person (through the management API). With several
    /// --to partners (and --variants), each gets its own variant and stdout has one line
    /// `PARTNER MANIFEST_ID` per partner.
    Approve {
        /// Partner (repeatable with --variants).
        #[arg(long = "to", value_name = "PARTNER", required = true)]
        partners: Vec<String>,
        #[arg(required = true)]
        sources: Vec<String>,
        /// The preview's draft token.
        #[arg(long)]
        draft: Option<String>,
        /// Override a blocking lint: CODE:OBJECT_ID:PATH=JUSTIFICATION (repeatable).
        #[arg(long = "override", value_name = "CODE:OBJECT:PATH=WHY")]
        overrides: Vec<String>,
        #[arg(long)]
        justification: Option<String>,
        /// Manifest id of the release this one corrects.
        #[arg(long)]
        supersedes: Option<String>,
        #[command(flatten)]
        variants: VariantArgs,
        #[command(flatten)]
        remote: Remote,
    },
    /// Recall a release: a signed notice goes to the partner (through the management API).
    Recall {
        id: String,
        #[arg(long)]
        reason: String,
        #[command(flatten)]
        remote: Remote,
    },
    /// List releases.
    List {
        #[arg(long)]
        partner: Option<String>,
        /// Only releases derived from this source object.
        #[arg(long)]
        source: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one release; --raw prints the exact stored bundle bytes.
    Show {
        id: String,
        #[arg(long)]
        raw: bool,
    },
}

#[derive(Subcommand)]
pub enum KeyCmd {
    /// Print the current public key and key id (creating the key on first use).
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Make a new signing key; old public keys stay in the keyring so old releases verify.
    Rotate,
}

fn http() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(std::time::Duration::from_secs(120))).build().into()
}

pub(crate) fn call(remote: &Remote, path: &str, body: &Value) -> anyhow::Result<Value> {
    let text = request(remote, path, Some(body))?;
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A management API request (POST with a JSON body, else GET); the answer's text, or the
/// API's error message.
pub(crate) fn request(remote: &Remote, path: &str, body: Option<&Value>) -> anyhow::Result<String> {
    let server = remote.server.as_deref().context("give --server URL (or TEARLINE_SERVER): this acts with your authority through the management API")?;
    let token = remote.token.as_deref().context("set TEARLINE_TOKEN to your account's secret")?;
    let url = format!("{}/api/v1{path}", server.trim_end_matches('/'));
    let auth = format!("Bearer {token}");
    let sent = match body {
        Some(b) => http().post(&url).header("Authorization", &auth).header("Accept", "application/json").content_type("application/json").send(b.to_string()),
        None => http().get(&url).header("Authorization", &auth).call(),
    };
    let mut resp = sent.with_context(|| format!("cannot reach {url}"))?;
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().context("cannot read the answer")?;
    if !(200..300).contains(&status) {
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        bail!("{} ({status})", v["error"]["message"].as_str().unwrap_or(&text));
    }
    Ok(text)
}

pub(crate) fn parse_override(s: &str) -> anyhow::Result<Value> {
    let (head, why) = s.split_once('=').context("an override is CODE:OBJECT_ID:PATH=JUSTIFICATION")?;
    let mut parts = head.splitn(3, ':');
    let (Some(code), Some(object), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
        bail!("an override is CODE:OBJECT_ID:PATH=JUSTIFICATION");
    };
    Ok(json!({"code": code, "object_id": object, "path": path, "justification": why}))
}

fn print_preview(p: &Value) {
    println!("release preview for partner '{}' (drafted by {})", p["partner"].as_str().unwrap_or(""), p["author"].as_str().unwrap_or("").replace('\0', ""));
    println!("\nwhat the partner would get:");
    for o in p["released"].as_array().into_iter().flatten() {
        let name = o.get("name").or_else(|| o.get("abstract")).and_then(Value::as_str).unwrap_or("");
        println!("  {:<60} {name}", o["id"].as_str().unwrap_or(""));
        for k in ["description", "content"] {
            if let Some(t) = o.get(k).and_then(Value::as_str) {
                println!("      {k}: {t}");
            }
        }
    }
    println!("\nremoved (never sent):");
    let removals = p["removals"].as_array().cloned().unwrap_or_default();
    if removals.is_empty() {
        println!("  nothing");
    }
    for r in removals {
        let what = match r["path"].as_str() {
            Some(path) => format!("{} {path}", r["source_id"].as_str().unwrap_or("")),
            None => format!("{} (whole object)", r["source_id"].as_str().unwrap_or("")),
        };
        println!("- {what}: {}", r["explanation"].as_str().unwrap_or(""));
        if let Some(t) = r["removed_text"].as_str() {
            println!("-     \"{t}\"");
        }
    }
    println!("\nlint findings:");
    let findings = p["findings"].as_array().cloned().unwrap_or_default();
    if findings.is_empty() {
        println!("  none");
    }
    for f in findings {
        println!(
            "  {} {} {} at {}: '{}'",
            if f["blocking"] == json!(true) { "BLOCKING" } else { "warning " },
            f["code"].as_str().unwrap_or(""),
            f["source_id"].as_str().unwrap_or_else(|| f["object_id"].as_str().unwrap_or("")),
            f["path"].as_str().unwrap_or(""),
            f["matched"].as_str().unwrap_or("")
        );
        if let Some(why) = f["reason"].as_str() {
            println!("      why: {why}");
        }
    }
    if let Some(v) = p.get("variants").filter(|v| v.is_object()) {
        let partners: Vec<&str> = v["partners"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        println!("\nvariant: this partner's own ids and wording ({} wording slot(s), {} codeword(s) for {} partner(s): {}; closest two differ in {} slot(s); invisible marks {})",
            v["wording_slots"], v["codewords"].as_str().unwrap_or("?"), partners.len(), partners.join(", "),
            v["min_distance"].as_u64().map_or("-".to_owned(), |d| d.to_string()), if v["invisible_marks"] == json!(true) { "on" } else { "off" });
        if v["wording_slots"] == json!(0) {
            println!("  no wording slots: only the ids tell these partners apart");
        } else if v["min_distance"] == json!(0) {
            println!("  WARNING: two partners got the same wording (too few slots for this many partners)");
        }
    }
    println!("\ntwo-person rule: {}", if p["two_person"] == json!(true) { "applies (another person approves)" } else { "does not apply" });
    println!("draft token (give it to the approver):\n{}", p["draft"].as_str().unwrap_or(""));
}

pub async fn run(store: &dyn Store, releaser: &Releaser, cmd: ReleaseCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        ReleaseCmd::Preview { partners, sources, json, variants, remote } => {
            let option = variants.option(&partners)?;
            let mut all = Vec::with_capacity(partners.len());
            for partner in &partners {
                let p: Value = if remote.server.is_some() {
                    let mut body = json!({"partner": partner, "sources": sources});
                    if let Some(v) = &option {
                        body["variants"] = v.clone();
                    }
                    call(&remote, "/releases/preview", &body)?
                } else {
                    let v = option.clone().map(serde_json::from_value).transpose()?;
                    let input = PreviewInput { partner: partner.clone(), sources: sources.clone(), variants: v };
                    let p: Preview = releases::preview(store, &Actor::Operator, releaser, input).await?;
                    serde_json::to_value(p)?
                };
                all.push(p);
            }
            if json {
                let out = if all.len() == 1 { all.remove(0) } else { Value::Array(all) };
                println!("{}", serde_json::to_string_pretty(&out)?);
            } else {
                for (i, p) in all.iter().enumerate() {
                    if i > 0 {
                        println!("\n{}\n", "=".repeat(78));
                    }
                    print_preview(p);
                }
                if all.len() > 1 {
                    println!("\n(each draft token above is valid for every partner of this preview)");
                }
            }
        }
        ReleaseCmd::Approve { partners, sources, draft, overrides, justification, supersedes, variants, remote } => {
            let option = variants.option(&partners)?;
            let overrides = overrides.iter().map(|o| parse_override(o)).collect::<anyhow::Result<Vec<_>>>()?;
            let mut done: Vec<String> = Vec::new();
            for partner in &partners {
                let mut body = json!({"partner": partner, "sources": sources, "overrides": overrides});
                for (k, v) in [("draft", &draft), ("justification", &justification), ("supersedes", &supersedes)] {
                    if let Some(v) = v {
                        body[k] = json!(v);
                    }
                }
                if let Some(v) = &option {
                    body["variants"] = v.clone();
                }
                let r = match call(&remote, "/releases", &body) {
                    Ok(r) => r,
                    Err(e) if !done.is_empty() => bail!("{e:#}\nreleased before the failure (not undone): {}", done.join(", ")),
                    Err(e) => return Err(e),
                };
                eprintln!(
                    "release approved by {} (drafted by {}), signed with {}, published to '{}'{}",
                    r["approver"].as_str().unwrap_or(""),
                    r["author"].as_str().unwrap_or(""),
                    r["key_id"].as_str().unwrap_or(""),
                    r["partner"].as_str().unwrap_or(""),
                    if option.is_some() { " as its own variant" } else { "" }
                );
                let id = r["manifest_id"].as_str().unwrap_or("").to_owned();
                if partners.len() > 1 {
                    println!("{partner} {id}");
                } else {
                    println!("{id}");
                }
                done.push(format!("{partner} {id}"));
            }
        }
        ReleaseCmd::Recall { id, reason, remote } => {
            let r = call(&remote, &format!("/releases/{id}/recall"), &json!({"reason": reason}))?;
            eprintln!("release {id} recalled; the signed notice is in partner '{}''s collection", r["partner"].as_str().unwrap_or(""));
        }
        ReleaseCmd::List { partner, source, json } => {
            let op = Actor::Operator;
            let list = match &source {
                Some(s) => releases::from_source(store, &op, s).await?.into_iter().filter(|r| partner.as_ref().is_none_or(|p| &r.partner == p)).collect(),
                None => releases::list(store, &op, partner.as_deref()).await?,
            };
            if json {
                let views: Vec<releases::ReleaseView> = list.into_iter().map(Into::into).collect();
                println!("{}", serde_json::to_string_pretty(&views)?);
            } else {
                println!("{:<50} {:<16} {:<11} {:<12} {:<12} created", "manifest", "partner", "state", "author", "approver");
                for r in list {
                    println!("{:<50} {:<16} {:<11} {:<12} {:<12} {}", r.manifest_id, r.partner, r.state, r.author, r.approver, r.created);
                }
            }
        }
        ReleaseCmd::Show { id, raw } => {
            let r = releases::show(store, &Actor::Operator, &id).await?;
            if raw {
                use std::io::Write;
                let mut out = std::io::stdout().lock();
                out.write_all(&r.bundle)?;
                out.flush()?;
            } else {
                println!("{}", serde_json::to_string_pretty(&releases::ReleaseView::from(r))?);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn key(path: &Path, cmd: KeyCmd) -> anyhow::Result<ExitCode> {
    let keys = match cmd {
        KeyCmd::Show { .. } => SigningKeys::load_or_create(path)?,
        KeyCmd::Rotate => {
            let k = SigningKeys::rotate(path)?;
            eprintln!("new signing key {}; earlier public keys stay in {}", k.current().key_id, tearline_service::keys::keyring_path(path).display());
            k
        }
    };
    if let KeyCmd::Show { json: true } = cmd {
        println!("{}", serde_json::to_string_pretty(&json!({"current": keys.current(), "keyring": keys.public_keys(), "key_file": path}))?);
    } else {
        println!("key id:     {}", keys.current().key_id);
        println!("public key: {}", keys.current().public_key);
        println!("created:    {}", keys.current().created);
        if keys.public_keys().len() > 1 {
            println!("earlier keys (still verify old releases):");
            for k in keys.public_keys().iter().filter(|k| k.key_id != keys.current().key_id) {
                println!("  {} {} ({})", k.key_id, k.public_key, k.created);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct VerifyArgs {
    /// A release: STIX bundle, TAXII envelope or JSON list of objects.
    file: PathBuf,
    /// Public key (base64 or hex), or a keyring file (`tearline.key.keyring.json`) (repeatable).
    #[arg(long, required = true)]
    key: Vec<String>,
}

/// Verifies a release offline: signature, content hash, every listed object present.
pub fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {}", args.file.display()))?;
    let mut ring = tearline_policy::Keyring::new();
    for k in &args.key {
        if let Some(vk) = parse_public_key(k) {
            ring.add(vk);
            continue;
        }
        let text = std::fs::read_to_string(k).with_context(|| format!("'{k}' is neither a public key nor a readable keyring file"))?;
        let v: Value = serde_json::from_str(&text).with_context(|| format!("{k} is not a keyring"))?;
        let keys: Vec<tearline_service::keys::PublicKey> = serde_json::from_value(v["keys"].clone()).with_context(|| format!("{k} is not a keyring"))?;
        for vk in keys.iter().filter_map(|p| parse_public_key(&p.public_key)) {
            ring.add(vk);
        }
        let _ = keyring_of(&keys);
    }
    match tearline_policy::verify_release(&bytes, &ring) {
        Ok(v) => {
            println!("verified: {} {} to {}", v.kind, v.manifest_id, v.recipient);
            println!("signed with {}; content {}; {} objects", v.key_id, v.content_hash, v.object_ids.len());
            if let Some(s) = v.supersedes {
                println!("corrects {s}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: NOT verified: {e}");
            Ok(ExitCode::from(2))
        }
    }
}
