//! Where petitions are routed: on one thread per core, off the async workers. Routing on the
//! async workers held them for the whole call, so new calls waited unseen in the runtime's and
//! HTTP/2's queues; with routing elsewhere the workers keep reading the network, and each call
//! is admitted or shed as it arrives. The calls waiting for a routing thread are bounded: one
//! more is refused at once with RESOURCE_EXHAUSTED, so that accepted calls keep a bounded
//! latency.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use tonic::Status;

type Job = Box<dyn FnOnce() + Send>;

/// The routing threads and the bounded queue of calls waiting for them.
pub struct Cores {
    queue: SyncSender<Job>,
    max_queued: usize,
}

impl Cores {
    /// Starts `threads` routing threads, with at most `max_queued` calls waiting for them.
    pub fn new(threads: usize, max_queued: usize) -> Cores {
        let (queue, jobs) = sync_channel::<Job>(max_queued);
        let jobs = Arc::new(Mutex::new(jobs));
        for i in 0..threads {
            let jobs = jobs.clone();
            std::thread::Builder::new()
                .name(format!("route-{i}"))
                .spawn(move || serve(&jobs))
                .expect("a thread can be started");
        }
        Cores { queue, max_queued }
    }

    /// Runs `work` on a routing thread once one is free (first come, first served), or
    /// refuses at once when `max_queued` calls already wait.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Status> {
        let (done, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // A client that gave up no longer waits for the answer.
            let _ = done.send(work());
        });
        self.queue.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) => Status::resource_exhausted(format!(
                "the server is at capacity ({} calls wait for a routing thread): retry with backoff, or add replicas",
                self.max_queued
            )),
            TrySendError::Disconnected(_) => Status::internal("the routing threads stopped"),
        })?;
        answer
            .await
            .map_err(|_| Status::internal("routing this call failed"))
    }
}

/// A routing thread: takes the next waiting call as soon as it is done with one, so that a
/// busy thread never sleeps between calls; a panic fails its call, not the thread.
fn serve(jobs: &Mutex<Receiver<Job>>) {
    loop {
        let job = jobs.lock().unwrap_or_else(|e| e.into_inner()).recv();
        let Ok(job) = job else {
            return;
        };
        let _ = catch_unwind(AssertUnwindSafe(job));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic::Code;

    #[tokio::test]
    async fn a_call_beyond_the_queue_is_refused_at_once_and_the_rest_are_served() {
        let cores = Arc::new(Cores::new(1, 1));
        let (started, on_thread) = std::sync::mpsc::channel::<()>();
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let routing = tokio::spawn({
            let cores = cores.clone();
            async move {
                let work = move || started.send(()).is_ok() && hold.recv().is_ok();
                cores.run(work).await
            }
        });
        tokio::task::yield_now().await;
        on_thread.recv().unwrap();
        // The thread is busy: this call waits, and fills the queue.
        let waiting = tokio::spawn({
            let cores = cores.clone();
            async move { cores.run(|| 2).await }
        });
        tokio::task::yield_now().await;
        let refused = cores.run(|| 3).await.unwrap_err();
        assert_eq!(refused.code(), Code::ResourceExhausted);
        assert!(refused.message().contains("retry"), "{refused}");
        release.send(()).unwrap();
        assert!(routing.await.unwrap().unwrap());
        assert_eq!(waiting.await.unwrap().unwrap(), 2);
        assert_eq!(cores.run(|| 4).await.unwrap(), 4);
    }

    #[tokio::test]
    async fn a_panic_fails_its_call_and_the_thread_goes_on() {
        let cores = Cores::new(1, 1);
        let failed = cores.run(|| -> u8 { panic!("a bug") }).await;
        assert_eq!(failed.unwrap_err().code(), Code::Internal);
        assert_eq!(cores.run(|| 5).await.unwrap(), 5);
    }
}
