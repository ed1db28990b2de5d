//! The feedback stores end-to-end tests run on: SQLite always, PostgreSQL when
//! `PETITION_ROUTER_TEST_POSTGRES` names one (skipped with a reason otherwise).

/// Runs `check(store URL, scratch directory)` on a fresh SQLite store.
pub fn on_sqlite<F: std::future::Future<Output = ()>>(
    check: impl FnOnce(String, std::path::PathBuf) -> F,
) {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("sqlite:{}", dir.path().join("feedback.db").display());
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(check(store, dir.path().to_path_buf()));
}

/// Runs `check(store URL, scratch directory)` on a fresh PostgreSQL schema.
pub fn on_postgres<F: std::future::Future<Output = ()>>(
    check: impl FnOnce(String, std::path::PathBuf) -> F,
) {
    // Created and dropped outside the runtime: the PostgreSQL client blocks.
    let Some(schema) = pr_feedback::testing::PgSchema::new() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(check(schema.url.clone(), dir.path().to_path_buf()));
}
