//! The history table, `remodel_migrations` (DESIGN §5): one row per applied
//! (or, on MySQL, failed part-way) migration, ordered by `id`.

use crate::naming::UtcTime;
use remodel_dialect::{Database, DbError, Dialect, Value};
use remodel_differ::Op;
use remodel_model::{ColumnDefault, ColumnType, Constraint, Field, Literal, Schema, Table};

/// The history table's name.
pub const TABLE: &str = "remodel_migrations";

pub mod objects;
pub use objects::OBJECTS_TABLE;

/// Whether a recorded migration finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    /// Applied completely.
    Applied,
    /// Failed part-way (MySQL, where DDL commits as it goes).
    Failed,
}

/// One row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    /// Order of application.
    pub id: i64,
    /// App label.
    pub app: String,
    /// Migration name.
    pub name: String,
    /// Checksum of the file when it was applied.
    pub checksum: String,
    /// When (UTC, ISO 8601).
    pub applied_at: String,
    /// Applied or failed.
    pub state: RowState,
    /// Statements completed (for a failed row).
    pub progress: i64,
}

impl HistoryRow {
    /// `app.name`.
    pub fn key(&self) -> String {
        format!("{}.{}", self.app, self.name)
    }
}

/// The history table as a model, so each dialect renders it like any other table.
pub fn history_table() -> Table {
    let mut t = Table::new("remodel", "RemodelMigration");
    t.db_table = Some(TABLE.into());
    let mut id = Field::new("id", ColumnType::BigInt);
    id.primary_key = true;
    id.auto = remodel_model::Auto::Yes;
    let mut progress = Field::new("progress", ColumnType::Integer);
    progress.default = Some(ColumnDefault::Value(Literal::Int(0)));
    t.fields = vec![
        id,
        Field::new("app", ColumnType::Varchar(255)),
        Field::new("name", ColumnType::Varchar(255)),
        Field::new("checksum", ColumnType::Varchar(64)),
        Field::new("applied_at", ColumnType::Varchar(32)),
        Field::new("state", ColumnType::Varchar(16)),
        progress,
    ];
    t.constraints.push(Constraint::Unique {
        name: None,
        fields: vec!["app".into(), "name".into()],
    });
    t
}

/// The statements that create the history table on `dialect`.
pub fn create_sql(dialect: &dyn Dialect) -> Result<Vec<String>, DbError> {
    table_sql(dialect, history_table())
}

/// The statements that create one of remodel's own tables on `dialect`.
pub(crate) fn table_sql(dialect: &dyn Dialect, table: Table) -> Result<Vec<String>, DbError> {
    let mut after = Schema::default();
    after.insert(table.clone());
    let statements = dialect
        .render(&Op::CreateModel { table }, &Schema::default(), &after)
        .map_err(|e| DbError::Statement(e.0))?;
    Ok(statements.into_iter().map(|s| s.sql).collect())
}

/// The statement that records (`applied`) or forgets a migration, with its
/// values written out: for scripts applied by hand (`migrate --plan --sql`).
pub fn record_sql(
    dialect: &dyn Dialect,
    app: &str,
    name: &str,
    checksum: &str,
    applied: bool,
) -> String {
    let q = |s: &str| dialect.quote(s);
    let text = |s: &str| format!("'{}'", s.replace('\'', "''"));
    if applied {
        format!(
            "INSERT INTO {} ({}, {}, {}, {}, {}, {}) VALUES ({}, {}, {}, {}, 'applied', 0)",
            q(TABLE),
            q("app"),
            q("name"),
            q("checksum"),
            q("applied_at"),
            q("state"),
            q("progress"),
            text(app),
            text(name),
            text(checksum),
            dialect.now_iso_sql()
        )
    } else {
        format!(
            "DELETE FROM {} WHERE {} = {} AND {} = {}",
            q(TABLE),
            q("app"),
            text(app),
            q("name"),
            text(name)
        )
    }
}

/// Creates the history table if it does not exist.
pub async fn ensure_table(db: &mut dyn Database) -> Result<(), DbError> {
    if db.table_exists(TABLE).await? {
        return Ok(());
    }
    for sql in create_sql(db.dialect())? {
        if let Err(e) = db.execute(&sql, &[]).await {
            // Another process may have created it meanwhile.
            if db.table_exists(TABLE).await? {
                return Ok(());
            }
            return Err(e);
        }
    }
    Ok(())
}

/// Whether a migration has a row (applied or failed); the table exists.
/// One indexed lookup, so the runner's check before each migration does not
/// grow with the history.
pub async fn has_row(db: &mut dyn Database, app: &str, name: &str) -> Result<bool, DbError> {
    let d = db.dialect();
    let sql = format!(
        "SELECT 1 FROM {} WHERE {} = {} AND {} = {}",
        d.quote(TABLE),
        d.quote("app"),
        d.placeholder(1),
        d.quote("name"),
        d.placeholder(2)
    );
    let rows = db
        .query(&sql, &[Value::Text(app.into()), Value::Text(name.into())])
        .await?;
    Ok(!rows.is_empty())
}

/// Every row, in `id` order; none when the table does not exist.
pub async fn read(db: &mut dyn Database) -> Result<Vec<HistoryRow>, DbError> {
    if !db.table_exists(TABLE).await? {
        return Ok(Vec::new());
    }
    let d = db.dialect();
    let q = |s: &str| d.quote(s);
    let sql = format!(
        "SELECT {}, {}, {}, {}, {}, {}, {} FROM {} ORDER BY {}",
        q("id"),
        q("app"),
        q("name"),
        q("checksum"),
        q("applied_at"),
        q("state"),
        q("progress"),
        q(TABLE),
        q("id")
    );
    let rows = db.query(&sql, &[]).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let text = |i: usize| {
                r.get(i)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            HistoryRow {
                id: r.first().and_then(Value::as_i64).unwrap_or(0),
                app: text(1),
                name: text(2),
                checksum: text(3),
                applied_at: text(4),
                state: if text(5) == "failed" {
                    RowState::Failed
                } else {
                    RowState::Applied
                },
                progress: r.get(6).and_then(Value::as_i64).unwrap_or(0),
            }
        })
        .collect())
}

/// `UPDATE` the row of `app.name`, setting each column to its value.
async fn update_row(
    db: &mut dyn Database,
    app: &str,
    name: &str,
    set: Vec<(&str, Value)>,
) -> Result<(), DbError> {
    let d = db.dialect();
    let assignments: Vec<String> = set
        .iter()
        .enumerate()
        .map(|(i, (column, _))| format!("{} = {}", d.quote(column), d.placeholder(i + 1)))
        .collect();
    let sql = format!(
        "UPDATE {} SET {} WHERE {} = {} AND {} = {}",
        d.quote(TABLE),
        assignments.join(", "),
        d.quote("app"),
        d.placeholder(set.len() + 1),
        d.quote("name"),
        d.placeholder(set.len() + 2),
    );
    let mut params: Vec<Value> = set.into_iter().map(|(_, v)| v).collect();
    params.push(Value::Text(app.into()));
    params.push(Value::Text(name.into()));
    db.execute(&sql, &params).await.map(|_| ())
}

/// `INSERT` the row of `app.name`, applied now.
async fn insert_row(
    db: &mut dyn Database,
    app: &str,
    name: &str,
    checksum: &str,
    state: &str,
    progress: i64,
) -> Result<(), DbError> {
    let d = db.dialect();
    let columns = ["app", "name", "checksum", "applied_at", "state", "progress"];
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        d.quote(TABLE),
        columns.map(|c| d.quote(c)).join(", "),
        (1..=columns.len())
            .map(|i| d.placeholder(i))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let params = [
        Value::Text(app.into()),
        Value::Text(name.into()),
        Value::Text(checksum.into()),
        Value::Text(UtcTime::now().iso()),
        Value::Text(state.into()),
        Value::Int(progress),
    ];
    db.execute(&sql, &params).await.map(|_| ())
}

/// Marks a migration as in progress outside a transaction: `failed` with
/// the number of the statement about to run (negative while unapplying), so
/// a crash leaves a row that says so. Inserts the row when `insert`, else
/// updates it.
pub async fn set_failed(
    db: &mut dyn Database,
    app: &str,
    name: &str,
    checksum: &str,
    progress: i64,
    insert: bool,
) -> Result<(), DbError> {
    if insert {
        insert_row(db, app, name, checksum, "failed", progress).await
    } else {
        let set = vec![
            ("state", Value::Text("failed".into())),
            ("progress", Value::Int(progress)),
        ];
        update_row(db, app, name, set).await
    }
}

/// Marks a recorded migration as applied (after a run outside a
/// transaction, or `migrate --resolve … --applied`).
pub async fn set_applied(
    db: &mut dyn Database,
    app: &str,
    name: &str,
    checksum: &str,
) -> Result<(), DbError> {
    let set = vec![
        ("state", Value::Text("applied".into())),
        ("progress", Value::Int(0)),
        ("checksum", Value::Text(checksum.into())),
    ];
    update_row(db, app, name, set).await
}

/// Stores a new checksum for an applied migration (`--accept-changed`).
pub async fn set_checksum(
    db: &mut dyn Database,
    app: &str,
    name: &str,
    checksum: &str,
) -> Result<(), DbError> {
    update_row(
        db,
        app,
        name,
        vec![("checksum", Value::Text(checksum.into()))],
    )
    .await
}

/// Records a migration as applied.
pub async fn record_applied(
    db: &mut dyn Database,
    app: &str,
    name: &str,
    checksum: &str,
) -> Result<(), DbError> {
    insert_row(db, app, name, checksum, "applied", 0).await
}

/// Forgets a migration (unapplied).
pub async fn remove(db: &mut dyn Database, app: &str, name: &str) -> Result<(), DbError> {
    delete_rows(db, TABLE, app, name).await
}

/// Deletes the rows of migration `app.name` from one of remodel's tables.
pub(crate) async fn delete_rows(
    db: &mut dyn Database,
    table: &str,
    app: &str,
    name: &str,
) -> Result<(), DbError> {
    let d = db.dialect();
    let sql = format!(
        "DELETE FROM {} WHERE {} = {} AND {} = {}",
        d.quote(table),
        d.quote("app"),
        d.placeholder(1),
        d.quote("name"),
        d.placeholder(2)
    );
    db.execute(&sql, &[Value::Text(app.into()), Value::Text(name.into())])
        .await
        .map(|_| ())
}
