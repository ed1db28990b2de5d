//! Scaling curves, written as CSV to target/scaling/ (benches/scaling.sh also draws them):
//! - `length.csv`: route() latency by petition length, every corpus petition once;
//! - `concurrency.csv`: gRPC throughput and latency with 1, 4, 16, 64, 256 calls in flight
//!   (the real server started from this build, the bench load generator);
//! - `catalogue.csv`: memory and route() latency with 35, 350, 3,500 departments of 50 keywords
//!   (synthetic lists whose keywords are character runs of the corpus, so they do match);
//! - `labels.csv`: memory and route() latency with 7, 36, 236, 1,000 model labels (the default
//!   model's features with random weights, pruned as training prunes that many labels).
//!
//! `cargo bench --bench scaling [-- length catalogue labels concurrency]` (needs
//! ../shared/data; pin to cores with taskset as you like): the curves named, or all.

mod common;

use pr_catalogue::Catalogue;
use pr_model::{Calibration, LinearClassifier, Model, ParamGuard, TrainParams};
use pr_router::{Engine, EngineOptions, Petition};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    let corpus = common::corpus();
    assert!(
        !corpus.is_empty(),
        "scaling curves need {} beside the checkout",
        common::CORPUS
    );
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/scaling");
    std::fs::create_dir_all(&out).expect("target/scaling can be created");
    // `cargo bench` passes `--bench`; the other arguments name curves.
    let named: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |curve: &str| named.is_empty() || named.iter().any(|n| n == curve);
    let (_, groups) = common::petitions_by_length();
    let median_group = &groups[1].1;

    if wanted("length") {
        write(
            &out.join("length.csv"),
            &by_length(&common::engine(), &corpus),
        );
    }
    if wanted("catalogue") {
        write(
            &out.join("catalogue.csv"),
            &by_catalogue_size(&corpus, median_group),
        );
    }
    if wanted("labels") {
        write(&out.join("labels.csv"), &by_label_count(median_group));
    }
    if wanted("concurrency") {
        write(&out.join("concurrency.csv"), &by_concurrency());
    }
    eprintln!("CSV files written to {}", out.display());
}

fn write(path: &Path, csv: &str) {
    std::fs::write(path, csv).expect("CSV can be written");
    eprint!("{}:\n{csv}", path.display());
}

fn route_micros(engine: &Engine, text: &str) -> f64 {
    let start = Instant::now();
    let routing = engine.route(
        Petition {
            title: "",
            content: text,
            region: "",
            analyse: true,
            repeat_of: None,
        },
        3,
    );
    std::hint::black_box(routing.expect("corpus petitions have text"));
    start.elapsed().as_secs_f64() * 1e6
}

/// Median and 99th percentile of `values` (sorted in place).
fn percentiles(values: &mut [f64]) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| values[((values.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.99))
}

/// Median and p99 route() µs over `texts`, each routed `repeats` times after a warm-up.
fn latency(engine: &Engine, texts: &[String], repeats: usize) -> (f64, f64) {
    texts.iter().for_each(|t| {
        route_micros(engine, t);
    });
    let mut micros: Vec<f64> = (0..repeats)
        .flat_map(|_| texts.iter().map(|t| route_micros(engine, t)))
        .collect();
    percentiles(&mut micros)
}

fn by_length(engine: &Engine, corpus: &[String]) -> String {
    const EDGES: [usize; 9] = [0, 50, 100, 200, 400, 800, 1600, 3200, usize::MAX];
    let mut bins: Vec<Vec<f64>> = vec![Vec::new(); EDGES.len() - 1];
    corpus.iter().take(500).for_each(|t| {
        route_micros(engine, t);
    });
    for t in corpus {
        let chars = t.chars().count();
        let bin = EDGES.windows(2).position(|w| chars < w[1]).unwrap_or(0);
        bins[bin].push(route_micros(engine, t));
    }
    let mut csv = String::from("min_chars,max_chars,petitions,p50_us,p99_us\n");
    for (w, mut micros) in EDGES.windows(2).zip(bins) {
        if micros.is_empty() {
            continue;
        }
        let n = micros.len();
        let (p50, p99) = percentiles(&mut micros);
        let max = if w[1] == usize::MAX {
            String::new()
        } else {
            w[1].to_string()
        };
        let _ = writeln!(csv, "{},{max},{n},{p50:.1},{p99:.1}", w[0]);
    }
    csv
}

/// Resident memory of this process, in MiB.
fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0 / (1024.0 * 1024.0)
}

/// Distinct character runs of 2 to 4 characters from the corpus, most frequent first, as
/// keywords that really occur in petitions.
fn corpus_terms(corpus: &[String], wanted: usize) -> Vec<String> {
    let mut counts: std::collections::HashMap<String, u32> = Default::default();
    for text in corpus {
        let chars: Vec<char> = text.chars().collect();
        for n in 2..=4 {
            for w in chars.windows(n) {
                if w.iter().all(|c| ('\u{4e00}'..='\u{9fff}').contains(c)) {
                    *counts.entry(w.iter().collect()).or_insert(0) += 1;
                }
            }
        }
    }
    let mut terms: Vec<(String, u32)> = counts.into_iter().collect();
    terms.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    terms.into_iter().take(wanted).map(|(t, _)| t).collect()
}

/// A catalogue of `departments` synthetic departments with 50 keywords each, in `dir`.
fn synthetic_catalogue(dir: &Path, departments: usize, terms: &[String], labels: &[String]) {
    for d in 0..departments {
        let mut toml = format!(
            "code = \"dept_{d:05}\"\nname = \"合成部门{d:05}\"\nsummary = \"合成的部门，只用于测量。\"\ncategories = [\"{}\"]\n\n[keywords]\n",
            labels[d % labels.len()]
        );
        for (k, term) in terms[d * 50..(d + 1) * 50].iter().enumerate() {
            let _ = writeln!(toml, "\"{term}\" = {}", 1 + k % 5);
        }
        std::fs::write(dir.join(format!("dept_{d:05}.toml")), toml)
            .expect("catalogue file can be written");
    }
}

fn by_catalogue_size(corpus: &[String], texts: &[String]) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model_path = root.join("models/default.model");
    let labels = Model::load(&model_path)
        .expect("default model")
        .labels()
        .to_vec();
    const SIZES: [usize; 3] = [35, 350, 3_500];
    let terms = corpus_terms(corpus, SIZES[2] * 50);
    let mut csv = String::from("departments,keywords,load_ms,catalogue_mib,p50_us,p99_us\n");
    for size in SIZES {
        let dir = tempfile::tempdir().expect("a temporary directory");
        synthetic_catalogue(dir.path(), size, &terms, &labels);
        let before = rss_mib();
        let start = Instant::now();
        let catalogue = Catalogue::load_dir(dir.path()).expect("synthetic catalogue loads");
        let load_ms = start.elapsed().as_secs_f64() * 1e3;
        let mib = rss_mib() - before;
        let model = Model::load(&model_path).expect("default model");
        let engine = Engine::new(model, catalogue, EngineOptions::default()).expect("engine");
        let (p50, p99) = latency(&engine, texts, 10);
        let _ = writeln!(
            csv,
            "{size},{},{load_ms:.0},{mib:.1},{p50:.1},{p99:.1}",
            size * 50
        );
    }
    csv
}

/// The default model's features and calibration with `n_labels` labels of random weights,
/// kept sparse as `train` keeps them at that label count.
fn model_with_labels(base: &Model, n_labels: usize) -> Model {
    let c = base.classifier();
    let rows = c.buckets().len();
    // A fixed linear congruential sequence: the same weights every run.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let weights: Vec<f32> = (0..rows * n_labels)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.2
        })
        .collect();
    let classifier = LinearClassifier::new(
        c.dimension(),
        n_labels,
        c.buckets().to_vec(),
        c.idf().collect(),
        weights,
        vec![0.0; n_labels],
    )
    .expect("consistent synthetic classifier");
    let params = TrainParams::new().check().expect("default parameters");
    let classifier = match params.label_pairs_for(n_labels) {
        Some(k) => classifier
            .prune_columns(&[n_labels], k)
            .expect("a dense classifier"),
        None => classifier,
    };
    Model::new(
        (0..n_labels).map(|i| format!("合成单位{i:04}")).collect(),
        base.extractor().config().clone(),
        base.user_words().to_vec(),
        classifier,
        Calibration {
            temperature: base.calibration().temperature,
            fusion: None,
        },
        base.card().clone(),
    )
    .expect("consistent synthetic model")
}

/// Memory and route() latency by label count; the engines take turns round by round (a round
/// routes every text once, so that each engine runs with its own tables in the caches, as a
/// server does), so that the ratio to 7 labels (the issue 17 target) compares like with like.
fn by_label_count(texts: &[String]) -> String {
    const COUNTS: [usize; 4] = [7, 36, 236, 1_000];
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = Model::load(&root.join("models/default.model")).expect("default model");
    let engines: Vec<(Engine, f64, u64)> = COUNTS
        .iter()
        .map(|&n_labels| {
            let before = rss_mib();
            let mut model = model_with_labels(&base, n_labels);
            let mib = rss_mib() - before;
            let dir = tempfile::tempdir().expect("a temporary directory");
            let file = dir.path().join("labels.model");
            model.save(&file).expect("the model saves");
            let file_bytes = std::fs::metadata(&file).expect("saved").len();
            let catalogue =
                Catalogue::load_dir(&root.join("keyword-lists")).expect("keyword lists");
            let engine = Engine::new(model, catalogue, EngineOptions::default()).expect("engine");
            (engine, mib, file_bytes)
        })
        .collect();
    let mut micros: Vec<Vec<f64>> = vec![Vec::new(); engines.len()];
    for round in 0..21 {
        for ((engine, _, _), m) in engines.iter().zip(&mut micros) {
            // Each turn starts with a warm-up pass over the texts; the first round is all
            // warm-up.
            let passes = texts.iter().cycle().take(texts.len() * 2).enumerate();
            for (i, text) in passes {
                let us = route_micros(engine, text);
                if round > 0 && i >= texts.len() {
                    m.push(us);
                }
            }
        }
    }
    let mut csv = String::from("labels,model_mib,file_mb,p50_us,p99_us,p50_vs_7_labels\n");
    let p50_of_7 = percentiles(&mut micros[0].clone()).0;
    for ((n_labels, (_, mib, bytes)), mut m) in COUNTS.iter().zip(&engines).zip(micros) {
        let (p50, p99) = percentiles(&mut m);
        let _ = writeln!(
            csv,
            "{n_labels},{mib:.1},{:.1},{p50:.1},{p99:.1},{:.2}",
            *bytes as f64 / 1e6,
            p50 / p50_of_7
        );
    }
    csv
}

/// A `petition-router serve` of this build on an ephemeral port; killed on drop.
struct ServerProcess(std::process::Child, std::net::SocketAddr);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_server() -> ServerProcess {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_petition-router"))
        .args(["serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("the server starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect("the server prints where it listens");
    let addr = line
        .split_whitespace()
        .find_map(|f| f.strip_prefix("grpc="))
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    ServerProcess(child, addr)
}

fn by_concurrency() -> String {
    let server = start_server();
    let corpus: Vec<pr_loadgen::BenchPetition> = common::corpus()
        .into_iter()
        .map(|content| pr_loadgen::BenchPetition {
            title: String::new(),
            content,
            region: String::new(),
        })
        .collect();
    let corpus = std::sync::Arc::new(corpus);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    // Beyond the routing threads' queue the server sheds calls at once (RESOURCE_EXHAUSTED):
    // what counts is the calls answered, and their latency.
    let mut csv = String::from("in_flight,answered_per_s,p50_us,ok_p99_us,p999_us,shed\n");
    for concurrency in [1, 4, 16, 64, 256] {
        let options = pr_loadgen::LoadOptions {
            concurrency,
            connections: 1,
            requests: None,
            duration: Some(Duration::from_secs(5)),
            rate: None,
            top_k: 3,
            method: pr_loadgen::Method::Route,
        };
        let report = runtime
            .block_on(pr_loadgen::run(server.1, corpus.clone(), &options, |_| {}))
            .expect("the load runs");
        let _ = writeln!(
            csv,
            "{concurrency},{:.0},{},{},{},{}",
            report.goodput_rps, report.p50_us, report.ok_p99_us, report.p999_us, report.errors
        );
    }
    csv
}
