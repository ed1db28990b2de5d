//! CSV / TSV with a header row.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::column::Columns;
use crate::source::Source;
use crate::table::Layout;
use crate::{HistoryError, Labels, Step};

pub(crate) struct CsvRows {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read>>,
    skipped_bytes: u64,
    /// Set once the header row is read.
    layout: Option<Layout>,
    record: csv::StringRecord,
    last_row: usize,
}

impl CsvRows {
    pub(crate) fn new(
        path: &Path,
        source: Source,
        delimiter: u8,
        columns: &Columns,
        labels: Labels,
    ) -> Result<Self, HistoryError> {
        let reader: Box<dyn Read> = Box::new(source.reader);
        let reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(reader);
        let mut rows = CsvRows {
            path: path.to_path_buf(),
            reader,
            skipped_bytes: source.skipped_bytes,
            layout: None,
            record: csv::StringRecord::new(),
            last_row: 0,
        };
        if !rows.read()? {
            return Err(HistoryError::EmptyFile {
                path: path.to_path_buf(),
            });
        }
        let headers = rows
            .record
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        rows.layout = Some(Layout::resolve(
            path.to_path_buf(),
            headers,
            columns,
            labels,
        )?);
        Ok(rows)
    }

    pub(crate) fn empty_error(&self) -> HistoryError {
        HistoryError::NoDataRows {
            path: self.path.clone(),
        }
    }

    /// Reads the next record into `self.record`; false at the end.
    fn read(&mut self) -> Result<bool, HistoryError> {
        match self.reader.read_record(&mut self.record) {
            Ok(more) => {
                if more {
                    self.last_row = self.current_row();
                }
                Ok(more)
            }
            Err(e) => Err(self.csv_error(e)),
        }
    }

    /// 1-based record number, header = row 1, as a spreadsheet shows it.
    fn current_row(&self) -> usize {
        match self.record.position() {
            Some(pos) => usize::try_from(pos.record())
                .unwrap_or(usize::MAX)
                .saturating_add(1),
            None => self.last_row.saturating_add(1),
        }
    }

    fn csv_error(&self, e: csv::Error) -> HistoryError {
        let path = self.path.clone();
        let row_of = |pos: Option<&csv::Position>| match pos {
            Some(pos) => usize::try_from(pos.record())
                .unwrap_or(usize::MAX)
                .saturating_add(1),
            None => self.last_row.saturating_add(1),
        };
        match e.kind() {
            csv::ErrorKind::Utf8 { pos, err } => {
                let column = self
                    .layout
                    .as_ref()
                    .and_then(|l| l.headers().get(err.field()))
                    .cloned()
                    .or_else(|| Some(format!("column {}", err.field().saturating_add(1))));
                HistoryError::NotUtf8 {
                    path,
                    row: row_of(pos.as_ref()),
                    column,
                    byte_offset: pos.as_ref().map_or(0, |p| p.byte()) + self.skipped_bytes,
                }
            }
            csv::ErrorKind::Io(io) => HistoryError::Read {
                path,
                row: self.last_row,
                error: std::io::Error::new(io.kind(), io.to_string()),
            },
            _ => HistoryError::Csv {
                path,
                row: row_of(e.position()),
                message: e.to_string(),
            },
        }
    }

    pub(crate) fn next_step(&mut self) -> Result<Step, HistoryError> {
        if !self.read()? {
            return Ok(Step::End);
        }
        let layout = self
            .layout
            .as_ref()
            .expect("the header row is read in new()");
        let record = &self.record;
        Ok(layout.step(self.last_row, record.len(), |i| record.get(i).unwrap_or("")))
    }
}
