//! First retrievals of releases by recipient accounts, recorded without making reads wait.
//!
//! When a response to a partner member carries objects of a release (its manifest report or
//! an object only that release published), egress notes `(release, account)` here. A bounded
//! in-memory set answers "already noted" without a lock held across IO; anything new goes on a
//! bounded queue to one background task that writes batches with
//! [`Store::record_retrievals`](tearline_store::Store::record_retrievals) (which ignores
//! repeats, so the set is an optimisation, never the record). The read never waits for the
//! write: a full queue or a failed write forgets the pair, and a later read notes it again.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use tearline_stix::Timestamp;
use tearline_store::{Account, Retrieval, Store};
use tokio::sync::mpsc;

/// Pairs remembered before the set is cleared (then repeats reach the store, which ignores
/// them): bounds memory at a few MB whatever the number of releases and accounts.
const SEEN_CAP: usize = 65_536;
/// Queued retrievals before new ones are dropped (and noted again by a later read).
const QUEUE: usize = 4096;
/// Retrievals written in one store call at most.
const BATCH: usize = 512;

type Seen = Arc<Mutex<HashSet<(String, i64)>>>;

/// The recorder kept in `AppState`.
pub struct Recorder {
    store: Arc<dyn Store>,
    seen: Seen,
    tx: OnceLock<mpsc::Sender<(Retrieval, i64)>>,
    /// Retrievals handed to the store (recorded now or found recorded before).
    pub written: AtomicU64,
    /// Noted retrievals dropped (queue full or write failed); a later read notes them again.
    pub dropped: AtomicU64,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").field("written", &self.written).field("dropped", &self.dropped).finish_non_exhaustive()
    }
}

impl Recorder {
    pub fn new(store: Arc<dyn Store>) -> Recorder {
        Recorder { store, seen: Arc::default(), tx: OnceLock::new(), written: AtomicU64::new(0), dropped: AtomicU64::new(0) }
    }

    /// Notes that `account` has just been sent objects of these releases. Never blocks on IO.
    pub fn note<'a>(self: &Arc<Self>, account: &Account, manifests: impl IntoIterator<Item = &'a str>) {
        let mut fresh: Vec<String> = Vec::new();
        {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            for m in manifests {
                if seen.contains(&(m.to_owned(), account.id)) || fresh.iter().any(|f| f == m) {
                    continue;
                }
                if seen.len() >= SEEN_CAP {
                    seen.clear();
                }
                seen.insert((m.to_owned(), account.id));
                fresh.push(m.to_owned());
            }
        }
        if fresh.is_empty() {
            return;
        }
        let at = Timestamp::now().as_micros();
        let tx = self.sender();
        for manifest_id in fresh {
            let r = Retrieval { manifest_id, account: account.name.clone(), at };
            if let Err(e) = tx.try_send((r, account.id)) {
                let (r, id) = match e {
                    mpsc::error::TrySendError::Full(v) | mpsc::error::TrySendError::Closed(v) => v,
                };
                forget(&self.seen, &[(r, id)]);
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// The queue, and its writer task started on first use (inside the server's runtime).
    fn sender(self: &Arc<Self>) -> &mpsc::Sender<(Retrieval, i64)> {
        self.tx.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(write_batches(self.store.clone(), rx, self.seen.clone(), Arc::downgrade(self)));
            tx
        })
    }
}

fn forget(seen: &Seen, items: &[(Retrieval, i64)]) {
    let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
    for (r, id) in items {
        seen.remove(&(r.manifest_id.clone(), *id));
    }
}

/// Writes queued retrievals in batches until the recorder is gone.
async fn write_batches(store: Arc<dyn Store>, mut rx: mpsc::Receiver<(Retrieval, i64)>, seen: Seen, recorder: std::sync::Weak<Recorder>) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let items: Vec<Retrieval> = batch.iter().map(|(r, _)| r.clone()).collect();
        let n = items.len() as u64;
        match store.record_retrievals(items).await {
            Ok(_) => {
                if let Some(r) = recorder.upgrade() {
                    r.written.fetch_add(n, Ordering::Relaxed);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, retrievals = n, "first retrievals not recorded; a later read records them");
                forget(&seen, &batch);
                if let Some(r) = recorder.upgrade() {
                    r.dropped.fetch_add(n, Ordering::Relaxed);
                }
            }
        }
        batch.clear();
    }
}
