//! `tearline ingest-text`: open-source articles into a collection, with the event clusters they
//! form. The same service function serves `POST /api/v1/osint/articles`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use tearline_osint::{ClusterSummary, PointKind};
use tearline_service::Actor;
use tearline_service::osint::{self, ArticleInput};
use tearline_store::Store;

#[derive(Args)]
pub struct IngestTextArgs {
    /// Collection to store the reports and clusters in.
    #[arg(long)]
    collection: String,
    /// Article files (plain text, optional TOML front matter between '+++' lines). A sidecar
    /// NAME.meta.toml beside NAME.txt supplies or overrides the metadata.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print the outcome as JSON.
    #[arg(long)]
    json: bool,
}

fn sidecar_of(file: &Path) -> PathBuf {
    file.with_extension("meta.toml")
}

fn read_article(file: &Path) -> anyhow::Result<ArticleInput> {
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read article {}", file.display()))?;
    let sidecar = sidecar_of(file);
    let meta_toml = if sidecar != file && sidecar.exists() {
        Some(std::fs::read_to_string(&sidecar).with_context(|| format!("cannot read {}", sidecar.display()))?)
    } else {
        None
    };
    let name = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| file.display().to_string());
    Ok(ArticleInput { name, text, meta_toml })
}

fn print_cluster(c: &ClusterSummary) {
    let or_dash = |s: Option<String>| s.unwrap_or_else(|| "-".into());
    println!("cluster {} (confidence {})", c.id.0, c.confidence);
    println!("  event:               {}", or_dash(c.event_type.clone()));
    println!("  place:               {}", or_dash(c.place.as_ref().map(|(_, name)| name.clone())));
    println!("  date:                {}", or_dash(c.date.map(|d| d.to_string())));
    println!("  actors:              {}", c.actors.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>().join(", "));
    println!("  reports:             {}", c.reports.len());
    println!("  outlets:             {}", c.outlets.join(", "));
    println!("  independent outlets: {}", c.independent_outlets.join(", "));
    println!("  original sources:    {}", c.original_sources.join(", "));
    println!("  independent sources: {}", c.independent_sources);
    println!("  first / last seen:   {} / {}", or_dash(c.first_seen.map(|d| d.to_string())), or_dash(c.last_seen.map(|d| d.to_string())));
    for p in &c.points {
        let kind = match p.kind {
            PointKind::Disagreement => "disagree",
            PointKind::Refinement => "refines",
        };
        let values: Vec<String> = p.values.iter().map(|v| format!("{} ({})", v.value, v.outlet.as_deref().unwrap_or("?"))).collect();
        println!("  {kind:<8} on {}: {}", p.field, values.join(" vs "));
    }
}

pub async fn run(store: &dyn Store, desk: &tearline_service::cases::Desk, args: IngestTextArgs) -> anyhow::Result<ExitCode> {
    let inputs = args.files.iter().map(|f| read_article(f)).collect::<anyhow::Result<Vec<_>>>()?;
    let outcome = osint::ingest(store, &Actor::Operator, &args.collection, inputs, Some(desk)).await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
        return Ok(ExitCode::SUCCESS);
    }
    for a in &outcome.articles {
        println!(
            "{}: {} | {} | {} | {} | {}{}{}",
            a.name,
            a.outlet.as_deref().unwrap_or("unknown outlet"),
            a.event_type.as_deref().unwrap_or("no event"),
            a.place.as_deref().unwrap_or("no place"),
            a.date.as_deref().unwrap_or("no date"),
            if a.actors.is_empty() { "no actor".to_owned() } else { a.actors.join(", ") },
            a.copy_of.as_ref().map(|c| format!(" | copy of {c}")).unwrap_or_default(),
            if a.proposes_case { " | proposes a duty-to-warn case" } else { "" },
        );
    }
    println!();
    for c in &outcome.clusters {
        print_cluster(c);
    }
    eprintln!("{} object versions stored, {} already present", outcome.objects_added, outcome.objects_unchanged);
    Ok(ExitCode::SUCCESS)
}
