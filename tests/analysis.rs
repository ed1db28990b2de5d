//! The analysis stage end to end: a real server answers facts, masked text, demand, channel
//! and risks; personal data reaches neither the log, the metrics nor the default store; broken
//! risk lists are refused on reload while the old ones keep serving.

mod common;

use common::server::Server;
use common::*;
use pr_server::pb;

const PHONE: &str = "13912345678";
const ID_NUMBER: &str = "11010519491231002X";
const BANK_CARD: &str = "6222021234567890128";
const PLATE: &str = "辽B12345";
const NAME: &str = "李四平";

/// A petition with real-looking personal data and a threat.
fn petition(id: &str) -> pb::RouteRequest {
    pb::RouteRequest {
        request_id: id.into(),
        content: format!(
            "我叫{NAME}，电话{PHONE}，身份证{ID_NUMBER}，工资卡{BANK_CARD}，车牌{PLATE}。\
             公司拖欠我们三十多名工人工资四十多万元，多次反映无人处理，再不解决我就跳楼。\
             希望有关部门尽快解决。"
        ),
        ..Default::default()
    }
}

/// Records that the petition went to the department it was routed to.
async fn confirm(
    router: &mut pb::router_service_client::RouterServiceClient<tonic::transport::Channel>,
    id: &str,
) {
    let outcome = pb::RecordOutcomeRequest {
        request_id: id.into(),
        final_department: "human_resources_social_security".into(),
        ..Default::default()
    };
    router.record_outcome(outcome).await.unwrap();
}

fn assert_no_personal_data(what: &str, text: &str) {
    for secret in [PHONE, ID_NUMBER, BANK_CARD, PLATE, NAME] {
        assert!(!text.contains(secret), "{secret} in {what}:\n{text}");
    }
}

#[test]
fn analysis_is_answered_and_personal_data_stays_out_of_log_metrics_and_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("feedback.db").display());
    let server = Server::start(&["--feedback-store", &store]);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let mut router = server.router().await;
        let answer = router.route(petition("pii-1")).await.unwrap().into_inner();
        let analysis = answer.analysis.expect("analysis is on by default");
        let facts = analysis.facts.unwrap();
        assert_eq!(facts.phones[0].normalised, PHONE);
        assert_eq!(facts.id_numbers[0].normalised, ID_NUMBER);
        assert_eq!(facts.bank_cards[0].normalised, BANK_CARD);
        assert_eq!(facts.plates[0].normalised, PLATE);
        let amount = &facts.amounts[0];
        assert_eq!((amount.value, amount.approximate), (Some(400_000.0), true));
        assert_no_personal_data("masked_text", &analysis.masked_text);
        assert!(analysis.masked_text.contains("【手机号】"));
        let risks: Vec<pb::RiskKind> = analysis.risks.iter().map(|r| r.kind()).collect();
        assert!(risks.contains(&pb::RiskKind::SelfHarm), "{risks:?}");
        assert!(risks.contains(&pb::RiskKind::Repeat), "{risks:?}");
        assert!(answer.needs_review, "a high-severity risk needs a clerk");
        let demand = analysis.demand.unwrap();
        assert_eq!(demand.span.unwrap().text, "希望有关部门尽快解决");

        let mut plain = petition("pii-2");
        plain.analyse = Some(false);
        let answer = router.route(plain).await.unwrap().into_inner();
        assert!(answer.analysis.is_none());

        let listed = router
            .list_departments(pb::ListDepartmentsRequest {})
            .await
            .unwrap()
            .into_inner();
        assert_eq!(listed.risk_kinds.len(), 8);
        assert!(listed
            .channels
            .iter()
            .any(|c| c.kind() == pb::LegalChannelKind::Petition));
        assert!(!listed.analysis_lists_version.is_empty());

        confirm(&mut router, "pii-1").await;
    });
    let metrics = server.metrics_text();
    assert!(
        metrics.contains("petition_router_risk_flags_total{kind=\"self_harm\"} 1"),
        "{metrics}"
    );
    assert_no_personal_data("metrics", &metrics);
    server.signal("TERM");
    let (_, log) = server.wait();
    assert_no_personal_data("the server log", &log);
    let exported = export(&store, &dir.path().join("history.jsonl"));
    assert_no_personal_data("the exported history", &exported);
    assert!(exported.contains("【手机号】"), "{exported}");
}

#[test]
fn with_store_raw_text_the_store_keeps_the_petition_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("feedback.db").display());
    let server = Server::start(&["--feedback-store", &store, "--store-raw-text"]);
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut router = server.router().await;
        router.route(petition("raw-1")).await.unwrap();
        confirm(&mut router, "raw-1").await;
    });
    server.signal("TERM");
    let (_, log) = server.wait();
    assert_no_personal_data("the server log", &log);
    assert!(export(&store, &dir.path().join("history.jsonl")).contains(PHONE));
}

#[test]
fn a_broken_risk_list_is_refused_on_reload_and_the_old_lists_keep_serving() {
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("risk-lists");
    std::fs::create_dir(&lists).unwrap();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("risk-lists");
    for entry in std::fs::read_dir(&shipped).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, lists.join(path.file_name().unwrap())).unwrap();
    }
    let server = Server::start(&["--risk-lists", lists.to_str().unwrap()]);
    std::fs::write(
        lists.join("media.toml"),
        "kind = \"media\"\nseverity = \"loud\"\n",
    )
    .unwrap();
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let refused = server
            .admin()
            .await
            .reload_model(pb::ReloadModelRequest::default())
            .await
            .unwrap_err();
        assert!(
            refused.message().contains("media.toml") && refused.message().contains("loud"),
            "{refused}"
        );
        let answer = server
            .router()
            .await
            .route(petition(""))
            .await
            .unwrap()
            .into_inner();
        let risks = answer.analysis.unwrap().risks;
        assert!(risks.iter().any(|r| r.kind() == pb::RiskKind::SelfHarm));
    });
}

#[test]
fn eval_analysis_scores_the_lists_against_labels_and_names_a_missing_petition() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("set")).unwrap();
    std::fs::write(
        data.join("set/all.jsonl"),
        [
            r#"{"id":"1","text":"再不解决我就跳楼。电话13912345678。"}"#,
            r#"{"id":2,"text":"小区路灯坏了，希望尽快修理。"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let labels = dir.path().join("labels.jsonl");
    std::fs::write(
        &labels,
        [
            r#"{"source":"set/all.jsonl","id":"1","risks":["self_harm"],"channel":"petition","demand_type":"complaint","facts":[{"kind":"phone","start":11,"end":22}]}"#,
            r#"{"source":"set/all.jsonl","id":"2","risks":["media"],"channel":"mediation","demand_type":"complaint","facts":[]}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let args = |labels: &std::path::Path| {
        vec![
            "eval-analysis".to_string(),
            "--labels".into(),
            labels.display().to_string(),
            "--data".into(),
            data.display().to_string(),
            "--json".into(),
        ]
    };
    let argv = args(&labels);
    let scores: serde_json::Value = serde_json::from_str(&run_ok(
        &argv.iter().map(String::as_str).collect::<Vec<_>>(),
    ))
    .unwrap();
    assert_eq!(scores["n"], 2);
    assert_eq!(scores["risks_by_kind"]["self_harm"]["recall"], 1.0);
    assert_eq!(scores["risks_by_kind"]["media"]["false_negatives"], 1);
    assert_eq!(scores["channel_accuracy"], 0.5);
    assert_eq!(scores["facts_by_kind"]["phone"]["precision"], 1.0);

    let missing = dir.path().join("missing.jsonl");
    std::fs::write(
        &missing,
        r#"{"source":"set/all.jsonl","id":"9","risks":[],"channel":"petition","demand_type":"complaint"}"#,
    )
    .unwrap();
    let argv = args(&missing);
    let e = run_err(&argv.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(e.contains("all.jsonl") && e.contains("id 9"), "{e}");
}
