//! Fuzz targets for everything that reads outside input: the model file parser, the keyword
//! lists (with `catalogue.toml`), every history reader, normalise + route, and the gRPC request
//! handlers. Each target is a function of arbitrary bytes that must return without panicking,
//! hanging or allocating without bound; it checks the invariants of what it reads on the way.
//!
//! Two engines drive them, both on stable Rust:
//! - libFuzzer, coverage-guided, through the `libfuzzer` binary (feature `libfuzzer`, built
//!   with SanitizerCoverage flags by `benches/fuzz.sh`, which also seeds the corpora);
//! - [`explore`], a seeded mutation loop without coverage feedback, which `cargo test` runs for
//!   a few seconds per target so that CI replays the seeds and some mutations of them.
//!
//! Seeds come from real files ([`Data`]): the history files of `../shared/data`, the shipped
//! model and keyword lists. Multi-part inputs join their parts with [`SEP`].

mod catalogue;
mod corpus;
mod history;
mod input;
mod model;
mod mutate;
mod route;
mod scratch;
mod server;

pub use corpus::{workspace, Data};
pub use input::SEP;
pub use mutate::{explore, Finding, Report};

/// One fuzz target.
pub struct Target {
    pub name: &'static str,
    /// Runs one input; panics on a finding.
    pub run: fn(&[u8]),
    /// Up to `n` seed inputs made from real files.
    pub seeds: fn(&Data, usize) -> Vec<Vec<u8>>,
}

/// Every target, in the order `benches/fuzz.sh` runs them.
pub const TARGETS: &[Target] = &[
    Target {
        name: "model",
        run: model::run,
        seeds: model::seeds,
    },
    Target {
        name: "catalogue",
        run: catalogue::run,
        seeds: catalogue::seeds,
    },
    Target {
        name: "history_jsonl",
        run: history::jsonl,
        seeds: history::jsonl_seeds,
    },
    Target {
        name: "history_csv",
        run: history::csv,
        seeds: history::csv_seeds,
    },
    Target {
        name: "history_gbk",
        run: history::gbk,
        seeds: history::gbk_seeds,
    },
    Target {
        name: "history_xlsx",
        run: history::xlsx,
        seeds: history::xlsx_seeds,
    },
    Target {
        name: "route",
        run: route::run,
        seeds: route::seeds,
    },
    Target {
        name: "server",
        run: server::run,
        seeds: server::seeds,
    },
];

/// The target of that name.
pub fn target(name: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.name == name)
}
