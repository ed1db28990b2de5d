//! Petition counts by place and window: the grid of the report's heat map.

use std::collections::HashMap;

use crate::{window_index, window_start_of, Petition, ValidParams};

/// Petition counts by place (rows) and window (columns), for [`crate::report_html`]. Rows
/// are ordered by total petitions, most first; columns run from the window of the earliest
/// petition to that of the latest, empty windows included. Only non-empty cells are stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeatMap {
    window_days: u32,
    first_window: i64,
    columns: usize,
    places: Vec<String>,
    totals: Vec<u64>,
    /// `(row, column, count)` of non-empty cells, sorted.
    cells: Vec<(u32, u32, u32)>,
    petitions: u64,
}

impl HeatMap {
    /// Counts `petitions` by place and by window of [`ValidParams::window_days`].
    pub fn new(petitions: &[Petition], params: &ValidParams) -> HeatMap {
        let window_days = params.window_days();
        let mut counts: HashMap<(&str, i64), u32> = HashMap::new();
        for p in petitions {
            *counts
                .entry((p.place.as_str(), window_index(p.day, window_days)))
                .or_default() += 1;
        }
        let first_window = counts.keys().map(|k| k.1).min().unwrap_or(0);
        let last_window = counts.keys().map(|k| k.1).max().unwrap_or(-1);
        let mut totals: HashMap<&str, u64> = HashMap::new();
        for (&(place, _), &n) in &counts {
            *totals.entry(place).or_default() += u64::from(n);
        }
        let mut places: Vec<(&str, u64)> = totals.into_iter().collect();
        places.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let row: HashMap<&str, u32> = places
            .iter()
            .enumerate()
            .map(|(i, &(place, _))| (place, i as u32))
            .collect();
        let mut cells: Vec<(u32, u32, u32)> = counts
            .into_iter()
            .map(|((place, window), n)| (row[place], (window - first_window) as u32, n))
            .collect();
        cells.sort_unstable();
        HeatMap {
            window_days,
            first_window,
            columns: (last_window - first_window + 1).max(0) as usize,
            totals: places.iter().map(|&(_, n)| n).collect(),
            places: places.into_iter().map(|(p, _)| p.to_string()).collect(),
            cells,
            petitions: petitions.len() as u64,
        }
    }

    /// Width of a window (column) in days.
    pub fn window_days(&self) -> u32 {
        self.window_days
    }

    /// Places (rows), most petitions first; `""` is the unknown place.
    pub fn places(&self) -> &[String] {
        &self.places
    }

    /// Row of a place.
    pub fn row(&self, place: &str) -> Option<usize> {
        self.places.iter().position(|p| p == place)
    }

    /// Petitions of the place in row `row`, over all windows.
    pub fn place_total(&self, row: usize) -> u64 {
        self.totals.get(row).copied().unwrap_or(0)
    }

    /// Number of windows (columns), from the earliest petition's to the latest's.
    pub fn columns(&self) -> usize {
        self.columns
    }

    /// First day of column `column`'s window (days since 1970-01-01).
    pub fn column_start(&self, column: usize) -> i32 {
        let start = window_start_of(self.first_window + column as i64, self.window_days);
        start.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
    }

    /// Column of the window holding `day`, if within the map.
    pub fn column_of(&self, day: i32) -> Option<usize> {
        let column = window_index(day, self.window_days) - self.first_window;
        (0..self.columns as i64)
            .contains(&column)
            .then_some(column as usize)
    }

    /// Petitions of row `row` in column `column`.
    pub fn count(&self, row: usize, column: usize) -> u32 {
        let key = (row as u32, column as u32);
        self.cells
            .binary_search_by(|&(r, c, _)| (r, c).cmp(&key))
            .map_or(0, |at| self.cells[at].2)
    }

    /// Non-empty cells as `(row, column, count)`, by row then column.
    pub fn cells(&self) -> impl Iterator<Item = (usize, usize, u32)> + '_ {
        self.cells
            .iter()
            .map(|&(r, c, n)| (r as usize, c as usize, n))
    }

    /// Petitions counted.
    pub fn petitions(&self) -> u64 {
        self.petitions
    }
}
