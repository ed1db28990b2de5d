//! Compressed sparse rows of hashed document features, as linfa records.

use linfa::dataset::Records;
use pr_text::DocFeatures;

/// Documents as compressed sparse rows over the hash space: sub-linear term frequencies with
/// column indices sorted and distinct (what [`pr_text::FeatureExtractor`] produces).
#[derive(Debug, Clone, Default)]
pub struct SparseDocs {
    indptr: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
    dimension: usize,
}

impl SparseDocs {
    /// An empty matrix over `dimension` hash buckets.
    pub fn new(dimension: usize) -> Self {
        SparseDocs {
            indptr: vec![0],
            indices: Vec::new(),
            values: Vec::new(),
            dimension,
        }
    }

    /// Appends one document.
    pub fn push(&mut self, doc: &DocFeatures) {
        for (bucket, value) in doc.iter() {
            debug_assert!((bucket as usize) < self.dimension);
            self.indices.push(bucket);
            self.values.push(value);
        }
        self.indptr.push(self.indices.len());
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.indptr.len() - 1
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
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.values[a..b])
    }

    /// The rows at `rows`, in that order (for cross-validation folds).
    pub fn select(&self, rows: &[usize]) -> SparseDocs {
        let mut out = SparseDocs::new(self.dimension);
        for &i in rows {
            let (idx, val) = self.row(i);
            out.indices.extend_from_slice(idx);
            out.values.extend_from_slice(val);
            out.indptr.push(out.indices.len());
        }
        out
    }

    /// Total stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
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
