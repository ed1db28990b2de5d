//! Instructions per route(), counted by callgrind: repeatable whatever else the machine is
//! doing, unlike times. Routes every petition of each length group once to warm up, then once
//! more inside `measured`, which callgrind is told to count:
//!
//! ```sh
//! cargo bench --bench instructions --no-run
//! valgrind --tool=callgrind --toggle-collect='*measured*' target/release/deps/instructions-<hash> median_230
//! ```
//! and divide the collected instructions by the petitions it prints. With `--no-analysis` the
//! petitions are routed without the analysis stage, to see what it costs. With
//! `PETITION_ROUTER_MODEL=FILE` another model routes them (a many-units model, say).

mod common;

use pr_router::{Engine, Petition};
use std::hint::black_box;

/// What callgrind counts: everything this calls.
#[inline(never)]
fn measured(engine: &Engine, texts: &[String], analyse: bool) {
    route_all(engine, texts, analyse);
}

fn route_all(engine: &Engine, texts: &[String], analyse: bool) {
    for text in texts {
        let petition = Petition {
            title: "",
            content: text,
            region: "",
            analyse,
            repeat_of: None,
        };
        black_box(engine.route(petition, 3).unwrap());
    }
}

fn main() {
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let analyse = !std::env::args().any(|a| a == "--no-analysis");
    let engine = common::engine();
    let (source, groups) = common::petitions_by_length();
    for (name, texts) in groups {
        if !wanted.is_empty() && !wanted.contains(&name) {
            continue;
        }
        route_all(&engine, &texts, analyse);
        measured(&engine, &texts, analyse);
        println!("{source}/{name}: {} petitions counted", texts.len());
    }
}
