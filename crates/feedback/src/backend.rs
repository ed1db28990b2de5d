//! The two databases behind the store, behind one small interface: SQLite embedded (WAL,
//! synchronous = FULL) and PostgreSQL for several replicas (also what PostgreSQL-compatible
//! government databases speak). The SQL is written once, in the dialect both accept
//! (`$1` parameters in order, `ON CONFLICT … DO UPDATE`, BIGINT and TEXT columns).

/// A parameter or column value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Text(String),
    Int(i64),
}

impl Value {
    pub(crate) fn text(&self) -> String {
        match self {
            Value::Text(s) => s.clone(),
            Value::Int(i) => i.to_string(),
        }
    }

    pub(crate) fn int(&self) -> i64 {
        match self {
            Value::Int(i) => *i,
            Value::Text(s) => s.parse().unwrap_or(0),
        }
    }
}

/// An error of either database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// From the embedded SQLite store.
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// From the PostgreSQL server.
    #[error(transparent)]
    Postgres(#[from] postgres::Error),
}

pub(crate) enum Backend {
    Sqlite(rusqlite::Connection),
    Postgres(postgres::Client),
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS routed (
        request_id TEXT PRIMARY KEY,
        routed_at BIGINT NOT NULL,
        title TEXT NOT NULL,
        content TEXT NOT NULL,
        suggested TEXT NOT NULL,
        model_version TEXT NOT NULL,
        region TEXT NOT NULL DEFAULT '',
        petitioner_key TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX IF NOT EXISTS routed_at ON routed (routed_at);
    CREATE TABLE IF NOT EXISTS outcomes (
        request_id TEXT PRIMARY KEY,
        final_department TEXT NOT NULL,
        returned BIGINT NOT NULL,
        note TEXT NOT NULL,
        recorded_at BIGINT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS outcomes_recorded_at ON outcomes (recorded_at);";

/// Outcomes may arrive for petitions this store never kept (routed by another replica, or
/// before their routing is committed): stores made when outcomes had to reference a routed
/// petition drop that constraint. SQLite enforces it only under `PRAGMA foreign_keys`, which
/// is no longer set.
///
/// Stores made before routings kept the region hint (the intake desk's district) or the
/// caller's petitioner key gain those columns ([`ADDED_COLUMNS`]), empty for the petitions
/// they already keep.
const POSTGRES_MIGRATION: &str =
    "ALTER TABLE outcomes DROP CONSTRAINT IF EXISTS outcomes_request_id_fkey;
     ALTER TABLE routed ADD COLUMN IF NOT EXISTS region TEXT NOT NULL DEFAULT '';
     ALTER TABLE routed ADD COLUMN IF NOT EXISTS petitioner_key TEXT NOT NULL DEFAULT '';";

/// Columns of `routed` added after the first stores were made, oldest first.
const ADDED_COLUMNS: [&str; 2] = ["region", "petitioner_key"];

/// The [`ADDED_COLUMNS`] for SQLite stores made before them (SQLite has no `ADD COLUMN IF
/// NOT EXISTS`): checked and added in one write transaction, so that two processes opening
/// the same old store do not both add them.
fn sqlite_migrate(c: &mut rusqlite::Connection) -> rusqlite::Result<()> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let present: Vec<String> = {
        let mut columns = tx.prepare("SELECT name FROM pragma_table_info('routed')")?;
        let names = columns.query_map([], |row| row.get::<_, String>(0))?;
        names.collect::<rusqlite::Result<_>>()?
    };
    for column in ADDED_COLUMNS {
        if !present.iter().any(|p| p == column) {
            tx.execute_batch(&format!(
                "ALTER TABLE routed ADD COLUMN {column} TEXT NOT NULL DEFAULT ''"
            ))?;
        }
    }
    tx.commit()
}

impl Backend {
    pub(crate) fn sqlite(path: &std::path::Path) -> Result<Backend, DbError> {
        let mut c = rusqlite::Connection::open(path)?;
        c.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; {SCHEMA}"
        ))?;
        sqlite_migrate(&mut c)?;
        Ok(Backend::Sqlite(c))
    }

    /// Blocking; call it off async workers (the client runs its own small runtime).
    pub(crate) fn postgres(url: &str) -> Result<Backend, DbError> {
        let mut c = postgres::Client::connect(url, postgres::NoTls)?;
        c.batch_execute(SCHEMA)?;
        c.batch_execute(POSTGRES_MIGRATION)?;
        Ok(Backend::Postgres(c))
    }

    /// Connects to PostgreSQL at `url` again when the connection was closed (the server
    /// restarted or ended it); SQLite needs no connection.
    pub(crate) fn reconnect(&mut self, url: &str) -> Result<(), DbError> {
        if matches!(self, Backend::Postgres(c) if c.is_closed()) {
            *self = Backend::postgres(url)?;
        }
        Ok(())
    }

    /// Runs `sql` once per parameter row, all in one transaction.
    pub(crate) fn execute_all(&mut self, sql: &str, rows: &[Vec<Value>]) -> Result<u64, DbError> {
        let mut changed = 0u64;
        match self {
            Backend::Sqlite(c) => {
                let tx = c.transaction()?;
                {
                    let mut statement = tx.prepare_cached(sql)?;
                    for row in rows {
                        let params: Vec<&dyn rusqlite::ToSql> =
                            row.iter().map(sqlite_param).collect();
                        changed += statement.execute(params.as_slice())? as u64;
                    }
                }
                tx.commit()?;
            }
            Backend::Postgres(c) => {
                let mut tx = c.transaction()?;
                let statement = tx.prepare(sql)?;
                for row in rows {
                    let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
                        row.iter().map(postgres_param).collect();
                    changed += tx.execute(&statement, params.as_slice())?;
                }
                tx.commit()?;
            }
        }
        Ok(changed)
    }

    /// Rows of a query, each column as text or integer as declared.
    pub(crate) fn query(
        &mut self,
        sql: &str,
        params: &[Value],
        columns: &[Kind],
    ) -> Result<Vec<Vec<Value>>, DbError> {
        match self {
            Backend::Sqlite(c) => {
                let mut statement = c.prepare_cached(sql)?;
                let params: Vec<&dyn rusqlite::ToSql> = params.iter().map(sqlite_param).collect();
                let rows = statement.query_map(params.as_slice(), |row| {
                    columns
                        .iter()
                        .enumerate()
                        .map(|(i, kind)| match kind {
                            Kind::Text => row.get::<_, String>(i).map(Value::Text),
                            Kind::Int => row.get::<_, i64>(i).map(Value::Int),
                        })
                        .collect::<Result<Vec<Value>, _>>()
                })?;
                Ok(rows.collect::<Result<_, _>>()?)
            }
            Backend::Postgres(c) => {
                let params: Vec<&(dyn postgres::types::ToSql + Sync)> =
                    params.iter().map(postgres_param).collect();
                let rows = c.query(sql, params.as_slice())?;
                rows.iter()
                    .map(|row| {
                        columns
                            .iter()
                            .enumerate()
                            .map(|(i, kind)| match kind {
                                Kind::Text => row.try_get::<_, String>(i).map(Value::Text),
                                Kind::Int => row.try_get::<_, i64>(i).map(Value::Int),
                            })
                            .collect::<Result<Vec<Value>, _>>()
                            .map_err(DbError::from)
                    })
                    .collect()
            }
        }
    }
}

/// How to read a result column.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Text,
    Int,
}

fn sqlite_param(v: &Value) -> &dyn rusqlite::ToSql {
    match v {
        Value::Text(s) => s,
        Value::Int(i) => i,
    }
}

fn postgres_param(v: &Value) -> &(dyn postgres::types::ToSql + Sync) {
    match v {
        Value::Text(s) => s,
        Value::Int(i) => i,
    }
}
