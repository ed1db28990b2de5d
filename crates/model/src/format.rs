//! The model file: one self-contained, versioned, checksummed file.
//!
//! ```text
//! magic      8 bytes  "PRMODEL\n"
//! version    u32 LE   FORMAT_VERSION
//! header_len u64 LE
//! header     JSON     labels, line and demand heads, features, user words, calibration, card, shapes
//! buckets    u32 LE × rows
//! idf        f32 LE × rows
//! weights    f32 LE × rows × dense columns  (row-major: labels, line head, demand head)
//! pairs      (u32 LE column, f32 LE weight) × rows × per_row   (version 2, sparse only)
//! bias       f32 LE × columns
//! checksum   u32 LE   CRC-32 of everything before it
//! ```
//!
//! In version 2 the header may declare the first columns (the labels, the line head) sparse
//! ([`SparseColumns`]); `weights` then holds only the other columns. Version 1 files, which
//! have no sparse columns, still load.

use crate::classifier::{LinearClassifier, SparseColumns};
use crate::model::{Calibration, Head, Heads, Model, ModelCard};
use crate::ModelError;
use pr_text::FeatureConfig;
use serde::{Deserialize, Serialize};
use std::path::Path;

const MAGIC: &[u8; 8] = b"PRMODEL\n";
/// The format this build writes; bumped whenever the layout or the meaning of any field
/// changes.
pub const FORMAT_VERSION: u32 = 2;
/// The oldest format this build reads.
const OLDEST_VERSION: u32 = 1;
const PREAMBLE: usize = 8 + 4 + 8;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    labels: Vec<String>,
    /// Columns after the labels' (absent in models without a line head).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line_head: Option<Head>,
    /// Columns after the line head's (absent in models without a demand head).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    demand_head: Option<Head>,
    features: FeatureConfig,
    user_words: Vec<String>,
    calibration: Calibration,
    card: ModelCard,
    rows: usize,
    /// The first columns' weights as pairs (version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sparse: Option<SparseShape>,
}

/// The shape of the sparse columns' pairs.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SparseShape {
    /// Columns per group (the labels, the line head), from column 0.
    groups: Vec<usize>,
    /// Pairs per row and group.
    per_row: usize,
}

impl SparseShape {
    /// Sparse columns and pairs per row; `None` on overflow.
    fn size(&self) -> Option<(usize, usize)> {
        let columns = self
            .groups
            .iter()
            .try_fold(0usize, |sum, &g| sum.checked_add(g))?;
        Some((columns, self.per_row.checked_mul(self.groups.len())?))
    }
}

/// Serialises `model` to bytes.
pub fn to_bytes(model: &Model) -> Result<Vec<u8>, ModelError> {
    let c = model.classifier();
    let header = Header {
        labels: model.labels().to_vec(),
        line_head: model.line_head().cloned(),
        demand_head: model.demand_head().cloned(),
        features: model.extractor().config().clone(),
        user_words: model.user_words().to_vec(),
        calibration: model.calibration().clone(),
        card: model.card().clone(),
        rows: c.buckets().len(),
        sparse: c.sparse_columns().map(|s| SparseShape {
            groups: s.groups().to_vec(),
            per_row: s.per_row(),
        }),
    };
    let shape = header.sparse.as_ref().and_then(SparseShape::size);
    let words = payload_words(c.buckets().len(), c.n_labels(), shape.unwrap_or_default())
        .unwrap_or_default();
    let header = serde_json::to_vec(&header)?;
    let mut out = Vec::with_capacity(PREAMBLE + header.len() + 4 * words);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(&header);
    c.buckets()
        .iter()
        .for_each(|b| out.extend_from_slice(&b.to_le_bytes()));
    c.idf()
        .for_each(|w| out.extend_from_slice(&w.to_le_bytes()));
    c.dense_weights()
        .for_each(|w| out.extend_from_slice(&w.to_le_bytes()));
    for &(column, w) in c.sparse_columns().map_or(&[][..], |s| s.pairs()) {
        out.extend_from_slice(&column.to_le_bytes());
        out.extend_from_slice(&w.to_le_bytes());
    }
    c.bias()
        .iter()
        .for_each(|w| out.extend_from_slice(&w.to_le_bytes()));
    let checksum = crc32fast::hash(&out);
    out.extend_from_slice(&checksum.to_le_bytes());
    Ok(out)
}

/// Parses a model from bytes; `path` is only used in error messages.
fn parse(bytes: &[u8], path: &Path) -> Result<Model, ModelError> {
    let corrupt = |reason: String| ModelError::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let header_end = header_end(bytes).map_err(corrupt)?;
    let header: Header = serde_json::from_slice(&bytes[PREAMBLE..header_end])
        .map_err(|e| corrupt(format!("unreadable header: {e}")))?;
    let width = |h: &Option<Head>| h.as_ref().map_or(0, |h| h.labels.len());
    let n_labels = header.labels.len() + width(&header.line_head) + width(&header.demand_head);
    let shape = match &header.sparse {
        Some(s) => s
            .size()
            .ok_or_else(|| corrupt("impossible sparse column count".into()))?,
        None => (0, 0),
    };
    if shape.0 > n_labels {
        return Err(corrupt(format!(
            "{} sparse columns declared for {n_labels} columns",
            shape.0
        )));
    }
    let expected = payload_words(header.rows, n_labels, shape)
        .and_then(|words| words.checked_mul(4)?.checked_add(header_end))
        .ok_or_else(|| corrupt("impossible weight matrix size".into()))?;
    let checksum = verify_payload(bytes, expected).map_err(corrupt)?;
    let payload = Payload::read(bytes, header_end, header.rows, n_labels, shape);
    let dimension = 1usize << header.features.hash_bits.min(30);
    header
        .features
        .validate()
        .map_err(|e| corrupt(e.to_string()))?;
    let sparse = header
        .sparse
        .map(|s| SparseColumns::new(s.groups, s.per_row, payload.pairs));
    let classifier = LinearClassifier::with_sparse(
        dimension,
        n_labels,
        payload.buckets,
        payload.idf,
        payload.weights,
        sparse,
        payload.bias,
    )
    .map_err(|e| corrupt(e.to_string()))?;
    let heads = Heads {
        line: header.line_head,
        demand: header.demand_head,
    };
    let mut model = Model::with_heads(
        header.labels,
        heads,
        header.features,
        header.user_words,
        classifier,
        header.calibration,
        header.card,
    )
    .map_err(|e| corrupt(e.to_string()))?;
    model.set_version(format!("{checksum:08x}"));
    Ok(model)
}

/// Checks the preamble (magic bytes, length, format version) and returns the offset where
/// the header ends; the error is why the file is corrupt.
fn header_end(bytes: &[u8]) -> Result<usize, String> {
    if !bytes.starts_with(MAGIC) {
        return Err("not a petition-router model file (wrong magic bytes)".into());
    }
    if bytes.len() < PREAMBLE {
        return Err(format!("truncated: only {} bytes", bytes.len()));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap_or_default());
    if !(OLDEST_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(format!(
            "model format version {version}, but this build reads versions {OLDEST_VERSION} to {FORMAT_VERSION}: retrain the model with this version"
        ));
    }
    let header_len = u64::from_le_bytes(bytes[12..20].try_into().unwrap_or_default());
    usize::try_from(header_len)
        .ok()
        .and_then(|l| l.checked_add(PREAMBLE))
        .filter(|&end| end <= bytes.len())
        .ok_or_else(|| format!("truncated: the header alone needs {header_len} bytes"))
}

/// 4-byte words after the header (checksum included) of `rows` rows of `n_labels` columns,
/// the first `sparse.0` of them sparse with `sparse.1` pairs per row (all groups); `None` on
/// overflow.
fn payload_words(
    rows: usize,
    n_labels: usize,
    (columns, per_row): (usize, usize),
) -> Option<usize> {
    let dense = n_labels.checked_sub(columns)?;
    let per_row = dense.checked_add(2)?.checked_add(per_row.checked_mul(2)?)?;
    rows.checked_mul(per_row)?.checked_add(n_labels + 1)
}

/// Checks that the file is exactly `expected` bytes long, as the header's shapes say, and
/// that its checksum holds; returns the checksum (the model's version). The error is why the
/// file is corrupt.
fn verify_payload(bytes: &[u8], expected: usize) -> Result<u32, String> {
    if bytes.len() != expected {
        return Err(format!(
            "{}: expected {expected} bytes, found {}",
            if bytes.len() < expected {
                "truncated"
            } else {
                "trailing bytes"
            },
            bytes.len()
        ));
    }
    let stored = u32::from_le_bytes(bytes[expected - 4..].try_into().unwrap_or_default());
    let actual = crc32fast::hash(&bytes[..expected - 4]);
    if stored != actual {
        return Err(format!(
            "checksum mismatch (stored {stored:08x}, computed {actual:08x}): the file is damaged"
        ));
    }
    Ok(actual)
}

/// The arrays after the header.
struct Payload {
    buckets: Vec<u32>,
    idf: Vec<f32>,
    weights: Vec<f32>,
    pairs: Vec<(u32, f32)>,
    bias: Vec<f32>,
}

impl Payload {
    /// Reads the arrays of a file whose size [`verify_payload`] has checked.
    fn read(
        bytes: &[u8],
        header_end: usize,
        rows: usize,
        n_labels: usize,
        (columns, per_row): (usize, usize),
    ) -> Payload {
        let words = |start: usize, count: usize| {
            bytes[start..start + 4 * count]
                .chunks_exact(4)
                .map(|c| [c[0], c[1], c[2], c[3]])
        };
        let buckets: Vec<u32> = words(header_end, rows).map(u32::from_le_bytes).collect();
        let idf: Vec<f32> = words(header_end + 4 * rows, rows)
            .map(f32::from_le_bytes)
            .collect();
        let w_start = header_end + 8 * rows;
        let dense = rows * (n_labels - columns);
        let weights: Vec<f32> = words(w_start, dense).map(f32::from_le_bytes).collect();
        let p_start = w_start + 4 * dense;
        let pairs: Vec<(u32, f32)> = bytes[p_start..p_start + 8 * rows * per_row]
            .chunks_exact(8)
            .map(|p| {
                let [c0, c1, c2, c3, w0, w1, w2, w3] = p.try_into().unwrap_or([0; 8]);
                (
                    u32::from_le_bytes([c0, c1, c2, c3]),
                    f32::from_le_bytes([w0, w1, w2, w3]),
                )
            })
            .collect();
        let bias: Vec<f32> = words(p_start + 8 * rows * per_row, n_labels)
            .map(f32::from_le_bytes)
            .collect();
        Payload {
            buckets,
            idf,
            weights,
            pairs,
            bias,
        }
    }
}

impl Model {
    /// Writes the model to `path` atomically (temporary file, then rename), and sets its
    /// version.
    pub fn save(&mut self, path: &Path) -> Result<(), ModelError> {
        let bytes = to_bytes(self)?;
        let io = |error| ModelError::Io {
            path: path.to_path_buf(),
            error,
        };
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, &bytes).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)?;
        let checksum = crc32fast::hash(&bytes[..bytes.len() - 4]);
        self.set_version(format!("{checksum:08x}"));
        Ok(())
    }

    /// Loads and verifies a model file.
    pub fn load(path: &Path) -> Result<Model, ModelError> {
        let io = |error| ModelError::Io {
            path: path.to_path_buf(),
            error,
        };
        // A device or a pipe (/dev/zero, a FIFO) would be read without end.
        if !std::fs::metadata(path).map_err(io)?.is_file() {
            return Err(ModelError::Corrupt {
                path: path.to_path_buf(),
                reason: "not a regular file".into(),
            });
        }
        let bytes = std::fs::read(path).map_err(io)?;
        parse(&bytes, path)
    }

    /// Parses and verifies a model file's bytes; `path` names it in errors.
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Model, ModelError> {
        parse(bytes, path)
    }
}
