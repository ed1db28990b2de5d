//! Promotion and rollback through a model registry, with a real server that follows them.

mod common;

use common::server::Server;
use common::*;

/// A model trained on the fixture with every label replaced by the next one: wrong on
/// every fixture row.
fn scrambled_model(dir: &std::path::Path) -> String {
    let rows = fixture_rows();
    let labels = ["劳动和社会保障", "城乡建设", "环境保护"];
    let rotated: Vec<(&str, &str)> = rows
        .iter()
        .map(|(text, label)| {
            let i = labels.iter().position(|l| l == label).unwrap();
            (*text, labels[(i + 1) % labels.len()])
        })
        .collect();
    let history = dir.join("scrambled.jsonl");
    write_jsonl(&history, &rotated);
    let model = dir.join("scrambled.model");
    let owned = train_args(&history, &model, "0");
    run_ok(&owned.iter().map(String::as_str).collect::<Vec<_>>());
    model.to_str().unwrap().to_string()
}

#[tokio::test]
async fn promotion_refuses_a_worse_model_and_the_server_follows_promote_and_rollback() {
    let dir = tempfile::tempdir().unwrap();
    let good = trained(dir.path());
    let history = dir.path().join("history.jsonl");
    let h = history.to_str().unwrap();
    let reg = dir.path().join("registry");
    let r = reg.to_str().unwrap();
    let out = run_ok(&["promote", "--registry", r, "--model", &good, "--history", h]);
    assert!(out.contains("promote: version 1 is current"), "{out}");

    let current = reg.join("current");
    let server = Server::start(&["--model", current.to_str().unwrap()]);
    let good_version = server.model_info().await.model_version;

    let bad = scrambled_model(dir.path());
    let refused = run_err(&["promote", "--registry", r, "--model", &bad, "--history", h]);
    assert!(
        refused.contains("not promoted") && refused.contains("--force"),
        "{refused}"
    );
    assert_eq!(server.model_info().await.model_version, good_version);

    let out = run_ok(&[
        "promote",
        "--registry",
        r,
        "--model",
        &bad,
        "--history",
        h,
        "--force",
        "--reload",
        &server.grpc,
    ]);
    assert!(
        out.contains("forced-promote: version 2 is current"),
        "{out}"
    );
    let bad_version = server.model_info().await.model_version;
    assert_ne!(bad_version, good_version);

    let out = run_ok(&["rollback", "--registry", r, "--reload", &server.grpc]);
    assert!(out.contains("version 1 is current again"), "{out}");
    assert_eq!(server.model_info().await.model_version, good_version);
    let nothing = run_err(&["rollback", "--registry", r]);
    assert!(nothing.contains("nothing to roll back to"), "{nothing}");
}
