//! `tearline trace FILE`: which partners' variant releases a leak most likely came from.
//!
//! An operator command on the local database: it reads every stored variant map (internal,
//! never served) and ranks the partners with `tearline_trace::trace`, with the evidence.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Args;
use serde_json::json;
use tearline_store::Store;
use tearline_trace::{Evidence, Suspect, VariantMap};

#[derive(Args)]
pub struct TraceArgs {
    /// The leak: plain text, or STIX JSON (an object, a bundle, a TAXII envelope or a list of
    /// objects); `-` reads standard input.
    file: PathBuf,
    /// Machine-readable output: `{"maps", "releases", "suspects": [...]}`.
    #[arg(long)]
    json: bool,
    /// Show the evidence of at most this many partners (the ranking lists them all).
    #[arg(long, default_value_t = 3, value_name = "N")]
    evidence: usize,
}

fn read_leak(file: &std::path::Path) -> anyhow::Result<String> {
    let bytes = if file.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b).context("cannot read the leak from standard input")?;
        b
    } else {
        std::fs::read(file).with_context(|| format!("cannot read the leak file {}", file.display()))?
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if text.trim().is_empty() {
        bail!("the leak {} is empty: give the leaked text or STIX JSON", file.display());
    }
    Ok(text)
}

pub async fn run(store: &dyn Store, args: TraceArgs) -> anyhow::Result<ExitCode> {
    let leak = read_leak(&args.file)?;
    let rows = store.variant_maps().await.context("cannot read the variant maps")?;
    let mut maps: Vec<VariantMap> = Vec::with_capacity(rows.len());
    for row in rows {
        match serde_json::from_str::<VariantMap>(&row.body) {
            Ok(mut m) => {
                m.release.get_or_insert(row.manifest_id);
                maps.push(m);
            }
            Err(e) => eprintln!("warning: skipping the unreadable variant map of release {} ({}): {e}", row.manifest_id, row.partner),
        }
    }
    if maps.is_empty() {
        bail!("no variant maps in the database: only releases approved with --variants (tearline release approve --to A --to B ... --variants) can be traced");
    }
    let releases: std::collections::BTreeSet<&str> = maps.iter().filter_map(|m| m.release.as_deref()).collect();
    let release_count = releases.len();
    let suspects = tearline_trace::trace(&leak, &maps);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&json!({"maps": maps.len(), "releases": release_count, "suspects": suspects}))?);
        return Ok(ExitCode::SUCCESS);
    }
    print_ranking(&args, maps.len(), release_count, &suspects);
    Ok(ExitCode::SUCCESS)
}

fn print_ranking(args: &TraceArgs, maps: usize, releases: usize, suspects: &[Suspect]) {
    println!("leak {} traced against {maps} variant map(s) of {releases} release(s)\n", args.file.display());
    println!("{:>3}  {:<24} {:>8} {:>4} {:>8} {:>8} {:>5}  release", "#", "partner", "score", "ids", "wording", "against", "marks");
    for (i, s) in suspects.iter().enumerate() {
        let (ids, words, wrong, marks) = s.counts();
        println!("{:>3}  {:<24} {:>8.1} {:>4} {:>8} {:>8} {:>5}  {}", i + 1, s.partner, s.score, ids, words, wrong, marks, s.release.as_deref().unwrap_or("-"));
    }
    let Some(top) = suspects.first() else { return };
    if top.score <= 0.0 {
        println!("\nnothing in the leak points at any partner (no ids, marks or recognisable wording of a variant)");
        return;
    }
    if let Some(second) = suspects.get(1)
        && second.score > 0.0
        && top.score - second.score < 3.0
    {
        println!("\nthe first two are close: the leak may mix their variants, or hold too little varied wording to tell them apart");
    }
    for s in suspects.iter().filter(|s| s.score > 0.0).take(args.evidence) {
        println!("\nevidence for {} (score {:.1}):", s.partner, s.score);
        for e in &s.evidence {
            match e {
                Evidence::Id { original, variant } => println!("  id       {variant} (its variant of {original})"),
                Evidence::Mark { code } => println!("  mark     invisible mark with its code {code:06x}"),
                Evidence::Wording { property, group, chosen, observed, matched, weight, .. } => println!(
                    "  wording  {} in {property} [{group}]: its phrase \"{chosen}\", the leak has {} ({}{weight:.1})",
                    if *matched { "match   " } else { "mismatch" },
                    observed.iter().map(|o| format!("\"{o}\"")).collect::<Vec<_>>().join(" / "),
                    if *matched { "+" } else { "-" }
                ),
            }
        }
    }
    println!("\ntracing gives grounds for a question, not proof: weigh the ranking as evidence (see tearline-trace's documentation on its limits)");
}
