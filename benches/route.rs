//! route() and its stages on real petitions of typical lengths, on one core (see
//! `common::petitions_by_length` for where the petitions come from).

mod common;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pr_catalogue::KeywordScores;
use pr_model::DocScores;
use pr_router::Petition;
use pr_text::{normalise, normalise_into, DocFeatures, Scratch};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let engine = common::engine();
    let (source, groups) = common::petitions_by_length();

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
                                region: "",
                                analyse: true,
                                repeat_of: None,
                            },
                            3,
                        )
                        .unwrap(),
                )
            })
        });
        // Everything route() does except building the evidence and the owned answer: the
        // difference to `route` is what explanation terms, keyword evidence and strings cost.
        // Fusion itself (a 10-input logistic layer over 8 or more candidates) is inside both.
        g.bench_function("rank_without_evidence", |b| {
            b.iter(|| {
                i = (i + 1) % texts.len();
                black_box(
                    engine
                        .rank_labels(Petition {
                            title: "",
                            content: &texts[i],
                            region: "",
                            analyse: false,
                            repeat_of: None,
                        })
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
