//! Runs the extractor over petitions in JSONL files (a `text` field per line).
//!
//! ```sh
//! cargo run --release -p pr-facts --example facts -- dump FILE...   # facts in context, TSV
//! cargo run --release -p pr-facts --example facts -- count FILE...  # facts per kind
//! cargo run --release -p pr-facts --example facts -- time FILE...   # time per extract call
//! ```

use std::time::Instant;

use pr_facts::{extract, Fact, Facts};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((mode, files)) = args.split_first() else {
        eprintln!("usage: facts dump|count|time FILE...");
        std::process::exit(2);
    };
    let texts = read_texts(files);
    match mode.as_str() {
        "dump" => dump(&texts),
        "count" => count(&texts),
        "time" => time(&texts),
        other => {
            eprintln!("unknown mode {other}");
            std::process::exit(2);
        }
    }
}

fn read_texts(files: &[String]) -> Vec<String> {
    let mut texts = Vec::new();
    for file in files {
        let content = std::fs::read_to_string(file).expect("readable file");
        for line in content.lines().filter(|l| !l.trim().is_empty()) {
            let value: serde_json::Value = serde_json::from_str(line).expect("JSON line");
            if let Some(text) = value.get("text").and_then(|t| t.as_str()) {
                texts.push(text.to_owned());
            }
        }
    }
    texts
}

fn kinds(facts: &Facts) -> [(&'static str, &Vec<Fact>); 9] {
    [
        ("phone", &facts.phones),
        ("id", &facts.id_numbers),
        ("card", &facts.bank_cards),
        ("plate", &facts.plates),
        ("amount", &facts.amounts),
        ("head", &facts.head_counts),
        ("date", &facts.dates),
        ("duration", &facts.durations),
        ("org", &facts.organisations),
    ]
}

/// One line per fact: kind, text, normalised, value, approximate, context around it.
fn dump(texts: &[String]) {
    for text in texts {
        let chars: Vec<char> = text.chars().collect();
        let facts = extract(text);
        for (kind, list) in kinds(&facts) {
            for f in list {
                let before: String = chars[f.start.saturating_sub(8)..f.start].iter().collect();
                let after: String = chars[f.end..(f.end + 6).min(chars.len())].iter().collect();
                println!(
                    "{kind}\t{}\t{}\t{:?}\t{}\t{before}【{}】{after}",
                    f.text, f.normalised, f.value, f.approximate, f.text
                );
            }
        }
    }
}

fn count(texts: &[String]) {
    let mut totals = [0usize; 9];
    for text in texts {
        let facts = extract(text);
        for (k, (_, list)) in kinds(&facts).iter().enumerate() {
            totals[k] += list.len();
        }
    }
    let names = kinds(&Facts::default()).map(|(name, _)| name);
    println!("texts\t{}", texts.len());
    for (name, total) in names.iter().zip(totals) {
        println!("{name}\t{total}");
    }
}

/// Times 100,000 calls (cycling over the texts) and prints the mean per call.
fn time(texts: &[String]) {
    let calls = 100_000;
    let counts: Vec<usize> = texts.iter().map(|t| t.chars().count()).collect();
    let mut chars = 0usize;
    let mut found = 0usize;
    for text in texts.iter().take(1000) {
        found += usize::from(!extract(text).is_empty());
    }
    let started = Instant::now();
    for k in 0..calls {
        let text = &texts[k % texts.len()];
        chars += counts[k % texts.len()];
        found += usize::from(!std::hint::black_box(extract(text)).is_empty());
    }
    let elapsed = started.elapsed();
    let per_call = elapsed.as_secs_f64() * 1e6 / calls as f64;
    let mean_chars = chars as f64 / calls as f64;
    println!(
        "calls {calls}, mean {mean_chars:.0} chars, {per_call:.2} µs per call, {:.2} µs per 230 chars ({found})",
        per_call * 230.0 / mean_chars
    );
}
