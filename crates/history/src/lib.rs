//! Readers for petition history files: labelled histories for training and
//! evaluation, unlabelled petition files for benchmarks.
//!
//! Supported formats ([`Format`]):
//! - JSON lines (`.jsonl`, `.json`, `.ndjson`) and CSV / TSV (`.csv`, `.tsv`), in UTF-8
//!   (with or without a byte-order mark) or GBK / GB18030 as petition systems export them.
//!   The encoding is detected from the first 64 KiB unless [`ReadOptions::encoding`] names
//!   it; decoding streams, so memory does not grow with the file.
//! - Spreadsheets (`.xlsx`, `.xlsm`, `.xlsb`, `.xls`, `.ods`), read with calamine: the first
//!   worksheet or [`ReadOptions::sheet`], its first non-empty row as the header. A worksheet
//!   is read whole.
//!
//! The format is chosen from the file extension unless [`ReadOptions::format`] overrides it.
//!
//! Columns are found by the names in [`Role::recognised`] unless given in
//! [`Columns`]. Bad rows (ragged CSV rows, invalid JSON lines, empty text or
//! label, values of the wrong type) either stop the read
//! ([`OnBadRow::Fail`]) or are listed in [`History::skipped`]
//! ([`OnBadRow::Skip`]); no row is ever dropped silently.
//!
//! ```no_run
//! use pr_history::{read_history, ReadOptions};
//! let history = read_history("history.csv".as_ref(), &ReadOptions::default())?;
//! println!("{} records, {} skipped", history.records.len(), history.skipped.len());
//! # Ok::<(), pr_history::HistoryError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod column;
mod delimited;
mod error;
mod jsonl;
mod sheet;
mod source;
mod summary;
mod table;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

pub use column::{
    Column, Columns, ParseColumnError, Role, ID_NAMES, LABEL_NAMES, REGION_NAMES, TEXT_NAMES,
    TITLE_NAMES,
};
pub use error::{HistoryError, RowProblem};
pub use source::Encoding;
pub use summary::{Conflict, Summary, SummaryCounter, MIN_EXAMPLES};

/// One petition read from a history file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Record {
    /// 1-based row: the line number for JSONL; for CSV the record number as
    /// a spreadsheet shows it (the header is row 1, the first data row 2; a
    /// quoted field spanning lines still counts as one row).
    pub row: usize,
    /// The petition's id, trimmed; `None` when absent or empty.
    pub id: Option<String>,
    /// The title as written; `""` when absent.
    pub title: String,
    /// The body text as written; never blank (see [`pr_text::is_blank`]): something is left
    /// after normalisation.
    pub text: String,
    /// The label, trimmed; `None` when reading with [`Labels::Ignored`].
    pub label: Option<String>,
    /// The place the intake desk recorded (district, county or town), trimmed; `None` when
    /// the file has no region column or the row leaves it empty.
    #[serde(default)]
    pub region: Option<String>,
    /// What kind of petition the history filed it as (咨询问题, 投诉 …), trimmed; `None` when
    /// the file has no kind column or the row leaves it empty.
    #[serde(default)]
    pub kind: Option<String>,
    /// When the petition was received, as written (trimmed); `None` when the file has no date
    /// column or the row leaves it empty.
    #[serde(default)]
    pub date: Option<String>,
}

/// Whether records need a label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Labels {
    /// Training / evaluation: a label column must exist and every row needs a label.
    #[default]
    Required,
    /// Benchmarks: no label column is needed and [`Record::label`] is `None`.
    Ignored,
}

/// What to do with a bad row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OnBadRow {
    /// The first bad row is an error ([`HistoryError::BadRow`]).
    #[default]
    Fail,
    /// Bad rows are skipped and listed in [`History::skipped`] (the CLI's
    /// `--skip-bad-rows`).
    Skip,
}

/// A history file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// JSON lines: one JSON object per line.
    Jsonl,
    /// Delimited text with a header row.
    Csv {
        /// The field delimiter: `b','` for CSV, `b'\t'` for TSV.
        delimiter: u8,
    },
    /// A spreadsheet (.xlsx, .xlsm, .xlsb, .xls, .ods) with a header row.
    Spreadsheet,
}

impl Format {
    /// Comma-separated values.
    pub const CSV: Format = Format::Csv { delimiter: b',' };
    /// Tab-separated values.
    pub const TSV: Format = Format::Csv { delimiter: b'\t' };
    /// File extensions recognised by [`Format::from_path`] (without the dot).
    pub const SUPPORTED_EXTENSIONS: &'static [&'static str] = &[
        "jsonl", "json", "ndjson", "csv", "tsv", "xlsx", "xlsm", "xlsb", "xls", "ods",
    ];

    /// The format for a file extension (without the dot, any ASCII case).
    pub fn from_extension(extension: &str) -> Option<Format> {
        match extension.to_ascii_lowercase().as_str() {
            "jsonl" | "json" | "ndjson" => Some(Format::Jsonl),
            "csv" => Some(Format::CSV),
            "tsv" => Some(Format::TSV),
            "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => Some(Format::Spreadsheet),
            _ => None,
        }
    }

    /// The format for a path, from its extension.
    pub fn from_path(path: &Path) -> Result<Format, HistoryError> {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        Format::from_extension(&extension).ok_or_else(|| HistoryError::UnsupportedFormat {
            path: path.to_path_buf(),
            extension,
        })
    }
}

impl FromStr for Format {
    type Err = String;

    /// Parses a `--format` value: any of [`Format::SUPPORTED_EXTENSIONS`] (`jsonl`, `csv`,
    /// `tsv`, `xlsx`, …), in any ASCII case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::from_extension(s.trim()).ok_or_else(|| {
            format!(
                "unknown format '{s}': expected one of {}",
                Format::SUPPORTED_EXTENSIONS.join(", ")
            )
        })
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Format::Jsonl => f.write_str("jsonl"),
            Format::Csv { delimiter: b'\t' } => f.write_str("tsv"),
            Format::Csv { delimiter: b',' } => f.write_str("csv"),
            Format::Csv { delimiter } => write!(f, "csv (delimiter {:?})", char::from(*delimiter)),
            Format::Spreadsheet => f.write_str("spreadsheet"),
        }
    }
}

/// How to read a history file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The format; `None` chooses it from the file extension.
    pub format: Option<Format>,
    /// Which columns to read; unset ones are auto-detected.
    pub columns: Columns,
    /// Whether a label is required.
    pub labels: Labels,
    /// What to do with bad rows.
    pub on_bad_row: OnBadRow,
    /// The text encoding of CSV / TSV / JSONL files; `None` detects it.
    pub encoding: Option<Encoding>,
    /// The worksheet of a spreadsheet; `None` takes the first.
    pub sheet: Option<String>,
}

/// A row that was skipped with [`OnBadRow::Skip`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SkippedRow {
    /// 1-based row, numbered as in [`Record::row`].
    pub row: usize,
    /// The row's id, trimmed, when it could be read (rows without text or label); `None`
    /// otherwise.
    #[serde(default)]
    pub id: Option<String>,
    /// Why it was skipped.
    pub reason: String,
}

/// A whole history file read into memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    /// The file it was read from.
    pub path: PathBuf,
    /// The encoding it was read in (given or detected).
    pub encoding: Encoding,
    /// The good records, in file order.
    pub records: Vec<Record>,
    /// The rows skipped as bad, in file order (empty with [`OnBadRow::Fail`]).
    pub skipped: Vec<SkippedRow>,
}

impl History {
    /// How many records carry each label (records without a label are not counted).
    pub fn label_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for label in self.records.iter().filter_map(|r| r.label.as_ref()) {
            *counts.entry(label.clone()).or_insert(0) += 1;
        }
        counts
    }
}

/// Reads a whole history file.
///
/// Fails on the first file-level problem, or on the first bad row with
/// [`OnBadRow::Fail`]; also fails when the file has no rows or every row was
/// skipped.
pub fn read_history(path: &Path, options: &ReadOptions) -> Result<History, HistoryError> {
    let mut iter = records(path, options)?;
    let mut records = Vec::new();
    for record in iter.by_ref() {
        records.push(record?);
    }
    Ok(History {
        path: path.to_path_buf(),
        encoding: iter.encoding(),
        records,
        skipped: iter.into_skipped(),
    })
}

/// Opens a history file for streaming, one record at a time.
///
/// Problems visible from the start (cannot open, unknown extension, CSV header
/// without the needed columns) are returned here; the rest come from the
/// iterator, which stops after its first error.
pub fn records(path: &Path, options: &ReadOptions) -> Result<RecordIter, HistoryError> {
    let format = match options.format {
        Some(format) => format,
        None => Format::from_path(path)?,
    };
    if format == Format::Spreadsheet {
        let rows = Rows::Sheet(sheet::SheetRows::new(
            path,
            options.sheet.as_deref(),
            &options.columns,
            options.labels,
        )?);
        // Spreadsheets store Unicode text: no encoding to guess.
        return Ok(RecordIter::new(path, Encoding::Utf8, rows, options));
    }
    let source = source::open(path, options.encoding)?;
    let encoding = source.encoding;
    let rows = match format {
        Format::Jsonl => Rows::Jsonl(jsonl::JsonlRows::new(
            path,
            source,
            &options.columns,
            options.labels,
        )?),
        Format::Csv { delimiter } => Rows::Csv(delimited::CsvRows::new(
            path,
            source,
            delimiter,
            &options.columns,
            options.labels,
        )?),
        Format::Spreadsheet => unreachable!("spreadsheets are opened above"),
    };
    Ok(RecordIter::new(path, encoding, rows, options))
}

/// A row as read by a format reader, before the common checks.
pub(crate) struct RawRow {
    pub row: usize,
    pub id: Option<String>,
    pub title: String,
    pub text: String,
    pub text_column: String,
    pub label: Option<String>,
    pub label_column: Option<String>,
    pub region: Option<String>,
    pub kind: Option<String>,
    pub date: Option<String>,
}

/// One step of a format reader.
pub(crate) enum Step {
    Row(RawRow),
    Bad { row: usize, problem: RowProblem },
    End,
}

enum Rows {
    Jsonl(jsonl::JsonlRows),
    Csv(delimited::CsvRows),
    Sheet(sheet::SheetRows),
}

impl Rows {
    fn next_step(&mut self) -> Result<Step, HistoryError> {
        match self {
            Rows::Jsonl(rows) => rows.next_step(),
            Rows::Csv(rows) => rows.next_step(),
            Rows::Sheet(rows) => rows.next_step(),
        }
    }

    fn empty_error(&self) -> HistoryError {
        match self {
            Rows::Jsonl(rows) => rows.empty_error(),
            Rows::Csv(rows) => rows.empty_error(),
            Rows::Sheet(rows) => rows.empty_error(),
        }
    }
}

/// Streams the records of a history file; see [`records`].
///
/// Yields `Ok(record)` for each good row and stops after the first `Err`.
/// Rows skipped with [`OnBadRow::Skip`] are available from
/// [`RecordIter::skipped`] as the iteration proceeds; a caller that streams a
/// large file takes them with [`RecordIter::take_skipped`] so that they do not
/// pile up.
pub struct RecordIter {
    path: PathBuf,
    encoding: Encoding,
    rows: Rows,
    labels: Labels,
    on_bad_row: OnBadRow,
    skipped: Vec<SkippedRow>,
    /// Rows skipped in all, taken or not, and the first of them (for [`HistoryError::NoRecords`]).
    skipped_total: usize,
    first_skipped: Option<SkippedRow>,
    rows_seen: usize,
    yielded: usize,
    finished: bool,
}

impl fmt::Debug for RecordIter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordIter")
            .field("path", &self.path)
            .field("rows_seen", &self.rows_seen)
            .field("skipped", &self.skipped_total)
            .field("finished", &self.finished)
            .finish()
    }
}

impl RecordIter {
    fn new(path: &Path, encoding: Encoding, rows: Rows, options: &ReadOptions) -> RecordIter {
        RecordIter {
            path: path.to_path_buf(),
            encoding,
            rows,
            labels: options.labels,
            on_bad_row: options.on_bad_row,
            skipped: Vec::new(),
            skipped_total: 0,
            first_skipped: None,
            rows_seen: 0,
            yielded: 0,
            finished: false,
        }
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The encoding the file is read in (given or detected).
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// Rows skipped so far (with [`OnBadRow::Skip`]) and not yet taken with
    /// [`RecordIter::take_skipped`].
    pub fn skipped(&self) -> &[SkippedRow] {
        &self.skipped
    }

    /// Takes the rows skipped since the last call, in file order. After a
    /// record is yielded, the rows taken are the bad rows just before it.
    pub fn take_skipped(&mut self) -> Vec<SkippedRow> {
        std::mem::take(&mut self.skipped)
    }

    /// Rows skipped so far, including those taken.
    pub fn skipped_count(&self) -> usize {
        self.skipped_total
    }

    /// Consumes the iterator, returning the skipped rows not yet taken.
    pub fn into_skipped(self) -> Vec<SkippedRow> {
        self.skipped
    }

    /// Handles a bad row: an error to return (Fail) or `None` after recording it (Skip).
    fn bad(&mut self, row: usize, id: Option<String>, problem: RowProblem) -> Option<HistoryError> {
        match self.on_bad_row {
            OnBadRow::Fail => Some(HistoryError::BadRow {
                path: self.path.clone(),
                row,
                problem,
            }),
            OnBadRow::Skip => {
                let skipped = SkippedRow {
                    row,
                    id,
                    reason: problem.to_string(),
                };
                self.skipped_total += 1;
                if self.first_skipped.is_none() {
                    self.first_skipped = Some(skipped.clone());
                }
                self.skipped.push(skipped);
                None
            }
        }
    }

    fn at_end(&self) -> Option<HistoryError> {
        if self.rows_seen == 0 {
            return Some(self.rows.empty_error());
        }
        match &self.first_skipped {
            Some(first) if self.yielded == 0 => Some(HistoryError::NoRecords {
                path: self.path.clone(),
                skipped: self.skipped_total,
                first_row: first.row,
                first_reason: first.reason.clone(),
            }),
            _ => None,
        }
    }
}

impl Iterator for RecordIter {
    type Item = Result<Record, HistoryError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        loop {
            let step = match self.rows.next_step() {
                Ok(step) => step,
                Err(e) => {
                    self.finished = true;
                    return Some(Err(e));
                }
            };
            let (row, id, problem) = match step {
                Step::End => {
                    self.finished = true;
                    return self.at_end().map(Err);
                }
                Step::Bad { row, problem } => (row, None, problem),
                Step::Row(raw) => match check(raw, self.labels) {
                    Ok(record) => {
                        self.rows_seen += 1;
                        self.yielded += 1;
                        return Some(Ok(record));
                    }
                    Err(bad) => bad,
                },
            };
            self.rows_seen += 1;
            if let Some(e) = self.bad(row, id, problem) {
                self.finished = true;
                return Some(Err(e));
            }
        }
    }
}

/// The checks common to all formats: text that is not blank, non-empty label when
/// required; trims id, label and region.
fn check(raw: RawRow, labels: Labels) -> Result<Record, (usize, Option<String>, RowProblem)> {
    let id = trimmed(raw.id.as_deref());
    // The router's rule: text that normalises to nothing is no text, so that training,
    // evaluation and routing never meet a row they cannot analyse.
    if pr_text::is_blank(&raw.text) {
        let column = raw.text_column;
        let problem = if raw.text.trim().is_empty() {
            RowProblem::Empty {
                role: Role::Text,
                column,
            }
        } else {
            RowProblem::NoText { column }
        };
        return Err((raw.row, id, problem));
    }
    let label = match labels {
        Labels::Ignored => None,
        Labels::Required => {
            let label = raw.label.as_deref().map(str::trim).unwrap_or("");
            if label.is_empty() {
                return Err((
                    raw.row,
                    id,
                    RowProblem::Empty {
                        role: Role::Label,
                        column: raw.label_column.unwrap_or_default(),
                    },
                ));
            }
            Some(label.to_string())
        }
    };
    Ok(Record {
        row: raw.row,
        id,
        title: raw.title,
        text: raw.text,
        label,
        region: trimmed(raw.region.as_deref()),
        kind: trimmed(raw.kind.as_deref()),
        date: trimmed(raw.date.as_deref()),
    })
}

/// A value trimmed, or `None` when absent or blank.
fn trimmed(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}
