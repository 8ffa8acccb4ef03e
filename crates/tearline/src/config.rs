//! Settings from a TOML file. Precedence: command-line flag, then environment variable, then
//! this file, then the built-in default.

use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

pub const DEFAULT_DATABASE: &str = "sqlite://tearline.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8480";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub database: Option<String>,
    pub listen: Option<String>,
    pub tls_cert: Option<std::path::PathBuf>,
    pub tls_key: Option<std::path::PathBuf>,
    #[serde(default)]
    pub insecure_http: bool,
    #[serde(default)]
    pub taxii: TaxiiSettings,
    /// The release signing key file (default: `tearline.key` beside an SQLite database, else
    /// in the working directory).
    pub key_file: Option<std::path::PathBuf>,
    /// The producing organisation: name, STIX identity id, country (ISO 3166-1 alpha-3).
    #[serde(default)]
    pub organisation: tearline_service::releases::Organisation,
    #[serde(default)]
    pub releases: tearline_service::releases::ReleaseSettings,
    #[serde(default)]
    pub duty: DutySettings,
    #[serde(default)]
    pub ledger: LedgerSettings,
}

/// `[duty]`: duty-to-warn cases.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DutySettings {
    /// A profile file (format in data/duty/README.md); default: the built-in profile.
    pub profile: Option<std::path::PathBuf>,
    /// URL that receives a JSON POST when a case opens, a deadline nears or is missed, or
    /// feedback arrives (every notification is logged too).
    pub webhook: Option<String>,
    /// Seconds between passes of the deadline scheduler (default 15).
    pub tick_seconds: Option<u64>,
    /// `[duty.push.PARTNER]`: the partner's own TAXII 2.1 collection, to push warnings to.
    #[serde(default)]
    pub push: std::collections::BTreeMap<String, tearline_service::cases::PushTarget>,
}

/// `[ledger]`: how often `serve` seals the ledger.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerSettings {
    /// Seconds between checks of the head; a checkpoint is added when it moved (0: never).
    #[serde(default = "default_checkpoint_interval")]
    pub checkpoint_interval: u64,
}

pub const DEFAULT_CHECKPOINT_INTERVAL: u64 = 300;

fn default_checkpoint_interval() -> u64 {
    DEFAULT_CHECKPOINT_INTERVAL
}

impl Default for LedgerSettings {
    fn default() -> Self {
        LedgerSettings { checkpoint_interval: DEFAULT_CHECKPOINT_INTERVAL }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxiiSettings {
    pub title: Option<String>,
    pub description: Option<String>,
    pub contact: Option<String>,
    pub default_api_root: Option<String>,
    pub max_content_length: Option<usize>,
    pub max_objects_per_request: Option<usize>,
    pub default_page_size: Option<usize>,
    pub max_page_size: Option<usize>,
}

impl Settings {
    pub fn load(path: Option<&Path>) -> anyhow::Result<Settings> {
        let Some(path) = path else { return Ok(Settings::default()) };
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read settings file {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("settings file {} is not valid", path.display()))
    }

    /// The duty-to-warn desk: profile, notifications, push targets (system clock).
    pub fn desk(&self) -> anyhow::Result<tearline_service::cases::Desk> {
        let profile = match &self.duty.profile {
            Some(p) => {
                let text = std::fs::read_to_string(p).with_context(|| format!("cannot read duty profile {}", p.display()))?;
                tearline_duty::Profile::from_toml(&text).with_context(|| format!("duty profile {} is not valid", p.display()))?
            }
            None => tearline_duty::Profile::default_profile(),
        };
        let mut desk = tearline_service::cases::Desk::new(profile);
        desk.notifier.webhook = self.duty.webhook.clone();
        desk.push = self.duty.push.clone();
        desk.publisher_identity = self.organisation.identity_id();
        Ok(desk)
    }

    pub fn server_config(&self) -> tearline_taxii::ServerConfig {
        let mut c = tearline_taxii::ServerConfig::default();
        let t = &self.taxii;
        if let Some(v) = &t.title {
            c.title = v.clone();
        }
        if t.description.is_some() {
            c.description = t.description.clone();
        }
        c.contact = t.contact.clone();
        if let Some(v) = &t.default_api_root {
            c.default_api_root = v.clone();
        }
        if let Some(v) = t.max_content_length {
            c.max_content_length = v;
        }
        if let Some(v) = t.max_objects_per_request {
            c.max_objects_per_request = v;
        }
        if let Some(v) = t.default_page_size {
            c.query.default_page = v.max(1);
        }
        if let Some(v) = t.max_page_size {
            c.query.max_page = v.max(1);
        }
        c
    }
}

/// The key file: the flag or environment, else the settings, else `tearline.key` beside an
/// SQLite database (or in the working directory).
pub fn key_file(flag: Option<&Path>, settings: &Settings, database: &str) -> std::path::PathBuf {
    if let Some(p) = flag.map(Path::to_path_buf).or_else(|| settings.key_file.clone()) {
        return p;
    }
    match parse_database_url(database) {
        Ok(DatabaseUrl::Sqlite(db)) => db.parent().filter(|d| !d.as_os_str().is_empty()).map(|d| d.join("tearline.key")).unwrap_or_else(|| "tearline.key".into()),
        _ => "tearline.key".into(),
    }
}

/// Where a database URL points.
#[derive(Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

/// The URL with any password replaced by `***`, for messages and logs.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let (authority, tail) = rest.split_at(rest.find(['/', '?']).unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

pub fn parse_database_url(url: &str) -> anyhow::Result<DatabaseUrl> {
    if let Some(rest) = url.strip_prefix("sqlite://") {
        anyhow::ensure!(!rest.is_empty(), "database URL '{url}' names no file; use sqlite://PATH or sqlite:///ABSOLUTE/PATH");
        // sqlite:///abs -> "/abs"; sqlite://rel -> "rel" (relative to the working directory).
        return Ok(DatabaseUrl::Sqlite(rest.into()));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(DatabaseUrl::Postgres(url.to_owned()));
    }
    anyhow::bail!("unsupported database URL '{url}'; use sqlite://PATH, sqlite:///ABSOLUTE/PATH or postgres://...")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls() {
        assert_eq!(parse_database_url("sqlite://tearline.db").unwrap(), DatabaseUrl::Sqlite("tearline.db".into()));
        assert_eq!(parse_database_url("sqlite:///var/lib/t.db").unwrap(), DatabaseUrl::Sqlite("/var/lib/t.db".into()));
        assert!(matches!(parse_database_url("postgresql://u:p@h/db?sslmode=disable").unwrap(), DatabaseUrl::Postgres(_)));
        assert!(parse_database_url("mysql://x").is_err());
        assert!(parse_database_url("sqlite://").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact_url("postgres://u:s3cret@db:5432/t?x=1"), "postgres://u:***@db:5432/t?x=1");
        assert_eq!(redact_url("postgres://u@db/t"), "postgres://u@db/t");
        assert_eq!(redact_url("sqlite://tearline.db"), "sqlite://tearline.db");
        assert_eq!(redact_url("postgresql://u:p%40ss@h/db"), "postgresql://u:***@h/db");
    }

    #[test]
    fn settings_file_is_strict() {
        let s: Settings = toml::from_str("database = \"sqlite://x.db\"\n[taxii]\nmax_page_size = 50\n").unwrap();
        assert_eq!(s.server_config().query.max_page, 50);
        assert_eq!(s.ledger.checkpoint_interval, DEFAULT_CHECKPOINT_INTERVAL);
        let s: Settings = toml::from_str("[ledger]\ncheckpoint_interval = 5\n").unwrap();
        assert_eq!(s.ledger.checkpoint_interval, 5);
        assert!(toml::from_str::<Settings>("databse = \"typo\"").is_err());
    }
}
