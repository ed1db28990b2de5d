//! Accuracy floor on real data: trains on a fixed split of ../shared/data/tipdm2020 and fails
//! when held-out macro-F1 drops below the floor, so that a regression cannot land silently.
//! Skipped (with a note) when the data is not beside the checkout.

mod common;

use common::*;
use serde_json::Value;

const MACRO_F1_FLOOR: f64 = 0.90;

#[test]
fn tipdm2020_held_out_macro_f1_stays_above_floor() {
    let Some(data) = shared_data() else {
        eprintln!("../shared/data is absent: accuracy floor not checked");
        return;
    };
    let all = std::fs::read_to_string(data.join("tipdm2020/train.jsonl")).unwrap();
    // Fixed split: every fifth row is held out.
    let (mut train, mut test) = (String::new(), String::new());
    for (i, line) in all.lines().enumerate() {
        let part = if i % 5 == 0 { &mut test } else { &mut train };
        part.push_str(line);
        part.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let (train_path, test_path, model) = (
        dir.path().join("train.jsonl"),
        dir.path().join("test.jsonl"),
        dir.path().join("split.model"),
    );
    std::fs::write(&train_path, train).unwrap();
    std::fs::write(&test_path, test).unwrap();
    run_ok(&[
        "train",
        "--history",
        train_path.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
    ]);
    let metrics: Value = serde_json::from_str(&run_ok(&[
        "eval",
        "--model",
        model.to_str().unwrap(),
        "--history",
        test_path.to_str().unwrap(),
        "--json",
    ]))
    .unwrap();
    let f1 = metrics["macro_f1"].as_f64().unwrap();
    eprintln!("tipdm2020 fixed split: {metrics}");
    assert!(
        f1 >= MACRO_F1_FLOOR,
        "macro-F1 {f1:.4} fell below {MACRO_F1_FLOOR}"
    );
}
