//! The `tearline` binary: thin commands over the store and the TAXII server.

mod case;
mod config;
mod demo;
mod ledger;
mod ops;
mod osint;
mod partner;
mod release;
mod trace;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// tearline: a STIX 2.1 / TAXII 2.1 threat-intelligence sharing server.
#[derive(Parser)]
#[command(name = "tearline", version, about, long_about = None, propagate_version = true)]
struct Cli {
    /// Settings file (TOML); flags and environment variables override it.
    #[arg(long, global = true, env = "TEARLINE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    /// Database URL: sqlite://PATH (relative to the working directory), sqlite:///ABS/PATH.
    /// Default: sqlite://tearline.db
    #[arg(long, global = true, env = "TEARLINE_DATABASE", value_name = "URL")]
    database: Option<String>,

    /// Release signing key file. Default: tearline.key beside an SQLite database, else in the
    /// working directory.
    #[arg(long, global = true, env = "TEARLINE_KEY_FILE", value_name = "FILE")]
    key_file: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the TAXII 2.1 server.
    Serve(ServeArgs),
    /// Manage accounts (who may log in).
    #[command(subcommand)]
    Account(AccountCmd),
    /// Manage TAXII collections and who may read or write them.
    #[command(subcommand)]
    Collection(CollectionCmd),
    /// Manage partner organisations and their member accounts.
    #[command(subcommand)]
    Partner(partner::PartnerCmd),
    /// Preview, approve, list, show and recall releases to partners.
    #[command(subcommand)]
    Release(release::ReleaseCmd),
    /// Run the three public duty-to-warn cases for real on two local servers (start here).
    Demo(demo::DemoArgs),
    /// Duty-to-warn cases: list, show, open, decide, record, timeline, document, metrics.
    #[command(subcommand)]
    Case(case::CaseCmd),
    /// The release signing key: show it, rotate it.
    #[command(subcommand)]
    Key(release::KeyCmd),
    /// The ledger: seal it with a signed checkpoint, verify it, archive sealed entries, list them.
    #[command(subcommand)]
    Ledger(ledger::LedgerCmd),
    /// Verify a release file offline against a public key.
    Verify(release::VerifyArgs),
    /// Rank the partners whose variant release a leaked text or STIX JSON most likely came from.
    Trace(trace::TraceArgs),
    /// Turn open-source articles into STIX reports and group reports of the same event.
    IngestText(osint::IngestTextArgs),
    /// Bulk-load STIX bundles into a collection.
    Import(ImportArgs),
    /// Write a collection as a STIX bundle to stdout.
    Export(ExportArgs),
    /// Make a consistent copy of a live database.
    Backup {
        /// Destination file (must not exist).
        file: PathBuf,
    },
    /// Create or upgrade the database schema (every command does this as needed).
    Migrate,
}

#[derive(Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on. Default: 127.0.0.1:8480
    #[arg(long, env = "TEARLINE_LISTEN", value_name = "HOST:PORT")]
    pub listen: Option<String>,
    /// PEM certificate chain for HTTPS.
    #[arg(long, env = "TEARLINE_TLS_CERT", value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS.
    #[arg(long, env = "TEARLINE_TLS_KEY", value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Allow plain HTTP on a non-loopback address (TAXII requires HTTPS: use behind a TLS proxy only).
    #[arg(long)]
    pub insecure_http: bool,
    /// Log as JSON lines instead of text.
    #[arg(long, env = "TEARLINE_LOG_JSON")]
    pub log_json: bool,
}

#[derive(Subcommand)]
enum AccountCmd {
    /// Create an account and print its secret (once, alone on the last line).
    Add {
        name: String,
        /// admin, analyst, release-officer, auditor or partner-member.
        #[arg(long, default_value = "analyst")]
        role: String,
    },
    /// Replace an account's secret and print the new one; the old one stops working at once.
    Rotate { name: String },
    /// Disable an account: it can no longer log in; its records stay.
    Disable { name: String },
    /// List accounts.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum CollectionCmd {
    /// Create a collection and print its id (alone on the last line).
    Add {
        /// API root to hold it (created if new).
        #[arg(long, default_value = "default")]
        api_root: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        alias: Option<String>,
        /// Accounts that may read (comma-separated names).
        #[arg(long, value_delimiter = ',')]
        read: Vec<String>,
        /// Accounts that may write (comma-separated names).
        #[arg(long, value_delimiter = ',')]
        write: Vec<String>,
    },
    /// Give an account read and/or write access to a collection (replaces its previous access).
    Grant {
        id: String,
        account: String,
        #[arg(long)]
        read: bool,
        #[arg(long)]
        write: bool,
    },
    /// List collections.
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
struct ImportArgs {
    /// Collection id.
    #[arg(long)]
    collection: String,
    /// STIX bundle or TAXII envelope files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Do not draw a progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
struct ExportArgs {
    /// Collection id.
    #[arg(long)]
    collection: String,
    /// Every version of every object, not only the latest.
    #[arg(long)]
    all_versions: bool,
}

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = config::Settings::load(cli.config.as_deref())?;
    let database = cli.database.clone().or_else(|| settings.database.clone()).unwrap_or_else(|| config::DEFAULT_DATABASE.to_owned());
    let key_file = config::key_file(cli.key_file.as_deref(), &settings, &database);
    match cli.command {
        Command::Serve(args) => ops::serve(&settings, &database, &key_file, args).await,
        Command::Release(cmd) => {
            let store = ops::open_store(&database).await?;
            release::run(&*store, &ops::releaser(&settings, &key_file)?, cmd).await
        }
        Command::Demo(args) => demo::run(args).await,
        Command::Case(cmd) => {
            let store = ops::open_store(&database).await?;
            case::run(&*store, &settings.desk()?, &ops::releaser(&settings, &key_file)?, cmd).await
        }
        Command::Key(cmd) => release::key(&key_file, cmd),
        Command::Verify(args) => release::verify(args),
        Command::Trace(args) => {
            let store = ops::open_store(&database).await?;
            trace::run(&*store, args).await
        }
        Command::Ledger(cmd) => {
            let store = ops::open_store(&database).await?;
            ledger::run(&*store, &key_file, cmd).await
        }
        Command::Account(cmd) => {
            let store = ops::open_store(&database).await?;
            match cmd {
                AccountCmd::Add { name, role } => ops::account_add(&*store, &name, &role).await,
                AccountCmd::Rotate { name } => ops::account_rotate(&*store, &name).await,
                AccountCmd::Disable { name } => ops::account_disable(&*store, &name).await,
                AccountCmd::List { json } => ops::account_list(&*store, json).await,
            }
        }
        Command::Collection(cmd) => {
            let store = ops::open_store(&database).await?;
            match cmd {
                CollectionCmd::Add { api_root, title, description, alias, read, write } => {
                    ops::collection_add(&*store, api_root, title, description, alias, read, write).await
                }
                CollectionCmd::Grant { id, account, read, write } => ops::collection_grant(&*store, &id, &account, read, write).await,
                CollectionCmd::List { json } => ops::collection_list(&*store, json).await,
            }
        }
        Command::Partner(cmd) => {
            let store = ops::open_store(&database).await?;
            partner::run(&*store, cmd).await
        }
        Command::IngestText(args) => {
            let store = ops::open_store(&database).await?;
            osint::run(&*store, &settings.desk()?, args).await
        }
        Command::Import(args) => {
            let store = ops::open_store(&database).await?;
            ops::import(store, &args.collection, &args.files, args.quiet).await
        }
        Command::Export(args) => {
            let store = ops::open_store(&database).await?;
            ops::export(&*store, &args.collection, args.all_versions).await
        }
        Command::Backup { file } => {
            let store = ops::open_store(&database).await?;
            store.backup(&file).await?;
            eprintln!("backup written to {}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            ops::open_store(&database).await?;
            println!("database {} is at the current schema", config::redact_url(&database));
            Ok(ExitCode::SUCCESS)
        }
    }
}
