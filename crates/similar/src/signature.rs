//! Character shingles and their MinHash signature.

use crate::hash::{finish, step, SEEDS};
use crate::params::{ValidParams, MAX_HASHES};

/// Characters, and then shingle hashes, are gathered in chunks of this many on the stack, so
/// that signing allocates only the signature, whatever the length of the text.
const CHUNK: usize = 256;

/// Seed of the band key hash: "band" in ASCII (any fixed value works).
const BAND_SEED: u64 = 0x6261_6e64;

/// The MinHash signature of a text: for each of `hashes` permutations of the shingle hashes,
/// the smallest value, kept as 16 bits.
///
/// Why 16 bits (b-bit MinHash): two signatures agree on a value with probability `J` (the
/// Jaccard similarity of their shingle sets) plus `(1 − J)·2⁻¹⁶` for values that differ but
/// share their 16 bits. That bias, 0.000015 at most, is far below the estimate's own standard
/// error (0.046 at J = 0.5 with 120 hashes), so it is not corrected; 8 bits would bias by
/// 0.004 and let unrelated petitions share a 3-row band once per 2²⁴ comparisons (a few false
/// candidates per query at a million entries); 32 bits would double the memory for nothing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Signature {
    /// One value per permutation; empty when the text had no letter, digit or ideograph.
    values: Box<[u16]>,
}

impl Signature {
    /// Signs `text`, which the caller has normalised (`pr_text::normalise`). Only letters,
    /// digits and ideographs count: whitespace, punctuation and symbols are skipped, so a
    /// petition reformatted or re-punctuated keeps its signature. A text shorter than the
    /// shingle length makes one shingle of what it has.
    pub fn new(text: &str, params: &ValidParams) -> Signature {
        Self::from_iter(text.chars(), params)
    }

    /// Signs a text given as characters; the same signature as [`Signature::new`] of the
    /// string they spell.
    pub fn from_chars(text: &[char], params: &ValidParams) -> Signature {
        Self::from_iter(text.iter().copied(), params)
    }

    fn from_iter(chars: impl Iterator<Item = char>, params: &ValidParams) -> Signature {
        let mut mins = [u32::MAX; MAX_HASHES];
        let mins = &mut mins[..params.hashes()];
        let mut chunk = [0u32; CHUNK];
        let mut filled = 0;
        let mut any = false;
        shingles(chars, params.shingle(), |hash| {
            chunk[filled] = hash;
            filled += 1;
            any = true;
            if filled == CHUNK {
                minhash(&chunk, mins);
                filled = 0;
            }
        });
        if !any {
            return Signature {
                values: Box::new([]),
            };
        }
        minhash(&chunk[..filled], mins);
        Signature {
            values: mins.iter().map(|&min| truncate(min)).collect(),
        }
    }

    /// Estimated Jaccard similarity of the two texts' shingle sets, in 0..=1: the share of
    /// signature values that agree. 0 when either text had nothing to sign.
    ///
    /// Signatures of different lengths are compared over the shorter: permutation `i` is the
    /// same whatever the number of hashes, so that is still an estimate (with the shorter
    /// signature's error), provided both used the same shingle length.
    pub fn similarity(&self, other: &Signature) -> f32 {
        similarity(&self.values, &other.values)
    }

    /// The signature's values, one per permutation.
    pub fn values(&self) -> &[u16] {
        &self.values
    }

    /// Number of values: `hashes`, or 0 for an empty signature.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when the text had no letter, digit or ideograph; such a signature is similar to
    /// nothing.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// Share of equal values over the shorter of `a` and `b`; 0 when either is empty.
pub(crate) fn similarity(a: &[u16], b: &[u16]) -> f32 {
    let n = a.len().min(b.len());
    if n == 0 {
        return 0.0;
    }
    // Counting in u32 (not `filter().count()`'s usize) lets the loop vectorise 8 lanes wide.
    let equal: u32 = a[..n]
        .iter()
        .zip(&b[..n])
        .map(|(x, y)| u32::from(x == y))
        .sum();
    equal as f32 / n as f32
}

/// Hash of each band of `rows` values of `values`, written to `tags` (one per band). The
/// index keys its band table by these; they depend only on the stored 16-bit values, so an
/// entry can be found again from the stored signature when it is removed.
pub(crate) fn band_tags(values: &[u16], rows: usize, tags: &mut [u32]) {
    for ((band, rows), tag) in values.chunks_exact(rows).enumerate().zip(tags) {
        let mut h = step(BAND_SEED, band as u64);
        for word in rows.chunks(4) {
            // Packed arithmetically, not by transmuting memory, so that the key is the same
            // on every platform.
            let packed = word
                .iter()
                .enumerate()
                .fold(0u64, |acc, (i, &v)| acc | u64::from(v) << (16 * i));
            h = step(h, packed);
        }
        *tag = (finish(h) >> 32) as u32;
    }
}

/// Calls `emit` with the hash of each `n`-character shingle of the letters, digits and
/// ideographs of `chars`, or once with the hash of all of them when there are fewer than `n`.
/// The exact Jaccard similarity of two texts' shingle sets, which signatures estimate: the
/// baseline an evaluation compares them with (it keeps every shingle, so it does not scale).
pub fn exact_similarity(a: &str, b: &str, params: &ValidParams) -> f32 {
    let set = |text: &str| {
        let mut hashes = Vec::new();
        shingles(text.chars(), params.shingle(), |h| hashes.push(h));
        hashes.sort_unstable();
        hashes.dedup();
        hashes
    };
    let (a, b) = (set(a), set(b));
    let union = a.len() + b.len();
    if union == 0 {
        return 0.0;
    }
    let shared = a.iter().filter(|h| b.binary_search(h).is_ok()).count();
    shared as f32 / (union - shared) as f32
}

fn shingles(chars: impl Iterator<Item = char>, n: usize, mut emit: impl FnMut(u32)) {
    // Kept characters are buffered and their windows hashed a chunk at a time; the last
    // `n − 1` characters carry over to start the next chunk.
    let mut buf = [0u32; CHUNK];
    let mut len = 0;
    let mut total = 0usize;
    for c in chars.filter(|&c| counts(c)) {
        buf[len] = u32::from(c);
        len += 1;
        total += 1;
        if len == CHUNK {
            buf.windows(n).for_each(|w| emit(shingle_hash(w)));
            buf.copy_within(CHUNK + 1 - n.., 0);
            len = n - 1;
        }
    }
    if total >= n {
        buf[..len].windows(n).for_each(|w| emit(shingle_hash(w)));
    } else if total > 0 {
        emit(shingle_hash(&buf[..len]));
    }
}

/// Whether a character is part of a shingle: `char::is_alphanumeric`, with the common cases
/// (CJK ideographs, ASCII) decided without its table search, which otherwise takes more time
/// than all the hashing.
#[inline]
fn counts(c: char) -> bool {
    match c {
        '\u{4e00}'..='\u{9fff}' => true,
        _ if c.is_ascii() => c.is_ascii_alphanumeric(),
        // Chinese punctuation: 、。 and the ideographic space; dashes, quotes, …
        '\u{3000}'..='\u{3004}' | '\u{2010}'..='\u{2027}' => false,
        _ => c.is_alphanumeric(),
    }
}

/// The base hash of one shingle; the permutations are applied to it.
#[inline]
fn shingle_hash(chars: &[u32]) -> u32 {
    let h = chars
        .iter()
        .fold(chars.len() as u64, |h, &c| step(h, u64::from(c)));
    (finish(h) >> 32) as u32
}

/// Keeps 16 bits of a minimum. Not its top bits: the minimum of ~300 uniform values is below
/// 2³² / 300, so its top bits are nearly always 0. The odd multiplier spreads all 32 bits into
/// the top 16.
#[inline]
fn truncate(min: u32) -> u16 {
    (min.wrapping_mul(0x9e37_79b1) >> 16) as u16
}

/// Lowers `mins[i]` to the smallest `h_i(x)` over the shingle hashes `xs`.
fn minhash(xs: &[u32], mins: &mut [u32]) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: `minhash_avx2` needs AVX2 only, and the CPU has it (checked just above).
        unsafe { minhash_avx2(xs, mins) };
        return;
    }
    minhash_body(xs, mins);
}

/// [`minhash_body`] compiled for AVX2: 8 permutations per instruction instead of SSE2's 4
/// (with an emulated 32-bit multiply); signing 300 characters drops from ~15 µs to ~4 µs.
/// Integer arithmetic only, so the result is the same bit for bit.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn minhash_avx2(xs: &[u32], mins: &mut [u32]) {
    minhash_body(xs, mins);
}

/// The MinHash pass: `h_i(x) = mul[i]·x + add[i] mod 2³²`, a cheap universal hash of the base
/// hash `x`. The inner loop runs over the permutations, which vectorises; the minima stay in
/// the L1 cache.
#[inline(always)]
fn minhash_body(xs: &[u32], mins: &mut [u32]) {
    let k = mins.len();
    let (mul, add) = (&SEEDS.mul[..k], &SEEDS.add[..k]);
    for &x in xs {
        for ((min, &m), &a) in mins.iter_mut().zip(mul).zip(add) {
            *min = (*min).min(m.wrapping_mul(x).wrapping_add(a));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fast_paths_agree_with_is_alphanumeric() {
        let ranges = [
            0..0x80,
            0x2000..0x2100,
            0x3000..0x3100,
            0x4d00..0xa100,
            0xff00..0xff70,
        ];
        for c in ranges.into_iter().flatten().filter_map(char::from_u32) {
            assert_eq!(counts(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn long_texts_carry_shingles_across_chunks() {
        // Every window of a text longer than several chunks, each exactly once.
        let text: Vec<char> = (0..1_000u32)
            .map(|i| char::from_u32(0x4e00 + i).unwrap())
            .collect();
        for n in [1, 3, 8] {
            let mut hashes = Vec::new();
            shingles(text.iter().copied(), n, |h| hashes.push(h));
            let want: Vec<u32> = text
                .windows(n)
                .map(|w| shingle_hash(&w.iter().map(|&c| u32::from(c)).collect::<Vec<_>>()))
                .collect();
            assert_eq!(hashes, want, "n = {n}");
        }
    }

    #[test]
    fn every_code_path_computes_the_same_minima() {
        // The AVX2 path is taken on most x86_64 machines, the portable one elsewhere: stored
        // signatures must not depend on which machine made them.
        let xs: Vec<u32> = (0..1_000u32)
            .map(|i| i.wrapping_mul(0x9e37_79b9) ^ 0x5bd1_e995)
            .collect();
        for k in [1, 7, 120, MAX_HASHES] {
            let mut dispatched = vec![u32::MAX; k];
            let mut portable = vec![u32::MAX; k];
            minhash(&xs, &mut dispatched);
            minhash_body(&xs, &mut portable);
            assert_eq!(dispatched, portable);
        }
    }
}
