//! Hotspots at the scale of the issue: a million petitions over 200 districts and a year of
//! days must take at most 60 s on two cores. A timed run, not criterion: one run of `find`
//! is the figure that matters, and it takes seconds.
//!
//! The petitions are synthetic: 120 to 320 characters of words drawn from a 50,000-word
//! vocabulary with Zipf frequencies (rank r with probability ∝ r^−0.8), each word one to four
//! ideographs drawn from 3,500 (rank r ∝ 1/r), with a comma or a full stop after one word in
//! four (the generator of `pr-similar`'s bench, whose exponents were chosen so that unrelated
//! texts share trigrams about as often as real petitions do); a title of 8 to 20 characters
//! the same way; a district out of 200 (a few much busier than the rest, Zipf 0.5); a day out
//! of 366 from 2024-01-01; one of 40 departments; a risk flag on one petition in 30; a
//! petitioner key on seven in ten, from 600,000 people. Planted among them: 300 bursts of 6 to
//! 30 petitions about one invented compound in one district and week, each member its own
//! background text with the compound's four-character name and six of twelve matter words
//! put in at random places (rewordings: they share the name and some words, little else).
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

const DISTRICTS: usize = 200;
const DAYS: u64 = 366;
const BURSTS: usize = 300;
const WORD_EXPONENT: f64 = 0.8;

/// SplitMix64's output function.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(1);
        mix(self.0)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A rank below `n`, rank r with probability ∝ r^−s (inverting the continuous CDF).
    fn zipf(&mut self, n: usize, s: f64) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let x = if s == 1.0 {
            (n as f64 + 1.0).powf(u)
        } else {
            let a = 1.0 - s;
            (u * ((n as f64 + 1.0).powf(a) - 1.0) + 1.0).powf(1.0 / a)
        };
        (x - 1.0) as usize % n
    }
}

/// Vocabulary and character pool of the synthetic petitions.
struct Generator {
    pool: Vec<char>,
    words: Vec<Vec<char>>,
}

impl Generator {
    fn new() -> Generator {
        const IDEOGRAPHS: usize = 3_500;
        let pool: Vec<char> = (0..IDEOGRAPHS as u64)
            .map(|i| char::from_u32(0x4e00 + (mix(i) % 20_000) as u32).unwrap())
            .collect();
        let words = (0..50_000u64)
            .map(|w| {
                let mut rng = Rng(mix(w ^ 0x776f_7264));
                let len = match rng.next() % 20 {
                    0..=2 => 1,
                    3..=14 => 2,
                    15..=17 => 3,
                    _ => 4,
                };
                (0..len).map(|_| pool[rng.zipf(IDEOGRAPHS, 1.0)]).collect()
            })
            .collect();
        Generator { pool, words }
    }

    /// Words of about `len` characters, punctuated.
    fn words(&self, rng: &mut Rng, len: usize, out: &mut Vec<Vec<char>>) {
        let mut chars = 0;
        while chars < len {
            let word = &self.words[rng.zipf(self.words.len(), WORD_EXPONENT)];
            chars += word.len();
            out.push(word.clone());
            match rng.next() % 16 {
                0..=2 => out.push(vec!['，']),
                3 => out.push(vec!['。']),
                _ => {}
            }
        }
    }

    fn petition(&self, key: u64, burst: Option<&Burst>) -> Petition {
        let mut rng = Rng(mix(key));
        let (mut title, mut text) = (Vec::new(), Vec::new());
        let len = 8 + rng.below(13) as usize;
        self.words(&mut rng, len, &mut title);
        let len = 120 + rng.below(201) as usize;
        self.words(&mut rng, len, &mut text);
        let (place, day) = match burst {
            Some(b) => {
                // The name in the title or the text, and in the text once or twice more.
                let at = rng.below(title.len() as u64 + 1) as usize;
                title.insert(at, b.name.clone());
                for _ in 0..1 + rng.below(2) {
                    let at = rng.below(text.len() as u64 + 1) as usize;
                    text.insert(at, b.name.clone());
                }
                let mut words = b.matter.clone();
                for i in (1..words.len()).rev() {
                    words.swap(i, rng.below(i as u64 + 1) as usize);
                }
                for word in words.into_iter().take(6) {
                    let at = rng.below(text.len() as u64 + 1) as usize;
                    text.insert(at, word);
                }
                (b.place, b.week_start + rng.below(7) as i32)
            }
            None => (
                rng.zipf(DISTRICTS, 0.5),
                day_number(2024, 1, 1) + rng.below(DAYS) as i32,
            ),
        };
        let risks = match rng.below(30) {
            0 => vec![[
                "collective",
                "self_harm",
                "violence",
                "escalation",
                "vulnerable",
                "repeat",
            ][rng.below(6) as usize]
                .to_string()],
            _ => Vec::new(),
        };
        Petition {
            id: format!("P{key:07}"),
            day,
            place: format!("第{place:03}区"),
            title: title.concat().into_iter().collect(),
            text: text.concat().into_iter().collect(),
            department: format!("部门{:02}", rng.zipf(40, 1.0)),
            risks,
            petitioner: (rng.below(10) < 7).then(|| format!("{:x}", mix(rng.below(600_000)))),
        }
    }
}

/// A planted burst: one compound in one district and week.
struct Burst {
    place: usize,
    week_start: i32,
    name: Vec<char>,
    matter: Vec<Vec<char>>,
    size: usize,
}

fn bursts(generator: &Generator) -> Vec<Burst> {
    let mut rng = Rng(0xb0_0057);
    let first_monday = day_number(2024, 1, 1); // a Monday
    (0..BURSTS)
        .map(|_| Burst {
            place: rng.below(DISTRICTS as u64) as usize,
            week_start: first_monday + 7 * rng.below(52) as i32,
            name: (0..4)
                .map(|_| generator.pool[rng.below(generator.pool.len() as u64) as usize])
                .collect(),
            // Words of the middle of the vocabulary: a matter's words are neither rare nor
            // everyday.
            matter: (0..12)
                .map(|_| generator.words[200 + rng.below(5_000) as usize].clone())
                .collect(),
            size: 6 + rng.below(25) as usize,
        })
        .collect()
}

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
    let generator = Generator::new();
    let bursts = bursts(&generator);
    let planted: usize = bursts.iter().map(|b| b.size).sum();
    let start = Instant::now();
    // Burst members first (keys 0..planted), then the background.
    let owner: Vec<Option<usize>> = bursts
        .iter()
        .enumerate()
        .flat_map(|(b, burst)| std::iter::repeat_n(Some(b), burst.size))
        .chain(std::iter::repeat_n(None, total.saturating_sub(planted)))
        .collect();
    let mut petitions: Vec<Petition> = owner
        .par_iter()
        .enumerate()
        .map(|(key, b)| generator.petition(key as u64, b.map(|b| &bursts[b])))
        .collect();
    // Hidden among the rest: the input order is the background's.
    let mut rng = Rng(7);
    for i in (1..petitions.len()).rev() {
        petitions.swap(i, rng.below(i as u64 + 1) as usize);
    }
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
        .filter_map(|p| {
            let key: usize = p.id[1..].parse().ok()?;
            owner[key].map(|b| (p.id.as_str(), b))
        })
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
        bursts
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
