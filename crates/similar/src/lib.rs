//! Near-duplicate petitions (重复件): the same matter sent again, by the same person or by
//! neighbours, reworded, re-punctuated or lightly edited.
//!
//! A text becomes a [`Signature`]: the MinHash of its character 3-grams (letters, digits and
//! ideographs only, so whitespace and punctuation changes do not count). Two signatures
//! estimate the Jaccard similarity of the texts' shingle sets. An [`Index`] keeps the
//! signatures of recent petitions and finds, for a new one, the stored ones above a
//! similarity, in microseconds, by LSH banding.
//!
//! ```
//! use pr_similar::{Index, Params, Signature};
//!
//! let params = Params::default().max_entries(10_000).check()?;
//! let mut index = Index::new(params.clone());
//! let first = "小区东门外的烧烤摊每天营业到凌晨两点，油烟和噪声让楼上住户无法休息，请城管部门处理。";
//! index.insert(1, 19_800, Signature::new(first, &params));
//!
//! let again = "小区东门外烧烤摊每天营业到凌晨三点，油烟和噪声让楼上住户无法休息！请城管部门处理";
//! let found = index.query(&Signature::new(again, &params), 5, 0.5);
//! assert_eq!(found[0].key, 1);
//! # Ok::<(), pr_similar::ParamsError>(())
//! ```
//!
//! # Choosing bands and rows
//!
//! With `b` bands of `r` rows, a stored petition of similarity `s` to the query becomes a
//! candidate with probability `1 − (1 − s^r)^b` ([`candidate_probability`]); candidates are
//! then verified on the full signature against `min_similarity`. The defaults, 40 bands of
//! 3 rows, find a pair at 0.5 with probability 0.995 and at 0.6 with 0.99994, while pairs at
//! 0.05 (rarer than one in ten thousand among unrelated real petitions, with trigrams) are
//! verified with probability 0.005: over real petitions' similarities, ~17 candidates per
//! query at a million entries, about half of them true repeats.
//! To look for looser similarity, add bands (fewer rows each); to look only for near copies,
//! use more rows.
//!
//! # Stability
//!
//! Every hash is fixed in this crate (no per-process seeds, no platform-dependent layout), so
//! a signature computed today, on any machine, equals one computed tomorrow from the same text
//! and parameters. Signatures may therefore be rebuilt from the feedback store at start.

#![warn(missing_docs)]

mod hash;
mod index;
mod params;
mod signature;
mod table;
#[cfg(test)]
mod tests;

pub use index::{Index, Match};
pub use params::{
    candidate_probability, Params, ParamsError, ValidParams, MAX_HASHES, MAX_SHINGLE,
};
pub use signature::{exact_similarity, Signature};
