//! Every fuzz target on its seeds and a few seconds of mutations of them
//! (`PR_FUZZ_SECONDS`, default 2): what `cargo test` runs; `benches/fuzz.sh` runs them for
//! minutes, coverage-guided.

use std::time::Duration;

fn explore(name: &str) {
    let target = pr_fuzz::target(name).expect("target");
    let seconds = std::env::var("PR_FUZZ_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    let seeds = (target.seeds)(&pr_fuzz::Data::find(), 24);
    assert!(!seeds.is_empty(), "{name}: no seeds");
    let report = pr_fuzz::explore(target, &seeds, Duration::from_secs_f64(seconds), 0x5eed);
    eprintln!("{name}: {} executions", report.executions);
    if let Some(f) = report.findings.first() {
        panic!(
            "{name}: {} findings; the first, on input {:?}:\n{}",
            report.findings.len(),
            String::from_utf8_lossy(&f.input),
            f.message
        );
    }
}

#[test]
fn model() {
    explore("model");
}

#[test]
fn catalogue() {
    explore("catalogue");
}

#[test]
fn history_jsonl() {
    explore("history_jsonl");
}

#[test]
fn history_csv() {
    explore("history_csv");
}

#[test]
fn history_gbk() {
    explore("history_gbk");
}

#[test]
fn history_xlsx() {
    explore("history_xlsx");
}

#[test]
fn route() {
    explore("route");
}

#[test]
fn server() {
    explore("server");
}
