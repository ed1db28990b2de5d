//! The feedback store (来件必登): every routed petition that carries a request id is kept with
//! its suggestions and model version, so that the outcome a clerk records later (the final
//! department, whether the department sent the case back, 退单) turns it into a labelled
//! history row for retraining. The petition text is stored here and nowhere else, for the
//! configured retention only.
//!
//! Backends: SQLite embedded (`sqlite:PATH`, WAL mode, `synchronous = FULL`, so an outcome is
//! on disk before it is acknowledged) and PostgreSQL for several replicas (`postgres://…`).
//! Routed petitions are written in batches off the request path (see the server).

#![warn(missing_docs)]

mod backend;
mod redact;

pub use redact::redact_url;

pub use backend::DbError;
use backend::{Backend, Kind, Value};
use serde::Serialize;
use std::sync::Mutex;

/// A routed petition, as kept until its outcome arrives.
#[derive(Debug, Clone, PartialEq)]
pub struct Routed {
    /// The caller's request id: the key an outcome is recorded under. Routing again under the
    /// same id replaces the kept petition.
    pub request_id: String,
    /// Unix seconds.
    pub routed_at: i64,
    /// The petition's title as sent (may be empty).
    pub title: String,
    /// The petition's text as sent; stored here and nowhere else, for the retention period.
    pub content: String,
    /// Department codes suggested, best first.
    pub suggested: Vec<String>,
    /// Version of the model that routed it (`pr_model::Model::version`), so that online
    /// accuracy is counted per model.
    pub model_version: String,
    /// The region hint the petition was routed with (the intake desk's district, county or
    /// town), empty when none was given. A place name: log its length, never its value
    /// beside the petition.
    pub region: String,
    /// The caller's key of the person who sent it (hashed by the caller), or `""`.
    pub petitioner_key: String,
}

/// What finally happened to a routed petition.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The request id the petition was routed with.
    pub request_id: String,
    /// The department (code) that finally handled it.
    pub final_department: String,
    /// The suggested department sent the case back (退单).
    pub returned: bool,
    /// The clerk's optional correction note (empty for none).
    pub note: String,
    /// Unix seconds.
    pub recorded_at: i64,
}

/// One labelled history row made from a routed petition and its outcome (JSONL fields as the
/// history readers expect them).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryRow {
    /// The request id it was routed with.
    pub id: String,
    /// The petition's title (may be empty).
    pub title: String,
    /// The petition's text.
    pub text: String,
    /// The final department of the outcome: what training learns.
    pub label: String,
    /// Version of the model that routed it.
    pub model_version: String,
    /// Departments suggested, best first.
    pub suggested: Vec<String>,
    /// Whether the first suggestion was the final department.
    pub top1_right: bool,
    /// The suggested department sent the case back (退单).
    pub returned: bool,
    /// The region hint the petition was routed with (empty when none): the history
    /// readers' region column, so that training and evaluation use it as the hint.
    pub region: String,
}

/// A petition routed recently, as repeat detection reads it back at start.
#[derive(Debug, Clone, PartialEq)]
pub struct RecentRow {
    /// The request id it was routed with.
    pub request_id: String,
    /// Unix seconds.
    pub routed_at: i64,
    /// The title as kept (masked unless the store keeps raw text).
    pub title: String,
    /// The text as kept (masked unless the store keeps raw text).
    pub content: String,
    /// The department suggested first, or `""`.
    pub department: String,
    /// The department that finally handled it, or `""` before an outcome.
    pub final_department: String,
    /// The caller's key of the person who sent it, or `""`.
    pub petitioner_key: String,
    /// The region hint it was routed with, or `""`.
    pub region: String,
}

/// The routing an outcome belongs to, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Version of the model that routed the petition.
    pub model_version: String,
    /// Department codes suggested, best first.
    pub suggested: Vec<String>,
}

impl Recorded {
    /// The department suggested first, if any.
    pub fn first(&self) -> Option<&str> {
        self.suggested.first().map(String::as_str)
    }
}

/// How routing fared against recorded outcomes, for one model version and the department it
/// suggested first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OnlineAccuracy {
    /// The model version that routed these petitions.
    pub model_version: String,
    /// The department (code) suggested first; empty when nothing was suggested.
    pub department: String,
    /// Outcomes recorded for these petitions; the counts below are out of this.
    pub outcomes: u64,
    /// The first suggestion was the final department.
    pub top1_right: u64,
    /// The final department was among the first three suggestions.
    pub top3_right: u64,
    /// Sent back by the suggested department (退单).
    pub returned: u64,
}

/// Why the store refused an operation.
#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    /// The store URL is neither `sqlite:PATH` nor `postgres://…`; holds the URL, redacted.
    #[error("feedback store URL {0:?} is not understood: use sqlite:PATH or postgres://USER@HOST/DATABASE")]
    Url(String),
    /// The database refused to open, or a statement failed.
    #[error("feedback store {store}: {error}")]
    Database {
        /// The store's URL, redacted ([`redact_url`]).
        store: String,
        /// What SQLite or PostgreSQL said.
        // Shown in the message, not chained as a source: anyhow's `{:#}` would print it twice.
        error: DbError,
    },
}

/// Where a feedback store lives, checked before any connection is tried.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreUrl {
    /// `sqlite:PATH`: an embedded database file.
    Sqlite(std::path::PathBuf),
    /// `postgres://…` or `postgresql://…`: a PostgreSQL server, URL as given.
    Postgres(String),
}

impl std::str::FromStr for StoreUrl {
    type Err = FeedbackError;
    fn from_str(url: &str) -> Result<StoreUrl, FeedbackError> {
        if let Some(path) = url.strip_prefix("sqlite:").filter(|p| !p.is_empty()) {
            Ok(StoreUrl::Sqlite(path.into()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(StoreUrl::Postgres(url.to_string()))
        } else {
            Err(FeedbackError::Url(redact_url(url)))
        }
    }
}

impl StoreUrl {
    /// The URL as given, password included: to connect, never to print.
    pub fn as_given(&self) -> String {
        match self {
            StoreUrl::Sqlite(path) => format!("sqlite:{}", path.display()),
            StoreUrl::Postgres(url) => url.clone(),
        }
    }
}

/// As given, password included: settings are merged through serde (never printed).
impl Serialize for StoreUrl {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_given())
    }
}

/// Redacted ([`redact_url`]): a store URL may carry a password.
impl std::fmt::Debug for StoreUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact_url(&self.as_given()))
    }
}

/// The feedback store.
pub struct Store {
    /// The URL without credentials, for messages.
    name: String,
    /// The URL as given, to connect again: never printed.
    url: String,
    backend: Mutex<Backend>,
}

const UPSERT_ROUTED: &str = "INSERT INTO routed
    (request_id, routed_at, title, content, suggested, model_version, region, petitioner_key)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT (request_id) DO UPDATE SET routed_at = excluded.routed_at,
        title = excluded.title, content = excluded.content,
        suggested = excluded.suggested, model_version = excluded.model_version,
        region = excluded.region, petitioner_key = excluded.petitioner_key";

const UPSERT_OUTCOME: &str = "INSERT INTO outcomes
    (request_id, final_department, returned, note, recorded_at)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (request_id) DO UPDATE SET final_department = excluded.final_department,
        returned = excluded.returned, note = excluded.note, recorded_at = excluded.recorded_at";

impl Store {
    /// Opens (creating tables if needed, and adding the columns a store made by an older
    /// version lacks) the store at `url`: `sqlite:PATH` or
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`. Blocking: call it off async workers.
    pub fn open(url: &StoreUrl) -> Result<Store, FeedbackError> {
        let given = url.as_given();
        let name = redact_url(&given);
        let backend = match url {
            StoreUrl::Sqlite(path) => Backend::sqlite(path),
            StoreUrl::Postgres(url) => Backend::postgres(url),
        }
        .map_err(|error| FeedbackError::Database {
            store: name.clone(),
            error,
        })?;
        Ok(Store {
            name,
            url: given,
            backend: Mutex::new(backend),
        })
    }

    /// The store's URL, redacted ([`redact_url`]).
    pub fn name(&self) -> &str {
        &self.name
    }

    fn db(&self, error: DbError) -> FeedbackError {
        FeedbackError::Database {
            store: self.name.clone(),
            error,
        }
    }

    /// The database, connected again if the connection was lost (a PostgreSQL restart).
    fn backend(&self) -> Result<std::sync::MutexGuard<'_, Backend>, FeedbackError> {
        // A panic while holding the lock cannot leave the database half-written (transactions).
        let mut backend = self.backend.lock().unwrap_or_else(|e| e.into_inner());
        backend.reconnect(&self.url).map_err(|e| self.db(e))?;
        Ok(backend)
    }

    /// Keeps routed petitions, in one transaction; a request id routed again is replaced.
    pub fn record_routed(&self, batch: &[Routed]) -> Result<(), FeedbackError> {
        let rows: Vec<Vec<Value>> = batch
            .iter()
            .map(|r| {
                vec![
                    Value::Text(r.request_id.clone()),
                    Value::Int(r.routed_at),
                    Value::Text(r.title.clone()),
                    Value::Text(r.content.clone()),
                    Value::Text(serde_json::to_string(&r.suggested).expect("strings serialise")),
                    Value::Text(r.model_version.clone()),
                    Value::Text(r.region.clone()),
                    Value::Text(r.petitioner_key.clone()),
                ]
            })
            .collect();
        self.backend()?
            .execute_all(UPSERT_ROUTED, &rows)
            .map(|_| ())
            .map_err(|e| self.db(e))
    }

    /// Records an outcome, committed before this returns; returns how the petition was routed
    /// when this store keeps its routing. An outcome whose routing is not kept (routed by
    /// another replica, or past retention) is stored all the same (来件必登) and joins its
    /// routing if that arrives later.
    pub fn record_outcome(&self, outcome: &Outcome) -> Result<Option<Recorded>, FeedbackError> {
        let mut backend = self.backend()?;
        let routed = backend
            .query(
                "SELECT model_version, suggested FROM routed WHERE request_id = $1",
                &[Value::Text(outcome.request_id.clone())],
                &[Kind::Text, Kind::Text],
            )
            .map_err(|e| self.db(e))?;
        let recorded = routed.first().map(|row| Recorded {
            model_version: row[0].text(),
            suggested: serde_json::from_str(&row[1].text()).unwrap_or_default(),
        });
        let values = vec![
            Value::Text(outcome.request_id.clone()),
            Value::Text(outcome.final_department.clone()),
            Value::Int(i64::from(outcome.returned)),
            Value::Text(outcome.note.clone()),
            Value::Int(outcome.recorded_at),
        ];
        backend
            .execute_all(UPSERT_OUTCOME, &[values])
            .map_err(|e| self.db(e))?;
        Ok(recorded)
    }

    /// Forgets routed petitions (and their outcomes) routed before `before` (Unix seconds),
    /// and outcomes recorded before it whose routing is not kept; returns how many petitions.
    pub fn purge_before(&self, before: i64) -> Result<usize, FeedbackError> {
        let mut backend = self.backend()?;
        let at = [vec![Value::Int(before)]];
        backend
            .execute_all(
                "DELETE FROM outcomes WHERE request_id IN
                 (SELECT request_id FROM routed WHERE routed_at < $1)
                 OR (recorded_at < $1 AND request_id NOT IN (SELECT request_id FROM routed))",
                &at,
            )
            .map_err(|e| self.db(e))?;
        backend
            .execute_all("DELETE FROM routed WHERE routed_at < $1", &at)
            .map(|n| n as usize)
            .map_err(|e| self.db(e))
    }

    /// Every routed petition with an outcome, as labelled history, oldest first.
    pub fn history(&self) -> Result<Vec<HistoryRow>, FeedbackError> {
        let rows = self
            .backend()?
            .query(
                "SELECT r.request_id, r.title, r.content, o.final_department, r.model_version,
                        r.suggested, o.returned, r.region
                 FROM routed r JOIN outcomes o ON o.request_id = r.request_id
                 ORDER BY r.routed_at, r.request_id",
                &[],
                &[
                    Kind::Text,
                    Kind::Text,
                    Kind::Text,
                    Kind::Text,
                    Kind::Text,
                    Kind::Text,
                    Kind::Int,
                    Kind::Text,
                ],
            )
            .map_err(|e| self.db(e))?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let suggested: Vec<String> =
                    serde_json::from_str(&row[5].text()).unwrap_or_default();
                let label = row[3].text();
                HistoryRow {
                    id: row[0].text(),
                    title: row[1].text(),
                    text: row[2].text(),
                    top1_right: suggested.first() == Some(&label),
                    label,
                    model_version: row[4].text(),
                    suggested,
                    returned: row[6].int() != 0,
                    region: row[7].text(),
                }
            })
            .collect())
    }

    /// Every petition routed at or after `since` (Unix seconds), with its final department when
    /// an outcome was recorded, oldest first.
    pub fn recent(&self, since: i64) -> Result<Vec<RecentRow>, FeedbackError> {
        let rows = self
            .backend()?
            .query(
                "SELECT r.request_id, r.routed_at, r.title, r.content, r.suggested,
                        COALESCE(o.final_department, ''), r.petitioner_key, r.region
                 FROM routed r LEFT JOIN outcomes o ON o.request_id = r.request_id
                 WHERE r.routed_at >= $1
                 ORDER BY r.routed_at, r.request_id",
                &[Value::Int(since)],
                &[
                    Kind::Text,
                    Kind::Int,
                    Kind::Text,
                    Kind::Text,
                    Kind::Text,
                    Kind::Text,
                    Kind::Text,
                    Kind::Text,
                ],
            )
            .map_err(|e| self.db(e))?;
        Ok(rows
            .into_iter()
            .map(|row| {
                let suggested: Vec<String> =
                    serde_json::from_str(&row[4].text()).unwrap_or_default();
                RecentRow {
                    petitioner_key: row[6].text(),
                    region: row[7].text(),
                    request_id: row[0].text(),
                    routed_at: row[1].int(),
                    title: row[2].text(),
                    content: row[3].text(),
                    department: suggested.into_iter().next().unwrap_or_default(),
                    final_department: row[5].text(),
                }
            })
            .collect())
    }

    /// The final department of every outcome recorded at or after `since` (Unix seconds), by
    /// request id.
    pub fn outcomes_since(&self, since: i64) -> Result<Vec<(String, String)>, FeedbackError> {
        let rows = self
            .backend()?
            .query(
                "SELECT request_id, final_department FROM outcomes WHERE recorded_at >= $1",
                &[Value::Int(since)],
                &[Kind::Text, Kind::Text],
            )
            .map_err(|e| self.db(e))?;
        Ok(rows
            .into_iter()
            .map(|row| (row[0].text(), row[1].text()))
            .collect())
    }

    /// Online accuracy by model version and first-suggested department, from every recorded
    /// outcome still kept; `model_version` restricts it to one version.
    pub fn online_accuracy(
        &self,
        model_version: Option<&str>,
    ) -> Result<Vec<OnlineAccuracy>, FeedbackError> {
        // Only the columns it needs: never the petition text.
        let rows = self
            .backend()?
            .query(
                "SELECT r.model_version, r.suggested, o.final_department, o.returned
                 FROM routed r JOIN outcomes o ON o.request_id = r.request_id
                 WHERE $1 = '' OR r.model_version = $1",
                &[Value::Text(model_version.unwrap_or_default().to_string())],
                &[Kind::Text, Kind::Text, Kind::Text, Kind::Int],
            )
            .map_err(|e| self.db(e))?;
        let mut by_key: std::collections::BTreeMap<(String, String), OnlineAccuracy> =
            Default::default();
        for row in rows {
            let (version, label) = (row[0].text(), row[2].text());
            let suggested: Vec<String> = serde_json::from_str(&row[1].text()).unwrap_or_default();
            let first = suggested.first().cloned().unwrap_or_default();
            let entry = by_key
                .entry((version.clone(), first.clone()))
                .or_insert_with(|| OnlineAccuracy {
                    model_version: version,
                    department: first,
                    outcomes: 0,
                    top1_right: 0,
                    top3_right: 0,
                    returned: 0,
                });
            entry.outcomes += 1;
            entry.top1_right += u64::from(suggested.first() == Some(&label));
            entry.top3_right += u64::from(suggested.iter().take(3).any(|s| *s == label));
            entry.returned += u64::from(row[3].int() != 0);
        }
        Ok(by_key.into_values().collect())
    }
}

/// Test support: a fresh PostgreSQL schema per test, so that tests can run against the same
/// database side by side.
#[cfg(any(test, feature = "testing"))]
pub mod testing {
    use std::sync::atomic::{AtomicU32, Ordering};

    /// A fresh schema in the test PostgreSQL database, dropped afterwards.
    pub struct PgSchema {
        admin: postgres::Client,
        name: String,
        /// The store URL for this schema.
        pub url: String,
    }

    impl PgSchema {
        /// Creates the schema in the database at `$PETITION_ROUTER_TEST_POSTGRES`, which CI
        /// sets: there an unreachable database fails the test. Without the variable the local
        /// `test` database is tried, and a machine without PostgreSQL skips the test (`None`,
        /// with the reason on standard error).
        pub fn new() -> Option<PgSchema> {
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let required = std::env::var("PETITION_ROUTER_TEST_POSTGRES").ok();
            let base = required
                .clone()
                .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
            let mut admin = match postgres::Client::connect(&base, postgres::NoTls) {
                Ok(admin) => admin,
                Err(e) if required.is_some() => {
                    panic!("PETITION_ROUTER_TEST_POSTGRES={base} is set but cannot be reached: {e}")
                }
                Err(e) => {
                    eprintln!(
                        "skipped: no PostgreSQL at {base} ({e}); set PETITION_ROUTER_TEST_POSTGRES to run the PostgreSQL tests"
                    );
                    return None;
                }
            };
            let name = format!(
                "feedback_test_{}_{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            );
            admin
                .batch_execute(&format!(
                    "DROP SCHEMA IF EXISTS {name} CASCADE; CREATE SCHEMA {name}"
                ))
                .unwrap();
            // Named after the schema, so that its connections can be told apart.
            let url = format!("{base}?options=-c%20search_path%3D{name}&application_name={name}");
            Some(PgSchema { admin, name, url })
        }

        /// Ends the connections of the stores of this schema, as a PostgreSQL restart would.
        pub fn end_connections(&mut self) {
            self.admin
                .execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                     WHERE application_name = $1",
                    &[&self.name],
                )
                .unwrap();
        }
    }

    /// The tables as stores made before routings kept the region hint have them.
    const SCHEMA_WITHOUT_REGION: &str = "
        CREATE TABLE routed (
            request_id TEXT PRIMARY KEY,
            routed_at BIGINT NOT NULL,
            title TEXT NOT NULL,
            content TEXT NOT NULL,
            suggested TEXT NOT NULL,
            model_version TEXT NOT NULL
        );
        CREATE INDEX routed_at ON routed (routed_at);
        CREATE TABLE outcomes (
            request_id TEXT PRIMARY KEY,
            final_department TEXT NOT NULL,
            returned BIGINT NOT NULL,
            note TEXT NOT NULL,
            recorded_at BIGINT NOT NULL
        );
        CREATE INDEX outcomes_recorded_at ON outcomes (recorded_at);";

    /// Makes, at the store URL `url` (`sqlite:PATH` of a new file, or an empty PostgreSQL
    /// schema), a store as versions before the region column made it, with one confirmed
    /// petition `old` (text "petition old", suggested and confirmed `x`) routed at
    /// `routed_at` (Unix seconds). Blocking.
    pub fn create_store_without_region(url: &str, routed_at: i64) {
        let sql = format!(
            "{SCHEMA_WITHOUT_REGION}
             INSERT INTO routed VALUES ('old', {routed_at}, '', 'petition old', '[\"x\"]', 'm0');
             INSERT INTO outcomes VALUES ('old', 'x', 0, '', {routed_at});"
        );
        execute(url, &sql);
    }

    /// Makes the store at `url` refuse to keep routed petitions (`broken`: their table is
    /// renamed away, as a failing database would refuse), or keep them again. Blocking.
    pub fn break_routed_table(url: &str, broken: bool) {
        execute(
            url,
            if broken {
                "ALTER TABLE routed RENAME TO routed_away"
            } else {
                "ALTER TABLE routed_away RENAME TO routed"
            },
        );
    }

    /// Runs `sql` on the store at `url` (`sqlite:PATH` or PostgreSQL) over a connection of its
    /// own.
    fn execute(url: &str, sql: &str) {
        match url.strip_prefix("sqlite:") {
            Some(path) => rusqlite::Connection::open(path)
                .and_then(|c| c.execute_batch(sql))
                .unwrap_or_else(|e| panic!("cannot change the store at {url}: {e}")),
            None => postgres::Client::connect(url, postgres::NoTls)
                .and_then(|mut c| c.batch_execute(sql))
                .unwrap_or_else(|e| panic!("cannot change the store at {url}: {e}")),
        }
    }

    impl Drop for PgSchema {
        fn drop(&mut self) {
            let _ = self
                .admin
                .batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::PgSchema;
    use super::*;

    fn open(url: &str) -> Store {
        Store::open(&url.parse().unwrap()).unwrap()
    }

    /// Runs `check` against a fresh SQLite store and a fresh PostgreSQL one, by URL.
    fn on_both(check: impl Fn(&str)) {
        let dir = tempfile::tempdir().unwrap();
        check(&format!(
            "sqlite:{}",
            dir.path().join("feedback.db").display()
        ));
        if let Some(pg) = PgSchema::new() {
            check(&pg.url);
        }
    }

    fn routed(id: &str, at: i64, suggested: &[&str]) -> Routed {
        Routed {
            request_id: id.into(),
            routed_at: at,
            title: String::new(),
            content: format!("petition {id}"),
            suggested: suggested.iter().map(|s| s.to_string()).collect(),
            model_version: "m1".into(),
            region: String::new(),
            petitioner_key: String::new(),
        }
    }

    fn outcome(id: &str, department: &str) -> Outcome {
        Outcome {
            request_id: id.into(),
            final_department: department.into(),
            returned: false,
            note: String::new(),
            recorded_at: 100,
        }
    }

    #[test]
    fn outcomes_turn_routed_petitions_into_history_and_survive_reopening() {
        on_both(|url| {
            {
                let store = open(url);
                store
                    .record_routed(&[
                        routed("a", 10, &["labour", "housing"]),
                        routed("b", 20, &["housing"]),
                        routed("c", 30, &["water"]),
                    ])
                    .unwrap();
                store.record_outcome(&outcome("a", "labour")).unwrap();
                let mut returned = outcome("b", "urban_management");
                returned.returned = true;
                let recorded = store
                    .record_outcome(&returned)
                    .unwrap()
                    .expect("b was routed here");
                assert_eq!(recorded.first(), Some("housing"));
            }
            let store = open(url);
            let rows = store.history().unwrap();
            let got: Vec<(&str, &str, bool, bool)> = rows
                .iter()
                .map(|r| (r.id.as_str(), r.label.as_str(), r.top1_right, r.returned))
                .collect();
            assert_eq!(
                got,
                [
                    ("a", "labour", true, false),
                    ("b", "urban_management", false, true)
                ],
                "{url}"
            );
            assert_eq!(rows[0].text, "petition a");
            let online = store.online_accuracy(Some("m1")).unwrap();
            let got: Vec<(&str, u64, u64, u64, u64)> = online
                .iter()
                .map(|o| {
                    (
                        o.department.as_str(),
                        o.outcomes,
                        o.top1_right,
                        o.top3_right,
                        o.returned,
                    )
                })
                .collect();
            assert_eq!(got, [("housing", 1, 0, 0, 1), ("labour", 1, 1, 1, 0)]);
            assert!(store.online_accuracy(Some("m2")).unwrap().is_empty());
        });
    }

    #[test]
    fn outcomes_of_petitions_routed_elsewhere_are_kept_and_join_their_routing_later() {
        on_both(|url| {
            let store = open(url);
            // Routed by another replica whose write has not landed yet.
            assert_eq!(
                store
                    .record_outcome(&outcome("elsewhere", "labour"))
                    .unwrap(),
                None
            );
            assert!(store.history().unwrap().is_empty(), "{url}");
            store
                .record_routed(&[routed("elsewhere", 50, &["labour"])])
                .unwrap();
            let rows = store.history().unwrap();
            assert_eq!(rows.len(), 1, "{url}");
            assert_eq!(
                (rows[0].label.as_str(), rows[0].top1_right),
                ("labour", true)
            );
            // An outcome whose routing never arrives goes with the retention period.
            store.record_outcome(&outcome("never", "water")).unwrap();
            store.purge_before(200).unwrap();
            store
                .record_routed(&[routed("never", 300, &["water"])])
                .unwrap();
            assert!(store.history().unwrap().is_empty(), "{url}");
        });
    }

    #[test]
    fn bad_urls_are_refused_clearly() {
        let e = "mysql://admin:hunter2@somewhere"
            .parse::<StoreUrl>()
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.contains("sqlite:PATH") && e.contains("postgres://") && !e.contains("hunter2"),
            "{e}"
        );
        // Credentials never reach messages.
        let e = Store::open(&"postgres://router:s3cret@127.0.0.1:1/x".parse().unwrap())
            .err()
            .unwrap()
            .to_string();
        assert!(
            !e.contains("s3cret") && e.contains("router:***@127.0.0.1:1"),
            "{e}"
        );
    }

    #[test]
    fn retention_forgets_old_petitions_with_their_outcomes() {
        on_both(|url| {
            let store = open(url);
            store
                .record_routed(&[routed("old", 10, &["x"]), routed("new", 50, &["y"])])
                .unwrap();
            store.record_outcome(&outcome("old", "x")).unwrap();
            store.record_outcome(&outcome("new", "y")).unwrap();
            assert_eq!(store.purge_before(20).unwrap(), 1, "{url}");
            let ids: Vec<String> = store.history().unwrap().into_iter().map(|r| r.id).collect();
            assert_eq!(ids, ["new"]);
        });
    }

    #[test]
    fn routing_again_under_the_same_id_replaces_the_kept_petition() {
        on_both(|url| {
            let store = open(url);
            store.record_routed(&[routed("a", 10, &["x"])]).unwrap();
            let mut again = routed("a", 20, &["y"]);
            again.content = "corrected".into();
            store.record_routed(&[again]).unwrap();
            store.record_outcome(&outcome("a", "y")).unwrap();
            let rows = store.history().unwrap();
            assert_eq!(rows.len(), 1);
            assert_eq!(
                (rows[0].text.as_str(), rows[0].top1_right),
                ("corrected", true)
            );
        });
    }

    #[test]
    fn the_region_hint_is_kept_with_the_routing_and_exported_with_its_history() {
        on_both(|url| {
            let store = open(url);
            let mut hinted = routed("a", 10, &["x"]);
            hinted.region = "甘井子区".into();
            store
                .record_routed(&[hinted, routed("b", 20, &["y"])])
                .unwrap();
            store.record_outcome(&outcome("a", "x")).unwrap();
            store.record_outcome(&outcome("b", "y")).unwrap();
            let rows = store.history().unwrap();
            let got: Vec<(&str, &str)> = rows
                .iter()
                .map(|r| (r.id.as_str(), r.region.as_str()))
                .collect();
            assert_eq!(got, [("a", "甘井子区"), ("b", "")], "{url}");
            // The JSONL field the history readers take as the region column.
            let json = serde_json::to_value(&rows[0]).unwrap();
            assert_eq!(json["region"], "甘井子区");
            // Routed again under the same id: the new hint replaces the old one.
            let mut again = routed("a", 30, &["x"]);
            again.region = "中山区".into();
            store.record_routed(&[again]).unwrap();
            let rows = store.history().unwrap();
            assert_eq!(rows.last().unwrap().region, "中山区", "{url}");
        });
    }

    /// Opens a store made without the region column (its petition routed and confirmed
    /// before): the column is added, the old petition has an empty region, new ones keep
    /// theirs, and opening it again changes nothing.
    fn old_store_gains_the_region_column(url: &str) {
        {
            let store = open(url);
            let mut hinted = routed("new", 30, &["y"]);
            hinted.region = "甘井子区".into();
            store.record_routed(&[hinted]).unwrap();
            store.record_outcome(&outcome("new", "y")).unwrap();
        }
        let store = open(url);
        let rows = store.history().unwrap();
        let got: Vec<(&str, &str, &str, bool)> = rows
            .iter()
            .map(|r| {
                (
                    r.id.as_str(),
                    r.text.as_str(),
                    r.region.as_str(),
                    r.top1_right,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("old", "petition old", "", true),
                ("new", "petition new", "甘井子区", true)
            ],
            "{url}"
        );
    }

    #[test]
    fn sqlite_stores_made_without_the_region_column_gain_it_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        let url = format!("sqlite:{}", path.display());
        super::testing::create_store_without_region(&url, 10);
        old_store_gains_the_region_column(&url);
        let columns: Vec<String> = rusqlite::Connection::open(&path)
            .unwrap()
            .prepare("SELECT name FROM pragma_table_info('routed')")
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            columns.iter().filter(|c| *c == "region").count(),
            1,
            "{columns:?}"
        );
    }

    #[test]
    fn a_store_connects_again_when_postgres_ends_its_connection() {
        let Some(mut pg) = PgSchema::new() else {
            return;
        };
        let store = open(&pg.url);
        store.record_routed(&[routed("a", 10, &["x"])]).unwrap();
        pg.end_connections();
        // The first call may still find the connection open, and fail with it.
        let _ = store.record_routed(&[routed("b", 20, &["y"])]);
        store.record_routed(&[routed("b", 20, &["y"])]).unwrap();
        store.record_outcome(&outcome("b", "y")).unwrap();
        assert_eq!(store.history().unwrap().len(), 1);
    }

    #[test]
    fn postgres_stores_made_without_the_region_column_gain_it_when_opened() {
        let Some(pg) = PgSchema::new() else {
            return;
        };
        super::testing::create_store_without_region(&pg.url, 10);
        old_store_gains_the_region_column(&pg.url);
        let mut client = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
        let row = client
            .query_one(
                "SELECT is_nullable, column_default FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = 'routed'
                   AND column_name = 'region'",
                &[],
            )
            .unwrap();
        assert_eq!(row.get::<_, String>(0), "NO");
        assert!(row
            .get::<_, Option<String>>(1)
            .is_some_and(|d| d.starts_with("''")));
    }
}
