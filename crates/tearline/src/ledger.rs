//! `tearline ledger ...`: operator commands on the database and the key file. The logic is in
//! `tearline_service::ledger`, shared with the management API and the server's sealing task.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use tearline_service::Actor;
use tearline_service::keys::{SigningKeys, parse_public_key, public_keyring};
use tearline_service::ledger::{self, VerifyOptions};
use tearline_stix::Timestamp;
use tearline_store::{Checkpoint, LedgerQuery, Store};

#[derive(Subcommand)]
pub enum LedgerCmd {
    /// Seal the current head with a checkpoint signed by the server's key (a new one only if
    /// the head moved) and print the latest checkpoint.
    Checkpoint {
        /// Also write the checkpoint as JSON to FILE, to anchor it elsewhere.
        #[arg(long, value_name = "FILE")]
        export: Option<PathBuf>,
    },
    /// Re-walk the chain and check every checkpoint; exits non-zero naming the first broken entry.
    Verify(VerifyArgs),
    /// Move sealed entries (from the first one up to the latest checkpoint before DATE) to an
    /// archive file; `ledger verify --archive FILE` still checks the whole history.
    Archive {
        /// Archive entries sealed by a checkpoint made before this date (YYYY-MM-DD or RFC 3339, UTC).
        #[arg(long, value_name = "DATE")]
        before: String,
        /// The archive file to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// List entries: who did what, when (e.g. `--kind release.approve`).
    List {
        /// Only entries about this subject (collection id, account, partner, manifest id).
        #[arg(long)]
        subject: Option<String>,
        /// Only entries whose kind starts with this (`release.` for every release entry).
        #[arg(long, value_name = "PREFIX")]
        kind: Option<String>,
        /// Only entries after this sequence number.
        #[arg(long, default_value_t = 0)]
        after: i64,
        /// At most this many (at most 10,000).
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
pub struct VerifyArgs {
    /// An exported checkpoint (`ledger checkpoint --export`): the chain must still hold its entry
    /// with its hash, so truncation after it is caught (repeatable).
    #[arg(long, value_name = "FILE")]
    checkpoint: Vec<PathBuf>,
    /// Archive files (`ledger archive --out`) of archived segments, to verify them too (repeatable).
    #[arg(long, value_name = "FILE")]
    archive: Vec<PathBuf>,
    /// Public key (base64 or hex) or keyring file checkpoints may be signed with (repeatable).
    /// Default: the keyring beside the key file.
    #[arg(long)]
    key: Vec<String>,
}

fn time(micros: i64) -> String {
    Timestamp::from_micros(micros).to_micros_string()
}

fn print_checkpoint(cp: &Checkpoint) {
    println!("{}", serde_json::to_string_pretty(cp).unwrap_or_default());
}

pub async fn run(store: &dyn Store, key_file: &Path, cmd: LedgerCmd) -> anyhow::Result<ExitCode> {
    match cmd {
        LedgerCmd::Checkpoint { export } => {
            let keys = SigningKeys::load_or_create(key_file)?;
            let (cp, new) = ledger::checkpoint(store, &keys).await?;
            if new {
                eprintln!("checkpoint of entry {} signed with {}", cp.seq, cp.key_id);
            } else {
                eprintln!("the head has not moved since checkpoint {} (made {}); it is the latest", cp.seq, time(cp.at));
            }
            if let Some(path) = export {
                let text = serde_json::to_string_pretty(&cp)? + "\n";
                std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!("exported to {}: keep it somewhere the database's writers cannot reach", path.display());
            }
            print_checkpoint(&cp);
            Ok(ExitCode::SUCCESS)
        }
        LedgerCmd::Verify(args) => verify(store, key_file, args).await,
        LedgerCmd::Archive { before, out } => {
            let before = ledger::parse_date(&before)?;
            let a = ledger::archive(store, before, &out).await?;
            eprintln!(
                "archived entries {}..{} (sealed by the checkpoint of {}) to {}; SHA-256 {}",
                a.segment.first,
                a.segment.last,
                time(a.checkpoint.at),
                a.file.display(),
                a.segment.file_sha256
            );
            println!("{}", a.file.display());
            Ok(ExitCode::SUCCESS)
        }
        LedgerCmd::List { subject, kind, after, limit, json } => {
            let q = LedgerQuery { after, limit, subject, kind_prefix: kind };
            let entries = ledger::list(store, &Actor::Operator, &q).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&entries)?);
            } else {
                println!("{:>8}  {:<27} {:<16} {:<20} {:<40} detail", "seq", "at", "actor", "kind", "subject");
                for e in entries {
                    println!("{:>8}  {:<27} {:<16} {:<20} {:<40} {}", e.seq, time(e.at), e.actor, e.kind, e.subject, e.detail);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn keyring(key_file: &Path, keys: &[String]) -> anyhow::Result<tearline_policy::Keyring> {
    if keys.is_empty() {
        return Ok(public_keyring(key_file)?);
    }
    let mut ring = tearline_policy::Keyring::new();
    for k in keys {
        if let Some(vk) = parse_public_key(k) {
            ring.add(vk);
            continue;
        }
        let text = std::fs::read_to_string(k).with_context(|| format!("'{k}' is neither a public key nor a readable keyring file"))?;
        let v: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("{k} is not a keyring"))?;
        let list: Vec<tearline_service::keys::PublicKey> = serde_json::from_value(v["keys"].clone()).with_context(|| format!("{k} is not a keyring"))?;
        for vk in list.iter().filter_map(|p| parse_public_key(&p.public_key)) {
            ring.add(vk);
        }
    }
    Ok(ring)
}

async fn verify(store: &dyn Store, key_file: &Path, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let mut exported = Vec::new();
    for path in &args.checkpoint {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let cp: Checkpoint = serde_json::from_str(&text).with_context(|| format!("{} is not an exported ledger checkpoint", path.display()))?;
        exported.push((path.clone(), cp));
    }
    let opts = VerifyOptions { keyring: keyring(key_file, &args.key)?, exported, archives: args.archive };
    match ledger::verify(store, &opts).await? {
        Ok(r) => {
            let secs = r.elapsed.as_secs_f64();
            println!(
                "ledger verified: {} entries checked in {:.2} s ({:.0} entries/s)",
                r.entries,
                secs,
                r.entries as f64 / secs.max(1e-9)
            );
            println!("head: entry {} {}", r.head.seq, hex(&r.head.hash));
            match r.latest_checkpoint {
                Some(seq) => println!("checkpoints: {} stored, each signed by a known key and matching its entry; the latest seals entry {seq}", r.checkpoints),
                None => println!("checkpoints: none stored (run 'tearline ledger checkpoint'); truncation cannot be detected without one"),
            }
            if r.exported > 0 {
                println!("exported checkpoints: {} verified and held by the chain", r.exported);
            }
            if r.archived_entries > 0 {
                println!("archived: {} entries verified from archive files, linking into the database chain at entry {}", r.archived_entries, r.start.seq);
            }
            if let (Some(first), Some(last)) = (r.trusted_segments.first(), r.trusted_segments.last()) {
                println!(
                    "archived: entries {}..{} are not in the database; their recorded head (entry {} {}) was trusted — give --archive FILE to verify them",
                    first.first,
                    last.last,
                    last.last,
                    hex(&last.last_hash)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(f) => {
            eprintln!("error: ledger NOT verified: {f}");
            if let Some(seq) = f.first_broken() {
                eprintln!("first broken entry: {seq}");
            }
            Ok(ExitCode::from(2))
        }
    }
}

fn hex(b: &[u8; 32]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
