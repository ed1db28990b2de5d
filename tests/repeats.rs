//! Repeat petitions (重复件): similar earlier petitions on Route, from the feedback store, and
//! scoring similarity against labelled pairs.

#[macro_use]
mod common;

use common::server::{assert_status, Server};
use common::*;
use pr_server::pb;

on_both_stores!(a_resent_petition_finds_the_earlier_one_also_after_a_restart);
on_both_stores!(replicas_sharing_a_store_see_each_others_petitions);

const SMOKE: &str =
    "幸福小区3号楼底商烧烤店油烟直排，楼上住户无法开窗，请环保部门尽快查处。联系电话13912345678。";
const SMOKE_AGAIN: &str =
    "幸福小区3号楼底商烧烤店油烟直排！楼上住户根本无法开窗，请尽快查处，我的电话13800001111";
const ROAD: &str = "阳光花园东门外的道路坑洼不平，雨天积水严重，希望交通部门修路。";

/// The caller's hash of the person who sent the smoke petitions.
const PETITIONER: &str = "9f86d081884c7d659a2feaa0c55ad015";

async fn route(server: &Server, id: &str, text: &str) -> pb::RouteResponse {
    let request = pb::RouteRequest {
        request_id: id.into(),
        content: text.into(),
        petitioner_key: if text == ROAD { "" } else { PETITIONER }.into(),
        ..Default::default()
    };
    server
        .router()
        .await
        .route(request)
        .await
        .unwrap()
        .into_inner()
}

/// Routes a petition, an unrelated one and the first one resent, records the first one's
/// outcome, and checks what the resent one is told, before and after a restart on the store.
async fn a_resent_petition_finds_the_earlier_one_also_after_a_restart(
    store: String,
    _dir: std::path::PathBuf,
) {
    let server = Server::start(&["--feedback-store", &store]);
    let first = route(&server, "smoke-1", SMOKE).await;
    assert!(
        first.similar.is_empty() && !first.repeat,
        "{:?}",
        first.similar
    );
    let road = route(&server, "road-1", ROAD).await;
    assert!(
        road.similar.is_empty() && !road.repeat,
        "{:?}",
        road.similar
    );
    server
        .router()
        .await
        .record_outcome(pb::RecordOutcomeRequest {
            request_id: "smoke-1".into(),
            final_department: "urban_management".into(),
            returned: false,
            note: String::new(),
        })
        .await
        .unwrap();
    let again = route(&server, "smoke-2", SMOKE_AGAIN).await;
    assert!(again.repeat, "{:?}", again.similar);
    assert_eq!(again.similar.len(), 1, "{:?}", again.similar);
    let earlier = &again.similar[0];
    assert_eq!(earlier.request_id, "smoke-1");
    assert!(earlier.similarity >= 0.5, "{earlier:?}");
    assert_eq!(
        earlier.department_code,
        first.suggestions[0].department_code
    );
    assert_eq!(earlier.final_department, "urban_management");
    // The department that finally handled it comes first, with the earlier petition as its
    // evidence; the model's suggestions follow, one fewer when it was not among them.
    let top = &again.suggestions[0];
    assert_eq!(
        (top.department_code.as_str(), top.repeat_of.as_str()),
        ("urban_management", "smoke-1")
    );
    assert!(!top.department_name.is_empty());
    assert_eq!(top.rule, pb::UnitRule::Repeat as i32);
    assert_eq!(again.suggestions.len(), first.suggestions.len());
    assert!(again.suggestions[1..]
        .iter()
        .all(|s| s.repeat_of.is_empty()));
    // Without a request id a petition is compared but not kept.
    let anonymous = route(&server, "", SMOKE).await;
    let ids: Vec<&str> = anonymous
        .similar
        .iter()
        .map(|s| s.request_id.as_str())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(
        ids.contains(&"smoke-1") && ids.contains(&"smoke-2"),
        "{ids:?}"
    );
    drop(server);

    // The window is read back from the store at start, outcome included.
    let server = Server::start(&["--feedback-store", &store]);
    let after = route(&server, "smoke-3", SMOKE).await;
    assert!(after.repeat);
    let smoke_1 = after
        .similar
        .iter()
        .find(|s| s.request_id == "smoke-1")
        .expect("smoke-1 is still in the window");
    assert_eq!(smoke_1.final_department, "urban_management");
    assert!(
        smoke_1.same_petitioner,
        "the petitioner key is kept in the store"
    );
    assert!(after.similar.iter().all(|s| s.request_id != "road-1"));
}

#[test]
fn eval_repeats_scores_similarity_against_labelled_pairs_and_names_a_bad_pair() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("set")).unwrap();
    std::fs::write(
        data.join("set/all.jsonl"),
        [
            r#"{"id":"1","title":"油烟扰民","text":"幸福小区3号楼底商烧烤店油烟直排，楼上住户无法开窗，请环保部门尽快查处。"}"#,
            r#"{"id":"2","title":"","text":"幸福小区3号楼底商烧烤店油烟直排！楼上住户根本无法开窗，请环保部门尽快查处"}"#,
            r#"{"id":3,"text":"阳光花园东门外的道路坑洼不平，雨天积水严重，希望交通部门修路。"}"#,
            r#"{"id":"4","text":"3号楼楼下的烧烤店晚上太吵，我们住户睡不好觉，有关部门管一管。"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let pairs = dir.path().join("pairs.jsonl");
    std::fs::write(
        &pairs,
        [
            r#"{"a":"set/all/1","b":"set/all/2","label":"repeat","kind":"near_duplicate"}"#,
            r#"{"a":"set/all/1","b":"set/all/4","label":"repeat","kind":"rewording"}"#,
            r#"{"a":"set/all/2","b":"set/all/3","label":"different","kind":"unrelated"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let args = |pairs: &std::path::Path| {
        vec![
            "eval-repeats".to_string(),
            "--pairs".into(),
            pairs.display().to_string(),
            "--data".into(),
            data.display().to_string(),
            "--json".into(),
        ]
    };
    let argv = args(&pairs);
    let report: serde_json::Value = serde_json::from_str(&run_ok(
        &argv.iter().map(String::as_str).collect::<Vec<_>>(),
    ))
    .unwrap();
    assert_eq!(
        (report["pairs"].clone(), report["repeats"].clone()),
        (3.into(), 2.into())
    );
    // At 0.5 the resent copy is found, the rewording is not, nothing unrelated is.
    let at_half = report["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| (t["threshold"].as_f64().unwrap() - 0.5).abs() < 1e-6)
        .unwrap();
    for method in ["minhash", "exact"] {
        assert_eq!(at_half[method]["precision"], 1.0, "{at_half}");
        assert_eq!(at_half[method]["recall"], 0.5, "{at_half}");
    }
    let kinds = &report["share_at_threshold_by_kind"];
    assert_eq!(kinds["near_duplicate"], 1.0);
    assert_eq!(kinds["rewording"], 0.0);

    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        r#"{"a":"set/all/1","b":"set/all/9","label":"repeat","kind":"near_duplicate"}"#,
    )
    .unwrap();
    let argv = args(&bad);
    let e = run_err(&argv.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(e.contains("all.jsonl") && e.contains("id 9"), "{e}");
}

#[test]
fn a_raw_number_as_petitioner_key_is_refused() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let server = Server::start(&[]);
        let mut router = server.router().await;
        for raw in ["13912345678", "2102 1119 9001 0112 3X", "0411-84688888"] {
            let request = pb::RouteRequest {
                content: SMOKE.into(),
                petitioner_key: raw.into(),
                ..Default::default()
            };
            let e = router.route(request).await.unwrap_err();
            assert_status(&e, tonic::Code::InvalidArgument, "petitioner_key");
        }
    });
}

/// Two replicas on one store: a petition and an outcome recorded at one are seen by the
/// other within a few refreshes.
async fn replicas_sharing_a_store_see_each_others_petitions(
    store: String,
    _dir: std::path::PathBuf,
) {
    let args = ["--feedback-store", &store, "--repeat-refresh", "100ms"];
    let (a, b) = (Server::start(&args), Server::start(&args));
    route(&a, "smoke-a", SMOKE).await;
    a.router()
        .await
        .record_outcome(pb::RecordOutcomeRequest {
            request_id: "smoke-a".into(),
            final_department: "ecology_environment".into(),
            returned: false,
            note: String::new(),
        })
        .await
        .unwrap();
    let mut seen = None;
    for _ in 0..100 {
        // No request id: B compares without keeping, so each try is a fresh look.
        let answer = route(&b, "", SMOKE_AGAIN).await;
        if let Some(s) = answer.similar.iter().find(|s| s.request_id == "smoke-a") {
            if !s.final_department.is_empty() {
                seen = Some(s.clone());
                break;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let seen = seen.expect("replica B sees A's petition and its outcome within 10 s");
    assert_eq!(seen.final_department, "ecology_environment");
    assert!(seen.same_petitioner);
}
