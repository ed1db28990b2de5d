//! Opening a history file as a byte stream of UTF-8 text.
//!
//! This is the place where other encodings (GBK / GB18030) will be decoded
//! into UTF-8 later, so that the format readers only ever see UTF-8.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use crate::HistoryError;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// An opened file: a buffered reader positioned after any UTF-8 byte-order
/// mark, and the number of bytes skipped (to report file byte offsets).
pub(crate) struct Source {
    pub reader: Box<dyn BufRead>,
    pub skipped_bytes: u64,
}

pub(crate) fn open(path: &Path) -> Result<Source, HistoryError> {
    let file = File::open(path).map_err(|error| HistoryError::Open {
        path: path.to_path_buf(),
        error,
    })?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let buf = reader.fill_buf().map_err(|error| HistoryError::Open {
        path: path.to_path_buf(),
        error,
    })?;
    let skipped_bytes = if buf.starts_with(UTF8_BOM) {
        reader.consume(UTF8_BOM.len());
        UTF8_BOM.len() as u64
    } else {
        0
    };
    Ok(Source {
        reader: Box::new(reader),
        skipped_bytes,
    })
}
