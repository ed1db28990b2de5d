//! The `bench` command: load a running server with petitions from a history file, or, with
//! `--in-process`, time the engine itself against segmentation alone.

mod in_process;

use crate::model_files::EngineArgs;
use crate::runtime::{self, Workers};
use anyhow::Result;
use clap::Args;
use pr_loadgen::{BenchPetition, LoadOptions, Method, Progress, Report};
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Args)]
pub struct BenchArgs {
    /// Server to load.
    #[arg(long, required_unless_present = "in_process")]
    addr: Option<SocketAddr>,
    /// Petitions to send, from any history file (JSONL, CSV); labels are ignored, a region
    /// column is sent as each petition's region hint.
    #[arg(long)]
    corpus: PathBuf,
    /// Time route() in this process on one thread instead, with the model and keyword lists
    /// `serve` would load, against jieba segmenting the same petitions; per length group.
    #[arg(long, conflicts_with_all = ["addr", "concurrency", "connections", "requests", "duration", "rate", "method"])]
    in_process: bool,
    /// With --in-process: how many times every petition is routed and segmented (after one
    /// warm-up round).
    #[arg(long, default_value_t = 3, requires = "in_process")]
    rounds: usize,
    #[command(flatten)]
    engine: EngineArgs,
    /// Calls in flight at most (closed loop: always this many).
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// HTTP/2 connections to spread the calls over.
    #[arg(long, default_value_t = 1)]
    connections: usize,
    /// Calls to make [default: 10000 unless --duration is given].
    #[arg(long)]
    requests: Option<u64>,
    /// Run for this long instead (e.g. 30s); with --requests, whichever ends first.
    #[arg(long, value_parser = humantime::parse_duration)]
    duration: Option<Duration>,
    /// Open loop: offer this many calls per second, latency measured from each call's intended
    /// send time (no coordinated omission). Without it: closed loop.
    #[arg(long)]
    rate: Option<f64>,
    /// Departments asked for per call.
    #[arg(long, default_value_t = 3)]
    top_k: u32,
    /// The call to make: route, or record-outcome (outcomes of 2,000 petitions routed with ids
    /// before the run; the server needs --feedback-store).
    #[arg(long, default_value = "route", value_parser = parse_method)]
    method: Method,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

fn parse_method(s: &str) -> Result<Method, String> {
    match s {
        "route" => Ok(Method::Route),
        "record-outcome" => Ok(Method::RecordOutcome),
        other => Err(format!(
            "unknown method '{other}': use route or record-outcome"
        )),
    }
}

pub fn bench(args: BenchArgs) -> Result<()> {
    let corpus = read_corpus(&args.corpus)?;
    let Some(addr) = args.addr else {
        return bench_in_process(&args, &corpus);
    };
    let options = LoadOptions {
        concurrency: args.concurrency,
        connections: args.connections,
        requests: args.requests.or(if args.duration.is_none() {
            Some(10_000)
        } else {
            None
        }),
        duration: args.duration,
        rate: args.rate,
        top_k: args.top_k,
        method: args.method,
    };
    let interactive = std::io::stderr().is_terminal();
    let report = runtime::block_on(
        Workers::PerCore,
        pr_loadgen::run(addr, Arc::new(corpus), &options, move |p| {
            show_progress(p, interactive)
        }),
    )??;
    if interactive {
        eprintln!();
    }
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_report(&report);
    }
    Ok(())
}

fn bench_in_process(args: &BenchArgs, corpus: &[BenchPetition]) -> Result<()> {
    let engine = args.engine.load()?;
    let report = in_process::run(&engine, corpus, args.rounds.max(1))?;
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        in_process::print(&report);
    }
    Ok(())
}

/// The petitions to send, from any history file.
fn read_corpus(path: &Path) -> Result<Vec<BenchPetition>> {
    let corpus = pr_loadgen::read_corpus(path)?;
    eprintln!(
        "{} petitions from {} ({} rows skipped)",
        corpus.petitions.len(),
        path.display(),
        corpus.skipped
    );
    Ok(corpus.petitions)
}

/// One progress line a second: rewritten in place on a terminal, else appended.
fn show_progress(p: Progress, interactive: bool) {
    let line = format!(
        "{:>6.1}s  {} calls  {:.0}/s  {} errors",
        p.elapsed.as_secs_f64(),
        p.sent,
        p.sent as f64 / p.elapsed.as_secs_f64(),
        p.errors
    );
    if interactive {
        eprint!("\r{line}   ");
    } else {
        eprintln!("{line}");
    }
}

fn print_report(report: &Report) {
    println!(
        "{} {} loop, {} in flight over {} connection(s){}",
        report.method,
        report.mode,
        report.concurrency,
        report.connections,
        report
            .target_rps
            .map_or(String::new(), |r| format!(", offered {r:.0}/s"))
    );
    println!(
        "requests {}  errors {}  {:.1} s  {:.0} calls/s",
        report.requests, report.errors, report.seconds, report.rps
    );
    println!(
        "latency µs  mean {:.0}  p50 {}  p90 {}  p99 {}  p99.9 {}  max {}",
        report.mean_us, report.p50_us, report.p90_us, report.p99_us, report.p999_us, report.max_us
    );
    println!(
        "successful calls  {:.0}/s  p99 {} µs",
        report.goodput_rps, report.ok_p99_us
    );
    for (status, n) in &report.errors_by_status {
        println!("  {status}: {n}");
    }
}
