//! Writes a dated history file of synthetic petitions (JSON lines: `id`, `title`, `text`,
//! `region`, `date`), for timing `petition-router hotspots --history FILE` end to end:
//!
//! ```sh
//! cargo run --release -p pr-synthetic --example history -- --rows 1000000 --out /tmp/h1m.jsonl
//! ```
//!
//! The petitions are those of `pr-hotspots`' bench (`pr_synthetic::Corpus`, the same order,
//! bursts and days; `--seed` for another corpus). Their 200 districts become the first 200
//! county-level divisions of the shipped gazetteer whose names are unique nationwide, so
//! that routing reads each row's region as a known district (the intake desk's hint)
//! instead of guessing one.

use std::io::{BufWriter, Write};

use pr_locality::{Gazetteer, Level};
use pr_synthetic::{Corpus, Generator, DISTRICTS};
use rayon::prelude::*;

fn usage() -> ! {
    eprintln!("usage: history --rows N --out FILE.jsonl [--seed S]");
    std::process::exit(2)
}

/// Names for the districts: unique county-level names, in code order.
fn district_names() -> Vec<&'static str> {
    let g = Gazetteer::shipped();
    let names: Vec<&'static str> = g
        .divisions()
        .iter()
        .filter(|d| d.level == Level::County && !d.is_pseudo())
        .map(|d| d.name.as_str())
        .filter(|name| g.lookup(name).len() == 1)
        .take(DISTRICTS)
        .collect();
    assert_eq!(
        names.len(),
        DISTRICTS,
        "the gazetteer has too few districts"
    );
    names
}

fn main() -> std::io::Result<()> {
    let (mut rows, mut out, mut seed) = (None, None, 0);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().unwrap_or_else(|| usage());
        match arg.as_str() {
            "--rows" => rows = Some(value.parse().unwrap_or_else(|_| usage())),
            "--out" => out = Some(value),
            "--seed" => seed = value.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
    }
    let (Some(rows), Some(out)) = (rows, out) else {
        usage()
    };
    let names = district_names();
    let corpus = Corpus::new(Generator::new(seed), rows);
    let mut file = BufWriter::new(std::fs::File::create(&out)?);
    let positions: Vec<usize> = (0..corpus.len()).collect();
    for chunk in positions.chunks(20_000) {
        let lines: Vec<String> = chunk
            .par_iter()
            .map(|&position| {
                let p = corpus.petition(position);
                serde_json::json!({
                    "id": p.id(),
                    "title": p.title,
                    "text": p.text,
                    "region": names[p.district],
                    "date": pr_synthetic::date(p.day),
                })
                .to_string()
            })
            .collect();
        for line in lines {
            writeln!(file, "{line}")?;
        }
    }
    file.flush()?;
    eprintln!(
        "wrote {} petitions ({} in {} planted bursts) to {out}",
        corpus.len(),
        corpus.bursts().iter().map(|b| b.size).sum::<usize>(),
        corpus.bursts().len()
    );
    Ok(())
}
