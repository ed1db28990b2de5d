//! The hashes behind shingles, permutations and band keys. Signatures are rebuilt from the
//! store at start and compared with ones made by other processes and machines, so every hash
//! here is written out with fixed constants and pinned by a test, instead of borrowing a
//! crate's or std's hasher (whose algorithm may change, or is seeded per process).

use crate::params::MAX_HASHES;

/// The feature hash's FxHash step and MurmurHash3 finaliser, fixed forever.
pub(crate) use pr_text::hash::{finish, step};

/// SplitMix64, the generator the permutation seeds are drawn from (at compile time).
pub(crate) const fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The MinHash permutations `h_i(x) = mul[i]·x + add[i] mod 2³²`, one per signature value.
/// Permutation `i` does not depend on how many there are, so a signature of 60 values is the
/// first 60 values of one of 120.
pub(crate) struct Seeds {
    /// Odd multipliers: an odd number is invertible mod 2³², so each `h_i` permutes all u32.
    pub(crate) mul: [u32; MAX_HASHES],
    /// Offsets.
    pub(crate) add: [u32; MAX_HASHES],
}

/// The permutations, fixed forever: changing them invalidates every stored signature.
pub(crate) static SEEDS: Seeds = {
    // "petition" in ASCII: any fixed value works; this one is easy to recognise.
    let mut state = 0x7065_7469_7469_6f6e_u64;
    let mut seeds = Seeds {
        mul: [0; MAX_HASHES],
        add: [0; MAX_HASHES],
    };
    let mut i = 0;
    while i < MAX_HASHES {
        seeds.mul[i] = (splitmix64(&mut state) as u32) | 1;
        seeds.add[i] = splitmix64(&mut state) as u32;
        i += 1;
    }
    seeds
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_stable_across_releases() {
        // Pinned values: if these change, signatures rebuilt at start no longer match the
        // ones computed before, and repeats go unnoticed.
        assert_eq!(
            finish(step(step(3, '投' as u64), '诉' as u64)),
            0x1c3d_e081_9f26_4197
        );
        assert_eq!((SEEDS.mul[0], SEEDS.add[0]), (0x6543_1961, 0x1f3c_07b9));
        assert_eq!(
            (SEEDS.mul[MAX_HASHES - 1], SEEDS.add[MAX_HASHES - 1]),
            (0xe36d_b791, 0x584d_62e5)
        );
    }
}
