//! Repeat detection at the scale of the issue: an index of 1,000,000 petitions (≤ 1 GB), and
//! the time Route spends signing a ~300-character petition and querying it (≤ 50 µs p99).
//!
//! The stored texts are synthetic, regenerated from their key whenever needed (never kept):
//! `pr-synthetic`'s texts (seed 0) of 280 to 320 characters, words with Zipf frequencies from
//! a 50,000-word vocabulary. Common words make unrelated texts share shingles the way real
//! petitions do, so the band table sees realistic collisions (the exact trigram Jaccard
//! similarity of unrelated synthetic pairs, mean 0.005 and 99th percentile 0.015, is a little
//! above that of real petitions, 0.0013 and 0.012). The setup prints the background it
//! measures.
//!
//! The setup output (stderr) gives what criterion does not: memory, build time, recall, and
//! p50 / p99 of 10,000 timed queries each for near-duplicates and fresh petitions, of
//! eviction, and of inserts into freed slots and into the full index.
//!
//! `cargo bench -p pr-similar` (`PR_SIMILAR_BENCH_ENTRIES=100000` for a quicker run).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use pr_similar::{Index, Params, Signature, ValidParams};
use pr_synthetic::{mix, Generator};
use rayon::prelude::*;

/// Queries timed one by one for the percentiles.
const TIMED: usize = 10_000;

/// Keys of fresh (never stored) petitions start here.
const FRESH: u64 = 1 << 40;

/// Length of the stored texts, in characters.
const LENGTH: std::ops::RangeInclusive<usize> = 280..=320;

/// The synthetic petition of `key`.
fn text_of(generator: &Generator, key: u64) -> String {
    generator.text(key, LENGTH)
}

/// `key`'s petition sent again: 5 characters replaced and a 10-character clause added, other
/// punctuation.
fn sent_again(generator: &Generator, key: u64) -> String {
    let mut rng = generator.rng(key ^ 0x7265_7365_6e74);
    let mut chars: Vec<char> = text_of(generator, key)
        .replace('，', "、")
        .chars()
        .collect();
    for _ in 0..5 {
        let at = (rng.next() % chars.len() as u64) as usize;
        chars[at] = generator.word(&mut rng)[0];
    }
    let clause: Vec<char> = text_of(generator, FRESH + key).chars().take(10).collect();
    let at = (rng.next() % chars.len() as u64) as usize;
    chars.splice(at..at, clause);
    chars.into_iter().collect()
}

/// Percentile `p` (0..=100) of sorted durations, in µs.
fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() - 1) as f64 * p / 100.0).round() as usize;
    sorted[at].as_secs_f64() * 1e6
}

/// Resident memory of this process in MB, from /proc (Linux); 0 elsewhere.
fn rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn build(generator: &Generator, params: &ValidParams, entries: u64) -> Index {
    let rss_before = rss_mb();
    let start = Instant::now();
    let mut index = Index::new(params.clone());
    let mut slowest = Duration::ZERO;
    // Signed in parallel in chunks, inserted in key order: about 3,000 petitions a day.
    for chunk in (0..entries).collect::<Vec<_>>().chunks(50_000) {
        let signed: Vec<(u64, Signature)> = chunk
            .par_iter()
            .map(|&key| (key, Signature::new(&text_of(generator, key), params)))
            .collect();
        for (key, sig) in signed {
            let insert = Instant::now();
            index.insert(key, (key / 3_000) as u32, sig);
            slowest = slowest.max(insert.elapsed());
        }
    }
    eprintln!(
        "built {} entries in {:.1} s (slowest insert {:.0} ms: the band table growing; \
         Index::with_capacity avoids it)",
        index.len(),
        start.elapsed().as_secs_f64(),
        slowest.as_secs_f64() * 1e3
    );
    eprintln!(
        "heap_bytes: {} ({:.1} MB, {:.0} bytes per entry); process RSS grew by {:.1} MB",
        index.heap_bytes(),
        index.heap_bytes() as f64 / 1e6,
        index.heap_bytes() as f64 / index.len() as f64,
        rss_mb() - rss_before
    );
    index
}

/// Prints the percentiles of `times`.
fn print_percentiles(what: &str, times: &mut [Duration]) {
    times.sort_unstable();
    eprintln!(
        "{what}: p50 {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, p99.9 {:.1} µs, max {:.1} µs",
        percentile(times, 50.0),
        percentile(times, 90.0),
        percentile(times, 99.0),
        percentile(times, 99.9),
        percentile(times, 100.0),
    );
}

/// Times sign + query of each text, one by one, resent and fresh petitions alternately (so
/// that neither gets a warmer machine), and prints the percentiles of each.
fn timed_queries(
    index: &Index,
    params: &ValidParams,
    resent: &[(u64, String)],
    fresh: &[(u64, String)],
) {
    let sign_and_query = |text: &str| {
        let start = Instant::now();
        let found = index.query(&Signature::new(black_box(text), params), 10, 0.5);
        (start.elapsed(), found)
    };
    let (mut resent_times, mut fresh_times) = (Vec::new(), Vec::new());
    let (mut own_key_first, mut fresh_found) = (0, 0);
    for ((key, again), (_, new)) in resent.iter().zip(fresh) {
        let (time, found) = sign_and_query(again);
        resent_times.push(time);
        own_key_first += usize::from(found.first().is_some_and(|m| m.key == *key));
        let (time, found) = sign_and_query(new);
        fresh_times.push(time);
        fresh_found += usize::from(!found.is_empty());
    }
    print_percentiles(
        &format!(
            "sign+query, resent petitions ({} queries, own key first in {own_key_first})",
            resent.len()
        ),
        &mut resent_times,
    );
    print_percentiles(
        &format!(
            "sign+query, fresh petitions ({} queries, anything ≥ 0.5 found for {fresh_found})",
            fresh.len()
        ),
        &mut fresh_times,
    );
}

/// Times evicting the first four days (12,000 entries), then inserting new petitions: first
/// into the slots eviction freed, then into the full index (each evicting the oldest entry).
/// The signing is not timed.
fn timed_inserts(index: &mut Index, generator: &Generator, params: &ValidParams, day: u32) {
    let start = Instant::now();
    let evicted = index.evict_older_than(4);
    eprintln!(
        "evict_older_than: {evicted} entries in {:.1} ms, {:.1} µs each",
        start.elapsed().as_secs_f64() * 1e3,
        start.elapsed().as_secs_f64() * 1e6 / evicted.max(1) as f64
    );
    let mut keys = 3 * FRESH..;
    for (what, count) in [
        ("into freed slots", evicted),
        ("into the full index", TIMED),
    ] {
        let mut times = Vec::with_capacity(count);
        for key in keys.by_ref().take(count) {
            let sig = Signature::new(&text_of(generator, key), params);
            let start = Instant::now();
            index.insert(key, day, sig);
            times.push(start.elapsed());
        }
        print_percentiles(&format!("insert {what} ({count} inserts)"), &mut times);
    }
}

fn bench(c: &mut Criterion) {
    let entries: u64 = std::env::var("PR_SIMILAR_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let params = Params::default()
        .max_entries(entries as usize)
        .check()
        .expect("valid parameters");
    eprintln!("parameters: {params:?}");
    let generator = Generator::new(0);
    let mut index = build(&generator, &params, entries);

    // Background: how alike unrelated synthetic petitions are, and how many band candidates
    // a fresh petition brings (all verified candidates, whatever their similarity).
    let sigs: Vec<Signature> = (0..2_000u64)
        .map(|i| Signature::new(&text_of(&generator, mix(i) % entries), &params))
        .collect();
    let pairs: Vec<f32> = sigs
        .chunks_exact(2)
        .map(|pair| pair[0].similarity(&pair[1]))
        .collect();
    let candidates: usize = (0..1_000u64)
        .map(|i| {
            let sig = Signature::new(&text_of(&generator, FRESH + 500_000 + i), &params);
            index.query(&sig, usize::MAX, 0.0).len()
        })
        .sum();
    eprintln!(
        "background: mean similarity of unrelated pairs {:.4}; candidates per fresh query {:.1}",
        pairs.iter().sum::<f32>() / pairs.len() as f32,
        candidates as f64 / 1_000.0
    );

    let resent: Vec<(u64, String)> = (0..TIMED as u64)
        .map(|i| {
            let key = mix(i ^ 0x5eed) % entries;
            (key, sent_again(&generator, key))
        })
        .collect();
    let fresh: Vec<(u64, String)> = (0..TIMED as u64)
        .map(|i| (FRESH + i, text_of(&generator, FRESH + i)))
        .collect();
    let example = &resent[0].1;
    eprintln!(
        "resent example: {} characters, similarity {:.3} to the original",
        example.chars().count(),
        Signature::new(example, &params)
            .similarity(&Signature::new(&text_of(&generator, resent[0].0), &params))
    );
    timed_queries(&index, &params, &resent, &fresh);
    let today = (entries / 3_000 + 1) as u32;
    timed_inserts(&mut index, &generator, &params, today);

    let text = &fresh[0].1;
    eprintln!("criterion text: {} characters", text.chars().count());
    c.bench_function("signature (300 chars)", |b| {
        b.iter(|| Signature::new(black_box(text), &params))
    });
    let sig = Signature::new(text, &params);
    c.bench_function("query (fresh, signature given)", |b| {
        b.iter(|| index.query(black_box(&sig), 10, 0.5))
    });
    c.bench_function("signature + query (fresh, 300 chars)", |b| {
        b.iter(|| index.query(&Signature::new(black_box(text), &params), 10, 0.5))
    });
    let again = &resent[0].1;
    c.bench_function("signature + query (resent, 300 chars)", |b| {
        b.iter(|| index.query(&Signature::new(black_box(again), &params), 10, 0.5))
    });
    // The index is full: every insert evicts the oldest entry first (the steady state). New
    // petitions, each signed outside the timing.
    let mut key = 2 * FRESH;
    c.bench_function("insert into a full index (evicts the oldest)", |b| {
        b.iter_batched(
            || {
                key += 1;
                (key, Signature::new(&text_of(&generator, key), &params))
            },
            |(key, sig)| index.insert(key, today, sig),
            BatchSize::SmallInput,
        )
    });
    eprintln!(
        "after the insert bench: {} entries, heap_bytes {}",
        index.len(),
        index.heap_bytes()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
