//! Latency histogram and error counts of a run, and the report made of them.

use crate::LoadOptions;
use hdrhistogram::Histogram;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// Latencies (µs, 3 significant digits, 1 µs to 1 hour) and errors of one caller or a run.
#[derive(Debug, Clone)]
pub struct Recorder {
    /// Every call, answered or not: a failed call's latency is still time a client waited.
    latencies: Histogram<u64>,
    /// Successful calls only: what a shed call costs its client is not service.
    ok_latencies: Histogram<u64>,
    errors: BTreeMap<String, u64>,
}

/// What a run measured; `--json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// route or record_outcome.
    pub method: &'static str,
    /// `closed` (a fixed number of calls in flight) or `open` (a fixed rate).
    pub mode: &'static str,
    /// Calls in flight at most ([`LoadOptions::concurrency`]).
    pub concurrency: usize,
    /// HTTP/2 connections the calls were spread over.
    pub connections: usize,
    /// Offered rate in open loop, calls per second; `None` in closed loop.
    pub target_rps: Option<f64>,
    /// Calls made, answered or failed.
    pub requests: u64,
    /// Calls that ended with a gRPC error status.
    pub errors: u64,
    /// Errors by gRPC status name.
    pub errors_by_status: BTreeMap<String, u64>,
    /// Wall-clock length of the run, in seconds.
    pub seconds: f64,
    /// Calls completed per second.
    pub rps: f64,
    /// Mean latency of all calls, failed ones included, in microseconds (so are the
    /// percentiles below). In open loop latency counts from the intended send time.
    pub mean_us: f64,
    /// Median latency, µs.
    pub p50_us: u64,
    /// 90th percentile latency, µs.
    pub p90_us: u64,
    /// 99th percentile latency, µs.
    pub p99_us: u64,
    /// 99.9th percentile latency, µs.
    pub p999_us: u64,
    /// Slowest call, µs.
    pub max_us: u64,
    /// p99 of the successful calls only.
    pub ok_p99_us: u64,
    /// Successful calls completed per second.
    pub goodput_rps: f64,
}

impl Default for Recorder {
    fn default() -> Self {
        Self::new()
    }
}

impl Recorder {
    /// An empty recorder: each caller keeps one, and they are merged at the end of the run.
    pub fn new() -> Recorder {
        let histogram =
            || Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("constant bounds are valid");
        Recorder {
            latencies: histogram(),
            ok_latencies: histogram(),
            errors: BTreeMap::new(),
        }
    }

    /// A call that succeeded after `latency`.
    pub fn ok(&mut self, latency: Duration) {
        self.latencies.saturating_record(micros(latency));
        self.ok_latencies.saturating_record(micros(latency));
    }

    /// A call that failed with `code` after `latency`.
    pub fn error(&mut self, code: tonic::Code, latency: Duration) {
        self.latencies.saturating_record(micros(latency));
        *self.errors.entry(format!("{code:?}")).or_insert(0) += 1;
    }

    /// Adds another recorder's counts.
    pub fn merge(&mut self, other: &Recorder) {
        // Same bounds on both sides: adding cannot fail.
        let _ = self.latencies.add(&other.latencies);
        let _ = self.ok_latencies.add(&other.ok_latencies);
        for (code, n) in &other.errors {
            *self.errors.entry(code.clone()).or_insert(0) += n;
        }
    }

    /// The report of a run that took `elapsed` with `options`.
    pub fn report(&self, elapsed: Duration, options: &LoadOptions) -> Report {
        let h = &self.latencies;
        let requests = h.len();
        let seconds = elapsed.as_secs_f64();
        let per_second = |calls: u64| {
            if seconds > 0.0 {
                calls as f64 / seconds
            } else {
                0.0
            }
        };
        Report {
            method: match options.method {
                crate::Method::Route => "route",
                crate::Method::RecordOutcome => "record_outcome",
            },
            mode: if options.rate.is_some() {
                "open"
            } else {
                "closed"
            },
            concurrency: options.concurrency,
            connections: options.connections,
            target_rps: options.rate,
            requests,
            errors: self.errors.values().sum(),
            errors_by_status: self.errors.clone(),
            seconds,
            rps: per_second(requests),
            mean_us: h.mean(),
            p50_us: h.value_at_quantile(0.5),
            p90_us: h.value_at_quantile(0.9),
            p99_us: h.value_at_quantile(0.99),
            p999_us: h.value_at_quantile(0.999),
            max_us: h.max(),
            ok_p99_us: self.ok_latencies.value_at_quantile(0.99),
            goodput_rps: per_second(self.ok_latencies.len()),
        }
    }
}

fn micros(d: Duration) -> u64 {
    (d.as_micros() as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> LoadOptions {
        LoadOptions {
            concurrency: 4,
            connections: 1,
            requests: Some(1_000),
            duration: None,
            rate: None,
            top_k: 3,
            method: crate::Method::Route,
        }
    }

    #[test]
    fn percentiles_come_from_all_calls() {
        let mut r = Recorder::new();
        // 1..=1000 µs, once each.
        for us in 1..=1_000u64 {
            r.ok(Duration::from_micros(us));
        }
        let report = r.report(Duration::from_secs(2), &options());
        assert_eq!(report.requests, 1_000);
        assert_eq!(report.rps, 500.0);
        let near = |value: u64, expected: u64| value.abs_diff(expected) <= expected / 500 + 1;
        assert!(near(report.p50_us, 500), "{report:?}");
        assert!(near(report.p90_us, 900), "{report:?}");
        assert!(near(report.p99_us, 990), "{report:?}");
        assert!(near(report.p999_us, 999), "{report:?}");
        assert!(near(report.max_us, 1_000), "{report:?}");
        assert_eq!(report.mode, "closed");
    }

    #[test]
    fn errors_are_counted_by_status_and_merged() {
        let mut a = Recorder::new();
        a.ok(Duration::from_micros(100));
        a.error(tonic::Code::ResourceExhausted, Duration::from_micros(50));
        let mut b = Recorder::new();
        b.error(tonic::Code::ResourceExhausted, Duration::from_micros(60));
        b.error(tonic::Code::InvalidArgument, Duration::from_micros(70));
        a.merge(&b);
        let report = a.report(Duration::from_secs(1), &options());
        assert_eq!(report.requests, 4);
        assert_eq!(report.errors, 3);
        assert_eq!(report.errors_by_status["ResourceExhausted"], 2);
        assert_eq!(report.errors_by_status["InvalidArgument"], 1);
        assert_eq!(report.goodput_rps, 1.0);
    }

    #[test]
    fn goodput_and_its_tail_count_successful_calls_only() {
        let mut r = Recorder::new();
        for _ in 0..100 {
            r.ok(Duration::from_micros(200));
            r.error(tonic::Code::ResourceExhausted, Duration::from_millis(900));
        }
        let report = r.report(Duration::from_secs(2), &options());
        assert_eq!(
            (report.requests, report.rps, report.goodput_rps),
            (200, 100.0, 50.0)
        );
        assert!(report.ok_p99_us < 300, "{report:?}");
        assert!(report.p99_us >= 899_000, "{report:?}");
    }

    #[test]
    fn a_stall_shows_in_the_tail() {
        let mut r = Recorder::new();
        for _ in 0..999 {
            r.ok(Duration::from_micros(200));
        }
        r.ok(Duration::from_millis(500));
        let report = r.report(Duration::from_secs(1), &options());
        assert!(report.p99_us < 300, "{report:?}");
        assert!(report.max_us >= 499_000, "{report:?}");
    }
}
