//! Load generator for `RouterService`: `Route` calls with a corpus' petitions, or
//! `RecordOutcome` calls for petitions it routes with ids first (see [`Method`]). Many calls
//! in flight over one or several HTTP/2 connections, closed loop (N in flight) or open loop (a
//! target rate, latency measured from the intended send time so that coordinated omission does
//! not hide stalls), latencies in an HDR histogram, errors counted by gRPC status.

#![warn(missing_docs)]

mod schedule;
mod stats;

pub use schedule::Schedule;
pub use stats::{Recorder, Report};

use pr_server::pb;
use pr_server::pb::router_service_client::RouterServiceClient;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tonic::transport::{Channel, Endpoint};

/// One petition to send.
#[derive(Debug, Clone)]
pub struct BenchPetition {
    /// Sent as the request's title (may be empty).
    pub title: String,
    /// Sent as the request's content, the petition text.
    pub content: String,
    /// Sent as the region hint (the intake desk's district); empty for none.
    pub region: String,
}

impl BenchPetition {
    /// The `Route` request for this petition.
    fn request(&self, request_id: String, top_k: u32) -> pb::RouteRequest {
        pb::RouteRequest {
            request_id,
            title: self.title.clone(),
            content: self.content.clone(),
            region_hint: self.region.clone(),
            top_k,
            ..Default::default()
        }
    }
}

/// What a corpus file gave: the petitions, and how many rows were skipped.
#[derive(Debug)]
pub struct Corpus {
    /// The petitions, in file order.
    pub petitions: Vec<BenchPetition>,
    /// Rows without text, skipped.
    pub skipped: usize,
}

/// The petitions of any history file (JSONL, CSV / TSV, Excel) to send: labels ignored, rows
/// without text skipped, the region column (region, 区域, 所属区县, 属地) as each petition's
/// region hint.
pub fn read_corpus(path: &std::path::Path) -> Result<Corpus, pr_history::HistoryError> {
    let history = pr_history::read_history(
        path,
        &pr_history::ReadOptions {
            labels: pr_history::Labels::Ignored,
            on_bad_row: pr_history::OnBadRow::Skip,
            ..pr_history::ReadOptions::default()
        },
    )?;
    let petitions = history
        .records
        .into_iter()
        .map(|r| BenchPetition {
            title: r.title,
            content: r.text,
            region: r.region.unwrap_or_default(),
        })
        .collect();
    Ok(Corpus {
        petitions,
        skipped: history.skipped.len(),
    })
}

/// How much load, and how it is offered.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Calls in flight at most (closed loop: always).
    pub concurrency: usize,
    /// HTTP/2 connections; callers are spread over them.
    pub connections: usize,
    /// Stop after this many calls...
    pub requests: Option<u64>,
    /// ...or after this long (whichever comes first; one of them must be set).
    pub duration: Option<Duration>,
    /// Open loop: calls per second offered, whatever the answers take.
    pub rate: Option<f64>,
    /// Departments asked for per `Route` call (`top_k` of the request).
    pub top_k: u32,
    /// Which call to make.
    pub method: Method,
}

/// Which call to load the server with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `Route` with the corpus petitions.
    Route,
    /// `RecordOutcome` for petitions routed (untimed) with ids before the run; the server
    /// needs a feedback store.
    RecordOutcome,
}

/// Petitions routed before a RecordOutcome run, whose outcomes the run then records (again
/// and again, as upserts).
const PREPARED: u64 = 2_000;

fn bench_id(i: u64) -> String {
    format!("bench-{}", i % PREPARED)
}

/// Why a run could not happen.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// No petition to send.
    #[error("the corpus is empty: give a history file with at least one petition")]
    EmptyCorpus,
    /// [`LoadOptions`] that cannot run: zero concurrency or connections, neither a number of
    /// requests nor a duration, a rate that is not a positive number.
    #[error("invalid load options: {0}")]
    Options(String),
    /// A `RecordOutcome` run could not route its petitions first; holds the gRPC status.
    #[error("routing the petitions whose outcomes are to be recorded failed: {0}")]
    Prepare(String),
    /// The server cannot be reached (refused, or no connection within 5 seconds).
    #[error("cannot connect to {addr}")]
    Connect {
        /// The server's address.
        addr: SocketAddr,
        /// tonic's connection error.
        source: tonic::transport::Error,
    },
}

/// Progress while a run goes on.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Calls taken on so far (in open loop some may still wait for their send time).
    pub sent: u64,
    /// Calls that ended with a gRPC error so far.
    pub errors: u64,
    /// Time since the run started (after connecting and, for `RecordOutcome`, routing).
    pub elapsed: Duration,
}

impl LoadOptions {
    fn check(&self) -> Result<(), BenchError> {
        let bad = |m: &str| Err(BenchError::Options(m.to_string()));
        if self.concurrency == 0 || self.connections == 0 {
            return bad("concurrency and connections must be at least 1");
        }
        if self.requests.is_none() && self.duration.is_none() {
            return bad("give a number of requests or a duration");
        }
        if self.rate.is_some_and(|r| !(r.is_finite() && r > 0.0)) {
            return bad("the rate must be a positive number of calls per second");
        }
        Ok(())
    }
}

/// Runs the load against `addr`, calling `progress` about once a second.
pub async fn run(
    addr: SocketAddr,
    corpus: Arc<Vec<BenchPetition>>,
    options: &LoadOptions,
    progress: impl Fn(Progress) + Send + 'static,
) -> Result<Report, BenchError> {
    options.check()?;
    if corpus.is_empty() {
        return Err(BenchError::EmptyCorpus);
    }
    let mut channels = Vec::with_capacity(options.connections);
    for _ in 0..options.connections {
        channels.push(connect(addr).await?);
    }
    if options.method == Method::RecordOutcome {
        prepare_outcomes(&channels[0], &corpus).await?;
    }
    let next = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let schedule = Schedule::new(start, options.rate);
    let end = options.duration.map(|d| start + d);
    let limit = options.requests.unwrap_or(u64::MAX);
    let merged = Arc::new(Mutex::new(Recorder::new()));

    let reporter = spawn_reporter(next.clone(), errors.clone(), start, limit, progress);

    let mut workers = Vec::with_capacity(options.concurrency);
    for w in 0..options.concurrency {
        let caller = Caller {
            client: RouterServiceClient::new(channels[w % channels.len()].clone()),
            corpus: corpus.clone(),
            next: next.clone(),
            errors: errors.clone(),
            schedule,
            end,
            limit,
            top_k: options.top_k,
            method: options.method,
        };
        let merged = merged.clone();
        workers.push(tokio::spawn(async move {
            let recorder = caller.run().await;
            merged
                .lock()
                .expect("no worker panics holding it")
                .merge(&recorder);
        }));
    }
    for w in workers {
        // A worker that panicked lost its counts: say so rather than report a partial run.
        w.await.expect("a load worker failed");
    }
    reporter.abort();
    let elapsed = start.elapsed();
    let recorder = merged.lock().expect("workers are done");
    Ok(recorder.report(elapsed, options))
}

/// Calls `progress` once a second with the calls taken on and failed so far, until aborted.
fn spawn_reporter(
    next: Arc<AtomicU64>,
    errors: Arc<AtomicU64>,
    start: Instant,
    limit: u64,
    progress: impl Fn(Progress) + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.tick().await;
        loop {
            tick.tick().await;
            progress(Progress {
                sent: next.load(Ordering::Relaxed).min(limit),
                errors: errors.load(Ordering::Relaxed),
                elapsed: start.elapsed(),
            });
        }
    })
}

/// One of the `concurrency` callers of a run, with what it shares with the others.
struct Caller {
    client: RouterServiceClient<Channel>,
    corpus: Arc<Vec<BenchPetition>>,
    /// The number of the next call to take on, shared by all callers.
    next: Arc<AtomicU64>,
    /// Calls failed so far, shared by all callers.
    errors: Arc<AtomicU64>,
    schedule: Schedule,
    end: Option<Instant>,
    limit: u64,
    top_k: u32,
    method: Method,
}

impl Caller {
    /// Takes on calls one at a time, each at its intended send time, until the run's
    /// requests or time are used up; returns their latencies and errors.
    async fn run(mut self) -> Recorder {
        let mut recorder = Recorder::new();
        loop {
            let i = self.next.fetch_add(1, Ordering::Relaxed);
            if i >= self.limit {
                break;
            }
            let intended = self.schedule.intended(i);
            if self.end.is_some_and(|e| intended >= e) {
                break;
            }
            if intended > Instant::now() {
                tokio::time::sleep_until(intended.into()).await;
            }
            let outcome = self.call(i).await;
            // Open loop: from the intended send time, so that a stalled server is charged
            // for the calls it delayed; closed loop: from the actual send time.
            let latency = intended.elapsed();
            match outcome {
                Ok(_) => recorder.ok(latency),
                Err(status) => {
                    self.errors.fetch_add(1, Ordering::Relaxed);
                    recorder.error(status.code(), latency);
                }
            }
        }
        recorder
    }

    /// Makes call number `i` of the run: routes a corpus petition, or records the outcome of
    /// a prepared one.
    async fn call(&mut self, i: u64) -> Result<(), tonic::Status> {
        match self.method {
            Method::Route => {
                let p = &self.corpus[(i % self.corpus.len() as u64) as usize];
                self.client
                    .route(p.request(i.to_string(), self.top_k))
                    .await
                    .map(drop)
            }
            Method::RecordOutcome => self
                .client
                .record_outcome(pb::RecordOutcomeRequest {
                    request_id: bench_id(i),
                    final_department: "bench".into(),
                    returned: i.is_multiple_of(10),
                    note: String::new(),
                })
                .await
                .map(drop),
        }
    }
}

/// Routes the petitions whose outcomes a RecordOutcome run records.
async fn prepare_outcomes(channel: &Channel, corpus: &[BenchPetition]) -> Result<(), BenchError> {
    let mut client = RouterServiceClient::new(channel.clone());
    for i in 0..PREPARED {
        let p = &corpus[(i % corpus.len() as u64) as usize];
        client
            .route(p.request(bench_id(i), 0))
            .await
            .map_err(|status| BenchError::Prepare(status.to_string()))?;
    }
    Ok(())
}

async fn connect(addr: SocketAddr) -> Result<Channel, BenchError> {
    Endpoint::from_shared(format!("http://{addr}"))
        .expect("a socket address is a valid URI")
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(5))
        .connect()
        .await
        .map_err(|source| BenchError::Connect { addr, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_carry_the_petition_and_its_region_hint() {
        let p = BenchPetition {
            title: "油烟".into(),
            content: "小区楼下饭店油烟直排".into(),
            region: "甘井子区".into(),
        };
        let r = p.request("7".into(), 3);
        assert_eq!(
            (
                r.request_id.as_str(),
                r.title.as_str(),
                r.content.as_str(),
                r.region_hint.as_str(),
                r.top_k
            ),
            ("7", "油烟", "小区楼下饭店油烟直排", "甘井子区", 3)
        );
        let without = BenchPetition {
            region: String::new(),
            ..p
        };
        assert!(without.request(bench_id(2_001), 0).region_hint.is_empty());
    }
}
