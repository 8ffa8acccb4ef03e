//! The ledger's operations, shared by the CLI (`tearline ledger ...`), the management API
//! (`/api/v1/ledger`) and the server's periodic sealing: signed checkpoints, the verification
//! walk, archive files, listing.
//!
//! - **Checkpoint:** the server's Ed25519 key (outside the database) signs
//!   [`Checkpoint::message`] for the current head. A new one is made only when the head moved.
//! - **Verify:** the chain is re-walked page by page from where the database's chain starts
//!   (genesis, or the head of the last archived segment), entry by entry in sequence order;
//!   every checkpoint (stored, or exported and given back) is checked for its signature and
//!   against the entry it seals, in the same walk, so the first problem reported is the one
//!   with the lowest sequence number. A checkpoint beyond the end of the chain is truncation.
//! - **Archive:** a file of JSON lines — a header ([`ArchiveHeader`]: the segment and the
//!   checkpoint sealing its last entry), then the entries — written, fsynced and renamed into
//!   place *before* [`Store::archive_ledger`] deletes the entries. Its SHA-256 is recorded with
//!   the segment, so a verifier can tell the very file that was archived.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tearline_policy::Keyring;
use tearline_stix::Timestamp;
use tearline_store::ledger::{ChainBreak, verify_entries};
use tearline_store::{ArchivedSegment, Checkpoint, Head, LedgerEntry, LedgerQuery, Store};

use crate::keys::SigningKeys;
use crate::{Action, Actor, ServiceError, ServiceResult};

/// Entries read per call while walking (the stores' largest page).
pub const PAGE: usize = 10_000;

/// Signs a checkpoint of `head` at `at` (microseconds).
pub fn sign_checkpoint(keys: &SigningKeys, head: Head, at: i64) -> Checkpoint {
    use tearline_policy::Signer;
    let sig = keys.signer().sign(&Checkpoint::message(head.seq, &head.hash, at));
    Checkpoint {
        seq: head.seq,
        hash: head.hash,
        at,
        key_id: keys.current().key_id.clone(),
        signature: base64::engine::general_purpose::STANDARD.encode(sig),
    }
}

/// Why a checkpoint's signature does not hold (`None`: it does).
pub fn check_signature(cp: &Checkpoint, keyring: &Keyring) -> Option<String> {
    let Some(key) = keyring.get(&cp.key_id) else {
        return Some(format!("it is signed by {}, a key not in the keyring (give its public key with --key)", cp.key_id));
    };
    let sig = base64::engine::general_purpose::STANDARD.decode(cp.signature.trim()).ok().and_then(|b| <[u8; 64]>::try_from(b).ok());
    let Some(sig) = sig else { return Some("its signature is not 64 bytes of base64".into()) };
    match key.verify_strict(&Checkpoint::message(cp.seq, &cp.hash, cp.at), &ed25519_dalek::Signature::from_bytes(&sig)) {
        Ok(()) => None,
        Err(_) => Some(format!("its signature does not verify with {}", cp.key_id)),
    }
}

/// A checkpoint of the current head: a new one when the head moved since the latest stored
/// checkpoint, else that one. Returns it and whether it is new.
pub async fn checkpoint(store: &dyn Store, keys: &SigningKeys) -> ServiceResult<(Checkpoint, bool)> {
    let head = store.ledger_head().await?;
    let latest = store.checkpoints().await?.pop();
    if let Some(cp) = latest.filter(|cp| cp.seq >= head.seq) {
        return Ok((cp, false));
    }
    if head.seq == 0 {
        return Err(ServiceError::Invalid("the ledger is empty: there is nothing to seal yet".into()));
    }
    let cp = sign_checkpoint(keys, head, Timestamp::now().as_micros());
    store.add_checkpoint(cp.clone()).await?;
    Ok((cp, true))
}

/// Seals the head when it moved past `sealed` (the sequence number last sealed); returns the
/// new checkpoint, if any. For the server's periodic task.
pub async fn seal_if_moved(store: &dyn Store, keys: &SigningKeys, sealed: i64) -> ServiceResult<Option<Checkpoint>> {
    let head = store.ledger_head().await?;
    if head.seq <= sealed || head.seq == 0 {
        return Ok(None);
    }
    let cp = sign_checkpoint(keys, head, Timestamp::now().as_micros());
    store.add_checkpoint(cp.clone()).await?;
    Ok(Some(cp))
}

/// The latest stored checkpoint (for readers of the ledger).
pub async fn latest_checkpoint(store: &dyn Store, actor: &Actor) -> ServiceResult<Checkpoint> {
    actor.require(Action::ReadLedger)?;
    store.checkpoints().await?.pop().ok_or_else(|| ServiceError::NotFound("a ledger checkpoint".into()))
}

/// Entries matching `query` (at most [`PAGE`]), for readers of the ledger.
pub async fn list(store: &dyn Store, actor: &Actor, query: &LedgerQuery) -> ServiceResult<Vec<LedgerEntry>> {
    actor.require(Action::ReadLedger)?;
    if query.limit > PAGE {
        return Err(ServiceError::Invalid(format!("limit is at most {PAGE}")));
    }
    Ok(store.ledger_entries(query).await?)
}

/// The first line of an archive file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveHeader {
    /// Always `tearline-ledger-archive-v1`.
    pub format: String,
    pub first: i64,
    pub last: i64,
    #[serde(with = "hex32")]
    pub last_hash: [u8; 32],
    /// The checkpoint sealing entry `last`.
    pub checkpoint: Checkpoint,
}

const ARCHIVE_FORMAT: &str = "tearline-ledger-archive-v1";

mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        tearline_store::ledger::parse_hex32(&s).ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
    }
}

/// What [`archive`] did.
#[derive(Debug, Clone)]
pub struct Archived {
    pub segment: ArchivedSegment,
    pub checkpoint: Checkpoint,
    pub file: PathBuf,
}

/// Parses `2026-01-31` or an RFC 3339 UTC time into microseconds since the epoch.
pub fn parse_date(s: &str) -> ServiceResult<i64> {
    let full = if s.len() == 10 { format!("{s}T00:00:00Z") } else { s.to_owned() };
    Timestamp::parse(&full)
        .map(|t| t.as_micros())
        .map_err(|_| ServiceError::Invalid(format!("'{s}' is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)")))
}

fn io_err(path: &Path, what: &str, e: std::io::Error) -> ServiceError {
    ServiceError::Invalid(format!("cannot {what} {}: {e}", path.display()))
}

/// A writer that hashes what it writes.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Moves the sealed entries from the database's first entry up to the latest checkpoint made
/// before `before` (microseconds) into the archive file `out` (which must not exist): writes
/// and fsyncs it, then removes the entries with [`Store::archive_ledger`]. The entries are
/// verified as they are written; a broken chain is not archived.
pub async fn archive(store: &dyn Store, before: i64, out: &Path) -> ServiceResult<Archived> {
    if out.exists() {
        return Err(ServiceError::Invalid(format!("{} exists; archive into a new file", out.display())));
    }
    let start = chain_start(&store.ledger_segments().await?);
    let first = store.ledger_entries(&LedgerQuery { after: i64::MIN, limit: 1, ..Default::default() }).await?;
    let Some(first) = first.first().map(|e| e.seq) else {
        return Err(ServiceError::Invalid("there are no entries in the database to archive".into()));
    };
    let cp = store
        .checkpoints()
        .await?
        .into_iter()
        .filter(|cp| cp.at < before && cp.seq >= first)
        .max_by_key(|cp| cp.seq)
        .ok_or_else(|| {
            ServiceError::Invalid(format!(
                "no checkpoint made before {} seals entries still in the database; run 'tearline ledger checkpoint' (or wait for the server to seal) and use a later date",
                Timestamp::from_micros(before).to_micros_string()
            ))
        })?;
    let dir = out.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_owned();
    let tmp = dir.join(format!(".{}.tmp-{}", out.file_name().map(|n| n.to_string_lossy()).unwrap_or_default(), std::process::id()));
    let file = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp).map_err(|e| io_err(&tmp, "create", e))?;
    let result = async {
        let mut w = Hashing { inner: std::io::BufWriter::with_capacity(1 << 20, file), hash: Sha256::new() };
        let header = ArchiveHeader { format: ARCHIVE_FORMAT.into(), first, last: cp.seq, last_hash: cp.hash, checkpoint: cp.clone() };
        let werr = |e: std::io::Error| io_err(&tmp, "write", e);
        serde_json::to_writer(&mut w, &header).map_err(|e| werr(e.into()))?;
        w.write_all(b"\n").map_err(werr)?;
        let mut head = start;
        let mut after = start.seq.min(first - 1);
        while after < cp.seq {
            let page = store.ledger_entries(&LedgerQuery { after, limit: PAGE, ..Default::default() }).await?;
            let page: Vec<LedgerEntry> = page.into_iter().take_while(|e| e.seq <= cp.seq).collect();
            let Some(last) = page.last() else { break };
            after = last.seq;
            head = verify_entries(head, &page).map_err(|b| ServiceError::Invalid(format!("the ledger does not verify ({b}); run 'tearline ledger verify' — nothing was archived")))?;
            for e in &page {
                serde_json::to_writer(&mut w, e).map_err(|e| werr(e.into()))?;
                w.write_all(b"\n").map_err(werr)?;
            }
        }
        if head.seq != cp.seq || head.hash != cp.hash {
            return Err(ServiceError::Invalid(format!("the ledger does not match checkpoint {} (chain ends at {}); nothing was archived", cp.seq, head.seq)));
        }
        w.flush().map_err(werr)?;
        let digest = hex::encode(w.hash.finalize_reset());
        let file = w.inner.into_inner().map_err(|e| werr(e.into_error()))?;
        file.sync_all().map_err(werr)?;
        drop(file);
        // Never replace an existing file (hard link fails if `out` appeared meanwhile).
        std::fs::hard_link(&tmp, out).map_err(|e| io_err(out, "create", e))?;
        let _ = std::fs::remove_file(&tmp);
        if let Ok(d) = std::fs::File::open(&dir) {
            d.sync_all().map_err(|e| io_err(&dir, "fsync", e))?;
        }
        Ok(digest)
    }
    .await;
    let digest = match result {
        Ok(d) => d,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    let segment = ArchivedSegment { first, last: cp.seq, last_hash: cp.hash, file_sha256: digest, at: Timestamp::now().as_micros() };
    store.archive_ledger(segment.clone()).await?;
    Ok(Archived { segment, checkpoint: cp, file: out.to_owned() })
}

/// Where the database's chain starts: the head of the last archived segment, else genesis.
pub fn chain_start(segments: &[ArchivedSegment]) -> Head {
    segments.iter().max_by_key(|s| s.last).map(|s| Head { seq: s.last, hash: s.last_hash }).unwrap_or_default()
}

/// What to verify besides the chain in the database.
#[derive(Debug, Default)]
pub struct VerifyOptions {
    /// Public keys checkpoints may be signed with.
    pub keyring: Keyring,
    /// Checkpoints exported earlier (anchored elsewhere); each must verify and its entry be in
    /// the chain with its hash.
    pub exported: Vec<(PathBuf, Checkpoint)>,
    /// Archive files of archived segments.
    pub archives: Vec<PathBuf>,
}

/// A chain that holds.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// Entries checked, in archives and in the database.
    pub entries: u64,
    /// Entries of them read from archive files.
    pub archived_entries: u64,
    /// Where the database's chain starts (the last archived segment's head).
    pub start: Head,
    pub head: Head,
    /// Stored checkpoints checked (signature and entry).
    pub checkpoints: usize,
    /// The latest stored checkpoint's sequence number.
    pub latest_checkpoint: Option<i64>,
    /// Exported checkpoints checked.
    pub exported: usize,
    /// Archived segments whose entries were not given (`--archive`): their recorded heads were
    /// trusted.
    pub trusted_segments: Vec<ArchivedSegment>,
    pub elapsed: Duration,
}

/// Why the ledger does not verify.
#[derive(Debug, Clone, thiserror::Error)]
pub enum VerifyFailure {
    #[error("{0}")]
    Chain(ChainBreak),
    #[error("checkpoint of entry {seq} ({source_name}) is not valid: {reason}")]
    Signature { seq: i64, source_name: String, reason: String },
    #[error("archive {file}: {reason}")]
    Archive { file: String, seq: Option<i64>, reason: String },
}

impl VerifyFailure {
    /// The first broken (or missing) entry, when one is known.
    pub fn first_broken(&self) -> Option<i64> {
        match self {
            VerifyFailure::Chain(b) => Some(b.seq()),
            VerifyFailure::Signature { seq, .. } => Some(*seq),
            VerifyFailure::Archive { seq, .. } => *seq,
        }
    }
}

/// A checkpoint to hold the chain to, and where it came from.
struct Seal {
    cp: Checkpoint,
    source: String,
}

/// Walks the chain (archives, then the database page by page), checking every entry and every
/// checkpoint. `Ok(Err(..))` names the first problem; `Err` is a failure to read.
pub async fn verify(store: &dyn Store, opts: &VerifyOptions) -> ServiceResult<Result<VerifyReport, VerifyFailure>> {
    let started = Instant::now();
    let segments = store.ledger_segments().await?;
    let stored = store.checkpoints().await?;
    let latest_checkpoint = stored.last().map(|c| c.seq);
    // Every checkpoint by the entry it seals; each must be signed by a known key.
    let mut seals: BTreeMap<i64, Vec<Seal>> = BTreeMap::new();
    let n_stored = stored.len();
    for cp in stored {
        seals.entry(cp.seq).or_default().push(Seal { cp, source: "stored".into() });
    }
    for (path, cp) in &opts.exported {
        seals.entry(cp.seq).or_default().push(Seal { cp: cp.clone(), source: format!("exported {}", path.display()) });
    }
    for (&seq, list) in &seals {
        for s in list {
            if let Some(reason) = check_signature(&s.cp, &opts.keyring) {
                return Ok(Err(VerifyFailure::Signature { seq, source_name: s.source.clone(), reason }));
            }
        }
    }
    // Segments must tile the archived range from entry 1.
    let mut expect = 1;
    for s in &segments {
        if s.first != expect || s.last < s.first {
            return Ok(Err(VerifyFailure::Archive {
                file: "(segment records)".into(),
                seq: Some(expect),
                reason: format!("the recorded archived segments do not follow each other (expected one from entry {expect}, found {}..{})", s.first, s.last),
            }));
        }
        expect = s.last + 1;
    }
    let mut entries = 0u64;
    let mut head = Head::default();
    // Archives: chained from genesis, each the very file recorded with its segment.
    let mut archives = Vec::new();
    for path in &opts.archives {
        archives.push((path.clone(), read_archive_header(path)?));
    }
    archives.sort_by_key(|(_, h)| h.first);
    let mut covered = 0i64;
    for (path, header) in &archives {
        let file = path.display().to_string();
        let fail = |seq: Option<i64>, reason: String| Ok(Err(VerifyFailure::Archive { file: file.clone(), seq, reason }));
        let Some(seg) = segments.iter().find(|s| s.first == header.first && s.last == header.last) else {
            return fail(Some(header.first), format!("the database records no archived segment {}..{}", header.first, header.last));
        };
        if header.first != head.seq + 1 {
            return fail(Some(head.seq + 1), format!("it starts at entry {}, but the chain so far ends at {}; give every archive file", header.first, head.seq));
        }
        if let Some(reason) = check_signature(&header.checkpoint, &opts.keyring) {
            return fail(Some(header.last), format!("its sealing checkpoint is not valid: {reason}"));
        }
        match walk_archive(path, head, &mut seals, &mut entries)? {
            Ok((h, digest)) => {
                if h.seq != header.last || h.hash != header.last_hash || header.checkpoint.seq != h.seq || header.checkpoint.hash != h.hash {
                    return fail(Some(h.seq + 1), format!("its entries end at {} and do not match its header and sealing checkpoint (entry {})", h.seq, header.last));
                }
                if seg.last_hash != h.hash {
                    return Ok(Err(VerifyFailure::Chain(ChainBreak::CheckpointMismatch { seq: h.seq })));
                }
                if digest != seg.file_sha256 {
                    return fail(None, format!("its SHA-256 {digest} is not that of the file archived ({}): it was changed", seg.file_sha256));
                }
                head = h;
                covered = h.seq;
            }
            Err(f) => return Ok(Err(f)),
        }
    }
    let archived_entries = entries;
    let start = chain_start(&segments);
    let trusted_segments: Vec<ArchivedSegment> = segments.iter().filter(|s| s.last > covered).cloned().collect();
    if trusted_segments.is_empty() {
        if head != start {
            return Ok(Err(VerifyFailure::Chain(ChainBreak::Link { seq: start.seq + 1 })));
        }
    } else {
        // The archived range is not all given: trust the recorded head (checkpoints sealing
        // those entries are matched against segment heads where they coincide).
        for s in &trusted_segments {
            for seal in seals.get(&s.last).into_iter().flatten() {
                if seal.cp.hash != s.last_hash {
                    return Ok(Err(VerifyFailure::Chain(ChainBreak::CheckpointMismatch { seq: s.last })));
                }
            }
        }
        head = start;
    }
    // Checkpoints of archived entries not walked cannot be checked further.
    let mut seals = seals.split_off(&(head.seq + 1));
    // The database: every row in sequence order (rows below the start are strays, a gap).
    let mut after = i64::MIN;
    let mut page = store.ledger_entries(&LedgerQuery { after, limit: PAGE, ..Default::default() }).await?;
    while let Some(last) = page.last() {
        after = last.seq;
        // Read the next page while this one is checked (SQLite reads on the blocking pool).
        let q = LedgerQuery { after, limit: PAGE, ..Default::default() };
        let next = store.ledger_entries(&q);
        let check = async { check_page(head, &page, &mut seals) };
        let (next, checked) = tokio::join!(next, check);
        match checked {
            Ok(h) => head = h,
            Err(f) => return Ok(Err(f)),
        }
        entries += page.len() as u64;
        page = next?;
    }
    if let Some((&seq, _)) = seals.iter().next() {
        return Ok(Err(VerifyFailure::Chain(ChainBreak::Truncated { end: head.seq, checkpoint: seq })));
    }
    Ok(Ok(VerifyReport {
        entries,
        archived_entries,
        start,
        head,
        checkpoints: n_stored,
        latest_checkpoint,
        exported: opts.exported.len(),
        trusted_segments,
        elapsed: started.elapsed(),
    }))
}

/// Checks one page entry by entry, and each checkpoint sealing one of its entries.
fn check_page(mut head: Head, page: &[LedgerEntry], seals: &mut BTreeMap<i64, Vec<Seal>>) -> Result<Head, VerifyFailure> {
    let sealed_here = seals.range(page.first().map_or(0, |e| e.seq)..=page.last().map_or(0, |e| e.seq)).next().is_some();
    if !sealed_here && let Ok(h) = verify_entries(head, page) {
        return Ok(h);
    }
    for e in page {
        head = verify_entries(head, std::slice::from_ref(e)).map_err(VerifyFailure::Chain)?;
        if let Some(list) = seals.remove(&e.seq)
            && list.iter().any(|s| s.cp.hash != e.hash)
        {
            return Err(VerifyFailure::Chain(ChainBreak::CheckpointMismatch { seq: e.seq }));
        }
    }
    Ok(head)
}

fn read_archive_header(path: &Path) -> ServiceResult<ArchiveHeader> {
    let f = std::fs::File::open(path).map_err(|e| io_err(path, "read", e))?;
    let mut line = String::new();
    std::io::BufReader::new(f).read_line(&mut line).map_err(|e| io_err(path, "read", e))?;
    let h: ArchiveHeader = serde_json::from_str(&line).map_err(|e| ServiceError::Invalid(format!("{} is not a tearline ledger archive: {e}", path.display())))?;
    if h.format != ARCHIVE_FORMAT {
        return Err(ServiceError::Invalid(format!("{} is not a {ARCHIVE_FORMAT} file", path.display())));
    }
    Ok(h)
}

/// Verifies an archive's entries from `head`; returns the new head and the file's SHA-256.
fn walk_archive(path: &Path, mut head: Head, seals: &mut BTreeMap<i64, Vec<Seal>>, count: &mut u64) -> ServiceResult<Result<(Head, String), VerifyFailure>> {
    let f = std::fs::File::open(path).map_err(|e| io_err(path, "read", e))?;
    let mut r = std::io::BufReader::with_capacity(1 << 20, f);
    let mut hash = Sha256::new();
    let mut line = Vec::new();
    let mut first = true;
    let mut batch = Vec::with_capacity(PAGE);
    loop {
        line.clear();
        let n = r.read_until(b'\n', &mut line).map_err(|e| io_err(path, "read", e))?;
        if n == 0 {
            break;
        }
        hash.update(&line);
        if std::mem::take(&mut first) {
            continue;
        }
        let e: LedgerEntry = match serde_json::from_slice(&line) {
            Ok(e) => e,
            Err(err) => {
                return Ok(Err(VerifyFailure::Archive { file: path.display().to_string(), seq: Some(head.seq + 1 + batch.len() as i64), reason: format!("an entry line is unreadable: {err}") }));
            }
        };
        batch.push(e);
        if batch.len() == PAGE {
            match check_page(head, &batch, seals) {
                Ok(h) => head = h,
                Err(f) => return Ok(Err(f)),
            }
            *count += batch.len() as u64;
            batch.clear();
        }
    }
    match check_page(head, &batch, seals) {
        Ok(h) => head = h,
        Err(f) => return Ok(Err(f)),
    }
    *count += batch.len() as u64;
    Ok(Ok((head, hex::encode(hash.finalize()))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tearline_store::LedgerDraft;

    #[test]
    fn a_checkpoint_verifies_only_unchanged_and_with_a_known_key() {
        let d = tempfile::tempdir().unwrap();
        let keys = SigningKeys::load_or_create(&d.path().join("k")).unwrap();
        let mut head = Head::default();
        head.append(LedgerDraft { actor: "a".into(), kind: "k".into(), subject: "s".into(), detail: "{}".into() }, 1);
        let cp = sign_checkpoint(&keys, head, 5);
        assert_eq!(check_signature(&cp, &keys.keyring()), None);
        let mut forged = cp.clone();
        forged.seq += 1;
        assert!(check_signature(&forged, &keys.keyring()).unwrap().contains("does not verify"));
        assert!(check_signature(&cp, &Keyring::new()).unwrap().contains("not in the keyring"));
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-02").unwrap(), 86_400_000_000);
        assert_eq!(parse_date("1970-01-01T00:00:01Z").unwrap(), 1_000_000);
        assert!(parse_date("yesterday").is_err());
    }
}
