//! The feedback store (来件必登): every routed petition that carries a request id is kept with
//! its suggestions and model version, so that the outcome a clerk records later (the final
//! department, whether the department sent the case back, 退单) turns it into a labelled
//! history row for retraining. The petition text is stored here and nowhere else, for the
//! configured retention only.
//!
//! Embedded backend: SQLite in WAL mode. Outcomes are committed with `synchronous = FULL`
//! before they are acknowledged; routed petitions are written in batches off the request path.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A routed petition, as kept until its outcome arrives.
#[derive(Debug, Clone, PartialEq)]
pub struct Routed {
    pub request_id: String,
    /// Unix seconds.
    pub routed_at: i64,
    pub title: String,
    pub content: String,
    /// Department codes suggested, best first.
    pub suggested: Vec<String>,
    pub model_version: String,
}

/// What finally happened to a routed petition.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub request_id: String,
    /// The department (code) that finally handled it.
    pub final_department: String,
    /// The suggested department sent the case back (退单).
    pub returned: bool,
    pub note: String,
    /// Unix seconds.
    pub recorded_at: i64,
}

/// One labelled history row made from a routed petition and its outcome (JSONL fields as the
/// history readers expect them).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryRow {
    pub id: String,
    pub title: String,
    pub text: String,
    pub label: String,
    pub model_version: String,
    /// Departments suggested, best first.
    pub suggested: Vec<String>,
    /// Whether the first suggestion was the final department.
    pub top1_right: bool,
    pub returned: bool,
}

/// The routing an outcome belongs to, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
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
    pub model_version: String,
    pub department: String,
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
    #[error("feedback store URL {0:?} is not understood: use sqlite:PATH")]
    Url(String),
    #[error("feedback store {path}: {error}")]
    Database {
        path: PathBuf,
        error: rusqlite::Error,
    },
    #[error("no routed petition has request id {0:?} (never routed with this id, or past the retention period)")]
    UnknownRequest(String),
}

/// The SQLite feedback store.
pub struct Store {
    path: PathBuf,
    connection: Mutex<Connection>,
}

impl Store {
    /// Opens (creating if needed) the store at `url`, `sqlite:PATH`.
    pub fn open(url: &str) -> Result<Store, FeedbackError> {
        let path = url
            .strip_prefix("sqlite:")
            .filter(|p| !p.is_empty())
            .ok_or_else(|| FeedbackError::Url(url.to_string()))?;
        Store::open_sqlite(Path::new(path))
    }

    fn open_sqlite(path: &Path) -> Result<Store, FeedbackError> {
        let db = |error| FeedbackError::Database {
            path: path.to_path_buf(),
            error,
        };
        let connection = Connection::open(path).map_err(db)?;
        connection
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 CREATE TABLE IF NOT EXISTS routed (
                     request_id TEXT PRIMARY KEY,
                     routed_at INTEGER NOT NULL,
                     title TEXT NOT NULL,
                     content TEXT NOT NULL,
                     suggested TEXT NOT NULL,
                     model_version TEXT NOT NULL
                 );
                 CREATE INDEX IF NOT EXISTS routed_at ON routed (routed_at);
                 CREATE TABLE IF NOT EXISTS outcomes (
                     request_id TEXT PRIMARY KEY REFERENCES routed (request_id) ON DELETE CASCADE,
                     final_department TEXT NOT NULL,
                     returned INTEGER NOT NULL,
                     note TEXT NOT NULL,
                     recorded_at INTEGER NOT NULL
                 );",
            )
            .map_err(db)?;
        Ok(Store {
            path: path.to_path_buf(),
            connection: Mutex::new(connection),
        })
    }

    fn db(&self, error: rusqlite::Error) -> FeedbackError {
        FeedbackError::Database {
            path: self.path.clone(),
            error,
        }
    }

    fn connection(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions).
        self.connection.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keeps routed petitions, in one transaction; a request id routed again is replaced.
    pub fn record_routed(&self, batch: &[Routed]) -> Result<(), FeedbackError> {
        let mut c = self.connection();
        let tx = c.transaction().map_err(|e| self.db(e))?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO routed
                     (request_id, routed_at, title, content, suggested, model_version)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(|e| self.db(e))?;
            for r in batch {
                let suggested = serde_json::to_string(&r.suggested).expect("strings serialise");
                insert
                    .execute(params![
                        r.request_id,
                        r.routed_at,
                        r.title,
                        r.content,
                        suggested,
                        r.model_version
                    ])
                    .map_err(|e| self.db(e))?;
            }
        }
        tx.commit().map_err(|e| self.db(e))
    }

    /// Records an outcome, committed to disk before this returns. The petition must have been
    /// routed with the same request id and still be kept; returns how it was routed.
    pub fn record_outcome(&self, outcome: &Outcome) -> Result<Recorded, FeedbackError> {
        let c = self.connection();
        let known: Option<(String, String)> = c
            .query_row(
                "SELECT model_version, suggested FROM routed WHERE request_id = ?1",
                [&outcome.request_id],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(|e| self.db(e))?;
        let Some((model_version, suggested)) = known else {
            return Err(FeedbackError::UnknownRequest(outcome.request_id.clone()));
        };
        c.execute(
            "INSERT OR REPLACE INTO outcomes
             (request_id, final_department, returned, note, recorded_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                outcome.request_id,
                outcome.final_department,
                outcome.returned,
                outcome.note,
                outcome.recorded_at
            ],
        )
        .map_err(|e| self.db(e))?;
        Ok(Recorded {
            model_version,
            suggested: serde_json::from_str(&suggested).unwrap_or_default(),
        })
    }

    /// Online accuracy by model version and first-suggested department, from every recorded
    /// outcome still kept; `model_version` restricts it to one version.
    pub fn online_accuracy(
        &self,
        model_version: Option<&str>,
    ) -> Result<Vec<OnlineAccuracy>, FeedbackError> {
        let mut by_key: std::collections::BTreeMap<(String, String), OnlineAccuracy> =
            Default::default();
        for row in self.history()? {
            if model_version.is_some_and(|v| v != row.model_version) {
                continue;
            }
            let first = row.suggested.first().cloned().unwrap_or_default();
            let entry = by_key
                .entry((row.model_version.clone(), first.clone()))
                .or_insert_with(|| OnlineAccuracy {
                    model_version: row.model_version.clone(),
                    department: first,
                    outcomes: 0,
                    top1_right: 0,
                    top3_right: 0,
                    returned: 0,
                });
            entry.outcomes += 1;
            entry.top1_right += u64::from(row.top1_right);
            entry.top3_right += u64::from(row.suggested.iter().take(3).any(|s| *s == row.label));
            entry.returned += u64::from(row.returned);
        }
        Ok(by_key.into_values().collect())
    }

    /// Forgets routed petitions (and their outcomes) routed before `before` (Unix seconds);
    /// returns how many.
    pub fn purge_before(&self, before: i64) -> Result<usize, FeedbackError> {
        let c = self.connection();
        c.execute(
            "DELETE FROM outcomes WHERE request_id IN
             (SELECT request_id FROM routed WHERE routed_at < ?1)",
            [before],
        )
        .map_err(|e| self.db(e))?;
        c.execute("DELETE FROM routed WHERE routed_at < ?1", [before])
            .map_err(|e| self.db(e))
    }

    /// Every routed petition with an outcome, as labelled history, oldest first.
    pub fn history(&self) -> Result<Vec<HistoryRow>, FeedbackError> {
        let c = self.connection();
        let mut query = c
            .prepare(
                "SELECT r.request_id, r.title, r.content, o.final_department, r.model_version,
                        r.suggested, o.returned
                 FROM routed r JOIN outcomes o ON o.request_id = r.request_id
                 ORDER BY r.routed_at, r.request_id",
            )
            .map_err(|e| self.db(e))?;
        let rows = query
            .query_map([], |row| {
                let suggested: String = row.get(5)?;
                let label: String = row.get(3)?;
                let suggested: Vec<String> = serde_json::from_str(&suggested).unwrap_or_default();
                Ok(HistoryRow {
                    id: row.get(0)?,
                    title: row.get(1)?,
                    text: row.get(2)?,
                    top1_right: suggested.first() == Some(&label),
                    label,
                    model_version: row.get(4)?,
                    suggested,
                    returned: row.get(6)?,
                })
            })
            .map_err(|e| self.db(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.db(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routed(id: &str, at: i64, suggested: &[&str]) -> Routed {
        Routed {
            request_id: id.into(),
            routed_at: at,
            title: String::new(),
            content: format!("petition {id}"),
            suggested: suggested.iter().map(|s| s.to_string()).collect(),
            model_version: "m1".into(),
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
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("feedback.db").display());
        {
            let store = Store::open(&url).unwrap();
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
            store.record_outcome(&returned).unwrap();
        }
        let store = Store::open(&url).unwrap();
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
            ]
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
    }

    #[test]
    fn unknown_requests_and_bad_urls_are_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite:{}", dir.path().join("f.db").display())).unwrap();
        let e = store
            .record_outcome(&outcome("nope", "labour"))
            .unwrap_err();
        assert!(matches!(e, FeedbackError::UnknownRequest(_)));
        assert!(e.to_string().contains("\"nope\""), "{e}");
        let e = Store::open("postgres://somewhere")
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("sqlite:PATH"), "{e}");
    }

    #[test]
    fn retention_forgets_old_petitions_with_their_outcomes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite:{}", dir.path().join("f.db").display())).unwrap();
        store
            .record_routed(&[routed("old", 10, &["x"]), routed("new", 50, &["y"])])
            .unwrap();
        store.record_outcome(&outcome("old", "x")).unwrap();
        store.record_outcome(&outcome("new", "y")).unwrap();
        assert_eq!(store.purge_before(20).unwrap(), 1);
        let ids: Vec<String> = store.history().unwrap().into_iter().map(|r| r.id).collect();
        assert_eq!(ids, ["new"]);
    }
}
