//! Tables with a header row (CSV / TSV, spreadsheets): which column holds what, and turning a
//! row of fields into a [`RawRow`].

use std::path::PathBuf;

use crate::column::{detect, find_name, Column, Columns, Role};
use crate::{HistoryError, Labels, RawRow, RowProblem, Step};

/// The header row and the columns chosen from it.
pub(crate) struct Layout {
    path: PathBuf,
    headers: Vec<String>,
    id: Option<usize>,
    title: Option<usize>,
    text: usize,
    label: Option<usize>,
    region: Option<usize>,
    kind: Option<usize>,
    date: Option<usize>,
}

impl Layout {
    /// Resolves explicit columns first, then auto-detects the rest among the columns not yet
    /// taken.
    pub(crate) fn resolve(
        path: PathBuf,
        headers: Vec<String>,
        columns: &Columns,
        labels: Labels,
    ) -> Result<Layout, HistoryError> {
        let mut layout = Layout {
            path,
            headers,
            id: None,
            title: None,
            text: 0,
            label: None,
            region: None,
            kind: None,
            date: None,
        };
        let mut roles = vec![Role::Text];
        if labels == Labels::Required {
            roles.push(Role::Label);
        }
        roles.extend([Role::Title, Role::Id, Role::Region, Role::Kind, Role::Date]);

        let mut taken: Vec<usize> = Vec::new();
        let mut found: Vec<(Role, usize)> = Vec::new();
        for &role in &roles {
            if let Some(column) = columns.get(role) {
                let index = layout.explicit(role, column)?;
                taken.push(index);
                found.push((role, index));
            }
        }
        for &role in &roles {
            if columns.get(role).is_some() {
                continue;
            }
            let names = layout.headers.iter().map(String::as_str);
            match detect(names, role, &taken) {
                Some(index) => {
                    taken.push(index);
                    found.push((role, index));
                }
                None if matches!(role, Role::Text | Role::Label) => {
                    return Err(HistoryError::ColumnNotFound {
                        path: layout.path.clone(),
                        role,
                        what: "headers",
                        available: layout.headers.clone(),
                    });
                }
                None => {}
            }
        }
        for (role, index) in found {
            match role {
                Role::Id => layout.id = Some(index),
                Role::Title => layout.title = Some(index),
                Role::Text => layout.text = index,
                Role::Label => layout.label = Some(index),
                Role::Region => layout.region = Some(index),
                Role::Kind => layout.kind = Some(index),
                Role::Date => layout.date = Some(index),
            }
        }
        Ok(layout)
    }

    /// The header names.
    pub(crate) fn headers(&self) -> &[String] {
        &self.headers
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

    /// Row `row` with `fields` fields, read by `get`: a record, or a bad row when the number
    /// of fields differs from the header's (extra blank fields are tolerated).
    pub(crate) fn step<'a>(
        &self,
        row: usize,
        fields: usize,
        get: impl Fn(usize) -> &'a str,
    ) -> Step {
        let expected = self.headers.len();
        let extra_blank = fields > expected && (expected..fields).all(|i| get(i).trim().is_empty());
        if fields != expected && !extra_blank {
            return Step::Bad {
                row,
                problem: RowProblem::Ragged { fields, expected },
            };
        }
        let header = |index: usize| self.headers.get(index).cloned().unwrap_or_default();
        Step::Row(RawRow {
            row,
            id: self.id.map(&get).map(str::to_string),
            title: self.title.map(&get).unwrap_or("").to_string(),
            text: get(self.text).to_string(),
            text_column: header(self.text),
            label: self.label.map(&get).map(str::to_string),
            label_column: self.label.map(header),
            region: self.region.map(&get).map(str::to_string),
            kind: self.kind.map(&get).map(str::to_string),
            date: self.date.map(&get).map(str::to_string),
        })
    }
}
