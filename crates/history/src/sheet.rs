//! Excel workbooks (.xlsx, .xlsm, .xlsb, .xls) and OpenDocument spreadsheets (.ods), read with
//! calamine: the first worksheet (or the one named), its first non-empty row as the header.
//!
//! calamine reads a whole worksheet at once; spreadsheets hold at most ~1 million rows, so
//! this is bounded, unlike CSV, which streams.

use std::path::{Path, PathBuf};

use calamine::{open_workbook_auto, Data, Reader};

use crate::column::Columns;
use crate::table::Layout;
use crate::{HistoryError, Labels, Step};

pub(crate) struct SheetRows {
    path: PathBuf,
    layout: Layout,
    /// Data rows as text, with their 1-based spreadsheet row numbers.
    rows: std::vec::IntoIter<(usize, Vec<String>)>,
}

impl SheetRows {
    pub(crate) fn new(
        path: &Path,
        sheet: Option<&str>,
        columns: &Columns,
        labels: Labels,
    ) -> Result<Self, HistoryError> {
        let error = |message: String| HistoryError::Spreadsheet {
            path: path.to_path_buf(),
            message,
        };
        let mut workbook = open_workbook_auto(path).map_err(|e| error(e.to_string()))?;
        let names = workbook.sheet_names();
        let name = match sheet {
            Some(wanted) => names
                .iter()
                .find(|n| n.as_str() == wanted)
                .cloned()
                .ok_or_else(|| {
                    error(format!(
                        "no worksheet named '{wanted}'; the workbook has {}",
                        names.join(", ")
                    ))
                })?,
            None => names
                .first()
                .cloned()
                .ok_or_else(|| error("the workbook has no worksheet".into()))?,
        };
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| error(format!("worksheet '{name}': {e}")))?;
        // Row numbers as the spreadsheet shows them: the range starts at its first used cell.
        let first_row = range.start().map_or(0, |(row, _)| row as usize) + 1;
        let mut rows = range
            .rows()
            .enumerate()
            .map(|(i, cells)| {
                (
                    first_row + i,
                    cells.iter().map(cell_text).collect::<Vec<_>>(),
                )
            })
            // Wholly empty rows are blank lines, not bad rows.
            .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()));
        let Some((_, headers)) = rows.next() else {
            return Err(HistoryError::EmptyFile {
                path: path.to_path_buf(),
            });
        };
        let headers = headers.into_iter().map(|h| h.trim().to_string()).collect();
        let layout = Layout::resolve(path.to_path_buf(), headers, columns, labels)?;
        Ok(SheetRows {
            path: path.to_path_buf(),
            layout,
            rows: rows.collect::<Vec<_>>().into_iter(),
        })
    }

    pub(crate) fn empty_error(&self) -> HistoryError {
        HistoryError::NoDataRows {
            path: self.path.clone(),
        }
    }

    pub(crate) fn next_step(&mut self) -> Result<Step, HistoryError> {
        Ok(match self.rows.next() {
            None => Step::End,
            Some((row, cells)) => {
                // A sheet is a rectangle: short rows only lack trailing empty cells.
                let fields = cells.len().max(self.layout.headers().len());
                self.layout
                    .step(row, fields, |i| cells.get(i).map_or("", String::as_str))
            }
        })
    }
}

/// A cell as text: whole numbers without a decimal point (ids, phone numbers typed as
/// numbers), dates as the spreadsheet stores them.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        other => other.to_string(),
    }
}
