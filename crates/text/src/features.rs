//! Hashed sparse features: word unigrams and bigrams from jieba, plus character n-grams.
//!
//! A document becomes a sparse vector: each distinct bucket keeps how often it occurs (capped
//! at 255), and its value is [`term_weight`] of that count, `1 + ln(count)` (sub-linear term
//! frequency). Inverse document frequency and the scaling to unit length depend on the
//! training data, so the model applies them (see `pr_model::LinearClassifier`).

use crate::hash;
use crate::segment::Segmenter;
use serde::{Deserialize, Serialize};

/// Seeds that keep the three feature kinds apart in the hash space.
const SEED_WORD: u64 = 0x776f_7264;
const SEED_PAIR: u64 = 0x7061_6972;
const SEED_CHARS: u64 = 0x0063_6861_7273;

/// How text becomes features. Stored in the model file: serving must use the training values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureConfig {
    /// Features are hashed into `2^hash_bits` buckets.
    pub hash_bits: u8,
    /// 1: word unigrams; 2: unigrams and bigrams.
    pub word_ngrams: u8,
    /// Shortest character n-gram (0 disables character n-grams).
    pub char_ngram_min: u8,
    /// Longest character n-gram.
    pub char_ngram_max: u8,
    /// Whether jieba's HMM guesses words missing from its dictionary.
    pub hmm: bool,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            hash_bits: 20,
            // Measured on tipdm2020 (5-fold macro-F1): word bigrams and character trigrams
            // add noise faster than signal at this data size.
            word_ngrams: 1,
            char_ngram_min: 1,
            char_ngram_max: 2,
            hmm: false,
        }
    }
}

/// A [`FeatureConfig`] value outside its valid range.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid feature configuration: {0}")]
pub struct FeatureConfigError(String);

impl FeatureConfig {
    /// Checks every field; the error says which one and its valid range.
    pub fn validate(&self) -> Result<(), FeatureConfigError> {
        if !(12..=26).contains(&self.hash_bits) {
            return Err(FeatureConfigError(format!(
                "hash_bits is {}, must be 12 to 26",
                self.hash_bits
            )));
        }
        if !(1..=2).contains(&self.word_ngrams) {
            return Err(FeatureConfigError(format!(
                "word_ngrams is {}, must be 1 or 2",
                self.word_ngrams
            )));
        }
        let (lo, hi) = (self.char_ngram_min, self.char_ngram_max);
        if lo != 0 && !(lo <= hi && hi <= 5) {
            return Err(FeatureConfigError(format!(
                "char n-gram range {lo}..={hi} is invalid: need 1 <= min <= max <= 5, or min = 0 to disable"
            )));
        }
        Ok(())
    }
}

/// What produced a feature; with [`Feature::span`] it lets evidence be shown as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeatureKind {
    /// A jieba word.
    Word,
    /// Two adjacent jieba words.
    WordPair,
    /// A run of characters.
    Chars,
}

/// One distinct feature of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Feature {
    /// Hash bucket, below `2^hash_bits`.
    pub bucket: u32,
    /// Word, word pair or character n-gram: which text [`Feature::span`] covers.
    pub kind: FeatureKind,
    /// Byte range in the analysed text of the first occurrence.
    pub span: (u32, u32),
}

/// The sparse vector of one document: distinct features sorted by bucket, with how often each
/// occurs, up to 255 (`1 + ln` of it barely grows beyond). Counts, not values, so that training
/// can store them exactly in a byte.
#[derive(Debug, Default, Clone)]
pub struct DocFeatures {
    /// The distinct features, sorted by bucket, each with its first occurrence.
    pub features: Vec<Feature>,
    /// How often each feature of [`DocFeatures::features`] occurs (same index), capped at 255.
    pub counts: Vec<u8>,
}

/// The value of a feature seen `count` times: `1 + ln(count)` (sub-linear term frequency), so
/// 1.0 for one occurrence and about 3.3 for ten. A count of 0 (never stored) also gives 1.0.
#[inline]
pub fn term_weight(count: u8) -> f32 {
    term_weights()[usize::from(count)]
}

/// [`term_weight`] of every count, indexed by count: routing looks up hundreds of features a
/// petition, and `ln` per feature was 2 % of its instructions.
pub fn term_weights() -> &'static [f32; 256] {
    static TABLE: std::sync::LazyLock<[f32; 256]> = std::sync::LazyLock::new(|| {
        std::array::from_fn(|n| match n {
            0 | 1 => 1.0,
            n => 1.0 + (n as f32).ln(),
        })
    });
    &TABLE
}

impl DocFeatures {
    /// Number of distinct features.
    pub fn len(&self) -> usize {
        self.features.len()
    }

    /// True when the document produced no feature at all.
    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// `(bucket, value)` pairs in bucket order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, f32)> + '_ {
        let weights = term_weights();
        self.features
            .iter()
            .map(|f| f.bucket)
            .zip(self.counts.iter().map(|&c| weights[usize::from(c)]))
    }
}

/// Turns normalised text into [`DocFeatures`]. Cheap to share between threads.
#[derive(Debug)]
pub struct FeatureExtractor {
    config: FeatureConfig,
    segmenter: Segmenter,
    shift: u32,
}

/// Reusable buffers, so that routing a petition allocates nothing once warmed up.
#[derive(Debug, Default)]
pub struct Scratch {
    raw: Vec<Feature>,
    sort: SortScratch,
    chars: Vec<(u32, char)>,
}

impl FeatureExtractor {
    /// Builds an extractor; `user_words` go into the jieba dictionary.
    pub fn new<'w>(
        config: FeatureConfig,
        user_words: impl IntoIterator<Item = &'w str>,
    ) -> Result<Self, FeatureConfigError> {
        config.validate()?;
        let segmenter = Segmenter::new(user_words, config.hmm);
        let shift = 64 - u32::from(config.hash_bits);
        Ok(FeatureExtractor {
            config,
            segmenter,
            shift,
        })
    }

    /// The configuration this extractor was built with.
    pub fn config(&self) -> &FeatureConfig {
        &self.config
    }

    /// Number of hash buckets.
    pub fn dimension(&self) -> usize {
        1 << self.config.hash_bits
    }

    /// The segmenter, for callers that also want the words.
    pub fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }

    /// Extracts the features of already normalised `text` into `out`.
    pub fn extract_into(&self, text: &str, scratch: &mut Scratch, out: &mut DocFeatures) {
        scratch.raw.clear();
        self.word_features(text, &mut scratch.raw);
        if self.config.char_ngram_min > 0 {
            self.char_features(text, &mut scratch.chars, &mut scratch.raw);
        }
        collapse(&scratch.raw, self.config.hash_bits, &mut scratch.sort, out);
    }

    /// Extracts the features of `text` with fresh buffers (training, tests).
    pub fn extract(&self, text: &str) -> DocFeatures {
        let mut out = DocFeatures::default();
        self.extract_into(text, &mut Scratch::default(), &mut out);
        out
    }

    fn bucket(&self, h: u64) -> u32 {
        // `shift` is at least 38, so the result fits in u32.
        (hash::finish(h) >> self.shift) as u32
    }

    fn word_features(&self, text: &str, out: &mut Vec<Feature>) {
        let base = text.as_ptr() as usize;
        let mut previous: Option<(u64, u32)> = None;
        for word in self.segmenter.words(text) {
            let start = (word.as_ptr() as usize - base) as u32;
            let end = start + word.len() as u32;
            let h = word_hash(word);
            out.push(Feature {
                bucket: self.bucket(h),
                kind: FeatureKind::Word,
                span: (start, end),
            });
            if self.config.word_ngrams >= 2 {
                if let Some((ph, pstart)) = previous {
                    out.push(Feature {
                        bucket: self.bucket(hash::step(hash::step(SEED_PAIR, ph), h)),
                        kind: FeatureKind::WordPair,
                        span: (pstart, end),
                    });
                }
            }
            previous = Some((h, start));
        }
    }

    fn char_features(&self, text: &str, chars: &mut Vec<(u32, char)>, out: &mut Vec<Feature>) {
        let (lo, hi) = (
            usize::from(self.config.char_ngram_min),
            usize::from(self.config.char_ngram_max),
        );
        // n-grams stay within runs of non-space characters.
        for (run_start, run) in runs(text) {
            chars.clear();
            chars.extend(run.char_indices().map(|(i, c)| ((run_start + i) as u32, c)));
            for i in 0..chars.len() {
                let mut h = SEED_CHARS;
                for n in 1..=hi.min(chars.len() - i) {
                    let (_, c) = chars[i + n - 1];
                    h = hash::step(h, u64::from(fold_digit(c)));
                    if n >= lo {
                        let start = chars[i].0;
                        let end = chars
                            .get(i + n)
                            .map_or(run_start + run.len(), |&(p, _)| p as usize);
                        out.push(Feature {
                            bucket: self.bucket(h),
                            kind: FeatureKind::Chars,
                            span: (start, end as u32),
                        });
                    }
                }
            }
        }
    }
}

/// Runs of non-space characters with their byte offsets (normalised text has single spaces).
fn runs(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let base = text.as_ptr() as usize;
    text.split(' ')
        .filter(|r| !r.is_empty())
        .map(move |r| (r.as_ptr() as usize - base, r))
}

/// Digits are folded to 0: phone numbers, dates and amounts carry no routing signal digit by
/// digit, and must not turn into thousands of one-off features.
fn fold_digit(c: char) -> char {
    if c.is_ascii_digit() {
        '0'
    } else {
        c
    }
}

fn word_hash(word: &str) -> u64 {
    if word.bytes().any(|b| b.is_ascii_digit()) {
        let folded: Vec<u8> = word
            .bytes()
            .map(|b| if b.is_ascii_digit() { b'0' } else { b })
            .collect();
        hash::bytes(SEED_WORD, &folded)
    } else {
        hash::bytes(SEED_WORD, word.as_bytes())
    }
}

/// Sorts raw features by bucket and merges repeats into one feature with its count (capped at
/// 255; [`term_weight`] turns it into a value later). Sorting packed `bucket << 32 | position`
/// keys is much faster than sorting the features themselves, and keeps the first occurrence of
/// each bucket first.
fn collapse(raw: &[Feature], hash_bits: u8, scratch: &mut SortScratch, out: &mut DocFeatures) {
    out.features.clear();
    out.counts.clear();
    let keys = &mut scratch.keys;
    keys.clear();
    keys.extend(
        raw.iter()
            .enumerate()
            .map(|(i, f)| (u64::from(f.bucket) << 32) | i as u64),
    );
    sort_by_bucket(scratch, hash_bits);
    let keys = &scratch.keys;
    let mut i = 0;
    while i < keys.len() {
        let bucket = keys[i] >> 32;
        let mut j = i + 1;
        while j < keys.len() && keys[j] >> 32 == bucket {
            j += 1;
        }
        let count = j - i;
        out.features.push(raw[(keys[i] & 0xffff_ffff) as usize]);
        out.counts.push(count.min(255) as u8);
        i = j;
    }
}

/// Buffers of [`sort_by_bucket`].
#[derive(Debug, Default)]
struct SortScratch {
    keys: Vec<u64>,
    spare: Vec<u64>,
    counts: Vec<u32>,
}

/// Below this many keys a comparison sort beats the counting pass.
const RADIX_MIN_KEYS: usize = 128;
/// Bins holding more keys than this (long repetitive text) are sorted by comparison, so that
/// no input makes the insertion sort quadratic.
const INSERTION_MAX_KEYS: usize = 16;

/// Sorts `bucket << 32 | position` keys by bucket (`hash_bits` wide), keeping positions in
/// order within a bucket. A petition has about a thousand raw features and the comparison sort
/// was a quarter of routing's instructions: one counting pass on the top bits of the bucket
/// scatters the keys, in order, into about half as many bins as there are keys; each bin's
/// few keys are then put in order by insertion (two full LSD radix passes cost 3× more, most
/// of it in clearing and summing their 2 × 1,024 counters). Keys are distinct (the position
/// is part of them), so the result equals `sort_unstable`'s.
fn sort_by_bucket(scratch: &mut SortScratch, hash_bits: u8) {
    let SortScratch {
        keys,
        spare,
        counts,
    } = scratch;
    if keys.len() < RADIX_MIN_KEYS {
        keys.sort_unstable();
        return;
    }
    let bits = u32::from(hash_bits);
    let bin_bits = (keys.len().ilog2() - 1).min(bits);
    let shift = 32 + bits - bin_bits;
    // Every slot is overwritten by the scatter below: only the length matters.
    spare.resize(keys.len(), 0);
    counts.clear();
    counts.resize(1 << bin_bits, 0);
    for &k in keys.iter() {
        counts[(k >> shift) as usize] += 1;
    }
    let mut sum = 0;
    for c in counts.iter_mut() {
        (*c, sum) = (sum, sum + *c);
    }
    for &k in keys.iter() {
        let bin = &mut counts[(k >> shift) as usize];
        spare[*bin as usize] = k;
        *bin += 1;
    }
    std::mem::swap(keys, spare);
    // Each counter now holds the end of its bin.
    let mut start = 0;
    for &end in counts.iter() {
        let bin = &mut keys[start..end as usize];
        if bin.len() > INSERTION_MAX_KEYS {
            bin.sort_unstable();
        } else {
            insertion_sort(bin);
        }
        start = end as usize;
    }
}

fn insertion_sort(keys: &mut [u64]) {
    for i in 1..keys.len() {
        let k = keys[i];
        let mut j = i;
        while j > 0 && keys[j - 1] > k {
            keys[j] = keys[j - 1];
            j -= 1;
        }
        keys[j] = k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn extractor(config: FeatureConfig) -> FeatureExtractor {
        FeatureExtractor::new(config, ["农民工工资"]).unwrap()
    }

    #[test]
    fn features_are_sorted_and_distinct() {
        let doc = extractor(FeatureConfig::default()).extract("拖欠农民工工资，农民工工资至今未付");
        assert!(!doc.is_empty());
        assert!(doc.features.windows(2).all(|w| w[0].bucket < w[1].bucket));
    }

    #[test]
    fn repeated_words_weigh_more_but_sublinearly() {
        let e = extractor(FeatureConfig {
            char_ngram_min: 0,
            word_ngrams: 1,
            ..FeatureConfig::default()
        });
        let text = "农民工工资 农民工工资 农民工工资 停水";
        let doc = e.extract(text);
        let value_of = |word: &str| {
            doc.features
                .iter()
                .zip(doc.iter())
                .find(|(f, _)| &text[f.span.0 as usize..f.span.1 as usize] == word)
                .map(|(_, (_, v))| v)
                .unwrap()
        };
        let ratio = value_of("农民工工资") / value_of("停水");
        assert!((ratio - (1.0 + 3f32.ln())).abs() < 1e-4, "ratio {ratio}");
    }

    #[test]
    fn counts_saturate_at_255() {
        let e = extractor(FeatureConfig {
            char_ngram_min: 0,
            word_ngrams: 1,
            ..FeatureConfig::default()
        });
        let doc = e.extract(&"停水 ".repeat(300));
        assert_eq!(doc.counts, [255]);
    }

    #[test]
    fn spans_point_at_the_terms() {
        let text = "小区 停水三天";
        let doc = extractor(FeatureConfig {
            char_ngram_max: 3,
            ..FeatureConfig::default()
        })
        .extract(text);
        let terms: Vec<(&str, FeatureKind)> = doc
            .features
            .iter()
            .map(|f| (&text[f.span.0 as usize..f.span.1 as usize], f.kind))
            .collect();
        assert!(terms.contains(&("停水", FeatureKind::Word)), "{terms:?}");
        assert!(terms.contains(&("停水三", FeatureKind::Chars)), "{terms:?}");
        // Character n-grams never cross a space.
        assert!(!terms
            .iter()
            .any(|(t, k)| *k == FeatureKind::Chars && t.contains(' ')));
    }

    #[test]
    fn digits_do_not_make_new_features() {
        let e = extractor(FeatureConfig::default());
        let a: Vec<u32> = e
            .extract("电话13812345678")
            .iter()
            .map(|(b, _)| b)
            .collect();
        let b: Vec<u32> = e
            .extract("电话13998765432")
            .iter()
            .map(|(b, _)| b)
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn config_validation_names_the_field() {
        let bad = FeatureConfig {
            hash_bits: 40,
            ..FeatureConfig::default()
        };
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("hash_bits"));
        let bad = FeatureConfig {
            char_ngram_min: 4,
            char_ngram_max: 2,
            ..FeatureConfig::default()
        };
        assert!(FeatureExtractor::new(bad, []).is_err());
    }

    #[test]
    fn bucket_sort_orders_like_a_comparison_sort() {
        // Deterministic pseudo-random buckets with many repeats, at several widths and sizes,
        // and a repetitive text's few buckets interleaved thousands of times (large bins).
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut random = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut cases: Vec<(u8, Vec<u64>)> = Vec::new();
        for bits in [12u8, 20, 23, 26] {
            for n in [100u64, 128, 600, 3_000] {
                let keys = (0..n)
                    .map(|i| ((random() >> 40) & ((1 << bits) - 1) & !0xf) << 32 | i)
                    .collect();
                cases.push((bits, keys));
            }
        }
        let few = [7u64, 900_000, 3, 900_001];
        cases.push((
            20,
            (0..20_000u64)
                .map(|i| few[i as usize % 4] << 32 | i)
                .collect(),
        ));
        for (bits, keys) in cases {
            let mut expected = keys.clone();
            expected.sort_unstable();
            let n = keys.len();
            let mut scratch = SortScratch {
                keys,
                ..SortScratch::default()
            };
            sort_by_bucket(&mut scratch, bits);
            assert_eq!(scratch.keys, expected, "hash_bits {bits}, {n} keys");
        }
    }

    #[test]
    fn empty_text_has_no_features() {
        assert!(extractor(FeatureConfig::default()).extract("").is_empty());
    }
}
