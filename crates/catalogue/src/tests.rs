use super::*;
use std::path::PathBuf;
use tempfile::TempDir;

const HOUSING: &str = r#"code = "housing"
name = "市住房和城乡建设局"
aliases = ["住建局", "建委"]
summary = "负责物业管理、房屋安全和建筑市场监管。"
categories = ["城乡建设"]

[keywords]
"物业" = 2.0
"电梯故障" = 3.0
"工资" = 0.5

[negative]
"住房公积金" = 4.0
"#;

const LABOUR: &str = r#"code = "labour"
name = "市人力资源和社会保障局"
aliases = ["人社局"]
summary = "负责就业、社会保险和劳动保障监察。"
categories = ["劳动和社会保障"]

[keywords]
"农民工工资" = 5.0
"工资" = 1.5
"社保" = 2.5
"#;

const FUND: &str = r#"code = "housing_fund"
name = "住房公积金管理中心"
summary = "负责住房公积金的归集、提取和贷款。"
categories = ["城乡建设", "劳动和社会保障"]

[keywords]
"住房公积金" = 5.0
"公积金贷款" = 4.0
"#;

fn dir_with(files: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn sample() -> (TempDir, Catalogue) {
    let dir = dir_with(&[
        ("housing.toml", HOUSING),
        ("labour.toml", LABOUR),
        ("housing_fund.toml", FUND),
    ]);
    let catalogue = Catalogue::load_dir(dir.path()).unwrap();
    (dir, catalogue)
}

fn load_error(files: &[(&str, &str)]) -> String {
    let dir = dir_with(files);
    Catalogue::load_dir(dir.path()).unwrap_err().to_string()
}

fn index_of(c: &Catalogue, code: &str) -> usize {
    c.departments().iter().position(|d| d.code == code).unwrap()
}

#[test]
fn loads_departments_in_file_order() {
    let (_dir, c) = sample();
    let codes: Vec<&str> = c.departments().iter().map(|d| d.code.as_str()).collect();
    assert_eq!(codes, ["housing", "housing_fund", "labour"]);
    assert!(c.version().starts_with("3-"));
    assert_eq!(
        c.categories().collect::<Vec<_>>(),
        ["劳动和社会保障", "城乡建设"]
    );
}

#[test]
fn resolves_labels_by_code_name_alias_and_category() {
    let (_dir, c) = sample();
    let labour = index_of(&c, "labour");
    assert_eq!(c.resolve_label("labour"), LabelTarget::Department(labour));
    assert_eq!(c.resolve_label("人社局"), LabelTarget::Department(labour));
    // Exports often drop the 市 prefix.
    assert_eq!(
        c.resolve_label("人力资源和社会保障局"),
        LabelTarget::Department(labour)
    );
    assert_eq!(
        c.resolve_label("城乡建设"),
        LabelTarget::Category(vec![index_of(&c, "housing"), index_of(&c, "housing_fund")])
    );
    assert_eq!(c.resolve_label("长兴岛经济区"), LabelTarget::Unknown);
}

#[test]
fn scores_all_departments_in_one_pass_with_evidence() {
    let (_dir, c) = sample();
    let mut s = KeywordScores::default();
    c.score("工地拖欠农民工工资，社保也没交，物业不管", &mut s);
    let labour = index_of(&c, "labour");
    let housing = index_of(&c, "housing");
    // 农民工工资 is matched whole, so 工资 inside it does not count again.
    assert_eq!(s.scores[labour], 5.0 + 2.5);
    assert_eq!(s.scores[housing], 2.0);
    let evidence: Vec<&str> = s
        .evidence(labour)
        .iter()
        .map(|h| c.keyword(h.keyword))
        .collect();
    assert_eq!(evidence, ["农民工工资", "社保"]);
}

#[test]
fn negative_keywords_lower_the_score_but_not_below_zero() {
    let (_dir, c) = sample();
    let mut s = KeywordScores::default();
    c.score("想提取住房公积金，物业说不行", &mut s);
    assert_eq!(s.scores[index_of(&c, "housing")], 0.0);
    assert_eq!(s.scores[index_of(&c, "housing_fund")], 5.0);
}

#[test]
fn repeated_keywords_count_once() {
    let (_dir, c) = sample();
    let mut s = KeywordScores::default();
    c.score("社保社保社保", &mut s);
    assert_eq!(s.scores[index_of(&c, "labour")], 2.5);
    assert_eq!(s.hits.len(), 1);
}

#[test]
fn reused_scores_forget_the_previous_petition() {
    let (_dir, c) = sample();
    let mut reused = KeywordScores::default();
    c.score("社保没交", &mut reused);
    c.score("物业不管，社保也没交", &mut reused);
    let mut fresh = KeywordScores::default();
    c.score("物业不管，社保也没交", &mut fresh);
    assert_eq!(reused.scores, fresh.scores);
    assert_eq!(reused.hits, fresh.hits);
    assert_eq!(reused.touched, fresh.touched);
    assert_eq!(reused.hits.len(), 2);
}

#[test]
fn keywords_are_normalised_like_text() {
    let dir = dir_with(&[(
        "telecom.toml",
        "code = \"telecom\"\nname = \"通信管理局\"\nsummary = \"电信服务。\"\ncategories = [\"科技与信息产业\"]\n[keywords]\n\"ＷｉＦｉ信号\" = 2.0\n",
    )]);
    let c = Catalogue::load_dir(dir.path()).unwrap();
    assert!(c.keywords().any(|k| k == "wifi信号"));
}

#[test]
fn syntax_error_names_file_and_line() {
    let broken = HOUSING.replace("\"物业\" = 2.0", "\"物业\" = ");
    let e = load_error(&[("housing.toml", &broken)]);
    assert!(e.contains("housing.toml:8:"), "{e}");
}

#[test]
fn unknown_field_is_refused_with_its_line() {
    let e = load_error(&[("housing.toml", &HOUSING.replace("summary", "sumary"))]);
    assert!(e.contains("housing.toml:4:") && e.contains("sumary"), "{e}");
}

#[test]
fn duplicate_code_names_both_files() {
    let e = load_error(&[
        ("housing.toml", HOUSING),
        ("labour.toml", &LABOUR.replace("\"labour\"", "\"housing\"")),
    ]);
    assert!(e.contains("labour.toml:1:"), "{e}");
    // Caught as a file-name mismatch first: each code lives in its own file.
    assert!(e.contains("rename the file to housing.toml"), "{e}");
}

#[test]
fn name_claimed_twice_names_both_places() {
    let e = load_error(&[
        ("housing.toml", HOUSING),
        ("labour.toml", &LABOUR.replace("\"人社局\"", "\"住建局\"")),
    ]);
    assert!(e.contains("labour.toml:3:"), "{e}");
    assert!(e.contains("housing") && e.contains("housing.toml:3"), "{e}");
}

#[test]
fn empty_lists_are_refused() {
    let e = load_error(&[("housing.toml", &HOUSING.replace("[\"城乡建设\"]", "[]"))]);
    assert!(
        e.contains("housing.toml:5:") && e.contains("categories is empty"),
        "{e}"
    );
    let no_keywords = "code = \"x1\"\nname = \"某局\"\nsummary = \"某事。\"\ncategories = [\"政法\"]\n[keywords]\n";
    let e = load_error(&[("x1.toml", no_keywords)]);
    assert!(e.contains("[keywords] is empty"), "{e}");
}

#[test]
fn conflicting_keyword_weights_are_refused() {
    // The same keyword, once full-width, once half-width, with two weights.
    let twice = HOUSING.replace(
        "\"工资\" = 0.5",
        "\"工资\" = 0.5\n\"ＥＴＣ\" = 1.0\n\"etc\" = 2.0",
    );
    let e = load_error(&[("housing.toml", &twice)]);
    assert!(e.contains("conflicts with the same keyword"), "{e}");
    // Positive and negative at once.
    let both = HOUSING.replace("\"住房公积金\" = 4.0", "\"物业\" = 1.0");
    let e = load_error(&[("housing.toml", &both)]);
    assert!(
        e.contains("housing.toml:13:") && e.contains("line 8"),
        "{e}"
    );
}

#[test]
fn bad_weights_and_short_keywords_are_refused() {
    let e = load_error(&[("housing.toml", &HOUSING.replace("= 3.0", "= 30.0"))]);
    assert!(
        e.contains("housing.toml:9:") && e.contains("weight 30"),
        "{e}"
    );
    let e = load_error(&[(
        "housing.toml",
        &HOUSING.replace("\"工资\" = 0.5", "\"房\" = 0.5"),
    )]);
    assert!(e.contains("at least 2 characters"), "{e}");
}

#[test]
fn code_must_match_file_name_and_format() {
    let e = load_error(&[("other.toml", HOUSING)]);
    assert!(
        e.contains("other.toml:1:") && e.contains("housing.toml"),
        "{e}"
    );
    let e = load_error(&[("Bad.toml", &HOUSING.replace("\"housing\"", "\"Bad\""))]);
    assert!(e.contains("must be 2-32 characters"), "{e}");
}

#[test]
fn missing_or_empty_directory_is_an_error() {
    let e = Catalogue::load_dir(&PathBuf::from("/nonexistent/catalogue"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("/nonexistent/catalogue"), "{e}");
    let e = load_error(&[("notes.txt", "not a department")]);
    assert!(e.contains("no department files"), "{e}");
}

#[test]
fn catalogue_toml_declares_the_jurisdiction_and_place_aliases() {
    let settings = r#"jurisdiction = "大连市"
[places]
"金普新区" = "金州区"
"大连开发区" = "金州区"
"#;
    let dir = dir_with(&[("housing.toml", HOUSING), ("catalogue.toml", settings)]);
    let catalogue = Catalogue::load_dir(dir.path()).unwrap();
    assert_eq!(
        catalogue.departments().len(),
        1,
        "catalogue.toml is no department"
    );
    let s = catalogue.settings();
    assert_eq!(s.jurisdiction.unwrap().to_string(), "210200000000");
    assert_eq!(
        s.place_aliases.get("金普新区").unwrap()[0].to_string(),
        "210213000000"
    );
    // The settings are part of the catalogue's version.
    let (_plain_dir, plain) = sample();
    assert_ne!(catalogue.version(), plain.version());
}

#[test]
fn a_place_the_gazetteer_does_not_know_is_refused_with_file_and_line() {
    let settings = "jurisdiction = \"大连市\"\n[places]\n\"开发区\" = \"不存在区\"\n";
    let message = load_error(&[("housing.toml", HOUSING), ("catalogue.toml", settings)]);
    assert!(message.contains("catalogue.toml:3"), "{message}");
    assert!(message.contains("不存在区"), "{message}");
    let ambiguous = load_error(&[
        ("housing.toml", HOUSING),
        ("catalogue.toml", "jurisdiction = \"朝阳区\"\n"),
    ]);
    assert!(ambiguous.contains("catalogue.toml:1"), "{ambiguous}");
    assert!(ambiguous.contains("12-digit code"), "{ambiguous}");
}

/// A catalogue.toml for Dalian with `units` after its jurisdiction.
fn with_units(units: &str) -> String {
    format!("jurisdiction = \"大连市\"\n[places]\n\"金普新区\" = \"金州区\"\n\n{units}")
}

const UNITS: &str = r#"[[units]]
name = "甘井子区城建局"
place = "甘井子区"
line = "housing"
aliases = ["甘井子区住建局"]

[[units]]
name = "沙河口区李家街道办事处"
place = "210204011000"
line = "government"

[[units]]
name = "金普新区管理委员会"
place = "金普新区"
line = "government"
"#;

#[test]
fn catalogue_toml_declares_local_units() {
    let dir = dir_with(&[
        ("housing.toml", HOUSING),
        ("catalogue.toml", &with_units(UNITS)),
    ]);
    let c = Catalogue::load_dir(dir.path()).unwrap();
    let units = c.units();
    assert_eq!(units.len(), 3);
    assert_eq!(
        units[0],
        DeclaredUnit {
            name: "甘井子区城建局".into(),
            place: "210211000000".parse().unwrap(),
            line: "housing".into(),
            aliases: vec!["甘井子区住建局".into()],
        }
    );
    assert_eq!(units[1].place.to_string(), "210204011000");
    assert_eq!(units[1].line, GOVERNMENT_LINE);
    assert!(units[1].aliases.is_empty());
    // A place alias of [places] names a unit's place too.
    assert_eq!(units[2].place.to_string(), "210213000000");
    assert_eq!(c.settings().units, units);
    assert_eq!(
        c.settings().places,
        [("金普新区".to_string(), "210213000000".parse().unwrap())]
    );
    // The units are part of the catalogue's version.
    let fewer = dir_with(&[
        ("housing.toml", HOUSING),
        ("catalogue.toml", &with_units("")),
    ]);
    assert_ne!(
        Catalogue::load_dir(fewer.path()).unwrap().version(),
        c.version()
    );
}

/// The error loading the HOUSING department with this catalogue.toml.
fn settings_error(settings: &str) -> String {
    load_error(&[("housing.toml", HOUSING), ("catalogue.toml", settings)])
}

#[test]
fn a_unit_place_must_be_a_known_district_or_town_of_the_jurisdiction() {
    let unit = |place: &str| {
        with_units(&format!(
            "[[units]]\nname = \"某单位\"\nplace = \"{place}\"\nline = \"housing\"\n"
        ))
    };
    // Line 5 of catalogue.toml: jurisdiction, [places], its alias, blank, [[units]], name…
    let e = settings_error(&unit("不存在区"));
    assert!(
        e.contains("catalogue.toml:7:") && e.contains("不存在区") && e.contains("in 大连市"),
        "{e}"
    );
    // Outside the jurisdiction, by name (not found in it) and by code.
    let e = settings_error(&unit("和平区"));
    assert!(
        e.contains("catalogue.toml:7:") && e.contains("in 大连市"),
        "{e}"
    );
    let e = settings_error(&unit("210102000000"));
    assert!(
        e.contains("catalogue.toml:7:") && e.contains("outside the jurisdiction 大连市"),
        "{e}"
    );
    // The city itself is no local place.
    let e = settings_error(&unit("大连市"));
    assert!(
        e.contains("catalogue.toml:7:") && e.contains("city-level"),
        "{e}"
    );
    // Ambiguous within the jurisdiction: 甘井子 is the short name of 甘井子区 and of its
    // 甘井子街道.
    let e = settings_error(&unit("甘井子"));
    assert!(
        e.contains("catalogue.toml:7:")
            && e.contains("names 2 places in 大连市")
            && e.contains("12-digit code"),
        "{e}"
    );
    // An unambiguous short name is fine.
    let ok = dir_with(&[("housing.toml", HOUSING), ("catalogue.toml", &unit("西岗"))]);
    assert_eq!(
        Catalogue::load_dir(ok.path()).unwrap().units()[0]
            .place
            .to_string(),
        "210203000000"
    );
}

#[test]
fn units_need_a_jurisdiction() {
    let e = settings_error(
        "[[units]]\nname = \"甘井子区城建局\"\nplace = \"甘井子区\"\nline = \"housing\"\n",
    );
    assert!(
        e.contains("catalogue.toml:1:") && e.contains("needs the catalogue's jurisdiction"),
        "{e}"
    );
}

#[test]
fn a_unit_line_must_be_a_department_code_or_the_government() {
    let unit = |line: &str| {
        with_units(&format!(
            "[[units]]\nname = \"甘井子区城建局\"\nplace = \"甘井子区\"\nline = \"{line}\"\n"
        ))
    };
    let e = settings_error(&unit("planning"));
    assert!(
        e.contains("catalogue.toml:8:") && e.contains("'planning' is neither a department code"),
        "{e}"
    );
    // A department's name or alias is not its code, but the message says which code.
    let e = settings_error(&unit("住建局"));
    assert!(e.contains("did you mean 'housing'"), "{e}");
    // An unknown field is refused like in department files.
    let e = settings_error(&with_units(
        "[[units]]\nname = \"甘井子区城建局\"\nplace = \"甘井子区\"\nline = \"housing\"\nkeywords = [\"物业\"]\n",
    ));
    assert!(
        e.contains("catalogue.toml:") && e.contains("keywords"),
        "{e}"
    );
}

#[test]
fn unit_names_are_used_once_and_by_no_department() {
    // Twice across units: the alias of the second is the first's name.
    let twice = with_units(&format!(
        "{UNITS}\n[[units]]\nname = \"西岗区人民政府\"\nplace = \"西岗区\"\nline = \"government\"\naliases = [\"甘井子区城建局\"]\n"
    ));
    let e = settings_error(&twice);
    assert!(
        e.contains("catalogue.toml:25:") && e.contains("already used at line 6"),
        "{e}"
    );
    // Twice within one unit.
    let e = settings_error(&with_units(
        "[[units]]\nname = \"甘井子区城建局\"\nplace = \"甘井子区\"\nline = \"housing\"\naliases = [\"甘井子区城建局\"]\n",
    ));
    assert!(
        e.contains("catalogue.toml:9:") && e.contains("already used"),
        "{e}"
    );
    // A department's code, name or alias (with or without 市).
    for taken in ["housing", "住建局", "住房和城乡建设局"] {
        let e = settings_error(&with_units(&format!(
            "[[units]]\nname = \"{taken}\"\nplace = \"甘井子区\"\nline = \"housing\"\n"
        )));
        assert!(
            e.contains("catalogue.toml:6:") && e.contains("already a name of department 'housing'"),
            "{taken}: {e}"
        );
    }
    // An empty name.
    let e = settings_error(&with_units(
        "[[units]]\nname = \" \"\nplace = \"甘井子区\"\nline = \"housing\"\n",
    ));
    assert!(
        e.contains("catalogue.toml:6:") && e.contains("empty"),
        "{e}"
    );
}

#[test]
fn one_place_and_line_is_one_unit() {
    let e = settings_error(&with_units(&format!(
        "{UNITS}\n[[units]]\nname = \"甘井子区房产局\"\nplace = \"甘井子区\"\nline = \"housing\"\n"
    )));
    assert!(
        e.contains("catalogue.toml:22:")
            && e.contains("same place and line as '甘井子区城建局' at line 6"),
        "{e}"
    );
}
