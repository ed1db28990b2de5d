//! `bench --in-process`: the engine itself, on one thread, against segmentation alone.
//!
//! Wall-clock figures on shared machines wander by 2× from one run to the next, so what this
//! reports is a ratio of two things timed side by side: route() and jieba segmenting the same
//! text with the model's dictionary (the least any Chinese text pipeline must do). Each round
//! routes every petition, then segments every petition, so that each timing sees its own
//! working set warm, as a busy server would; both are timed one petition at a time.

use anyhow::{bail, Result};
use pr_loadgen::BenchPetition;
use pr_router::{petition_text, Engine, Petition};
use pr_text::normalise_into;
use serde::Serialize;
use std::hint::black_box;
use std::time::Instant;

/// Target lengths (characters) of the groups: short, the median and the average of a city's
/// petitions, and long. A group is the petitions closest to its length.
const GROUP_CHARS: [usize; 4] = [100, 230, 410, 1_000];
/// Petitions per length group.
const GROUP_SIZE: usize = 50;

/// What the bench found.
#[derive(Debug, Serialize)]
pub struct InProcessReport {
    pub model_version: String,
    pub catalogue_version: String,
    pub labels: usize,
    pub petitions: usize,
    pub rounds: usize,
    /// Per length group, then one over the whole corpus (`name` "all").
    pub groups: Vec<Group>,
}

/// Timings of one group of petitions.
#[derive(Debug, Serialize)]
pub struct Group {
    /// "100", "230", "410", "1000" or "all".
    pub name: String,
    /// The group's target length; for "all", the corpus' mean length.
    pub chars: usize,
    pub petitions: usize,
    pub route_us_p50: f64,
    pub route_us_p99: f64,
    pub segment_us_p50: f64,
    pub segment_us_p99: f64,
    /// The target of issue 17: route() within 2× of segmentation at the median.
    pub route_to_segment_p50: f64,
    /// Petitions routed per second on one core (1 / mean route() time): for sizing.
    pub routes_per_core_second: f64,
}

/// Times route() and segmentation for every petition, `rounds` times after one warm-up round.
pub fn run(engine: &Engine, texts: &[BenchPetition], rounds: usize) -> Result<InProcessReport> {
    if texts.is_empty() {
        bail!("the corpus has no petitions to route");
    }
    // Segmentation sees exactly the text route() segments: normalised and cut to length.
    // A petition's length is that of its title and content as sent.
    let (normalised, lengths): (Vec<String>, Vec<usize>) = texts
        .iter()
        .map(|t| {
            let text = petition_text(&t.title, &t.content);
            let mut out = String::new();
            normalise_into(&text, engine.options().max_chars, &mut out);
            (out, text.chars().count())
        })
        .unzip();
    let segmenter = engine.model().extractor().segmenter();
    let mut words = Vec::new();
    let mut route_ns = vec![Vec::with_capacity(rounds); texts.len()];
    let mut segment_ns = vec![Vec::with_capacity(rounds); texts.len()];
    // Round 0 warms caches, thread-local buffers and the allocator; it is not counted.
    for round in 0..=rounds {
        for (i, t) in texts.iter().enumerate() {
            let start = Instant::now();
            // A petition that normalises to nothing is refused, as the server refuses it: the
            // refusal is timed like an answer.
            let _ = black_box(engine.route(petition(t), 3));
            let took = start.elapsed().as_nanos() as u64;
            if round > 0 {
                route_ns[i].push(took);
            }
        }
        for (i, text) in normalised.iter().enumerate() {
            let start = Instant::now();
            words.clear();
            segmenter.cut_into(text, &mut words);
            black_box(words.len());
            let took = start.elapsed().as_nanos() as u64;
            if round > 0 {
                segment_ns[i].push(took);
            }
        }
    }
    let mut groups: Vec<Group> = GROUP_CHARS
        .iter()
        .map(|&chars| {
            let mut closest: Vec<usize> = (0..texts.len()).collect();
            closest.sort_by_key(|&i| lengths[i].abs_diff(chars));
            closest.truncate(GROUP_SIZE);
            group(chars.to_string(), chars, &closest, &route_ns, &segment_ns)
        })
        .collect();
    let everyone: Vec<usize> = (0..texts.len()).collect();
    let mean_chars = lengths.iter().sum::<usize>() / lengths.len();
    groups.push(group(
        "all".into(),
        mean_chars,
        &everyone,
        &route_ns,
        &segment_ns,
    ));
    Ok(InProcessReport {
        model_version: engine.model().version().to_string(),
        catalogue_version: engine.catalogue().version().to_string(),
        labels: engine.model().labels().len(),
        petitions: texts.len(),
        rounds,
        groups,
    })
}

/// The petition as the server hands it to route(), analysis included.
fn petition(t: &BenchPetition) -> Petition<'_> {
    Petition {
        title: &t.title,
        content: &t.content,
        region: &t.region,
        analyse: true,
        repeat_of: None,
    }
}

/// The percentiles of the petitions `members`, over all their rounds.
fn group(
    name: String,
    chars: usize,
    members: &[usize],
    route_ns: &[Vec<u64>],
    segment_ns: &[Vec<u64>],
) -> Group {
    let gather = |all: &[Vec<u64>]| {
        let mut v: Vec<u64> = members
            .iter()
            .flat_map(|&i| all[i].iter().copied())
            .collect();
        v.sort_unstable();
        v
    };
    let (route, segment) = (gather(route_ns), gather(segment_ns));
    let mean_route_s = route.iter().sum::<u64>() as f64 / route.len() as f64 / 1e9;
    Group {
        name,
        chars,
        petitions: members.len(),
        route_us_p50: micros(percentile(&route, 0.50)),
        route_us_p99: micros(percentile(&route, 0.99)),
        segment_us_p50: micros(percentile(&segment, 0.50)),
        segment_us_p99: micros(percentile(&segment, 0.99)),
        route_to_segment_p50: round2(
            percentile(&route, 0.50) as f64 / percentile(&segment, 0.50).max(1) as f64,
        ),
        routes_per_core_second: (1.0 / mean_route_s).round(),
    }
}

/// The value below which a share `q` of the sorted `values` lie (nearest rank).
fn percentile(sorted: &[u64], q: f64) -> u64 {
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn micros(ns: u64) -> f64 {
    (ns as f64 / 10.0).round() / 100.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The report as a table.
pub fn print(report: &InProcessReport) {
    println!(
        "model {} ({} labels), catalogue {}: {} petitions, {} rounds, one thread",
        report.model_version,
        report.labels,
        report.catalogue_version,
        report.petitions,
        report.rounds
    );
    println!(
        "{:>6} {:>6} {:>10} {:>10} {:>10} {:>10} {:>8} {:>10}",
        "group", "chars", "route p50", "route p99", "seg p50", "seg p99", "ratio", "routes/s"
    );
    for g in &report.groups {
        println!(
            "{:>6} {:>6} {:>8.1}µs {:>8.1}µs {:>8.1}µs {:>8.1}µs {:>7.2}× {:>10.0}",
            g.name,
            g.chars,
            g.route_us_p50,
            g.route_us_p99,
            g.segment_us_p50,
            g.segment_us_p99,
            g.route_to_segment_p50,
            g.routes_per_core_second
        );
    }
    println!("ratio: route() p50 over segmentation p50 of the same petitions (jieba, the model's dictionary)");
}
