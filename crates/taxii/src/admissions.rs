//! Egress decisions for partner members, stored in the background for the next read.
//!
//! When egress decides a row live and admits it, and the decision depends on nothing but the
//! stored object, the partner's recipient and the producer's policy (every marking it names is
//! built in), the admission is noted here with the fingerprint of those inputs. One background
//! task writes batches with [`Store::record_admissions`](tearline_store::Store::record_admissions);
//! a later read of the row finds it in the same query as the page and skips the live decision.
//! A stored admission is a cache, never the authority: a row without one, or with one under
//! another fingerprint (the partner's profile or the policy changed), is decided live again.
//! Reads never wait: a full queue or a failed write forgets the note, and a later read notes it
//! again.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use tearline_store::{Cursor, PartnerRead, Store, StoredObject};
use tokio::sync::mpsc;

/// Queued notes (one per page) before new ones are dropped.
const QUEUE: usize = 1024;
/// Notes written in one pass of the writer at most.
const BATCH: usize = 64;

type Note = (PartnerRead, String, Vec<(Cursor, Vec<String>)>);

/// The writer kept in `AppState`.
pub struct Admissions {
    store: Arc<dyn Store>,
    tx: OnceLock<mpsc::Sender<Note>>,
    /// Admissions handed to the store.
    pub written: AtomicU64,
    /// Admissions dropped (queue full or write failed); a later read notes them again.
    pub dropped: AtomicU64,
    /// Partner pages read as a producer's, every row's admission kept in memory ([`Kept`]).
    pub kept_pages: AtomicU64,
    /// Each partner's decision inputs and their fingerprint, as last derived from its profile
    /// and the policy ([`crate::egress`] reuses them while both stay the same).
    pub(crate) contexts: crate::egress::Contexts,
}

impl std::fmt::Debug for Admissions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Admissions").field("written", &self.written).field("dropped", &self.dropped).finish_non_exhaustive()
    }
}

impl Admissions {
    pub fn new(store: Arc<dyn Store>) -> Admissions {
        Admissions { store, tx: OnceLock::new(), written: AtomicU64::new(0), dropped: AtomicU64::new(0), kept_pages: AtomicU64::new(0), contexts: Default::default() }
    }

    /// Notes rows of `collection_id` admitted live for `read`. Never blocks on IO.
    pub fn note(self: &Arc<Self>, read: &PartnerRead, collection_id: &str, rows: Vec<(Cursor, Vec<String>)>) {
        if rows.is_empty() || read.fingerprint.is_empty() {
            return;
        }
        let n = rows.len() as u64;
        if self.sender().try_send((read.clone(), collection_id.to_owned(), rows)).is_err() {
            self.dropped.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// The queue, and its writer task started on first use (inside the server's runtime).
    fn sender(self: &Arc<Self>) -> &mpsc::Sender<Note> {
        self.tx.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(write_batches(self.store.clone(), rx, Arc::downgrade(self)));
            tx
        })
    }
}

/// Writes queued notes until the writer is gone.
async fn write_batches(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Note>, owner: std::sync::Weak<Admissions>) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        for (read, collection_id, rows) in batch.drain(..) {
            let n = rows.len() as u64;
            let result = store.record_admissions(&read, &collection_id, rows).await;
            let Some(owner) = owner.upgrade() else { return };
            match result {
                Ok(()) => owner.written.fetch_add(n, Ordering::Relaxed),
                Err(e) => {
                    tracing::debug!(error = %e, admissions = n, "egress decisions not stored; a later read decides again");
                    owner.dropped.fetch_add(n, Ordering::Relaxed)
                }
            };
        }
    }
}

/// Admissions kept in memory for one partner's decision context (one admission key: the
/// partner and the fingerprint of its recipient and the policy), by collection: what
/// [`Admissions`] stores and what partner pages found stored. A kept admission is as true as a
/// stored one (the object at a cursor never changes, which [`identity`] checks, and the key
/// fingerprints every other input of the decision), so a page whose every row is kept needs no
/// decision column: egress reads it exactly as a producer's page and looks its rows up here.
/// A page with any row not kept is read again with its decision column, as before, and what
/// it finds is kept; after such a miss the next pages of the collection go straight to the
/// decision column, for twice as many pages after each further miss (up to
/// [`Kept::MAX_SKIP`]), so a collection whose objects must be decided live each time
/// (markings that are not built in) is not read twice per page; and a page that starts after
/// every kept row (a first read going forward) goes straight to the decision column. A new
/// profile or policy is a new context with nothing kept. Bounded: all contexts together keep
/// at most [`Kept::MAX`] admissions; past that nothing more is kept until a context goes.
#[derive(Debug)]
pub(crate) struct Kept {
    by_collection: RwLock<HashMap<String, Arc<KeptRows>>>,
    /// Admissions kept here, and by all contexts together.
    count: AtomicUsize,
    total: Arc<AtomicUsize>,
}

/// One kept row: its cursor, which object version it held ([`identity`]) and the releases it
/// stands for (an index into [`Runs::lists`]). 24 bytes, held in runs of consecutive rows, so a
/// page's lookup walks contiguous memory.
#[derive(Debug, Clone, Copy)]
struct KeptRow {
    cursor: i64,
    identity: u64,
    list: u32,
}

/// A collection's kept rows in runs (each in cursor order, as a page kept them), by first
/// cursor; no two runs overlap. The lists of release names are held once each.
#[derive(Debug, Default)]
struct Runs {
    runs: BTreeMap<i64, Vec<KeptRow>>,
    lists: Vec<Arc<[String]>>,
    rows: usize,
}

#[derive(Debug, Default)]
pub(crate) struct KeptRows {
    rows: RwLock<Runs>,
    /// Pages still to read with the decision column before trying the kept rows again.
    skip: AtomicU32,
    /// The skip set after the last miss (0 after a hit).
    backoff: AtomicU32,
}

impl Kept {
    /// Admissions kept at most, all contexts together (24 bytes each in their runs, so about
    /// 25 MB, and the lists of release names they share).
    pub(crate) const MAX: usize = 1 << 20;
    /// Pages read with the decision column at most between two tries of the kept rows.
    pub(crate) const MAX_SKIP: u32 = 64;

    /// Nothing kept yet; `total` counts the admissions kept by every context.
    pub(crate) fn new(total: Arc<AtomicUsize>) -> Kept {
        Kept { by_collection: RwLock::default(), count: AtomicUsize::new(0), total }
    }

    /// The rows kept for a collection, if it is worth reading its next page (the rows after
    /// `after`) as a producer's and looking the rows up: something is kept after it, and no
    /// recent miss says to skip.
    pub(crate) fn worth_trying(&self, collection_id: &str, after: Option<i64>) -> Option<Arc<KeptRows>> {
        let by_collection = self.by_collection.read().unwrap_or_else(|e| e.into_inner());
        let kept = by_collection.get(collection_id)?;
        let last = kept.rows.read().unwrap_or_else(|e| e.into_inner()).last();
        if last.is_none_or(|last| after.is_some_and(|a| last <= a)) {
            return None;
        }
        kept.skip.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |s| s.checked_sub(1)).is_err().then(|| kept.clone())
    }

    /// Keeps admissions of rows of a collection (nothing once [`Kept::MAX`] are kept).
    pub(crate) fn keep<'a>(&self, collection_id: &str, admitted: impl IntoIterator<Item = (&'a StoredObject, &'a Arc<[String]>)>) {
        let mut admitted = admitted.into_iter().peekable();
        if admitted.peek().is_none() || self.total.load(Ordering::Relaxed) >= Self::MAX {
            return;
        }
        let kept = {
            let mut by_collection = self.by_collection.write().unwrap_or_else(|e| e.into_inner());
            by_collection.entry(collection_id.to_owned()).or_default().clone()
        };
        let mut rows = kept.rows.write().unwrap_or_else(|e| e.into_inner());
        let before = rows.rows;
        rows.insert(admitted);
        let added = rows.rows - before;
        self.count.fetch_add(added, Ordering::Relaxed);
        self.total.fetch_add(added, Ordering::Relaxed);
    }
}

impl Drop for Kept {
    fn drop(&mut self) {
        self.total.fetch_sub(*self.count.get_mut(), Ordering::Relaxed);
    }
}

impl KeptRows {
    /// Hands over every row of a page (in cursor order) with its kept admission, and says
    /// whether all were kept; a miss (some row not kept: what was handed over is to be
    /// dropped) makes the next pages skip the kept rows for a while.
    pub(crate) fn page(&self, items: &[StoredObject], admit: impl FnMut(Cursor, &Arc<[String]>)) -> bool {
        let all = self.lookup(items, admit);
        if all {
            self.backoff.store(0, Ordering::Relaxed);
        } else {
            let backoff = (self.backoff.load(Ordering::Relaxed) * 2).clamp(1, Kept::MAX_SKIP);
            self.backoff.store(backoff, Ordering::Relaxed);
            self.skip.store(backoff, Ordering::Relaxed);
        }
        all
    }

    /// One walk over the kept rows from the page's first cursor, run after run, beside the
    /// page's own rows.
    fn lookup(&self, items: &[StoredObject], mut admit: impl FnMut(Cursor, &Arc<[String]>)) -> bool {
        let (Some(first), Some(last)) = (items.first(), items.last()) else { return true };
        if first.cursor > last.cursor {
            return false;
        }
        let kept = self.rows.read().unwrap_or_else(|e| e.into_inner());
        // The run holding the first cursor starts at or before it; the rest follow in order.
        let start = kept.runs.range(..=first.cursor.0).next_back().map_or(first.cursor.0, |(c, _)| *c);
        let mut rows = kept.runs.range(start..).flat_map(|(_, run)| run.iter());
        for o in items {
            loop {
                match rows.next() {
                    Some(r) if r.cursor < o.cursor.0 => continue,
                    Some(r) if r.cursor == o.cursor.0 && r.identity == identity(&o.id, &o.version) => {
                        admit(o.cursor, &kept.lists[r.list as usize]);
                        break;
                    }
                    _ => return false,
                }
            }
        }
        true
    }
}

impl Runs {
    /// The last kept cursor.
    fn last(&self) -> Option<i64> {
        self.runs.last_key_value().and_then(|(_, run)| run.last()).map(|r| r.cursor)
    }

    /// Keeps rows (a row kept again replaces the one kept before at its cursor). The new rows
    /// become one run, merged with every run their cursor range overlaps, so runs stay
    /// disjoint; a page kept in order is a run of its own, appended.
    fn insert<'a>(&mut self, admitted: impl IntoIterator<Item = (&'a StoredObject, &'a Arc<[String]>)>) {
        let mut new: Vec<KeptRow> = Vec::new();
        for (o, names) in admitted {
            let list = match self.lists.last() {
                Some(l) if Arc::ptr_eq(l, names) || l[..] == names[..] => self.lists.len() - 1,
                _ => {
                    self.lists.push(names.clone());
                    self.lists.len() - 1
                }
            };
            new.push(KeptRow { cursor: o.cursor.0, identity: identity(&o.id, &o.version), list: list as u32 });
        }
        let (Some(lo), Some(hi)) = (new.iter().map(|r| r.cursor).min(), new.iter().map(|r| r.cursor).max()) else { return };
        // Runs overlapping lo..=hi: the one starting at or before lo (if it reaches lo) and those
        // starting within. Their rows go after the new ones, latest first, so a stable sort and
        // a dedup keep the last word on each cursor.
        let mut overlapped: Vec<i64> = self.runs.range(lo..=hi).map(|(c, _)| *c).collect();
        if let Some((c, run)) = self.runs.range(..lo).next_back()
            && run.last().is_some_and(|r| r.cursor >= lo)
        {
            overlapped.push(*c);
        }
        new.reverse();
        for c in overlapped {
            let old = self.runs.remove(&c).unwrap_or_default();
            self.rows -= old.len();
            new.extend(old);
        }
        new.sort_by_key(|r| r.cursor);
        new.dedup_by_key(|r| r.cursor);
        self.rows += new.len();
        if let Some(first) = new.first().map(|r| r.cursor) {
            self.runs.insert(first, new);
        }
    }
}

/// Which object version a cursor held when its admission was kept (a 64-bit mix of the id,
/// eight bytes at a time in two interleaved lanes, its length and the version): a kept
/// admission counts only for the same object at the same cursor. Computed for every row of a
/// kept page, so it is kept short: one multiply per word.
fn identity(id: &str, version: &tearline_stix::Timestamp) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    const L: u64 = 0xc2b2_ae3d_27d4_eb4f;
    let bytes = id.as_bytes();
    let (mut a, mut b) = (version.as_micros() as u64 ^ K, bytes.len() as u64 ^ L);
    let mut words = bytes.chunks_exact(16);
    for pair in &mut words {
        let (x, y) = pair.split_at(8);
        a = (a ^ u64::from_le_bytes(x.try_into().unwrap_or_default())).wrapping_mul(K).rotate_left(31);
        b = (b ^ u64::from_le_bytes(y.try_into().unwrap_or_default())).wrapping_mul(L).rotate_left(27);
    }
    let mut tail = [0u8; 16];
    let rest = words.remainder();
    tail[..rest.len()].copy_from_slice(rest);
    let (x, y) = tail.split_at(8);
    a = (a ^ u64::from_le_bytes(x.try_into().unwrap_or_default())).wrapping_mul(K);
    b = (b ^ u64::from_le_bytes(y.try_into().unwrap_or_default())).wrapping_mul(L);
    let h = (a ^ b.rotate_left(32)).wrapping_mul(K);
    h ^ (h >> 32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tearline_stix::Timestamp;

    fn row(n: i64, id: &str) -> StoredObject {
        StoredObject {
            id: id.to_owned(),
            object_type: "indicator".into(),
            version: Timestamp::from_micros(1_000 + n),
            date_added: Timestamp::from_micros(n),
            spec_version: "2.1".into(),
            body: None,
            cursor: Cursor(n),
        }
    }

    fn page(kept: &KeptRows, items: &[StoredObject]) -> Option<Vec<(i64, Vec<String>)>> {
        let mut out = Vec::new();
        kept.page(items, |c, names| out.push((c.0, names.to_vec()))).then_some(out)
    }

    #[test]
    fn a_page_is_read_as_a_producers_only_when_every_row_is_kept_for_the_same_object() {
        let total = Arc::new(AtomicUsize::new(0));
        let kept = Kept::new(total.clone());
        let names: Arc<[String]> = vec!["report--1".to_owned()].into();
        let rows: Vec<StoredObject> = (1..=5).map(|n| row(n, &format!("indicator--{n}"))).collect();
        assert!(kept.worth_trying("c", None).is_none(), "nothing kept yet");
        kept.keep("c", rows[..4].iter().map(|o| (o, &names)));
        assert_eq!(total.load(Ordering::Relaxed), 4);
        let k = kept.worth_trying("c", None).expect("kept rows");
        assert!(kept.worth_trying("other", None).is_none(), "kept per collection");
        assert!(kept.worth_trying("c", Some(4)).is_none(), "nothing kept after the page's start");
        assert!(kept.worth_trying("c", Some(3)).is_some());
        assert_eq!(page(&k, &rows[1..3]), Some(vec![(2, names.to_vec()), (3, names.to_vec())]));
        // A row not kept: the page misses, and the next page skips the kept rows.
        assert_eq!(page(&k, &rows[2..5]), None);
        assert!(kept.worth_trying("c", None).is_none(), "one page skipped after a miss");
        assert!(kept.worth_trying("c", None).is_some());
        // Another object at a kept cursor (a reused cursor) is not admitted on the kept row.
        let other = row(2, "indicator--else");
        assert_eq!(page(&k, std::slice::from_ref(&other)), None);
        // After a second miss in a row, two pages skip.
        assert!(kept.worth_trying("c", None).is_none() && kept.worth_trying("c", None).is_none());
        assert!(kept.worth_trying("c", None).is_some());
        assert_eq!(page(&k, &[]), Some(vec![]));
        drop(kept);
        assert_eq!(total.load(Ordering::Relaxed), 0, "a context that goes gives its count back");
    }

    #[test]
    fn runs_kept_in_any_order_read_as_one_sequence() {
        let kept = Kept::new(Arc::new(AtomicUsize::new(0)));
        let (a, b): (Arc<[String]>, Arc<[String]>) = (vec!["report--a".to_owned()].into(), vec!["report--b".to_owned()].into());
        let rows: Vec<StoredObject> = (1..=30).map(|n| row(n, &format!("indicator--{n}"))).collect();
        // Kept out of order, in pieces that touch and overlap: 21-30, then 1-10, then 8-22.
        kept.keep("c", rows[20..30].iter().map(|o| (o, &a)));
        kept.keep("c", rows[0..10].iter().map(|o| (o, &a)));
        kept.keep("c", rows[7..22].iter().map(|o| (o, &b)));
        let k = kept.worth_trying("c", None).expect("kept");
        {
            let runs = k.rows.read().unwrap();
            assert_eq!(runs.rows, 30);
            assert_eq!(runs.last(), Some(30));
            let mut all: Vec<i64> = runs.runs.values().flatten().map(|r| r.cursor).collect();
            assert!(all.is_sorted(), "runs are disjoint and in order");
            all.dedup();
            assert_eq!(all.len(), 30);
        }
        // A page across every run; rows kept again stand for the later list.
        let got = page(&k, &rows).expect("every row kept");
        let names = |n: i64| got.iter().find(|(c, _)| *c == n).unwrap().1.clone();
        assert_eq!(names(5), a.to_vec());
        assert_eq!(names(8), b.to_vec());
        assert_eq!(names(22), b.to_vec());
        assert_eq!(names(23), a.to_vec());
        // A page starting inside a run; one with another object at a kept cursor.
        assert!(page(&k, &rows[12..18]).is_some());
        let reused = row(5, "indicator--other");
        assert!(page(&k, &[rows[3].clone(), reused.clone(), rows[5].clone()]).is_none(), "another object at a kept cursor");
        // A reused cursor kept again for its new object replaces the old one.
        kept.keep("c", [(&reused, &a)]);
        assert!(page(&k, &[rows[3].clone(), reused.clone(), rows[5].clone()]).is_some());
        assert!(page(&k, &rows[4..5]).is_none(), "the old object at the reused cursor");
        assert_eq!(k.rows.read().unwrap().rows, 30);
    }

    #[test]
    fn identity_tells_objects_and_versions_apart() {
        let id = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
        let v = Timestamp::from_micros(1_736_600_000_000_000);
        let base = identity(id, &v);
        // Any one byte changed, in either lane or in the tail, and any other version or length.
        for i in 0..id.len() {
            let mut other = id.as_bytes().to_vec();
            other[i] ^= 0x01;
            assert_ne!(identity(std::str::from_utf8(&other).unwrap(), &v), base, "byte {i}");
        }
        assert_ne!(identity(id, &Timestamp::from_micros(1_736_600_000_000_001)), base);
        assert_ne!(identity(&id[..id.len() - 1], &v), base);
        assert_ne!(identity(&format!("{id}\0"), &v), base, "a trailing zero byte is not padding");
        let mut seen = std::collections::HashSet::new();
        for n in 0..20_000u64 {
            assert!(seen.insert(identity(&format!("indicator--{n:08x}-0000-4000-8000-{:012x}", n * 7919), &v)), "collision at {n}");
        }
    }

    #[test]
    fn nothing_more_is_kept_past_the_bound() {
        let total = Arc::new(AtomicUsize::new(Kept::MAX));
        let kept = Kept::new(total.clone());
        let names: Arc<[String]> = Vec::new().into();
        let r = row(1, "indicator--1");
        kept.keep("c", [(&r, &names)]);
        assert!(kept.worth_trying("c", None).is_none());
        assert_eq!(total.load(Ordering::Relaxed), Kept::MAX);
    }
}
