//! The runner: renders a plan's SQL (all of it, before touching the
//! database), then applies or unapplies each migration in one transaction
//! with its history row, re-reading the history inside the lock.

use crate::graph::{Graph, Migration};
use crate::history;
use crate::plan::{Direction, Step};
use remodel_dialect::{Database, DbError, Dialect, Statement};
use remodel_differ::{Description, Op};
use remodel_model::{Schema, Table};
use std::path::PathBuf;

/// One operation with its SQL.
#[derive(Debug, Clone)]
pub struct PreparedOp {
    /// 1-based position in the migration file.
    pub number: usize,
    /// The operation.
    pub op: Op,
    /// Its one-line description.
    pub description: Description,
    /// Whether what runs drops data: the operation's own mark forward;
    /// unapplying, whether its inverse drops any (undoing an AddField drops
    /// the column).
    pub drops_data: bool,
    /// The table whose data it drops, as named before it runs.
    pub table: Option<String>,
    /// Unapplying, it cannot be undone (RunSql without `reverse_sql`).
    pub irreversible: bool,
    /// What runs (the reverse when unapplying).
    pub statements: Vec<Statement>,
    /// What undoes `statements`, for databases whose DDL is not transactional;
    /// an error when the operation cannot be undone (RunSql without reverse).
    pub undo: Result<Vec<Statement>, String>,
}

/// One migration of a plan, rendered.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// Apply or unapply, and which.
    pub step: Step,
    /// `app.name`.
    pub key: String,
    /// The app.
    pub app: String,
    /// The name.
    pub name: String,
    /// Its file.
    pub path: PathBuf,
    /// Its checksum.
    pub checksum: String,
    /// The migrations it replaces (a squash), `app.name`.
    pub replaces: Vec<String>,
    /// The checksum to record for each of them: its own file's while it
    /// exists (so its row stays true to it), else the squash's.
    pub replaced_checksums: Vec<String>,
    /// Runs in one transaction.
    pub atomic: bool,
    /// Recorded without running its SQL (`--fake`, or `--fake-initial` when
    /// its tables already exist).
    pub fake: bool,
    /// Its operations, in the order they run.
    pub ops: Vec<PreparedOp>,
}

/// Where a run failed, with everything the user needs to act (boxed: it
/// travels up through every result of the runner).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.0.render())]
pub struct RunError(pub Box<RunErrorInfo>);

impl std::ops::Deref for RunError {
    type Target = RunErrorInfo;
    fn deref(&self) -> &RunErrorInfo {
        &self.0
    }
}

impl From<RunErrorInfo> for RunError {
    fn from(info: RunErrorInfo) -> RunError {
        RunError(Box::new(info))
    }
}

/// The details of a [`RunError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunErrorInfo {
    /// `app.name`, when one migration is concerned.
    pub migration: Option<String>,
    /// Its file.
    pub path: Option<PathBuf>,
    /// The operation: number, and description.
    pub operation: Option<(usize, String)>,
    /// The statement that failed.
    pub sql: Option<String>,
    /// What the database or renderer said.
    pub message: String,
    /// Whether anything was left behind (never on SQLite: everything rolled back).
    pub rolled_back: bool,
    /// The failure happened while unapplying.
    pub unapplying: bool,
}

impl RunErrorInfo {
    fn render(&self) -> String {
        let mut out = String::new();
        if let Some(m) = &self.migration {
            let verb = if self.unapplying {
                "unapplying"
            } else {
                "applying"
            };
            out.push_str(&format!("while {verb} {m}"));
            if let Some(p) = &self.path {
                out.push_str(&format!(" ({})", p.display()));
            }
            if let Some((n, d)) = &self.operation {
                out.push_str(&format!(", operation {n} ({d})"));
            }
            out.push_str(": ");
        }
        out.push_str(&self.message);
        if let Some(sql) = &self.sql {
            out.push_str(&format!("\n  statement: {sql}"));
        }
        if self.rolled_back {
            out.push_str("\n  the migration was rolled back: the database is as it was before it");
        }
        out
    }
}

impl RunError {
    /// A database error outside any transaction: nothing was rolled back.
    fn outside(m: &Prepared, e: DbError) -> RunError {
        let mut error = RunError::database(m, e);
        error.0.rolled_back = false;
        error
    }

    fn database(m: &Prepared, e: DbError) -> RunError {
        RunErrorInfo {
            migration: Some(m.key.clone()),
            path: Some(m.path.clone()),
            operation: None,
            sql: None,
            message: e.to_string(),
            rolled_back: m.atomic,
            unapplying: m.step.direction == Direction::Backward,
        }
        .into()
    }
}

/// Renders every step of a plan. Nothing touches the database here, so a
/// migration that cannot be rendered stops the run before it starts.
pub fn prepare(
    graph: &Graph,
    steps: &[Step],
    dialect: &dyn Dialect,
) -> Result<Vec<Prepared>, RunError> {
    prepare_with(graph, steps, dialect, true)
}

/// A plan described but not rendered (`migrate --plan`): what cannot be
/// unapplied is marked instead of refused.
pub fn describe(
    graph: &Graph,
    steps: &[Step],
    dialect: &dyn Dialect,
) -> Result<Vec<Prepared>, RunError> {
    prepare_with(graph, steps, dialect, false)
}

/// A plan that only records (`--fake`): described, marked fake, nothing
/// rendered — so a migration that cannot be unapplied can still be recorded
/// as unapplied.
pub fn prepare_fake(
    graph: &Graph,
    steps: &[Step],
    dialect: &dyn Dialect,
) -> Result<Vec<Prepared>, RunError> {
    let mut prepared = prepare_with(graph, steps, dialect, false)?;
    prepared.iter_mut().for_each(|p| p.fake = true);
    Ok(prepared)
}

fn prepare_with(
    graph: &Graph,
    steps: &[Step],
    dialect: &dyn Dialect,
    render: bool,
) -> Result<Vec<Prepared>, RunError> {
    let Some(max) = steps.iter().map(|s| s.index).max() else {
        return Ok(Vec::new());
    };
    // The positions in `steps` of each migration's steps.
    let mut wanted: Vec<Vec<usize>> = vec![Vec::new(); max + 1];
    for (position, step) in steps.iter().enumerate() {
        wanted[step.index].push(position);
    }
    // One replay of the history, in graph order, preparing each step from
    // the state it reaches: no state is kept per migration or per operation.
    let mut results: Vec<Option<Result<Prepared, RunError>>> =
        std::iter::repeat_with(|| None).take(steps.len()).collect();
    // The first step (in plan order) that failed: what follows it is not
    // needed, since the plan stops there.
    let mut first_failure = usize::MAX;
    let mut states = States::default();
    for (i, m) in graph.migrations.iter().enumerate().take(max + 1) {
        let mut advanced = false;
        for (k, &position) in wanted[i].iter().enumerate() {
            if position > first_failure {
                continue;
            }
            let result = if k == 0 {
                advanced = true;
                prepare_one(m, steps[position], &mut states, dialect, render)
            } else {
                // A migration planned twice: its second step starts from
                // nothing (as it always has).
                prepare_one(m, steps[position], &mut States::default(), dialect, render)
            };
            let result = result.map(|mut p| {
                p.replaced_checksums = p
                    .replaces
                    .iter()
                    .map(|k| graph.checksum_of(k).unwrap_or(&p.checksum).to_string())
                    .collect();
                p
            });
            if result.is_err() {
                first_failure = first_failure.min(position);
            }
            results[position] = Some(result);
        }
        if !advanced {
            states.apply(m.file.ops());
        }
    }
    let mut prepared = Vec::with_capacity(steps.len());
    for result in results {
        prepared.push(result.expect("every step up to the first failure is prepared")?);
    }
    Ok(prepared)
}

/// The states before and after the operation being prepared: two copies of
/// one replayed state, equal between operations. An operation is applied to
/// `after`, rendered from `before` to `after`, then applied to `before`, so
/// its rendering sees both without the whole state being cloned for it.
#[derive(Default)]
struct States {
    before: Schema,
    after: Schema,
}

impl States {
    /// Applies operations to both (as a replay does, ignoring what fails:
    /// the same failure leaves both states the same).
    fn apply(&mut self, ops: &[Op]) {
        for op in ops {
            let _ = op.apply_to(&mut self.before);
            let _ = op.apply_to(&mut self.after);
        }
    }
}

/// An inverse operation as a migration of this atomicity builds it: an index
/// marked `concurrently` that unapplying its removal recreates is built
/// plainly inside a transaction, where CONCURRENTLY cannot run. (Applying,
/// the user's `concurrently` is kept, and refused in an atomic migration.)
fn built_for(op: &Op, atomic: bool) -> std::borrow::Cow<'_, Op> {
    match op {
        Op::AddIndex { model, index } if atomic && index.concurrently => {
            let mut index = index.clone();
            index.concurrently = false;
            std::borrow::Cow::Owned(Op::AddIndex {
                model: model.clone(),
                index,
            })
        }
        _ => std::borrow::Cow::Borrowed(op),
    }
}

/// A state as an atomic migration's inverse operations build it: no index
/// `concurrently` (see [`built_for`]).
fn built_in(mut state: Schema, atomic: bool) -> Schema {
    if atomic {
        for t in state.tables.values_mut() {
            t.indexes.iter_mut().for_each(|ix| ix.concurrently = false);
        }
    }
    state
}

/// The keys of the tables applying `op` can change (insert, replace or
/// remove); `None` when it can change any table (a rename is followed into
/// the foreign keys of other tables). Exhaustive on purpose: a new operation
/// must say what it touches.
fn touched(op: &Op) -> Option<Vec<String>> {
    match op {
        Op::CreateModel { table } => Some(vec![table.key()]),
        Op::DeleteModel { model }
        | Op::AlterModelTable { model, .. }
        | Op::AlterModelComment { model, .. }
        | Op::AlterPrimaryKeyName { model, .. }
        | Op::AlterModelCharset { model, .. }
        | Op::AddField { model, .. }
        | Op::RemoveField { model, .. }
        | Op::AlterField { model, .. }
        | Op::AddIndex { model, .. }
        | Op::RemoveIndex { model, .. }
        | Op::RenameIndex { model, .. }
        | Op::AddConstraint { model, .. }
        | Op::RemoveConstraint { model, .. } => Some(vec![model.clone()]),
        Op::RunSql { .. } => Some(Vec::new()),
        // The enums are not tables: worked on a copy of the whole state.
        Op::RenameModel { .. }
        | Op::RenameField { .. }
        | Op::CreateEnum { .. }
        | Op::DeleteEnum { .. } => None,
    }
}

/// The SQL of an operation's inverse (`inverse`), run from the state after
/// the operation: both `states` hold that state, and hold it again on return.
/// Only the tables the inverse touches are copied (and put back); an inverse
/// that may touch any table works on a copy of the whole state.
fn render_inverse(
    inverse: &[Op],
    states: &mut States,
    dialect: &dyn Dialect,
    atomic: bool,
) -> Result<Vec<Statement>, String> {
    let inverse: Vec<std::borrow::Cow<'_, Op>> =
        inverse.iter().map(|inv| built_for(inv, atomic)).collect();
    let mut keys = Vec::new();
    for inv in &inverse {
        match touched(inv) {
            Some(k) => keys.extend(k),
            None => return render_inverse_copied(&inverse, &states.after, dialect, atomic),
        }
    }
    #[cfg(debug_assertions)]
    let expected = states.after.clone();
    let saved: Vec<(String, Option<Table>)> = keys
        .into_iter()
        .map(|k| {
            let t = states.after.tables.get(&k).cloned();
            (k, t)
        })
        .collect();
    // The indexes `built_in` would build plainly, to be marked again after.
    let mut concurrent: Vec<(String, usize)> = Vec::new();
    if atomic {
        for (k, t) in &states.after.tables {
            for (n, ix) in t.indexes.iter().enumerate() {
                if ix.concurrently {
                    concurrent.push((k.clone(), n));
                }
            }
        }
        for (k, n) in &concurrent {
            for s in [&mut states.before, &mut states.after] {
                if let Some(ix) = s.tables.get_mut(k).and_then(|t| t.indexes.get_mut(*n)) {
                    ix.concurrently = false;
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut result = Ok(());
    for inv in &inverse {
        // `before` is the state before this inverse operation, `after` after it.
        if let Err(e) = inv.apply_to(&mut states.after) {
            result = Err(e.0);
            break;
        }
        match dialect.render(inv, &states.before, &states.after) {
            Ok(statements) => out.extend(statements),
            Err(e) => {
                result = Err(e.0);
                break;
            }
        }
        let _ = inv.apply_to(&mut states.before);
    }
    // Put both states back.
    for (k, t) in saved {
        match t {
            Some(t) => {
                states.before.tables.insert(k.clone(), t.clone());
                states.after.tables.insert(k, t);
            }
            None => {
                states.before.tables.remove(&k);
                states.after.tables.remove(&k);
            }
        }
    }
    for (k, n) in &concurrent {
        for s in [&mut states.before, &mut states.after] {
            if let Some(ix) = s.tables.get_mut(k).and_then(|t| t.indexes.get_mut(*n)) {
                ix.concurrently = true;
            }
        }
    }
    #[cfg(debug_assertions)]
    debug_assert!(
        states.before == expected && states.after == expected,
        "rendering an inverse changed tables it does not touch: {inverse:?}"
    );
    result.map(|()| out)
}

/// [`render_inverse`] on a copy of the whole state `after`.
fn render_inverse_copied(
    inverse: &[std::borrow::Cow<'_, Op>],
    after: &Schema,
    dialect: &dyn Dialect,
    atomic: bool,
) -> Result<Vec<Statement>, String> {
    let mut out = Vec::new();
    let mut s = built_in(after.clone(), atomic);
    for inv in inverse {
        let mut next = s.clone();
        inv.apply_to(&mut next).map_err(|e| e.0)?;
        out.extend(dialect.render(inv, &s, &next).map_err(|e| e.0)?);
        s = next;
    }
    Ok(out)
}

/// Prepares migration `m` from `states` (both at the state before it); on
/// return, failed or not, both are at the state after it.
fn prepare_one(
    m: &Migration,
    step: Step,
    states: &mut States,
    dialect: &dyn Dialect,
    render: bool,
) -> Result<Prepared, RunError> {
    let mut ops = Vec::with_capacity(m.file.ops().len());
    let mut failure = None;
    for (i, op) in m.file.ops().iter().enumerate() {
        if failure.is_some() {
            states.apply(std::slice::from_ref(op));
            continue;
        }
        match prepare_op(m, step, i + 1, op, states, dialect, render) {
            Ok(p) => ops.push(p),
            Err(e) => failure = Some(e),
        }
    }
    if let Some(e) = failure {
        return Err(e);
    }
    if step.direction == Direction::Backward {
        ops.reverse();
    }
    Ok(Prepared {
        step,
        key: m.key(),
        app: m.app.clone(),
        name: m.name.clone(),
        path: m.path.clone(),
        checksum: m.checksum.clone(),
        replaces: m.file.replaces.clone(),
        replaced_checksums: Vec::new(),
        atomic: m.file.atomic,
        fake: false,
        ops,
    })
}

/// Prepares operation `number` of `m` from `states` (both at the state
/// before it); on return, failed or not, both are at the state after it.
fn prepare_op(
    m: &Migration,
    step: Step,
    number: usize,
    op: &Op,
    states: &mut States,
    dialect: &dyn Dialect,
    render: bool,
) -> Result<PreparedOp, RunError> {
    let atomic = m.file.atomic;
    let backward = step.direction == Direction::Backward;
    let description = op.describe(&states.before);
    let inverse = (render || backward).then(|| {
        op.inverse(&states.before).map_err(|e| match e {
            remodel_differ::InverseError::Irreversible => e.to_string(),
            other => format!("{other}; it cannot be unapplied"),
        })
    });
    let _ = op.apply_to(&mut states.after);
    let (b, a) = (&states.before, &states.after);
    let table = op
        .model_key()
        .and_then(|k| b.table(&k).or_else(|| a.table(&k)).map(|t| t.table_name()));
    let forward_sql = render.then(|| dialect.render(op, b, a).map_err(|e| e.0));
    let _ = op.apply_to(&mut states.before);
    let backward_sql = match (&inverse, render) {
        (Some(Ok(inverse)), true) => Some(render_inverse(inverse, states, dialect, atomic)),
        (Some(Err(e)), true) => Some(Err(e.clone())),
        _ => None,
    };
    let (statements, undo) = if backward {
        (backward_sql, forward_sql)
    } else {
        (forward_sql, backward_sql)
    };
    let fail = |message: String| -> RunError {
        RunErrorInfo {
            migration: Some(m.key()),
            path: Some(m.path.clone()),
            operation: Some((number, description.text.clone())),
            sql: None,
            message,
            rolled_back: false,
            unapplying: backward,
        }
        .into()
    };
    let statements = statements.unwrap_or(Ok(Vec::new())).map_err(&fail)?;
    if atomic
        && let Some(s) = statements
            .iter()
            .find(|s| s.guard.is_none() && dialect.needs_autocommit(&s.sql))
    {
        return Err(fail(format!(
            "`{}` cannot run inside a transaction; put it in a migration of its own with `atomic = false` at the top of the file",
            s.sql
        )));
    }
    // remodel owns each migration's transaction (and its history row):
    // RunSql that ends or starts one would break that promise.
    if matches!(op, Op::RunSql { .. })
        && let Some((s, keyword)) = statements.iter().find_map(|s| {
            remodel_dialect::split::transaction_control(&s.sql, dialect.kind()).map(|k| (s, k))
        })
    {
        return Err(fail(format!(
            "`{}`: RunSql may not control transactions ({keyword}); remodel runs each migration in a transaction of its own with its history row — remove it, or split the work into migrations (`atomic = false` runs statement by statement)",
            s.sql
        )));
    }
    let (drops_data, irreversible) = match &inverse {
        Some(inverse) if backward => (
            inverse
                .as_ref()
                .map(|inv| inv.iter().any(Op::is_destructive))
                .unwrap_or(false),
            inverse.is_err(),
        ),
        _ => (description.destructive, false),
    };
    Ok(PreparedOp {
        number,
        op: op.clone(),
        description,
        drops_data,
        table,
        irreversible,
        statements,
        undo: undo.unwrap_or(Ok(Vec::new())),
    })
}

/// What happened to one migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Applied or unapplied.
    Done,
    /// Recorded without running (`--fake`).
    Faked,
    /// Another process did it first (seen inside the lock).
    AlreadyDone,
}

/// Progress reported while running.
pub trait Progress {
    /// A migration starts.
    fn start(&mut self, m: &Prepared);
    /// It finished.
    fn finish(&mut self, m: &Prepared, outcome: Outcome);
}

/// Whether `m` is recorded as applied: its row, or (a squash) the rows of
/// every migration it replaces.
async fn recorded(db: &mut dyn Database, m: &Prepared) -> Result<bool, DbError> {
    if history::has_row(db, &m.app, &m.name).await? {
        return Ok(true);
    }
    if m.replaces.is_empty() {
        return Ok(false);
    }
    for key in &m.replaces {
        let (app, name) = key.split_once('.').unwrap_or((key, ""));
        if !history::has_row(db, app, name).await? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// An error not tied to one migration.
pub fn plain_error(message: String) -> RunError {
    RunErrorInfo {
        migration: None,
        path: None,
        operation: None,
        sql: None,
        message,
        rolled_back: false,
        unapplying: false,
    }
    .into()
}

/// Applies prepared migrations one by one; stops at the first failure. The
/// caller holds the migration lock ([`Database::lock`]) from before it read
/// the history it planned from. Where DDL is transactional (PostgreSQL,
/// SQLite) a migration and its history row are one transaction, rolled back
/// on failure; elsewhere (MySQL) progress is recorded after each statement
/// and a failure reverses the completed operations.
pub async fn execute(
    db: &mut dyn Database,
    plan: &[Prepared],
    fake: bool,
    progress: &mut dyn Progress,
) -> Result<(), RunError> {
    history::ensure_table(db).await.map_err(|e| {
        plain_error(format!(
            "cannot create the history table {}: {e}",
            history::TABLE
        ))
    })?;
    let transactional = db.dialect().capabilities().transactional_ddl;
    for m in plan {
        progress.start(m);
        let fake = fake || m.fake;
        let outcome = if fake || (transactional && m.atomic) {
            run_transactional(db, m, fake).await?
        } else {
            run_statement_by_statement(db, m).await?
        };
        progress.finish(m, outcome);
    }
    Ok(())
}

/// A migration outside any transaction — every migration on MySQL, one
/// with `atomic = false` elsewhere: its progress is recorded after each
/// statement, and a failure reverses the completed operations (see
/// [`run_progressive`]). SQLite's foreign-key check still closes it.
async fn run_statement_by_statement(
    db: &mut dyn Database,
    m: &Prepared,
) -> Result<Outcome, RunError> {
    if let Err(e) = db.begin_migration(false).await {
        let _ = db.rollback_migration().await;
        return Err(RunError::outside(m, e));
    }
    let outcome = match run_progressive(db, m).await {
        Ok(o) => o,
        Err(e) => {
            let _ = db.rollback_migration().await;
            return Err(e);
        }
    };
    if let Err(e) = db.commit_migration(false).await {
        let _ = db.rollback_migration().await;
        // Its statements have run: the row says so, for `--resolve`.
        let done = m
            .ops
            .iter()
            .flat_map(|o| &o.statements)
            .filter(|s| s.guard.is_none())
            .count() as i64;
        let sign = if m.step.direction == Direction::Forward {
            1
        } else {
            -1
        };
        let insert = m.step.direction == Direction::Backward;
        let _ = history::set_failed(db, &m.app, &m.name, &m.checksum, sign * done, insert).await;
        let mut error = RunError::database(m, e);
        error.0.rolled_back = false;
        error.0.message.push_str(&format!(
            "\n  its statements ran, so the history marks {} failed; put the database right, then run `remodel migrate --resolve {} --applied` (or `--rolled-back`)",
            m.key, m.key
        ));
        return Err(error);
    }
    Ok(outcome)
}

/// One migration and its history row in one transaction (a fake one, when
/// not atomic, simply records).
async fn run_transactional(
    db: &mut dyn Database,
    m: &Prepared,
    fake: bool,
) -> Result<Outcome, RunError> {
    if let Err(e) = db.begin_migration(m.atomic).await {
        // Undo what beginning did (SQLite: foreign keys back on).
        let _ = db.rollback_migration().await;
        return Err(RunError::database(m, e));
    }
    let outcome = match run_one(db, m, fake).await {
        Ok(o) => o,
        Err(e) => {
            let _ = db.rollback_migration().await;
            return Err(e);
        }
    };
    if let Err(e) = db.commit_migration(m.atomic).await {
        let _ = db.rollback_migration().await;
        return Err(RunError::database(m, e));
    }
    Ok(outcome)
}

async fn run_one(db: &mut dyn Database, m: &Prepared, fake: bool) -> Result<Outcome, RunError> {
    // Inside the lock: has another process got here first?
    let is_recorded = recorded(db, m)
        .await
        .map_err(|e| RunError::database(m, e))?;
    let forward = m.step.direction == Direction::Forward;
    if is_recorded == forward {
        return Ok(Outcome::AlreadyDone);
    }
    if !fake {
        let all: Vec<(&PreparedOp, &Statement)> = m
            .ops
            .iter()
            .flat_map(|op| op.statements.iter().map(move |s| (op, s)))
            .collect();
        let statements: Vec<&Statement> = all.iter().map(|(_, s)| *s).collect();
        if let Err((i, e)) = db.run_all(&statements).await {
            let (op, s) = all[i];
            return Err(statement_error(m, op, s, e, true));
        }
    }
    record(db, m).await?;
    Ok(if fake { Outcome::Faked } else { Outcome::Done })
}

fn statement_error(
    m: &Prepared,
    op: &PreparedOp,
    s: &Statement,
    e: DbError,
    rolled_back: bool,
) -> RunError {
    RunErrorInfo {
        migration: Some(m.key.clone()),
        path: Some(m.path.clone()),
        operation: Some((op.number, op.description.text.clone())),
        sql: s.guard.is_none().then(|| s.sql.clone()),
        message: e.to_string(),
        rolled_back,
        unapplying: m.step.direction == Direction::Backward,
    }
    .into()
}

/// What the migration's RunSql operations say they create.
fn created(m: &Prepared) -> Vec<remodel_model::created::CreatedObject> {
    history::objects::created_by(m.ops.iter().map(|o| &o.op))
}

/// Writes (or, unapplying, deletes) the migration's history row, and the
/// definitions of what it creates.
async fn record(db: &mut dyn Database, m: &Prepared) -> Result<(), RunError> {
    let recorded = if m.step.direction == Direction::Forward {
        match history::record_applied(db, &m.app, &m.name, &m.checksum).await {
            Ok(()) => history::objects::record(db, &m.app, &m.name, &created(m)).await,
            e => e,
        }
    } else {
        match history::remove(db, &m.app, &m.name).await {
            Ok(()) => history::objects::forget(db, &m.app, &m.name).await,
            e => e,
        }
    };
    recorded.map_err(|e| RunError::database(m, e))?;
    record_replaced(db, m, m.step.direction == Direction::Forward)
        .await
        .map_err(|e| RunError::database(m, e))
}

/// A squash applied records the migrations it replaces as applied too (so a
/// database migrated through it agrees with one migrated through them);
/// unapplied, it forgets them.
async fn record_replaced(
    db: &mut dyn Database,
    m: &Prepared,
    applied: bool,
) -> Result<(), DbError> {
    let rows: std::collections::BTreeSet<String> = if m.replaces.is_empty() {
        return Ok(());
    } else {
        history::read(db).await?.iter().map(|r| r.key()).collect()
    };
    for (key, checksum) in m.replaces.iter().zip(&m.replaced_checksums) {
        let Some((app, name)) = key.split_once('.') else {
            continue;
        };
        if applied && !rows.contains(key) {
            history::record_applied(db, app, name, checksum).await?;
        } else if !applied {
            history::remove(db, app, name).await?;
        }
    }
    Ok(())
}

/// The statements of `m` that ran, given its recorded progress, for messages.
pub fn statements_done(m: &Prepared, count: usize) -> Vec<String> {
    m.ops
        .iter()
        .flat_map(|op| op.statements.iter())
        .filter(|s| s.guard.is_none())
        .take(count)
        .map(|s| s.sql.clone())
        .collect()
}

/// Where DDL commits as it goes (MySQL; a non-atomic migration elsewhere):
/// the history row says `failed` until the migration completes, with the
/// number of the statement about to run (negative while unapplying), so
/// that after a crash it names the statement that was running; a failing
/// statement makes remodel undo what had completed, newest first.
async fn run_progressive(db: &mut dyn Database, m: &Prepared) -> Result<Outcome, RunError> {
    let forward = m.step.direction == Direction::Forward;
    let is_recorded = recorded(db, m).await.map_err(|e| RunError::outside(m, e))?;
    if is_recorded == forward {
        return Ok(Outcome::AlreadyDone);
    }
    if forward {
        // `failed` with progress 0: applying, nothing ran yet.
        history::set_failed(db, &m.app, &m.name, &m.checksum, 0, true)
            .await
            .map_err(|e| RunError::outside(m, e))?;
    } else if !m.replaces.is_empty()
        && !history::read(db)
            .await
            .map_err(|e| RunError::outside(m, e))?
            .iter()
            .any(|r| r.key() == m.key)
    {
        // A squash applied through the migrations it replaces has no row of
        // its own yet to record progress in.
        history::record_applied(db, &m.app, &m.name, &m.checksum)
            .await
            .map_err(|e| RunError::outside(m, e))?;
    }
    let mut started: i64 = 0;
    for (k, op) in m.ops.iter().enumerate() {
        let mut in_op: Vec<&Statement> = Vec::new();
        for s in &op.statements {
            if s.guard.is_none() {
                started += 1;
                set_progress(db, m, started)
                    .await
                    .map_err(|e| RunError::outside(m, e))?;
            }
            if let Err(e) = db.run(s).await {
                let done = started - i64::from(s.guard.is_none());
                let mut error = reverse_completed(db, m, k, op, s, e, done, &in_op).await;
                // What the failed statement itself left behind.
                if let Some(cleanup) = db.dialect().after_failure(&s.sql) {
                    error.0.message.push_str(&match db.run(&cleanup).await {
                        Ok(_) => format!("\n  what the failed statement left behind was removed: {}", cleanup.sql),
                        Err(e) => format!(
                            "\n  the failed statement may have left something behind, and removing it failed: {e}\n  run it by hand: {}",
                            cleanup.sql
                        ),
                    });
                }
                return Err(error);
            }
            if s.guard.is_none() {
                in_op.push(s);
            }
        }
    }
    finish_row(db, m, true)
        .await
        .map_err(|e| RunError::outside(m, e))?;
    Ok(Outcome::Done)
}

/// Records that `n` statements of `m` have started (or, after a failure,
/// stand). No statement standing is no partial state: the row is finished
/// as if the migration had not started.
async fn set_progress(db: &mut dyn Database, m: &Prepared, n: i64) -> Result<(), DbError> {
    if n == 0 {
        return finish_row(db, m, false).await;
    }
    let sign = if m.step.direction == Direction::Forward {
        1
    } else {
        -1
    };
    history::set_failed(db, &m.app, &m.name, &m.checksum, sign * n, false).await
}

/// The history row once `m` has run completely (`done`) or not at all: an
/// applied migration is `applied`; an unapplied one has no row.
async fn finish_row(db: &mut dyn Database, m: &Prepared, done: bool) -> Result<(), DbError> {
    let applied = (m.step.direction == Direction::Forward) == done;
    if applied {
        history::set_applied(db, &m.app, &m.name, &m.checksum).await?;
        if done {
            history::objects::record(db, &m.app, &m.name, &created(m)).await?;
        }
    } else {
        history::remove(db, &m.app, &m.name).await?;
        history::objects::forget(db, &m.app, &m.name).await?;
    }
    if done {
        record_replaced(db, m, applied).await?;
    }
    Ok(())
}

/// After statement `s` of operation `k` failed with `done` statements of the
/// migration standing (`in_op` of them this operation's): undo this
/// operation's completed statements with their own undos, then operations
/// `0..k` newest first, recording after each step what still stands; say
/// what happened. What cannot be undone stays recorded as failed.
#[allow(clippy::too_many_arguments)]
async fn reverse_completed(
    db: &mut dyn Database,
    m: &Prepared,
    k: usize,
    op: &PreparedOp,
    s: &Statement,
    e: DbError,
    done: i64,
    in_op: &[&Statement],
) -> RunError {
    let mut error = statement_error(m, op, s, e, false);
    let mut standing = done;
    let mut record_failed = set_progress(db, m, standing).await.err();
    let mut reversal: Result<usize, String> = Ok(0);
    // This operation's completed statements, newest first.
    for st in in_op.iter().rev() {
        let Some(undo) = &st.undo else {
            reversal = Err(format!(
                "operation {} ({}) was applied part-way ({} of its statements ran) and remodel has no undo for `{}`",
                op.number,
                op.description.text,
                in_op.len(),
                st.sql
            ));
            break;
        };
        if let Err(why) = run_undo(db, undo, op).await {
            reversal = Err(why);
            break;
        }
        standing -= 1;
        record_failed = record_failed.or(set_progress(db, m, standing).await.err());
    }
    // Then the completed operations before it, newest first.
    let priors: &[PreparedOp] = if reversal.is_ok() { &m.ops[..k] } else { &[] };
    for prior in priors.iter().rev() {
        let result = match &prior.undo {
            Ok(undo) => run_undo(db, undo, prior).await,
            Err(why) => Err(format!(
                "operation {} ({}) cannot be undone: {why}",
                prior.number, prior.description.text
            )),
        };
        if let Err(why) = result {
            reversal = Err(why);
            break;
        }
        standing -= prior
            .statements
            .iter()
            .filter(|s| s.guard.is_none())
            .count() as i64;
        record_failed = record_failed.or(set_progress(db, m, standing).await.err());
        reversal = reversal.map(|n| n + 1);
    }
    let info = &mut *error.0;
    match reversal {
        Ok(n) => {
            let partial = if in_op.is_empty() {
                String::new()
            } else {
                format!(
                    "the {} completed statement{} of operation {} {} undone",
                    in_op.len(),
                    if in_op.len() == 1 { "" } else { "s" },
                    op.number,
                    if in_op.len() == 1 { "was" } else { "were" }
                )
            };
            let ops = match n {
                0 => String::new(),
                1 => "1 completed operation was reversed".to_string(),
                n => format!("{n} completed operations were reversed"),
            };
            let what = [partial, ops]
                .into_iter()
                .filter(|t| !t.is_empty())
                .collect::<Vec<_>>()
                .join("; ");
            if what.is_empty() {
                info.message.push_str(
                    "\n  nothing had completed: the database is as it was before the migration",
                );
            } else {
                info.message.push_str(&format!(
                    "\n  {what}: the structure is back where the migration started (data they dropped is not restored)"
                ));
            }
            if let Some(e) = record_failed {
                info.message.push_str(&format!(
                    "\n  but its history row could not be updated: {e}; record what the database is with `remodel migrate --resolve {} --rolled-back`",
                    m.key
                ));
            }
        }
        Err(why) => {
            let ran = statements_done(m, standing.max(0) as usize);
            info.message.push_str(&format!(
                "\n  reversing the completed operations failed: {why}\n  the history marks {} failed; put the database right, then run `remodel migrate --resolve {} --rolled-back` (or `--applied`)\n  statements that ran and stand:\n    {}",
                m.key,
                m.key,
                if ran.is_empty() { "(none)".to_string() } else { ran.join(";\n    ") }
            ));
        }
    }
    error
}

/// Runs undo statements; on failure, says which.
async fn run_undo(
    db: &mut dyn Database,
    undo: &[Statement],
    op: &PreparedOp,
) -> Result<(), String> {
    for u in undo {
        if let Err(e) = db.run(u).await {
            return Err(format!(
                "undoing operation {} ({}) failed: {e}\n    statement: {}",
                op.number, op.description.text, u.sql
            ));
        }
    }
    Ok(())
}

/// The SQL of a prepared migration as `sqlmigrate` prints it: notes as `-- `
/// comments, each operation's description, BEGIN/COMMIT where DDL is
/// transactional.
pub fn sql_text(m: &Prepared, dialect: &dyn Dialect) -> String {
    text_with(m, dialect, None)
}

/// The SQL of a prepared migration as a script applied by hand: as
/// [`sql_text`], with the statement that records it in the history (or
/// forgets it, unapplying) inside its transaction.
pub fn script_text(m: &Prepared, dialect: &dyn Dialect) -> String {
    let forward = m.step.direction == Direction::Forward;
    let mut record = history::record_sql(dialect, &m.app, &m.name, &m.checksum, forward);
    for (key, checksum) in m.replaces.iter().zip(&m.replaced_checksums) {
        if let Some((app, name)) = key.split_once('.') {
            record.push_str(";\n");
            record.push_str(&history::record_sql(dialect, app, name, checksum, forward));
        }
    }
    text_with(m, dialect, Some(record))
}

/// One statement as a script holds it: SQL ending in `;`; a guard as a
/// comment saying what it checks and the statements that fail the script
/// where `migrate` would refuse ([`Dialect::guard_script`]).
pub fn statement_text(s: &Statement, dialect: &dyn Dialect) -> String {
    match &s.guard {
        None => format!("{};\n", s.sql),
        Some(guard) => {
            let mut out = format!("-- {}\n", s.sql);
            for check in dialect.guard_script(guard) {
                out.push_str(&check);
                out.push_str(";\n");
            }
            out
        }
    }
}

fn text_with(m: &Prepared, dialect: &dyn Dialect, record: Option<String>) -> String {
    let notes = dialect.migration_notes();
    let transactional = m.atomic && dialect.capabilities().transactional_ddl;
    let mut out = String::new();
    for n in &notes.before {
        out.push_str(&format!("-- {n}\n"));
    }
    if transactional {
        out.push_str("BEGIN;\n");
    }
    for op in &m.ops {
        out.push_str(&format!("--\n-- {}\n--\n", op.description.text));
        if op.statements.is_empty() {
            out.push_str("-- (no SQL on this database)\n");
        }
        for s in &op.statements {
            out.push_str(&statement_text(s, dialect));
        }
    }
    if let Some(record) = record {
        out.push_str(&format!("--\n-- Record it in the history\n--\n{record};\n"));
    }
    for n in &notes.before_commit {
        out.push_str(&format!("-- {n}\n"));
    }
    if transactional {
        out.push_str("COMMIT;\n");
    }
    for n in &notes.after {
        out.push_str(&format!("-- {n}\n"));
    }
    out
}
