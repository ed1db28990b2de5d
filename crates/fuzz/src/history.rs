//! The history readers: any file is a stream of records and bad rows, or a refusal naming the
//! file, never a panic. Every record keeps the promises the trainers rely on: text that is not
//! blank, a label when labels are required, rows in file order.

use crate::corpus::Data;
use crate::input;
use crate::scratch;
use pr_history::{Encoding, Format, Labels, OnBadRow, ReadOptions, SummaryCounter};

/// Reads `file` as `name` with the options the flags choose: labels required or ignored,
/// failing or skipping bad rows, the encoding detected or named.
fn read(flags: u8, name: &str, format: Format, file: &[u8]) {
    let path = scratch::dir("history").join(name);
    scratch::write(&path, file);
    let options = ReadOptions {
        format: Some(format),
        labels: if flags & 1 == 0 {
            Labels::Required
        } else {
            Labels::Ignored
        },
        on_bad_row: if flags & 2 == 0 {
            OnBadRow::Fail
        } else {
            OnBadRow::Skip
        },
        encoding: match (flags >> 2) % 3 {
            0 => None,
            1 => Some(Encoding::Utf8),
            _ => Some(Encoding::Gb18030),
        },
        ..ReadOptions::default()
    };
    let refused = |e: &dyn std::fmt::Display| {
        let message = e.to_string();
        assert!(
            message.contains(name),
            "refusal without the file: {message}"
        );
    };
    let records = match pr_history::records(&path, &options) {
        Ok(records) => records,
        Err(e) => return refused(&e),
    };
    let mut counter = SummaryCounter::default();
    let mut last_row = 0;
    for record in records {
        let r = match record {
            Ok(r) => r,
            Err(e) => return refused(&e),
        };
        assert!(
            !pr_text::is_blank(&r.text),
            "row {}: blank text {:?}",
            r.row,
            r.text
        );
        assert!(r.row > last_row, "row {} after row {last_row}", r.row);
        last_row = r.row;
        match (options.labels, &r.label) {
            (Labels::Required, Some(l)) => assert!(!l.trim().is_empty(), "row {}", r.row),
            (Labels::Required, None) => panic!("row {} has no label", r.row),
            (Labels::Ignored, label) => assert!(label.is_none(), "row {}", r.row),
        }
        counter.add(&r);
    }
    counter.finish(0);
}

pub fn jsonl(data: &[u8]) {
    let (flags, file) = input::flags(data);
    read(flags, "h.jsonl", Format::Jsonl, file);
}

/// Flags bit 7: tab-separated.
pub fn csv(data: &[u8]) {
    let (flags, file) = input::flags(data);
    let format = if flags & 0x80 == 0 {
        Format::CSV
    } else {
        Format::TSV
    };
    read(flags, "h.csv", format, file);
}

/// As [`csv`], with seeds in GB18030: the same reader behind the decoder.
pub fn gbk(data: &[u8]) {
    csv(data)
}

/// Flags bit 7: the rest is a file as it is; otherwise rows (parts) of cells (split at tabs)
/// written into a workbook, so that mutations reach the reader behind the zip and XML.
pub fn xlsx(data: &[u8]) {
    let (flags, rest) = input::flags(data);
    let file = if flags & 0x80 != 0 {
        rest.to_vec()
    } else {
        match workbook(&input::parts(rest)) {
            Some(bytes) => bytes,
            None => return,
        }
    };
    read(flags, "h.xlsx", Format::Spreadsheet, &file);
}

/// A one-sheet workbook of `rows`; `None` for cells Excel cannot hold.
fn workbook<R: AsRef<[u8]>>(rows: &[R]) -> Option<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in rows.iter().enumerate().take(1_000) {
        for (c, cell) in input::text(row.as_ref()).split('\t').enumerate().take(64) {
            let (r, c) = (u32::try_from(r).ok()?, u16::try_from(c).ok()?);
            match cell.parse::<f64>() {
                Ok(number) if number.is_finite() => sheet.write_number(r, c, number).ok()?,
                _ => sheet.write_string(r, c, cell).ok()?,
            };
        }
    }
    book.save_to_buffer().ok()
}

/// Real JSONL lines, a file at a time and a few lines per file.
pub fn jsonl_seeds(data: &Data, n: usize) -> Vec<Vec<u8>> {
    let lines = data.jsonl_lines(n * 3);
    lines
        .chunks(3)
        .enumerate()
        .map(|(i, chunk)| [&[i as u8 % 16][..], chunk.join("\n").as_bytes()].concat())
        .take(n)
        .collect()
}

/// The real petitions as a UTF-8 CSV and TSV with the export's Chinese headers.
pub fn csv_seeds(data: &Data, n: usize) -> Vec<Vec<u8>> {
    let petitions = data.petitions(n * 3);
    let mut seeds = Vec::new();
    for (i, chunk) in petitions.chunks(3).enumerate() {
        let tsv = i % 2 == 1;
        let sep = if tsv { "\t" } else { "," };
        let mut file = ["编号", "标题", "内容", "受理单位"].join(sep) + "\n";
        for (j, p) in chunk.iter().enumerate() {
            let quoted = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            let row = [
                j.to_string(),
                quoted(&p.title),
                quoted(&p.text),
                quoted(&p.label),
            ];
            file += &(row.join(sep) + "\n");
        }
        let flags = (i as u8 % 8) | if tsv { 0x80 } else { 0 };
        seeds.push([&[flags][..], file.as_bytes()].concat());
    }
    seeds.truncate(n);
    seeds
}

/// The head of the real GB18030 export, at several lengths, encoding detected or named.
pub fn gbk_seeds(data: &Data, n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let flags = [0u8, 2, 8, 10][i % 4];
            [&[flags][..], &data.gbk_csv(1 + i % 6)].concat()
        })
        .collect()
}

/// Real petitions as workbooks: cells for the writer, and whole files.
pub fn xlsx_seeds(data: &Data, n: usize) -> Vec<Vec<u8>> {
    let petitions = data.petitions(n * 2);
    let mut seeds = Vec::new();
    for (i, chunk) in petitions.chunks(2).enumerate() {
        let mut rows = vec!["编号\t标题\t内容\t受理单位".to_string()];
        for (j, p) in chunk.iter().enumerate() {
            rows.push(format!(
                "{}\t{}\t{}\t{}",
                1000 + j,
                p.title,
                p.text,
                p.label
            ));
        }
        let flags = i as u8 % 4;
        seeds.push([&[flags][..], &input::join(&rows)].concat());
        if let Some(file) = workbook(&rows) {
            seeds.push([&[flags | 0x80][..], &file].concat());
        }
    }
    seeds.truncate(n);
    seeds
}
