//! Compressed sparse rows of hashed document features, as linfa records.

use linfa::dataset::Records;
use pr_text::{term_weight, DocFeatures};
use std::sync::Arc;

/// Documents as sparse rows over the hash space: each distinct bucket of a document with how
/// often it occurs (what [`pr_text::FeatureExtractor`] produces); its value is
/// [`pr_text::term_weight`] of that count.
///
/// An entry takes 3 bytes instead of 8 for a `(u32, f32)` pair: a history of 10^6 petitions
/// has ~6·10^8 entries, and training must hold them all. The code has fixed widths so that
/// the solver, which decodes every row it visits, never mispredicts a branch on it.
/// [`SparseDocs::select`] (a cross-validation fold) shares the rows instead of copying them, so
/// that k folds over a large history do not hold k copies of it.
#[derive(Debug, Clone)]
pub struct SparseDocs {
    rows: Arc<Rows>,
    /// The rows of `rows` this value stands for, in order; `None`: all of them.
    view: Option<Arc<[u32]>>,
}

/// The stored rows. Entries of a row are columns in ascending order. Each has its gap to the
/// previous column (to zero for the first) in `gaps`, as one `u16` or, from [`ESCAPE`] up, as
/// `ESCAPE` and two more holding the low and high halves; and its count in `counts`.
#[derive(Debug, Clone)]
struct Rows {
    gaps: Vec<u16>,
    counts: Vec<u8>,
    /// Where each row starts in `gaps` and in `counts`, then where the last ends.
    starts: Vec<(u64, u64)>,
    /// Hash bucket of each column, ascending, after [`SparseDocs::prune`]; before, the columns
    /// are the buckets themselves.
    buckets: Option<Vec<u32>>,
    dimension: usize,
}

/// A gap that does not fit in one `u16`.
const ESCAPE: u16 = u16::MAX;

/// Appends one entry's gap to `gaps`.
fn push_gap(gaps: &mut Vec<u16>, gap: u32) {
    match u16::try_from(gap) {
        Ok(g) if g != ESCAPE => gaps.push(g),
        _ => gaps.extend([ESCAPE, gap as u16, (gap >> 16) as u16]),
    }
}

impl Default for SparseDocs {
    fn default() -> Self {
        SparseDocs::new(0)
    }
}

impl SparseDocs {
    /// An empty matrix over `dimension` hash buckets.
    pub fn new(dimension: usize) -> Self {
        SparseDocs {
            rows: Arc::new(Rows {
                gaps: Vec::new(),
                counts: Vec::new(),
                starts: vec![(0, 0)],
                buckets: None,
                dimension,
            }),
            view: None,
        }
    }

    /// Appends one document (its buckets ascending and distinct, as extracted). On a selection,
    /// the selection becomes a matrix of its own first; on a pruned matrix, buckets it does not
    /// keep are dropped.
    pub fn push(&mut self, doc: &DocFeatures) {
        if self.view.is_some() {
            *self = self.materialise();
        }
        let kept = self.rows.buckets.as_deref();
        let entries: Vec<(u32, u8)> = doc
            .features
            .iter()
            .zip(&doc.counts)
            .filter_map(|(f, &n)| match kept {
                None => Some((f.bucket, n)),
                Some(kept) => kept.binary_search(&f.bucket).ok().map(|c| (c as u32, n)),
            })
            .collect();
        self.push_entries(entries.into_iter());
    }

    /// Appends a row of `(column, count)` entries, columns ascending.
    fn push_entries(&mut self, entries: impl Iterator<Item = (u32, u8)>) {
        let rows = Arc::make_mut(&mut self.rows);
        let mut previous = 0;
        for (col, count) in entries {
            push_gap(&mut rows.gaps, col - previous);
            rows.counts.push(count);
            previous = col;
        }
        rows.starts
            .push((rows.gaps.len() as u64, rows.counts.len() as u64));
    }

    /// A matrix holding just this value's rows.
    fn materialise(&self) -> SparseDocs {
        let mut m = SparseDocs::new(self.rows.dimension);
        Arc::make_mut(&mut m.rows).buckets = self.rows.buckets.clone();
        for i in 0..self.len() {
            m.push_entries(self.entries(i));
        }
        m
    }

    /// Drops the buckets seen in fewer than `min_df` rows and numbers the rest compactly. A fit
    /// with that `min_df` (or a larger one) would ignore those buckets anyway; dropping them
    /// first shrinks the rows and lets the solver's weights fit in cache. Rows are rewritten in
    /// place: gaps only shrink, so what is written never overtakes what is still to be read.
    pub fn prune(&mut self, min_df: u32) {
        if self.view.is_some() {
            *self = self.materialise();
        }
        let mut df = vec![0u32; self.columns()];
        for i in 0..self.len() {
            self.entries(i).for_each(|(c, _)| df[c as usize] += 1);
        }
        let mut renumbered = vec![u32::MAX; df.len()];
        let mut buckets = Vec::new();
        for (c, &n) in df.iter().enumerate() {
            if n >= min_df {
                renumbered[c] = buckets.len() as u32;
                buckets.push(self.bucket(c as u32));
            }
        }
        drop(df);
        let rows = Arc::make_mut(&mut self.rows);
        // Each row is re-encoded into `gaps`, then moved to the front of the stored codes.
        let mut gaps = Vec::new();
        let (mut gaps_written, mut counts_written) = (0, 0);
        for i in 0..rows.starts.len() - 1 {
            let row: Vec<(u32, u8)> = rows
                .entries_between(rows.starts[i], rows.starts[i + 1])
                .filter_map(|(c, n)| {
                    let c = renumbered[c as usize];
                    (c != u32::MAX).then_some((c, n))
                })
                .collect();
            rows.starts[i] = (gaps_written as u64, counts_written as u64);
            gaps.clear();
            let mut previous = 0;
            for &(col, count) in &row {
                push_gap(&mut gaps, col - previous);
                rows.counts[counts_written] = count;
                counts_written += 1;
                previous = col;
            }
            rows.gaps[gaps_written..gaps_written + gaps.len()].copy_from_slice(&gaps);
            gaps_written += gaps.len();
        }
        *rows.starts.last_mut().expect("starts holds the end") =
            (gaps_written as u64, counts_written as u64);
        rows.gaps.truncate(gaps_written);
        rows.gaps.shrink_to_fit();
        rows.counts.truncate(counts_written);
        rows.counts.shrink_to_fit();
        rows.buckets = Some(buckets);
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        match &self.view {
            Some(view) => view.len(),
            None => self.rows.starts.len() - 1,
        }
    }

    /// True when there is no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hash space size.
    pub fn dimension(&self) -> usize {
        self.rows.dimension
    }

    /// Number of columns: the buckets kept by [`SparseDocs::prune`], or the whole hash space.
    pub(crate) fn columns(&self) -> usize {
        self.rows
            .buckets
            .as_ref()
            .map_or(self.rows.dimension, Vec::len)
    }

    /// The hash bucket of column `col`.
    pub(crate) fn bucket(&self, col: u32) -> u32 {
        self.rows.buckets.as_ref().map_or(col, |b| b[col as usize])
    }

    /// `(column, count)` of each entry of row `i`, columns ascending.
    #[inline]
    pub(crate) fn entries(&self, i: usize) -> Entries<'_> {
        let r = match &self.view {
            Some(view) => view[i] as usize,
            None => i,
        };
        self.rows
            .entries_between(self.rows.starts[r], self.rows.starts[r + 1])
    }

    /// `(bucket, value)` of each feature of row `i`, buckets ascending.
    pub fn row(&self, i: usize) -> impl Iterator<Item = (u32, f32)> + Clone + '_ {
        self.entries(i)
            .map(|(c, n)| (self.bucket(c), term_weight(n)))
    }

    /// The rows at `rows`, in that order (for cross-validation folds), sharing the data.
    pub fn select(&self, rows: &[usize]) -> SparseDocs {
        let view: Arc<[u32]> = rows
            .iter()
            .map(|&i| match &self.view {
                Some(view) => view[i],
                None => i as u32,
            })
            .collect();
        SparseDocs {
            rows: self.rows.clone(),
            view: Some(view),
        }
    }

    /// Stored entries of all rows (of the whole matrix, for a selection).
    pub fn nnz(&self) -> usize {
        self.rows.counts.len()
    }

    /// Bytes the rows take in memory.
    pub fn heap_bytes(&self) -> usize {
        let r = &self.rows;
        2 * r.gaps.capacity()
            + r.counts.capacity()
            + 16 * r.starts.capacity()
            + 4 * r.buckets.as_ref().map_or(0, Vec::capacity)
    }
}

impl Rows {
    #[inline]
    fn entries_between(&self, start: (u64, u64), end: (u64, u64)) -> Entries<'_> {
        Entries {
            gaps: &self.gaps[start.0 as usize..end.0 as usize],
            counts: &self.counts[start.1 as usize..end.1 as usize],
            column: 0,
        }
    }
}

/// Decodes the entries of one row: `(column, count)`.
#[derive(Debug, Clone)]
pub(crate) struct Entries<'a> {
    gaps: &'a [u16],
    counts: &'a [u8],
    column: u32,
}

impl Iterator for Entries<'_> {
    type Item = (u32, u8);

    #[inline]
    fn next(&mut self) -> Option<(u32, u8)> {
        let (&count, counts) = self.counts.split_first()?;
        self.counts = counts;
        let gap = match self.gaps {
            [ESCAPE, low, high, rest @ ..] => {
                self.gaps = rest;
                u32::from(*low) | u32::from(*high) << 16
            }
            [gap, rest @ ..] => {
                self.gaps = rest;
                u32::from(*gap)
            }
            [] => unreachable!("a row has a gap for each count"),
        };
        self.column += gap;
        Some((self.column, count))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.counts.len(), Some(self.counts.len()))
    }
}

impl Records for SparseDocs {
    type Elem = f32;

    fn nsamples(&self) -> usize {
        self.len()
    }

    fn nfeatures(&self) -> usize {
        self.rows.dimension
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(entries: &[(u32, u8)]) -> DocFeatures {
        let mut d = DocFeatures::default();
        for &(bucket, count) in entries {
            d.features.push(pr_text::Feature {
                bucket,
                kind: pr_text::FeatureKind::Word,
                span: (0, 0),
            });
            d.counts.push(count);
        }
        d
    }

    fn buckets(m: &SparseDocs, i: usize) -> Vec<u32> {
        m.row(i).map(|(b, _)| b).collect()
    }

    #[test]
    fn rows_read_back_what_was_pushed() {
        // Gaps of one u16, of exactly ESCAPE, and wider; counts up to 255; an empty row.
        let rows: [&[(u32, u8)]; 4] = [
            &[(0, 1), (1, 2), (127, 1), (128, 255)],
            &[],
            &[(5, 1), (5 + 65_535, 7), (1 << 20, 1), ((1 << 24) - 1, 1)],
            &[(3, 1)],
        ];
        let mut m = SparseDocs::new(1 << 24);
        rows.iter().for_each(|r| m.push(&doc(r)));
        assert_eq!((m.len(), m.nnz()), (4, 9));
        for (i, want) in rows.iter().enumerate() {
            let got: Vec<(u32, f32)> = m.row(i).collect();
            let want: Vec<(u32, f32)> = want.iter().map(|&(b, n)| (b, term_weight(n))).collect();
            assert_eq!(got, want, "row {i}");
        }
    }

    #[test]
    fn selections_share_rows_and_compose() {
        let mut m = SparseDocs::new(16);
        for entries in [
            &[(1u32, 1u8), (2, 1)][..],
            &[(3, 1)],
            &[(4, 1), (5, 1), (6, 1)],
            &[(7, 1)],
        ] {
            m.push(&doc(entries));
        }
        let fold = m.select(&[3, 0, 2]);
        assert_eq!(fold.len(), 3);
        assert_eq!(buckets(&fold, 0), [7]);
        assert_eq!(buckets(&fold, 2), [4, 5, 6]);
        let inner = fold.select(&[1]);
        assert_eq!(buckets(&inner, 0), [1, 2]);
        // Pushing to a selection copies it first; the original is untouched.
        let mut grown = inner.clone();
        grown.push(&doc(&[(9, 1)]));
        assert_eq!(grown.len(), 2);
        assert_eq!(buckets(&grown, 1), [9]);
        assert_eq!(m.len(), 4);
    }

    #[test]
    fn pruning_drops_rare_buckets_and_keeps_the_rest_exact() {
        let mut m = SparseDocs::new(1 << 20);
        // Bucket 900_000 and 5 occur in two rows, the others once.
        m.push(&doc(&[(5, 3), (70_000, 1), (900_000, 2)]));
        m.push(&doc(&[(6, 1)]));
        m.push(&doc(&[(5, 1), (900_000, 9)]));
        let before = m.rows.gaps.len();
        m.prune(2);
        assert_eq!((m.len(), m.nnz(), m.columns()), (3, 4, 2));
        let rows: Vec<Vec<(u32, f32)>> = (0..3).map(|i| m.row(i).collect()).collect();
        assert_eq!(
            rows,
            [
                vec![(5, term_weight(3)), (900_000, term_weight(2))],
                vec![],
                vec![(5, 1.0), (900_000, term_weight(9))],
            ]
        );
        // The gap to 900_000 needed an escape; to column 1 it does not.
        assert!(m.rows.gaps.len() < before);
        // A selection of a pruned matrix keeps its columns, also when it is copied out.
        let mut fold = m.select(&[2]);
        fold.push(&doc(&[]));
        assert_eq!(buckets(&fold, 0), [5, 900_000]);
    }
}
