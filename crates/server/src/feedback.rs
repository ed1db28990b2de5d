//! Keeps routed petitions for their outcomes without slowing routing: a writer thread commits
//! them to the feedback store in batches, and purges what is past the retention period.
//!
//! A batch the store refuses is retried with backoff; when that fails too its petitions are
//! lost: counted, logged by request id, remembered so that their outcomes are refused rather
//! than stored as outcomes of unknown petitions, and the store's health goes NOT_SERVING until
//! a write succeeds again.

use crate::metrics::ServerMetrics;
use pr_feedback::{OnlineAccuracy, Outcome, RecentRow, Recorded, Routed, Store};
use std::collections::{HashSet, VecDeque};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::watch;
use tonic_health::ServingStatus;

/// Petitions waiting for the writer at most; beyond, new ones are counted as dropped.
const QUEUE: usize = 10_000;
/// Petitions committed in one transaction at most.
const BATCH: usize = 512;
/// Pauses before retrying a batch the store refused; after the last retry it is lost.
const RETRY_PAUSES: [Duration; 3] = [
    Duration::from_millis(100),
    Duration::from_millis(500),
    Duration::from_secs(2),
];
/// Lost request ids remembered at most (the oldest are forgotten first).
const LOST_IDS: usize = 100_000;
/// Lost request ids named in one log line at most; the count is always given.
const LOGGED_IDS: usize = 20;
/// The name the feedback store's health is reported under (`health --service`).
pub const HEALTH_SERVICE: &str = "petition_router.v1.FeedbackStore";

enum Message {
    Routed(Box<Routed>),
    /// Answered once everything sent before it is committed or lost; carries when it was sent.
    Flush(Instant, SyncSender<Result<(), Lost>>),
}

/// Routed petitions the store could not keep, in all since the server started; returned by a
/// flush during which a write failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the feedback store failed: {0} routed petitions could not be kept")]
pub struct Lost(pub u64);

/// How the routing of an outcome's petition stands.
#[derive(Debug, PartialEq, Eq)]
pub enum KeptRouting {
    /// The store keeps it; the outcome counts against it.
    Known(Recorded),
    /// The store does not keep it (routed elsewhere, never, or past retention).
    Unknown,
    /// It was routed here but the store could not keep it: the outcome was not stored.
    Lost,
}

/// The store and the queue to its writer thread.
pub struct Feedback {
    /// Taken only in `drop`.
    store: Option<Arc<Store>>,
    queue: SyncSender<Message>,
    writer: Option<std::thread::JoinHandle<()>>,
    losses: Arc<Losses>,
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
    pub fn start(store: Store, retention: Duration, metrics: Arc<ServerMetrics>) -> Feedback {
        let store = Arc::new(store);
        let (queue, receiver) = sync_channel(QUEUE);
        let losses = Arc::new(Losses::new(metrics));
        let writer = Writer {
            store: store.clone(),
            losses: losses.clone(),
            retention,
            last_loss: None,
        };
        let writer = std::thread::Builder::new()
            .name("feedback-writer".into())
            .spawn(move || writer.run(&receiver))
            .expect("a thread can be started");
        Feedback {
            store: Some(store),
            queue,
            writer: Some(writer),
            losses,
        }
    }

    /// Queues a routed petition for the writer. One that does not fit is lost, and
    /// remembered as such.
    pub fn routed(&self, routed: Routed) -> Result<(), QueueFull> {
        self.queue
            .try_send(Message::Routed(Box::new(routed)))
            .map_err(|e| {
                let (TrySendError::Full(m) | TrySendError::Disconnected(m)) = e;
                if let Message::Routed(r) = m {
                    self.losses.remember([r.request_id]);
                }
                QueueFull
            })
    }

    /// Records an outcome durably (blocking: call it off the async workers). Petitions still
    /// queued are committed first, so an outcome may follow its routing at once; the outcome
    /// of a petition whose routing was lost is not stored.
    pub fn outcome(&self, outcome: &Outcome) -> Result<KeptRouting, pr_feedback::FeedbackError> {
        // A failed flush is reported by the writer; the lost ids below say whether it was ours.
        let _ = self.flush();
        if self.losses.contains(&outcome.request_id) {
            return Ok(KeptRouting::Lost);
        }
        let recorded = self.store().record_outcome(outcome)?;
        Ok(recorded.map_or(KeptRouting::Unknown, KeptRouting::Known))
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

    /// The petitions kept that were routed at or after `since` (Unix seconds), oldest
    /// first, with their outcomes (blocking). Petitions still queued are committed first.
    pub fn recent(&self, since: i64) -> Result<Vec<RecentRow>, pr_feedback::FeedbackError> {
        // A failed flush is reported by the writer; what was committed is still read.
        let _ = self.flush();
        self.store().recent(since)
    }

    /// Waits until every petition queued before is committed or lost; fails when a write
    /// failed meanwhile.
    pub fn flush(&self) -> Result<(), Lost> {
        let (done, wait) = sync_channel(1);
        if self
            .queue
            .send(Message::Flush(Instant::now(), done))
            .is_err()
        {
            return Ok(());
        }
        wait.recv().unwrap_or(Ok(()))
    }

    /// Whether the store takes writes, as the writer last found it (true until it fails).
    pub fn healthy(&self) -> watch::Receiver<bool> {
        self.losses.healthy.subscribe()
    }
}

impl Drop for Feedback {
    fn drop(&mut self) {
        let _ = self.flush();
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

/// Reports the feedback store's health under [`HEALTH_SERVICE`] as it changes; the server as
/// a whole keeps serving, since routing does not need the store. The first status is set
/// before this returns, so that a health check right after the server announces itself
/// finds the entry; a task follows the changes.
pub async fn report_health(
    mut healthy: watch::Receiver<bool>,
    health: tonic_health::server::HealthReporter,
) {
    set_store_health(&mut healthy, &health).await;
    tokio::spawn(async move {
        while healthy.changed().await.is_ok() {
            set_store_health(&mut healthy, &health).await;
        }
    });
}

async fn set_store_health(
    healthy: &mut watch::Receiver<bool>,
    health: &tonic_health::server::HealthReporter,
) {
    let status = if *healthy.borrow_and_update() {
        ServingStatus::Serving
    } else {
        ServingStatus::NotServing
    };
    health.set_service_status(HEALTH_SERVICE, status).await;
}

/// Lost petitions: counted, their ids remembered (bounded), and the store's health.
struct Losses {
    ids: Mutex<LostIds>,
    healthy: watch::Sender<bool>,
    metrics: Arc<ServerMetrics>,
}

#[derive(Default)]
struct LostIds {
    set: HashSet<String>,
    order: VecDeque<String>,
    total: u64,
}

impl Losses {
    fn new(metrics: Arc<ServerMetrics>) -> Losses {
        metrics.feedback_store_up(true);
        Losses {
            ids: Mutex::default(),
            healthy: watch::Sender::new(true),
            metrics,
        }
    }

    fn ids(&self) -> std::sync::MutexGuard<'_, LostIds> {
        // The set stays consistent whatever panicked while holding it.
        self.ids.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts and remembers lost petitions (by request id; an id is never empty here);
    /// returns how many were lost in all.
    fn remember(&self, request_ids: impl IntoIterator<Item = String>) -> u64 {
        let mut lost = self.ids();
        for id in request_ids {
            lost.total += 1;
            self.metrics.feedback_lost();
            if lost.set.insert(id.clone()) {
                lost.order.push_back(id);
            }
        }
        while lost.order.len() > LOST_IDS {
            if let Some(oldest) = lost.order.pop_front() {
                lost.set.remove(&oldest);
            }
        }
        lost.total
    }

    fn contains(&self, request_id: &str) -> bool {
        self.ids().set.contains(request_id)
    }

    /// After a commit: the petitions are kept (one lost before and routed again is no longer
    /// lost), and the store is healthy.
    fn committed(&self, batch: &[Routed]) {
        {
            let mut lost = self.ids();
            if !lost.set.is_empty() {
                for r in batch {
                    lost.set.remove(&r.request_id);
                }
            }
        }
        self.set_healthy(true);
    }

    fn set_healthy(&self, healthy: bool) {
        let changed = self
            .healthy
            .send_if_modified(|h| std::mem::replace(h, healthy) != healthy);
        if changed {
            self.metrics.feedback_store_up(healthy);
            if healthy {
                tracing::info!("feedback store writes succeed again");
            }
        }
    }

    fn is_healthy(&self) -> bool {
        *self.healthy.borrow()
    }

    fn total(&self) -> u64 {
        self.ids().total
    }
}

/// The writer thread's state.
struct Writer {
    store: Arc<Store>,
    losses: Arc<Losses>,
    retention: Duration,
    /// When a batch was last lost, to tell flushes sent before it.
    last_loss: Option<Instant>,
}

impl Writer {
    fn run(mut self, receiver: &Receiver<Message>) {
        let mut batch: Vec<Routed> = Vec::with_capacity(BATCH);
        let mut waiting: Vec<(Instant, SyncSender<Result<(), Lost>>)> = Vec::new();
        let mut last_purge = 0i64;
        loop {
            match receiver.recv_timeout(Duration::from_secs(60)) {
                Ok(first) => {
                    let mut next = Some(first);
                    while let Some(message) = next {
                        match message {
                            Message::Routed(r) => batch.push(*r),
                            Message::Flush(sent, done) => waiting.push((sent, done)),
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
                self.commit(&batch);
                batch.clear();
            }
            for (sent, done) in waiting.drain(..) {
                let failed = self.last_loss.is_some_and(|at| at >= sent);
                let _ = done.send(if failed {
                    Err(Lost(self.losses.total()))
                } else {
                    Ok(())
                });
            }
            let now = now();
            if now - last_purge >= 3600 {
                self.purge(now);
                last_purge = now;
            }
        }
    }

    /// Commits `batch`, retrying with backoff while the store was healthy (a store already
    /// failing gets one attempt per batch, so that the queue keeps moving); else loses it.
    fn commit(&mut self, batch: &[Routed]) {
        let mut pauses = RETRY_PAUSES.iter();
        loop {
            match self.store.record_routed(batch) {
                Ok(()) => return self.losses.committed(batch),
                Err(e) => match pauses.next().filter(|_| self.losses.is_healthy()) {
                    Some(pause) => {
                        tracing::warn!(error = %e, petitions = batch.len(), retry_in = ?pause, "feedback store write failed: retrying");
                        std::thread::sleep(*pause);
                    }
                    None => return self.lose(batch, &e),
                },
            }
        }
    }

    /// Counts, remembers and logs (ids and counts only, never the text) a lost batch.
    fn lose(&mut self, batch: &[Routed], error: &pr_feedback::FeedbackError) {
        let total = self
            .losses
            .remember(batch.iter().map(|r| r.request_id.clone()));
        let ids: Vec<&str> = batch
            .iter()
            .take(LOGGED_IDS)
            .map(|r| r.request_id.as_str())
            .collect();
        tracing::error!(
            %error,
            petitions = batch.len(),
            lost_in_all = total,
            request_ids = ?ids,
            "feedback store write failed: routed petitions lost, their outcomes will be refused"
        );
        self.last_loss = Some(Instant::now());
        self.losses.set_healthy(false);
    }

    fn purge(&self, now: i64) {
        match self
            .store
            .purge_before(now - self.retention.as_secs() as i64)
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(petitions = n, "feedback past retention purged"),
            Err(e) => tracing::error!(error = %e, "feedback purge failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routed(id: &str) -> Routed {
        Routed {
            request_id: id.into(),
            routed_at: now(),
            title: String::new(),
            content: "text".into(),
            suggested: vec!["x".into()],
            model_version: "m".into(),
            region: String::new(),
            petitioner_key: String::new(),
        }
    }

    fn outcome(id: &str) -> Outcome {
        Outcome {
            request_id: id.into(),
            final_department: "x".into(),
            returned: false,
            note: String::new(),
            recorded_at: now(),
        }
    }

    /// A feedback writer over a fresh SQLite store; returns its URL too.
    fn start(dir: &std::path::Path) -> (Feedback, Arc<ServerMetrics>, String) {
        let url = format!("sqlite:{}", dir.join("feedback.db").display());
        let metrics = ServerMetrics::new();
        let store = Store::open(&url.parse().unwrap()).unwrap();
        let feedback = Feedback::start(store, Duration::from_secs(3600), metrics.clone());
        (feedback, metrics, url)
    }

    #[test]
    fn a_batch_the_store_refuses_is_counted_reported_and_its_outcome_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (feedback, metrics, url) = start(dir.path());
        feedback.routed(routed("kept")).unwrap();
        assert_eq!(feedback.flush(), Ok(()));
        let healthy = feedback.healthy();
        pr_feedback::testing::break_routed_table(&url, true);
        feedback.routed(routed("lost-1")).unwrap();
        feedback.routed(routed("lost-2")).unwrap();
        assert_eq!(feedback.flush(), Err(Lost(2)));
        assert!(!*healthy.borrow());
        let text = metrics.encode();
        assert!(
            text.contains("petition_router_feedback_lost_total 2"),
            "{text}"
        );
        assert!(
            text.contains("petition_router_feedback_store_up 0"),
            "{text}"
        );
        pr_feedback::testing::break_routed_table(&url, false);
        // Never answered as an unknown petition: its routing was lost.
        assert_eq!(
            feedback.outcome(&outcome("lost-1")).unwrap(),
            KeptRouting::Lost
        );
        assert!(matches!(
            feedback.outcome(&outcome("kept")).unwrap(),
            KeptRouting::Known(_)
        ));
        // Routed again, it is kept, and the store is healthy once more.
        feedback.routed(routed("lost-1")).unwrap();
        assert_eq!(feedback.flush(), Ok(()));
        assert!(*healthy.borrow());
        assert!(matches!(
            feedback.outcome(&outcome("lost-1")).unwrap(),
            KeptRouting::Known(_)
        ));
        assert!(metrics
            .encode()
            .contains("petition_router_feedback_store_up 1"));
    }

    #[test]
    fn petitions_that_do_not_fit_the_queue_are_remembered_as_lost() {
        let losses = Losses::new(ServerMetrics::new());
        assert_eq!(losses.remember(["a".to_string(), "a".to_string()]), 2);
        assert!(losses.contains("a") && !losses.contains("b"));
        losses.committed(&[routed("a")]);
        assert!(!losses.contains("a"));
        assert_eq!(losses.total(), 2);
    }
}
