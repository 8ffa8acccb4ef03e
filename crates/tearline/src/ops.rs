//! The operations behind each command. Output contracts used by scripts and tests: `account
//! add` and `account rotate` print the secret alone on the last line of stdout; `collection add`
//! prints the new collection id alone on the last line. Messages go to stderr.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tearline_store::{Access, NewCollection, ObjectFilter, Outcome, Role, Store, VersionFilter, secret};

use crate::config::{self, DatabaseUrl, Settings};

/// Longest a PostgreSQL call may take before it counts as the database being unavailable.
const STORE_CALL_LIMIT: Duration = Duration::from_secs(5);

pub async fn open_store(url: &str) -> anyhow::Result<Arc<dyn Store>> {
    match config::parse_database_url(url)? {
        DatabaseUrl::Sqlite(path) => {
            let store = tokio::task::spawn_blocking(move || tearline_store_sqlite::SqliteStore::open(path)).await??;
            Ok(Arc::new(store))
        }
        DatabaseUrl::Postgres(url) => {
            let store = tearline_store_postgres::PgStore::connect(&url).await?;
            // A database that stops answering (a network dropping packets) fails calls as
            // unavailable (503) after this long instead of holding requests until TCP gives up.
            Ok(Arc::new(tearline_store::bounded::Bounded::new(store, STORE_CALL_LIMIT)))
        }
    }
}

fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TEARLINE_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// Release context from the settings (the key file is created on first use).
pub fn releaser(settings: &Settings, key_file: &std::path::Path) -> anyhow::Result<tearline_service::releases::Releaser> {
    Ok(tearline_service::releases::Releaser::new(settings.organisation.clone(), settings.releases.clone(), key_file.to_path_buf())?)
}

pub async fn serve(settings: &Settings, database: &str, key_file: &std::path::Path, args: crate::ServeArgs) -> anyhow::Result<ExitCode> {
    init_logging(args.log_json);
    let listen = args.listen.clone().or_else(|| settings.listen.clone()).unwrap_or_else(|| config::DEFAULT_LISTEN.to_owned());
    let addr: SocketAddr = tokio::net::lookup_host(&listen)
        .await
        .with_context(|| format!("cannot resolve listen address '{listen}' (use HOST:PORT)"))?
        .next()
        .with_context(|| format!("listen address '{listen}' resolves to nothing"))?;
    let tls = match (args.tls_cert.clone().or_else(|| settings.tls_cert.clone()), args.tls_key.clone().or_else(|| settings.tls_key.clone())) {
        (Some(cert), Some(key)) => Some(tearline_taxii::TlsFiles { cert, key }),
        (None, None) => None,
        _ => bail!("give both --tls-cert and --tls-key, or neither"),
    };
    let insecure = args.insecure_http || settings.insecure_http;
    if tls.is_none() && !addr.ip().is_loopback() && !insecure {
        bail!("refusing plain HTTP on {addr}: TAXII requires HTTPS. Give --tls-cert and --tls-key, listen on a loopback address, or pass --insecure-http behind a TLS-terminating proxy");
    }
    let store = open_store(database).await?;
    if store.accounts().await?.is_empty() {
        tracing::warn!("no accounts yet: create one with 'tearline account add NAME --role admin --database {}'", config::redact_url(database));
    }
    let state = tearline_taxii::AppState::new(store.clone(), settings.server_config()).with_releaser(releaser(settings, key_file)?).with_desk(settings.desk()?);
    start_scheduler(state.store.clone(), state.desk.clone(), Duration::from_secs(settings.duty.tick_seconds.unwrap_or(15).max(1)));
    let sealing = (settings.ledger.checkpoint_interval > 0)
        .then(|| tokio::spawn(seal_periodically(store.clone(), key_file.to_path_buf(), Duration::from_secs(settings.ledger.checkpoint_interval))));
    let scheme = if tls.is_some() { "https" } else { "http" };
    let db = config::redact_url(database);
    tearline_taxii::serve(
        state,
        tearline_taxii::Listen { addr, tls },
        Duration::from_secs(30),
        move |bound| {
            tracing::info!(database = %db, "tearline listening on {scheme}://{bound}/taxii2/");
        },
        shutdown_signal(),
    )
    .await
    .with_context(|| format!("cannot serve on {addr}"))?;
    if let Some(task) = sealing {
        task.abort();
        // A last seal of what was written before the stop.
        seal_once(&*store, key_file, None).await;
    }
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// The duty-to-warn deadline scheduler: a pass every `every` (records first reads of warnings,
/// raises deadline alerts once each). Runs until the process ends.
fn start_scheduler(store: std::sync::Arc<dyn Store>, desk: std::sync::Arc<tearline_service::cases::Desk>, every: Duration) {
    use tearline_service::cases::Scheduler;
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            match tearline_store::ledger::acting(Scheduler::ACTOR, Scheduler::tick(&*store, &desk)).await {
                Ok(done) => {
                    for (case, what) in done {
                        tracing::info!(case, what, "scheduler");
                    }
                }
                Err(e) => tracing::warn!(error = %e, "scheduler pass failed; retrying at the next one"),
            }
        }
    });
}

/// Seals the ledger every `every` when its head moved (the server's own checkpoints). The key
/// file is read at each seal, so a rotation applies at once.
async fn seal_periodically(store: Arc<dyn Store>, key_file: PathBuf, every: Duration) {
    let mut sealed = match store.checkpoints().await {
        Ok(list) => list.last().map(|c| c.seq),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read ledger checkpoints; will seal at the next interval");
            None
        }
    };
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Some(seq) = seal_once(&*store, &key_file, sealed).await {
            sealed = Some(seq);
        }
    }
}

/// One seal when the head moved past `sealed` (`None`: past the latest stored checkpoint);
/// returns the sequence number sealed. Failures are logged (the next interval retries).
async fn seal_once(store: &dyn Store, key_file: &std::path::Path, sealed: Option<i64>) -> Option<i64> {
    let sealed = match sealed {
        Some(s) => s,
        None => match store.checkpoints().await {
            Ok(list) => list.last().map_or(0, |c| c.seq),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read ledger checkpoints");
                return None;
            }
        },
    };
    let keys = match tearline_service::keys::SigningKeys::load_or_create(key_file) {
        Ok(k) => k,
        Err(e) => {
            tracing::error!(error = %e, "cannot load the signing key; the ledger is not sealed");
            return None;
        }
    };
    match tearline_service::ledger::seal_if_moved(store, &keys, sealed).await {
        Ok(Some(cp)) => {
            tracing::info!(seq = cp.seq, key_id = %cp.key_id, "ledger sealed");
            Some(cp.seq)
        }
        Ok(None) => Some(sealed),
        Err(e) => {
            tracing::warn!(error = %e, "cannot seal the ledger; retrying at the next interval");
            None
        }
    }
}

pub async fn account_add(store: &dyn Store, name: &str, role: &str) -> anyhow::Result<ExitCode> {
    let role: Role = role.parse().map_err(anyhow::Error::msg)?;
    anyhow::ensure!(
        !name.is_empty() && name.len() <= 100 && !name.contains(':') && name.chars().all(|c| c.is_ascii_graphic()),
        "account names are 1 to 100 printable ASCII characters without spaces or ':'"
    );
    let secret = secret::generate();
    store.add_account(name, role, secret::hash(&secret)).await?;
    eprintln!("account '{name}' ({role}) created; its secret is shown once, below");
    println!("{secret}");
    Ok(ExitCode::SUCCESS)
}

pub async fn account_rotate(store: &dyn Store, name: &str) -> anyhow::Result<ExitCode> {
    let secret = secret::generate();
    store.set_account_secret(name, secret::hash(&secret)).await?;
    eprintln!("account '{name}' has a new secret (the old one no longer works); it is shown once, below");
    println!("{secret}");
    Ok(ExitCode::SUCCESS)
}

pub async fn account_disable(store: &dyn Store, name: &str) -> anyhow::Result<ExitCode> {
    store.disable_account(name).await?;
    eprintln!("account '{name}' disabled");
    Ok(ExitCode::SUCCESS)
}

pub async fn account_list(store: &dyn Store, json: bool) -> anyhow::Result<ExitCode> {
    let accounts = store.accounts().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&accounts)?);
    } else {
        println!("{:<24} {:<16} {:<9} created", "name", "role", "state");
        for a in accounts {
            println!("{:<24} {:<16} {:<9} {}", a.name, a.role, if a.disabled { "disabled" } else { "active" }, a.created);
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn collection_add(
    store: &dyn Store,
    api_root: String,
    title: String,
    description: Option<String>,
    alias: Option<String>,
    readers: Vec<String>,
    writers: Vec<String>,
) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        !api_root.is_empty() && api_root.len() <= 64 && api_root.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "API root names are 1 to 64 characters of letters, digits, '-' and '_'"
    );
    let c = store
        .add_collection(NewCollection { api_root, title, description, alias, readers, writers })
        .await?;
    eprintln!("collection '{}' created under /taxii2/{}/", c.title, c.api_root);
    println!("{}", c.id);
    Ok(ExitCode::SUCCESS)
}

pub async fn collection_grant(store: &dyn Store, id: &str, account: &str, read: bool, write: bool) -> anyhow::Result<ExitCode> {
    store.set_grant(id, account, Access { can_read: read, can_write: write }).await?;
    eprintln!("account '{account}' on collection {id}: read={read} write={write}");
    Ok(ExitCode::SUCCESS)
}

pub async fn collection_list(store: &dyn Store, json: bool) -> anyhow::Result<ExitCode> {
    let collections = store.collections().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&collections)?);
    } else {
        println!("{:<36}  {:<16} title", "id", "api root");
        for c in collections {
            println!("{:<36}  {:<16} {}", c.id, c.api_root, c.title);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Objects handed to the store per call: large enough to amortise the fsync, small enough to
/// keep memory flat and the progress bar moving.
const IMPORT_CHUNK: usize = 10_000;

/// Part of one file, validated and ready for the store.
struct ImportChunk {
    items: Vec<tearline_store::Submission>,
    /// Bytes of the file done when this chunk is stored (its length on the last chunk).
    progress: u64,
    /// The file's last chunk.
    last: bool,
}

/// Lowers the calling thread's scheduling priority (nice 10), where the platform allows it.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), 10) {
        tracing::debug!(error = %e, "cannot lower the import thread's priority");
    }
}

/// Reads, parses and validates `files` in order, sending each as chunks of [`IMPORT_CHUNK`]
/// as soon as each is validated (stops at the first file that cannot be read or is not an
/// envelope, after sending why; nothing of that file has been sent then).
fn import_producer(files: Vec<PathBuf>, tx: tokio::sync::mpsc::Sender<anyhow::Result<ImportChunk>>) {
    for file in files {
        let bytes = match std::fs::read(&file) {
            Ok(b) => b,
            Err(e) => {
                let _ = tx.blocking_send(Err(anyhow::anyhow!("cannot read {}: {e}", file.display())));
                return;
            }
        };
        let texts = match tearline_stix::envelope::split(&bytes, tearline_stix::envelope::EnvelopeLimits { max_objects: usize::MAX }) {
            Ok(t) => t,
            Err(e) => {
                let _ = tx.blocking_send(Err(anyhow::anyhow!("{}: {e}", file.display())));
                return;
            }
        };
        let chunks = texts.len().div_ceil(IMPORT_CHUNK).max(1);
        for c in 0..chunks {
            let last = c + 1 == chunks;
            let first = c * IMPORT_CHUNK;
            let items = texts.iter().enumerate().skip(first).take(IMPORT_CHUNK).map(|(i, t)| tearline_service::ingest::submission_text(i, t)).collect();
            let progress = if last { bytes.len() as u64 } else { 0 };
            if tx.blocking_send(Ok(ImportChunk { items, progress, last })).is_err() {
                return;
            }
        }
    }
}

#[derive(Default)]
struct ImportTally {
    added: u64,
    unchanged: u64,
    failed: u64,
    first_failures: Vec<String>,
}

impl ImportTally {
    fn count(&mut self, outcomes: Vec<Outcome>) {
        for o in outcomes {
            let failure = match o {
                Outcome::Added { .. } => {
                    self.added += 1;
                    continue;
                }
                Outcome::Unchanged { .. } => {
                    self.unchanged += 1;
                    continue;
                }
                Outcome::Conflict { id, .. } => format!("{id}: a different object with this id and version is already stored"),
                Outcome::Rejected { message, .. } => message,
            };
            self.failed += 1;
            if self.first_failures.len() < 10 {
                self.first_failures.push(failure);
            }
        }
    }
}

pub async fn import(store: Arc<dyn Store>, collection: &str, files: &[PathBuf], quiet: bool) -> anyhow::Result<ExitCode> {
    let coll = store.collection(collection).await?.with_context(|| format!("no collection with id '{collection}' (see 'tearline collection list')"))?;
    let total_bytes: u64 = files.iter().map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)).sum();
    let bar = if quiet { indicatif::ProgressBar::hidden() } else { indicatif::ProgressBar::new(total_bytes) };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg} ({elapsed})").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let start = Instant::now();
    // Reading, parsing and validation run on as many threads as there are cores while the
    // store writes: file `i` goes to producer `i % producers`, and chunks are taken back in
    // file order, so the outcome is the same as a sequential import. The store's single writer
    // is the pipeline's narrowest stage, so producers run at a lower scheduling priority: they
    // take what CPU the writer leaves instead of a share of its core.
    let producers = std::thread::available_parallelism().map_or(1, usize::from).clamp(1, 4).min(files.len().max(1));
    let mut queues = Vec::with_capacity(producers);
    for k in 0..producers {
        let (tx, rx) = tokio::sync::mpsc::channel::<anyhow::Result<ImportChunk>>(2);
        let mine: Vec<PathBuf> = files.iter().skip(k).step_by(producers).cloned().collect();
        std::thread::Builder::new().name(format!("tearline-import-{k}")).spawn(move || {
            lower_priority();
            import_producer(mine, tx);
        })?;
        queues.push(rx);
    }
    let mut tally = ImportTally::default();
    for i in 0..files.len() {
        let queue = &mut queues[i % producers];
        loop {
            let Some(item) = queue.recv().await else { anyhow::bail!("reading {} stopped unexpectedly", files[i].display()) };
            let chunk = item?;
            let result = store.add_objects(&coll.id, chunk.items, None).await?;
            tally.count(result.outcomes);
            bar.inc(chunk.progress);
            bar.set_message(format!("{} added", tally.added));
            if chunk.last {
                break;
            }
        }
    }
    store.settle().await?;
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    let done = tally.added + tally.unchanged + tally.failed;
    eprintln!(
        "imported into '{}': {} added, {} already present, {} failed ({} objects in {:.2} s, {:.0} objects/s)",
        coll.title,
        tally.added,
        tally.unchanged,
        tally.failed,
        done,
        secs,
        done as f64 / secs.max(1e-9)
    );
    for f in &tally.first_failures {
        eprintln!("  failed: {f}");
    }
    if tally.failed as usize > tally.first_failures.len() {
        eprintln!("  ... and {} more failures", tally.failed as usize - tally.first_failures.len());
    }
    Ok(if tally.failed > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
}

pub async fn export(store: &dyn Store, collection: &str, all_versions: bool) -> anyhow::Result<ExitCode> {
    let coll = store.collection(collection).await?.with_context(|| format!("no collection with id '{collection}' (see 'tearline collection list')"))?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    write!(out, "{{\"type\":\"bundle\",\"id\":\"bundle--{}\",\"objects\":[", uuid::Uuid::new_v4())?;
    let mut filter = ObjectFilter {
        versions: if all_versions { VersionFilter::all() } else { VersionFilter::last() },
        limit: 1000,
        ..Default::default()
    };
    let mut first = true;
    loop {
        // One page at a time: memory stays flat however large the collection.
        let page = store.objects(&coll.id, &filter, true).await?;
        for o in &page.items {
            if !first {
                out.write_all(b",")?;
            }
            first = false;
            out.write_all(o.body.as_deref().unwrap_or("{}").as_bytes())?;
        }
        match page.next() {
            Some(c) => filter.after = Some(c),
            None => break,
        }
    }
    out.write_all(b"]}\n")?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
