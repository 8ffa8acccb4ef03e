//! The storage seam of tearline.
//!
//! [`Store`] is the one trait every backend implements (embedded SQLite by default, PostgreSQL
//! for several nodes). It speaks in domain types from this crate and `tearline-stix`; no SQL or
//! HTTP type crosses it. The `testsuite` feature provides [`store_test_suite!`], the conformance
//! suite each backend runs against itself: behaviour is specified once, against the trait.
//!
//! Invariants every backend keeps:
//! - an `add_objects` call returns only after its objects and its status record are durable;
//! - every version of every object is kept, with its own `date_added` per collection; an
//!   identical re-post is a no-op, a different object under an existing id and version fails;
//! - `date_added` is strictly increasing across a collection, so a [`Cursor`] taken from one
//!   page stays valid however many writes happen before the next page is read.

pub mod bounded;
mod error;
pub mod ledger;
pub mod secret;
mod types;

#[cfg(feature = "testsuite")]
pub mod testsuite;

use async_trait::async_trait;

pub use error::{StoreError, StoreResult};
pub use types::*;
pub use ledger::{ArchivedSegment, Checkpoint, Head, LedgerDraft, LedgerEntry, LedgerQuery, Retrieval};

/// The storage trait. Implementations are cheap to share (`Arc<dyn Store>`).
#[async_trait]
pub trait Store: Send + Sync + 'static {
    /// Short backend name for logs and metrics (`sqlite`, `postgres`).
    fn backend(&self) -> &'static str;

    /// Checks that the database answers (used by `/readyz`).
    async fn ping(&self) -> StoreResult<()>;

    // --- accounts ---

    /// Creates an account; fails with [`StoreError::Conflict`] if the name is taken.
    async fn add_account(&self, name: &str, role: Role, secret_hash: SecretHash) -> StoreResult<Account>;
    /// Replaces an account's secret (the old one stops working at once).
    async fn set_account_secret(&self, name: &str, secret_hash: SecretHash) -> StoreResult<()>;
    /// Disables an account: it can no longer authenticate; its records stay.
    async fn disable_account(&self, name: &str) -> StoreResult<()>;
    async fn accounts(&self) -> StoreResult<Vec<Account>>;
    /// The enabled account whose secret hashes to `hash` (Bearer authentication).
    async fn account_by_secret(&self, hash: &SecretHash) -> StoreResult<Option<Account>>;
    /// The enabled account of that name and its secret hash (Basic authentication).
    async fn account_by_name(&self, name: &str) -> StoreResult<Option<(Account, SecretHash)>>;

    // --- API roots and collections ---

    async fn api_roots(&self) -> StoreResult<Vec<ApiRoot>>;
    /// Creates a collection (and its API root, if new) with the given grants. Unknown account
    /// names fail the whole call with [`StoreError::NotFound`]; nothing is written.
    async fn add_collection(&self, new: NewCollection) -> StoreResult<Collection>;
    /// Sets (replaces) one account's access to a collection.
    async fn set_grant(&self, collection_id: &str, account: &str, access: Access) -> StoreResult<()>;
    /// Every collection, for operators.
    async fn collections(&self) -> StoreResult<Vec<Collection>>;
    /// The collections of an API root the account may read or write, with its access.
    async fn collections_for(&self, account_id: i64, api_root: &str) -> StoreResult<Vec<(Collection, Access)>>;
    /// One collection, only if the account may read or write it (else `None`, exactly as for a
    /// collection that does not exist).
    async fn collection_for(&self, account_id: i64, api_root: &str, collection_id: &str) -> StoreResult<Option<(Collection, Access)>>;
    /// One collection by id, for operators (CLI import/export).
    async fn collection(&self, collection_id: &str) -> StoreResult<Option<Collection>>;

    // --- objects ---

    /// Stores a batch of submissions in one collection. Rejected submissions (already found
    /// invalid by the caller) are recorded as failures in order; accepted ones are stored or
    /// found identical or conflicting. With a `status`, the status record is written in the
    /// same transaction. Returns once all of it is durable.
    async fn add_objects(&self, collection_id: &str, items: Vec<Submission>, status: Option<StatusDraft>) -> StoreResult<AddResult>;
    /// One page of objects (or only their manifest entries when `with_body` is false) in
    /// `date_added` order.
    async fn objects(&self, collection_id: &str, filter: &ObjectFilter, with_body: bool) -> StoreResult<Page>;
    /// Deletes the matching versions of one object; returns how many were removed.
    async fn delete_object(&self, collection_id: &str, object_id: &str, versions: &VersionFilter, spec_versions: &[String]) -> StoreResult<u64>;
    /// A status record, only for the account that created it.
    async fn status(&self, status_id: &str, account_id: i64) -> StoreResult<Option<StatusRecord>>;

    // --- partners ---

    /// Creates a partner and its delivery collection (in [`PARTNER_API_ROOT`]) in one
    /// transaction. Fails with [`StoreError::Conflict`] if the name is taken.
    async fn add_partner(&self, profile: PartnerProfile) -> StoreResult<Partner>;
    /// Replaces a partner's profile (its name and delivery collection stay).
    async fn update_partner(&self, profile: PartnerProfile) -> StoreResult<Partner>;
    /// Every partner, removed ones included.
    async fn partners(&self) -> StoreResult<Vec<Partner>>;
    async fn partner(&self, name: &str) -> StoreResult<Option<Partner>>;
    /// Marks the partner removed, disables its member accounts and revokes every grant on its
    /// delivery collection, in one transaction. What it received stays on record.
    async fn remove_partner(&self, name: &str) -> StoreResult<()>;
    /// Creates a partner-member account that may read its partner's delivery collection and post
    /// feedback into it.
    async fn add_partner_member(&self, partner: &str, account: &str, secret_hash: SecretHash) -> StoreResult<Account>;

    // --- releases ---

    /// Stores a release and publishes `objects` (the objects of its bundle) into the partner's
    /// delivery collection, in one transaction: both or neither. With `record.supersedes`, that
    /// release becomes [`ReleaseState::Superseded`] in the same transaction. Fails with
    /// [`StoreError::Conflict`] when the manifest id exists or an object conflicts with a stored
    /// one (nothing is written), [`StoreError::NotFound`] for an unknown or removed partner or
    /// superseded release, [`StoreError::Invalid`] when the superseded release is not active.
    async fn add_release(&self, record: ReleaseRecord, objects: Vec<Submission>) -> StoreResult<AddResult>;
    /// One release, with its bundle bytes.
    async fn release(&self, manifest_id: &str) -> StoreResult<Option<ReleaseRecord>>;
    /// Releases, oldest first; to one partner when named.
    async fn releases(&self, partner: Option<&str>) -> StoreResult<Vec<ReleaseRecord>>;
    /// Every release that carries something derived from this source object.
    async fn releases_from_source(&self, source_id: &str) -> StoreResult<Vec<ReleaseRecord>>;
    /// Moves a release to `state` (forward only, see [`ReleaseState::may_become`]) and publishes
    /// `objects` (a recall notice, revoked versions) into its partner's delivery collection, in
    /// one transaction. [`StoreError::Invalid`] for a move backwards.
    async fn set_release_state(&self, manifest_id: &str, state: ReleaseState, objects: Vec<Submission>) -> StoreResult<AddResult>;
    /// Ids of every object ever published to this partner by a release or a recall.
    async fn released_object_ids(&self, partner: &str) -> StoreResult<Vec<String>>;
    /// Those of `ids` that a release published (in some version) to the partner.
    async fn released_among(&self, partner: &str, ids: &[String]) -> StoreResult<Vec<String>>;

    // --- egress to partners ---

    /// [`Store::objects`] for a partner member: the same page, read by the same query, each row
    /// with what egress needs to decide it, read in the same snapshot: the admission stored for
    /// the row under `read.fingerprint` (the page's cursor range read at once), else the
    /// releases that published exactly this (id, version) to `read.partner` (publication is by
    /// version: another version of a released id is not released).
    async fn partner_objects(&self, collection_id: &str, filter: &ObjectFilter, with_body: bool, read: &PartnerRead) -> StoreResult<PartnerPage>;
    /// Stores egress decisions: each row (by cursor) of the collection was admitted for
    /// `read.partner` under `read.fingerprint`, standing for the named releases. Replaces the
    /// partner's earlier decisions for the row (another partner's stand beside it); the
    /// object's row itself is never rewritten, and a deleted object takes its decisions with
    /// it. A derived cache of a pure decision (it has no ledger
    /// entry): a row without one, or under another fingerprint, is decided live. Unknown
    /// collections and an empty fingerprint store nothing.
    async fn record_admissions(&self, read: &PartnerRead, collection_id: &str, rows: Vec<(Cursor, Vec<String>)>) -> StoreResult<()>;

    // --- ledger (every write above appends its entry in its own transaction) ---

    /// Appends an entry for a change that has no other stored form (a policy file loaded).
    async fn ledger_append(&self, draft: LedgerDraft) -> StoreResult<LedgerEntry>;
    /// Entries in sequence order.
    async fn ledger_entries(&self, query: &LedgerQuery) -> StoreResult<Vec<LedgerEntry>>;
    /// The last entry's sequence number and hash.
    async fn ledger_head(&self) -> StoreResult<Head>;
    /// Segments moved out to archive files, oldest first; the chain in the database continues
    /// from the last one's head.
    async fn ledger_segments(&self) -> StoreResult<Vec<ArchivedSegment>>;
    /// Stores a signed checkpoint. [`StoreError::Invalid`] when it does not match the entry it
    /// names.
    async fn add_checkpoint(&self, checkpoint: Checkpoint) -> StoreResult<()>;
    /// Stored checkpoints, oldest first.
    async fn checkpoints(&self) -> StoreResult<Vec<Checkpoint>>;
    /// Removes the entries of `segment` (already written to its archive file) and records the
    /// segment, in one transaction. The segment must start where the database's chain starts
    /// and end at a checkpointed entry; anything else is [`StoreError::Invalid`].
    async fn archive_ledger(&self, segment: ArchivedSegment) -> StoreResult<()>;
    /// Records first reads of releases by recipient accounts; repeats are ignored. Returns the
    /// ones recorded now (each with its ledger entry).
    async fn record_retrievals(&self, items: Vec<Retrieval>) -> StoreResult<Vec<Retrieval>>;
    /// Recorded first reads, of one release or of all.
    async fn retrievals(&self, manifest_id: Option<&str>) -> StoreResult<Vec<Retrieval>>;

    // --- duty-to-warn cases (the store keeps them as versioned documents) ---

    /// Creates (`expected_version` 0) or replaces a case, appending its timeline event and
    /// ledger entry in one transaction. [`StoreError::Conflict`] when the stored version is not
    /// `expected_version` (someone else changed it first).
    async fn put_case(&self, write: CaseWrite) -> StoreResult<CaseRow>;
    async fn case(&self, id: &str) -> StoreResult<Option<CaseRow>>;
    /// Every case, newest first.
    async fn cases(&self) -> StoreResult<Vec<CaseRow>>;
    /// A case's events, oldest first.
    async fn case_events(&self, id: &str) -> StoreResult<Vec<CaseEvent>>;

    // --- leak tracing (internal: never served) ---

    /// Every stored variant map (see [`ReleaseRecord::variant_map`]).
    async fn variant_maps(&self) -> StoreResult<Vec<VariantMapRow>>;

    // --- operations ---

    /// Writes a consistent copy of the live database to `dest` (a new file).
    async fn backup(&self, dest: &std::path::Path) -> StoreResult<()>;
    /// Brings the database files to rest after a bulk load (SQLite: folds the write-ahead log
    /// into the database and truncates it); nothing for backends that need nothing.
    async fn settle(&self) -> StoreResult<()>;
}
