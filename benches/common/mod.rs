//! What the benchmarks share: the served engine and real petitions grouped by length.
//!
//! Petitions come from ../shared/data/tipdm2020/unlabelled.jsonl (read at run time, never
//! copied): for each target length, the 50 petitions closest to it. Without the data, invented
//! fixture text repeated to the same lengths is used and the source is named "fixture".

#![allow(dead_code)]

use pr_catalogue::Catalogue;
use pr_model::Model;
use pr_router::{Engine, EngineOptions};
use std::path::{Path, PathBuf};

/// Length groups: name and target length in characters.
pub const LENGTHS: [(&str, usize); 4] = [
    ("short_100", 100),
    ("median_230", 230),
    ("average_410", 410),
    ("long_1000", 1000),
];

/// The corpus file, relative to the repository.
pub const CORPUS: &str = "../shared/data/tipdm2020/unlabelled.jsonl";

/// The engine on the shipped model and keyword lists; `PETITION_ROUTER_MODEL` names another
/// model, as it does for `serve` (a many-units model, say).
pub fn engine() -> Engine {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model_path = std::env::var_os("PETITION_ROUTER_MODEL")
        .map_or_else(|| root.join("models/default.model"), PathBuf::from);
    let model = Model::load(&model_path).expect("the model loads");
    let catalogue = Catalogue::load_dir(&root.join("keyword-lists")).expect("keyword lists");
    let lists = pr_analysis::ListSources {
        channels: pr_analysis::ListSource::Dir(root.join("channel-lists")),
        risks: pr_analysis::ListSource::Dir(root.join("risk-lists")),
    };
    let analyser = pr_analysis::Analyser::load(&lists).expect("channel and risk lists");
    Engine::new(model, catalogue, EngineOptions::default())
        .expect("engine")
        .with_analyser(analyser)
}

/// Every petition text of the corpus, or none when the data is absent.
pub fn corpus() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(root.join(CORPUS))
        .map(|all| {
            all.lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .filter_map(|v| v["text"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The source name ("tipdm2020" or "fixture") and, per length group, its petitions.
pub fn petitions_by_length() -> (String, Vec<(String, Vec<String>)>) {
    let texts = corpus();
    let source = if texts.is_empty() {
        "fixture"
    } else {
        "tipdm2020"
    };
    let groups = LENGTHS
        .iter()
        .map(|&(name, len)| {
            let group = if texts.is_empty() {
                let base =
                    "小区楼下饭店油烟直排，噪音扰民，多次投诉物业和城管都没有处理，希望尽快解决。";
                vec![base
                    .repeat(len / base.chars().count() + 1)
                    .chars()
                    .take(len)
                    .collect()]
            } else {
                let mut by_distance: Vec<&String> = texts.iter().collect();
                by_distance.sort_by_key(|t| t.chars().count().abs_diff(len));
                by_distance.into_iter().take(50).cloned().collect()
            };
            (name.to_string(), group)
        })
        .collect();
    (source.to_string(), groups)
}
