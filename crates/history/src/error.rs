//! Errors: every message names the file, the row and column where relevant,
//! and says what to fix.

use std::io;
use std::path::PathBuf;

use crate::column::{quote_list, Role};
use crate::Format;

/// What is wrong with a single row. With [`crate::OnBadRow::Skip`] such rows
/// are reported in [`crate::History::skipped`]; with [`crate::OnBadRow::Fail`]
/// the first one becomes [`HistoryError::BadRow`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RowProblem {
    /// A JSONL line that is not valid JSON.
    #[error("not a JSON object: {reason} (column {column})")]
    InvalidJson {
        /// 1-based character column where the JSON parser stopped.
        column: usize,
        /// The parser's reason.
        reason: String,
    },
    /// A JSONL line that is valid JSON but not an object.
    #[error(
        "expected a JSON object like {{\"title\": …, \"text\": …, \"label\": …}}, found {found}"
    )]
    NotObject {
        /// What was found instead, e.g. "an array".
        found: &'static str,
    },
    /// A CSV row whose field count differs from the header's.
    #[error("row has {fields} fields but the header has {expected} (is a quote or delimiter inside a field not escaped?)")]
    Ragged {
        /// Fields in this row.
        fields: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// Empty or whitespace-only text or label.
    #[error("empty {role} in column '{column}'")]
    Empty {
        /// Which part is empty.
        role: Role,
        /// The column (header or field name) it was read from.
        column: String,
    },
    /// Text that is only markup, entities of spaces or invisible characters: nothing is left
    /// once it is normalised.
    #[error("no text in column '{column}': only markup, spaces or invisible characters")]
    NoText {
        /// The column (header or field name) it was read from.
        column: String,
    },
    /// A JSONL object without the text or label field that earlier objects had.
    #[error("no {role} field (this object has {}; name the field with {})", quote_list(.available), .role.flag())]
    MissingField {
        /// Which field is missing.
        role: Role,
        /// The fields this object does have.
        available: Vec<String>,
    },
    /// A JSON value of the wrong type.
    #[error("{role} field '{field}' is {found}; expected {}", expected_type(*.role))]
    WrongType {
        /// Which part has the wrong type.
        role: Role,
        /// The field name.
        field: String,
        /// What was found, e.g. "a boolean".
        found: &'static str,
    },
}

fn expected_type(role: Role) -> &'static str {
    match role {
        Role::Id | Role::Label | Role::Region | Role::Kind | Role::Date => "a string or a number",
        Role::Title | Role::Text => "a string",
    }
}

fn file_has(what: &str, available: &[String]) -> String {
    format!("the file's {what} are {}", quote_list(available))
}

fn utf8_where(column: &Option<String>) -> String {
    match column {
        Some(column) => format!(" in column '{column}'"),
        None => String::new(),
    }
}

fn extension_list() -> String {
    Format::SUPPORTED_EXTENSIONS
        .iter()
        .map(|e| format!(".{e}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Errors from reading a history file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HistoryError {
    /// The file cannot be opened.
    #[error("cannot open history file {}: {error} (check the path and its permissions)", .path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        error: io::Error,
    },
    /// Reading failed part way through.
    #[error("{}: read error after row {row}: {error}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The last row read before the error (0 if none).
        row: usize,
        /// The I/O error.
        error: io::Error,
    },
    /// The file extension does not tell a supported format.
    #[error("{}: cannot tell the format from the extension '{extension}': supported extensions are {} (.tsv is tab-separated); rename the file or give the format explicitly", .path.display(), extension_list())]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
        /// Its extension ("" when it has none).
        extension: String,
    },
    /// The file has no rows at all.
    #[error("{}: the file is empty (no rows); JSONL needs one JSON object per line, CSV a header row then one row per petition", .path.display())]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },
    /// A CSV file with a header row and nothing else.
    #[error("{}: the file has a header row but no data rows", .path.display())]
    NoDataRows {
        /// The file.
        path: PathBuf,
    },
    /// Every row was bad and skipped.
    #[error("{}: no usable rows: all {skipped} rows were skipped as bad (first, row {first_row}: {first_reason}); check the column options and the file's format", .path.display())]
    NoRecords {
        /// The file.
        path: PathBuf,
        /// How many rows were skipped.
        skipped: usize,
        /// Row of the first skipped row.
        first_row: usize,
        /// Reason the first row was skipped.
        first_reason: String,
    },
    /// A `.json`/`.jsonl` file that holds one JSON array rather than one object per line.
    #[error("{}: the file is a JSON array, but history files are JSON lines (one object per line); convert it, e.g. `jq -c '.[]' in.json > out.jsonl`", .path.display())]
    JsonArray {
        /// The file.
        path: PathBuf,
    },
    /// No column for a role was given and none of the recognised names is present.
    #[error("{}: no {role} column found: {}; recognised {role} names are {}; name the column with {} NAME{}", .path.display(), file_has(.what, .available), quote_list(.role.recognised()), .role.flag(), if *.what == "headers" { " or a 1-based column number" } else { "" })]
    ColumnNotFound {
        /// The file.
        path: PathBuf,
        /// The role that has no column.
        role: Role,
        /// "headers" (CSV) or "fields" (JSONL).
        what: &'static str,
        /// The headers or field names present.
        available: Vec<String>,
    },
    /// A column given by name does not exist.
    #[error("{}: the {role} column '{name}' given with {} does not exist: {}", .path.display(), .role.flag(), file_has(.what, .available))]
    NamedColumnMissing {
        /// The file.
        path: PathBuf,
        /// The role it was given for.
        role: Role,
        /// The name given.
        name: String,
        /// "headers" (CSV) or "fields" (JSONL).
        what: &'static str,
        /// The headers or field names present.
        available: Vec<String>,
    },
    /// A column given by number is out of range.
    #[error("{}: the {role} column number {index} given with {} is out of range: the header has {} columns, numbered from 1: {}", .path.display(), .role.flag(), .available.len(), quote_list(.available))]
    IndexOutOfRange {
        /// The file.
        path: PathBuf,
        /// The role it was given for.
        role: Role,
        /// The 1-based number given.
        index: usize,
        /// The headers present.
        available: Vec<String>,
    },
    /// A column given by number for a JSONL file.
    #[error("{}: {} {index}: JSONL fields have no order, so a column number cannot be used; give the field name instead", .path.display(), .role.flag())]
    IndexOnJsonl {
        /// The file.
        path: PathBuf,
        /// The role it was given for.
        role: Role,
        /// The number given.
        index: usize,
    },
    /// A spreadsheet that cannot be read.
    #[error("{}: cannot read the spreadsheet: {message}", .path.display())]
    Spreadsheet {
        /// The file.
        path: PathBuf,
        /// What calamine reported, or which worksheet is missing.
        message: String,
    },
    /// The file is not valid UTF-8.
    #[error("{}:{row}: the file is not UTF-8 (invalid bytes{} near byte offset {byte_offset}): re-export it as UTF-8, or pass --encoding gbk if it is GBK / GB18030", .path.display(), utf8_where(.column))]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based row (JSONL line, CSV record as a spreadsheet counts it).
        row: usize,
        /// The column holding the invalid bytes, when known.
        column: Option<String>,
        /// Byte offset in the file: of the invalid byte (JSONL) or of the
        /// start of the row (CSV).
        byte_offset: u64,
    },
    /// A bad row with [`crate::OnBadRow::Fail`].
    #[error("{}:{row}: {problem}; fix the row, or pass --skip-bad-rows to skip bad rows and list them", .path.display())]
    BadRow {
        /// The file.
        path: PathBuf,
        /// 1-based row (JSONL line, CSV record as a spreadsheet counts it).
        row: usize,
        /// What is wrong with it.
        problem: RowProblem,
    },
    /// Any other CSV parse failure.
    #[error("{}:{row}: cannot parse CSV: {message}", .path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based row where it happened (0 when unknown).
        row: usize,
        /// The CSV parser's message.
        message: String,
    },
}
