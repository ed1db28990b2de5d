//! JSON lines: one JSON object per line.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::column::{find_name, Column, Columns, Role};
use crate::source::Source;
use crate::{HistoryError, Labels, RawRow, RowProblem, Step};

/// A field found in an object: its key and value.
type Field = (String, Value);

pub(crate) struct JsonlRows {
    path: PathBuf,
    reader: Box<dyn BufRead>,
    columns: Columns,
    labels: Labels,
    line_no: usize,
    offset: u64,
    seen_nonblank: bool,
    seen_object: bool,
}

impl JsonlRows {
    pub(crate) fn new(
        path: &Path,
        source: Source,
        columns: &Columns,
        labels: Labels,
    ) -> Result<Self, HistoryError> {
        for role in [
            Role::Id,
            Role::Title,
            Role::Text,
            Role::Label,
            Role::Region,
            Role::Kind,
            Role::Date,
        ] {
            if let Some(Column::Index(index)) = columns.get(role) {
                return Err(HistoryError::IndexOnJsonl {
                    path: path.to_path_buf(),
                    role,
                    index: *index,
                });
            }
        }
        Ok(JsonlRows {
            path: path.to_path_buf(),
            reader: source.reader,
            columns: columns.clone(),
            labels,
            line_no: 0,
            offset: source.skipped_bytes,
            seen_nonblank: false,
            seen_object: false,
        })
    }

    pub(crate) fn empty_error(&self) -> HistoryError {
        HistoryError::EmptyFile {
            path: self.path.clone(),
        }
    }

    pub(crate) fn next_step(&mut self) -> Result<Step, HistoryError> {
        loop {
            let mut buf = Vec::new();
            let n =
                self.reader
                    .read_until(b'\n', &mut buf)
                    .map_err(|error| HistoryError::Read {
                        path: self.path.clone(),
                        row: self.line_no,
                        error,
                    })?;
            if n == 0 {
                return Ok(Step::End);
            }
            self.line_no += 1;
            let start = self.offset;
            self.offset += n as u64;
            let mut bytes = buf.as_slice();
            if let Some(rest) = bytes.strip_suffix(b"\n") {
                bytes = rest;
            }
            if let Some(rest) = bytes.strip_suffix(b"\r") {
                bytes = rest;
            }
            let line = std::str::from_utf8(bytes).map_err(|e| HistoryError::NotUtf8 {
                path: self.path.clone(),
                row: self.line_no,
                column: None,
                byte_offset: start + e.valid_up_to() as u64,
            })?;
            if line.trim().is_empty() {
                continue;
            }
            if !self.seen_nonblank {
                self.seen_nonblank = true;
                if line.trim_start().starts_with('[') {
                    return Err(HistoryError::JsonArray {
                        path: self.path.clone(),
                    });
                }
            }
            return self.parse_line(line);
        }
    }

    fn parse_line(&mut self, line: &str) -> Result<Step, HistoryError> {
        let row = self.line_no;
        let bad = |problem| Ok(Step::Bad { row, problem });
        let map = match serde_json::from_str::<Value>(line) {
            Ok(Value::Object(map)) => map,
            Ok(other) => {
                return bad(RowProblem::NotObject {
                    found: type_name(&other),
                })
            }
            Err(e) => {
                return bad(RowProblem::InvalidJson {
                    column: char_column(line, e.column()),
                    reason: strip_location(&e.to_string()),
                })
            }
        };
        let first = !self.seen_object;
        self.seen_object = true;

        let text = match self.required(&map, Role::Text, first)? {
            Ok(found) => found,
            Err(problem) => return bad(problem),
        };
        let label = match self.labels {
            Labels::Ignored => None,
            Labels::Required => match self.required(&map, Role::Label, first)? {
                Ok(found) => Some(found),
                Err(problem) => return bad(problem),
            },
        };
        let title = self.optional(&map, Role::Title, first)?;
        let id = self.optional(&map, Role::Id, first)?;
        let region = self.optional(&map, Role::Region, first)?;
        let kind = self.optional(&map, Role::Kind, first)?;
        let date = self.optional(&map, Role::Date, first)?;

        let mut values = Vec::with_capacity(7);
        for (role, found) in [
            (Role::Text, Some(&text)),
            (Role::Label, label.as_ref()),
            (Role::Title, title.as_ref()),
            (Role::Id, id.as_ref()),
            (Role::Region, region.as_ref()),
            (Role::Kind, kind.as_ref()),
            (Role::Date, date.as_ref()),
        ] {
            let value = match found {
                Some((key, value)) => match json_string(value, role) {
                    Ok(s) => s,
                    Err(found) => {
                        return bad(RowProblem::WrongType {
                            role,
                            field: key.clone(),
                            found,
                        })
                    }
                },
                None => None,
            };
            values.push(value);
        }
        let mut values = values.into_iter();
        let text_value = values.next().flatten().unwrap_or_default();
        let label_value = values.next().flatten();
        let title_value = values.next().flatten().unwrap_or_default();
        let id_value = values.next().flatten();
        let region_value = values.next().flatten();
        let kind_value = values.next().flatten();
        let date_value = values.next().flatten();

        Ok(Step::Row(RawRow {
            row,
            id: id_value,
            title: title_value,
            text: text_value,
            text_column: text.0,
            label: label_value,
            label_column: label.map(|(key, _)| key),
            region: region_value,
            kind: kind_value,
            date: date_value,
        }))
    }

    /// Finds the field for a required role. A missing field in the first
    /// object is a file-level error; later it is a bad row.
    fn required(
        &self,
        map: &Map<String, Value>,
        role: Role,
        first: bool,
    ) -> Result<Result<Field, RowProblem>, HistoryError> {
        if let Some(found) = lookup(map, self.columns.get(role), role) {
            return Ok(Ok(found));
        }
        let available: Vec<String> = map.keys().cloned().collect();
        if !first {
            return Ok(Err(RowProblem::MissingField { role, available }));
        }
        Err(self.missing_error(role, available))
    }

    /// Finds the field for an optional role. A field named explicitly must be
    /// present in the first object.
    fn optional(
        &self,
        map: &Map<String, Value>,
        role: Role,
        first: bool,
    ) -> Result<Option<Field>, HistoryError> {
        let found = lookup(map, self.columns.get(role), role);
        if found.is_none() && first && self.columns.get(role).is_some() {
            return Err(self.missing_error(role, map.keys().cloned().collect()));
        }
        Ok(found)
    }

    fn missing_error(&self, role: Role, available: Vec<String>) -> HistoryError {
        let path = self.path.clone();
        match self.columns.get(role) {
            Some(Column::Name(name)) => HistoryError::NamedColumnMissing {
                path,
                role,
                name: name.clone(),
                what: "fields",
                available,
            },
            Some(Column::Index(index)) => HistoryError::IndexOnJsonl {
                path,
                role,
                index: *index,
            },
            None => HistoryError::ColumnNotFound {
                path,
                role,
                what: "fields",
                available,
            },
        }
    }
}

fn lookup(map: &Map<String, Value>, column: Option<&Column>, role: Role) -> Option<Field> {
    let keys = || map.keys().map(String::as_str);
    let index = match column {
        Some(Column::Name(name)) => find_name(keys(), name, &[]),
        Some(Column::Index(_)) => None,
        None => crate::column::detect(keys(), role, &[]),
    }?;
    map.iter()
        .nth(index)
        .map(|(key, value)| (key.clone(), value.clone()))
}

/// Converts a JSON value to a string; numbers are accepted for id, label and region (a
/// division code).
/// `Ok(None)` for null; `Err(type)` for anything else.
fn json_string(value: &Value, role: Role) -> Result<Option<String>, &'static str> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n)
            if matches!(
                role,
                Role::Id | Role::Label | Role::Region | Role::Kind | Role::Date
            ) =>
        {
            Ok(Some(n.to_string()))
        }
        other => Err(type_name(other)),
    }
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// serde_json's column is in bytes; report it in characters.
fn char_column(line: &str, byte_column: usize) -> usize {
    let before = byte_column.saturating_sub(1);
    line.char_indices().take_while(|(i, _)| *i < before).count() + 1
}

/// Drops serde_json's " at line 1 column N": the line and column are
/// reported separately.
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_string(),
        None => message.to_string(),
    }
}
