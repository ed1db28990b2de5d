//! Reproducible synthetic petitions for the benchmarks: the same seed gives the same texts on
//! every machine and run, and nothing comes from real petitions.
//!
//! The texts are words drawn from a 50,000-word vocabulary with Zipf frequencies (rank r with
//! probability ∝ r^−0.8), each word one to four ideographs drawn from 3,500 (about the 常用字
//! list, rank r ∝ 1/r), with a comma or a full stop after one word in four. Common words make
//! unrelated texts share character n-grams about as often as real petitions do: the exponents
//! were chosen so that the exact trigram Jaccard similarity of unrelated synthetic pairs (mean
//! 0.005, 99th percentile 0.015) is a little above that of real petitions (0.0013 and 0.012).
//!
//! Two shapes:
//! - [`Generator::text`]: the text of a key, nothing else (`pr-similar`'s index bench).
//! - [`Corpus`]: dated petitions over [`DISTRICTS`] districts and a year of days from
//!   2024-01-01, with planted [`Burst`]s of rewordings about one invented compound in one
//!   district and week (`pr-hotspots`' bench, and the history file of the `history` example).
//!
//! Seed 0 is the corpus the benchmarks in BENCHMARKS.md measured.
//!
//! ```
//! use pr_synthetic::{Corpus, Generator};
//!
//! let generator = Generator::new(0);
//! let text = generator.text(42, 280..=320);
//! assert!((280..=330).contains(&text.chars().count()));
//! assert_eq!(text, Generator::new(0).text(42, 280..=320)); // reproducible
//!
//! let corpus = Corpus::new(Generator::new(0), 10_000);
//! assert_eq!(corpus.len(), 10_000);
//! let petition = corpus.petition(0);
//! assert!(petition.day < pr_synthetic::DAYS && petition.district < pr_synthetic::DISTRICTS);
//! assert_eq!(pr_synthetic::date(0), "2024-01-01");
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::ops::RangeInclusive;

/// Districts a [`Corpus`] spreads its petitions over (a few much busier than the rest, Zipf
/// 0.5).
pub const DISTRICTS: usize = 200;
/// Days a [`Corpus`] spreads its petitions over, from 2024-01-01 (a Monday).
pub const DAYS: u32 = 366;
/// Planted bursts in a [`Corpus`].
pub const BURSTS: usize = 300;
/// Departments a petition of a [`Corpus`] is routed to (Zipf 1).
pub const DEPARTMENTS: usize = 40;
/// Risk kinds, as `pr-analysis` names them; one petition in 30 has one.
pub const RISKS: [&str; 6] = [
    "collective",
    "self_harm",
    "violence",
    "escalation",
    "vulnerable",
    "repeat",
];
/// People the petitioner keys are drawn from.
pub const PETITIONERS: u64 = 600_000;

/// Zipf exponent of word frequencies; see the crate documentation.
pub const WORD_EXPONENT: f64 = 0.8;
/// The ideographs words are made of.
const IDEOGRAPHS: usize = 3_500;
/// Words of the vocabulary.
const VOCABULARY: usize = 50_000;

/// SplitMix64's output function: a fixed 64-bit mix, the root of every random draw here.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A small counter-based random number generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(1);
        mix(self.0)
    }

    /// A number below `n` (`n` > 0; the modulo bias does not matter here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// A rank below `n`, rank r with probability ∝ r^−s (inverting the continuous CDF: cheap,
    /// close enough for a benchmark).
    pub fn zipf(&mut self, n: usize, s: f64) -> usize {
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

/// The vocabulary and the character pool of one seed.
#[derive(Debug, Clone)]
pub struct Generator {
    seed: u64,
    pool: Vec<char>,
    words: Vec<Vec<char>>,
}

const COMMA: &[char] = &['，'];
const FULL_STOP: &[char] = &['。'];

impl Generator {
    /// The vocabulary of `seed` (0: the benchmarks' one).
    pub fn new(seed: u64) -> Generator {
        let pool: Vec<char> = (0..IDEOGRAPHS as u64)
            .map(|i| char::from_u32(0x4e00 + (mix(i ^ seed) % 20_000) as u32).unwrap())
            .collect();
        let words = (0..VOCABULARY as u64)
            .map(|w| {
                let mut rng = Rng(mix(w ^ 0x776f_7264 ^ seed));
                let len = match rng.next() % 20 {
                    0..=2 => 1,
                    3..=14 => 2,
                    15..=17 => 3,
                    _ => 4,
                };
                (0..len).map(|_| pool[rng.zipf(IDEOGRAPHS, 1.0)]).collect()
            })
            .collect();
        Generator { seed, pool, words }
    }

    /// The random number generator of `key` under this seed.
    pub fn rng(&self, key: u64) -> Rng {
        Rng(mix(key ^ self.seed))
    }

    /// A word drawn by its frequency.
    pub fn word(&self, rng: &mut Rng) -> &[char] {
        &self.words[rng.zipf(self.words.len(), WORD_EXPONENT)]
    }

    /// Words and punctuation until they hold `len` characters, punctuation counted or not.
    fn draw<'a>(&'a self, rng: &mut Rng, len: usize, count_punctuation: bool) -> Vec<&'a [char]> {
        let (mut out, mut chars) = (Vec::new(), 0);
        while chars < len {
            let word = self.word(rng);
            chars += word.len();
            out.push(word);
            let punctuation = match rng.next() % 16 {
                0..=2 => COMMA,
                3 => FULL_STOP,
                _ => continue,
            };
            out.push(punctuation);
            chars += usize::from(count_punctuation);
        }
        out
    }

    /// The text of `key`: words until it is at least a length drawn from `len` (punctuation
    /// counted), so at most a word longer than `len`'s end.
    pub fn text(&self, key: u64, len: RangeInclusive<usize>) -> String {
        let mut rng = self.rng(key);
        let spread = len.end().saturating_sub(*len.start()) as u64 + 1;
        let len = len.start() + rng.below(spread) as usize;
        concat(&self.draw(&mut rng, len, true))
    }

    /// The petition of `key`, a member of `burst` (its index and itself) or one of the
    /// background. Title: 8 to 20 characters of words; text: 120 to 320 (punctuation not
    /// counted, nor what a burst puts in). A background petition
    /// gets a district out of [`DISTRICTS`] and a day out of [`DAYS`]; a burst member gets
    /// the burst's district and a day of its week, the compound's name in its title and once
    /// or twice in its text, and six of the burst's twelve matter words at
    /// random places of its text: rewordings that share the name and some words, little
    /// else.
    pub fn petition(&self, key: u64, burst: Option<(usize, &Burst)>) -> Petition {
        let mut rng = self.rng(key);
        let len = 8 + rng.below(13) as usize;
        let mut title = self.draw(&mut rng, len, false);
        let len = 120 + rng.below(201) as usize;
        let mut text = self.draw(&mut rng, len, false);
        let (district, day) = match burst {
            Some((_, b)) => {
                // The name in the title or the text, and in the text once or twice more.
                let at = rng.below(title.len() as u64 + 1) as usize;
                title.insert(at, &b.name);
                for _ in 0..1 + rng.below(2) {
                    let at = rng.below(text.len() as u64 + 1) as usize;
                    text.insert(at, &b.name);
                }
                let mut words: Vec<&[char]> = b.matter.iter().map(Vec::as_slice).collect();
                for i in (1..words.len()).rev() {
                    words.swap(i, rng.below(i as u64 + 1) as usize);
                }
                for word in words.into_iter().take(6) {
                    let at = rng.below(text.len() as u64 + 1) as usize;
                    text.insert(at, word);
                }
                (b.district, b.week_start + rng.below(7) as u32)
            }
            None => (rng.zipf(DISTRICTS, 0.5), rng.below(u64::from(DAYS)) as u32),
        };
        let risk = match rng.below(30) {
            0 => Some(RISKS[rng.below(RISKS.len() as u64) as usize]),
            _ => None,
        };
        let department = rng.zipf(DEPARTMENTS, 1.0);
        let petitioner = (rng.below(10) < 7).then(|| mix(rng.below(PETITIONERS)));
        Petition {
            key,
            day,
            district,
            title: concat(&title),
            text: concat(&text),
            department,
            risk,
            petitioner,
            burst: burst.map(|(index, _)| index),
        }
    }

    /// The [`BURSTS`] planted bursts of this seed: each in a district and a week (Monday to
    /// Sunday) of the year, about a compound with an invented four-character name, with
    /// twelve matter words from the middle of the vocabulary (neither rare nor everyday), of
    /// 6 to 30 petitions.
    pub fn bursts(&self) -> Vec<Burst> {
        let mut rng = Rng(0xb0_0057 ^ self.seed);
        (0..BURSTS)
            .map(|_| Burst {
                district: rng.below(DISTRICTS as u64) as usize,
                week_start: 7 * rng.below(52) as u32,
                name: (0..4)
                    .map(|_| self.pool[rng.below(self.pool.len() as u64) as usize])
                    .collect(),
                matter: (0..12)
                    .map(|_| self.words[200 + rng.below(5_000) as usize].clone())
                    .collect(),
                size: 6 + rng.below(25) as usize,
            })
            .collect()
    }
}

fn concat(words: &[&[char]]) -> String {
    words.iter().flat_map(|w| w.iter()).collect()
}

/// A planted burst: petitions about one compound in one district and week.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Burst {
    /// The district, below [`DISTRICTS`].
    pub district: usize,
    /// The Monday its week starts on, in days from 2024-01-01.
    pub week_start: u32,
    /// The compound's invented name.
    pub name: Vec<char>,
    /// Words of the matter; each member has six of them.
    pub matter: Vec<Vec<char>>,
    /// Its petitions.
    pub size: usize,
}

/// A synthetic petition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Petition {
    /// Its key: `0..` the planted petitions, burst by burst, then the background.
    pub key: u64,
    /// Day received, from 2024-01-01 (see [`date`]).
    pub day: u32,
    /// District, below [`DISTRICTS`].
    pub district: usize,
    /// Title.
    pub title: String,
    /// Text.
    pub text: String,
    /// Department, below [`DEPARTMENTS`].
    pub department: usize,
    /// Risk kind flagged, one of [`RISKS`].
    pub risk: Option<&'static str>,
    /// A key standing for the petitioner, on seven petitions in ten.
    pub petitioner: Option<u64>,
    /// The index of the planted burst it belongs to, if any.
    pub burst: Option<usize>,
}

impl Petition {
    /// Its id, `P` and the key in at least seven digits.
    pub fn id(&self) -> String {
        format!("P{:07}", self.key)
    }
}

/// `YYYY-MM-DD` of a day counted from 2024-01-01.
pub fn date(day: u32) -> String {
    const MONTH_DAYS: [u32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let (mut year, mut day) = (2024u32, day);
    loop {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days = 365 + u32::from(leap);
        if day >= days {
            day -= days;
            year += 1;
            continue;
        }
        for (month, &len) in MONTH_DAYS.iter().enumerate() {
            let len = len + u32::from(leap && month == 1);
            if day < len {
                return format!("{year:04}-{:02}-{:02}", month + 1, day + 1);
            }
            day -= len;
        }
    }
}

/// A corpus of dated petitions: the planted bursts' members (keys `0..planted`) and the
/// background (the other keys), in an order that hides the bursts among the rest. Petitions
/// are made on demand ([`Corpus::petition`]), so a caller can make them in parallel or
/// stream them without holding them all.
#[derive(Debug, Clone)]
pub struct Corpus {
    generator: Generator,
    bursts: Vec<Burst>,
    /// Per position: the key and its burst.
    order: Vec<(u64, Option<u32>)>,
}

impl Corpus {
    /// `total` petitions (at least the planted ones) with the bursts of `generator`'s seed.
    pub fn new(generator: Generator, total: usize) -> Corpus {
        let bursts = generator.bursts();
        let planted: usize = bursts.iter().map(|b| b.size).sum();
        let mut order: Vec<(u64, Option<u32>)> = bursts
            .iter()
            .enumerate()
            .flat_map(|(b, burst)| std::iter::repeat_n(Some(b as u32), burst.size))
            .chain(std::iter::repeat_n(None, total.saturating_sub(planted)))
            .enumerate()
            .map(|(key, b)| (key as u64, b))
            .collect();
        let mut rng = Rng(7 ^ generator.seed);
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        Corpus {
            generator,
            bursts,
            order,
        }
    }

    /// Petitions in the corpus.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    /// Whether it holds no petition (never: the planted ones are always there).
    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The planted bursts.
    pub fn bursts(&self) -> &[Burst] {
        &self.bursts
    }

    /// The generator.
    pub fn generator(&self) -> &Generator {
        &self.generator
    }

    /// The petition at `position` (below [`Corpus::len`]).
    pub fn petition(&self, position: usize) -> Petition {
        let (key, burst) = self.order[position];
        let burst = burst.map(|b| (b as usize, &self.bursts[b as usize]));
        self.generator.petition(key, burst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_are_planted_whole_in_their_district_and_week() {
        let corpus = Corpus::new(Generator::new(0), 0);
        let planted: usize = corpus.bursts().iter().map(|b| b.size).sum();
        assert_eq!(corpus.len(), planted);
        let mut members = vec![0; BURSTS];
        for position in 0..corpus.len() {
            let p = corpus.petition(position);
            let b = &corpus.bursts()[p.burst.expect("only planted petitions")];
            members[p.burst.unwrap()] += 1;
            assert_eq!(p.district, b.district);
            assert!((b.week_start..b.week_start + 7).contains(&p.day));
            let name: String = b.name.iter().collect();
            assert!(p.title.contains(&name) && p.text.contains(&name));
        }
        let sizes: Vec<usize> = corpus.bursts().iter().map(|b| b.size).collect();
        assert_eq!(members, sizes);
    }

    #[test]
    fn reproducible_and_seeded() {
        let a = Corpus::new(Generator::new(0), 5_000);
        let b = Corpus::new(Generator::new(0), 5_000);
        let c = Corpus::new(Generator::new(1), 5_000);
        assert_eq!(a.petition(4_321), b.petition(4_321));
        assert_ne!(a.petition(4_321).text, c.petition(4_321).text);
        let p = a.petition(17);
        assert!((120..=360).contains(&p.text.chars().filter(|&c| c != '，' && c != '。').count()));
        assert_eq!(p.id().len(), 8);
    }

    #[test]
    fn dates() {
        assert_eq!(date(0), "2024-01-01");
        assert_eq!(date(59), "2024-02-29");
        assert_eq!(date(365), "2024-12-31");
        assert_eq!(date(366), "2025-01-01");
    }
}
