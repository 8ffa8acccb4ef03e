//! The ledger: a hash chain of every change, written by the backends in the same transaction
//! as the change it records.
//!
//! Each entry commits to the previous one: `hash = SHA-256("tearline-ledger-v1" || prev ||
//! seq || at || actor || kind || subject || detail)`, integers big-endian, strings
//! length-prefixed, `detail` hashed as the exact stored JSON text. Editing, deleting,
//! inserting or reordering entries breaks the chain at the first changed entry; truncation is
//! caught against a signed checkpoint ([`Checkpoint`]) kept outside the database.
//!
//! The **actor** of an entry is the account on whose authority the change is made. It is
//! request context, like a tracing span: the layer that authenticated the caller runs the
//! store call inside [`acting`], and the backend reads [`current_actor`] when it composes the
//! entry. Operator commands run outside any request and are recorded as [`OPERATOR`].

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Actor recorded for changes made by operator commands directly on the database.
pub const OPERATOR: &str = "operator";
/// Actor recorded for changes the server makes on its own (scheduler, retrieval records).
pub const SYSTEM: &str = "system";

tokio::task_local! {
    static ACTOR: std::cell::RefCell<String>;
}

/// Runs `fut` with `actor` as the ledger actor of every store write it makes.
pub async fn acting<F: std::future::Future>(actor: &str, fut: F) -> F::Output {
    ACTOR.scope(std::cell::RefCell::new(actor.to_owned()), fut).await
}

/// Runs one request: its writes are recorded as [`SYSTEM`] until the request authenticates
/// and names its account with [`set_actor`].
pub async fn request_scope<F: std::future::Future>(fut: F) -> F::Output {
    ACTOR.scope(std::cell::RefCell::new(SYSTEM.to_owned()), fut).await
}

/// Names the actor of the current request or [`acting`] scope (no effect outside one).
pub fn set_actor(actor: &str) {
    let _ = ACTOR.try_with(|a| actor.clone_into(&mut a.borrow_mut()));
}

/// The ledger actor of the current task ([`OPERATOR`] outside any scope).
pub fn current_actor() -> String {
    ACTOR.try_with(|a| a.borrow().clone()).unwrap_or_else(|_| OPERATOR.to_owned())
}

/// What a change asks the backend to record; the backend adds sequence, time and chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerDraft {
    pub actor: String,
    /// Dotted kind: `ingest`, `account.add`, `partner.update`, `release.approve`, `case.decide`…
    pub kind: String,
    /// What the entry is about: a collection id, account or partner name, manifest or case id.
    pub subject: String,
    /// Compact JSON text with the particulars.
    pub detail: String,
}

impl LedgerDraft {
    /// A draft by the current actor (see [`current_actor`]).
    pub fn new(kind: &str, subject: &str, detail: serde_json::Value) -> LedgerDraft {
        LedgerDraft { actor: current_actor(), kind: kind.to_owned(), subject: subject.to_owned(), detail: detail.to_string() }
    }
}

/// One stored entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub seq: i64,
    /// Microseconds since the epoch (UTC).
    pub at: i64,
    pub actor: String,
    pub kind: String,
    pub subject: String,
    pub detail: String,
    #[serde(with = "hex32")]
    pub prev: [u8; 32],
    #[serde(with = "hex32")]
    pub hash: [u8; 32],
}

/// Where a chain stands: the last entry's sequence number and hash (`0` and zeros before the
/// first entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Head {
    pub seq: i64,
    #[serde(with = "hex32")]
    pub hash: [u8; 32],
}

const DOMAIN: &[u8] = b"tearline-ledger-v1";

/// The hash an entry must carry.
pub fn entry_hash(prev: &[u8; 32], seq: i64, at: i64, actor: &str, kind: &str, subject: &str, detail: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(prev);
    h.update(seq.to_be_bytes());
    h.update(at.to_be_bytes());
    for s in [actor, kind, subject, detail] {
        h.update((s.len() as u64).to_be_bytes());
        h.update(s.as_bytes());
    }
    h.finalize().into()
}

impl Head {
    /// Appends a draft after this head, returning the entry and moving the head to it.
    pub fn append(&mut self, draft: LedgerDraft, at: i64) -> LedgerEntry {
        let seq = self.seq + 1;
        let hash = entry_hash(&self.hash, seq, at, &draft.actor, &draft.kind, &draft.subject, &draft.detail);
        let entry = LedgerEntry { seq, at, actor: draft.actor, kind: draft.kind, subject: draft.subject, detail: draft.detail, prev: self.hash, hash };
        *self = Head { seq, hash };
        entry
    }
}

/// Why a chain does not hold, naming the first broken entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("entry {found} follows entry {after}: entries are missing or were reordered")]
    Gap { after: i64, found: i64 },
    #[error("entry {seq} does not follow the entry before it (its link to the previous hash is wrong)")]
    Link { seq: i64 },
    #[error("entry {seq} was altered (its contents do not match its hash)")]
    Altered { seq: i64 },
    #[error("the chain ends at entry {end}, but checkpoint {checkpoint} seals later entries: the ledger was truncated")]
    Truncated { end: i64, checkpoint: i64 },
    #[error("entry {seq} does not match the checkpoint that seals it")]
    CheckpointMismatch { seq: i64 },
}

impl ChainBreak {
    /// The first entry that is wrong (or, for truncation, the first one missing).
    pub fn seq(&self) -> i64 {
        match *self {
            ChainBreak::Gap { after, .. } => after + 1,
            ChainBreak::Link { seq } | ChainBreak::Altered { seq } | ChainBreak::CheckpointMismatch { seq } => seq,
            ChainBreak::Truncated { end, .. } => end + 1,
        }
    }
}

/// Walks entries in order from `head`, checking sequence, link and hash of each; returns the
/// new head. Call it page by page with the head it returns.
pub fn verify_entries<'a>(mut head: Head, entries: impl IntoIterator<Item = &'a LedgerEntry>) -> Result<Head, ChainBreak> {
    for e in entries {
        if e.seq != head.seq + 1 {
            return Err(ChainBreak::Gap { after: head.seq, found: e.seq });
        }
        if e.prev != head.hash {
            return Err(ChainBreak::Link { seq: e.seq });
        }
        if entry_hash(&e.prev, e.seq, e.at, &e.actor, &e.kind, &e.subject, &e.detail) != e.hash {
            return Err(ChainBreak::Altered { seq: e.seq });
        }
        head = Head { seq: e.seq, hash: e.hash };
    }
    Ok(head)
}

/// A signed statement that the chain reached `head` at `at`. Stored in the database, and
/// exported for anchoring elsewhere; the signature is made with the server's Ed25519 key,
/// which lives outside the database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    #[serde(with = "hex32")]
    pub hash: [u8; 32],
    /// Microseconds since the epoch.
    pub at: i64,
    /// `ed25519:...` key id.
    pub key_id: String,
    /// Base64 Ed25519 signature over [`Checkpoint::message`].
    pub signature: String,
}

impl Checkpoint {
    /// The exact bytes a checkpoint signature covers.
    pub fn message(seq: i64, hash: &[u8; 32], at: i64) -> Vec<u8> {
        format!("tearline-ledger-checkpoint-v1\n{seq}\n{}\n{at}\n", hex_lower(hash)).into_bytes()
    }
}

/// A range of the chain moved out of the database into an archive file. The database keeps
/// this record, so the chain that remains starts from a known, sealed head.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchivedSegment {
    pub first: i64,
    pub last: i64,
    #[serde(with = "hex32")]
    pub last_hash: [u8; 32],
    /// Hex SHA-256 of the archive file.
    pub file_sha256: String,
    pub at: i64,
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct LedgerQuery {
    /// Only entries with a greater sequence number.
    pub after: i64,
    /// At most this many (0: the backend's page size).
    pub limit: usize,
    pub subject: Option<String>,
    /// Kinds starting with this (`release.` matches every release entry).
    pub kind_prefix: Option<String>,
}

/// The first read of a release by one recipient account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retrieval {
    pub manifest_id: String,
    pub account: String,
    /// Microseconds since the epoch.
    pub at: i64,
}

pub(crate) fn hex_lower(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Parses 64 hex digits.
pub fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
        out[i] = u8::from_str_radix(std::str::from_utf8(chunk).ok()?, 16).ok()?;
    }
    Some(out)
}

mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::hex_lower(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        super::parse_hex32(&s).ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
    }
}

/// The digest an ingest entry records for the objects it added: SHA-256 over each added
/// object's id, version and content hash, in order. Anyone holding the objects can recompute
/// it; the ledger stays small however large the batch.
#[derive(Default)]
pub struct IngestDigest {
    hasher: Sha256,
    /// Objects added so far.
    pub added: u64,
}

impl IngestDigest {
    pub fn add(&mut self, id: &str, version: &str, content_hash: &[u8; 32]) {
        for s in [id, version] {
            self.hasher.update((s.len() as u64).to_be_bytes());
            self.hasher.update(s.as_bytes());
        }
        self.hasher.update(content_hash);
        self.added += 1;
    }

    /// The ledger draft for an ingest into `collection`, or `None` when nothing was added (an
    /// ingest that changes nothing records nothing).
    pub fn draft(self, actor: String, collection: &str, outcomes: &[crate::Outcome], status: Option<&str>) -> Option<LedgerDraft> {
        if self.added == 0 {
            return None;
        }
        let unchanged = outcomes.iter().filter(|o| matches!(o, crate::Outcome::Unchanged { .. })).count();
        let failed = outcomes.iter().filter(|o| !o.is_success()).count();
        let detail = serde_json::json!({
            "added": self.added, "unchanged": unchanged, "failed": failed,
            "objects_sha256": hex_lower(&self.hasher.finalize()), "status": status,
        });
        Some(LedgerDraft { actor, kind: "ingest".into(), subject: collection.to_owned(), detail: detail.to_string() })
    }
}

/// The entries every backend writes for the store's changes, built in one place so both
/// backends record the same facts in the same words.
pub mod drafts {
    use serde_json::json;

    use super::LedgerDraft;
    use crate::{Access, NewCollection, PartnerProfile, ReleaseRecord, ReleaseState, Role};

    fn draft(actor: String, kind: &str, subject: &str, detail: serde_json::Value) -> LedgerDraft {
        LedgerDraft { actor, kind: kind.to_owned(), subject: subject.to_owned(), detail: detail.to_string() }
    }

    pub fn account_add(actor: String, name: &str, role: Role) -> LedgerDraft {
        draft(actor, "account.add", name, json!({ "role": role.as_str() }))
    }
    pub fn account_secret(actor: String, name: &str) -> LedgerDraft {
        draft(actor, "account.secret", name, json!({}))
    }
    pub fn account_disable(actor: String, name: &str) -> LedgerDraft {
        draft(actor, "account.disable", name, json!({}))
    }
    pub fn collection_add(actor: String, id: &str, new: &NewCollection) -> LedgerDraft {
        draft(actor, "collection.add", id, json!({ "api_root": new.api_root, "title": new.title, "readers": new.readers, "writers": new.writers }))
    }
    pub fn grant_set(actor: String, collection: &str, account: &str, access: Access) -> LedgerDraft {
        draft(actor, "grant.set", collection, json!({ "account": account, "read": access.can_read, "write": access.can_write }))
    }
    pub fn object_delete(actor: String, collection: &str, object_id: &str, removed: u64) -> LedgerDraft {
        draft(actor, "object.delete", object_id, json!({ "collection": collection, "versions_removed": removed }))
    }
    pub fn partner(actor: String, kind: &str, profile: &PartnerProfile) -> LedgerDraft {
        draft(actor, kind, &profile.name, serde_json::to_value(profile).unwrap_or_default())
    }
    pub fn partner_remove(actor: String, name: &str) -> LedgerDraft {
        draft(actor, "partner.remove", name, json!({}))
    }
    pub fn partner_member_add(actor: String, partner: &str, account: &str) -> LedgerDraft {
        draft(actor, "partner.member.add", partner, json!({ "account": account }))
    }
    /// A release: to whom, the exact bytes (by hash), on whose authority, from which sources.
    pub fn release(actor: String, r: &ReleaseRecord) -> LedgerDraft {
        draft(
            actor,
            "release.approve",
            &r.manifest_id,
            json!({
                "partner": r.partner, "content_hash": r.content_hash, "bundle_sha256": r.bundle_sha256,
                "key_id": r.key_id, "author": r.author, "approver": r.approver, "justification": r.justification,
                "supersedes": r.supersedes, "sources": r.id_map.keys().collect::<Vec<_>>(), "objects": r.object_ids.len(),
                "overrides": r.overrides,
            }),
        )
    }
    pub fn release_state(actor: String, manifest_id: &str, from: ReleaseState, to: ReleaseState, published: &[String]) -> LedgerDraft {
        draft(actor, "release.state", manifest_id, json!({ "from": from.as_str(), "to": to.as_str(), "published": published }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> Vec<LedgerEntry> {
        let mut head = Head::default();
        (0..n).map(|i| head.append(LedgerDraft { actor: "a".into(), kind: "k".into(), subject: format!("s{i}"), detail: "{}".into() }, i as i64)).collect()
    }

    #[test]
    fn a_fresh_chain_verifies() {
        let c = chain(5);
        let head = verify_entries(Head::default(), &c).unwrap();
        assert_eq!(head.seq, 5);
        assert_eq!(head.hash, c[4].hash);
    }

    #[test]
    fn every_kind_of_tampering_names_the_first_broken_entry() {
        let c = chain(5);
        let mut edited = c.clone();
        edited[2].detail = "{\"x\":1}".into();
        assert_eq!(verify_entries(Head::default(), &edited), Err(ChainBreak::Altered { seq: 3 }));

        let mut deleted = c.clone();
        deleted.remove(1);
        assert_eq!(verify_entries(Head::default(), &deleted).unwrap_err().seq(), 2);

        let mut reordered = c.clone();
        reordered.swap(1, 2);
        assert_eq!(verify_entries(Head::default(), &reordered).unwrap_err().seq(), 2);

        // A forged entry renumbered into place still fails its link.
        let mut inserted = c.clone();
        let mut fake = c[1].clone();
        fake.subject = "forged".into();
        fake.hash = entry_hash(&fake.prev, fake.seq, fake.at, &fake.actor, &fake.kind, &fake.subject, &fake.detail);
        inserted[1] = fake;
        assert_eq!(verify_entries(Head::default(), &inserted), Err(ChainBreak::Link { seq: 3 }));
    }

    #[test]
    fn the_actor_is_request_context() {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        assert_eq!(current_actor(), OPERATOR);
        let inside = rt.block_on(acting("alice", async { LedgerDraft::new("k", "s", serde_json::json!({})).actor }));
        assert_eq!(inside, "alice");
        let request = rt.block_on(request_scope(async {
            let before = current_actor();
            set_actor("bob");
            (before, current_actor())
        }));
        assert_eq!(request, (SYSTEM.to_owned(), "bob".to_owned()));
        set_actor("mallory");
        assert_eq!(current_actor(), OPERATOR, "outside a scope nothing changes");
    }
}
