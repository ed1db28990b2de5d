//! End to end over gRPC: the real `serve` process on ephemeral ports, called with the
//! generated tonic clients, as an intake system would.

mod common;

use common::server::{assert_status, Server};
use common::*;
use pr_server::pb;
use std::time::{Duration, Instant};
use tokio_stream::StreamExt;
use tonic::Code;

const WAGES: &str =
    "我在某建筑工地干了半年，包工头拖欠农民工工资三万多元，多次讨要无果，请劳动监察部门帮忙追讨。";

fn petition(id: &str, content: &str) -> pb::RouteRequest {
    pb::RouteRequest {
        request_id: id.to_string(),
        content: content.to_string(),
        channel: pb::Channel::Web as i32,
        ..Default::default()
    }
}

fn outcome(r: &pb::RouteResult) -> &pb::route_result::Outcome {
    r.outcome.as_ref().expect("every result has an outcome")
}

#[tokio::test]
async fn route_answers_with_ranked_departments_and_evidence() {
    let server = Server::start(&[]);
    let mut router = server.router().await;
    let mut request = petition("case-1", WAGES);
    request.region_hint = "某区".into();
    let r = router.route(request).await.unwrap().into_inner();
    assert_eq!(r.request_id, "case-1");
    assert_eq!(r.region_hint, "某区");
    assert!(!r.suggestions.is_empty() && r.suggestions.len() <= 3);
    let top = &r.suggestions[0];
    assert_eq!(top.department_code, "human_resources_social_security");
    assert_eq!(r.category, "劳动和社会保障");
    assert!(top
        .matched_keywords
        .iter()
        .any(|k| k.keyword == "农民工工资"));
    assert!(!top.model_terms.is_empty());
    assert!(r
        .suggestions
        .windows(2)
        .all(|w| w[0].confidence >= w[1].confidence));
    let total: f32 = r.suggestions.iter().map(|s| s.confidence).sum();
    assert!(
        (0.0..=1.0001).contains(&total),
        "confidences sum to {total}"
    );
    assert!(r.routing_time_us > 0);

    let info = server.model_info().await;
    assert_eq!(r.model_version, info.model_version);
    assert_eq!(r.catalogue_version, info.catalogue_version);
    assert!(info.labels.contains(&r.category));
    let metrics = info
        .training_metrics
        .expect("the default model was cross-validated");
    assert!(metrics.macro_f1 > 0.8 && metrics.folds == 5, "{metrics:?}");

    let departments = router
        .list_departments(pb::ListDepartmentsRequest {})
        .await
        .unwrap()
        .into_inner();
    assert!(departments.departments.len() >= 35);
    assert!(departments
        .departments
        .iter()
        .any(|d| d.code == top.department_code && d.name == top.department_name));
    assert_eq!(departments.catalogue_version, r.catalogue_version);
    let limits = departments.limits.unwrap();
    assert_eq!((limits.max_content_chars, limits.max_batch), (32_768, 256));
}

#[tokio::test]
async fn every_route_answer_has_a_locality_whatever_the_region_hint() {
    let server = Server::start(&[]);
    let mut router = server.router().await;
    // No hint, a hint naming no known place, a real district, words that are no place: each
    // gets an answer (a hint is never an error), with the locality message set.
    let private_hint = "测试人家门口的小卖部";
    for hint in ["", "某区", "甘井子区", private_hint] {
        let mut request = petition("loc", WAGES);
        request.region_hint = hint.into();
        let r = router
            .route(request)
            .await
            .unwrap_or_else(|s| panic!("region hint {hint:?}: {s:?}"))
            .into_inner();
        assert_eq!(r.region_hint, hint);
        assert!(!r.suggestions.is_empty());
        let locality = r.locality.as_ref().expect("the locality is always set");
        let source = pb::LocalitySource::try_from(locality.source).expect("a known source");
        if source == pb::LocalitySource::Unspecified {
            assert!(locality.code.is_empty(), "no place, no code: {locality:?}");
        }
        for span in &locality.evidence {
            assert!(span.start < span.end, "{span:?}");
        }
        for s in &r.suggestions {
            let level = pb::Level::try_from(s.level).expect("a known level");
            let rule = pb::UnitRule::try_from(s.rule).expect("a known rule");
            assert_ne!(level, pb::Level::Unspecified, "{s:?}");
            assert_ne!(rule, pb::UnitRule::Unspecified, "{s:?}");
        }
        assert!(r.warnings.iter().all(|w| !w.is_empty()), "{:?}", r.warnings);
        match hint {
            "甘井子区" => {
                assert_eq!(source, pb::LocalitySource::Hint, "{locality:?}");
                assert_eq!(
                    (locality.city.as_str(), locality.district.as_str()),
                    ("大连市", "甘井子区")
                );
                assert_eq!(locality.code, "210211000000");
            }
            "某区" => assert!(
                r.warnings.iter().any(|w| w.contains("某区")),
                "{:?}",
                r.warnings
            ),
            _ => {}
        }
    }
    // Batch and stream answers carry it too.
    let mut request = petition("loc-batch", WAGES);
    request.region_hint = "某区".into();
    let batch = router
        .route_batch(pb::RouteBatchRequest {
            requests: vec![request],
        })
        .await
        .unwrap()
        .into_inner();
    match outcome(&batch.results[0]) {
        pb::route_result::Outcome::Response(r) => assert!(r.locality.is_some()),
        other => panic!("{other:?}"),
    }
    // The hint is a place, but whatever a desk types in it stays out of the logs.
    server.signal("TERM");
    let (_, log) = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap();
    assert!(log.contains("loc-batch"), "request ids are logged:\n{log}");
    assert!(
        !log.contains(private_hint),
        "the log holds the region hint:\n{log}"
    );
}

#[tokio::test]
async fn bad_requests_are_invalid_arguments_that_say_what_to_fix() {
    let server = Server::start(&["--max-content-chars", "50"]);
    let mut router = server.router().await;
    let status = |r: Result<tonic::Response<pb::RouteResponse>, tonic::Status>| {
        r.expect_err("must be refused")
    };
    let empty = status(router.route(petition("e", "  \n ")).await);
    assert_status(&empty, Code::InvalidArgument, "content");

    let long = status(router.route(petition("l", &"噪音扰民".repeat(20))).await);
    assert_status(&long, Code::InvalidArgument, "50");

    let mut too_many = petition("k", WAGES);
    too_many.content = "小区噪音扰民".into();
    too_many.top_k = 21;
    let too_many = status(router.route(too_many).await);
    assert_status(&too_many, Code::InvalidArgument, "top_k");

    let markup_only = status(router.route(petition("m", "<p> </p>")).await);
    assert_eq!(markup_only.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn batch_routes_every_item_and_reports_bad_ones_in_place() {
    let server = Server::start(&["--max-batch", "4"]);
    let mut router = server.router().await;
    let batch = pb::RouteBatchRequest {
        requests: vec![
            petition("a", WAGES),
            petition("b", ""),
            petition("c", "小区楼下饭店油烟直排，噪音扰民"),
        ],
    };
    let results = router
        .route_batch(batch)
        .await
        .unwrap()
        .into_inner()
        .results;
    let ids: Vec<&str> = results.iter().map(|r| r.request_id.as_str()).collect();
    assert_eq!(ids, ["a", "b", "c"]);
    assert!(
        matches!(outcome(&results[0]), pb::route_result::Outcome::Response(r) if r.request_id == "a")
    );
    match outcome(&results[1]) {
        pb::route_result::Outcome::Error(e) => {
            assert_eq!(e.code, Code::InvalidArgument as i32);
            assert!(e.message.contains("content"), "{}", e.message);
        }
        other => panic!("empty content must be an error, got {other:?}"),
    }
    assert!(matches!(
        outcome(&results[2]),
        pb::route_result::Outcome::Response(_)
    ));

    let too_big = pb::RouteBatchRequest {
        requests: (0..5).map(|i| petition(&i.to_string(), WAGES)).collect(),
    };
    let e = router.route_batch(too_big).await.unwrap_err();
    assert_status(&e, Code::InvalidArgument, "4");
    let e = router
        .route_batch(pb::RouteBatchRequest { requests: vec![] })
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::InvalidArgument);
}

#[tokio::test]
async fn stream_answers_each_petition_in_order_and_survives_bad_ones() {
    let server = Server::start(&[]);
    let mut router = server.router().await;
    let requests: Vec<pb::RouteRequest> = (0..6)
        .map(|i| petition(&format!("s{i}"), if i == 2 { "" } else { WAGES }))
        .collect();
    let mut results = router
        .route_stream(tokio_stream::iter(requests))
        .await
        .unwrap()
        .into_inner();
    let mut seen = Vec::new();
    while let Some(r) = results.next().await {
        let r = r.unwrap();
        let ok = matches!(outcome(&r), pb::route_result::Outcome::Response(_));
        seen.push((r.request_id, ok));
    }
    let expected: Vec<(String, bool)> = (0..6).map(|i| (format!("s{i}"), i != 2)).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn overload_is_shed_with_resource_exhausted() {
    let server = Server::start(&["--max-in-flight", "1"]);
    let mut router = server.router().await;
    // An open stream holds the only slot.
    let (send, receive) = tokio::sync::mpsc::channel(4);
    let mut stream = router
        .route_stream(tokio_stream::wrappers::ReceiverStream::new(receive))
        .await
        .unwrap()
        .into_inner();
    send.send(petition("held", WAGES)).await.unwrap();
    stream.next().await.unwrap().unwrap();
    let shed = router.route(petition("x", WAGES)).await.unwrap_err();
    assert_status(&shed, Code::ResourceExhausted, "retry");
    // Closing the stream frees the slot.
    drop(send);
    while stream.next().await.is_some() {}
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match router.route(petition("y", WAGES)).await {
            Ok(_) => break,
            Err(e) if e.code() == Code::ResourceExhausted && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(20)).await
            }
            Err(e) => panic!("the slot was not freed: {e}"),
        }
    }
}

#[tokio::test]
async fn a_burst_beyond_the_routing_queue_is_shed_at_once_and_the_rest_served() {
    let server = Server::start(&["--max-queued", "1"]);
    let channel = server.channel().await;
    // Long petitions, all at once: a few are routed or wait, the others are refused.
    let long = WAGES.repeat(8_000 / WAGES.chars().count());
    let calls: Vec<_> = (0..64)
        .map(|i| {
            let mut router = pb::router_service_client::RouterServiceClient::new(channel.clone());
            let request = petition(&format!("burst-{i}"), &long);
            tokio::spawn(async move { router.route(request).await })
        })
        .collect();
    let (mut routed, mut shed) = (0, 0);
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => routed += 1,
            Err(status) => {
                assert_status(&status, Code::ResourceExhausted, "retry");
                shed += 1;
            }
        }
    }
    assert!(routed > 0 && shed > 0, "{routed} routed, {shed} shed");
}

#[tokio::test]
async fn health_and_reflection_work_without_proto_files() {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1::ServerReflectionRequest;

    let server = Server::start(&[]);
    let mut health = HealthClient::new(server.channel().await);
    for service in ["", "petition_router.v1.RouterService"] {
        let status = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await
            .unwrap()
            .into_inner()
            .status();
        assert_eq!(status, ServingStatus::Serving, "service {service:?}");
    }

    let mut reflection = ServerReflectionClient::new(server.channel().await);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut responses = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await
        .unwrap()
        .into_inner();
    let response = responses.next().await.unwrap().unwrap();
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("no service list: {response:?}");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in [
        "petition_router.v1.RouterService",
        "petition_router.v1.AdminService",
        "grpc.health.v1.Health",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
}

#[tokio::test]
async fn shutdown_reports_not_serving_refuses_new_calls_and_exits_cleanly() {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};

    let server = Server::start(&["--drain-delay", "3s"]);
    let channel = server.channel().await;
    let mut health = HealthClient::new(channel.clone());
    let mut router = pb::router_service_client::RouterServiceClient::new(channel);
    router.route(petition("before", WAGES)).await.unwrap();
    server.signal("TERM");
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let status = health
            .check(HealthCheckRequest::default())
            .await
            .unwrap()
            .into_inner()
            .status();
        if status == ServingStatus::NotServing {
            break;
        }
        assert!(Instant::now() < deadline, "health never turned NOT_SERVING");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused = router.route(petition("after", WAGES)).await.unwrap_err();
    assert_eq!(refused.code(), Code::Unavailable);
    let (clean, log) = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap();
    assert!(clean, "the server did not exit cleanly:\n{log}");
    assert!(log.contains("stopped"), "{log}");
}

/// A ReloadModel request; an empty path keeps the server's current one.
fn reload_request(model: &std::path::Path, catalogue: &std::path::Path) -> pb::ReloadModelRequest {
    pb::ReloadModelRequest {
        model_path: model.display().to_string(),
        catalogue_path: catalogue.display().to_string(),
    }
}

/// A second model, trained on the fixture history, with a different version.
fn fixture_model(dir: &std::path::Path) -> std::path::PathBuf {
    trained(dir).into()
}

#[tokio::test]
async fn reload_swaps_the_model_and_refuses_broken_files() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = fixture_model(dir.path());
    let server = Server::start(&["--model-dir", dir.path().to_str().unwrap()]);
    let mut admin = server.admin().await;
    let mut router = server.router().await;
    let before = router
        .route(petition("1", WAGES))
        .await
        .unwrap()
        .into_inner();

    let reloaded = admin
        .reload_model(reload_request(&fixture, std::path::Path::new("")))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(reloaded.previous_model_version, before.model_version);
    let loaded = reloaded.loaded.unwrap();
    assert_ne!(loaded.model_version, before.model_version);
    assert_eq!(loaded.labels.len(), 3);
    let after = router
        .route(petition("2", WAGES))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(after.model_version, loaded.model_version);

    // A truncated model file: refused with its path, the fixture model keeps serving.
    let broken = dir.path().join("broken.model");
    let bytes = std::fs::read(&fixture).unwrap();
    std::fs::write(&broken, &bytes[..bytes.len() / 2]).unwrap();
    let refused = admin
        .reload_model(reload_request(&broken, std::path::Path::new("")))
        .await
        .unwrap_err();
    assert_status(&refused, Code::FailedPrecondition, "broken.model");
    assert!(
        refused.message().contains(&loaded.model_version),
        "{}",
        refused.message()
    );
    let missing_lists = admin
        .reload_model(reload_request(
            std::path::Path::new(""),
            &dir.path().join("no-such-lists"),
        ))
        .await
        .unwrap_err();
    assert_status(&missing_lists, Code::FailedPrecondition, "no-such-lists");
    let still = router
        .route(petition("3", WAGES))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(still.model_version, loaded.model_version);
}

#[tokio::test]
async fn sighup_reloads_the_file_at_the_same_path() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = fixture_model(dir.path());
    let live = dir.path().join("current.model");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default.model"),
        &live,
    )
    .unwrap();
    let server = Server::start(&["--model", live.to_str().unwrap()]);
    let first = server.model_info().await.model_version;
    // Replace the file the way an operator should: write beside it, then rename over it.
    let staged = dir.path().join("staged.model");
    std::fs::copy(&fixture, &staged).unwrap();
    std::fs::rename(&staged, &live).unwrap();
    server.signal("HUP");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if server.model_info().await.model_version != first {
            break;
        }
        assert!(Instant::now() < deadline, "SIGHUP did not reload the model");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn reloading_while_clients_keep_calling_fails_no_call() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = fixture_model(dir.path());
    let default = dir.path().join("default.model");
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default.model"),
        &default,
    )
    .unwrap();
    let server = Server::start(&["--model-dir", dir.path().to_str().unwrap()]);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut clients = Vec::new();
    for c in 0..4 {
        let mut router = server.router().await;
        let stop = stop.clone();
        clients.push(tokio::spawn(async move {
            let (mut ok, mut failed, mut versions) =
                (0u32, Vec::new(), std::collections::BTreeSet::new());
            // Bounded: stops when told or after 5,000 calls.
            for i in 0..5_000 {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                match router.route(petition(&format!("{c}-{i}"), WAGES)).await {
                    Ok(r) => {
                        ok += 1;
                        versions.insert(r.into_inner().model_version);
                    }
                    Err(e) => failed.push(e.to_string()),
                }
            }
            (ok, failed, versions)
        }));
    }
    let mut admin = server.admin().await;
    for round in 0..6 {
        let model = if round % 2 == 0 { &fixture } else { &default };
        admin
            .reload_model(reload_request(model, std::path::Path::new("")))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (mut calls, mut versions) = (0, std::collections::BTreeSet::new());
    for client in clients {
        let (ok, failed, seen) = client.await.unwrap();
        assert!(failed.is_empty(), "calls failed during reload: {failed:?}");
        calls += ok;
        versions.extend(seen);
    }
    assert!(calls > 0);
    assert!(
        versions.len() >= 2,
        "both models should have answered: {versions:?}"
    );
}

#[tokio::test]
async fn metrics_count_calls_and_logs_never_hold_petition_text() {
    let server = Server::start(&[]);
    let mut router = server.router().await;
    let secret = "我叫测试人，电话13812345678，身份证号110101199001011234，楼下饭店油烟直排扰民。";
    for i in 0..3 {
        router
            .route(petition(&format!("m-{i}"), secret))
            .await
            .unwrap();
    }
    router.route(petition("m-bad", "")).await.unwrap_err();
    let text = server.metrics_text();
    assert!(
        text.contains(r#"petition_router_calls_total{method="Route",status="OK"} 3"#),
        "{text}"
    );
    assert!(
        text.contains(r#"petition_router_calls_total{method="Route",status="INVALID_ARGUMENT"} 1"#),
        "{text}"
    );
    assert!(text.contains("petition_router_routed_total 3"), "{text}");
    assert!(
        text.contains("petition_router_model{model_version="),
        "{text}"
    );
    assert!(
        text.contains("petition_router_route_seconds_bucket"),
        "{text}"
    );

    server.signal("TERM");
    let (_, log) = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap();
    assert!(log.contains("m-1"), "request ids are logged:\n{log}");
    for private in ["13812345678", "110101199001011234", "油烟", "测试人"] {
        assert!(
            !log.contains(private),
            "the log holds petition text {private:?}:\n{log}"
        );
    }
}

/// Runs `bench` against `server` with the fixture petitions; returns its JSON report.
fn bench_json(server: &Server, extra: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.jsonl");
    write_jsonl(&corpus, &fixture_rows());
    let mut args = vec![
        "bench",
        "--addr",
        &server.grpc,
        "--corpus",
        corpus.to_str().unwrap(),
        "--json",
    ];
    args.extend_from_slice(extra);
    serde_json::from_str(run_ok(&args).trim()).expect("bench prints one JSON object")
}

#[test]
fn bench_closed_loop_reports_every_call_and_its_percentiles() {
    let server = Server::start(&[]);
    let report = bench_json(&server, &["--concurrency", "4", "--requests", "300"]);
    assert_eq!(report["mode"], "closed");
    assert_eq!(report["requests"], 300);
    assert_eq!(report["errors"], 0);
    let us = |k: &str| report[k].as_u64().unwrap();
    assert!(us("p50_us") > 0);
    assert!(us("p50_us") <= us("p90_us") && us("p90_us") <= us("p99_us"));
    assert!(us("p99_us") <= us("p999_us") && us("p999_us") <= us("max_us"));
    assert!(report["rps"].as_f64().unwrap() > 0.0);
    // Without errors, the successful calls are all the calls.
    assert_eq!(report["goodput_rps"], report["rps"]);
    assert_eq!(us("ok_p99_us"), us("p99_us"));
}

#[test]
fn bench_open_loop_keeps_to_the_schedule_and_counts_errors_by_status() {
    // Every fixture petition is longer than 5 characters: all are refused.
    let server = Server::start(&["--max-content-chars", "5"]);
    let report = bench_json(
        &server,
        &["--rate", "400", "--requests", "200", "--concurrency", "8"],
    );
    assert_eq!(report["mode"], "open");
    assert_eq!(report["requests"], 200);
    assert_eq!(report["errors"], 200);
    assert_eq!(report["errors_by_status"]["InvalidArgument"], 200);
    // The last call is not due before 199/400 s: an open loop cannot finish sooner.
    assert!(
        report["seconds"].as_f64().unwrap() >= 199.0 / 400.0,
        "{report}"
    );
}

#[test]
fn bench_in_process_times_route_against_segmentation_per_length_group() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.jsonl");
    let rows = fixture_rows();
    write_jsonl(&corpus, &rows);
    let out = run_ok(&[
        "bench",
        "--in-process",
        "--corpus",
        corpus.to_str().unwrap(),
        "--rounds",
        "2",
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    assert_eq!(report["petitions"], rows.len());
    assert_eq!(report["rounds"], 2);
    assert_eq!(report["labels"], 7, "the shipped model serves: {report}");
    let groups = report["groups"].as_array().unwrap();
    let names: Vec<&str> = groups.iter().map(|g| g["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["100", "230", "410", "1000", "all"]);
    for g in groups {
        let f = |k: &str| g[k].as_f64().unwrap_or_else(|| panic!("{k} in {g}"));
        assert!(f("route_us_p50") > 0.0 && f("segment_us_p50") > 0.0, "{g}");
        assert!(f("route_us_p50") <= f("route_us_p99"), "{g}");
        assert!(f("segment_us_p50") <= f("segment_us_p99"), "{g}");
        // The ratio is of the two medians (each rounded to 10 ns, the ratio to 0.01).
        let ratio = f("route_us_p50") / f("segment_us_p50");
        let rounding = (ratio + 1.0) * 0.005 / f("segment_us_p50") + 0.005;
        assert!(
            (ratio - f("route_to_segment_p50")).abs() <= rounding + 1e-9,
            "{g}"
        );
    }
    let all = &groups[4];
    assert_eq!(all["petitions"], rows.len());
    let mean = rows.iter().map(|(t, _)| t.chars().count()).sum::<usize>() / rows.len();
    assert_eq!(all["chars"], mean);

    // It measures in process: a server address makes no sense with it.
    let refused = run_err(&[
        "bench",
        "--in-process",
        "--addr",
        "127.0.0.1:1",
        "--corpus",
        corpus.to_str().unwrap(),
    ]);
    assert!(refused.contains("--addr"), "{refused}");
}

#[test]
fn bench_says_what_is_wrong_with_its_target_or_corpus() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus.jsonl");
    write_jsonl(&corpus, &fixture_rows());
    let refused = run_err(&[
        "bench",
        "--addr",
        "127.0.0.1:1",
        "--corpus",
        corpus.to_str().unwrap(),
    ]);
    assert!(
        refused.contains("cannot connect to 127.0.0.1:1"),
        "{refused}"
    );
    let missing = run_err(&[
        "bench",
        "--addr",
        "127.0.0.1:1",
        "--corpus",
        "no-such.jsonl",
    ]);
    assert!(missing.contains("no-such.jsonl"), "{missing}");
}

#[tokio::test]
async fn a_batch_stops_routing_when_the_clients_deadline_passes() {
    let server = Server::start(&["--max-batch", "512"]);
    let mut router = server.router().await;
    // 512 long petitions take the server about a second. On a loaded machine a short deadline
    // can pass before the 12 MB request is even decoded (then the handler never starts), so
    // the deadline grows until the server has started routing and then stopped.
    let long = WAGES.repeat(8_000 / WAGES.chars().count());
    let skipped =
        r#"petition_router_calls_total{method="RouteBatch.item",status="DEADLINE_EXCEEDED"}"#;
    for millis in [50, 150, 400, 800] {
        let mut request = tonic::Request::new(pb::RouteBatchRequest {
            requests: (0..512).map(|i| petition(&i.to_string(), &long)).collect(),
        });
        request.set_timeout(Duration::from_millis(millis));
        let e = router.route_batch(request).await.unwrap_err();
        // Whichever timer fires first: the client's own (DEADLINE_EXCEEDED) or tonic's
        // server-side grpc-timeout, which answers CANCELLED "Timeout expired".
        assert!(
            matches!(e.code(), Code::DeadlineExceeded | Code::Cancelled),
            "{e}"
        );
        // The server saw the deadline too: it skips the petitions it has not reached.
        let wait = Instant::now() + Duration::from_secs(5);
        while Instant::now() < wait {
            if server.metrics_text().contains(skipped) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    panic!("the server routed every batch in full, past the client's deadline");
}

#[tokio::test]
async fn messages_over_the_size_limit_are_refused_with_the_limit() {
    let server = Server::start(&["--max-message-bytes", "2000"]);
    let mut router = server.router().await;
    let e = router
        .route(petition("big", &WAGES.repeat(20)))
        .await
        .unwrap_err();
    assert_status(&e, Code::OutOfRange, "2000");
}

#[tokio::test]
async fn a_joint_matter_names_a_lead_unit_and_a_co_handler() {
    let server = Server::start(&[]);
    let mut router = server.router().await;
    let role = |s: &pb::Suggestion| pb::HandlingRole::try_from(s.role).expect("a known role");
    let joint = router
        .route(petition(
            "joint",
            "公司拖欠农民工工资半年，工地夜间施工噪音扰民，扬尘污染严重",
        ))
        .await
        .unwrap()
        .into_inner();
    let roles: Vec<_> = joint.suggestions.iter().map(role).collect();
    assert_eq!(roles[0], pb::HandlingRole::Lead, "{roles:?}");
    assert_eq!(
        roles
            .iter()
            .filter(|&&r| r == pb::HandlingRole::CoHandler)
            .count(),
        1,
        "{roles:?}"
    );
    let single = router
        .route(petition("single", WAGES))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(role(&single.suggestions[0]), pb::HandlingRole::Sole);
    assert!(single.suggestions[1..]
        .iter()
        .all(|s| role(s) == pb::HandlingRole::Alternative));
}
