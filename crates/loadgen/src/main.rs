//! `tearline-loadgen`: TAXII 2.1 ingest/read load, physical limits of this
//! machine (JSON parse, SQLite insert) and bundle generation for
//! `tearline import`. Works against any TAXII 2.1 server (tearline, medallion).

mod stixgen;
mod http;
mod ledgerdb;
mod raw;
mod stats;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use clap::{Args, Parser, Subcommand};
use http::{Client, TAXII, Target, basic_auth, pct};
use hyper::Method;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use stats::{Latencies, Report};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(name = "tearline-loadgen", version, about)]
struct Cli {
    /// Print one JSON object per run (for scripts) instead of a table.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Concurrent clients POST envelopes of fresh indicators to a collection.
    Ingest(IngestArgs),
    /// Concurrent clients page through a collection (match[type], next tokens).
    Read(ReadArgs),
    /// Physical limits of this machine: JSON parse and SQLite insert rates.
    Raw(raw::RawArgs),
    /// Write STIX bundle files of generated indicators (for `tearline import`).
    Gen(GenArgs),
    /// Append N chained ledger entries to a migrated SQLite database (bench/ledger.sh).
    #[command(hide = true)]
    LedgerDb(ledgerdb::LedgerDbArgs),
}

#[derive(Args, Clone)]
struct Conn {
    /// The collection's objects URL: http://HOST:PORT/taxii2/ROOT/collections/ID/objects/
    #[arg(long)]
    url: String,
    /// Account name (HTTP Basic).
    #[arg(long, env = "LOADGEN_USER")]
    user: Option<String>,
    /// Secret (HTTP Basic password).
    #[arg(long, env = "LOADGEN_PASSWORD")]
    password: Option<String>,
    /// Use `Authorization: Bearer TOKEN` instead of Basic.
    #[arg(long, env = "LOADGEN_TOKEN")]
    token: Option<String>,
    /// Concurrent clients (one keep-alive connection each).
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Runtime worker threads for the generator itself (1 = single thread,
    /// leaving the other cores to the server under test).
    #[arg(long, default_value_t = 1)]
    threads: usize,
}

impl Conn {
    fn auth(&self) -> Result<String> {
        match (&self.token, &self.user, &self.password) {
            (Some(t), _, _) => Ok(format!("Bearer {t}")),
            (None, Some(u), Some(p)) => Ok(basic_auth(u, p)),
            _ => bail!("give --user and --password, or --token"),
        }
    }
}

#[derive(Args)]
struct IngestArgs {
    #[command(flatten)]
    conn: Conn,
    /// Number of envelopes to POST in total.
    #[arg(long, default_value_t = 100)]
    bundles: usize,
    /// Indicators per envelope.
    #[arg(long, default_value_t = 100)]
    per_bundle: usize,
}

#[derive(Args)]
struct ReadArgs {
    #[command(flatten)]
    conn: Conn,
    /// match[type] filter value.
    #[arg(long = "type", default_value = "indicator")]
    ty: String,
    /// Page size (`limit`).
    #[arg(long, default_value_t = 100)]
    limit: usize,
    /// Total number of page requests.
    #[arg(long, default_value_t = 1000)]
    requests: usize,
    /// Probability of abandoning a `next` chain and restarting: half of the
    /// restarts at the first page, half at `added_after=` a uniformly random
    /// time between the collection's first `date_added` and the start of the
    /// run (i.e. at a random depth of the collection).
    #[arg(long, default_value_t = 0.1)]
    restart: f64,
    /// Stop issuing requests after this many seconds (in-flight ones finish).
    #[arg(long)]
    duration: Option<f64>,
}

#[derive(Args)]
struct GenArgs {
    /// Total indicators to generate.
    #[arg(long, default_value_t = 200_000)]
    objects: usize,
    /// Objects per bundle file.
    #[arg(long, default_value_t = 10_000)]
    per_file: usize,
    /// Output directory (created).
    #[arg(long)]
    out: PathBuf,
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    let report = match &cli.cmd {
        Cmd::Ingest(a) => runtime(a.conn.threads)?.block_on(ingest(a))?,
        Cmd::Read(a) => runtime(a.conn.threads)?.block_on(read(a))?,
        Cmd::Raw(a) => raw::run(a)?,
        Cmd::Gen(a) => gen_files(a)?,
        Cmd::LedgerDb(a) => ledgerdb::run(a)?,
    };
    if cli.json {
        println!("{}", report.json());
    } else {
        report.print_table();
    }
    match report.json().get("errors").and_then(|e| e.as_u64()) {
        Some(n) if n > 0 => std::process::exit(1),
        _ => Ok(()),
    }
}

fn runtime(threads: usize) -> Result<tokio::runtime::Runtime> {
    let rt = if threads <= 1 {
        tokio::runtime::Builder::new_current_thread().enable_all().build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .enable_all()
            .build()?
    };
    Ok(rt)
}

#[derive(Deserialize)]
struct StatusBody {
    id: Option<String>,
    status: Option<String>,
    #[serde(default)]
    success_count: u64,
    #[serde(default)]
    failure_count: u64,
    #[serde(default)]
    pending_count: u64,
}

#[derive(Default)]
struct Errors {
    count: usize,
    first: Vec<String>,
}

impl Errors {
    fn add(&mut self, msg: String) {
        self.count += 1;
        if self.first.len() < 5 {
            self.first.push(msg);
        }
    }
    fn merge(&mut self, o: Errors) {
        self.count += o.count;
        for m in o.first {
            if self.first.len() < 5 {
                self.first.push(m);
            }
        }
    }
}

fn snippet(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    s.chars().take(300).collect()
}

async fn ingest(a: &IngestArgs) -> Result<Report> {
    let target = Target::parse(&a.conn.url)?;
    let auth = a.conn.auth()?;
    // Generate every envelope before the clock starts.
    let mut rng = rand::rng();
    let bodies: Arc<Vec<Bytes>> = Arc::new(
        (0..a.bundles)
            .map(|_| Bytes::from(stixgen::envelope(stixgen::indicators(&mut rng, a.per_bundle))))
            .collect(),
    );
    let body_bytes: usize = bodies.iter().map(|b| b.len()).sum();
    let next = Arc::new(AtomicUsize::new(0));
    let path = target.path.clone();
    let per_bundle = a.per_bundle as u64;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..a.conn.clients {
        let bodies = bodies.clone();
        let next = next.clone();
        let mut client = Client::new(target.clone(), auth.clone());
        let path = path.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Latencies::default();
            let mut errs = Errors::default();
            let mut ok_objects = 0u64;
            let mut pending: Vec<String> = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= bodies.len() {
                    break;
                }
                let t0 = Instant::now();
                let r = client
                    .request(Method::POST, &path, Some(TAXII), bodies[i].clone())
                    .await;
                lat.push(t0.elapsed());
                match r {
                    Err(e) => errs.add(format!("POST: {e:#}")),
                    Ok(r) if r.status != 202 => {
                        errs.add(format!("POST -> {} {}", r.status, snippet(&r.body)))
                    }
                    Ok(r) => match serde_json::from_slice::<StatusBody>(&r.body) {
                        Err(e) => errs.add(format!("status body: {e}: {}", snippet(&r.body))),
                        Ok(s) if s.status.as_deref() == Some("complete") => {
                            if s.success_count == per_bundle && s.failure_count == 0 {
                                ok_objects += s.success_count;
                            } else {
                                errs.add(format!(
                                    "status complete but success_count={} failure_count={} (expected {per_bundle}/0)",
                                    s.success_count, s.failure_count
                                ));
                            }
                        }
                        Ok(s) => match s.id {
                            Some(id) if s.status.is_some() => pending.push(id),
                            _ => errs.add(format!("bad status resource: {}", snippet(&r.body))),
                        },
                    },
                }
            }
            (lat, errs, ok_objects, pending, client)
        }));
    }
    let mut lat = Latencies::default();
    let mut errs = Errors::default();
    let mut ok_objects = 0u64;
    let mut pending = Vec::new();
    let mut reconnects = 0;
    let mut client = None;
    for t in tasks {
        let (l, e, o, p, c) = t.await?;
        lat.extend(l);
        errs.merge(e);
        ok_objects += o;
        pending.extend(p);
        reconnects += c.reconnects;
        client = Some(c);
    }
    let posted = start.elapsed();
    // Poll asynchronous statuses to completion (the clock keeps running).
    let npending = pending.len();
    if let (Some(mut c), false) = (client, pending.is_empty()) {
        let root = target
            .api_root_path()
            .context("cannot derive the API root from --url to poll status")?;
        for id in pending {
            let deadline = Instant::now() + Duration::from_secs(120);
            loop {
                let r = c
                    .request(Method::GET, &format!("{root}status/{id}/"), None, Bytes::new())
                    .await?;
                let s: StatusBody = serde_json::from_slice(&r.body)
                    .with_context(|| format!("status {id}: {}", snippet(&r.body)))?;
                if s.status.as_deref() == Some("complete") {
                    if s.success_count == per_bundle && s.failure_count == 0 {
                        ok_objects += s.success_count;
                    } else {
                        errs.add(format!(
                            "status {id}: success_count={} failure_count={}",
                            s.success_count, s.failure_count
                        ));
                    }
                    break;
                }
                if Instant::now() > deadline {
                    errs.add(format!("status {id} still pending ({})", s.pending_count));
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut rep = Report::new(format!("ingest {}", a.conn.url));
    rep.add("clients", a.conn.clients, "");
    rep.add("requests", lat.len(), "POST envelopes");
    rep.add("per_bundle", a.per_bundle, "objects");
    rep.add("objects_ok", ok_objects, "objects");
    rep.addf("avg_object_bytes", body_bytes as f64 / (a.bundles * a.per_bundle).max(1) as f64, "B");
    rep.addf("seconds", elapsed, "s");
    rep.addf("post_seconds", posted.as_secs_f64(), "s (until last 202)");
    rep.add("pending_statuses", npending, "");
    rep.addf("objects_per_s", ok_objects as f64 / elapsed, "objects/s");
    rep.addf("requests_per_s", lat.len() as f64 / elapsed, "req/s");
    rep.addf("latency_p50_ms", lat.pct_ms(50.0), "ms");
    rep.addf("latency_p99_ms", lat.pct_ms(99.0), "ms");
    rep.addf("latency_max_ms", lat.max_ms(), "ms");
    rep.add("reconnects", reconnects, "");
    rep.add("errors", errs.count, "");
    if !errs.first.is_empty() {
        rep.add("first_errors", errs.first.join(" | "), "");
    }
    Ok(rep)
}

#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    objects: Vec<PageObj>,
    #[serde(default)]
    more: bool,
    next: Option<String>,
}

#[derive(Deserialize)]
struct PageObj {
    #[serde(rename = "type")]
    ty: String,
}

async fn read(a: &ReadArgs) -> Result<Report> {
    let target = Target::parse(&a.conn.url)?;
    let auth = a.conn.auth()?;
    let issued = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let deadline = a.duration.map(|d| start + Duration::from_secs_f64(d));
    let mut tasks = Vec::new();
    for _ in 0..a.conn.clients {
        let mut client = Client::new(target.clone(), auth.clone());
        let issued = issued.clone();
        let path = target.path.clone();
        let ty = a.ty.clone();
        let limit = a.limit;
        let total = a.requests;
        let restart = a.restart;
        tasks.push(tokio::spawn(async move {
            let mut rng = SmallRng::seed_from_u64(rand::random());
            let mut lat = Latencies::default();
            let mut lat_start = Latencies::default();
            let mut lat_next = Latencies::default();
            let mut errs = Errors::default();
            let mut objects = 0u64;
            let mut chains = 0u64;
            let mut chain_ends = 0u64;
            // earliest date_added (from X-TAXII-Date-Added-First of a first page)
            let mut min_added: Option<u64> = None;
            let run_start_ms = stixgen::now_ms();
            let first = format!("match%5Btype%5D={}&limit={limit}", pct(&ty));
            // (filter query of the current chain, next token)
            let mut chain: (String, Option<String>) = (first.clone(), None);
            loop {
                if issued.fetch_add(1, Ordering::Relaxed) >= total
                    || deadline.is_some_and(|d| Instant::now() >= d)
                {
                    break;
                }
                if chain.1.is_some() && rng.random_bool(restart.clamp(0.0, 1.0)) {
                    chain = match min_added {
                        Some(lo) if lo < run_start_ms && rng.random_bool(0.5) => {
                            let t = stixgen::rfc3339_millis(rng.random_range(lo..run_start_ms));
                            (format!("added_after={}&{first}", pct(&t)), None)
                        }
                        _ => (first.clone(), None),
                    };
                }
                if chain.1.is_none() {
                    chains += 1;
                }
                let q = match &chain.1 {
                    Some(n) => format!("{path}?{}&next={}", chain.0, pct(n)),
                    None => format!("{path}?{}", chain.0),
                };
                let t0 = Instant::now();
                let r = client.request(Method::GET, &q, None, Bytes::new()).await;
                lat.push(t0.elapsed());
                if chain.1.is_some() {
                    lat_next.push(t0.elapsed());
                } else {
                    lat_start.push(t0.elapsed());
                }
                let r = match r {
                    Err(e) => {
                        errs.add(format!("GET {q}: {e:#}"));
                        chain = (first.clone(), None);
                        continue;
                    }
                    Ok(r) => r,
                };
                if r.status != 200 {
                    errs.add(format!("GET {q} -> {} {}", r.status, snippet(&r.body)));
                    chain = (first.clone(), None);
                    continue;
                }
                if min_added.is_none() && chain.0 == first && chain.1.is_none() {
                    min_added = r
                        .headers
                        .get("x-taxii-date-added-first")
                        .and_then(|v| v.to_str().ok())
                        .and_then(stixgen::parse_rfc3339_millis);
                }
                match serde_json::from_slice::<Page>(&r.body) {
                    Err(e) => {
                        errs.add(format!("GET {q}: bad envelope {e}: {}", snippet(&r.body)));
                        chain = (first.clone(), None);
                    }
                    Ok(p) => {
                        objects += p.objects.len() as u64;
                        if p.objects.len() > limit {
                            errs.add(format!("GET {q}: {} objects > limit {limit}", p.objects.len()));
                        }
                        if let Some(o) = p.objects.iter().find(|o| o.ty != ty) {
                            errs.add(format!("GET {q}: object of type {} despite match[type]", o.ty));
                        }
                        match (p.more, p.next) {
                            (true, Some(n)) => chain.1 = Some(n),
                            (true, None) => {
                                errs.add(format!("GET {q}: more=true without next"));
                                chain = (first.clone(), None);
                            }
                            (false, _) => {
                                chain_ends += 1;
                                chain = (first.clone(), None);
                            }
                        }
                    }
                }
            }
            (lat, lat_start, lat_next, errs, objects, chains, chain_ends, client.reconnects)
        }));
    }
    let mut lat = Latencies::default();
    let mut lat_start = Latencies::default();
    let mut lat_next = Latencies::default();
    let mut errs = Errors::default();
    let (mut objects, mut chains, mut ends, mut reconnects) = (0, 0, 0, 0);
    for t in tasks {
        let (l, ls, ln, e, o, c, ce, r) = t.await?;
        lat.extend(l);
        lat_start.extend(ls);
        lat_next.extend(ln);
        errs.merge(e);
        objects += o;
        chains += c;
        ends += ce;
        reconnects += r;
    }
    let elapsed = start.elapsed().as_secs_f64();
    let mut rep = Report::new(format!("read {}", a.conn.url));
    rep.add("clients", a.conn.clients, "");
    rep.add("pages", lat.len(), "GET requests");
    rep.add("limit", a.limit, "objects/page");
    rep.add("objects", objects, "objects received");
    rep.add("chains_started", chains, "");
    rep.add("chains_to_end", ends, "");
    rep.addf("seconds", elapsed, "s");
    rep.addf("pages_per_s", lat.len() as f64 / elapsed, "pages/s");
    rep.addf("objects_per_s", objects as f64 / elapsed, "objects/s");
    rep.addf("latency_p50_ms", lat.pct_ms(50.0), "ms");
    rep.addf("latency_p95_ms", lat.pct_ms(95.0), "ms");
    rep.addf("latency_p99_ms", lat.pct_ms(99.0), "ms");
    rep.addf("latency_max_ms", lat.max_ms(), "ms");
    rep.add("start_pages", lat_start.len(), "first pages (no next token)");
    rep.addf("latency_start_p50_ms", lat_start.pct_ms(50.0), "ms");
    rep.add("next_pages", lat_next.len(), "pages fetched with a next token");
    rep.addf("latency_next_p50_ms", lat_next.pct_ms(50.0), "ms");
    rep.addf("latency_next_p99_ms", lat_next.pct_ms(99.0), "ms");
    rep.add("reconnects", reconnects, "");
    rep.add("errors", errs.count, "");
    if !errs.first.is_empty() {
        rep.add("first_errors", errs.first.join(" | "), "");
    }
    Ok(rep)
}

fn gen_files(a: &GenArgs) -> Result<Report> {
    std::fs::create_dir_all(&a.out).with_context(|| format!("mkdir {}", a.out.display()))?;
    let mut rng = rand::rng();
    let start = Instant::now();
    let per = a.per_file.max(1);
    let (mut left, mut files, mut bytes) = (a.objects, 0usize, 0usize);
    while left > 0 {
        let n = left.min(per);
        let objs = stixgen::indicators(&mut rng, n);
        let body = stixgen::bundle(&mut rng, objs);
        files += 1;
        let p = a.out.join(format!("bundle-{files:06}.json"));
        std::fs::write(&p, &body).with_context(|| format!("write {}", p.display()))?;
        bytes += body.len();
        left -= n;
    }
    let secs = start.elapsed().as_secs_f64();
    let mut rep = Report::new(format!("gen {}", a.out.display()));
    rep.add("objects", a.objects, "");
    rep.add("files", files, "");
    rep.add("bytes", bytes, "B");
    rep.addf("seconds", secs, "s");
    rep.add("out", a.out.display().to_string(), "");
    Ok(rep)
}
