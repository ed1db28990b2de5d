//! The shipped keyword lists and default model: what `route` and `serve` use out of the box.

mod common;

use common::*;
use pr_catalogue::{Catalogue, LabelTarget};
use serde_json::Value;

/// First-level labels of the tipdm2020 taxonomy; the default catalogue must handle each.
const FIRST_LEVEL: [&str; 15] = [
    "交通运输",
    "党务政务",
    "农村农业",
    "劳动和社会保障",
    "卫生计生",
    "商贸旅游",
    "国土资源",
    "城乡建设",
    "政法",
    "教育文体",
    "民政",
    "环境保护",
    "科技与信息产业",
    "纪检监察",
    "经济管理",
];

#[test]
fn default_catalogue_is_complete() {
    let c = Catalogue::load_dir(&catalogue()).expect("shipped keyword lists load");
    assert!(
        c.departments().len() >= 35,
        "{} departments",
        c.departments().len()
    );
    for d in c.departments() {
        assert!(
            d.keywords.len() >= 40,
            "{}: {} keywords",
            d.code,
            d.keywords.len()
        );
        assert!(!d.negative.is_empty(), "{}: no negative keywords", d.code);
        assert!(
            d.summary.chars().count() >= 30,
            "{}: summary too short",
            d.code
        );
    }
    for label in FIRST_LEVEL {
        assert!(
            matches!(c.resolve_label(label), LabelTarget::Category(ref ds) if !ds.is_empty()),
            "no department handles {label}"
        );
    }
}

#[test]
fn default_catalogue_routes_telltale_keywords() {
    let c = Catalogue::load_dir(&catalogue()).unwrap();
    let mut scores = pr_catalogue::KeywordScores::default();
    for (text, code) in [
        ("老板拖欠农民工工资", "human_resources_social_security"),
        ("想提取住房公积金买房", "housing_provident_fund"),
        ("医保报销比例太低", "healthcare_security"),
        ("化工厂偷排废水", "ecology_environment"),
    ] {
        c.score(&pr_text::normalise(text), &mut scores);
        let best = scores
            .scores
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map(|(i, _)| c.departments()[i].code.as_str());
        assert_eq!(best, Some(code), "{text}");
    }
}

#[test]
fn default_model_routes_with_no_paths_given() {
    let out = run_ok(&[
        "route",
        "我家楼下的饭店油烟直排，窗户上全是油污，投诉多次没人管",
    ]);
    let routing: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(routing["category"], "环境保护");
    let first = &routing["suggestions"][0];
    assert!(first["confidence"].as_f64().unwrap() > 0.0);
    assert!(!first["terms"].as_array().unwrap().is_empty());
    assert_eq!(routing["suggestions"].as_array().unwrap().len(), 3);
}

#[test]
fn default_model_card_matches_the_model() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
    let card: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("default.card.json")).unwrap())
            .unwrap();
    let model = pr_model::Model::load(&dir.join("default.model")).unwrap();
    assert_eq!(card["model_version"], model.version());
    assert_eq!(card["cross_validation"]["folds"], 5);
}

/// A binary copied away from the source tree (or installed with `cargo install`) still routes
/// with the shipped model and keyword lists, which are built into it: the same versions as
/// the files in the tree.
#[test]
fn a_copied_binary_routes_with_the_defaults_built_into_it() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("petition-router");
    std::fs::copy(env!("CARGO_BIN_EXE_petition-router"), &copy).unwrap();
    let out = std::process::Command::new(&copy)
        .args(["route", "小区垃圾堆放多日无人清运，臭气熏天"])
        .current_dir(dir.path())
        .env_remove("PETITION_ROUTER_MODEL")
        .env_remove("PETITION_ROUTER_CATALOGUE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let routing: Value = serde_json::from_slice(&out.stdout).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = pr_model::Model::load(&root.join("models/default.model")).unwrap();
    let catalogue = Catalogue::load_dir(&catalogue()).unwrap();
    assert_eq!(routing["model_version"], model.version());
    assert_eq!(routing["catalogue_version"], catalogue.version());
}
