//! Compressed sparse rows of hashed document features, as linfa records.

use linfa::dataset::Records;
use pr_text::DocFeatures;
use std::sync::Arc;

/// Documents as compressed sparse rows over the hash space: sub-linear term frequencies with
/// distinct column indices (what [`pr_text::FeatureExtractor`] produces).
///
/// [`SparseDocs::select`] (a cross-validation fold) shares the rows instead of copying them, so
/// that k folds over a large history do not hold k copies of it.
#[derive(Debug, Clone)]
pub struct SparseDocs {
    rows: Arc<Csr>,
    /// The rows of `rows` this value stands for, in order; `None`: all of them.
    view: Option<Arc<[u32]>>,
    dimension: usize,
}

#[derive(Debug, Clone, Default)]
struct Csr {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
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
            rows: Arc::new(Csr {
                indptr: vec![0],
                ..Csr::default()
            }),
            view: None,
            dimension,
        }
    }

    /// Appends one document. On a selection, the selection becomes a matrix of its own first.
    pub fn push(&mut self, doc: &DocFeatures) {
        if self.view.is_some() {
            *self = self.materialise();
        }
        let rows = Arc::make_mut(&mut self.rows);
        for (bucket, value) in doc.iter() {
            debug_assert!((bucket as usize) < self.dimension);
            rows.indices.push(bucket);
            rows.values.push(value);
        }
        rows.indptr.push(rows.indices.len());
    }

    /// A matrix holding just this value's rows.
    fn materialise(&self) -> SparseDocs {
        let mut csr = Csr {
            indptr: vec![0],
            ..Csr::default()
        };
        for i in 0..self.len() {
            let (idx, val) = self.row(i);
            csr.indices.extend_from_slice(idx);
            csr.values.extend_from_slice(val);
            csr.indptr.push(csr.indices.len());
        }
        SparseDocs {
            rows: Arc::new(csr),
            view: None,
            dimension: self.dimension,
        }
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        match &self.view {
            Some(view) => view.len(),
            None => self.rows.indptr.len() - 1,
        }
    }

    /// True when there is no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Hash space size.
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// Column indices and values of row `i`.
    pub fn row(&self, i: usize) -> (&[u32], &[f32]) {
        let r = match &self.view {
            Some(view) => view[i] as usize,
            None => i,
        };
        let (a, b) = (self.rows.indptr[r], self.rows.indptr[r + 1]);
        (&self.rows.indices[a..b], &self.rows.values[a..b])
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
            dimension: self.dimension,
        }
    }

    /// Total stored entries of this value's rows.
    pub fn nnz(&self) -> usize {
        match &self.view {
            Some(_) => (0..self.len()).map(|i| self.row(i).0.len()).sum(),
            None => self.rows.indices.len(),
        }
    }
}

impl Records for SparseDocs {
    type Elem = f32;

    fn nsamples(&self) -> usize {
        self.len()
    }

    fn nfeatures(&self) -> usize {
        self.dimension
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(buckets: &[u32]) -> DocFeatures {
        let mut d = DocFeatures::default();
        for &b in buckets {
            d.features.push(pr_text::Feature {
                bucket: b,
                kind: pr_text::FeatureKind::Word,
                span: (0, 0),
            });
            d.values.push(b as f32);
        }
        d
    }

    #[test]
    fn selections_share_rows_and_compose() {
        let mut m = SparseDocs::new(16);
        for buckets in [&[1u32, 2][..], &[3], &[4, 5, 6], &[7]] {
            m.push(&doc(buckets));
        }
        assert_eq!((m.len(), m.nnz()), (4, 7));
        let fold = m.select(&[3, 0, 2]);
        assert_eq!(fold.len(), 3);
        assert_eq!(fold.row(0).0, [7]);
        assert_eq!(fold.row(2).0, [4, 5, 6]);
        assert_eq!(fold.nnz(), 6);
        let inner = fold.select(&[1]);
        assert_eq!(inner.row(0), (&[1u32, 2][..], &[1f32, 2.0][..]));
        // Pushing to a selection copies it first; the original is untouched.
        let mut grown = inner.clone();
        grown.push(&doc(&[9]));
        assert_eq!(grown.len(), 2);
        assert_eq!(grown.row(1).0, [9]);
        assert_eq!(m.len(), 4);
    }
}
