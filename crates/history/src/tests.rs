use std::path::PathBuf;

use tempfile::TempDir;

use crate::*;

/// Writes `content` to a file `name` in a fresh temporary directory.
fn fixture(name: &str, content: impl AsRef<[u8]>) -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(name);
    std::fs::write(&path, content).expect("write fixture");
    (dir, path)
}

fn read(name: &str, content: impl AsRef<[u8]>, options: &ReadOptions) -> Result<History, String> {
    let (_dir, path) = fixture(name, content);
    read_history(&path, options).map_err(|e| e.to_string())
}

fn skip() -> ReadOptions {
    ReadOptions {
        on_bad_row: OnBadRow::Skip,
        ..ReadOptions::default()
    }
}

fn unlabelled() -> ReadOptions {
    ReadOptions {
        labels: Labels::Ignored,
        ..ReadOptions::default()
    }
}

// ---------- JSONL ----------

#[test]
fn jsonl_happy_path_with_and_without_title() {
    let content = concat!(
        r#"{"id": 101, "title": "小区噪音扰民", "text": "楼下烧烤店每晚营业到凌晨，噪音很大。", "label": "生态环境局"}"#,
        "\n",
        "\n",
        r#"{"text": "公司拖欠三个月工资未发。", "label": 12}"#,
        "\r\n",
        r#"{"id": "  A-3 ", "title": null, "text": "路灯坏了一个月没人修。", "label": " 城管局 "}"#,
    );
    let history = read("h.jsonl", content, &ReadOptions::default()).unwrap();
    assert!(history.skipped.is_empty());
    let r = &history.records;
    assert_eq!(r.len(), 3);
    assert_eq!(r[0].row, 1);
    assert_eq!(r[0].id.as_deref(), Some("101"));
    assert_eq!(r[0].title, "小区噪音扰民");
    assert_eq!(r[0].label.as_deref(), Some("生态环境局"));
    assert_eq!(r[1].row, 3, "blank lines still count as lines");
    assert_eq!(r[1].title, "");
    assert_eq!(r[1].id, None);
    assert_eq!(
        r[1].label.as_deref(),
        Some("12"),
        "numeric label becomes a string"
    );
    assert_eq!(r[1].text, "公司拖欠三个月工资未发。");
    assert_eq!(r[2].row, 4);
    assert_eq!(r[2].id.as_deref(), Some("A-3"));
    assert_eq!(r[2].label.as_deref(), Some("城管局"));
    let counts = history.label_counts();
    assert_eq!(counts.get("12"), Some(&1));
    assert_eq!(counts.len(), 3);
}

#[test]
fn jsonl_recognises_chinese_and_case_insensitive_fields() {
    let content = concat!(
        r#"{"标题": "供暖不热", "诉求内容": "家里暖气温度只有十五度。", "承办单位": "住建局"}"#,
        "\n",
        r#"{"Title": "占道经营", "CONTENT": "商贩占用人行道摆摊。", "Department": "城管局"}"#,
        "\n"
    );
    let history = read("h.ndjson", content, &ReadOptions::default()).unwrap();
    assert_eq!(history.records[0].title, "供暖不热");
    assert_eq!(history.records[0].label.as_deref(), Some("住建局"));
    assert_eq!(history.records[1].text, "商贩占用人行道摆摊。");
    assert_eq!(history.records[1].label.as_deref(), Some("城管局"));
}

#[test]
fn jsonl_missing_text_field_names_fields_and_flag() {
    let content = r#"{"title": "噪音", "body": "工地夜间施工。", "label": "环保"}"#;
    let err = read("h.jsonl", content, &ReadOptions::default()).unwrap_err();
    assert!(err.contains("h.jsonl"), "{err}");
    assert!(err.contains("no text column found"), "{err}");
    assert!(err.contains("'body', 'label', 'title'"), "{err}");
    assert!(err.contains("'内容'"), "{err}");
    assert!(err.contains("--text-column"), "{err}");
}

#[test]
fn jsonl_missing_label_is_error_unless_ignored() {
    let content = r#"{"text": "小区门口积水严重。"}"#;
    let err = read("h.jsonl", content, &ReadOptions::default()).unwrap_err();
    assert!(err.contains("no label column found"), "{err}");
    assert!(err.contains("--label-column"), "{err}");
    let history = read("h.jsonl", content, &unlabelled()).unwrap();
    assert_eq!(history.records[0].label, None);
}

#[test]
fn jsonl_later_object_missing_text_is_bad_row() {
    let content = concat!(
        r#"{"text": "垃圾清运不及时。", "label": "城管局"}"#,
        "\n",
        r#"{"内容x": "错字段", "label": "城管局"}"#,
        "\n"
    );
    let err = read("h.jsonl", content, &ReadOptions::default()).unwrap_err();
    assert!(err.contains("h.jsonl:2: no text field"), "{err}");
    let history = read("h.jsonl", content, &skip()).unwrap();
    assert_eq!(history.records.len(), 1);
    assert_eq!(history.skipped[0].row, 2);
}

#[test]
fn jsonl_bad_line_reports_line_and_column() {
    let content = concat!(
        r#"{"text": "医保报销太慢。", "label": "医保局"}"#,
        "\n",
        r#"{"text": "学校收费不合理", "label": }"#,
        "\n",
        r#"{"text": "公交线路调整不便。", "label": "交通局"}"#,
        "\n"
    );
    let err = read("h.jsonl", content, &ReadOptions::default()).unwrap_err();
    assert!(err.contains("h.jsonl:2: not a JSON object"), "{err}");
    assert!(err.contains("expected value"), "{err}");
    assert!(err.contains("(column 30)"), "{err}");
    assert!(err.contains("--skip-bad-rows"), "{err}");

    let history = read("h.jsonl", content, &skip()).unwrap();
    assert_eq!(history.records.len(), 2);
    assert_eq!(history.records[1].row, 3);
    assert_eq!(history.skipped.len(), 1);
    assert_eq!(history.skipped[0].row, 2);
    assert!(history.skipped[0].reason.contains("not a JSON object"));
}

#[test]
fn jsonl_non_object_and_wrong_type() {
    let err = read("h.jsonl", "\"只是一个字符串\"\n", &ReadOptions::default()).unwrap_err();
    assert!(err.contains("h.jsonl:1: expected a JSON object"), "{err}");
    assert!(err.contains("found a string"), "{err}");

    let content = r#"{"text": "噪音扰民。", "label": true}"#;
    let err = read("h.jsonl", content, &ReadOptions::default()).unwrap_err();
    assert!(
        err.contains("h.jsonl:1: label field 'label' is a boolean"),
        "{err}"
    );
    assert!(err.contains("a string or a number"), "{err}");

    let content = r#"{"text": 42, "label": "城管局"}"#;
    let err = read("h.jsonl", content, &ReadOptions::default()).unwrap_err();
    assert!(
        err.contains("text field 'text' is a number; expected a string"),
        "{err}"
    );
}

#[test]
fn jsonl_array_file_is_explained() {
    let content = "[\n{\"text\": \"噪音\", \"label\": \"环保\"}\n]\n";
    let err = read("h.json", content, &ReadOptions::default()).unwrap_err();
    assert!(err.contains("JSON array"), "{err}");
    assert!(err.contains("one object per line"), "{err}");
}

#[test]
fn jsonl_column_index_is_rejected_and_names_work() {
    let content = r#"{"诉求": "物业乱收费。", "部门": "住建局"}"#;
    let options = ReadOptions {
        columns: Columns {
            text: Some(Column::Index(1)),
            ..Columns::default()
        },
        ..ReadOptions::default()
    };
    let err = read("h.jsonl", content, &options).unwrap_err();
    assert!(err.contains("--text-column 1"), "{err}");
    assert!(err.contains("give the field name"), "{err}");

    let options = ReadOptions {
        columns: Columns {
            text: Some("诉求".parse().unwrap()),
            label: Some("部门".parse().unwrap()),
            ..Columns::default()
        },
        ..ReadOptions::default()
    };
    let history = read("h.jsonl", content, &options).unwrap();
    assert_eq!(history.records[0].label.as_deref(), Some("住建局"));
}

#[test]
fn jsonl_empty_text_fail_and_skip() {
    let content = concat!(
        r#"{"text": "   ", "label": "城管局"}"#,
        "\n",
        r#"{"text": "井盖丢失。", "label": "城管局"}"#,
        "\n"
    );
    let err = read("h.jsonl", content, &ReadOptions::default()).unwrap_err();
    assert!(
        err.contains("h.jsonl:1: empty text in column 'text'"),
        "{err}"
    );
    let history = read("h.jsonl", content, &skip()).unwrap();
    assert_eq!(history.records.len(), 1);
    assert_eq!(history.skipped[0].reason, "empty text in column 'text'");
}

#[test]
fn jsonl_not_utf8() {
    let mut content = b"{\"text\": \"ok\", \"label\": \"a\"}\n{\"text\": \"".to_vec();
    content.extend_from_slice(&[0xC4, 0xDA, 0xC8, 0xDD]); // "内容" in GBK
    content.extend_from_slice(b"\", \"label\": \"a\"}\n");
    // All its non-ASCII text is GBK, so detection would read it as GBK: name UTF-8.
    let options = ReadOptions {
        encoding: Some(Encoding::Utf8),
        ..ReadOptions::default()
    };
    let err = read("h.jsonl", content, &options).unwrap_err();
    assert!(err.contains("h.jsonl:2: the file is not UTF-8"), "{err}");
    assert!(err.contains("byte offset 39"), "{err}");
    assert!(err.contains("--encoding gbk"), "{err}");
}

#[test]
fn jsonl_bom_and_blank_only_file() {
    let content = "\u{feff}{\"text\": \"道路破损。\", \"label\": \"交通局\"}\n";
    let history = read("h.jsonl", content, &ReadOptions::default()).unwrap();
    assert_eq!(history.records[0].text, "道路破损。");

    let err = read("h.jsonl", "\n  \n", &ReadOptions::default()).unwrap_err();
    assert!(err.contains("the file is empty"), "{err}");
}

// ---------- CSV ----------

#[test]
fn csv_chinese_headers_auto_detected() {
    let content = "编号,标题,内容,受理单位\n\
                   1,噪音扰民,楼下商铺音响声音太大。,生态环境局\n\
                   2,拖欠工资,工地老板欠薪两个月。,人社局\n";
    let history = read("h.csv", content, &ReadOptions::default()).unwrap();
    let r = &history.records;
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].row, 2);
    assert_eq!(r[0].id.as_deref(), Some("1"));
    assert_eq!(r[0].title, "噪音扰民");
    assert_eq!(r[0].text, "楼下商铺音响声音太大。");
    assert_eq!(r[0].label.as_deref(), Some("生态环境局"));
    assert_eq!(r[1].row, 3);
    assert_eq!(r[1].label.as_deref(), Some("人社局"));
}

#[test]
fn csv_with_bom() {
    let content = "\u{feff}标题,内容,受理单位\n停水,小区停水三天。,水务局\n";
    let history = read("h.csv", content, &ReadOptions::default()).unwrap();
    assert_eq!(history.records[0].title, "停水");
    assert_eq!(history.records[0].label.as_deref(), Some("水务局"));
}

#[test]
fn csv_quoted_fields_with_commas_and_newlines() {
    let content = "标题,内容,受理单位\n\
                   \"占道,经营\",\"商贩占道，\n第二行,还有逗号\",城管局\n\
                   违建,\"楼顶搭建 \"\"阳光房\"\"\",规划局\n";
    let history = read("h.csv", content, &ReadOptions::default()).unwrap();
    let r = &history.records;
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].title, "占道,经营");
    assert_eq!(r[0].text, "商贩占道，\n第二行,还有逗号");
    assert_eq!(
        r[1].row, 3,
        "a multi-line field is still one spreadsheet row"
    );
    assert_eq!(r[1].text, "楼顶搭建 \"阳光房\"");
}

#[test]
fn csv_columns_by_name_and_by_index() {
    let content = "序号,诉求,部门,摘要\n7,电梯经常故障。,市场监管局,电梯\n";
    let by_name = ReadOptions {
        columns: Columns {
            id: Some("序号".parse().unwrap()),
            title: Some(Column::Name("摘要".into())),
            text: Some(Column::Name("诉求".into())),
            label: Some(Column::Name("部门".into())),
            region: None,
            kind: None,
            date: None,
        },
        ..ReadOptions::default()
    };
    let history = read("h.csv", content, &by_name).unwrap();
    let r = &history.records[0];
    assert_eq!(
        (
            r.id.as_deref(),
            r.title.as_str(),
            r.text.as_str(),
            r.label.as_deref()
        ),
        (Some("7"), "电梯", "电梯经常故障。", Some("市场监管局"))
    );

    let by_index = ReadOptions {
        columns: Columns {
            id: Some("1".parse().unwrap()),
            title: Some("4".parse().unwrap()),
            text: Some("2".parse().unwrap()),
            label: Some(Column::Index(3)),
            region: None,
            kind: None,
            date: None,
        },
        ..ReadOptions::default()
    };
    assert_eq!(
        read("h.csv", content, &by_index).unwrap().records,
        history.records
    );
}

#[test]
fn csv_named_missing_and_index_out_of_range() {
    let content = "标题,内容,受理单位\n停电,整栋楼停电。,供电公司\n";
    let options = ReadOptions {
        columns: Columns {
            text: Some(Column::Name("正文".into())),
            ..Columns::default()
        },
        ..ReadOptions::default()
    };
    let err = read("h.csv", content, &options).unwrap_err();
    assert!(
        err.contains("h.csv: the text column '正文' given with --text-column does not exist"),
        "{err}"
    );
    assert!(err.contains("'标题', '内容', '受理单位'"), "{err}");

    let options = ReadOptions {
        columns: Columns {
            label: Some(Column::Index(4)),
            ..Columns::default()
        },
        ..ReadOptions::default()
    };
    let err = read("h.csv", content, &options).unwrap_err();
    assert!(
        err.contains("label column number 4 given with --label-column is out of range"),
        "{err}"
    );
    assert!(err.contains("3 columns, numbered from 1"), "{err}");
}

#[test]
fn csv_no_text_column_lists_headers() {
    let content = "标题,正文,受理单位\n停电,整栋楼停电。,供电公司\n";
    let err = read("h.csv", content, &ReadOptions::default()).unwrap_err();
    assert!(err.contains("no text column found"), "{err}");
    assert!(err.contains("'标题', '正文', '受理单位'"), "{err}");
    assert!(
        err.contains("--text-column NAME or a 1-based column number"),
        "{err}"
    );
}

#[test]
fn csv_ragged_row_fail_and_skip() {
    let content = "标题,内容,受理单位\n\
                   停电,整栋楼停电。,供电公司\n\
                   漏水,楼上漏水,物业,多余\n\
                   拥堵,学校门口早高峰拥堵。,交警支队,\n";
    let err = read("h.csv", content, &ReadOptions::default()).unwrap_err();
    assert!(
        err.contains("h.csv:3: row has 4 fields but the header has 3"),
        "{err}"
    );
    assert!(err.contains("--skip-bad-rows"), "{err}");

    let history = read("h.csv", content, &skip()).unwrap();
    assert_eq!(
        history.records.len(),
        2,
        "trailing empty field is tolerated"
    );
    assert_eq!(history.records[1].row, 4);
    assert_eq!(history.skipped.len(), 1);
    assert_eq!(history.skipped[0].row, 3);
    assert!(history.skipped[0].reason.contains("4 fields"));

    let short = "标题,内容,受理单位\n停电\n";
    let err = read("h.csv", short, &ReadOptions::default()).unwrap_err();
    assert!(err.contains("h.csv:2: row has 1 fields"), "{err}");
}

#[test]
fn csv_empty_text_and_label_fail_and_skip() {
    let content = "标题,内容,受理单位\n\
                   噪音,夜间施工噪音。,生态环境局\n\
                   空的,  ,城管局\n\
                   无单位,道路积水。,\n";
    let err = read("h.csv", content, &ReadOptions::default()).unwrap_err();
    assert!(
        err.contains("h.csv:3: empty text in column '内容'"),
        "{err}"
    );
    assert!(err.contains("--skip-bad-rows"), "{err}");

    let history = read("h.csv", content, &skip()).unwrap();
    assert_eq!(history.records.len(), 1);
    assert_eq!(
        history.skipped,
        vec![
            SkippedRow {
                row: 3,
                id: None,
                reason: "empty text in column '内容'".into()
            },
            SkippedRow {
                row: 4,
                id: None,
                reason: "empty label in column '受理单位'".into()
            },
        ]
    );

    // Without labels the row with no label is fine.
    let options = ReadOptions {
        labels: Labels::Ignored,
        on_bad_row: OnBadRow::Skip,
        ..ReadOptions::default()
    };
    let history = read("h.csv", content, &options).unwrap();
    assert_eq!(history.records.len(), 2);
    assert_eq!(history.skipped.len(), 1);
}

#[test]
fn csv_not_utf8() {
    let mut content = "标题,内容,受理单位\n停电,整栋楼停电。,供电公司\n噪音,"
        .as_bytes()
        .to_vec();
    content.extend_from_slice(&[0xD4, 0xEB, 0xD2, 0xF4]); // "噪音" in GBK
    content.extend_from_slice(",城管局\n".as_bytes());
    let err = read("h.csv", &content, &ReadOptions::default()).unwrap_err();
    assert!(err.contains("h.csv:3: the file is not UTF-8"), "{err}");
    assert!(err.contains("in column '内容'"), "{err}");
    assert!(err.contains("re-export it as UTF-8"), "{err}");
    assert!(err.contains("--encoding gbk"), "{err}");
    // Also with skip mode: an encoding problem is never a skippable row.
    assert!(read("h.csv", &content, &skip()).is_err());
}

#[test]
fn csv_labels_ignored_without_label_column() {
    let content = "标题,内容\n噪音,夜间施工噪音。\n";
    let history = read("bench.csv", content, &unlabelled()).unwrap();
    assert_eq!(history.records[0].label, None);
    assert!(history.label_counts().is_empty());

    let err = read("bench.csv", content, &ReadOptions::default()).unwrap_err();
    assert!(err.contains("bench.csv: no label column found"), "{err}");
    assert!(err.contains("--label-column"), "{err}");
}

#[test]
fn tsv_by_extension_and_format_override() {
    let content = "title\ttext\tlabel\n燃气\t燃气管道漏气，有异味。\t燃气公司\n";
    let history = read("h.tsv", content, &ReadOptions::default()).unwrap();
    assert_eq!(history.records[0].text, "燃气管道漏气，有异味。");
    assert_eq!(history.records[0].label.as_deref(), Some("燃气公司"));

    let options = ReadOptions {
        format: Some("tsv".parse().unwrap()),
        ..ReadOptions::default()
    };
    let history = read("export.txt", content, &options).unwrap();
    assert_eq!(history.records.len(), 1);
}

#[test]
fn unsupported_extension() {
    let err = read("h.docx", "whatever", &ReadOptions::default()).unwrap_err();
    assert!(err.contains("h.docx"), "{err}");
    assert!(err.contains("'docx'"), "{err}");
    assert!(
        err.contains(".jsonl, .json, .ndjson, .csv, .tsv, .xlsx"),
        "{err}"
    );
    let err = read("noext", "x", &ReadOptions::default()).unwrap_err();
    assert!(err.contains("extension ''"), "{err}");
}

#[test]
fn empty_files() {
    let err = read("h.csv", "", &ReadOptions::default()).unwrap_err();
    assert!(err.contains("h.csv: the file is empty"), "{err}");
    let err = read("h.csv", "\u{feff}", &ReadOptions::default()).unwrap_err();
    assert!(err.contains("the file is empty"), "{err}");
    let err = read("h.jsonl", "", &ReadOptions::default()).unwrap_err();
    assert!(err.contains("h.jsonl: the file is empty"), "{err}");
    let err = read("h.csv", "标题,内容,受理单位\n", &ReadOptions::default()).unwrap_err();
    assert!(err.contains("header row but no data rows"), "{err}");
}

#[test]
fn all_rows_skipped_is_an_error() {
    let content = "标题,内容,受理单位\n空,,城管局\n";
    let err = read("h.csv", content, &skip()).unwrap_err();
    assert!(
        err.contains("no usable rows: all 1 rows were skipped"),
        "{err}"
    );
    assert!(err.contains("row 2: empty text in column '内容'"), "{err}");
}

#[test]
fn open_error_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("missing.csv");
    let err = read_history(&path, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, HistoryError::Open { .. }));
    assert!(err.to_string().contains("missing.csv"), "{err}");
}

#[test]
fn iterator_streams_and_reports_skipped() {
    let content =
        "标题,内容,受理单位\n噪音,施工噪音。,环保局\n坏,,环保局\n停水,停水两天。,水务局\n";
    let (_dir, path) = fixture("h.csv", content);
    let mut iter = records(&path, &skip()).unwrap();
    let first = iter.next().unwrap().unwrap();
    assert_eq!(first.row, 2);
    assert!(iter.skipped().is_empty());
    let second = iter.next().unwrap().unwrap();
    assert_eq!(second.row, 4);
    assert_eq!(iter.skipped().len(), 1);
    assert!(iter.next().is_none());
    assert!(iter.next().is_none());
    assert_eq!(iter.path(), path.as_path());
}

#[test]
fn column_from_str() {
    assert_eq!("3".parse::<Column>().unwrap(), Column::Index(3));
    assert_eq!(" 12 ".parse::<Column>().unwrap(), Column::Index(12));
    assert_eq!(
        "内容".parse::<Column>().unwrap(),
        Column::Name("内容".into())
    );
    assert_eq!(
        "col3".parse::<Column>().unwrap(),
        Column::Name("col3".into())
    );
    assert!("0"
        .parse::<Column>()
        .unwrap_err()
        .to_string()
        .contains("start at 1"));
    assert!("".parse::<Column>().is_err());
    assert!("99999999999999999999999".parse::<Column>().is_err());
}

#[test]
fn format_from_path() {
    assert_eq!(
        Format::from_path("a.JSONL".as_ref()).unwrap(),
        Format::Jsonl
    );
    assert_eq!(Format::from_path("a.csv".as_ref()).unwrap(), Format::CSV);
    assert_eq!(
        Format::from_path("a.tsv".as_ref()).unwrap(),
        Format::Csv { delimiter: b'\t' }
    );
    assert_eq!("XLS".parse::<Format>().unwrap(), Format::Spreadsheet);
    assert!("docx".parse::<Format>().is_err());
    assert_eq!(Format::TSV.to_string(), "tsv");
}

/// Deterministic pseudo-random garbage must never panic, only succeed or err.
#[test]
fn garbage_never_panics() {
    let alphabet: &[&[u8]] = &[
        b"{",
        b"}",
        b"\"",
        b",",
        b"\t",
        b"\n",
        b"\r\n",
        b":",
        b"[",
        b"]",
        b"text",
        b"label",
        b"title",
        b"id",
        "内容".as_bytes(),
        "受理单位".as_bytes(),
        b"1",
        b"null",
        b"true",
        b" ",
        &[0xFF],
        &[0xE5, 0x86],
        b"\xEF\xBB\xBF",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for case in 0..400 {
        let len = (next() % 60) as usize;
        let mut bytes = Vec::new();
        if case % 3 == 0 {
            bytes.extend_from_slice("标题,内容,受理单位\n".as_bytes());
        }
        for _ in 0..len {
            let piece = alphabet[(next() % alphabet.len() as u64) as usize];
            bytes.extend_from_slice(piece);
        }
        for (name, options) in [
            ("g.jsonl", ReadOptions::default()),
            ("g.csv", skip()),
            ("g.tsv", unlabelled()),
            ("g.jsonl", skip()),
        ] {
            let _ = read(name, &bytes, &options);
        }
    }
}

// ---------- encodings ----------

const CHINESE_CSV: &str = "编号,标题,内容,受理单位\n1,噪音,楼下烧烤店每晚营业到凌晨,生态环境局\n2,欠薪,公司拖欠三个月工资未发,人社局\n";

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

#[test]
fn gbk_csv_is_detected_and_decoded() {
    let history = read("export.csv", gbk(CHINESE_CSV), &ReadOptions::default()).unwrap();
    assert_eq!(history.encoding, Encoding::Gb18030);
    let r = &history.records;
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].title, "噪音");
    assert_eq!(r[0].text, "楼下烧烤店每晚营业到凌晨");
    assert_eq!(r[1].label.as_deref(), Some("人社局"));
    assert_eq!(r[1].row, 3);
}

#[test]
fn utf8_with_and_without_bom_reads_the_same() {
    let plain = read("a.csv", CHINESE_CSV, &ReadOptions::default()).unwrap();
    let bom = read(
        "b.csv",
        [b"\xEF\xBB\xBF".as_slice(), CHINESE_CSV.as_bytes()].concat(),
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(plain.encoding, Encoding::Utf8);
    assert_eq!(bom.encoding, Encoding::Utf8);
    assert_eq!(plain.records, bom.records);
}

#[test]
fn gbk_read_as_utf8_says_which_row_and_how_to_fix_it() {
    let options = ReadOptions {
        encoding: Some(Encoding::Utf8),
        ..ReadOptions::default()
    };
    let e = read("export.csv", gbk(CHINESE_CSV), &options).unwrap_err();
    assert!(e.contains("export.csv:1"), "{e}");
    assert!(e.contains("--encoding gbk"), "{e}");
}

#[test]
fn named_encoding_overrides_detection() {
    // Pure ASCII detects as UTF-8; naming GB18030 reads it the same.
    let ascii = "text,label\nwater cut,water\npower cut,power\n";
    let options = ReadOptions {
        encoding: Some(Encoding::Gb18030),
        ..ReadOptions::default()
    };
    let history = read("a.csv", ascii, &options).unwrap();
    assert_eq!(history.encoding, Encoding::Gb18030);
    assert_eq!(history.records[1].text, "power cut");
}

// ---------- spreadsheets ----------

/// A workbook with a second sheet "历史" holding a header, two petitions, a blank row and a
/// row without text.
fn workbook() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("export.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet()
        .set_name("说明")
        .unwrap()
        .write(0, 0, "导出说明")
        .unwrap();
    let sheet = book.add_worksheet().set_name("历史").unwrap();
    for (c, h) in ["编号", "标题", "内容", "受理单位"].iter().enumerate() {
        sheet.write(0, c as u16, *h).unwrap();
    }
    sheet.write(1, 0, 1001).unwrap();
    sheet.write(1, 2, "楼下烧烤店每晚营业到凌晨").unwrap();
    sheet.write(1, 3, "生态环境局").unwrap();
    sheet.write(2, 0, 1002).unwrap();
    sheet.write(2, 1, "欠薪").unwrap();
    sheet.write(2, 2, "公司拖欠三个月工资未发").unwrap();
    sheet.write(2, 3, "人社局").unwrap();
    // Row 4 is left blank; row 5 has no text.
    sheet.write(4, 0, 1003).unwrap();
    sheet.write(4, 3, "城管局").unwrap();
    book.save(&path).unwrap();
    (dir, path)
}

#[test]
fn xlsx_rows_are_read_with_spreadsheet_row_numbers() {
    let (_dir, path) = workbook();
    let options = ReadOptions {
        sheet: Some("历史".into()),
        on_bad_row: OnBadRow::Skip,
        ..ReadOptions::default()
    };
    let history = read_history(&path, &options).unwrap();
    let r = &history.records;
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].row, 2);
    assert_eq!(r[0].id.as_deref(), Some("1001"), "whole numbers without .0");
    assert_eq!(r[0].title, "");
    assert_eq!(r[1].title, "欠薪");
    assert_eq!(r[1].label.as_deref(), Some("人社局"));
    assert_eq!(history.skipped.len(), 1);
    assert_eq!(history.skipped[0].row, 5);
    assert!(
        history.skipped[0].reason.contains("内容"),
        "{:?}",
        history.skipped
    );
}

#[test]
fn xlsx_sheet_errors_name_the_file_and_the_sheets() {
    let (_dir, path) = workbook();
    // The first sheet has no petition columns.
    let e = read_history(&path, &ReadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("export.xlsx"), "{e}");
    let missing = ReadOptions {
        sheet: Some("2019".into()),
        ..ReadOptions::default()
    };
    let e = read_history(&path, &missing).unwrap_err().to_string();
    assert!(
        e.contains("no worksheet named '2019'") && e.contains("历史"),
        "{e}"
    );
    let e = read("broken.xlsx", "not a workbook", &ReadOptions::default()).unwrap_err();
    assert!(
        e.contains("broken.xlsx: cannot read the spreadsheet"),
        "{e}"
    );
}

// ---------- region column ----------

#[test]
fn jsonl_region_field_is_read_trimmed_and_optional() {
    let content = concat!(
        r#"{"id": "r1", "text": "小区门口道路塌陷。", "label": "城管局", "region": " 甘井子区 "}"#,
        "\n",
        r#"{"id": "r2", "text": "路灯不亮。", "label": "城管局", "region": "  "}"#,
        "\n",
        r#"{"id": "r3", "text": "噪音扰民。", "label": "生态环境局"}"#,
        "\n",
        r#"{"id": "r4", "text": "井盖缺失。", "label": "城管局", "region": 210211}"#,
        "\n",
        r#"{"id": "r5", "text": "占道经营。", "label": "城管局", "region": null}"#,
        "\n",
    );
    let history = read("h.jsonl", content, &ReadOptions::default()).unwrap();
    let regions: Vec<Option<&str>> = history
        .records
        .iter()
        .map(|r| r.region.as_deref())
        .collect();
    assert_eq!(
        regions,
        vec![Some("甘井子区"), None, None, Some("210211"), None],
        "trimmed; blank, absent and null are None; a division code may be a number"
    );

    let content = r#"{"text": "路灯不亮。", "label": "城管局", "属地": "金州区"}"#;
    let history = read("h.jsonl", content, &ReadOptions::default()).unwrap();
    assert_eq!(history.records[0].region.as_deref(), Some("金州区"));

    let content = r#"{"text": "路灯不亮。", "label": "城管局", "region": ["金州区"]}"#;
    let err = read("h.jsonl", content, &skip()).unwrap_err();
    assert!(err.contains("region field 'region' is an array"), "{err}");
}

#[test]
fn jsonl_region_named_field_must_exist() {
    let content = r#"{"text": "路灯不亮。", "label": "城管局", "来源区县": "金州区"}"#;
    let options = region_column("来源区县");
    let history = read("h.jsonl", content, &options).unwrap();
    assert_eq!(history.records[0].region.as_deref(), Some("金州区"));

    let options = region_column("区县");
    let err = read("h.jsonl", content, &options).unwrap_err();
    assert!(
        err.contains("region") && err.contains("--region-column") && err.contains("来源区县"),
        "{err}"
    );
}

const REGION_CSV: &str = "编号,标题,内容,受理单位,所属区县\n\
                          1,噪音,楼下烧烤店每晚营业到凌晨,生态环境局, 甘井子区 \n\
                          2,欠薪,公司拖欠三个月工资未发,人社局,\n";

#[test]
fn csv_region_column_is_recognised_in_utf8_and_gbk() {
    for (name, bytes) in [
        ("utf8.csv", REGION_CSV.as_bytes().to_vec()),
        ("gbk.csv", gbk(REGION_CSV)),
    ] {
        let history = read(name, &bytes, &ReadOptions::default()).unwrap();
        let r = &history.records;
        assert_eq!(r.len(), 2, "{name}");
        assert_eq!(r[0].region.as_deref(), Some("甘井子区"), "{name}");
        assert_eq!(r[0].text, "楼下烧烤店每晚营业到凌晨", "{name}");
        assert_eq!(r[1].region, None, "{name}: an empty cell is None");
        assert_eq!(r[1].label.as_deref(), Some("人社局"), "{name}");
    }
    // Unlabelled files read the region too.
    let history = read("b.csv", REGION_CSV, &unlabelled()).unwrap();
    assert_eq!(history.records[0].region.as_deref(), Some("甘井子区"));
    // Other recognised headers.
    for header in ["region", "Region", "区域", "属地"] {
        let content = format!("内容,受理单位,{header}\n路灯不亮。,城管局,金州区\n");
        let history = read("h.csv", content, &ReadOptions::default()).unwrap();
        assert_eq!(
            history.records[0].region.as_deref(),
            Some("金州区"),
            "{header}"
        );
    }
    // Without a region column every record has none.
    let history = read("c.csv", CHINESE_CSV, &ReadOptions::default()).unwrap();
    assert!(history.records.iter().all(|r| r.region.is_none()));
}

#[test]
fn csv_region_column_by_name_and_number() {
    let content = "内容,受理单位,来源\n路灯不亮。,城管局,金州区\n";
    for column in ["来源", "3"] {
        let options = region_column(column);
        let history = read("h.csv", content, &options).unwrap();
        assert_eq!(
            history.records[0].region.as_deref(),
            Some("金州区"),
            "{column}"
        );
    }
    let options = region_column("区县");
    let err = read("h.csv", content, &options).unwrap_err();
    assert!(
        err.contains("the region column '区县' given with --region-column does not exist"),
        "{err}"
    );
    let options = ReadOptions {
        columns: Columns {
            region: Some(Column::Index(9)),
            ..Columns::default()
        },
        ..ReadOptions::default()
    };
    let err = read("h.csv", content, &options).unwrap_err();
    assert!(err.contains("--region-column"), "{err}");
}

#[test]
fn skipped_rows_keep_their_id_when_it_can_be_read() {
    let content = concat!(
        r#"{"id": " x1 ", "text": "  ", "label": "城管局"}"#,
        "\n",
        r#"{"id": "x2", "text": "井盖丢失。", "label": "城管局"}"#,
        "\n",
        "not json\n",
    );
    let history = read("h.jsonl", content, &skip()).unwrap();
    assert_eq!(history.skipped.len(), 2);
    assert_eq!(history.skipped[0].id.as_deref(), Some("x1"));
    assert_eq!(history.skipped[1].id, None);
}

#[test]
fn xlsx_region_column_is_recognised() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("export.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["内容", "受理单位", "属地"].iter().enumerate() {
        sheet.write(0, c as u16, *h).unwrap();
    }
    sheet.write(1, 0, "楼下烧烤店每晚营业到凌晨").unwrap();
    sheet.write(1, 1, "生态环境局").unwrap();
    sheet.write(1, 2, "甘井子区").unwrap();
    sheet.write(2, 0, "公司拖欠三个月工资未发").unwrap();
    sheet.write(2, 1, "人社局").unwrap();
    book.save(&path).unwrap();
    let history = read_history(&path, &ReadOptions::default()).unwrap();
    let regions: Vec<Option<&str>> = history
        .records
        .iter()
        .map(|r| r.region.as_deref())
        .collect();
    assert_eq!(regions, vec![Some("甘井子区"), None]);
}

#[test]
fn taken_skipped_rows_are_the_bad_rows_before_each_record() {
    let content = "编号,内容\n1,施工噪音。\n2,\n3,\n4,停水两天。\n5,\n";
    let (_dir, path) = fixture("h.csv", content);
    let mut iter = records(
        &path,
        &ReadOptions {
            labels: Labels::Ignored,
            ..skip()
        },
    )
    .unwrap();
    assert_eq!(iter.next().unwrap().unwrap().row, 2);
    assert!(iter.take_skipped().is_empty());
    assert_eq!(iter.next().unwrap().unwrap().row, 5);
    let taken = iter.take_skipped();
    assert_eq!(taken.iter().map(|s| s.row).collect::<Vec<_>>(), [3, 4]);
    assert_eq!(taken[0].id.as_deref(), Some("2"));
    assert!(iter.next().is_none());
    assert_eq!(iter.take_skipped().len(), 1);
    assert_eq!(iter.skipped_count(), 3);
    assert!(iter.skipped().is_empty());

    // Every row bad: still an error at the end, though the rows were taken.
    let (_dir, path) = fixture("bad.csv", "内容\n\"\"\n\" \"\n");
    let mut iter = records(
        &path,
        &ReadOptions {
            labels: Labels::Ignored,
            ..skip()
        },
    )
    .unwrap();
    let end = iter.next().unwrap().unwrap_err();
    assert!(
        matches!(end, HistoryError::NoRecords { skipped: 2, .. }),
        "{end}"
    );
}

/// Reading options that name the region column.
fn region_column(name: &str) -> ReadOptions {
    ReadOptions {
        columns: Columns {
            region: Some(name.parse().unwrap()),
            ..Columns::default()
        },
        ..ReadOptions::default()
    }
}

// ---------- text that normalises to nothing ----------

/// Petition text that is only markup or invisible characters, as web forms and copy-paste
/// leave it: not whitespace, yet nothing to analyse.
const NO_TEXT: [&str; 3] = ["<p>&nbsp;</p>", "\u{200b}\u{200b}", "<br/>\u{feff}&emsp;"];

/// Reads `content` failing on the first bad row, and again skipping it.
fn refused_and_skipped(name: &str, content: &[u8], bad_row: usize, column: &str) {
    let e = read(name, content, &ReadOptions::default()).unwrap_err();
    let at = format!("{name}:{bad_row}: no text in column '{column}'");
    assert!(e.contains(&at), "{e}");
    let history = read(name, content, &skip()).unwrap();
    assert_eq!(history.records.len(), 1, "{name}");
    assert_eq!(history.skipped.len(), 1, "{name}");
    assert_eq!(history.skipped[0].row, bad_row);
    assert!(history.skipped[0].reason.contains("only markup"));
}

#[test]
fn jsonl_text_of_markup_or_zero_width_only_is_refused() {
    for blank in NO_TEXT {
        let content = format!(
            "{}\n{}\n",
            serde_json::json!({"text": "楼下烧烤店每晚营业到凌晨", "label": "生态环境局"}),
            serde_json::json!({"text": blank, "label": "城管局"}),
        );
        refused_and_skipped("h.jsonl", content.as_bytes(), 2, "text");
    }
}

#[test]
fn csv_text_of_markup_or_zero_width_only_is_refused_in_utf8_and_gbk() {
    for blank in NO_TEXT {
        let content = format!(
            "标题,内容,受理单位\n噪音,楼下烧烤店每晚营业到凌晨,生态环境局\n空白,{blank},城管局\n"
        );
        refused_and_skipped("h.csv", content.as_bytes(), 3, "内容");
        // GB18030 holds the zero-width characters too: the rule is applied after decoding.
        let encoded = encoding_rs::GB18030.encode(&content).0.into_owned();
        refused_and_skipped("gbk.csv", &encoded, 3, "内容");
    }
}

#[test]
fn xlsx_text_of_markup_or_zero_width_only_is_refused() {
    for blank in NO_TEXT {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("export.xlsx");
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, row) in [
            ["内容", "受理单位"],
            ["楼下烧烤店每晚营业到凌晨", "生态环境局"],
            [blank, "城管局"],
        ]
        .iter()
        .enumerate()
        {
            for (c, cell) in row.iter().enumerate() {
                sheet.write(r as u32, c as u16, *cell).unwrap();
            }
        }
        book.save(&path).unwrap();
        let e = read_history(&path, &ReadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("export.xlsx:3: no text in column '内容'"), "{e}");
        let history = read_history(&path, &skip()).unwrap();
        assert_eq!(history.records.len(), 1);
        assert_eq!(history.skipped[0].row, 3);
    }
}

#[test]
fn the_kind_column_is_read_from_csv_and_jsonl_when_present() {
    let csv =
        "内容,受理单位,信件类型\n路灯不亮。,城管局,反映问题\n公积金怎么提取?,住房公积金中心, \n";
    let history = read("h.csv", csv, &ReadOptions::default()).unwrap();
    let kinds: Vec<Option<&str>> = history.records.iter().map(|r| r.kind.as_deref()).collect();
    assert_eq!(kinds, [Some("反映问题"), None], "trimmed; blank is none");
    let jsonl = "{\"text\":\"公积金怎么提取?\",\"label\":\"住房公积金中心\",\"letter_type\":\"咨询问题\"}\n";
    let history = read("h.jsonl", jsonl, &ReadOptions::default()).unwrap();
    assert_eq!(history.records[0].kind.as_deref(), Some("咨询问题"));
    // Without a kind column every record has none.
    let history = read("c.csv", CHINESE_CSV, &ReadOptions::default()).unwrap();
    assert!(history.records.iter().all(|r| r.kind.is_none()));
}

#[test]
fn the_date_column_is_read_as_written() {
    let csv = "内容,受理单位,日期\n路灯不亮。,城管局,2019-1-1 12:59:49\n";
    let history = read("h.csv", csv, &ReadOptions::default()).unwrap();
    assert_eq!(
        history.records[0].date.as_deref(),
        Some("2019-1-1 12:59:49")
    );
    let jsonl = "{\"text\":\"路灯不亮。\",\"label\":\"城管局\",\"date\":20190101}\n";
    let history = read("h.jsonl", jsonl, &ReadOptions::default()).unwrap();
    assert_eq!(history.records[0].date.as_deref(), Some("20190101"));
}
