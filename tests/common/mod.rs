//! Helpers shared by the end-to-end tests: run the real binary, write fixtures.

#![allow(dead_code)]

/// Two tests of `scenario` (an `async fn(store URL, scratch directory)`), named
/// `SCENARIO::sqlite` and `SCENARIO::postgres`.
#[allow(unused_macros)]
macro_rules! on_both_stores {
    ($scenario:ident) => {
        mod $scenario {
            #[test]
            fn sqlite() {
                $crate::common::stores::on_sqlite(super::$scenario);
            }

            #[test]
            fn postgres() {
                $crate::common::stores::on_postgres(super::$scenario);
            }
        }
    };
}

pub mod server;
pub mod stores;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The `petition-router` binary built for these tests.
pub fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_petition-router"))
}

/// Runs the binary with `args`; returns its output.
pub fn run(args: &[&str]) -> Output {
    binary().args(args).output().expect("the binary runs")
}

/// Runs the binary with `args`, feeding `input` on standard input.
pub fn run_with_input(args: &[&str], input: &str) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = binary()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("the binary reads its input");
    child.wait_with_output().expect("the binary finishes")
}

/// Standard output of a run that must succeed.
pub fn run_ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "petition-router {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// Standard error of a run that must fail.
pub fn run_err(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        !out.status.success(),
        "petition-router {args:?} should have failed"
    );
    String::from_utf8(out.stderr).expect("UTF-8 error output")
}

/// The shipped keyword lists.
pub fn catalogue() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("keyword-lists")
}

/// The real data beside the checkout, when present.
pub fn shared_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    dir.join("README.md").exists().then_some(dir)
}

/// Invented petitions for three categories, several wordings each.
pub fn fixture_rows() -> Vec<(&'static str, &'static str)> {
    let labour = [
        "公司拖欠农民工工资半年，至今不发",
        "单位不给缴纳社保，要求补缴养老保险",
        "工地老板欠薪跑路，工人讨薪无门",
        "辞职后公司扣押工资和押金不退",
        "失业保险金怎么申领，社保卡丢了怎么办",
        "劳动合同到期不续签也不给经济补偿",
        "加班没有加班费，每天工作十二个小时",
        "养老金调整什么时候发放到位",
    ];
    let housing = [
        "小区电梯经常故障，物业公司不维修",
        "楼道堆放杂物，物业管理混乱",
        "房屋漏水多年，开发商拒绝维修",
        "老旧小区改造迟迟不开工",
        "开发商延期交房两年，购房者维权无门",
        "物业费年年上涨，服务却越来越差",
        "商品房质量问题严重，墙体开裂",
        "住宅专项维修资金申请不下来",
    ];
    let environment = [
        "工厂夜间排放废气，气味刺鼻",
        "河道被排污，污水直排发黑发臭",
        "搅拌站粉尘污染严重，噪音扰民",
        "垃圾焚烧厂烟气超标排放",
        "养殖场粪污直排，污染水源",
        "化工厂偷排废水，鱼塘的鱼全死了",
        "小作坊露天焚烧塑料，黑烟滚滚",
        "饭店油烟直排，居民窗户都是油",
    ];
    let mut rows = Vec::new();
    for (texts, label) in [
        (labour, "劳动和社会保障"),
        (housing, "城乡建设"),
        (environment, "环境保护"),
    ] {
        rows.extend(texts.iter().map(|t| (*t, label)));
    }
    rows
}

/// Writes `rows` as a JSONL history.
pub fn write_jsonl(path: &Path, rows: &[(&str, &str)]) {
    let lines: Vec<String> = rows
        .iter()
        .enumerate()
        .map(|(i, (text, label))| {
            serde_json::json!({"id": format!("t{i}"), "title": "", "text": text, "label": label})
                .to_string()
        })
        .collect();
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

/// Trains a model on the fixture history into `dir`; returns its path.
pub fn trained(dir: &std::path::Path) -> String {
    let history = dir.join("history.jsonl");
    write_jsonl(&history, &fixture_rows());
    let model = dir.join("fixture.model");
    let catalogue = catalogue();
    let mut args = train_args(&history, &model, "3");
    args.extend([
        "--catalogue".to_string(),
        catalogue.to_str().unwrap().to_string(),
    ]);
    run_ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    model.to_str().unwrap().to_string()
}

/// `train` arguments for a small fixture: a small hash space, `folds` folds.
pub fn train_args(history: &std::path::Path, model: &std::path::Path, folds: &str) -> Vec<String> {
    [
        "train",
        "--history",
        history.to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
        "--folds",
        folds,
        "--hash-bits",
        "16",
    ]
    .map(str::to_string)
    .to_vec()
}

/// Runs `export-history` from `store` into `out`; returns what it wrote.
pub fn export(store: &str, out: &std::path::Path) -> String {
    run_ok(&[
        "export-history",
        "--store",
        store,
        "--out",
        out.to_str().unwrap(),
    ]);
    std::fs::read_to_string(out).unwrap()
}
