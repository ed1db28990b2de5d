//! Routing on both axes (place × line of duty) on a small history written here: units of two
//! Dalian districts, a street office and the city's own bureau.

use crate::*;
use pr_catalogue::Catalogue;
use pr_locality::{Aliases, Gazetteer};
use pr_model::TrainParams;
use pr_text::FeatureConfig;
use tempfile::TempDir;

const HOUSING: &str = r#"code = "housing"
name = "市住房和城乡建设局"
aliases = ["住建局", "城建局", "建设局"]
summary = "负责物业管理、房屋安全和建筑市场监管。"
categories = ["城乡建设"]

[keywords]
"物业" = 2.0
"电梯" = 3.0
"#;

const EDUCATION: &str = r#"code = "education"
name = "市教育局"
aliases = ["教育局"]
summary = "负责学校和幼儿园。"
categories = ["教育文体"]

[keywords]
"幼儿园" = 3.0
"学校" = 2.0
"#;

fn catalogue(settings: Option<&str>) -> (TempDir, Catalogue) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("housing.toml"), HOUSING).unwrap();
    std::fs::write(dir.path().join("education.toml"), EDUCATION).unwrap();
    if let Some(s) = settings {
        std::fs::write(dir.path().join("catalogue.toml"), s).unwrap();
    }
    let c = Catalogue::load_dir(dir.path()).unwrap();
    (dir, c)
}

fn parser_units(names: &[&str]) -> Vec<Unit> {
    let (_dir, c) = catalogue(None);
    let g = Gazetteer::shipped();
    let aliases = Aliases::none();
    let jurisdiction = infer_jurisdiction(g, names.iter().copied(), &aliases);
    assert_eq!(jurisdiction.unwrap().to_string(), "210200000000");
    let parser = UnitParser::new(g, &c, jurisdiction, &aliases);
    names.iter().map(|n| parser.parse(n)).collect()
}

#[test]
fn unit_names_split_into_place_and_line_of_duty() {
    let u = parser_units(&[
        "甘井子区城建局",
        "甘井子区住建局",
        "瓦房店市",
        "瓦房店市人民政府",
        "大连市教育局",
        "教育局",
        "沙河口区李家街道办事处",
        "公共行政服务中心",
    ]);
    assert_eq!(u[0].level, Level::District);
    assert_eq!(u[0].key.place.unwrap().to_string(), "210211000000");
    assert_eq!(u[0].key.line, "housing");
    assert_eq!(
        u[0].key, u[1].key,
        "城建局 and 住建局 are one line: catalogue aliases"
    );
    assert_eq!(u[2].key, u[3].key, "瓦房店市 is 瓦房店市人民政府");
    assert_eq!(u[2].key.line, GOVERNMENT);
    assert_eq!(u[4].key, u[5].key, "大连市教育局 is the city's 教育局");
    assert_eq!(u[4].level, Level::City);
    assert_eq!(u[4].key.place, None);
    assert_eq!(u[6].level, Level::Town);
    assert_eq!(u[6].key.line, GOVERNMENT);
    assert_eq!(
        (u[7].level, u[7].key.line.as_str()),
        (Level::City, "公共行政服务中心")
    );
}

#[test]
fn no_jurisdiction_is_inferred_from_category_labels() {
    let g = Gazetteer::shipped();
    let labels = ["城乡建设", "教育文体", "劳动和社会保障"];
    assert_eq!(infer_jurisdiction(g, labels, &Aliases::none()), None);
}

/// A history where housing complaints go to the district's 城建局 and school complaints to
/// the district government, in 甘井子区 and 西岗区, plus the city's 教育局 for exams; two
/// names of one unit (瓦房店市 / 瓦房店市人民政府).
fn history() -> Vec<LabelledPetition> {
    let mut rows = Vec::new();
    let row = |text: String, label: &str, region: &str| LabelledPetition {
        title: String::new(),
        text,
        label: label.to_string(),
        region: region.to_string(),
        kind: None,
    };
    let compounds = [
        "阳光小区",
        "幸福家园",
        "海景花园",
        "丽都小区",
        "绿洲小区",
        "锦绣苑",
    ];
    for (i, c) in compounds.iter().enumerate() {
        for (district, short) in [("甘井子区", "甘井子"), ("西岗区", "西岗")] {
            rows.push(row(
                format!("{short}{c}电梯坏了{i}个月物业不修，请住建部门处理"),
                &format!("{district}城建局"),
                district,
            ));
            rows.push(row(
                format!("{c}旁边幼儿园乱收费，{short}这边家长意见很大"),
                &format!("{district}人民政府"),
                district,
            ));
        }
        rows.push(row(
            format!("高考报名政策咨询{i}，{c}的孩子异地高考怎么办理"),
            "教育局",
            "",
        ));
        rows.push(row(
            format!("瓦房店{c}道路破损{i}处，村里没人管"),
            if i % 2 == 0 {
                "瓦房店市"
            } else {
                "瓦房店市人民政府"
            },
            "瓦房店市",
        ));
    }
    rows
}

/// Training on a few dozen rows: every feature kept, a small hash space.
fn options(folds: usize) -> TrainOptions {
    TrainOptions {
        params: TrainParams::new().min_df(1),
        features: FeatureConfig {
            hash_bits: 16,
            ..FeatureConfig::default()
        },
        folds,
        held_out_split: false,
        max_chars: 8_000,
        history_file: "fixture".into(),
        tool_version: "test".into(),
        jurisdiction: None,
    }
}

fn engine() -> (TempDir, Engine, TrainReport) {
    engine_with(None)
}

fn engine_with(settings: Option<&str>) -> (TempDir, Engine, TrainReport) {
    let (dir, catalogue) = catalogue(settings);
    let rows = history().into_iter().map(Ok::<_, std::io::Error>);
    let (model, report) = train(rows, &catalogue, &options(3)).unwrap();
    let engine = Engine::new(model, catalogue, EngineOptions::default()).unwrap();
    (dir, engine, report)
}

fn route(engine: &Engine, content: &str, region: &str) -> Routing {
    engine
        .route(
            Petition {
                title: "",
                content,
                region,
                analyse: true,
                repeat_of: None,
            },
            5,
        )
        .unwrap()
}

#[test]
fn two_names_of_one_unit_train_as_one_label() {
    let (_dir, engine, report) = engine();
    let labels = engine.model().labels();
    assert!(labels.iter().any(|l| l.starts_with("瓦房店市")));
    assert_eq!(
        labels.iter().filter(|l| l.starts_with("瓦房店市")).count(),
        1,
        "{labels:?}"
    );
    assert_eq!(report.merged_labels.len(), 1, "{:?}", report.merged_labels);
    // Evaluation counts either name as the unit.
    let a = engine.label_of_unit("瓦房店市").unwrap();
    assert_eq!(engine.label_of_unit("瓦房店市人民政府"), Some(a));
    assert_eq!(engine.jurisdiction().unwrap().to_string(), "210200000000");
}

#[test]
fn the_region_hint_decides_the_place_and_the_text_stays_evidence() {
    let (_dir, engine, _) = engine();
    let r = route(&engine, "甘井子红旗街道附近小区电梯坏了物业不修", "西岗区");
    assert_eq!(r.locality.source, LocalitySource::Hint);
    assert_eq!(r.locality.place.district, "西岗区");
    assert_eq!(r.locality.place.city, "大连市");
    assert_eq!(r.locality.place.code, "210203000000");
    assert!(
        r.locality
            .evidence
            .iter()
            .any(|e| e.text.starts_with("甘井子")),
        "{:?}",
        r.locality.evidence
    );
    let best = &r.suggestions[0];
    assert_eq!(best.name, "西岗区城建局", "{:#?}", r.suggestions);
    assert_eq!(best.level, Level::District);
    assert_eq!(best.place, "西岗区");
    assert_eq!(best.place_code, "210203000000");
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

#[test]
fn without_a_hint_the_text_names_the_place() {
    let (_dir, engine, _) = engine();
    let r = route(&engine, "西岗区海景花园电梯坏了物业不修", "");
    assert_eq!(r.locality.source, LocalitySource::Text);
    assert_eq!(r.locality.place.district, "西岗区");
    let e = &r.locality.evidence[0];
    assert_eq!((e.text.as_str(), e.start, e.end), ("西岗区", 0, 3));
    assert_eq!(
        r.suggestions[0].name, "西岗区城建局",
        "{:#?}",
        r.suggestions
    );
}

#[test]
fn a_hint_that_names_no_place_warns_and_routes_on_the_text() {
    let (_dir, engine, _) = engine();
    let r = route(&engine, "甘井子区阳光小区电梯坏了物业不修", "火星区");
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("火星区") && w.contains("no known place")),
        "{:?}",
        r.warnings
    );
    assert_eq!(r.locality.source, LocalitySource::Text);
    assert_eq!(r.locality.place.district, "甘井子区");
}

#[test]
fn an_ambiguous_place_gives_its_candidates_not_a_guess() {
    // A category model: no jurisdiction, places looked up nationwide.
    let (_dir, catalogue) = catalogue(None);
    let rows = (0..12).map(|i| {
        Ok::<_, std::io::Error>(LabelledPetition {
            title: String::new(),
            text: if i % 2 == 0 {
                format!("电梯坏了物业不修{i}")
            } else {
                format!("幼儿园收费太高{i}")
            },
            label: if i % 2 == 0 {
                "城乡建设"
            } else {
                "教育文体"
            }
            .to_string(),
            region: String::new(),
            kind: None,
        })
    });
    let (model, _) = train(rows, &catalogue, &options(0)).unwrap();
    let engine = Engine::new(model, catalogue, EngineOptions::default()).unwrap();
    assert_eq!(engine.jurisdiction(), None);
    let r = route(&engine, "朝阳区幼儿园收费太高", "");
    assert!(r.locality.candidates.len() >= 2, "{:?}", r.locality);
    assert!(r.locality.place.district.is_empty(), "{:?}", r.locality);
    let r = route(&engine, "幼儿园收费太高", "朝阳区");
    assert!(r.locality.candidates.len() >= 2, "{:?}", r.locality);
    assert!(r.warnings[0].contains("朝阳区"), "{:?}", r.warnings);
}

#[test]
fn a_local_unit_carries_its_line_of_duty_keywords() {
    let (_dir, engine, _) = engine();
    let r = route(&engine, "西岗区海景花园电梯坏了物业不修", "");
    let best = &r.suggestions[0];
    assert_eq!(best.name, "西岗区城建局");
    let words: Vec<&str> = best.keywords.iter().map(|k| k.keyword.as_str()).collect();
    assert!(words.contains(&"电梯"), "{words:?}");
}

#[test]
fn two_lines_firing_strongly_make_a_lead_and_a_co_handler() {
    let (_dir, engine, _) = engine();
    let joint = route(
        &engine,
        "西岗区海景花园电梯坏了物业不修，小区旁边学校和幼儿园高考报名政策也不清楚",
        "",
    );
    let roles: Vec<(&str, HandlingRole)> = joint
        .suggestions
        .iter()
        .map(|s| (s.name.as_str(), s.role))
        .collect();
    // Housing and education both fire: one leads, the other co-handles, whichever the
    // model ranks first.
    assert_eq!(roles[0].1, HandlingRole::Lead, "{roles:?}");
    let co: Vec<&str> = roles
        .iter()
        .filter(|(_, r)| *r == HandlingRole::CoHandler)
        .map(|(n, _)| *n)
        .collect();
    let mut pair = [roles[0].0, co[0]];
    pair.sort();
    assert_eq!(pair, ["市教育局", "西岗区城建局"], "{roles:?}");
    assert_eq!(co.len(), 1, "{roles:?}");
    let single = route(&engine, "西岗区海景花园电梯坏了物业不修", "");
    assert_eq!(single.suggestions[0].role, HandlingRole::Sole);
    assert!(single.suggestions[1..]
        .iter()
        .all(|s| s.role == HandlingRole::Alternative));
}

#[test]
fn units_and_place_names_the_catalogue_declares_are_one_unit_with_the_names_they_stand_for() {
    let settings = r#"jurisdiction = "大连市"
[places]
"金普新区" = "金州区"

[[units]]
name = "金普新区城乡建设局"
place = "金普新区"
line = "housing"
aliases = ["开发区建设局"]
"#;
    let (_dir, c) = catalogue(Some(settings));
    let g = Gazetteer::shipped();
    let s = c.settings();
    let parser = UnitParser::new(g, &c, s.jurisdiction, &s.place_aliases);
    let declared = parser.parse("金普新区城乡建设局");
    assert_eq!(declared.key.place.unwrap().to_string(), "210213000000");
    assert_eq!(declared.key.line, "housing");
    assert_eq!(parser.parse("开发区建设局").key, declared.key);
    assert_eq!(parser.parse("金州区城建局").key, declared.key);
    let government = parser.parse("金普新区管理委员会");
    assert_eq!(government.key.place, declared.key.place);
    assert_eq!(government.key.line, GOVERNMENT);
}

#[test]
fn a_declared_unit_the_history_never_saw_is_reached_by_place_and_line_of_duty() {
    let settings = r#"jurisdiction = "大连市"

[[units]]
name = "中山区城乡建设局"
place = "中山区"
line = "housing"
"#;
    let (_dir, engine, _) = engine_with(Some(settings));
    assert!(engine.label_of_unit("中山区城乡建设局").is_some());
    let r = route(&engine, "小区电梯坏了三个月物业不修", "中山区");
    let best = &r.suggestions[0];
    assert_eq!(best.name, "中山区城乡建设局", "{:#?}", r.suggestions);
    assert_eq!(best.rule, UnitRule::LocalUnit);
    assert_eq!(best.level, Level::District);
    assert_eq!(best.place, "中山区");
    assert!(
        best.keywords.iter().any(|k| k.keyword == "电梯"),
        "{best:?}"
    );
    // In a district where the catalogue declares no housing unit and the history has none,
    // the district's government or the city's bureau answers, and says so.
    let r = route(&engine, "小区电梯坏了三个月物业不修", "旅顺口区");
    let best = &r.suggestions[0];
    assert_ne!(best.place, "甘井子区");
    assert_ne!(best.place, "西岗区");
    assert!(
        matches!(
            best.rule,
            UnitRule::CityDepartment | UnitRule::PlaceGovernment
        ),
        "{:#?}",
        r.suggestions
    );
}

#[test]
fn when_the_text_names_only_the_city_the_model_gives_the_district() {
    let (_dir, engine, _) = engine();
    let r = route(&engine, "大连西岗海景花园电梯坏了物业不修", "");
    // 西岗 alone is a short name the matcher knows, so the text decides.
    assert_eq!(r.locality.source, LocalitySource::Text);
    let r = route(&engine, "大连的幼儿园旁边乱收费，家长意见很大", "");
    assert_eq!(r.locality.source, LocalitySource::Model, "{:?}", r.locality);
    assert_eq!(r.locality.place.city, "大连市");
    assert!(!r.locality.place.district.is_empty(), "{:?}", r.locality);
    assert!(r.locality.evidence.iter().any(|e| e.text == "大连"));
}

#[test]
fn a_history_of_units_at_several_places_trains_a_line_head_that_survives_the_model_file() {
    let (dir, engine, _) = engine();
    let head = engine.model().line_head().expect("a line head");
    assert!(head.labels.contains(&"housing".to_string()), "{head:?}");
    assert!(head.labels.contains(&GOVERNMENT.to_string()), "{head:?}");
    let path = dir.path().join("units.model");
    let model = engine.model();
    let mut copy = pr_model::Model::with_heads(
        model.labels().to_vec(),
        model.heads().clone(),
        model.extractor().config().clone(),
        model.user_words().to_vec(),
        model.classifier().clone(),
        model.calibration().clone(),
        model.card().clone(),
    )
    .unwrap();
    copy.save(&path).unwrap();
    let loaded = pr_model::Model::load(&path).unwrap();
    assert_eq!(loaded.line_head(), model.line_head());
    let (_dir2, catalogue) = catalogue(None);
    let reloaded = Engine::new(loaded, catalogue, EngineOptions::default()).unwrap();
    let text = "西岗区海景花园电梯坏了物业不修";
    let (a, b) = (route(&reloaded, text, ""), route(&engine, text, ""));
    assert_eq!(a.suggestions, b.suggestions);
    assert_eq!(a.locality, b.locality);
}

#[test]
fn a_model_of_many_units_keeps_few_weights_per_feature_and_routes_alike() {
    let (dir, catalogue_for_training) = catalogue(None);
    let mut pruning = options(3);
    pruning.params = pruning.params.label_weights(2);
    let rows = history().into_iter().map(Ok::<_, std::io::Error>);
    let (mut model, _) = train(rows, &catalogue_for_training, &pruning).unwrap();
    // More than 2 × 2 units: each feature keeps 2 label weights. The line head, with fewer
    // lines than that, stays dense.
    let sparse = model.classifier().sparse_columns().expect("pruned labels");
    assert_eq!(sparse.groups(), [model.labels().len()]);
    assert_eq!(sparse.per_row(), 2);
    assert!(model.line_head().is_some());
    assert!(model.card_markdown().contains("furthest from its median"));
    let path = dir.path().join("pruned.model");
    model.save(&path).unwrap();
    let (_dir2, catalogue) = catalogue(None);
    let pruned = Engine::new(
        pr_model::Model::load(&path).unwrap(),
        catalogue,
        EngineOptions::default(),
    )
    .unwrap();
    let (_dir3, dense, _) = engine();
    assert!(dense.model().classifier().sparse_columns().is_none());
    for (text, region) in [
        ("西岗区海景花园电梯坏了物业不修", ""),
        ("甘井子幼儿园乱收费，家长意见很大", "甘井子区"),
        // No place named: the district is the model's guess, which pruning may change.
        ("高考报名政策咨询，孩子异地高考怎么办理", ""),
    ] {
        let (p, d) = (route(&pruned, text, region), route(&dense, text, region));
        assert_eq!(p.suggestions[0].name, d.suggestions[0].name, "{text}");
        if d.locality.evidence.is_empty() && region.is_empty() {
            continue;
        }
        assert_eq!(p.locality, d.locality, "{text}");
    }
}

/// Two departments list 城乡建设: housing as its central duty, urban management as a
/// secondary one.
const URBAN: &str = r#"code = "urban"
name = "市城市管理局"
summary = "负责违法建设查处和市容环境。"
categories = ["城市管理", "城乡建设"]

[keywords]
"违建" = 3.0
"#;

#[test]
fn a_category_shared_by_two_departments_is_split_by_lead_duty_and_keywords() {
    let (dir, _) = catalogue(None);
    std::fs::write(dir.path().join("urban.toml"), URBAN).unwrap();
    let catalogue = Catalogue::load_dir(dir.path()).unwrap();
    let row = |text: &str, label: &str| LabelledPetition {
        title: String::new(),
        text: text.to_string(),
        label: label.to_string(),
        region: String::new(),
        kind: None,
    };
    let places = [
        "阳光小区",
        "幸福家园",
        "海景花园",
        "丽都小区",
        "绿洲小区",
        "锦绣苑",
    ];
    let rows: Vec<LabelledPetition> = places
        .iter()
        .flat_map(|p| {
            [
                row(&format!("{p}道路破损无人维修"), "城乡建设"),
                row(&format!("{p}门口道路破损，井盖也坏了"), "城乡建设"),
                row(&format!("{p}附近小学招生入学政策咨询"), "教育文体"),
                row(&format!("{p}的孩子小学入学报名怎么办理"), "教育文体"),
            ]
        })
        .collect();
    let (model, _) = train(
        rows.into_iter().map(Ok::<_, std::io::Error>),
        &catalogue,
        &options(3),
    )
    .unwrap();
    let engine = Engine::new(model, catalogue, EngineOptions::default()).unwrap();
    let confidence = |routing: &Routing, code: &str| {
        let s = routing.suggestions.iter().find(|s| s.code == code);
        let s = s.unwrap_or_else(|| panic!("{code} not suggested: {:?}", routing.suggestions));
        assert_eq!(s.label, "城乡建设");
        s.confidence
    };

    // No keyword of either: the lead department gets the full prior, the other half of it.
    let plain = route(&engine, "幸福家园道路破损无人维修", "");
    let (housing, urban) = (confidence(&plain, "housing"), confidence(&plain, "urban"));
    assert!((housing / urban - 2.0).abs() < 1e-3, "{housing} vs {urban}");
    assert_eq!(plain.suggestions[0].code, "housing");

    // The secondary department's keyword moves the category's confidence towards it; the
    // category's total stays what the model gave it.
    let with_keyword = route(&engine, "幸福家园道路破损无人维修，旁边还有违建", "");
    let (h, u) = (
        confidence(&with_keyword, "housing"),
        confidence(&with_keyword, "urban"),
    );
    assert!(u > h, "urban {u} should lead housing {h} on its keyword");
    assert!(
        ((h + u) - (housing + urban)).abs() < 0.1,
        "{h}+{u} vs {housing}+{urban}"
    );
}

/// The analysis stage with the shipped lists.
fn analyser() -> pr_analysis::Analyser {
    let shipped = |name: &str| {
        pr_analysis::ListSource::Dir(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(name),
        )
    };
    pr_analysis::Analyser::load(&pr_analysis::ListSources {
        channels: shipped("channel-lists"),
        risks: shipped("risk-lists"),
    })
    .unwrap()
}

#[test]
fn a_history_with_a_kind_column_teaches_the_demand_type() {
    let (dir, catalogue) = catalogue(None);
    let row = |text: String, label: &str, kind: &str| LabelledPetition {
        title: String::new(),
        text,
        label: label.to_string(),
        region: String::new(),
        kind: Some(kind.to_string()),
    };
    let mut rows = Vec::new();
    for i in 0..16 {
        rows.push(row(
            format!("孩子明年上小学{i}，入学需要准备哪些材料，在哪里报名"),
            "教育文体",
            "咨询问题",
        ));
        rows.push(row(
            format!("公租房{i}号楼的申请条件是什么，需要准备哪些材料"),
            "城乡建设",
            "咨询问题",
        ));
        rows.push(row(
            format!("{i}号楼电梯坏了一个月物业不修，老人上下楼太难"),
            "城乡建设",
            "反映问题",
        ));
        rows.push(row(
            format!("学校门口{i}路段天天堵车，接孩子太危险"),
            "教育文体",
            "反映问题",
        ));
    }
    rows.push(row("路灯不亮".into(), "城乡建设", "其他"));
    let (model, report) = train(
        rows.into_iter().map(Ok::<_, std::io::Error>),
        &catalogue,
        &options(4),
    )
    .unwrap();
    assert_eq!(report.demand_types, ["consultation", "complaint"]);
    assert_eq!(report.unknown_kinds.get("其他"), Some(&1), "{report:?}");
    let check = model
        .card()
        .cross_validation
        .as_ref()
        .unwrap()
        .demand_type
        .clone();
    let check = check.expect("the head is checked on held-out rows");
    assert_eq!(check.rows, 64);
    assert!(check.model_accuracy > 0.9, "{check:?}");
    // The head survives the model file.
    let path = dir.path().join("kinds.model");
    let mut model = model;
    model.save(&path).unwrap();
    let loaded = pr_model::Model::load(&path).unwrap();
    assert_eq!(loaded.demand_head(), model.demand_head());
    let engine = Engine::new(loaded, catalogue, EngineOptions::default())
        .unwrap()
        .with_analyser(analyser());
    // No cue word asks a question, so the rules alone would call it a complaint.
    let text = "孩子上小学入学需要准备哪些材料";
    let demand = route(&engine, text, "").analysis.unwrap().demand;
    assert_eq!(
        (demand.kind, demand.type_source),
        (
            pr_analysis::DemandType::Consultation,
            pr_analysis::TypeSource::Model
        ),
        "{demand:?}"
    );
    assert!(demand.type_probability.unwrap() > 0.5, "{demand:?}");
    let chars: Vec<char> = text.chars().collect();
    assert!(!demand.type_evidence.is_empty());
    for e in &demand.type_evidence {
        assert_eq!(chars[e.start..e.end].iter().collect::<String>(), e.text);
    }
    // 举报 is finer than the history's two kinds: the cue words keep it.
    let demand = route(&engine, "我要举报学校门口的黑车", "")
        .analysis
        .unwrap()
        .demand;
    assert_eq!(demand.kind, pr_analysis::DemandType::Report, "{demand:?}");
}

#[test]
fn a_repeat_goes_first_to_the_unit_that_handled_the_earlier_petition() {
    let (_dir, engine, _) = engine();
    let text = "甘井子阳光小区电梯坏了三个月物业不修，请住建部门处理";
    let repeat = |unit: &str| {
        engine
            .route(
                Petition {
                    content: text,
                    region: "甘井子区",
                    analyse: true,
                    repeat_of: Some(RepeatOf {
                        request_id: "earlier-1",
                        unit,
                    }),
                    ..Petition::default()
                },
                3,
            )
            .unwrap()
    };
    let first_time = route(&engine, text, "甘井子区");
    assert_ne!(first_time.suggestions[0].code, "education");

    // Named by its alias; the model's order follows it, one place fewer.
    let again = repeat("教育局");
    let top = &again.suggestions[0];
    assert_eq!(top.code, "education");
    assert_eq!(top.rule, UnitRule::Repeat);
    assert_eq!(top.repeat_of.as_deref(), Some("earlier-1"));
    assert!(matches!(top.role, HandlingRole::Sole | HandlingRole::Lead));
    assert_eq!(again.suggestions.len(), 3);
    assert_eq!(again.suggestions[1].code, first_time.suggestions[0].code);
    assert!(again.suggestions[1..].iter().all(|s| s.repeat_of.is_none()
        && s.role != HandlingRole::Sole
        && s.rule != UnitRule::Repeat));

    // Already ranked: moved to the front with the model's confidence.
    let second = &first_time.suggestions[1];
    let moved = repeat(&second.code);
    assert_eq!(moved.suggestions[0].code, second.code);
    assert_eq!(moved.suggestions[0].confidence, second.confidence);

    // A unit no target stands for is not suggested: the model's answer stands.
    let unknown = repeat("不存在的单位");
    let codes = |r: &Routing| {
        r.suggestions
            .iter()
            .map(|s| s.code.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(codes(&unknown)[..3], codes(&first_time)[..3]);
    assert!(unknown.suggestions.iter().all(|s| s.repeat_of.is_none()));
}

#[test]
fn locating_alone_gives_the_place_routing_gives_or_says_only_routing_can_tell() {
    let (_dir, engine, _) = engine();
    let petition = |content, region| Petition {
        content,
        region,
        ..Petition::default()
    };
    for (text, region) in [
        ("阳光小区电梯坏了物业不修", "甘井子区"),
        ("西岗区幸福家园电梯坏了物业不修", ""),
    ] {
        let located = engine.locate(petition(text, region)).unwrap();
        assert_eq!(
            located,
            Some(route(&engine, text, region).locality),
            "{text}"
        );
    }
    // No place named: the model's learned places decide, which only routing runs.
    assert_eq!(
        engine.locate(petition("电梯坏了物业不修", "")).unwrap(),
        None
    );
    assert!(matches!(
        engine.locate(petition(" ", "")),
        Err(RouteError::EmptyText)
    ));
}
