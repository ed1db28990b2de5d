//! 来件必登 end to end: routed petitions are kept with their region hint, outcomes recorded
//! over gRPC, and the confirmed routings exported as a labelled history (the hint as its
//! region column) that `train` reads.

#[macro_use]
mod common;

use common::server::{assert_status, Server};
use common::*;
use pr_server::pb;
use tonic::Code;

fn outcome(id: &str, department: &str, returned: bool) -> pb::RecordOutcomeRequest {
    pb::RecordOutcomeRequest {
        request_id: id.into(),
        final_department: department.into(),
        returned,
        note: String::new(),
    }
}

on_both_stores!(outcomes_become_labelled_history);
on_both_stores!(acknowledged_outcomes_survive_a_kill);
on_both_stores!(stores_made_before_the_region_column_are_upgraded);
on_both_stores!(a_failing_store_is_reported_and_never_answers_unknown);

/// The region hint `case-0` is routed with: the intake desk's district.
const HINT: &str = "甘井子区";

/// The region column of a history file as the history readers (`train`, `eval`) take it,
/// by id.
fn regions_read_back(history: &std::path::Path) -> Vec<(String, Option<String>)> {
    pr_history::read_history(history, &pr_history::ReadOptions::default())
        .unwrap()
        .records
        .into_iter()
        .map(|r| (r.id.unwrap_or_default(), r.region))
        .collect()
}

/// Routes the fixture petitions with ids (the first with a region hint), records outcomes,
/// checks online accuracy, stops the server and exports the confirmed routings from `store`.
async fn outcomes_become_labelled_history(store: String, dir: std::path::PathBuf) {
    let store = store.as_str();
    let server = Server::start(&["--feedback-store", store]);
    let mut router = server.router().await;
    let mut first_suggestion = Vec::new();
    for (i, (text, _)) in fixture_rows().iter().enumerate() {
        let request = pb::RouteRequest {
            request_id: format!("case-{i}"),
            content: text.to_string(),
            region_hint: if i == 0 { HINT.into() } else { String::new() },
            ..Default::default()
        };
        let r = router.route(request).await.unwrap().into_inner();
        first_suggestion.push(r.suggestions[0].department_code.clone());
    }
    // An outcome right after routing: the petition is committed first.
    for (id, department, returned) in [
        ("case-0", "human_resources_social_security", false),
        ("case-9", "urban_management", true),
    ] {
        let recorded = router
            .record_outcome(outcome(id, department, returned))
            .await
            .unwrap()
            .into_inner();
        assert!(recorded.routing_known, "{id}");
    }
    // Routed by another replica (or never): stored all the same, and said so.
    let elsewhere = router
        .record_outcome(outcome("routed-elsewhere", "water", false))
        .await
        .unwrap()
        .into_inner();
    assert!(!elsewhere.routing_known);
    let empty = router
        .record_outcome(outcome("case-1", " ", false))
        .await
        .unwrap_err();
    assert_eq!(empty.code(), Code::InvalidArgument);

    // Online accuracy of the serving model, from the two outcomes.
    let right = u64::from(first_suggestion[0] == "human_resources_social_security")
        + u64::from(first_suggestion[9] == "urban_management");
    let info = server.model_info().await;
    let online = info.online.expect("the server has a feedback store");
    assert_eq!(online.outcomes, 2);
    assert_eq!(online.top1_accuracy, right as f64 / 2.0);
    assert_eq!(online.returned_rate, 0.5);
    let by_department: u64 = info
        .online_by_department
        .iter()
        .map(|d| d.accuracy.as_ref().unwrap().outcomes)
        .sum();
    assert_eq!(by_department, 2);
    let metrics = server.metrics_text();
    assert!(
        metrics.contains("petition_router_outcomes_total{")
            && metrics.contains(r#"returned="true""#)
            && metrics.contains("petition_router_outcomes_without_routing_total 1"),
        "{metrics}"
    );
    server.signal("TERM");
    let (clean, log) = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap();
    assert!(clean, "{log}");
    // The store keeps the text and the region hint; the log keeps neither.
    assert!(!log.contains(fixture_rows()[0].0), "{log}");
    assert!(!log.contains(HINT), "{log}");

    let exported = dir.join("confirmed.jsonl");
    let rows: Vec<serde_json::Value> = export(store, &exported)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["id"], "case-0");
    assert_eq!(rows[0]["text"], fixture_rows()[0].0);
    assert_eq!(rows[0]["label"], "human_resources_social_security");
    assert_eq!(rows[0]["top1_right"], true);
    assert_eq!(rows[0]["region"], HINT);
    assert_eq!(rows[1]["returned"], true);
    assert_eq!(rows[1]["region"], "");
    // Read back as the region hint, as `train` and `eval` use it.
    let expected_regions = [
        ("case-0".to_string(), Some(HINT.to_string())),
        ("case-9".to_string(), None),
    ];
    assert_eq!(regions_read_back(&exported), expected_regions);
    // The export is a history the readers accept.
    let default_model =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default.model");
    let eval = |history: &std::path::Path| -> serde_json::Value {
        let out = run_ok(&[
            "eval",
            "--model",
            default_model.to_str().unwrap(),
            "--history",
            history.to_str().unwrap(),
            "--json",
        ]);
        serde_json::from_str(&out).unwrap()
    };
    let metrics = eval(&exported);
    assert_eq!(metrics["n"], 2);
    // As CSV too, for admins who open it in a spreadsheet; the readers take it back.
    let csv = dir.join("confirmed.csv");
    let written = export(store, &csv);
    assert!(
        written.starts_with(
            "\u{feff}id,title,text,label,model_version,suggested,top1_right,returned,region\n"
        ),
        "{written}"
    );
    assert!(written.contains(fixture_rows()[0].0), "{written}");
    assert!(written.contains(HINT), "{written}");
    assert_eq!(regions_read_back(&csv), expected_regions);
    let from_csv = eval(&csv);
    assert_eq!(from_csv["n"], 2);
    assert_eq!(from_csv["accuracy"], metrics["accuracy"]);
    // And training reads the store directly. A password in the URL (trust authentication
    // ignores it) never reaches the model card, nor GetModelInfo, which serves the card.
    let with_password = match store.split_once('?') {
        _ if !store.starts_with("postgres") => store.to_string(),
        Some(_) => format!("{store}&password=s3cret"),
        None => format!("{store}?password=s3cret"),
    };
    let model = dir.join("from-store.model");
    let out = run(&[
        "train",
        "--history-store",
        &with_password,
        "--out",
        model.to_str().unwrap(),
        "--folds",
        "0",
        "--hash-bits",
        "16",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("2 rows read"), "{stderr}");
    let card = std::fs::read_to_string(model.with_extension("card.json")).unwrap();
    assert!(card.contains("feedback store"), "{card}");
    assert!(
        !card.contains("s3cret") && !stderr.contains("s3cret"),
        "{card}"
    );
}

/// A store made before routings kept the region hint, with a petition confirmed then, is
/// upgraded when the server opens it: the old petition is exported with an empty region, one
/// routed now with its hint.
async fn stores_made_before_the_region_column_are_upgraded(store: String, dir: std::path::PathBuf) {
    let url = store.clone();
    // Routed a minute ago (within retention); the PostgreSQL client blocks: off the async
    // workers.
    let a_minute_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        - 60;
    tokio::task::spawn_blocking(move || {
        pr_feedback::testing::create_store_without_region(&url, a_minute_ago)
    })
    .await
    .unwrap();
    let store = store.as_str();
    let server = Server::start(&["--feedback-store", store]);
    let mut router = server.router().await;
    router
        .route(pb::RouteRequest {
            request_id: "new".into(),
            content: fixture_rows()[0].0.into(),
            region_hint: HINT.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let recorded = router
        .record_outcome(outcome("new", "human_resources_social_security", false))
        .await
        .unwrap()
        .into_inner();
    assert!(recorded.routing_known);
    server.signal("TERM");
    let (clean, log) = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap();
    assert!(clean, "{log}");
    let exported = dir.join("upgraded.jsonl");
    let rows: Vec<(String, String)> = export(store, &exported)
        .lines()
        .map(|l| {
            let row: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                row["id"].as_str().unwrap().to_string(),
                row["region"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("old".to_string(), String::new()),
            ("new".to_string(), HINT.to_string())
        ]
    );
    assert_eq!(
        regions_read_back(&exported),
        [
            ("old".to_string(), None),
            ("new".to_string(), Some(HINT.to_string()))
        ]
    );
}

/// Routes and records outcomes, kills the server with SIGKILL (no shutdown, no flush) as soon
/// as the last outcome is acknowledged, and finds every acknowledged outcome in the store.
async fn acknowledged_outcomes_survive_a_kill(store: String, dir: std::path::PathBuf) {
    let store = store.as_str();
    let server = Server::start(&["--feedback-store", store]);
    let mut router = server.router().await;
    let rows = fixture_rows();
    for (i, (text, _)) in rows.iter().enumerate() {
        let request = pb::RouteRequest {
            request_id: format!("kill-{i}"),
            content: text.to_string(),
            ..Default::default()
        };
        router.route(request).await.unwrap();
        // Acknowledged: it must be on disk now.
        let recorded = router
            .record_outcome(outcome(&format!("kill-{i}"), "water", i % 2 == 0))
            .await
            .unwrap()
            .into_inner();
        assert!(recorded.routing_known);
    }
    server.signal("KILL");
    let (clean, _) = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap();
    assert!(!clean, "SIGKILL ends the process without a clean exit");
    let mut ids: Vec<String> = export(store, &dir.join("after-kill.jsonl"))
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    ids.sort();
    let mut expected: Vec<String> = (0..rows.len()).map(|i| format!("kill-{i}")).collect();
    expected.sort();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn without_a_store_outcomes_are_refused_with_how_to_enable_it() {
    let server = Server::start(&[]);
    let mut router = server.router().await;
    let e = router
        .record_outcome(outcome("a", "water", false))
        .await
        .unwrap_err();
    assert_status(&e, Code::FailedPrecondition, "--feedback-store");
}

#[test]
fn bench_records_outcomes_of_petitions_it_routed_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("feedback.db").display());
    let server = Server::start(&["--feedback-store", &store]);
    // A history with a region column: bench sends it as each petition's region hint.
    let corpus = dir.path().join("corpus.jsonl");
    let region_of = |i: usize| if i.is_multiple_of(2) { HINT } else { "" };
    let lines: Vec<String> = fixture_rows()
        .iter()
        .enumerate()
        .map(|(i, (text, label))| {
            serde_json::json!({"text": text, "label": label, "region": region_of(i)}).to_string()
        })
        .collect();
    std::fs::write(&corpus, lines.join("\n")).unwrap();
    let report: serde_json::Value = serde_json::from_str(
        run_ok(&[
            "bench",
            "--addr",
            &server.grpc,
            "--corpus",
            corpus.to_str().unwrap(),
            "--method",
            "record-outcome",
            "--requests",
            "200",
            "--concurrency",
            "4",
            "--json",
        ])
        .trim(),
    )
    .unwrap();
    assert_eq!(report["method"], "record_outcome");
    assert_eq!(report["requests"], 200);
    assert_eq!(report["errors"], 0, "{report}");
    // The petitions were routed with their corpus region as the hint.
    let expected: std::collections::HashMap<&str, &str> = fixture_rows()
        .iter()
        .enumerate()
        .map(|(i, (text, _))| (*text, region_of(i)))
        .collect();
    let exported = export(&store, &dir.path().join("bench.jsonl"));
    let mut hinted = 0;
    for line in exported.lines() {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = row["text"].as_str().unwrap();
        assert_eq!(row["region"], expected[text], "{row}");
        hinted += usize::from(row["region"] == HINT);
    }
    assert!(hinted > 0, "{exported}");
}

/// Waits (5 s at most) for the feedback store's health, as `petition-router health
/// --service` asks for it, to be `expected`.
async fn await_store_health(
    server: &Server,
    expected: tonic_health::pb::health_check_response::ServingStatus,
) {
    use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};
    let mut health = HealthClient::new(server.channel().await);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let status = health
            .check(HealthCheckRequest {
                service: "petition_router.v1.FeedbackStore".into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status();
        if status == expected {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "health stays {status:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Routes `id` with a petition whose text must never reach the log.
async fn route_secret(server: &Server, id: &str) {
    let request = pb::RouteRequest {
        request_id: id.into(),
        content: "秘密信访内容：拖欠工资三个月".into(),
        ..Default::default()
    };
    server.router().await.route(request).await.unwrap();
}

/// Makes the store refuse routed petitions mid-run: the petition routed meanwhile is lost
/// after retries, counted in the metrics, logged by id, the store's health turns NOT_SERVING,
/// and its outcome gets UNAVAILABLE (never `routing_known = false`). Once the store takes
/// writes again and the petition is routed again, its outcome is known and health SERVING.
async fn a_failing_store_is_reported_and_never_answers_unknown(
    store: String,
    _dir: std::path::PathBuf,
) {
    use tonic_health::pb::health_check_response::ServingStatus;
    let server = Server::start(&["--feedback-store", &store]);
    let mut router = server.router().await;
    let break_store = |broken: bool| {
        let store = store.clone();
        tokio::task::spawn_blocking(move || {
            pr_feedback::testing::break_routed_table(&store, broken)
        })
    };
    await_store_health(&server, ServingStatus::Serving).await;
    break_store(true).await.unwrap();
    route_secret(&server, "lost-1").await;
    let refused = router
        .record_outcome(outcome("lost-1", "labour", false))
        .await
        .unwrap_err();
    assert_status(&refused, Code::Unavailable, "route the petition again");
    await_store_health(&server, ServingStatus::NotServing).await;
    let metrics = server.metrics_text();
    assert!(
        metrics.contains("petition_router_feedback_lost_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("petition_router_feedback_store_up 0"),
        "{metrics}"
    );

    break_store(false).await.unwrap();
    route_secret(&server, "lost-1").await;
    let recorded = router
        .record_outcome(outcome("lost-1", "labour", false))
        .await
        .unwrap()
        .into_inner();
    assert!(recorded.routing_known);
    await_store_health(&server, ServingStatus::Serving).await;
    server.signal("TERM");
    let (clean, log) = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap();
    assert!(clean, "{log}");
    assert!(
        log.contains("routed petitions lost") && log.contains("lost-1"),
        "{log}"
    );
    assert!(!log.contains("秘密"), "petition text in the log: {log}");
}
