//! Writes the seed corpus of every fuzz target, made from the real files, into
//! `DIR/<target>/`: `seed-corpus DIR [SEEDS_PER_TARGET]`. With `--list`, prints the targets.

use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--list") {
        for t in pr_fuzz::TARGETS {
            println!("{}", t.name);
        }
        return;
    }
    let Some(dir) = args.first().map(PathBuf::from) else {
        eprintln!("usage: seed-corpus DIR [SEEDS_PER_TARGET] | seed-corpus --list");
        std::process::exit(2);
    };
    let per_target = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(200);
    let data = pr_fuzz::Data::find();
    match data.dir() {
        Some(d) => eprintln!(
            "seeding from {} and the shipped model and keyword lists",
            d.display()
        ),
        None => {
            eprintln!("no data directory (../shared/data or PR_FUZZ_DATA): seeding from stand-ins")
        }
    }
    for t in pr_fuzz::TARGETS {
        let out = dir.join(t.name);
        std::fs::create_dir_all(&out).expect("seed directory");
        let seeds = (t.seeds)(&data, per_target);
        for (i, seed) in seeds.iter().enumerate() {
            std::fs::write(out.join(format!("seed-{i:04}")), seed).expect("seed file");
        }
        eprintln!("{}: {} seeds", t.name, seeds.len());
    }
}
