//! End to end through the command line: train on a fixture, route, evaluate, and the errors a
//! user sees.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn train_writes_model_and_card_then_route_answers_json() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let card: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("fixture.card.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(card["history"]["rows"], 24);
    assert_eq!(card["cross_validation"]["folds"], 3);
    assert!(
        card["cross_validation"]["fused"]["macro_f1"]
            .as_f64()
            .unwrap()
            > 0.5
    );
    let md = std::fs::read_to_string(dir.path().join("fixture.card.md")).unwrap();
    assert!(md.contains("3-fold cross-validation"), "{md}");

    let out = run_ok(&[
        "route",
        "--model",
        &model,
        "--top-k",
        "2",
        "老板拖欠农民工工资不发",
    ]);
    let routing: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(routing["category"], "劳动和社会保障");
    let first = &routing["suggestions"][0];
    assert_eq!(first["code"], "human_resources_social_security");
    assert!(first["keywords"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k["keyword"] == "农民工工资"));
    assert_eq!(routing["suggestions"].as_array().unwrap().len(), 2);
    assert_eq!(routing["truncated"], false);
    assert!(routing["model_version"].as_str().unwrap().len() == 8);
}

#[test]
fn route_reads_standard_input() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let out = run_with_input(
        &["route", "--model", &model, "-"],
        "化工厂偷排废水，河道发臭",
    );
    assert!(out.status.success());
    let routing: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(routing["category"], "环境保护");
}

#[test]
fn eval_prints_table_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let history = dir.path().join("history.jsonl");
    let h = history.to_str().unwrap();
    let json: Value = serde_json::from_str(&run_ok(&[
        "eval",
        "--model",
        &model,
        "--history",
        h,
        "--json",
    ]))
    .unwrap();
    assert_eq!(json["n"], 24);
    for key in ["accuracy", "macro_f1", "top3_accuracy"] {
        let v = json[key].as_f64().unwrap();
        assert!(
            (0.9..=1.0).contains(&v),
            "{key} = {v} on its own training data"
        );
    }
    let table = run_ok(&["eval", "--model", &model, "--history", h]);
    assert!(
        table.contains("macro-F1") && table.contains("城乡建设"),
        "{table}"
    );
}

#[test]
fn unknown_labels_are_warned_about_and_kept_as_targets() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = fixture_rows();
    for text in [
        "长兴岛开发区道路积水",
        "长兴岛招商政策咨询",
        "长兴岛园区企业用地问题",
    ] {
        rows.push((text, "长兴岛经济区"));
    }
    let history = dir.path().join("h.jsonl");
    write_jsonl(&history, &rows);
    let model = dir.path().join("m.model");
    let out = run(&train_args(&history, &model, "3")
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not known to any department") && stderr.contains("长兴岛经济区"),
        "{stderr}"
    );
    let routing: Value = serde_json::from_str(&run_ok(&[
        "route",
        "--model",
        model.to_str().unwrap(),
        "长兴岛园区道路积水",
    ]))
    .unwrap();
    assert_eq!(routing["suggestions"][0]["code"], "长兴岛经济区");
}

#[test]
fn empty_petition_is_an_error_not_a_guess() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let e = run_err(&["route", "--model", &model, "   \u{3000}  "]);
    assert!(e.contains("no text"), "{e}");
}

#[test]
fn huge_petition_is_truncated_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let text = "小区物业不管电梯维修。".repeat(5_000);
    let out = run_with_input(&["route", "--model", &model, "-"], &text);
    assert!(out.status.success());
    let routing: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(routing["truncated"], true);
    assert_eq!(routing["analysed_chars"], 8_000);
}

#[test]
fn broken_model_file_is_refused_with_path_and_reason() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.model");
    std::fs::write(&bad, b"PRMODEL\n\x01\x00\x00\x00garbage, not a header").unwrap();
    let e = run_err(&["route", "--model", bad.to_str().unwrap(), "小区停水"]);
    assert!(e.contains("broken.model") && e.contains("truncated"), "{e}");
}

#[test]
fn history_row_without_text_is_reported_with_file_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("gaps.csv");
    let mut csv = String::from("标题,内容,受理单位\n");
    for (text, label) in fixture_rows() {
        csv += &format!(",{text},{label}\n");
    }
    csv += "无内容,,城乡建设\n";
    std::fs::write(&history, csv).unwrap();
    let model = dir.path().join("m.model");
    let owned = train_args(&history, &model, "0");
    let args: Vec<&str> = owned.iter().map(String::as_str).collect();
    let e = run_err(&args);
    assert!(e.contains("gaps.csv:26") && e.contains("内容"), "{e}");
    let mut skipping = args.clone();
    skipping.push("--skip-bad-rows");
    let out = run(&skipping);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("24 rows read, 1 skipped") && stderr.contains("skipped row 26"),
        "{stderr}"
    );
    // The model is trained on exactly the rows reported as read.
    let card: Value =
        serde_json::from_str(&std::fs::read_to_string(model.with_extension("card.json")).unwrap())
            .unwrap();
    assert_eq!(card["history"]["rows"], 24);
}

#[test]
fn holdout_validates_on_one_fold_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("history.jsonl");
    write_jsonl(&history, &fixture_rows());
    let model = dir.path().join("m.model");
    let mut args = train_args(&history, &model, "4");
    args.push("--holdout".into());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("held-out split (1/4 of the rows)"),
        "{stderr}"
    );
    let card: Value =
        serde_json::from_str(&std::fs::read_to_string(model.with_extension("card.json")).unwrap())
            .unwrap();
    let cv = &card["cross_validation"];
    assert_eq!(cv["held_out_split"], true);
    // The metrics are of the held-out quarter only; the model is fitted on every row.
    assert_eq!(cv["fused"]["n"], 6);
    assert_eq!(card["history"]["rows"], 24);

    let mut without_folds = args.clone();
    let at = without_folds.iter().position(|a| *a == "4").unwrap();
    without_folds[at] = "1";
    let e = run_err(&without_folds);
    assert!(
        e.contains("--holdout") && e.contains("--folds 2 or more"),
        "{e}"
    );
}

#[test]
fn trains_from_a_gbk_export_with_chinese_headers() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("export.csv");
    let mut csv = String::from("编号,标题,内容,受理单位\n");
    for (i, (text, label)) in fixture_rows().into_iter().enumerate() {
        csv += &format!("{i},,{text},{label}\n");
    }
    std::fs::write(&history, encoding_rs::GBK.encode(&csv).0).unwrap();
    let model = dir.path().join("m.model");
    let owned = train_args(&history, &model, "0");
    let args: Vec<&str> = owned.iter().map(String::as_str).collect();
    let out = run(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("(GB18030): 24 rows read"), "{stderr}");
    let routing: Value = serde_json::from_str(&run_ok(&[
        "route",
        "--model",
        model.to_str().unwrap(),
        "工地老板拖欠农民工工资",
    ]))
    .unwrap();
    assert_eq!(routing["category"], "劳动和社会保障");
}

#[test]
fn eval_against_a_baseline_reports_deltas_and_mcnemar() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let history = dir.path().join("history.jsonl");
    let h = history.to_str().unwrap();
    // A model compared with itself: identical rows right, nothing to test.
    let same: Value = serde_json::from_str(&run_ok(&[
        "eval",
        "--model",
        &model,
        "--baseline",
        &model,
        "--history",
        h,
        "--json",
    ]))
    .unwrap();
    assert_eq!(same["comparison"]["new_only_right"], 0);
    assert_eq!(same["comparison"]["verdict"], "no_significant_difference");
    assert_eq!(same["model"]["accuracy"], same["baseline"]["accuracy"]);
    // Against the shipped model, whose labels are categories too: a full report.
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default.model");
    let text = run_ok(&[
        "eval",
        "--model",
        &model,
        "--baseline",
        shipped.to_str().unwrap(),
        "--history",
        h,
    ]);
    assert!(text.contains("F1 change by label"), "{text}");
    assert!(text.contains("McNemar on 24 rows"), "{text}");
    assert!(text.contains("verdict: "), "{text}");
}

/// The lines of a `route --batch` run that must succeed, parsed; and its standard error.
fn batch_lines(args: &[&str]) -> (Vec<Value>, String) {
    let out = run(args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "petition-router {args:?} failed:\n{stderr}"
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let lines = stdout
        .lines()
        .map(|l| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("not one JSON object per line: {e}: {l}"))
        })
        .collect();
    (lines, stderr)
}

#[test]
fn route_batch_answers_every_row_in_order_and_reports_bad_ones_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let batch = dir.path().join("batch.jsonl");
    // No labels: a batch needs none. Row 3 has no text; row 5 is not JSON.
    let rows = [
        r#"{"id": "b1", "text": "公司拖欠农民工工资半年，至今不发"}"#,
        r#"{"id": "b2", "title": "油烟", "text": "饭店油烟直排，居民窗户都是油", "region": "某区"}"#,
        r#"{"id": "b3", "text": "   "}"#,
        r#"{"id": "b4", "text": "小区电梯经常故障，物业公司不维修", "region": "甘井子区"}"#,
        r#"{"id": "b5", "text": "#,
        r#"{"id": 6, "text": "河道被排污，污水直排发黑发臭"}"#,
    ];
    std::fs::write(&batch, rows.join("\n") + "\n").unwrap();
    let (lines, stderr) = batch_lines(&[
        "route",
        "--model",
        &model,
        "--batch",
        batch.to_str().unwrap(),
        "--top-k",
        "2",
    ]);
    assert_eq!(lines.len(), 6, "one line per row: {lines:?}");
    let row_numbers: Vec<u64> = lines.iter().map(|l| l["row"].as_u64().unwrap()).collect();
    assert_eq!(row_numbers, [1, 2, 3, 4, 5, 6], "file order");
    let ids: Vec<Value> = lines.iter().map(|l| l["id"].clone()).collect();
    let id = |s: &str| Value::from(s);
    assert_eq!(
        ids,
        [id("b1"), id("b2"), id("b3"), id("b4"), Value::Null, id("6")],
        "a row that is not JSON has no id to give"
    );
    for i in [0, 1, 3, 5] {
        let routing = &lines[i]["routing"];
        assert!(lines[i].get("error").is_none(), "{}", lines[i]);
        assert_eq!(routing["suggestions"].as_array().unwrap().len(), 2);
        assert!(
            routing.get("locality").is_some() && routing["warnings"].is_array(),
            "{routing}"
        );
    }
    assert_eq!(lines[0]["routing"]["category"], "劳动和社会保障");
    assert_eq!(lines[5]["routing"]["category"], "环境保护");
    for i in [2, 4] {
        assert!(lines[i].get("routing").is_none(), "{}", lines[i]);
        assert!(lines[i]["error"].is_string(), "{}", lines[i]);
    }
    assert!(
        lines[2]["error"].as_str().unwrap().contains("empty text"),
        "{}",
        lines[2]
    );
    assert!(
        stderr.contains("4 rows routed, 2 not routed") && stderr.contains("rows 3, 5"),
        "{stderr}"
    );

    // One line per row across chunks too, in order, with --region for every row.
    let big = dir.path().join("big.csv");
    let texts: Vec<&str> = fixture_rows().into_iter().map(|(t, _)| t).collect();
    let mut csv = String::from("编号,内容,所属区县\n");
    for i in 0..9_000 {
        let text = if i % 1_000 == 999 {
            ""
        } else {
            texts[i % texts.len()]
        };
        csv += &format!("n{i},{text},甘井子区\n");
    }
    std::fs::write(&big, csv).unwrap();
    let (lines, stderr) = batch_lines(&[
        "route",
        "--model",
        &model,
        "--batch",
        big.to_str().unwrap(),
        "--region",
        "某区",
    ]);
    assert_eq!(lines.len(), 9_000);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["row"], i + 2, "CSV rows count the header as row 1");
        assert_eq!(line["id"], format!("n{i}"));
        assert_eq!(line.get("error").is_some(), i % 1_000 == 999, "{line}");
    }
    assert!(
        stderr.contains("8991 rows routed, 9 not routed"),
        "{stderr}"
    );
}

#[test]
fn route_takes_a_region_and_batch_excludes_text() {
    let dir = tempfile::tempdir().unwrap();
    let model = trained(dir.path());
    let routing: Value = serde_json::from_str(&run_ok(&[
        "route",
        "--model",
        &model,
        "--region",
        "甘井子区",
        "老板拖欠农民工工资不发",
    ]))
    .unwrap();
    assert!(routing.get("locality").is_some(), "{routing}");
    assert!(routing["warnings"].is_array(), "{routing}");
    assert!(
        routing["suggestions"][0].get("level").is_some(),
        "{routing}"
    );

    let batch = dir.path().join("b.jsonl");
    std::fs::write(&batch, "{\"text\": \"小区停水\"}\n").unwrap();
    let b = batch.to_str().unwrap();
    let e = run_err(&["route", "--model", &model, "--batch", b, "小区停水"]);
    assert!(e.contains("cannot be used with"), "{e}");
    let e = run_err(&["route", "--model", &model]);
    assert!(e.contains("--batch") || e.contains("<TEXT>"), "{e}");
    let e = run_err(&[
        "route",
        "--model",
        &model,
        "--region-column",
        "区域",
        "小区停水",
    ]);
    assert!(e.contains("--batch"), "{e}");
    let e = run_err(&["route", "--model", &model, "--batch", "missing.jsonl"]);
    assert!(e.contains("missing.jsonl"), "{e}");
}

/// A small base catalogue for `catalogue from-history`: three departments whose names and
/// aliases name the lines of duty of the labels below.
fn unit_catalogue(dir: &std::path::Path) -> std::path::PathBuf {
    let base = dir.join("base");
    std::fs::create_dir_all(&base).unwrap();
    for (code, name, aliases, category, keyword) in [
        (
            "housing_construction",
            "市住房和城乡建设局",
            "\"住建局\", \"城建局\"",
            "城乡建设",
            "物业",
        ),
        ("education", "市教育局", "\"教育局\"", "教育", "学校"),
        (
            "ecology_environment",
            "市生态环境局",
            "\"环保局\", \"环境保护局\"",
            "环境保护",
            "排污",
        ),
    ] {
        std::fs::write(
            base.join(format!("{code}.toml")),
            format!(
                "code = \"{code}\"\nname = \"{name}\"\naliases = [{aliases}]\nsummary = \"负责{category}。\"\ncategories = [\"{category}\"]\n\n[keywords]\n\"{keyword}\" = 2.0\n"
            ),
        )
        .unwrap();
    }
    base
}

/// A history whose labels are these unit names, each with its number of rows.
fn unit_history(path: &std::path::Path, labels: &[(&str, usize)]) {
    let texts: Vec<String> = labels
        .iter()
        .flat_map(|(label, n)| {
            (0..*n).map(move |i| format!("{label}的第{i}件诉求：小区问题没人管"))
        })
        .collect();
    let rows: Vec<(&str, &str)> = labels
        .iter()
        .flat_map(|(label, n)| std::iter::repeat_n(*label, *n))
        .zip(&texts)
        .map(|(label, text)| (text.as_str(), label))
        .collect();
    write_jsonl(path, &rows);
}

#[test]
fn catalogue_from_history_proposes_units_that_load() {
    let dir = tempfile::tempdir().unwrap();
    let base = unit_catalogue(dir.path());
    let history = dir.path().join("units.jsonl");
    unit_history(
        &history,
        &[
            ("甘井子区住建局", 3),
            ("甘井子区城建局", 1),
            ("瓦房店市", 2),
            ("瓦房店市人民政府", 1),
            ("西岗区人民政府", 2),
            ("沙河口区李家街道办事处", 1),
            // 得胜街道 is a street of 旅顺口区 and of 金州区: its name alone is ambiguous.
            ("金州区得胜街道办事处", 1),
            ("教育局", 2),
            ("大连市教育局", 1),
            ("环保局", 1),
            ("环境保护局", 1),
            ("某某管理所", 2),
            ("甘井子区某某中心", 1),
            ("沈阳市和平区人民政府", 1),
            ("城乡建设", 1),
        ],
    );
    let out = dir.path().join("proposed");
    let args = [
        "catalogue",
        "from-history",
        "--history",
        history.to_str().unwrap(),
        "--catalogue",
        base.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    let run_out = run(&args);
    let stderr = String::from_utf8_lossy(&run_out.stderr);
    assert!(run_out.status.success(), "{stderr}");
    assert!(
        stderr.contains("jurisdiction: 大连市 (inferred"),
        "{stderr}"
    );
    assert!(stderr.contains("5 units with 2 aliases"), "{stderr}");
    assert!(
        stderr.contains("4 labels (5 rows) were not placed") && stderr.contains("某某管理所"),
        "{stderr}"
    );

    // The proposal loads, with the base's departments and one unit per place and line.
    let catalogue = pr_catalogue::Catalogue::load_dir(&out).unwrap();
    assert_eq!(catalogue.departments().len(), 3);
    assert_eq!(
        catalogue.settings().jurisdiction.unwrap().to_string(),
        "210200000000"
    );
    let units: Vec<(String, String, String, Vec<String>)> = catalogue
        .units()
        .iter()
        .map(|u| {
            (
                u.name.clone(),
                u.place.to_string(),
                u.line.clone(),
                u.aliases.clone(),
            )
        })
        .collect();
    let unit = |name: &str, place: &str, line: &str, aliases: &[&str]| {
        (
            name.to_string(),
            place.to_string(),
            line.to_string(),
            aliases.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
        )
    };
    // By place (code order), then name.
    assert_eq!(
        units,
        [
            unit("西岗区人民政府", "210203000000", "government", &[]),
            unit("沙河口区李家街道办事处", "210204011000", "government", &[]),
            unit(
                "甘井子区住建局",
                "210211000000",
                "housing_construction",
                &["甘井子区城建局"]
            ),
            unit("金州区得胜街道办事处", "210213025000", "government", &[]),
            unit(
                "瓦房店市",
                "210281000000",
                "government",
                &["瓦房店市人民政府"]
            ),
        ]
    );
    let toml = std::fs::read_to_string(out.join("catalogue.toml")).unwrap();
    assert!(toml.contains("place = \"甘井子区\""), "{toml}");
    assert!(
        toml.contains("place = \"210213025000\"  # 大连市金州区得胜街道"),
        "{toml}"
    );
    assert!(
        toml.contains("4 rows: 甘井子区住建局 (3), 甘井子区城建局 (1)"),
        "{toml}"
    );
    assert!(
        toml.contains("#   education (市教育局) ← 教育局 (2), 大连市教育局 (1)"),
        "{toml}"
    );
    assert!(
        toml.contains("#   ecology_environment (市生态环境局) ← 环保局 (1), 环境保护局 (1)"),
        "{toml}"
    );

    // What could not be placed is listed, not guessed: label, rows, reason.
    let unplaced = std::fs::read_to_string(out.join("unplaced.txt")).unwrap();
    let lines: Vec<Vec<&str>> = unplaced.lines().map(|l| l.split('\t').collect()).collect();
    let labels: Vec<(&str, &str)> = lines.iter().map(|l| (l[0], l[1])).collect();
    assert_eq!(
        labels,
        [
            ("某某管理所", "2"),
            ("城乡建设", "1"),
            ("沈阳市和平区人民政府", "1"),
            ("甘井子区某某中心", "1"),
        ],
        "{unplaced}"
    );
    assert!(lines[1][2].contains("category"), "{unplaced}");
    assert!(
        lines[2][2].contains("outside the jurisdiction"),
        "{unplaced}"
    );
    assert!(
        lines[3][2].contains("甘井子区") && lines[3][2].contains("某某中心"),
        "{unplaced}"
    );

    // A second run neither overwrites the proposal nor mixes with it, unless --force.
    let e = run_err(&args);
    assert!(e.contains("is not empty") && e.contains("--force"), "{e}");
    std::fs::write(out.join("stale.toml"), "not a department").unwrap();
    let forced: Vec<&str> = args.iter().copied().chain(["--force"]).collect();
    run_ok(&forced);
    assert!(!out.join("stale.toml").exists());
    assert_eq!(
        pr_catalogue::Catalogue::load_dir(&out)
            .unwrap()
            .units()
            .len(),
        5
    );
}

#[test]
fn catalogue_from_history_keeps_the_base_places_and_refuses_unknown_cities() {
    let dir = tempfile::tempdir().unwrap();
    let base = unit_catalogue(dir.path());
    std::fs::write(
        base.join("catalogue.toml"),
        "jurisdiction = \"大连市\"\n[places]\n\"金普新区\" = \"金州区\"\n\"大连开发区\" = \"金州区\"\n",
    )
    .unwrap();
    let history = dir.path().join("units.jsonl");
    unit_history(
        &history,
        &[
            ("金普新区管理委员会", 2),
            ("大连开发区管委会", 1),
            ("金普新区住建局", 1),
        ],
    );
    let out = dir.path().join("proposed");
    let h = history.to_str().unwrap();
    let b = base.to_str().unwrap();
    let o = out.to_str().unwrap();
    let output = run(&[
        "catalogue",
        "from-history",
        "--history",
        h,
        "--catalogue",
        b,
        "--out",
        o,
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("jurisdiction: 大连市 (declared by the base catalogue)"),
        "{stderr}"
    );
    let catalogue = pr_catalogue::Catalogue::load_dir(&out).unwrap();
    assert_eq!(catalogue.settings().places.len(), 2);
    let units = catalogue.units();
    assert_eq!(units.len(), 2, "{units:?}");
    let government = units.iter().find(|u| u.line == "government").unwrap();
    assert_eq!(government.name, "金普新区管理委员会");
    assert_eq!(government.aliases, ["大连开发区管委会"]);
    assert_eq!(government.place.to_string(), "210213000000");

    let e = run_err(&[
        "catalogue",
        "from-history",
        "--history",
        h,
        "--jurisdiction",
        "不存在市",
        "--out",
        &format!("{o}2"),
    ]);
    assert!(
        e.contains("--jurisdiction '不存在市' is not a place of the gazetteer"),
        "{e}"
    );
    assert!(!dir.path().join("proposed2").exists());
}

#[test]
fn eval_reports_file_and_row_of_text_that_is_only_markup_or_invisible() {
    let dir = tempfile::tempdir().unwrap();
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/models/default.model");
    for blank in ["<p>&nbsp;</p>", "\u{200b}\u{200b}"] {
        let history = dir.path().join("blank.jsonl");
        let mut rows = fixture_rows()[..2].to_vec();
        rows.push((blank, "城乡建设"));
        write_jsonl(&history, &rows);
        let h = history.to_str().unwrap();
        let e = run_err(&["eval", "--model", model, "--history", h]);
        assert!(e.contains("blank.jsonl:3: no text in column 'text'"), "{e}");
        let json: Value = serde_json::from_str(&run_ok(&[
            "eval",
            "--model",
            model,
            "--history",
            h,
            "--skip-bad-rows",
            "--json",
        ]))
        .unwrap();
        assert_eq!(json["n"], 2, "the blank row is skipped, not routed");
    }
}
