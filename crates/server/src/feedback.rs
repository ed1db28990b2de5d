//! Keeps routed petitions for their outcomes without slowing routing: a writer thread commits
//! them to the feedback store in batches, and purges what is past the retention period.

use pr_feedback::{OnlineAccuracy, Outcome, Recorded, Routed, Store};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Petitions waiting for the writer at most; beyond, new ones are counted as dropped.
const QUEUE: usize = 10_000;
/// Petitions committed in one transaction at most.
const BATCH: usize = 512;

enum Message {
    Routed(Box<Routed>),
    /// Answered once everything sent before it is committed.
    Flush(SyncSender<()>),
}

/// The store and the queue to its writer thread.
pub struct Feedback {
    /// Taken only in `drop`.
    store: Option<Arc<Store>>,
    queue: SyncSender<Message>,
    writer: Option<std::thread::JoinHandle<()>>,
}

/// Why a routed petition was not queued.
#[derive(Debug)]
pub struct QueueFull;

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

impl Feedback {
    pub fn start(store: Store, retention: Duration) -> Feedback {
        let store = Arc::new(store);
        let (queue, receiver) = sync_channel(QUEUE);
        let writer_store = store.clone();
        let writer = std::thread::Builder::new()
            .name("feedback-writer".into())
            .spawn(move || write_loop(&writer_store, &receiver, retention))
            .expect("a thread can be started");
        Feedback {
            store: Some(store),
            queue,
            writer: Some(writer),
        }
    }

    /// Queues a routed petition for the writer.
    pub fn routed(&self, routed: Routed) -> Result<(), QueueFull> {
        self.queue
            .try_send(Message::Routed(Box::new(routed)))
            .map_err(|e| match e {
                TrySendError::Full(_) | TrySendError::Disconnected(_) => QueueFull,
            })
    }

    /// Records an outcome durably (blocking: call it off the async workers); returns its
    /// routing when the store keeps it. Petitions still queued are committed first, so an
    /// outcome may follow its routing at once.
    pub fn outcome(
        &self,
        outcome: &Outcome,
    ) -> Result<Option<Recorded>, pr_feedback::FeedbackError> {
        self.flush();
        self.store().record_outcome(outcome)
    }

    fn store(&self) -> &Store {
        self.store
            .as_ref()
            .expect("the store is only taken when dropped")
    }

    /// Online accuracy of `model_version` by first-suggested department (blocking).
    pub fn online_accuracy(
        &self,
        model_version: &str,
    ) -> Result<Vec<OnlineAccuracy>, pr_feedback::FeedbackError> {
        self.store().online_accuracy(Some(model_version))
    }

    /// Waits until every queued petition is committed.
    pub fn flush(&self) {
        let (done, wait) = sync_channel(1);
        if self.queue.send(Message::Flush(done)).is_ok() {
            let _ = wait.recv();
        }
    }
}

impl Drop for Feedback {
    fn drop(&mut self) {
        self.flush();
        // The writer stops when the queue's last sender is gone; ours goes with `self`, so
        // swap in a dead one first.
        let (dead, _) = sync_channel(0);
        drop(std::mem::replace(&mut self.queue, dead));
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
        // The PostgreSQL client blocks on its own runtime when it closes, which panics on an
        // async worker: close it on a thread of its own.
        let store = self.store.take();
        let _ = std::thread::spawn(move || drop(store)).join();
    }
}

fn write_loop(store: &Store, receiver: &Receiver<Message>, retention: Duration) {
    let mut batch: Vec<Routed> = Vec::with_capacity(BATCH);
    let mut waiting: Vec<SyncSender<()>> = Vec::new();
    let mut last_purge = 0i64;
    loop {
        match receiver.recv_timeout(Duration::from_secs(60)) {
            Ok(first) => {
                let mut next = Some(first);
                while let Some(message) = next {
                    match message {
                        Message::Routed(r) => batch.push(*r),
                        Message::Flush(done) => waiting.push(done),
                    }
                    next = if batch.len() < BATCH {
                        receiver.try_recv().ok()
                    } else {
                        None
                    };
                }
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if !batch.is_empty() {
            if let Err(e) = store.record_routed(&batch) {
                // Ids and sizes only: never the text.
                tracing::error!(error = %e, petitions = batch.len(), "feedback store write failed");
            }
            batch.clear();
        }
        waiting.drain(..).for_each(|done| {
            let _ = done.send(());
        });
        let now = now();
        if now - last_purge >= 3600 {
            match store.purge_before(now - retention.as_secs() as i64) {
                Ok(0) => {}
                Ok(n) => tracing::info!(petitions = n, "feedback past retention purged"),
                Err(e) => tracing::error!(error = %e, "feedback purge failed"),
            }
            last_purge = now;
        }
    }
}
