//! CSV / TSV with a header row.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::column::{detect, find_name, Column, Columns, Role};
use crate::source::Source;
use crate::{HistoryError, Labels, RawRow, RowProblem, Step};

pub(crate) struct CsvRows {
    path: PathBuf,
    reader: csv::Reader<Box<dyn Read>>,
    skipped_bytes: u64,
    headers: Vec<String>,
    id: Option<usize>,
    title: Option<usize>,
    text: usize,
    label: Option<usize>,
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
            headers: Vec::new(),
            id: None,
            title: None,
            text: 0,
            label: None,
            record: csv::StringRecord::new(),
            last_row: 0,
        };
        if !rows.read()? {
            return Err(HistoryError::EmptyFile {
                path: path.to_path_buf(),
            });
        }
        rows.headers = rows
            .record
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').trim().to_string())
            .collect();
        rows.resolve(columns, labels)?;
        Ok(rows)
    }

    pub(crate) fn empty_error(&self) -> HistoryError {
        HistoryError::NoDataRows {
            path: self.path.clone(),
        }
    }

    /// Resolves explicit columns first, then auto-detects the rest among the
    /// columns not yet taken.
    fn resolve(&mut self, columns: &Columns, labels: Labels) -> Result<(), HistoryError> {
        let mut roles = vec![Role::Text];
        if labels == Labels::Required {
            roles.push(Role::Label);
        }
        roles.extend([Role::Title, Role::Id]);

        let mut taken: Vec<usize> = Vec::new();
        let mut found: Vec<(Role, usize)> = Vec::new();
        for &role in &roles {
            if let Some(column) = columns.get(role) {
                let index = self.explicit(role, column)?;
                taken.push(index);
                found.push((role, index));
            }
        }
        for &role in &roles {
            if columns.get(role).is_some() {
                continue;
            }
            let names = self.headers.iter().map(String::as_str);
            match detect(names, role, &taken) {
                Some(index) => {
                    taken.push(index);
                    found.push((role, index));
                }
                None if matches!(role, Role::Text | Role::Label) => {
                    return Err(HistoryError::ColumnNotFound {
                        path: self.path.clone(),
                        role,
                        what: "headers",
                        available: self.headers.clone(),
                    });
                }
                None => {}
            }
        }
        for (role, index) in found {
            match role {
                Role::Id => self.id = Some(index),
                Role::Title => self.title = Some(index),
                Role::Text => self.text = index,
                Role::Label => self.label = Some(index),
            }
        }
        Ok(())
    }

    fn explicit(&self, role: Role, column: &Column) -> Result<usize, HistoryError> {
        match column {
            Column::Name(name) => find_name(self.headers.iter().map(String::as_str), name, &[])
                .ok_or_else(|| HistoryError::NamedColumnMissing {
                    path: self.path.clone(),
                    role,
                    name: name.clone(),
                    what: "headers",
                    available: self.headers.clone(),
                }),
            Column::Index(index) => {
                if *index >= 1 && *index <= self.headers.len() {
                    Ok(index - 1)
                } else {
                    Err(HistoryError::IndexOutOfRange {
                        path: self.path.clone(),
                        role,
                        index: *index,
                        available: self.headers.clone(),
                    })
                }
            }
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
                    .headers
                    .get(err.field())
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
        let row = self.last_row;
        let fields = self.record.len();
        let expected = self.headers.len();
        let extra_blank = fields > expected
            && self
                .record
                .iter()
                .skip(expected)
                .all(|f| f.trim().is_empty());
        if fields != expected && !extra_blank {
            return Ok(Step::Bad {
                row,
                problem: RowProblem::Ragged { fields, expected },
            });
        }
        let get = |index: usize| self.record.get(index).unwrap_or("");
        let header = |index: usize| self.headers.get(index).cloned().unwrap_or_default();
        Ok(Step::Row(RawRow {
            row,
            id: self.id.map(get).map(str::to_string),
            title: self.title.map(get).unwrap_or("").to_string(),
            text: get(self.text).to_string(),
            text_column: header(self.text),
            label: self.label.map(get).map(str::to_string),
            label_column: self.label.map(header),
        }))
    }
}
