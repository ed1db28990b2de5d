//! JSON lines: one JSON object per line.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::column::{find_name, Column, Columns, Role};
use crate::source::Source;
use crate::{HistoryError, Labels, RawRow, RowProblem, Step};

/// The roles a line's fields are read for, in the order of [`Found::at`].
const ROLES: [Role; 7] = [
    Role::Text,
    Role::Label,
    Role::Title,
    Role::Id,
    Role::Region,
    Role::Kind,
    Role::Date,
];

/// Where each of [`ROLES`] is among the (sorted) keys of an object, for the last set of
/// keys seen: the lines of a file almost always share one, and matching the names of every
/// line against the recognised ones cost a third of the reading.
#[derive(Default)]
struct Found {
    keys: Vec<String>,
    at: [Option<usize>; ROLES.len()],
}

pub(crate) struct JsonlRows {
    path: PathBuf,
    reader: Box<dyn BufRead>,
    columns: Columns,
    labels: Labels,
    line_no: usize,
    offset: u64,
    seen_nonblank: bool,
    seen_object: bool,
    /// The line being read, its allocation kept from line to line.
    line: Vec<u8>,
    found: Found,
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
            line: Vec::new(),
            found: Found::default(),
        })
    }

    pub(crate) fn empty_error(&self) -> HistoryError {
        HistoryError::EmptyFile {
            path: self.path.clone(),
        }
    }

    pub(crate) fn next_step(&mut self) -> Result<Step, HistoryError> {
        loop {
            let mut buf = std::mem::take(&mut self.line);
            buf.clear();
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
            let step = self.step(&buf, start);
            self.line = buf;
            if let Some(step) = step {
                return step;
            }
        }
    }

    /// The step of a line read at byte `start`; `None` for a blank line.
    fn step(&mut self, buf: &[u8], start: u64) -> Option<Result<Step, HistoryError>> {
        let mut bytes = buf;
        if let Some(rest) = bytes.strip_suffix(b"\n") {
            bytes = rest;
        }
        if let Some(rest) = bytes.strip_suffix(b"\r") {
            bytes = rest;
        }
        let line = match std::str::from_utf8(bytes) {
            Ok(line) => line,
            Err(e) => {
                return Some(Err(HistoryError::NotUtf8 {
                    path: self.path.clone(),
                    row: self.line_no,
                    column: None,
                    byte_offset: start + e.valid_up_to() as u64,
                }))
            }
        };
        if line.trim().is_empty() {
            return None;
        }
        if !self.seen_nonblank {
            self.seen_nonblank = true;
            if line.trim_start().starts_with('[') {
                return Some(Err(HistoryError::JsonArray {
                    path: self.path.clone(),
                }));
            }
        }
        Some(self.parse_line(line))
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

        let [text, label, title, id, region, kind, date] = self.positions(&map);
        let text = match self.required(&map, text, Role::Text, first)? {
            Ok(at) => at,
            Err(problem) => return bad(problem),
        };
        let label = match self.labels {
            Labels::Ignored => None,
            Labels::Required => match self.required(&map, label, Role::Label, first)? {
                Ok(at) => Some(at),
                Err(problem) => return bad(problem),
            },
        };
        for (role, at) in [
            (Role::Title, title),
            (Role::Id, id),
            (Role::Region, region),
            (Role::Kind, kind),
            (Role::Date, date),
        ] {
            self.optional(&map, at, role, first)?;
        }

        // The values are moved out of the object (cloned only where two roles read one
        // field), in the order of ROLES, the first of the wrong type reported.
        let wanted = [Some(text), label, title, id, region, kind, date];
        let mut fields: Vec<(String, Value)> = map.into_iter().collect();
        let mut values: [Option<String>; ROLES.len()] = Default::default();
        for (slot, (&role, at)) in ROLES.iter().zip(wanted).enumerate() {
            let Some(at) = at else { continue };
            let shared = wanted
                .iter()
                .enumerate()
                .any(|(other, &w)| other != slot && w == Some(at));
            let value = if shared {
                fields[at].1.clone()
            } else {
                std::mem::take(&mut fields[at].1)
            };
            match json_string(value, role) {
                Ok(value) => values[slot] = value,
                Err(found) => {
                    return bad(RowProblem::WrongType {
                        role,
                        field: fields[at].0.clone(),
                        found,
                    })
                }
            }
        }
        let [text_value, label_value, title_value, id_value, region_value, kind_value, date_value] =
            values;

        Ok(Step::Row(RawRow {
            row,
            id: id_value,
            title: title_value.unwrap_or_default(),
            text: text_value.unwrap_or_default(),
            text_column: fields[text].0.clone(),
            label: label_value,
            label_column: label.map(|at| fields[at].0.clone()),
            region: region_value,
            kind: kind_value,
            date: date_value,
        }))
    }

    /// Where each of [`ROLES`] is among `map`'s keys (see [`Found`]).
    fn positions(&mut self, map: &Map<String, Value>) -> [Option<usize>; ROLES.len()] {
        let same = self.found.keys.len() == map.len()
            && self.found.keys.iter().zip(map.keys()).all(|(a, b)| a == b);
        if !same {
            let keys: Vec<String> = map.keys().cloned().collect();
            let names = || keys.iter().map(String::as_str);
            self.found.at = ROLES.map(|role| position(names(), self.columns.get(role), role));
            self.found.keys = keys;
        }
        self.found.at
    }

    /// The position of a required role's field. A missing field in the first object is a
    /// file-level error; later it is a bad row.
    fn required(
        &self,
        map: &Map<String, Value>,
        at: Option<usize>,
        role: Role,
        first: bool,
    ) -> Result<Result<usize, RowProblem>, HistoryError> {
        if let Some(at) = at {
            return Ok(Ok(at));
        }
        let available: Vec<String> = map.keys().cloned().collect();
        if !first {
            return Ok(Err(RowProblem::MissingField { role, available }));
        }
        Err(self.missing_error(role, available))
    }

    /// Checks an optional role's field: a field named explicitly must be present in the first
    /// object.
    fn optional(
        &self,
        map: &Map<String, Value>,
        at: Option<usize>,
        role: Role,
        first: bool,
    ) -> Result<(), HistoryError> {
        if at.is_none() && first && self.columns.get(role).is_some() {
            return Err(self.missing_error(role, map.keys().cloned().collect()));
        }
        Ok(())
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

/// The position of a role's field among `keys`: the one named, else the first recognised.
fn position<'a, I>(keys: I, column: Option<&Column>, role: Role) -> Option<usize>
where
    I: Iterator<Item = &'a str> + Clone,
{
    match column {
        Some(Column::Name(name)) => find_name(keys, name, &[]),
        Some(Column::Index(_)) => None,
        None => crate::column::detect(keys, role, &[]),
    }
}

/// Converts a JSON value to a string; numbers are accepted for id, label and region (a
/// division code).
/// `Ok(None)` for null; `Err(type)` for anything else.
fn json_string(value: Value, role: Role) -> Result<Option<String>, &'static str> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Number(n)
            if matches!(
                role,
                Role::Id | Role::Label | Role::Region | Role::Kind | Role::Date
            ) =>
        {
            Ok(Some(n.to_string()))
        }
        other => Err(type_name(&other)),
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
