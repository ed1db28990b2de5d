//! Opening a history file as a stream of UTF-8 text, whatever its encoding: petition systems
//! export CSV in UTF-8 (with or without BOM) or in GBK / GB18030. Decoding happens here,
//! streaming, so that the format readers only ever see UTF-8.

use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::str::FromStr;

use crate::HistoryError;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text encoding of a history file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    Utf8,
    /// GB18030, the superset of GBK and GB2312 that Chinese systems export.
    Gb18030,
}

impl FromStr for Encoding {
    type Err = String;

    /// Parses an `--encoding` value: utf-8 (utf8), gbk, gb2312 or gb18030.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "gbk" | "gb2312" | "gb18030" | "cp936" => Ok(Encoding::Gb18030),
            other => Err(format!(
                "unknown encoding '{other}': use utf-8, gbk or gb18030"
            )),
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Encoding::Utf8 => "UTF-8",
            Encoding::Gb18030 => "GB18030",
        })
    }
}

/// An opened file: a buffered reader of UTF-8 text positioned after any byte-order mark, the
/// number of bytes skipped (to report file byte offsets) and the encoding it was read in.
pub(crate) struct Source {
    pub reader: Box<dyn BufRead>,
    pub skipped_bytes: u64,
    pub encoding: Encoding,
}

/// Opens `path`, in `encoding` or, when `None`, the one its first 64 KiB show: UTF-8 when
/// they have a UTF-8 byte-order mark or are mostly valid UTF-8, GB18030 otherwise.
pub(crate) fn open(path: &Path, encoding: Option<Encoding>) -> Result<Source, HistoryError> {
    let open_error = |error| HistoryError::Open {
        path: path.to_path_buf(),
        error,
    };
    let file = File::open(path).map_err(open_error)?;
    let mut reader = BufReader::with_capacity(64 * 1024, file);
    let buf = reader.fill_buf().map_err(open_error)?;
    let has_bom = buf.starts_with(UTF8_BOM);
    let encoding = encoding.unwrap_or_else(|| {
        if has_bom || looks_like_utf8(buf) {
            Encoding::Utf8
        } else {
            Encoding::Gb18030
        }
    });
    match encoding {
        Encoding::Utf8 => {
            let skipped_bytes = if has_bom {
                reader.consume(UTF8_BOM.len());
                UTF8_BOM.len() as u64
            } else {
                0
            };
            Ok(Source {
                reader: Box::new(reader),
                skipped_bytes,
                encoding,
            })
        }
        Encoding::Gb18030 => {
            let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding_rs::GB18030))
                .build(reader);
            Ok(Source {
                reader: Box::new(BufReader::with_capacity(64 * 1024, decoded)),
                skipped_bytes: 0,
                encoding,
            })
        }
    }
}

/// More valid non-ASCII UTF-8 characters than invalid sequences. GBK text almost never forms
/// valid UTF-8, while a UTF-8 export with a few damaged bytes should be read as UTF-8 and
/// refused at the damaged row, not decoded as GBK into nonsense.
fn looks_like_utf8(sample: &[u8]) -> bool {
    let (mut valid, mut invalid) = (0usize, 0usize);
    for chunk in sample.utf8_chunks() {
        valid += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        invalid += usize::from(!chunk.invalid().is_empty());
    }
    // A character cut off by the end of the sample is not a damaged one.
    let cut_at_end = std::str::from_utf8(sample)
        .err()
        .is_some_and(|e| e.error_len().is_none());
    valid >= invalid.saturating_sub(usize::from(cut_at_end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_utf8_and_gbk() {
        assert!(looks_like_utf8("小区停水".as_bytes()));
        // A sample cut in the middle of a character is still UTF-8.
        assert!(looks_like_utf8(&"小区停水".as_bytes()[..10]));
        let (gbk, _, _) = encoding_rs::GBK.encode("小区停水三天");
        assert!(!looks_like_utf8(&gbk));
        // UTF-8 with one damaged byte is still UTF-8 (to be refused at that row).
        let mut damaged = "标题,内容\n停电,整栋楼停电\n".as_bytes().to_vec();
        damaged.push(0xD4);
        assert!(looks_like_utf8(&damaged));
    }

    #[test]
    fn encoding_names_parse() {
        assert_eq!("GBK".parse::<Encoding>(), Ok(Encoding::Gb18030));
        assert_eq!("utf8".parse::<Encoding>(), Ok(Encoding::Utf8));
        assert!("latin1".parse::<Encoding>().unwrap_err().contains("gbk"));
    }
}
