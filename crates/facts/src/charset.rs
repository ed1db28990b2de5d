//! Sets of CJK characters as bitmaps built at compile time: one load and one shift per
//! test, where a `match` or `str::contains` over many characters costs a chain of
//! unpredictable branches on every character of every text.

/// First and one-past-last code points covered (the CJK Unified Ideographs block).
const FIRST: u32 = 0x4e00;
const LAST: u32 = 0xa000;
const WORDS: usize = ((LAST - FIRST) / 64) as usize;

/// A set of characters of the CJK Unified Ideographs block.
pub(crate) struct CharSet {
    bits: [u64; WORDS],
}

impl CharSet {
    /// The set of the characters of `s`, which must all be CJK ideographs (checked when the
    /// constant is built, so a wrong character fails the build).
    pub(crate) const fn of(s: &str) -> CharSet {
        let bytes = s.as_bytes();
        let mut bits = [0u64; WORDS];
        let mut k = 0;
        while k < bytes.len() {
            assert!(
                bytes[k] & 0xf0 == 0xe0 && k + 2 < bytes.len(),
                "CJK characters only"
            );
            let c = ((bytes[k] as u32 & 0x0f) << 12)
                | ((bytes[k + 1] as u32 & 0x3f) << 6)
                | (bytes[k + 2] as u32 & 0x3f);
            assert!(c >= FIRST && c < LAST, "CJK characters only");
            let offset = (c - FIRST) as usize;
            bits[offset / 64] |= 1 << (offset % 64);
            k += 3;
        }
        CharSet { bits }
    }

    /// The set of the `index`-th characters of `pairs`.
    pub(crate) const fn of_pairs(pairs: &[[char; 2]], index: usize) -> CharSet {
        let mut set = CharSet { bits: [0; WORDS] };
        let mut k = 0;
        while k < pairs.len() {
            set.insert(pairs[k][index]);
            k += 1;
        }
        set
    }

    /// The set of the first characters of `words` (each must start with a CJK ideograph).
    pub(crate) const fn of_firsts(words: &[&str]) -> CharSet {
        let mut set = CharSet { bits: [0; WORDS] };
        let mut k = 0;
        while k < words.len() {
            let b = words[k].as_bytes();
            assert!(b.len() >= 3 && b[0] & 0xf0 == 0xe0, "CJK characters only");
            let c =
                ((b[0] as u32 & 0x0f) << 12) | ((b[1] as u32 & 0x3f) << 6) | (b[2] as u32 & 0x3f);
            match char::from_u32(c) {
                Some(c) => set.insert(c),
                None => panic!("CJK characters only"),
            }
            k += 1;
        }
        set
    }

    /// Adds the characters of `other`.
    pub(crate) const fn union(&mut self, other: &CharSet) {
        let mut k = 0;
        while k < WORDS {
            self.bits[k] |= other.bits[k];
            k += 1;
        }
    }

    const fn insert(&mut self, c: char) {
        let c = c as u32;
        assert!(c >= FIRST && c < LAST, "CJK characters only");
        let offset = (c - FIRST) as usize;
        self.bits[offset / 64] |= 1 << (offset % 64);
    }

    /// Whether `c` is in the set.
    #[inline]
    pub(crate) fn contains(&self, c: char) -> bool {
        let offset = (c as u32).wrapping_sub(FIRST);
        offset < LAST - FIRST && self.bits[offset as usize / 64] >> (offset % 64) & 1 == 1
    }

    /// Whether `c` is present and in the set.
    #[inline]
    pub(crate) fn has(&self, c: Option<char>) -> bool {
        c.is_some_and(|c| self.contains(c))
    }
}

#[cfg(test)]
mod tests {
    use super::CharSet;

    #[test]
    fn contains_exactly_its_characters() {
        const SET: CharSet = CharSet::of("公司一龥");
        for c in ['公', '司', '一', '龥'] {
            assert!(SET.contains(c));
        }
        for c in ['A', '1', '的', '\u{3400}', '\u{10ffff}', '丁'] {
            assert!(!SET.contains(c));
        }
    }
}
