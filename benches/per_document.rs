//! route() timed one document at a time, the way benches/baseline/baseline.py times the Python
//! stack, so that benches/baseline/compare.sh can print both side by side. Prints JSON:
//! per length group the median µs per document, and the throughput over the whole corpus.
//!
//! `cargo bench --bench per_document` (run it pinned to one core: see compare.sh).

mod common;

use pr_router::Petition;
use std::time::Instant;

/// Timed calls per petition of a length group.
const REPEATS: usize = 20;

fn route(engine: &pr_router::Engine, text: &str) {
    let petition = Petition {
        title: "",
        content: text,
        region: "",
        analyse: true,
        repeat_of: None,
    };
    std::hint::black_box(
        engine
            .route(petition, 3)
            .expect("corpus petitions have text"),
    );
}

fn main() {
    let engine = common::engine();
    let (source, groups) = common::petitions_by_length();
    let mut out = serde_json::Map::new();
    out.insert("side".into(), "petition-router route()".into());
    out.insert("source".into(), source.into());
    for (name, texts) in &groups {
        texts.iter().for_each(|t| route(&engine, t));
        let mut micros: Vec<f64> = Vec::with_capacity(texts.len() * REPEATS);
        for _ in 0..REPEATS {
            for t in texts {
                let start = Instant::now();
                route(&engine, t);
                micros.push(start.elapsed().as_secs_f64() * 1e6);
            }
        }
        micros.sort_by(f64::total_cmp);
        out.insert(format!("{name}_p50_us"), micros[micros.len() / 2].into());
    }
    let corpus = common::corpus();
    if !corpus.is_empty() {
        corpus.iter().take(500).for_each(|t| route(&engine, t));
        let start = Instant::now();
        corpus.iter().for_each(|t| route(&engine, t));
        let seconds = start.elapsed().as_secs_f64();
        out.insert("corpus_docs".into(), corpus.len().into());
        out.insert(
            "corpus_docs_per_s".into(),
            (corpus.len() as f64 / seconds).into(),
        );
    }
    println!("{}", serde_json::Value::Object(out));
}
