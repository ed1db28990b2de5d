//! `route --batch FILE`: every petition of a history file, one compact JSON line each, in file
//! order.
//!
//! The file is read in chunks of [`CHUNK_ROWS`] rows; a chunk is routed in parallel (rayon)
//! while the next one is read, then written in order. Memory holds two chunks at most,
//! whatever the size of the file (Excel sheets excepted: calamine reads a sheet whole).

use anyhow::{Context, Result};
use pr_history::{ReadOptions, Record, RecordIter, SkippedRow};
use pr_router::{Engine, Petition, Routing};
use rayon::prelude::*;
use serde::Serialize;
use std::io::{BufWriter, ErrorKind, Write};
use std::path::Path;

/// Rows routed together: enough to keep every core busy, few enough that memory stays flat.
const CHUNK_ROWS: usize = 4_096;

/// A row of the file: a petition to route, or a row the reader could not use.
enum Row {
    Petition(Record),
    Bad(SkippedRow),
}

/// One output line.
#[derive(Serialize)]
struct Line<'a> {
    id: Option<&'a str>,
    row: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    routing: Option<Routing>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Rows of the file, a chunk at a time.
struct Chunks {
    records: RecordIter,
    done: bool,
}

/// A chunk of rows and, when the file ended with a problem, that problem (after the rows).
struct Chunk {
    rows: Vec<Row>,
    end: Option<pr_history::HistoryError>,
}

impl Chunks {
    /// The next rows of the file (bad ones in their place); empty at the end.
    fn next_chunk(&mut self) -> Chunk {
        let mut rows = Vec::new();
        let mut end = None;
        while !self.done && rows.len() < CHUNK_ROWS {
            let next = self.records.next();
            // Bad rows skipped on the way come before the record that follows them.
            rows.extend(self.records.take_skipped().into_iter().map(Row::Bad));
            match next {
                Some(Ok(record)) => rows.push(Row::Petition(record)),
                Some(Err(e)) => {
                    end = Some(e);
                    self.done = true;
                }
                None => self.done = true,
            }
        }
        Chunk { rows, end }
    }
}

/// Routes every petition of `path` and prints one JSON line per row to standard output.
/// `region`, when given, is every petition's region; otherwise each row's region column is.
/// A row that cannot be routed gets an error line and the batch goes on; the number of such
/// rows goes to standard error at the end. Fails on file-level problems only (cannot open,
/// no text column, broken encoding, no usable row), after writing the rows before them.
pub fn route_file(
    engine: &Engine,
    path: &Path,
    options: &ReadOptions,
    region: Option<&str>,
    (top_k, analyse): (usize, bool),
) -> Result<()> {
    let records = pr_history::records(path, options)?;
    let encoding = records.encoding();
    let mut chunks = Chunks {
        records,
        done: false,
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let (mut routed, mut failed) = (0usize, 0usize);
    let mut first_failed: Vec<usize> = Vec::new();
    let mut current = chunks.next_chunk();
    loop {
        let Chunk { rows, end } = current;
        let mut lines: Vec<(String, bool)> = Vec::new();
        // Route this chunk on the pool while this thread reads the next one.
        let next = rayon::in_place_scope(|scope| {
            scope.spawn(|_| lines = route_rows(engine, &rows, region, (top_k, analyse)));
            if end.is_none() && !chunks.done {
                Some(chunks.next_chunk())
            } else {
                None
            }
        });
        for ((line, ok), row) in lines.iter().zip(&rows) {
            if *ok {
                routed += 1;
            } else {
                failed += 1;
                if first_failed.len() < 10 {
                    first_failed.push(row_number(row));
                }
            }
            if let Err(e) = writeln!(out, "{line}") {
                return quiet_on_broken_pipe(e);
            }
        }
        drop(rows);
        if let Some(e) = end {
            let _ = out.flush();
            report(path, encoding, routed, failed, &first_failed);
            return Err(e).with_context(|| format!("stopped after {} rows", routed + failed));
        }
        match next {
            Some(chunk) if !chunk.rows.is_empty() || chunk.end.is_some() => current = chunk,
            _ => break,
        }
    }
    if let Err(e) = out.flush() {
        return quiet_on_broken_pipe(e);
    }
    report(path, encoding, routed, failed, &first_failed);
    Ok(())
}

/// A reader of the output that went away (`| head`) ends the batch quietly.
fn quiet_on_broken_pipe(e: std::io::Error) -> Result<()> {
    if e.kind() == ErrorKind::BrokenPipe {
        return Ok(());
    }
    Err(e).context("cannot write to standard output")
}

fn report(
    path: &Path,
    encoding: pr_history::Encoding,
    routed: usize,
    failed: usize,
    first_failed: &[usize],
) {
    let rows = |n: usize| if n == 1 { "row" } else { "rows" };
    let mut message = format!(
        "{} ({encoding}): {routed} {} routed, {failed} not routed",
        path.display(),
        rows(routed)
    );
    if failed > 0 {
        let numbers: Vec<String> = first_failed.iter().map(usize::to_string).collect();
        message += &format!(
            " ({} {}{}; see their \"error\" lines)",
            rows(failed),
            numbers.join(", "),
            if failed > first_failed.len() {
                ", …"
            } else {
                ""
            }
        );
    }
    eprintln!("{message}");
}

fn row_number(row: &Row) -> usize {
    match row {
        Row::Petition(r) => r.row,
        Row::Bad(s) => s.row,
    }
}

/// Each row's JSON line, in order, and whether it was routed.
fn route_rows(
    engine: &Engine,
    rows: &[Row],
    region: Option<&str>,
    (top_k, analyse): (usize, bool),
) -> Vec<(String, bool)> {
    rows.par_iter()
        .with_min_len(16)
        .map(|row| match row {
            Row::Petition(r) => {
                let petition = Petition {
                    title: &r.title,
                    content: &r.text,
                    region: region.or(r.region.as_deref()).unwrap_or(""),
                    analyse,
                    repeat_of: None,
                };
                let (routing, error) = match engine.route(petition, top_k) {
                    Ok(routing) => (Some(routing), None),
                    Err(e) => (None, Some(e.to_string())),
                };
                let ok = routing.is_some();
                let line = Line {
                    id: r.id.as_deref(),
                    row: r.row,
                    routing,
                    error,
                };
                (to_json(&line, r.row), ok)
            }
            Row::Bad(s) => {
                let line = Line {
                    id: s.id.as_deref(),
                    row: s.row,
                    routing: None,
                    error: Some(s.reason.clone()),
                };
                (to_json(&line, s.row), false)
            }
        })
        .collect()
}

fn to_json(line: &Line, row: usize) -> String {
    serde_json::to_string(line).unwrap_or_else(|e| {
        serde_json::json!({"id": line.id, "row": row, "error": format!("cannot write the answer as JSON: {e}")})
            .to_string()
    })
}
