//! route() and its stages on real petitions of typical lengths, on one core.
//!
//! Petitions come from ../shared/data/tipdm2020/unlabelled.jsonl (read at run time, never
//! copied): for each target length, the 50 petitions closest to it. Without the data, invented
//! fixture text repeated to the same lengths is used and the group names say so.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pr_catalogue::{Catalogue, KeywordScores};
use pr_model::{DocScores, Model};
use pr_router::{Engine, EngineOptions, Petition};
use pr_text::{normalise, normalise_into, DocFeatures, Scratch};
use std::hint::black_box;
use std::path::Path;

const LENGTHS: [(&str, usize); 4] = [
    ("short_100", 100),
    ("median_230", 230),
    ("average_410", 410),
    ("long_1000", 1000),
];

fn petitions() -> (String, Vec<(String, Vec<String>)>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let texts: Vec<String> =
        std::fs::read_to_string(root.join("../shared/data/tipdm2020/unlabelled.jsonl"))
            .map(|all| {
                all.lines()
                    .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                    .filter_map(|v| v["text"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
    let source = if texts.is_empty() {
        "fixture"
    } else {
        "tipdm2020"
    };
    let groups = LENGTHS
        .iter()
        .map(|&(name, len)| {
            let group = if texts.is_empty() {
                let base =
                    "小区楼下饭店油烟直排，噪音扰民，多次投诉物业和城管都没有处理，希望尽快解决。";
                vec![base
                    .repeat(len / base.chars().count() + 1)
                    .chars()
                    .take(len)
                    .collect()]
            } else {
                let mut by_distance: Vec<&String> = texts.iter().collect();
                by_distance.sort_by_key(|t| t.chars().count().abs_diff(len));
                by_distance.into_iter().take(50).cloned().collect()
            };
            (name.to_string(), group)
        })
        .collect();
    (source.to_string(), groups)
}

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = Model::load(&root.join("models/default.model")).expect("default model");
    let catalogue = Catalogue::load_dir(&root.join("keyword-lists")).expect("keyword lists");
    let engine = Engine::new(model, catalogue, EngineOptions::default()).expect("engine");
    let (source, groups) = petitions();

    for (name, texts) in &groups {
        let normalised: Vec<String> = texts.iter().map(|t| normalise(t)).collect();
        let mut g = c.benchmark_group(format!("{source}/{name}"));
        let mut i = 0;
        g.bench_function(BenchmarkId::new("route", texts.len()), |b| {
            b.iter(|| {
                i = (i + 1) % texts.len();
                black_box(
                    engine
                        .route(
                            Petition {
                                title: "",
                                content: &texts[i],
                            },
                            3,
                        )
                        .unwrap(),
                )
            })
        });
        let mut out = String::new();
        g.bench_function("normalise", |b| {
            b.iter(|| {
                i = (i + 1) % texts.len();
                black_box(normalise_into(&texts[i], 8_000, &mut out))
            })
        });
        let mut words = Vec::new();
        g.bench_function("segment", |b| {
            b.iter(|| {
                i = (i + 1) % texts.len();
                words.clear();
                engine
                    .model()
                    .extractor()
                    .segmenter()
                    .cut_into(&normalised[i], &mut words);
                black_box(words.len())
            })
        });
        let mut scores = KeywordScores::default();
        g.bench_function("keywords", |b| {
            b.iter(|| {
                i = (i + 1) % texts.len();
                engine.catalogue().score(&normalised[i], &mut scores);
                black_box(scores.hits.len())
            })
        });
        let (mut scratch, mut doc, mut scored) = (
            Scratch::default(),
            DocFeatures::default(),
            DocScores::default(),
        );
        g.bench_function("features_and_model", |b| {
            b.iter(|| {
                i = (i + 1) % texts.len();
                engine
                    .model()
                    .analyse_into(&normalised[i], &mut scratch, &mut doc);
                engine.model().score(&doc, &mut scored);
                black_box(scored.scores[0])
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
