//! What a history holds, told before training: admins are not machine-learning engineers and
//! must see duplicates, conflicting labels and labels too rare to learn before they trust a
//! model trained on it.

use std::collections::HashMap;
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::{History, Record};

/// A label with fewer examples than this cannot be learnt or cross-validated reliably.
pub const MIN_EXAMPLES: usize = 5;

/// Counts over a history's records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Good records.
    pub rows: usize,
    /// Rows skipped as bad.
    pub skipped: usize,
    /// Records whose title and text repeat an earlier record's.
    pub duplicates: usize,
    /// Repeated texts that carry different labels, with the first two rows and labels.
    pub conflicts: Vec<Conflict>,
    /// Records per label, most frequent first (ties by label).
    pub labels: Vec<(String, usize)>,
}

/// Two rows with the same text and different labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The earlier row and its label.
    pub first_row: usize,
    /// The label of the earlier row.
    pub first_label: String,
    /// The later row with the same text.
    pub row: usize,
    /// Its different label.
    pub label: String,
}

impl Summary {
    /// Counts over `history`.
    pub fn of(history: &History) -> Summary {
        let mut counter = SummaryCounter::default();
        history.records.iter().for_each(|r| counter.add(r));
        counter.finish(history.skipped.len())
    }

    /// Labels with fewer than [`MIN_EXAMPLES`] records.
    pub fn rare_labels(&self) -> impl Iterator<Item = &(String, usize)> {
        self.labels.iter().filter(|(_, n)| *n < MIN_EXAMPLES)
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} records, {} skipped, {} duplicate texts ({} with a different label), {} labels",
            self.rows,
            self.skipped,
            self.duplicates,
            self.conflicts.len(),
            self.labels.len()
        )?;
        let shown: Vec<String> = self
            .labels
            .iter()
            .take(10)
            .map(|(l, n)| format!("{l} {n}"))
            .collect();
        let more = self.labels.len().saturating_sub(shown.len());
        write!(f, "  largest labels: {}", shown.join(", "))?;
        if more > 0 {
            write!(f, " … and {more} more")?;
        }
        for c in self.conflicts.iter().take(5) {
            write!(
                f,
                "\n  conflict: row {} is labelled {} but the same text at row {} is {}",
                c.row, c.label, c.first_row, c.first_label
            )?;
        }
        if self.conflicts.len() > 5 {
            write!(f, "\n  … and {} more conflicts", self.conflicts.len() - 5)?;
        }
        let rare: Vec<&(String, usize)> = self.rare_labels().collect();
        if !rare.is_empty() {
            let names: Vec<String> = rare
                .iter()
                .take(10)
                .map(|(l, n)| format!("{l} ({n})"))
                .collect();
            write!(
                f,
                "\n  {} labels have fewer than {MIN_EXAMPLES} examples, too few to learn reliably: {}{}",
                rare.len(),
                names.join(", "),
                if rare.len() > 10 { ", …" } else { "" }
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Encoding, Record};
    use std::path::PathBuf;

    fn record(row: usize, text: &str, label: &str) -> Record {
        Record {
            row,
            id: None,
            title: String::new(),
            text: text.into(),
            label: Some(label.into()),
            region: None,
            kind: None,
            date: None,
        }
    }

    #[test]
    fn counts_duplicates_conflicts_and_rare_labels() {
        let mut records = vec![
            record(2, "小区停水三天", "水务"),
            record(3, "小区停水三天 ", "水务"),
            record(4, "小区停水三天", "供水公司"),
        ];
        records.extend((5..11).map(|row| record(row, &format!("欠薪{row}"), "人社")));
        let history = History {
            path: PathBuf::from("h.csv"),
            encoding: Encoding::Utf8,
            records,
            skipped: Vec::new(),
        };
        let s = Summary::of(&history);
        assert_eq!(s.rows, 9);
        assert_eq!(s.duplicates, 2);
        assert_eq!(
            s.conflicts,
            [Conflict {
                first_row: 2,
                first_label: "水务".into(),
                row: 4,
                label: "供水公司".into()
            }]
        );
        assert_eq!(s.labels[0], ("人社".to_string(), 6));
        let rare: Vec<&str> = s.rare_labels().map(|(l, _)| l.as_str()).collect();
        assert_eq!(rare, ["水务", "供水公司"]);
        let text = s.to_string();
        assert!(
            text.contains("2 duplicate texts (1 with a different label)"),
            "{text}"
        );
        assert!(text.contains("row 4 is labelled 供水公司"), "{text}");
        assert!(
            text.contains("2 labels have fewer than 5 examples"),
            "{text}"
        );
    }
}

/// Builds a [`Summary`] one record at a time, as a history streams past. It keeps a 128-bit hash
/// of each distinct title and text, not the texts, so that a history larger than memory can be
/// summarised before it is trained on.
#[derive(Debug, Default)]
pub struct SummaryCounter {
    /// The first row of each distinct title and text, and its label.
    first: HashMap<u128, (usize, Option<u32>)>,
    label_ids: HashMap<String, u32>,
    /// Each label seen, with its records, by id.
    labels: Vec<(String, usize)>,
    rows: usize,
    duplicates: usize,
    conflicts: Vec<Conflict>,
}

impl SummaryCounter {
    /// Counts one record.
    pub fn add(&mut self, r: &Record) {
        self.rows += 1;
        let label = r.label.as_deref().map(|l| self.label_id(l));
        let key = text_hash(r.title.trim(), r.text.trim());
        match self.first.get(&key) {
            None => {
                self.first.insert(key, (r.row, label));
            }
            Some(&(first_row, first_label)) => {
                self.duplicates += 1;
                if let (Some(a), Some(b)) = (first_label, label) {
                    if a != b {
                        self.conflicts.push(Conflict {
                            first_row,
                            first_label: self.labels[a as usize].0.clone(),
                            row: r.row,
                            label: self.labels[b as usize].0.clone(),
                        });
                    }
                }
            }
        }
    }

    fn label_id(&mut self, label: &str) -> u32 {
        let id = match self.label_ids.get(label) {
            Some(&id) => id,
            None => {
                let id = self.labels.len() as u32;
                self.label_ids.insert(label.to_string(), id);
                self.labels.push((label.to_string(), 0));
                id
            }
        };
        self.labels[id as usize].1 += 1;
        id
    }

    /// The summary of the records counted, with `skipped` rows skipped as bad.
    pub fn finish(self, skipped: usize) -> Summary {
        let mut labels = self.labels;
        labels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Summary {
            rows: self.rows,
            skipped,
            duplicates: self.duplicates,
            conflicts: self.conflicts,
            labels,
        }
    }
}

/// Two independent 64-bit SipHashes of a title and text: with 10^6 rows, the chance that two
/// different texts share both is about 10^-27.
fn text_hash(title: &str, text: &str) -> u128 {
    let half = |seed: u8| {
        let mut h = DefaultHasher::new();
        (seed, title, text).hash(&mut h);
        h.finish()
    };
    u128::from(half(0)) << 64 | u128::from(half(1))
}
