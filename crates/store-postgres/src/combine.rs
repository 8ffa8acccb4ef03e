//! Group commit per collection within one node.
//!
//! Writers to one collection serialize on its row lock, and each transaction's commit waits for
//! a WAL flush; one request per transaction would cap a collection at (request size / commit
//! latency). So requests for a collection that arrive while one of this node's transactions for
//! it is running wait in a queue, and the next transaction takes all of them (up to a bound):
//! one lock, one commit, for many requests. Each request is still stored in order as if alone
//! and gets its own outcomes and status. If a combined transaction fails for a reason other
//! than the database being unavailable, its requests are retried one by one, so one bad request
//! cannot fail the others.
//!
//! The transaction runs on a spawned task, so a request whose caller goes away (an HTTP client
//! hanging up) neither aborts the others' transaction nor leaves the queue without a worker.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tearline_store::{AddResult, StoreError, StoreResult};
use tokio::sync::oneshot;

use crate::write::{Request, add_batch};
use crate::{PgStore, settle};

/// Most requests, and most submissions, one combined transaction takes.
const MAX_REQUESTS: usize = 64;
const MAX_ITEMS: usize = 20_000;

struct Pending {
    request: Request,
    reply: oneshot::Sender<StoreResult<AddResult>>,
}

/// Queues by collection id; a collection has an entry exactly while a worker drains it.
#[derive(Default)]
pub(crate) struct Combiner {
    queues: Mutex<HashMap<String, VecDeque<Pending>>>,
}

impl Combiner {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<Pending>>> {
        // A panic while holding this lock leaves only plain data behind: keep going.
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(crate) async fn add(store: &PgStore, collection_id: &str, request: Request) -> StoreResult<AddResult> {
    let (reply, answer) = oneshot::channel();
    let start_worker = {
        let mut queues = store.combiner.lock();
        match queues.get_mut(collection_id) {
            Some(queue) => {
                queue.push_back(Pending { request, reply });
                false
            }
            None => {
                queues.insert(collection_id.to_owned(), VecDeque::from([Pending { request, reply }]));
                true
            }
        }
    };
    if start_worker {
        tokio::spawn(drain(store.clone(), collection_id.to_owned()));
    }
    answer.await.map_err(|_| StoreError::Internal("the write task for this collection stopped".into()))?
}

/// Removes the collection's entry if the worker ends abnormally (a panic), failing whatever
/// still waits, so that the next request starts a new worker instead of waiting forever.
struct Worker {
    combiner: Arc<Combiner>,
    collection_id: String,
    finished: bool,
}

impl Drop for Worker {
    fn drop(&mut self) {
        if !self.finished {
            self.combiner.lock().remove(&self.collection_id);
        }
    }
}

async fn drain(store: PgStore, collection_id: String) {
    let mut worker = Worker { combiner: store.combiner.clone(), collection_id, finished: false };
    loop {
        let batch: Vec<Pending> = {
            let mut queues = store.combiner.lock();
            let Some(queue) = queues.get_mut(&worker.collection_id) else {
                worker.finished = true;
                return;
            };
            let mut batch = Vec::new();
            let mut items = 0;
            while let Some(next) = queue.front() {
                let n = next.request.items.len();
                if !batch.is_empty() && (batch.len() >= MAX_REQUESTS || items + n > MAX_ITEMS) {
                    break;
                }
                items += n;
                batch.extend(queue.pop_front());
            }
            if batch.is_empty() {
                queues.remove(&worker.collection_id);
                worker.finished = true;
                return;
            }
            batch
        };
        run(&store, &worker.collection_id, batch).await;
    }
}

async fn run_one_transaction(store: &PgStore, collection_id: &str, requests: &[Request]) -> StoreResult<Vec<AddResult>> {
    let mut client = store.client().await?;
    let result = add_batch(&mut client, collection_id, requests).await;
    settle(client, &result);
    result
}

async fn run(store: &PgStore, collection_id: &str, batch: Vec<Pending>) {
    let (requests, replies): (Vec<Request>, Vec<_>) = batch.into_iter().map(|p| (p.request, p.reply)).unzip();
    match run_one_transaction(store, collection_id, &requests).await {
        Ok(results) => {
            for (reply, result) in replies.into_iter().zip(results) {
                let _ = reply.send(Ok(result));
            }
        }
        Err(e) if requests.len() > 1 && !matches!(e, StoreError::Unavailable(_)) => {
            tracing::warn!(error = %e, requests = requests.len(), "a combined write failed; storing its requests one by one");
            for (request, reply) in requests.into_iter().zip(replies) {
                let result = run_one_transaction(store, collection_id, std::slice::from_ref(&request)).await;
                let _ = reply.send(result.map(|mut r| r.remove(0)));
            }
        }
        Err(e) => {
            for reply in replies {
                let _ = reply.send(Err(copy(&e)));
            }
        }
    }
}

fn copy(e: &StoreError) -> StoreError {
    match e {
        StoreError::NotFound(m) => StoreError::NotFound(m.clone()),
        StoreError::Conflict(m) => StoreError::Conflict(m.clone()),
        StoreError::Invalid(m) => StoreError::Invalid(m.clone()),
        StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
        StoreError::SchemaTooNew { found, known } => StoreError::SchemaTooNew { found: *found, known: *known },
        StoreError::Internal(m) => StoreError::Internal(m.clone()),
    }
}
