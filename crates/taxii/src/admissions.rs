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

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use tearline_store::{Cursor, PartnerRead, Store};
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
        Admissions { store, tx: OnceLock::new(), written: AtomicU64::new(0), dropped: AtomicU64::new(0), contexts: Default::default() }
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
