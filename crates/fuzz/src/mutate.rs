//! A seeded mutation fuzzer without coverage feedback: runs every seed, then mutations of the
//! seeds and of one another (bit flips, byte edits, splices, tokens that parsers care about)
//! until the time is up. `cargo test` uses it for a short replay; libFuzzer does the long runs.

use crate::Target;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

/// An input that made a target panic (in any thread) or run longer than 5 seconds (`SLOW`).
#[derive(Debug, Clone)]
pub struct Finding {
    pub input: Vec<u8>,
    pub message: String,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Report {
    pub executions: u64,
    pub findings: Vec<Finding>,
}

/// One input running longer than this is a finding (a hang, or work out of proportion).
pub const SLOW: Duration = Duration::from_secs(5);

/// Bytes and tokens that the parsers branch on.
const TOKENS: &[&[u8]] = &[
    b"\xFF",
    b"\0",
    b"\n",
    b"\r\n",
    b",",
    b"\t",
    b"\"",
    b"<",
    b">",
    b"&",
    b";",
    b"&nbsp;",
    b"&#x",
    b"<p>",
    b"\xE2\x80\x8B",
    b"\xEF\xBB\xBF",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"null",
    b"99999999999999999999",
    b"-1",
    b"1e308",
    b"NaN",
    b"\xE3\x80\x80",
    b"\xEF\xBC\xA1",
];

/// The panic messages of all threads since the last [`take_panics`]: a request handler may
/// panic on a server thread and never unwind into the target.
static PANICS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// How many [`explore`] runs are going on: outside them, panics are reported as usual.
static EXPLORING: AtomicUsize = AtomicUsize::new(0);

fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let usual = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if EXPLORING.load(Ordering::Relaxed) == 0 {
                return usual(info);
            }
            if let Ok(mut p) = PANICS.lock() {
                p.push(info.to_string());
            }
        }))
    });
}

fn take_panics() -> Vec<String> {
    PANICS
        .lock()
        .map(|mut p| std::mem::take(&mut *p))
        .unwrap_or_default()
}

/// Runs `target` on `seeds`, then on mutations of them until `budget` has passed. The same
/// `rng_seed` makes the same inputs.
pub fn explore(target: &Target, seeds: &[Vec<u8>], budget: Duration, rng_seed: u64) -> Report {
    install_panic_hook();
    EXPLORING.fetch_add(1, Ordering::Relaxed);
    let watchdog = Watchdog::start(target.name);
    let mut rng = Rng(rng_seed | 1);
    let mut pool: Vec<Vec<u8>> = if seeds.is_empty() {
        vec![Vec::new()]
    } else {
        seeds.to_vec()
    };
    let mut report = Report::default();
    let start = Instant::now();
    let mut next_seed = 0;
    while next_seed < seeds.len() || start.elapsed() < budget {
        let input = match seeds.get(next_seed) {
            Some(seed) => {
                next_seed += 1;
                seed.clone()
            }
            None => mutate(&pool, &mut rng),
        };
        let began = Instant::now();
        watchdog.running(&input);
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| (target.run)(&input)));
        watchdog.idle();
        report.executions += 1;
        let mut messages = take_panics();
        if outcome.is_ok() && began.elapsed() > SLOW {
            messages.push(format!("slow: {:?} for one input", began.elapsed()));
        }
        if messages.is_empty() {
            // Keep some mutants as parents, so that mutations compound.
            if pool.len() < seeds.len() + 256 && rng.below(16) == 0 {
                pool.push(input);
            }
        } else {
            report.findings.push(Finding {
                input,
                message: messages.join("\n"),
            });
        }
    }
    EXPLORING.fetch_sub(1, Ordering::Relaxed);
    report
}

/// One mutant of an input of `pool`.
fn mutate(pool: &[Vec<u8>], rng: &mut Rng) -> Vec<u8> {
    let mut data = pool[rng.below(pool.len())].clone();
    for _ in 0..1 + rng.below(4) {
        let len = data.len();
        let at = rng.below(len + 1);
        match rng.below(8) {
            0 if len > 0 => data[at.min(len - 1)] ^= 1 << rng.below(8),
            1 if len > 0 => data[at.min(len - 1)] = rng.below(256) as u8,
            2 => {
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.below(256) as u8).collect();
                data.splice(at..at, bytes);
            }
            3 => {
                let end = (at + 1 + rng.below(64)).min(len);
                data.drain(at.min(end)..end);
            }
            4 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                data.splice(at..at, token.iter().copied());
            }
            5 => {
                // Repeat a piece: long fields, deep nesting, many rows.
                let end = (at + 1 + rng.below(32)).min(len);
                let piece = data[at.min(end)..end].to_vec();
                for _ in 0..rng.below(64) {
                    data.splice(at..at, piece.iter().copied());
                }
            }
            6 => {
                // Splice in a piece of another input.
                let other = &pool[rng.below(pool.len())];
                let from = rng.below(other.len() + 1);
                let end = (from + rng.below(256)).min(other.len());
                data.splice(at..at, other[from..end].iter().copied());
            }
            _ => data.truncate(at),
        }
    }
    data
}

/// xorshift64*: small, fast and the same everywhere, so that a seed replays a run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let x = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x % n.max(1) as u64) as usize
    }
}

/// Aborts the process with the input when one input runs for a minute: a hang would otherwise
/// stall the test run without saying which input.
struct Watchdog {
    state: Arc<WatchState>,
}

struct WatchState {
    /// Milliseconds since `epoch` when the running input started; 0 when idle, `u64::MAX` to stop.
    started: AtomicU64,
    epoch: Instant,
    input: Mutex<Vec<u8>>,
}

const HANG: Duration = Duration::from_secs(60);

impl Watchdog {
    fn start(target: &'static str) -> Watchdog {
        let state = Arc::new(WatchState {
            started: AtomicU64::new(0),
            epoch: Instant::now(),
            input: Mutex::new(Vec::new()),
        });
        let watched = state.clone();
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(500));
            let started = watched.started.load(Ordering::Relaxed);
            if started == u64::MAX {
                return;
            }
            let now = watched.epoch.elapsed().as_millis() as u64;
            if started != 0 && now.saturating_sub(started) > HANG.as_millis() as u64 {
                let input = watched.input.lock().map(|i| i.clone()).unwrap_or_default();
                eprintln!("{target}: hang of over {HANG:?} on input {input:?}");
                std::process::abort();
            }
        });
        Watchdog { state }
    }

    fn running(&self, input: &[u8]) {
        if let Ok(mut i) = self.state.input.lock() {
            i.clear();
            i.extend_from_slice(input);
        }
        let now = self.state.epoch.elapsed().as_millis() as u64;
        self.state.started.store(now.max(1), Ordering::Relaxed);
    }

    fn idle(&self) {
        self.state.started.store(0, Ordering::Relaxed);
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.state.started.store(u64::MAX, Ordering::Relaxed);
    }
}
