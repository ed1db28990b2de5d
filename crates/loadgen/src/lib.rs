//! Load generator for `RouterService/Route`: many calls in flight over one or several HTTP/2
//! connections, closed loop (N in flight) or open loop (a target rate, latency measured from
//! the intended send time so that coordinated omission does not hide stalls), latencies in an
//! HDR histogram, errors counted by gRPC status.

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
    pub title: String,
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
    pub top_k: u32,
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
    #[error("the corpus is empty: give a history file with at least one petition")]
    EmptyCorpus,
    #[error("invalid load options: {0}")]
    Options(String),
    #[error("routing the petitions whose outcomes are to be recorded failed: {0}")]
    Prepare(String),
    #[error("cannot connect to {addr}")]
    Connect {
        addr: SocketAddr,
        source: tonic::transport::Error,
    },
}

/// Progress while a run goes on.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub sent: u64,
    pub errors: u64,
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

    let reporter = {
        let (next, errors) = (next.clone(), errors.clone());
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
    };

    let mut workers = Vec::with_capacity(options.concurrency);
    for w in 0..options.concurrency {
        let mut client = RouterServiceClient::new(channels[w % channels.len()].clone());
        let (corpus, next, errors, merged) =
            (corpus.clone(), next.clone(), errors.clone(), merged.clone());
        let (top_k, method) = (options.top_k, options.method);
        workers.push(tokio::spawn(async move {
            let mut recorder = Recorder::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= limit {
                    break;
                }
                let intended = schedule.intended(i);
                if end.is_some_and(|e| intended >= e) {
                    break;
                }
                if intended > Instant::now() {
                    tokio::time::sleep_until(intended.into()).await;
                }
                let outcome = match method {
                    Method::Route => {
                        let p = &corpus[(i % corpus.len() as u64) as usize];
                        client
                            .route(p.request(i.to_string(), top_k))
                            .await
                            .map(drop)
                    }
                    Method::RecordOutcome => client
                        .record_outcome(pb::RecordOutcomeRequest {
                            request_id: bench_id(i),
                            final_department: "bench".into(),
                            returned: i % 10 == 0,
                            note: String::new(),
                        })
                        .await
                        .map(drop),
                };
                // Open loop: from the intended send time, so that a stalled server is charged
                // for the calls it delayed; closed loop: from the actual send time.
                let latency = intended.elapsed();
                match outcome {
                    Ok(_) => recorder.ok(latency),
                    Err(status) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        recorder.error(status.code(), latency);
                    }
                }
            }
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
