//! Checked parameters, in the linfa style: [`Params`] collects values, [`Params::check`] turns
//! them into [`ValidParams`], the only form the rest of the crate accepts.

use thiserror::Error;

/// Most MinHash values a signature may have. Seeds for this many permutations are built at
/// compile time; 256 is twice the useful range (beyond ~200 the estimate's error hardly
/// shrinks while signing time and memory keep growing).
pub const MAX_HASHES: usize = 256;

/// Longest shingle, in characters. Beyond a few characters a one-character edit destroys so
/// many shingles that near-duplicates stop looking alike.
pub const MAX_SHINGLE: usize = 8;

/// The band table holds `max_entries × bands` entries, each with a 32-bit slot number and at
/// most 2³² of them in all.
const MAX_BAND_ENTRIES: usize = u32::MAX as usize;

/// Parameters of signatures and of the index, unchecked. Start from [`Params::default`],
/// change what you need, then call [`Params::check`].
///
/// ```
/// let params = pr_similar::Params::default().max_entries(50_000).check()?;
/// assert_eq!((params.hashes(), params.bands(), params.rows()), (120, 40, 3));
/// # Ok::<(), pr_similar::ParamsError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    hashes: usize,
    bands: usize,
    shingle: usize,
    max_entries: usize,
}

impl Default for Params {
    /// 120 hashes in 40 bands of 3 rows, 3-character shingles, at most 1,000,000 entries.
    ///
    /// - 40 bands × 3 rows finds a pair of Jaccard similarity 0.5 with probability 0.995
    ///   (`1 − (1 − 0.5³)⁴⁰`), while a pair at 0.05, already rare among unrelated petitions,
    ///   becomes a candidate with probability 0.005 (see [`candidate_probability`]). Over the
    ///   trigram similarities of 4.5 million pairs of real petitions, that makes ~17
    ///   candidates per query at a million entries, half of them true repeats; 60 bands of 2
    ///   rows would make ~500, and 4 rows would need 72 bands (288 hashes) for the same 0.99
    ///   at 0.5.
    /// - 120 hashes (= 40 × 3) estimate a similarity of 0.5 with a standard error of
    ///   √(0.25 / 120) = 0.046, enough to tell a repeat (≥ 0.5) from a petition on the same
    ///   topic (≤ 0.1); each costs 2 bytes per stored petition and, for 300 characters,
    ///   ~0.03 µs of signing with AVX2 (~0.12 µs without).
    /// - 3-character shingles: Chinese bigrams are shared by unrelated petitions (我们, 小区,
    ///   没有), 4-grams let one edited character erase four shingles; with trigrams a
    ///   one-character edit changes at most 3 of ~300 shingles.
    /// - 1,000,000 entries keeps the index near 0.7 GB, within the 1 GB budget, whatever the
    ///   traffic; raise it only with the memory to match ([`crate::Index::heap_bytes`]).
    fn default() -> Self {
        Params {
            hashes: 120,
            bands: 40,
            shingle: 3,
            max_entries: 1_000_000,
        }
    }
}

impl Params {
    /// Number of MinHash values per signature (1 to [`MAX_HASHES`]); more makes the similarity
    /// estimate finer (standard error √(s(1 − s) / hashes)) and costs signing time and memory.
    pub fn hashes(mut self, hashes: usize) -> Self {
        self.hashes = hashes;
        self
    }

    /// Number of LSH bands; must divide `hashes`, and each band then has `hashes / bands` rows.
    /// More bands (fewer rows) find less similar pairs, and make more candidates to verify.
    pub fn bands(mut self, bands: usize) -> Self {
        self.bands = bands;
        self
    }

    /// Shingle length in characters (1 to [`MAX_SHINGLE`]), counting only letters, digits and
    /// ideographs.
    pub fn shingle(mut self, shingle: usize) -> Self {
        self.shingle = shingle;
        self
    }

    /// Most entries the index holds; when full, inserting evicts the oldest entry. Memory is
    /// proportional to this cap, not to the traffic.
    pub fn max_entries(mut self, max_entries: usize) -> Self {
        self.max_entries = max_entries;
        self
    }

    /// Checks the parameters; the error says which value to change and to what.
    pub fn check(self) -> Result<ValidParams, ParamsError> {
        let Params {
            hashes,
            bands,
            shingle,
            max_entries,
        } = self;
        if !(1..=MAX_HASHES).contains(&hashes) {
            return Err(ParamsError::Hashes(hashes));
        }
        if bands == 0 || hashes % bands != 0 {
            let divisors: Vec<String> = (1..=hashes)
                .filter(|d| hashes % d == 0)
                .map(|d| d.to_string())
                .collect();
            return Err(ParamsError::Bands {
                bands,
                hashes,
                choices: divisors.join(", "),
            });
        }
        if !(1..=MAX_SHINGLE).contains(&shingle) {
            return Err(ParamsError::Shingle(shingle));
        }
        let most = MAX_BAND_ENTRIES / bands;
        if !(1..=most).contains(&max_entries) {
            return Err(ParamsError::MaxEntries {
                max_entries,
                bands,
                most,
            });
        }
        Ok(ValidParams {
            hashes,
            bands,
            shingle,
            max_entries,
        })
    }
}

/// Parameters that passed [`Params::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidParams {
    hashes: usize,
    bands: usize,
    shingle: usize,
    max_entries: usize,
}

impl Default for ValidParams {
    /// [`Params::default`], checked.
    fn default() -> Self {
        Params::default()
            .check()
            .expect("the default parameters are valid")
    }
}

impl ValidParams {
    /// MinHash values per signature.
    pub fn hashes(&self) -> usize {
        self.hashes
    }

    /// LSH bands.
    pub fn bands(&self) -> usize {
        self.bands
    }

    /// Rows (signature values) per band: `hashes / bands`.
    pub fn rows(&self) -> usize {
        self.hashes / self.bands
    }

    /// Shingle length in characters.
    pub fn shingle(&self) -> usize {
        self.shingle
    }

    /// Most entries the index holds.
    pub fn max_entries(&self) -> usize {
        self.max_entries
    }

    /// Probability that a stored petition of Jaccard similarity `s` to the query becomes a
    /// candidate with these bands and rows; see [`candidate_probability`].
    pub fn candidate_probability(&self, s: f64) -> f64 {
        candidate_probability(s, self.bands, self.rows())
    }
}

/// Probability that two texts of Jaccard similarity `s` (clamped to 0..=1) share at least one
/// of `bands` bands of `rows` MinHash values, so that the index verifies the pair:
/// `1 − (1 − s^rows)^bands`.
///
/// A band matches when all its rows match, probability `s^rows`; the bands are independent,
/// so the pair is missed only when every band misses. The curve is an S: near 0 for small `s`,
/// near 1 above roughly `(1 / bands)^(1 / rows)` (0.29 for the defaults). A pair that is never
/// a candidate is never returned, whatever `min_similarity` the query asks for, so choose
/// bands and rows for the lowest similarity that must be found.
///
/// | s    | 40 × 3 (default) | 32 × 4 | 64 × 2 |
/// |------|------------------|--------|--------|
/// | 0.05 | 0.005            | 0.0002 | 0.148  |
/// | 0.1  | 0.039            | 0.003  | 0.474  |
/// | 0.3  | 0.665            | 0.229  | 0.998  |
/// | 0.5  | 0.995            | 0.873  | 1.000  |
/// | 0.8  | 1.000            | 1.000  | 1.000  |
pub fn candidate_probability(s: f64, bands: usize, rows: usize) -> f64 {
    let s = s.clamp(0.0, 1.0);
    let band = s.powi(rows.min(i32::MAX as usize) as i32);
    1.0 - (1.0 - band).powi(bands.min(i32::MAX as usize) as i32)
}

/// A parameter value that [`Params::check`] refused, with what to change.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParamsError {
    /// `hashes` is 0 or above [`MAX_HASHES`].
    #[error("hashes = {0}: a signature needs between 1 and {MAX_HASHES} MinHash values (120 is the default)")]
    Hashes(usize),
    /// `bands` is 0 or does not divide `hashes`.
    #[error("bands = {bands} does not divide hashes = {hashes}: choose bands from {choices}, or change hashes")]
    Bands {
        /// The refused number of bands.
        bands: usize,
        /// The number of hashes it had to divide.
        hashes: usize,
        /// The divisors of `hashes`, comma separated.
        choices: String,
    },
    /// `shingle` is 0 or above [`MAX_SHINGLE`].
    #[error("shingle = {0}: shingles must be 1 to {MAX_SHINGLE} characters long (3 suits Chinese petitions)")]
    Shingle(usize),
    /// `max_entries` is 0, or so large that the band table would need more than 2³² entries.
    #[error("max_entries = {max_entries}: the index must hold between 1 and {most} entries with {bands} bands (the band table holds max_entries × bands entries, at most 2^32)")]
    MaxEntries {
        /// The refused cap.
        max_entries: usize,
        /// The number of bands it was checked with.
        bands: usize,
        /// The largest cap allowed with that many bands.
        most: usize,
    },
}
