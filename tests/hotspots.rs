//! `hotspots`: a burst of reworded petitions about one compound in one week comes out first.

mod common;

use common::*;

/// Background petitions over four districts and four weeks, and a burst of rewordings
/// about one compound in one week.
fn dated_history(path: &std::path::Path) {
    let background = [
        ("西岗区", "长江路红绿灯坏了，早晚高峰很危险，请交警修复。"),
        ("中山区", "学校门口的人行道被商贩占用，孩子只能走机动车道。"),
        ("沙河口区", "菜市场噪音很大，凌晨四点就开始卸货，影响休息。"),
        ("西岗区", "公交车站没有遮雨棚，下雨天老人等车很辛苦。"),
        ("中山区", "医保报销需要跑好几个窗口，希望简化流程。"),
        ("沙河口区", "小区门口的路灯坏了半个月，晚上出行不安全。"),
        ("甘井子区", "公园的健身器材坏了很久，没有人来修理。"),
        (
            "甘井子区",
            "幼儿园收费太高，普通家庭负担不起，希望规范收费。",
        ),
        ("甘井子区", "周边工地夜间施工噪音扰民，请城管部门查处。"),
    ];
    let burst = [
        "翠湖名苑小区入冬以来暖气不热，室内只有十二度，请督促供热公司维修。",
        "我家住翠湖名苑，暖气片一直是凉的，家里老人孩子都冻感冒了。",
        "翠湖名苑供暖温度不达标，多次找物业没人管，要求退还取暖费。",
        "反映翠湖名苑三期供热问题，卧室温度不到十五度，请相关部门尽快处理。",
        "翠湖名苑业主联名反映，今年供暖一直不热，供热公司推脱责任。",
        "翠湖名苑的暖气到现在还是温的，打供热公司电话没人接。",
        "请管一管翠湖名苑的供暖，屋里冷得要穿棉袄。",
        "翠湖名苑小区暖气不热已经两周，物业和供热公司互相推诿。",
    ];
    let mut lines = Vec::new();
    for week in 0..4 {
        for (i, (region, text)) in background.iter().enumerate() {
            lines.push(serde_json::json!({
                "id": format!("bg-{week}-{i}"),
                "text": format!("{text}（第{week}次）"),
                "region": region,
                "date": format!("2024-11-{:02}", 4 + 7 * week + i % 5),
            }));
        }
    }
    for (i, text) in burst.iter().enumerate() {
        lines.push(serde_json::json!({
            "id": format!("burst-{i}"),
            "text": text,
            "region": "甘井子区",
            "date": format!("2024-11-{:02}", 18 + i % 4),
        }));
    }
    let body: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    std::fs::write(path, body.join("\n")).unwrap();
}

#[test]
fn a_burst_about_one_compound_is_the_top_hotspot_in_json_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("dated.jsonl");
    dated_history(&history);
    let html = dir.path().join("report.html");
    let out = run_ok(&[
        "hotspots",
        "--history",
        history.to_str().unwrap(),
        "--json",
        "--html",
        html.to_str().unwrap(),
    ]);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let top = &report["hotspots"][0];
    let ids: Vec<&str> = top["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 8, "{top}");
    assert!(ids.iter().all(|id| id.starts_with("burst-")), "{top}");
    assert_eq!(top["place"], "甘井子区", "{top}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<svg") && page.contains("甘井子区"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "self-contained"
    );
}

#[test]
fn a_row_without_a_date_is_named_with_its_file_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("h.jsonl");
    std::fs::write(
        &history,
        "{\"text\":\"路灯坏了\",\"date\":\"2024-11-04\"}\n{\"text\":\"路灯坏了\",\"date\":\"昨天\"}\n",
    )
    .unwrap();
    let e = run_err(&["hotspots", "--history", history.to_str().unwrap()]);
    assert!(e.contains("h.jsonl:2") && e.contains("昨天"), "{e}");
}
