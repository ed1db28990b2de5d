//! Hotspots at the scale of the issue: a million petitions over 200 districts and a year of
//! days must take at most 60 s on two cores. A timed run, not criterion: one run of `find`
//! is the figure that matters, and it takes seconds.
//!
//! The petitions are `pr-synthetic`'s corpus (seed 0): 120 to 320 characters of words drawn
//! from a 50,000-word vocabulary with Zipf frequencies, a title of 8 to 20 characters the same
//! way; a district out of 200 (a few much busier than the rest, Zipf 0.5); a day out of 366
//! from 2024-01-01; one of 40 departments; a risk flag on one petition in 30; a petitioner key
//! on seven in ten, from 600,000 people. Planted among them: 300 bursts of 6 to 30 petitions
//! about one invented compound in one district and week, each member its own background text
//! with the compound's four-character name and six of twelve matter words put in at random
//! places (rewordings: they share the name and some words, little else). `pr-synthetic`'s
//! `history` example writes the same petitions as a history file, to time the `hotspots`
//! command end to end.
//!
//! Printed: the time of `find` (and of `HeatMap::new` and `report_html`), the peak of heap
//! memory during `find` above the input (a counting allocator), and how many planted bursts
//! come out whole (90 % of their members in one hotspot) among all hotspots and among the 100
//! hottest.
//!
//! `cargo bench -p pr-hotspots` (`PR_HOTSPOTS_BENCH_PETITIONS=100000` for a quicker run;
//! `RAYON_NUM_THREADS` to fix the threads).

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use pr_hotspots::{date::day_number, find, report_html, HeatMap, Params, Petition};
use pr_synthetic::{Corpus, Generator, BURSTS};
use rayon::prelude::*;

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        unsafe { System.dealloc(p, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// CPU seconds this process has used (user and system), from /proc (Linux, clock ticks of
/// 1/100 s); 0 elsewhere. Beside the wall time, it tells how much of the two cores the run
/// had when another job shares them.
fn cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            let fields: Vec<&str> = stat.rsplit(')').next()?.split_whitespace().collect();
            let ticks: f64 =
                fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
            Some(ticks / 100.0)
        })
        .unwrap_or(0.0)
}

fn heap_mb(bytes: usize) -> f64 {
    bytes as f64 / (1u64 << 20) as f64
}

fn main() {
    let total: usize = std::env::var("PR_HOTSPOTS_BENCH_PETITIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let corpus = Corpus::new(Generator::new(0), total);
    let planted: usize = corpus.bursts().iter().map(|b| b.size).sum();
    let start = Instant::now();
    // Each petition and the planted burst it belongs to, in the corpus' order (the bursts
    // hidden among the rest).
    let (petitions, owner): (Vec<Petition>, Vec<Option<usize>>) = (0..corpus.len())
        .into_par_iter()
        .map(|position| {
            let p = corpus.petition(position);
            let petition = Petition {
                id: p.id(),
                day: day_number(2024, 1, 1) + p.day as i32,
                place: format!("第{:03}区", p.district),
                title: p.title,
                text: p.text,
                department: format!("部门{:02}", p.department),
                risks: p.risk.map(str::to_string).into_iter().collect(),
                petitioner: p.petitioner.map(|key| format!("{key:x}")),
            };
            (petition, p.burst)
        })
        .unzip();
    let chars: usize = petitions
        .iter()
        .map(|p| p.title.chars().count() + p.text.chars().count())
        .sum();
    println!(
        "generated {} petitions ({planted} in {BURSTS} planted bursts; {:.0} characters on \
         average) in {:.1} s; input heap {:.0} MB",
        petitions.len(),
        chars as f64 / petitions.len() as f64,
        start.elapsed().as_secs_f64(),
        heap_mb(IN_USE.load(Ordering::Relaxed))
    );

    let params = Params::default().max_hotspots(100_000).check().unwrap();
    let before = IN_USE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let (start, cpu) = (Instant::now(), cpu_seconds());
    let hotspots = find(black_box(&petitions), &params);
    let (took, cpu) = (start.elapsed(), cpu_seconds() - cpu);
    let peak = PEAK.load(Ordering::Relaxed) - before;
    println!(
        "find: {:.1} s on {} threads ({cpu:.1} s of CPU), {} hotspots; heap peak {:.0} MB above \
         the input",
        took.as_secs_f64(),
        rayon::current_num_threads(),
        hotspots.len(),
        heap_mb(peak)
    );

    let start = Instant::now();
    let map = HeatMap::new(&petitions, &params);
    let map_took = start.elapsed();
    let start = Instant::now();
    let html = report_html(&hotspots[..hotspots.len().min(100)], &map, "信访热点");
    println!(
        "HeatMap::new {:.2} s, report_html (100 hotspots) {:.3} s, {:.0} kB",
        map_took.as_secs_f64(),
        start.elapsed().as_secs_f64(),
        html.len() as f64 / 1e3
    );

    // Recall: a burst is found whole when one hotspot holds 90 % of its members.
    let burst_of: HashMap<&str, usize> = petitions
        .iter()
        .zip(&owner)
        .filter_map(|(p, b)| b.map(|b| (p.id.as_str(), b)))
        .collect();
    let whole = |hotspots: &[pr_hotspots::Hotspot]| {
        let mut best = vec![0usize; BURSTS];
        for h in hotspots {
            let mut held = HashMap::new();
            for id in &h.ids {
                if let Some(&b) = burst_of.get(id.as_str()) {
                    *held.entry(b).or_insert(0usize) += 1;
                }
            }
            for (b, n) in held {
                best[b] = best[b].max(n);
            }
        }
        corpus
            .bursts()
            .iter()
            .zip(&best)
            .filter(|(b, &n)| n * 10 >= b.size * 9)
            .count()
    };
    let planted_in_top = hotspots
        .iter()
        .take(100)
        .filter(|h| h.ids.iter().any(|id| burst_of.contains_key(id.as_str())))
        .count();
    println!(
        "planted bursts found whole: {} of {BURSTS} among all hotspots, {} among the 100 \
         hottest; {planted_in_top} of the 100 hottest are planted bursts",
        whole(&hotspots),
        whole(&hotspots[..hotspots.len().min(100)]),
    );
    let background: Vec<usize> = hotspots
        .iter()
        .filter(|h| !h.ids.iter().any(|id| burst_of.contains_key(id.as_str())))
        .map(|h| h.count)
        .collect();
    println!(
        "hotspots of background petitions only: {} (largest {} petitions)",
        background.len(),
        background.iter().max().unwrap_or(&0)
    );
}
