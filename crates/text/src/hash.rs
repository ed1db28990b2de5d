//! The feature hash. It is part of the model file format (a model trained with one hash only
//! works with the same hash) and of stored similarity signatures (`pr-similar`), so it lives
//! here, written out, instead of borrowing a crate's hasher whose algorithm may change between
//! releases. Never change it.

/// Multiplier of the FxHash step (rustc's hasher): cheap and good enough once finalised.
const K: u64 = 0x517c_c1b7_2722_0a95;

/// One mixing step: folds `word` into `h`.
#[inline(always)]
pub fn step(h: u64, word: u64) -> u64 {
    (h.rotate_left(5) ^ word).wrapping_mul(K)
}

/// MurmurHash3's 64-bit finaliser, so that the top bits used as bucket index are well mixed.
#[inline(always)]
pub fn finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Hash of a byte string, eight bytes at a time, seeded by the feature kind.
#[inline]
pub(crate) fn bytes(seed: u64, s: &[u8]) -> u64 {
    let mut h = step(seed, s.len() as u64);
    let mut chunks = s.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = step(h, u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        h = step(h, u64::from_le_bytes(word));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_stable_across_releases() {
        // Pinned values: if these change, every saved model silently breaks.
        assert_eq!(
            finish(bytes(1, "农民工工资".as_bytes())),
            0xb2db_c813_ac69_2fc2
        );
        assert_eq!(
            finish(step(step(2, 'a' as u64), 'b' as u64)),
            0x25c2_466d_8bc9_dc03
        );
    }

    #[test]
    fn separates_seeds_and_lengths() {
        assert_ne!(bytes(1, b"ab"), bytes(2, b"ab"));
        assert_ne!(bytes(1, b"ab"), bytes(1, b"ab\0"));
    }
}
