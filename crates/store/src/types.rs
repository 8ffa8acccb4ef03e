use std::fmt;
use std::sync::Arc;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tearline_stix::{Identifier, Timestamp};

/// SHA-256 of an account secret. Secrets are high-entropy generated tokens, so a fast hash is
/// enough to make a stolen database useless for logging in, and checking costs microseconds.
pub type SecretHash = [u8; 32];

/// What an account may do in management actions. TAXII access follows collection grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Admin,
    Analyst,
    ReleaseOfficer,
    Auditor,
    PartnerMember,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Admin, Role::Analyst, Role::ReleaseOfficer, Role::Auditor, Role::PartnerMember];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::ReleaseOfficer => "release-officer",
            Role::Auditor => "auditor",
            Role::PartnerMember => "partner-member",
        }
    }

    /// Whether the role may read operational data such as metrics.
    pub fn can_observe(self) -> bool {
        matches!(self, Role::Admin | Role::Auditor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s || r.as_str().replace('-', "_") == s)
            .ok_or_else(|| format!("unknown role '{s}'; choose one of admin, analyst, release-officer, auditor, partner-member"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub created: String,
    pub disabled: bool,
    /// A partner member's organisation, read with the account (in the same query, so a
    /// partner member's request needs no further lookup to know whom it reads for); `None`
    /// for producer accounts and once the partner is removed. Shared: each distinct stored
    /// profile is parsed once ([`PartnerProfile::shared`]).
    #[serde(skip)]
    pub partner: Option<Arc<PartnerProfile>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiRoot {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
}

/// Per-collection access of one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Access {
    pub can_read: bool,
    pub can_write: bool,
}

impl Access {
    pub fn any(self) -> bool {
        self.can_read || self.can_write
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NewCollection {
    pub api_root: String,
    pub title: String,
    pub description: Option<String>,
    pub alias: Option<String>,
    /// Account names allowed to read, and to write.
    pub readers: Vec<String>,
    pub writers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collection {
    /// A UUID, unique across API roots.
    pub id: String,
    pub api_root: String,
    pub title: String,
    pub description: Option<String>,
    pub alias: Option<String>,
}

/// An accepted object, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewObject {
    pub id: Identifier,
    pub object_type: String,
    pub spec_version: String,
    /// `modified`, else `created`; `None` lets the store choose (`date_added`), as TAXII 2.1
    /// allows for objects that carry neither.
    pub version: Option<Timestamp>,
    /// SHA-256 of the RFC 8785 canonical form: equal hashes mean the same object.
    pub content_hash: [u8; 32],
    /// The object as JSON text, exactly as it will be served.
    pub body: String,
    /// What to tell the submitter on success (SHOULD-level findings), if anything.
    pub note: Option<String>,
}

/// One item of an add request, in request order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Submission {
    Accepted(NewObject),
    /// Found invalid before reaching the store; recorded as a failure with this message.
    Rejected { id: Option<String>, version: Option<String>, message: String },
}

/// The ids of the accepted submissions, in order.
pub fn accepted_ids(items: &[Submission]) -> Vec<String> {
    items
        .iter()
        .filter_map(|s| match s {
            Submission::Accepted(o) => Some(o.id.as_str().to_owned()),
            Submission::Rejected { .. } => None,
        })
        .collect()
}

/// What happened to one submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stored as a new version; `note` carries SHOULD-level findings for the submitter.
    Added { id: String, version: Timestamp, note: Option<String> },
    /// The identical version was already there: nothing written, reported as success.
    Unchanged { id: String, version: Timestamp },
    /// A different object is stored under this id and version: nothing written.
    Conflict { id: String, version: Timestamp },
    Rejected { id: Option<String>, version: Option<String>, message: String },
}

impl Outcome {
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Added { .. } | Outcome::Unchanged { .. })
    }
}

/// The parts of a status resource known before the store runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusDraft {
    pub id: String,
    pub account_id: i64,
    pub request_timestamp: Timestamp,
}

/// One entry of a status resource's successes, failures or pendings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusEntry {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A TAXII 2.1 status resource, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusRecord {
    pub id: String,
    pub status: String,
    pub request_timestamp: String,
    pub total_count: u64,
    pub success_count: u64,
    pub successes: Vec<StatusEntry>,
    pub failure_count: u64,
    pub failures: Vec<StatusEntry>,
    pub pending_count: u64,
    pub pendings: Vec<StatusEntry>,
}

impl StatusRecord {
    /// Builds the (complete) status of a finished add request.
    pub fn complete(draft: &StatusDraft, outcomes: &[Outcome]) -> Self {
        let mut successes = Vec::new();
        let mut failures = Vec::new();
        for o in outcomes {
            match o {
                Outcome::Added { id, version, note } => successes.push(StatusEntry { id: id.clone(), version: Some(version_text(version)), message: note.clone() }),
                Outcome::Unchanged { id, version } => successes.push(StatusEntry {
                    id: id.clone(),
                    version: Some(version_text(version)),
                    message: Some("this version was already in the collection; nothing changed".into()),
                }),
                Outcome::Conflict { id, version } => failures.push(StatusEntry {
                    id: id.clone(),
                    version: Some(version_text(version)),
                    message: Some("a different object with this id and version is already in the collection; post a new version (a later 'modified') instead".into()),
                }),
                Outcome::Rejected { id, version, message } => failures.push(StatusEntry {
                    id: id.clone().unwrap_or_default(),
                    version: version.clone(),
                    message: Some(message.clone()),
                }),
            }
        }
        StatusRecord {
            id: draft.id.clone(),
            status: "complete".into(),
            request_timestamp: draft.request_timestamp.to_micros_string(),
            total_count: outcomes.len() as u64,
            success_count: successes.len() as u64,
            successes,
            failure_count: failures.len() as u64,
            failures,
            pending_count: 0,
            pendings: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddResult {
    pub outcomes: Vec<Outcome>,
    pub status: Option<StatusRecord>,
}

/// Which versions of each object a query selects (`match[version]`). The values are OR-ed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VersionFilter {
    pub all: bool,
    pub first: bool,
    pub last: bool,
    pub at: Vec<Timestamp>,
}

impl VersionFilter {
    /// TAXII's default: the latest version of each object.
    pub fn last() -> Self {
        VersionFilter { last: true, ..Default::default() }
    }

    pub fn all() -> Self {
        VersionFilter { all: true, ..Default::default() }
    }

    pub fn is_empty(&self) -> bool {
        !self.all && !self.first && !self.last && self.at.is_empty()
    }
}

/// A position in a collection's `date_added` order, carried in `next` tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cursor(pub i64);

impl Cursor {
    /// The opaque text form used as a TAXII `next` value.
    pub fn encode(self) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("c1:{}", self.0))
    }

    pub fn decode(token: &str) -> Option<Cursor> {
        use base64::Engine;
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.as_bytes()).ok()?;
        let text = std::str::from_utf8(&raw).ok()?;
        let n: i64 = text.strip_prefix("c1:")?.parse().ok()?;
        (n >= 0).then_some(Cursor(n))
    }
}

/// A query over one collection's objects. Different fields are AND-ed; the values within
/// one field are OR-ed (TAXII 2.1 section 3.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectFilter {
    pub added_after: Option<Timestamp>,
    pub ids: Vec<String>,
    pub types: Vec<String>,
    pub versions: VersionFilter,
    /// Empty: every spec version.
    pub spec_versions: Vec<String>,
    pub after: Option<Cursor>,
    /// Page size; the store returns at most this many and says whether there are more.
    pub limit: usize,
    /// Byte budget of the bodies in one page: a page stops early (with `more`) rather than
    /// exceed it, so memory stays bounded however large the objects are. A page always holds at
    /// least one object.
    pub max_bytes: usize,
}

/// Default byte budget of one page of object bodies.
pub const PAGE_BYTE_BUDGET: usize = 8 * 1024 * 1024;

impl Default for ObjectFilter {
    fn default() -> Self {
        ObjectFilter {
            added_after: None,
            ids: Vec::new(),
            types: Vec::new(),
            versions: VersionFilter::last(),
            spec_versions: Vec::new(),
            after: None,
            limit: 100,
            max_bytes: PAGE_BYTE_BUDGET,
        }
    }
}

/// One stored version of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub id: String,
    pub object_type: String,
    pub version: Timestamp,
    pub date_added: Timestamp,
    pub spec_version: String,
    /// The JSON text, when asked for.
    pub body: Option<String>,
    pub cursor: Cursor,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Page {
    pub items: Vec<StoredObject>,
    pub more: bool,
}

impl Page {
    /// The `next` cursor: where the following page starts, if there is one.
    pub fn next(&self) -> Option<Cursor> {
        if self.more { self.items.last().map(|o| o.cursor) } else { None }
    }
}

/// A partner member's read of a page ([`Store::partner_objects`](crate::Store::partner_objects)): whose publications each
/// row carries, and under which decision fingerprint stored egress decisions count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerRead {
    /// The partner's name.
    pub partner: String,
    /// The fingerprint of the decision's inputs (the recipient derived from the partner's
    /// current profile, the producer's current policy, the decision code): a stored admission
    /// counts only under the same fingerprint. An empty fingerprint matches nothing.
    pub fingerprint: String,
}

/// The key a stored admission is held under (`partner LF fingerprint`), kept once in the
/// stores' `admission_keys` table: an admission (the stores' `admissions` table) holds the
/// object's cursor, the key's number and the number of its names (`admission_sets`). A stored
/// admission counts only for a read with the same key. An empty fingerprint gives a key no
/// admission is stored under.
pub fn admission_key(read: &PartnerRead) -> String {
    if read.fingerprint.is_empty() { "\n".to_owned() } else { format!("{}\n{}", read.partner, read.fingerprint) }
}

/// What a partner member's page says about one row, read in the same query as the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowDecision {
    /// Egress admitted this row for the partner under the read's fingerprint
    /// ([`Store::record_admissions`](crate::Store::record_admissions)); the releases it stands
    /// for (shared: the rows of one page mostly stand for the same releases).
    Admitted(Arc<[String]>),
    /// No admission stored under this fingerprint: decide live. The releases (and recalls)
    /// that published exactly this (id, version) to the partner, sorted; possibly none.
    Live(Vec<String>),
}

/// A page with one [`RowDecision`] per item, in the same order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PartnerPage {
    pub page: Page,
    pub rows: Vec<RowDecision>,
}

/// One row's decision as a page query reads it, before its names are looked up: the number
/// of the names of the admission stored for the row under the read's key, or else the releases
/// that published exactly the row (`m1,m2` in any order, NULL for none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowColumn {
    Admitted(i64),
    Live(Vec<String>),
}

impl RowColumn {
    /// A row decided live, from the releases that published it.
    pub fn published(text: Option<&str>) -> RowColumn {
        let mut v: Vec<String> = split_names(text.unwrap_or_default()).collect();
        v.sort();
        v.dedup();
        RowColumn::Live(v)
    }
}

/// Release names as stored, joined by `,`.
fn split_names(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(',').filter(|m| !m.is_empty()).map(str::to_owned)
}

/// The names of stored admissions by number (`admission_sets`), kept in memory: a number's
/// names never change once stored and are never deleted, so what is kept is never stale (it
/// starts again past [`AdmissionSets::KEPT`] numbers). Each backend fetches the numbers a
/// page misses and then [`AdmissionSets::decide`]s the page.
#[derive(Debug, Default)]
pub struct AdmissionSets(std::sync::Mutex<std::collections::HashMap<i64, Arc<[String]>>>);

impl AdmissionSets {
    pub const KEPT: usize = 65_536;

    /// The names stored as `text` (joined by `,`).
    pub fn names(text: &str) -> Arc<[String]> {
        split_names(text).collect::<Vec<_>>().into()
    }

    /// The numbers the rows name that are not kept, each once.
    pub fn missing(&self, rows: &[RowColumn]) -> Vec<i64> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut out: Vec<i64> = rows.iter().filter_map(|r| if let RowColumn::Admitted(n) = r { Some(*n) } else { None }).filter(|n| !kept.contains_key(n)).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Keeps the names stored under a number.
    pub fn keep(&self, number: i64, text: &str) {
        let mut kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if kept.len() >= Self::KEPT {
            kept.clear();
        }
        kept.insert(number, Self::names(text));
    }

    /// The page's decisions, each admitted row with its names (shared between rows).
    /// A number neither kept nor fetched is the store's inconsistency, reported as such.
    pub fn decide(&self, rows: Vec<RowColumn>) -> crate::StoreResult<Vec<RowDecision>> {
        let kept = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut last: Option<(i64, Arc<[String]>)> = None;
        rows.into_iter()
            .map(|r| match r {
                RowColumn::Live(published) => Ok(RowDecision::Live(published)),
                RowColumn::Admitted(n) => {
                    if let Some((m, names)) = &last
                        && *m == n
                    {
                        return Ok(RowDecision::Admitted(names.clone()));
                    }
                    let names = kept.get(&n).cloned().ok_or_else(|| crate::StoreError::Internal(format!("stored admission names {n} not found")))?;
                    last = Some((n, names.clone()));
                    Ok(RowDecision::Admitted(names))
                }
            })
            .collect()
    }
}

/// The `(id, version sort key)` of each successful outcome (what a release or recall
/// published, whatever version the store chose for objects without one).
pub fn published_versions(outcomes: &[Outcome]) -> Vec<(String, String)> {
    outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Added { id, version, .. } | Outcome::Unchanged { id, version } => Some((id.clone(), version.sort_key())),
            _ => None,
        })
        .collect()
}

/// The text used for a version in status resources, manifests and version lists: the
/// shortest of millisecond, microsecond or nanosecond precision that loses nothing.
pub fn version_text(t: &Timestamp) -> String {
    let full = t.sort_key();
    let nanos = t.subsec_nanos();
    let keep = if nanos.is_multiple_of(1_000_000) {
        3
    } else if nanos.is_multiple_of(1000) {
        6
    } else {
        9
    };
    // sort_key is YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ: 20 characters before the fraction.
    format!("{}Z", &full[..20 + keep])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        for n in [0, 1, 42, i64::MAX] {
            assert_eq!(Cursor::decode(&Cursor(n).encode()), Some(Cursor(n)));
        }
        for bad in ["", "abc", "YzE6LTE", "!!!", "YzI6MQ"] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn version_text_is_shortest_lossless() {
        let t = |s| Timestamp::parse(s).unwrap();
        assert_eq!(version_text(&t("2020-01-01T00:00:00Z")), "2020-01-01T00:00:00.000Z");
        assert_eq!(version_text(&t("2020-01-01T00:00:00.123456Z")), "2020-01-01T00:00:00.123456Z");
        assert_eq!(version_text(&t("2020-01-01T00:00:00.1234567Z")), "2020-01-01T00:00:00.123456700Z");
    }

    #[test]
    fn roles_parse_from_their_names() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
    }
}

/// How a partner stands with the producer. Trust and diplomatic status are separate
/// attributes; neither is a reason to skip a warning that policy requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RelationshipFlag {
    Hostile,
    NotRecognised,
    Designated,
    Sanctioned,
    NoDiplomaticRelations,
}

impl RelationshipFlag {
    pub const ALL: [RelationshipFlag; 5] = [
        RelationshipFlag::Hostile,
        RelationshipFlag::NotRecognised,
        RelationshipFlag::Designated,
        RelationshipFlag::Sanctioned,
        RelationshipFlag::NoDiplomaticRelations,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RelationshipFlag::Hostile => "hostile",
            RelationshipFlag::NotRecognised => "not-recognised",
            RelationshipFlag::Designated => "designated",
            RelationshipFlag::Sanctioned => "sanctioned",
            RelationshipFlag::NoDiplomaticRelations => "no-diplomatic-relations",
        }
    }
}

impl FromStr for RelationshipFlag {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RelationshipFlag::ALL.into_iter().find(|f| f.as_str() == s).ok_or_else(|| {
            format!("unknown relationship flag '{s}'; choose from hostile, not-recognised, designated, sanctioned, no-diplomatic-relations")
        })
    }
}

/// A partner organisation: who it is and how it stands, as the producer records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerProfile {
    /// Short unique handle used on the command line and in URLs (`syria-gsd`).
    pub name: String,
    /// Human-readable organisation name.
    pub title: String,
    /// The partner's STIX identity (`identity--...`).
    pub identity_id: String,
    /// ISO 3166-1 alpha-3 country code.
    pub country: String,
    #[serde(default)]
    pub sectors: Vec<String>,
    /// 1 (closest) to 5 (least trusted).
    pub trust_tier: u8,
    #[serde(default)]
    pub flags: Vec<RelationshipFlag>,
    /// Organisations the partner may share TLP:AMBER with (its clients).
    #[serde(default)]
    pub clients: Vec<String>,
    /// Communities the partner may share TLP:GREEN with.
    #[serde(default)]
    pub communities: Vec<String>,
}

impl PartnerProfile {
    /// A profile as both backends store it (JSON text).
    pub fn from_stored(text: &str) -> crate::StoreResult<PartnerProfile> {
        serde_json::from_str(text).map_err(|e| crate::StoreError::Internal(format!("stored partner is unreadable: {e}")))
    }

    /// A stored profile read with a partner member's account (on every request the member
    /// makes): parsed once per distinct text and shared after that. The text is the whole
    /// profile, so an updated profile is a new text and parsed afresh; bounded (the cache
    /// starts again past [`PROFILES_CACHED`] texts).
    pub fn shared(text: &str) -> crate::StoreResult<Arc<PartnerProfile>> {
        static PARSED: std::sync::OnceLock<std::sync::Mutex<std::collections::HashMap<String, Arc<PartnerProfile>>>> = std::sync::OnceLock::new();
        let parsed = PARSED.get_or_init(Default::default);
        if let Some(p) = parsed.lock().unwrap_or_else(|e| e.into_inner()).get(text) {
            return Ok(p.clone());
        }
        let profile = Arc::new(PartnerProfile::from_stored(text)?);
        let mut parsed = parsed.lock().unwrap_or_else(|e| e.into_inner());
        if parsed.len() >= PROFILES_CACHED {
            parsed.clear();
        }
        parsed.insert(text.to_owned(), profile.clone());
        Ok(profile)
    }
}

/// Distinct stored profile texts kept parsed at most ([`PartnerProfile::shared`]).
pub const PROFILES_CACHED: usize = 1024;

/// A partner as stored: its profile, its delivery collection and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Partner {
    #[serde(flatten)]
    pub profile: PartnerProfile,
    /// The TAXII collection releases to this partner are published in.
    pub collection_id: String,
    pub created: String,
    /// Removed partners keep their record and what they received; their members cannot log in.
    pub removed: bool,
    /// Names of the partner's member accounts.
    pub members: Vec<String>,
}

/// The API root that holds every partner's delivery collection.
pub const PARTNER_API_ROOT: &str = "partners";

/// Where a release stands. A release never changes; only its state moves, forward only:
/// active -> superseded (a correction replaced it) -> recalled, or active -> recalled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReleaseState {
    Active,
    Superseded,
    Recalled,
}

impl ReleaseState {
    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseState::Active => "active",
            ReleaseState::Superseded => "superseded",
            ReleaseState::Recalled => "recalled",
        }
    }

    /// Whether a release may move from `self` to `to`.
    pub fn may_become(self, to: ReleaseState) -> bool {
        matches!((self, to), (ReleaseState::Active, ReleaseState::Superseded | ReleaseState::Recalled) | (ReleaseState::Superseded, ReleaseState::Recalled))
    }
}

impl fmt::Display for ReleaseState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ReleaseState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "active" => Ok(ReleaseState::Active),
            "superseded" => Ok(ReleaseState::Superseded),
            "recalled" => Ok(ReleaseState::Recalled),
            _ => Err(format!("unknown release state '{s}'; one of active, superseded, recalled")),
        }
    }
}

/// The internal record of a release: what was released, to whom, on whose authority, and
/// (never served to partners) where it came from and what was withheld.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseRecord {
    /// The manifest report's id: the release's name everywhere.
    pub manifest_id: String,
    /// The partner's name.
    pub partner: String,
    /// `sha256:<hex>` content hash from the manifest.
    pub content_hash: String,
    /// The exact bundle bytes (RFC 8785): what a ledger hashes and an auditor reproduces.
    #[serde(skip)]
    pub bundle: Vec<u8>,
    /// Hex SHA-256 of `bundle`.
    pub bundle_sha256: String,
    /// The signing key's id (`ed25519:...`).
    pub key_id: String,
    /// Account that drafted the release.
    pub author: String,
    /// Account that approved it (may equal `author` only when policy allows one person).
    pub approver: String,
    /// The approver's written justification, when one was needed (overrides, single person).
    pub justification: Option<String>,
    pub created: String,
    pub state: ReleaseState,
    /// The manifest id of the release this one corrects.
    pub supersedes: Option<String>,
    /// Internal: source object id -> released object id.
    pub id_map: std::collections::BTreeMap<String, String>,
    /// Internal: what was withheld and why (JSON list).
    pub removals: serde_json::Value,
    /// Lint findings (JSON list), blocking ones included.
    pub findings: serde_json::Value,
    /// Overrides of blocking findings with their justifications (JSON list).
    pub overrides: serde_json::Value,
    /// Ids of every object in the bundle (the manifest first).
    pub object_ids: Vec<String>,
    /// Internal, leak tracing: how this release's variant differs from its siblings (JSON).
    /// Stored apart from the release and never read back with it (see [`Store::variant_maps`]).
    ///
    /// [`Store::variant_maps`]: crate::Store::variant_maps
    #[serde(skip)]
    pub variant_map: Option<String>,
}

/// A stored variant map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VariantMapRow {
    pub manifest_id: String,
    pub partner: String,
    pub body: String,
}

/// One change to a duty-to-warn case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseWrite {
    pub id: String,
    /// The version the change was computed from (0 for a new case).
    pub expected_version: i64,
    /// The case's state after the change (for listing).
    pub state: String,
    /// The whole case after the change.
    pub body: serde_json::Value,
    pub event: CaseEvent,
}

/// A stored case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseRow {
    pub id: String,
    pub version: i64,
    pub state: String,
    pub body: serde_json::Value,
    /// Microseconds since the epoch.
    pub created: i64,
    pub updated: i64,
}

/// One entry of a case's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseEvent {
    /// Microseconds since the epoch.
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub detail: serde_json::Value,
}

impl ReleaseRecord {
    /// The fields other than the bundle, as one JSON document (how backends store them).
    pub fn meta_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| "{}".into())
    }

    /// Rebuilds a record from [`ReleaseRecord::meta_json`], the bundle and the current state.
    pub fn from_stored(meta: &str, bundle: Vec<u8>, state: ReleaseState) -> Result<ReleaseRecord, String> {
        let mut r: ReleaseRecord = serde_json::from_str(meta).map_err(|e| format!("stored release is unreadable: {e}"))?;
        r.bundle = bundle;
        r.state = state;
        Ok(r)
    }
}
