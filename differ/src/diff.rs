//! The autodetector: compares the history state with the models and returns
//! the operations that turn one into the other, plus the questions it could
//! not answer itself. Pure: no I/O, no dialect knowledge.
//!
//! Operations are generated phase by phase in the tie-break order of DESIGN §7
//! and applied to a working copy of the state as they are generated, so the
//! list replays exactly as written; dependencies inside a phase (a referenced
//! model is created first, a child dropped before its parent) order each phase.

use crate::op::Op;
use crate::question::{
    Answers, Asked, Candidate, DefaultAnswer, Question, QuestionKind, RenameAnswer, Source,
};
use crate::rank::{field_candidates, model_candidates};
use remodel_model::{ColumnDefault, Constraint, Field, Index, Schema, Table, model_key, split_key};
use std::collections::{BTreeMap, BTreeSet};

/// What the autodetector found.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    /// The operations, in the order they must apply.
    pub ops: Vec<Op>,
    /// Every question met, answered or not.
    pub asked: Vec<Asked>,
    /// `(i, j)`: operation `i` must run after operation `j` (used to order
    /// migrations of different apps).
    pub after: Vec<(usize, usize)>,
    /// Answers given that no question concerned, by subject and source.
    pub unused: Vec<(String, AnswerKind, Source)>,
}

/// Which table of [`Answers`] an unused answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerKind {
    /// A field rename answer.
    Field,
    /// A model rename answer.
    Model,
    /// A one-off default.
    Default,
}

impl Diff {
    /// The questions still unanswered.
    pub fn unanswered(&self) -> Vec<&Question> {
        self.asked
            .iter()
            .filter(|a| !a.answered)
            .map(|a| &a.question)
            .collect()
    }
}

/// Changes the autodetector refuses to guess at, or answers that do not fit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiffError {
    /// A change remodel does not migrate yet.
    #[error("{0}")]
    Unsupported(String),
    /// An answer that does not fit its question.
    #[error("{message}")]
    BadAnswer {
        /// The question's subject (`app.Model.field`, `app.Model`).
        subject: String,
        /// Which kind of answer.
        kind: AnswerKind,
        /// Where it came from: a flag is bad usage, a hint a model error.
        origin: Source,
        /// What is wrong.
        message: String,
    },
    /// Generated operations did not replay (a bug; the message says where).
    #[error("internal error: {0}")]
    Internal(String),
}

/// Compares `from` (the history state) with `to` (the models).
pub fn diff(from: &Schema, to: &Schema, answers: &Answers) -> Result<Diff, DiffError> {
    let mut d = Differ {
        to,
        answers,
        state: from.clone(),
        holders: None,
        deps: Dependencies::default(),
        ops: Vec::new(),
        asked: Vec::new(),
        used: BTreeSet::new(),
        created: BTreeSet::new(),
        undecided: BTreeSet::new(),
    };
    d.rename_models()?;
    d.moved_models()?;
    d.rename_fields()?;
    let (new_indexes, new_constraints) = d.remove_and_rename_indexes_constraints()?;
    let (split_indexes, split_constraints) = d.create_models()?;
    d.add_fields()?;
    d.alter_fields()?;
    d.alter_tables()?;
    d.add_indexes_constraints(
        new_indexes,
        new_constraints,
        split_indexes,
        split_constraints,
    )?;
    d.remove_fields()?;
    d.delete_models()?;

    let mut unused = Vec::new();
    for (k, (_, src)) in &answers.fields {
        if !d.used.contains(&format!("field:{k}")) {
            unused.push((k.clone(), AnswerKind::Field, src.clone()));
        }
    }
    for (k, (_, src)) in &answers.models {
        if !d.used.contains(&format!("model:{k}")) {
            unused.push((k.clone(), AnswerKind::Model, src.clone()));
        }
    }
    for (k, (_, src)) in &answers.defaults {
        if !d.used.contains(&format!("default:{k}")) {
            unused.push((k.clone(), AnswerKind::Default, src.clone()));
        }
    }
    Ok(Diff {
        ops: d.ops,
        asked: d.asked,
        after: d.deps.edges.into_iter().collect(),
        unused,
    })
}

struct Differ<'a> {
    to: &'a Schema,
    answers: &'a Answers,
    state: Schema,
    /// Table name (ASCII lower case) → the models of `state` holding it:
    /// built when first needed, then kept up to date by [`Differ::emit`].
    holders: Option<BTreeMap<String, BTreeSet<String>>>,
    /// The order the operations so far need among themselves.
    deps: Dependencies,
    ops: Vec<Op>,
    asked: Vec<Asked>,
    used: BTreeSet<String>,
    /// Models created by this diff: their tables hold no rows yet.
    created: BTreeSet<String>,
    /// `app.Model.field` of gained fields whose rename question is unanswered:
    /// their default question waits for that answer.
    undecided: BTreeSet<String>,
}

/// Fields compare by effective column, so an explicit column equal to the
/// derived one is no change.
fn same_field(a: &Field, b: &Field) -> bool {
    // Every member named, so that a new one cannot be forgotten here.
    let Field {
        name,
        column: _,
        ty,
        null,
        primary_key,
        auto,
        unique,
        index,
        default,
        comment,
        references,
        collation,
        charset,
        on_update_sql,
    } = a;
    *name == b.name
        && a.column_name() == b.column_name()
        && *ty == b.ty
        && *null == b.null
        && *primary_key == b.primary_key
        && *auto == b.auto
        && *unique == b.unique
        && *index == b.index
        && *default == b.default
        && *comment == b.comment
        && *references == b.references
        && *collation == b.collation
        && *charset == b.charset
        && *on_update_sql == b.on_update_sql
}

/// `concurrently` says how an index is built, not what it is: turning it on
/// or off for an existing index is no change (dropping and rebuilding the
/// index for it would leave a window without it).
fn same_index_def(a: &Index, b: &Index) -> bool {
    a.fields == b.fields && a.unique == b.unique
}

fn same_constraint_def(a: &Constraint, b: &Constraint) -> bool {
    match (a, b) {
        (Constraint::Unique { fields: x, .. }, Constraint::Unique { fields: y, .. }) => x == y,
        (Constraint::Check { expr: x, .. }, Constraint::Check { expr: y, .. }) => x == y,
        _ => false,
    }
}

impl<'a> Differ<'a> {
    fn emit(&mut self, op: Op) -> Result<(), DiffError> {
        // The model whose table name the op may change, before and after.
        let (before, after) = match &op {
            Op::CreateModel { table } => (None, Some(table.key())),
            Op::DeleteModel { model } => (Some(model.clone()), None),
            Op::AlterModelTable { model, .. } => (Some(model.clone()), Some(model.clone())),
            Op::RenameModel { app, old, new } => {
                (Some(model_key(app, old)), Some(model_key(app, new)))
            }
            _ => (None, None),
        };
        let held = before
            .as_ref()
            .filter(|_| self.holders.is_some())
            .and_then(|k| {
                self.state
                    .table(k)
                    .map(|t| t.table_name().to_ascii_lowercase())
            });
        let i = self.ops.len();
        let freed = self.deps.before(&self.state, i, &op);
        op.apply_to(&mut self.state).map_err(|e| {
            DiffError::Internal(format!(
                "generated {} does not apply: {e}",
                op.kind().name()
            ))
        })?;
        self.deps.after(&self.state, i, &op, freed);
        if let Some(holders) = &mut self.holders {
            if let (Some(k), Some(name)) = (&before, held)
                && let Some(keys) = holders.get_mut(&name)
            {
                keys.remove(k);
                if keys.is_empty() {
                    holders.remove(&name);
                }
            }
            if let Some(k) = after
                && let Some(t) = self.state.table(&k)
            {
                holders
                    .entry(t.table_name().to_ascii_lowercase())
                    .or_default()
                    .insert(k);
            }
        }
        self.ops.push(op);
        Ok(())
    }

    /// The first model (in key order) other than `except` whose table is
    /// named `name`, ignoring ASCII case.
    fn holder_of(&mut self, name: &str, except: &str) -> Option<String> {
        let state = &self.state;
        let holders = self.holders.get_or_insert_with(|| {
            let mut holders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for (key, t) in &state.tables {
                holders
                    .entry(t.table_name().to_ascii_lowercase())
                    .or_default()
                    .insert(key.clone());
            }
            holders
        });
        holders
            .get(&name.to_ascii_lowercase())?
            .iter()
            .find(|k| *k != except)
            .cloned()
    }

    /// Records a rename question and returns the old name when it is
    /// answered "renamed from"; an answer naming no candidate is an error.
    fn ask_rename(
        &mut self,
        question: Question,
        kind: AnswerKind,
        subject: &str,
        candidates: &[Candidate],
    ) -> Result<Option<String>, DiffError> {
        let given = match kind {
            AnswerKind::Model => self.answers.models.get(subject),
            _ => self.answers.fields.get(subject),
        };
        let answer = match given {
            Some(a) => {
                let table = if kind == AnswerKind::Model {
                    "model"
                } else {
                    "field"
                };
                self.used.insert(format!("{table}:{subject}"));
                Some(a.clone())
            }
            None if self.answers.no_renames => Some((RenameAnswer::New, Source::Flag)),
            None => None,
        };
        if answer.is_none() && kind == AnswerKind::Field {
            self.undecided.insert(subject.to_string());
        }
        self.asked.push(Asked {
            question,
            answered: answer.is_some(),
        });
        let Some((RenameAnswer::From(old), origin)) = answer else {
            return Ok(None);
        };
        if !candidates.iter().any(|c| c.old == old) {
            let what = if kind == AnswerKind::Model {
                "model"
            } else {
                "field"
            };
            let (owner, new) = subject.rsplit_once('.').unwrap_or(("", subject));
            return Err(DiffError::BadAnswer {
                subject: subject.to_string(),
                kind,
                origin,
                message: format!(
                    "{owner}.{old} cannot be renamed to {new}: {}",
                    not_a_candidate(what, &old, candidates)
                ),
            });
        }
        Ok(Some(old))
    }

    /// The models both in the state and in the models, in key order, with
    /// their table in the models (one merge of the two sorted maps).
    fn common(&self) -> Vec<(&'a str, &'a Table)> {
        let to: &'a Schema = self.to;
        let mut state = self.state.tables.keys().peekable();
        let mut out = Vec::new();
        for (k, t) in &to.tables {
            while state.next_if(|s| s.as_str() < k.as_str()).is_some() {}
            if state.peek().is_some_and(|s| *s == k) {
                out.push((k.as_str(), t));
            }
        }
        out
    }

    // Phase: RenameModel (with an AlterModelTable first when the table keeps its name).
    fn rename_models(&mut self) -> Result<(), DiffError> {
        let to = self.to;
        // By app, in key order: the models that arrive, and those that left
        // (renames only ever take a left model of the same app).
        let mut created_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for t in to.tables.values() {
            if !self.state.tables.contains_key(&t.key()) {
                created_of.entry(t.app.clone()).or_default().push(t.key());
            }
        }
        if created_of.is_empty() {
            return Ok(());
        }
        let mut lost_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for t in self.state.tables.values() {
            if !to.tables.contains_key(&t.key()) {
                lost_of.entry(t.app.clone()).or_default().push(t.key());
            }
        }
        for (app, created) in created_of {
            let lost_keys = lost_of.remove(&app).unwrap_or_default();
            let mut consumed: BTreeSet<String> = BTreeSet::new();
            for new_key in created {
                // Read from the state as it is now: earlier renames rewrote
                // references, and a consumed model is gone.
                let lost: Vec<&Table> = lost_keys
                    .iter()
                    .filter_map(|k| self.state.tables.get(k))
                    .filter(|t| t.app == app && !consumed.contains(&t.name))
                    .collect();
                if lost.is_empty() {
                    break;
                }
                let new_t = &to.tables[&new_key];
                let candidates = model_candidates(&lost, new_t);
                let question = Question {
                    id: format!("rename-model:{new_key}"),
                    kind: QuestionKind::RenameModel {
                        app: app.clone(),
                        new: new_t.name.clone(),
                        candidates: candidates.clone(),
                    },
                };
                let Some(old) =
                    self.ask_rename(question, AnswerKind::Model, &new_key, &candidates)?
                else {
                    continue;
                };
                let old_key = model_key(&app, &old);
                let old_t = self.state.tables[&old_key].clone();
                if old_t.db_table.is_none() && new_t.table_name() == old_t.table_name() {
                    self.emit(Op::AlterModelTable {
                        model: old_key.clone(),
                        table: Some(old_t.table_name()),
                    })?;
                }
                self.emit(Op::RenameModel {
                    app: app.clone(),
                    old: old.clone(),
                    new: new_t.name.clone(),
                })?;
                consumed.insert(old);
            }
        }
        Ok(())
    }

    /// A model that left one app while one of the same name arrived in another
    /// is asked about: accepting it as new drops the old table.
    fn moved_models(&mut self) -> Result<(), DiffError> {
        let arrived: Vec<String> = self
            .to
            .tables
            .keys()
            .filter(|k| !self.state.tables.contains_key(*k))
            .cloned()
            .collect();
        if arrived.is_empty() {
            return Ok(());
        }
        // Models that left, by name, in key order.
        let mut left: BTreeMap<&str, Vec<&Table>> = BTreeMap::new();
        for t in self.state.tables.values() {
            if !self.to.tables.contains_key(&t.key()) {
                left.entry(t.name.as_str()).or_default().push(t);
            }
        }
        let found: Vec<(String, String)> = arrived
            .into_iter()
            .filter_map(|to_key| {
                let to_t = &self.to.tables[&to_key];
                let from = left
                    .get(to_t.name.as_str())?
                    .iter()
                    .find(|t| t.app != to_t.app)?;
                Some((to_key, from.key()))
            })
            .collect();
        for (to_key, from_key) in found {
            let question = Question {
                id: format!("move-model:{to_key}"),
                kind: QuestionKind::MovedModel {
                    from: from_key.clone(),
                    to: to_key.clone(),
                },
            };
            let answer = self.answers.models.get(&to_key).cloned().or_else(|| {
                self.answers
                    .no_renames
                    .then_some((RenameAnswer::New, Source::Flag))
            });
            if self.answers.models.contains_key(&to_key) {
                self.used.insert(format!("model:{to_key}"));
            }
            if let Some((RenameAnswer::From(_), origin)) = &answer {
                return Err(DiffError::BadAnswer {
                    subject: to_key.clone(),
                    kind: AnswerKind::Model,
                    origin: origin.clone(),
                    message: format!(
                        "{from_key} cannot become {to_key}: remodel cannot move a model between apps; keep it in its app with #[model(app = \"{}\")]",
                        split_key(&from_key).0
                    ),
                });
            }
            self.asked.push(Asked {
                question,
                answered: answer.is_some(),
            });
        }
        Ok(())
    }

    // Phase: RenameField (with an AlterField first when the column keeps its name).
    fn rename_fields(&mut self) -> Result<(), DiffError> {
        for (key, to_t) in self.common() {
            let st = &self.state.tables[key];
            let gained: Vec<Field> = to_t
                .fields
                .iter()
                .filter(|f| st.field(&f.name).is_none())
                .cloned()
                .collect();
            let mut consumed: Vec<String> = Vec::new();
            for new_f in gained {
                let st = &self.state.tables[key];
                let lost: Vec<&Field> = st
                    .fields
                    .iter()
                    .filter(|f| to_t.field(&f.name).is_none() && !consumed.contains(&f.name))
                    .collect();
                if lost.is_empty() {
                    break;
                }
                let candidates = field_candidates(&lost, &new_f);
                let subject = format!("{key}.{}", new_f.name);
                let question = Question {
                    id: format!("rename-field:{subject}"),
                    kind: QuestionKind::RenameField {
                        model: key.to_string(),
                        new: new_f.name.clone(),
                        ty: new_f.ty.clone(),
                        candidates: candidates.clone(),
                    },
                };
                let Some(old) =
                    self.ask_rename(question, AnswerKind::Field, &subject, &candidates)?
                else {
                    continue;
                };
                let old_f = self.state.tables[key]
                    .field(&old)
                    .expect("candidates are fields of the state")
                    .clone();
                if old_f.column.is_none() && new_f.column_name() == old_f.column_name() {
                    let kept = Field {
                        column: Some(old_f.column_name().to_string()),
                        ..old_f.clone()
                    };
                    self.emit(Op::AlterField {
                        model: key.to_string(),
                        field: kept,
                        preserve_default: true,
                    })?;
                }
                self.emit(Op::RenameField {
                    model: key.to_string(),
                    old: old.clone(),
                    new: new_f.name.clone(),
                })?;
                consumed.push(old);
            }
        }
        Ok(())
    }

    // Phases: RenameIndex, RemoveConstraint, RemoveIndex. Returns what must be added later.
    #[allow(clippy::type_complexity)]
    fn remove_and_rename_indexes_constraints(
        &mut self,
    ) -> Result<(Vec<(String, Index)>, Vec<(String, Constraint)>), DiffError> {
        let mut renames = Vec::new();
        let mut remove_constraints = Vec::new();
        let mut remove_indexes = Vec::new();
        let mut add_indexes = Vec::new();
        let mut add_constraints = Vec::new();
        for (key, tt) in self.common() {
            let st = &self.state.tables[key];
            // Each index and constraint matches itself exactly.
            if st.indexes == tt.indexes && st.constraints == tt.constraints {
                continue;
            }
            let mut unmatched_t: Vec<&Index> = Vec::new();
            let mut unmatched_s: Vec<&Index> = Vec::new();
            for si in &st.indexes {
                let exact = tt.indexes.iter().any(|ti| {
                    same_index_def(si, ti)
                        && ((si.name.is_none() && ti.name.is_none())
                            || st.index_name(si).name == tt.index_name(ti).name)
                });
                if !exact {
                    unmatched_s.push(si);
                }
            }
            for ti in &tt.indexes {
                let exact = st.indexes.iter().any(|si| {
                    same_index_def(si, ti)
                        && ((si.name.is_none() && ti.name.is_none())
                            || st.index_name(si).name == tt.index_name(ti).name)
                });
                if !exact {
                    unmatched_t.push(ti);
                }
            }
            for si in unmatched_s {
                let old = st.index_name(si).name;
                if let Some(pos) = unmatched_t.iter().position(|ti| same_index_def(si, ti)) {
                    let ti = unmatched_t.remove(pos);
                    renames.push(Op::RenameIndex {
                        model: key.to_string(),
                        old,
                        new: tt.index_name(ti).name,
                    });
                } else {
                    remove_indexes.push(Op::RemoveIndex {
                        model: key.to_string(),
                        name: old,
                    });
                }
            }
            add_indexes.extend(
                unmatched_t
                    .into_iter()
                    .map(|ti| (key.to_string(), ti.clone())),
            );

            for sc in &st.constraints {
                let kept = tt.constraints.iter().any(|tc| {
                    same_constraint_def(sc, tc)
                        && ((sc.explicit_name().is_none() && tc.explicit_name().is_none())
                            || st.constraint_name(sc).name == tt.constraint_name(tc).name)
                });
                if !kept {
                    remove_constraints.push(Op::RemoveConstraint {
                        model: key.to_string(),
                        name: st.constraint_name(sc).name,
                    });
                }
            }
            for tc in &tt.constraints {
                let kept = st.constraints.iter().any(|sc| {
                    same_constraint_def(sc, tc)
                        && ((sc.explicit_name().is_none() && tc.explicit_name().is_none())
                            || st.constraint_name(sc).name == tt.constraint_name(tc).name)
                });
                if !kept {
                    add_constraints.push((key.to_string(), tc.clone()));
                }
            }
        }
        for op in renames
            .into_iter()
            .chain(remove_constraints)
            .chain(remove_indexes)
        {
            self.emit(op)?;
        }
        Ok((add_indexes, add_constraints))
    }

    /// Frees a table name before a new model takes it: drops the model that
    /// is going away, or renames the table that moves.
    fn free_table_name(&mut self, name: &str, taker: &str) -> Result<(), DiffError> {
        let Some(holder) = self.holder_of(name, taker) else {
            return Ok(());
        };
        match self.to.tables.get(&holder) {
            None => self.delete_now(&holder, &mut BTreeSet::new()),
            Some(t) if !t.table_name().eq_ignore_ascii_case(name) => {
                let target = t.table_name();
                let target_taken = self.holder_of(&target, &holder).is_some();
                if target_taken {
                    return Err(DiffError::Unsupported(format!(
                        "{holder} and {taker} swap table names; remodel cannot do that in one step — give one of them a temporary table name first, make a migration, then the final name"
                    )));
                }
                self.emit(Op::AlterModelTable {
                    model: holder,
                    table: t.db_table.clone(),
                })
            }
            Some(_) => Err(DiffError::Internal(format!(
                "two models claim table {name}"
            ))),
        }
    }

    /// Deletes a model now (its table name is needed by another), after the
    /// fields that reference it: removed fields of surviving models, and
    /// models that go too (deleted first; a cycle among them is broken by
    /// removing a field).
    fn delete_now(&mut self, key: &str, visiting: &mut BTreeSet<String>) -> Result<(), DiffError> {
        if !self.state.tables.contains_key(key) {
            return Ok(());
        }
        visiting.insert(key.to_string());
        let referencing: Vec<(String, String)> = self
            .state
            .tables
            .values()
            .filter(|t| t.key() != key)
            .flat_map(|t| {
                t.fields
                    .iter()
                    .filter(|f| f.references.as_ref().is_some_and(|r| r.model == key))
                    .map(move |f| (t.key(), f.name.clone()))
            })
            .collect();
        for (model, field) in referencing {
            match self.to.tables.get(&model) {
                Some(t) if t.field(&field).is_some() => {
                    return Err(DiffError::Unsupported(format!(
                        "{key} is deleted so another model can take its table name, but {model}.{field} still needs changing away from it; make this change in two steps"
                    )));
                }
                Some(_) => self.emit(Op::RemoveField { model, field })?,
                None if visiting.contains(&model) => self.emit(Op::RemoveField { model, field })?,
                None => self.delete_now(&model, visiting)?,
            }
        }
        visiting.remove(key);
        if self.state.tables.contains_key(key) {
            self.emit(Op::DeleteModel {
                model: key.to_string(),
            })?;
        }
        Ok(())
    }

    // Phase: CreateModel, referenced models first; reference cycles are split
    // into a later AddField.
    #[allow(clippy::type_complexity)]
    fn create_models(
        &mut self,
    ) -> Result<(Vec<(String, Index)>, Vec<(String, Constraint)>), DiffError> {
        let mut pending: BTreeMap<String, Table> = self
            .to
            .tables
            .iter()
            .filter(|(k, _)| !self.state.tables.contains_key(*k))
            .map(|(k, t)| (k.clone(), t.clone()))
            .collect();
        let mut split_indexes = Vec::new();
        let mut split_constraints = Vec::new();
        // The first pending model (in key order) that references no other
        // pending model goes next: `waits` holds what each still waits on,
        // `waiters` who waits on each, `ready` those waiting on none.
        let mut waits: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut waiters: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut ready: BTreeSet<String> = BTreeSet::new();
        for (k, t) in &pending {
            let own = t.key();
            let targets: BTreeSet<String> = t
                .fields
                .iter()
                .filter_map(|f| f.references.as_ref())
                .filter(|r| r.model != own && pending.contains_key(&r.model))
                .map(|r| r.model.clone())
                .collect();
            for m in &targets {
                waiters.entry(m.clone()).or_default().push(k.clone());
            }
            if targets.is_empty() {
                ready.insert(k.clone());
            } else {
                waits.insert(k.clone(), targets);
            }
        }
        while !pending.is_empty() {
            let key = match ready.pop_first() {
                Some(k) => k,
                // A cycle: create the first model on it without its references
                // to models still pending, and add those fields afterwards.
                None => first_on_cycle(&pending),
            };
            let mut t = pending.remove(&key).expect("key is pending");
            waits.remove(&key);
            for w in waiters.remove(&key).unwrap_or_default() {
                if let Some(on) = waits.get_mut(&w) {
                    on.remove(&key);
                    if on.is_empty() {
                        waits.remove(&w);
                        ready.insert(w);
                    }
                }
            }
            // Split references to models still pending (only reached on a cycle).
            // Split references to models still pending (a cycle), and to
            // fields an existing model only gains in the AddField phase.
            let state = &self.state;
            let (moved, kept): (Vec<Field>, Vec<Field>) = t.fields.into_iter().partition(|f| {
                f.references.as_ref().is_some_and(|r| {
                    r.model != key
                        && (pending.contains_key(&r.model)
                            || r.to_field.as_ref().is_some_and(|tf| {
                                state.table(&r.model).is_some_and(|m| m.field(tf).is_none())
                            }))
                })
            });
            t.fields = kept;
            if !moved.is_empty() {
                let moved_names: Vec<&String> = moved.iter().map(|f| &f.name).collect();
                let (late_ix, ix): (Vec<Index>, Vec<Index>) = t
                    .indexes
                    .into_iter()
                    .partition(|ix| ix.fields.iter().any(|f| moved_names.contains(&f)));
                t.indexes = ix;
                split_indexes.extend(late_ix.into_iter().map(|ix| (key.clone(), ix)));
                let table_for_cols = self.to.tables[&key].clone();
                let (late_c, cs): (Vec<Constraint>, Vec<Constraint>) =
                    t.constraints.into_iter().partition(|c| match c {
                        Constraint::Unique { fields, .. } => {
                            fields.iter().any(|f| moved_names.contains(&f))
                        }
                        Constraint::Check { expr, .. } => {
                            let cols = remodel_model::expr::columns(expr).unwrap_or_default();
                            moved.iter().any(|f| {
                                cols.iter().any(|c| {
                                    c == table_for_cols
                                        .field(&f.name)
                                        .map(|f| f.column_name())
                                        .unwrap_or(&f.name)
                                })
                            })
                        }
                    });
                t.constraints = cs;
                split_constraints.extend(late_c.into_iter().map(|c| (key.clone(), c)));
            }
            self.free_table_name(&t.table_name(), &key)?;
            self.created.insert(key);
            self.emit(Op::CreateModel { table: t })?;
        }
        Ok((split_indexes, split_constraints))
    }

    fn default_answer(
        &mut self,
        key: &str,
        field: &Field,
        altering: bool,
    ) -> Option<DefaultAnswer> {
        let subject = format!("{key}.{}", field.name);
        let question = Question {
            id: format!("default:{subject}"),
            kind: QuestionKind::OneOffDefault {
                model: key.to_string(),
                field: field.name.clone(),
                ty: field.ty.clone(),
                altering,
            },
        };
        let answer = self.answers.defaults.get(&subject).map(|(a, _)| a.clone());
        if answer.is_some() {
            self.used.insert(format!("default:{subject}"));
        }
        self.asked.push(Asked {
            question,
            answered: answer.is_some(),
        });
        answer
    }

    fn one_off(
        field: &Field,
        key: &str,
        answer: DefaultAnswer,
    ) -> Result<(Field, bool), DiffError> {
        match answer {
            DefaultAnswer::Value(lit) => {
                let value = lit.check_for(&field.ty).map_err(|e| DiffError::BadAnswer {
                    subject: format!("{key}.{}", field.name),
                    kind: AnswerKind::Default,
                    origin: Source::Flag,
                    message: format!("the one-off default for {key}.{}: {e}", field.name),
                })?;
                Ok((
                    Field {
                        default: Some(ColumnDefault::Value(value)),
                        ..field.clone()
                    },
                    false,
                ))
            }
            DefaultAnswer::Ignore => Ok((field.clone(), true)),
        }
    }

    // Phase: AddField (asking for a one-off default where rows may exist).
    // Fields split off new models on a reference cycle come here too.
    fn add_fields(&mut self) -> Result<(), DiffError> {
        let mut adds: Vec<(String, Field, bool)> = Vec::new();
        for (key, tt) in self.common() {
            let st = &self.state.tables[key];
            let mut gained: Vec<Field> = tt
                .fields
                .iter()
                .filter(|f| st.field(&f.name).is_none())
                .cloned()
                .collect();
            if gained.is_empty() {
                continue;
            }
            gained.sort_by(|a, b| a.name.cmp(&b.name));
            for f in gained {
                let needs_value = !f.null
                    && f.default.is_none()
                    && !f.auto.is_auto()
                    && !self.created.contains(key)
                    && !self.undecided.contains(&format!("{key}.{}", f.name));
                if needs_value && tt.managed {
                    match self.default_answer(key, &f, false) {
                        Some(DefaultAnswer::Ignore) => {
                            return Err(DiffError::BadAnswer {
                                subject: format!("{key}.{}", f.name),
                                kind: AnswerKind::Default,
                                origin: Source::Flag,
                                message: format!(
                                    "{key}.{} is a new NOT NULL field: existing rows need a value, so it cannot be ignored",
                                    f.name
                                ),
                            });
                        }
                        Some(a) => {
                            let (field, keep) = Self::one_off(&f, key, a)?;
                            adds.push((key.to_string(), field, keep));
                        }
                        None => adds.push((key.to_string(), f, true)),
                    }
                } else {
                    adds.push((key.to_string(), f, true));
                }
            }
        }
        adds.sort_by(|a, b| (&a.0, &a.1.name).cmp(&(&b.0, &b.1.name)));
        // A field referencing another field added here comes after it.
        let targets: BTreeSet<(&str, &str)> = adds
            .iter()
            .map(|(m, g, _)| (m.as_str(), g.name.as_str()))
            .collect();
        let any_waits = adds.iter().any(|(_, f, _)| {
            f.references.as_ref().is_some_and(|r| {
                r.to_field.as_ref().is_some_and(|tf| {
                    *tf != f.name && targets.contains(&(r.model.as_str(), tf.as_str()))
                })
            })
        });
        drop(targets);
        // When none waits, the order stays as sorted.
        let mut ordered: Vec<(String, Field, bool)> = Vec::new();
        if !any_waits {
            ordered = std::mem::take(&mut adds);
        }
        while !adds.is_empty() {
            let waits = |f: &Field, rest: &[(String, Field, bool)]| {
                f.references.as_ref().is_some_and(|r| {
                    rest.iter().any(|(m, g, _)| {
                        *m == r.model && Some(&g.name) == r.to_field.as_ref() && g.name != f.name
                    })
                })
            };
            let pos = (0..adds.len())
                .find(|&i| !waits(&adds[i].1, &adds))
                .unwrap_or(0);
            ordered.push(adds.remove(pos));
        }
        for (model, field, preserve_default) in ordered {
            self.free_column(&model, &field.name, field.column_name())?;
            self.emit(Op::AddField {
                model,
                field,
                preserve_default,
            })?;
        }
        Ok(())
    }

    /// Frees a column name a field is about to take: a field of the model that
    /// holds it and that the models drop is removed first.
    fn free_column(&mut self, model: &str, taker: &str, column: &str) -> Result<(), DiffError> {
        let holder = self.state.tables[model]
            .fields
            .iter()
            .find(|f| f.name != taker && f.column_name() == column)
            .map(|f| f.name.clone());
        let Some(holder) = holder else { return Ok(()) };
        if self.to.tables[model].field(&holder).is_some() {
            return Err(DiffError::Unsupported(format!(
                "{model}.{taker} takes column `{column}` from {holder}, which keeps existing; remodel cannot swap columns in one step — give one a temporary column name first"
            )));
        }
        self.emit(Op::RemoveField {
            model: model.to_string(),
            field: holder,
        })
    }

    // Phase: AlterField.
    fn alter_fields(&mut self) -> Result<(), DiffError> {
        for (key, tt) in self.common() {
            let st = &self.state.tables[key];
            if st.composite_primary_key != tt.composite_primary_key {
                return Err(DiffError::Unsupported(format!(
                    "the primary key of {key} changes ({} → {}); remodel cannot migrate a primary key change yet — write a RunSql migration",
                    st.primary_key().join(", "),
                    tt.primary_key().join(", ")
                )));
            }
            if st.managed != tt.managed {
                return Err(DiffError::Unsupported(format!(
                    "{key} changes `managed`; remodel cannot migrate that yet — delete the model in one migration and re-add it in another"
                )));
            }
            let mut changed: Vec<(Field, Field)> = tt
                .fields
                .iter()
                .filter_map(|tf| {
                    st.field(&tf.name)
                        .filter(|sf| !same_field(sf, tf))
                        .map(|sf| (sf.clone(), tf.clone()))
                })
                .collect();
            changed.sort_by(|a, b| a.1.name.cmp(&b.1.name));
            for (sf, tf) in changed {
                if sf.primary_key != tf.primary_key {
                    return Err(DiffError::Unsupported(format!(
                        "`{}` of {key} {} the primary key; remodel cannot migrate a primary key change yet — write a RunSql migration",
                        tf.name,
                        if tf.primary_key {
                            "becomes"
                        } else {
                            "stops being"
                        }
                    )));
                }
                let made_not_null = sf.null && !tf.null && tf.default.is_none();
                let (field, preserve_default) = if made_not_null && tt.managed {
                    match self.default_answer(key, &tf, true) {
                        Some(a) => {
                            let (f, keep) = Self::one_off(&tf, key, a)?;
                            (f, keep)
                        }
                        None => (tf.clone(), true),
                    }
                } else {
                    (tf.clone(), true)
                };
                if sf.column_name() != tf.column_name() {
                    self.free_column(key, &tf.name, tf.column_name())?;
                }
                self.emit(Op::AlterField {
                    model: key.to_string(),
                    field,
                    preserve_default,
                })?;
            }
        }
        Ok(())
    }

    // Phases: AlterModelTable, AlterModelComment.
    fn alter_tables(&mut self) -> Result<(), DiffError> {
        for (key, tt) in self.common() {
            let st = &self.state.tables[key];
            // Equal names and explicit tables give equal table names.
            let same = st.name == tt.name && st.db_table == tt.db_table;
            if !same && st.table_name() != tt.table_name() {
                self.free_table_name(&tt.table_name(), key)?;
                self.emit(Op::AlterModelTable {
                    model: key.to_string(),
                    table: tt.db_table.clone(),
                })?;
            }
        }
        for (key, tt) in self.common() {
            if self.state.tables[key].comment != tt.comment {
                let op = Op::AlterModelComment {
                    model: key.to_string(),
                    comment: tt.comment.clone(),
                };
                self.emit(op)?;
            }
        }
        for (key, tt) in self.common() {
            let st = &self.state.tables[key];
            if (&st.charset, &st.collation) != (&tt.charset, &tt.collation) {
                let op = Op::AlterModelCharset {
                    model: key.to_string(),
                    charset: tt.charset.clone(),
                    collation: tt.collation.clone(),
                };
                self.emit(op)?;
            }
        }
        for (key, tt) in self.common() {
            let st = &self.state.tables[key];
            if st.pk_name != tt.pk_name && st.primary_key_name() != tt.primary_key_name() {
                let op = Op::AlterPrimaryKeyName {
                    model: key.to_string(),
                    pk_name: tt.pk_name.clone(),
                };
                self.emit(op)?;
            }
        }
        Ok(())
    }

    // Phases: AddIndex, AddConstraint.
    fn add_indexes_constraints(
        &mut self,
        mut indexes: Vec<(String, Index)>,
        mut constraints: Vec<(String, Constraint)>,
        split_indexes: Vec<(String, Index)>,
        split_constraints: Vec<(String, Constraint)>,
    ) -> Result<(), DiffError> {
        indexes.extend(split_indexes);
        constraints.extend(split_constraints);
        let to = self.to;
        indexes.sort_by_cached_key(|(k, ix)| (k.clone(), to.tables[k].index_name(ix).name));
        constraints.sort_by_cached_key(|(k, c)| (k.clone(), to.tables[k].constraint_name(c).name));
        for (model, index) in indexes {
            self.emit(Op::AddIndex { model, index })?;
        }
        for (model, constraint) in constraints {
            self.emit(Op::AddConstraint { model, constraint })?;
        }
        Ok(())
    }

    // Phase: RemoveField.
    fn remove_fields(&mut self) -> Result<(), DiffError> {
        for (key, tt) in self.common() {
            let mut lost: Vec<String> = self.state.tables[key]
                .fields
                .iter()
                .filter(|f| tt.field(&f.name).is_none())
                .map(|f| f.name.clone())
                .collect();
            lost.sort();
            for field in lost {
                self.emit(Op::RemoveField {
                    model: key.to_string(),
                    field,
                })?;
            }
        }
        Ok(())
    }

    // Phase: DeleteModel, children before their parents.
    fn delete_models(&mut self) -> Result<(), DiffError> {
        let pending: Vec<String> = self
            .state
            .tables
            .keys()
            .filter(|k| !self.to.tables.contains_key(*k))
            .cloned()
            .collect();
        // The first pending model (in key order) that no other pending model
        // references goes next: `refs` counts the fields of other pending
        // models referencing each, `ready` holds those with none.
        let pending_set: BTreeSet<&String> = pending.iter().collect();
        let mut refs: BTreeMap<String, usize> = BTreeMap::new();
        for other in &pending {
            for f in &self.state.tables[other].fields {
                if let Some(r) = &f.references
                    && r.model != *other
                    && pending_set.contains(&r.model)
                {
                    *refs.entry(r.model.clone()).or_default() += 1;
                }
            }
        }
        let mut ready: BTreeSet<String> = pending
            .iter()
            .filter(|k| !refs.contains_key(*k))
            .cloned()
            .collect();
        drop(pending_set);
        let mut pending: BTreeSet<String> = pending.into_iter().collect();
        let release =
            |refs: &mut BTreeMap<String, usize>, ready: &mut BTreeSet<String>, target: &str| {
                if let Some(n) = refs.get_mut(target) {
                    *n -= 1;
                    if *n == 0 {
                        refs.remove(target);
                        ready.insert(target.to_string());
                    }
                }
            };
        while !pending.is_empty() {
            match ready.pop_first() {
                Some(key) => {
                    pending.remove(&key);
                    let targets: Vec<String> = self.state.tables[&key]
                        .fields
                        .iter()
                        .filter_map(|f| f.references.as_ref())
                        .filter(|r| r.model != key && pending.contains(&r.model))
                        .map(|r| r.model.clone())
                        .collect();
                    self.emit(Op::DeleteModel { model: key })?;
                    for m in targets {
                        release(&mut refs, &mut ready, &m);
                    }
                }
                // A cycle among the dropped models: remove the references to the
                // first one, so that undoing this migration can recreate them
                // in order.
                None => {
                    let first = pending.first().cloned().expect("pending is not empty");
                    let referencing: Vec<(String, String)> = pending
                        .iter()
                        .filter(|other| **other != first)
                        .flat_map(|other| {
                            self.state.tables[other]
                                .fields
                                .iter()
                                .filter(|f| f.references.as_ref().is_some_and(|r| r.model == first))
                                .map(move |f| (other.clone(), f.name.clone()))
                        })
                        .collect();
                    for (model, field) in referencing {
                        self.emit(Op::RemoveField { model, field })?;
                        release(&mut refs, &mut ready, &first);
                    }
                }
            }
        }
        Ok(())
    }
}

/// The first pending model that reaches itself through references to other
/// pending models (every pending model waits on one, so some cycle exists).
fn first_on_cycle(pending: &BTreeMap<String, Table>) -> String {
    let targets = |k: &str| -> Vec<String> {
        pending[k]
            .fields
            .iter()
            .filter_map(|f| f.references.as_ref().map(|r| r.model.clone()))
            .filter(|m| m != k && pending.contains_key(m))
            .collect()
    };
    for start in pending.keys() {
        let mut seen = BTreeSet::new();
        let mut stack = targets(start);
        while let Some(k) = stack.pop() {
            if k == *start {
                return start.clone();
            }
            if seen.insert(k.clone()) {
                stack.extend(targets(&k));
            }
        }
    }
    pending.keys().next().expect("pending is not empty").clone()
}

fn not_a_candidate(what: &str, old: &str, candidates: &[Candidate]) -> String {
    let names: Vec<&str> = candidates.iter().map(|c| c.old.as_str()).collect();
    format!(
        "`{old}` is not a {what} that disappeared (candidates: {})",
        names.join(", ")
    )
}

/// Which operations must run after which, across the whole list: references
/// need their target created (or renamed) first; a model is dropped only
/// after the fields referencing it are gone; a table name is taken only after
/// whoever held it let it go.
///
/// Kept as the operations are generated ([`Differ::emit`]), on the state the
/// differ moves along anyway: [`Dependencies::before`] sees the state before
/// an operation applies, [`Dependencies::after`] the state after.
#[derive(Debug, Default)]
struct Dependencies {
    /// `(i, j)`: operation `i` runs after operation `j`.
    edges: BTreeSet<(usize, usize)>,
    /// model key (after the op) → op index that created or renamed it
    made: BTreeMap<String, usize>,
    /// (model, field) → op index that added or altered it
    field_ops: BTreeMap<(String, String), usize>,
    /// model key → ops that dropped a reference to it
    unref: BTreeMap<String, Vec<usize>>,
    /// table name → op index that freed it
    freed: BTreeMap<String, usize>,
}

fn lower_table_of(state: &Schema, key: &str) -> Option<String> {
    state.table(key).map(|t| t.table_name().to_lowercase())
}

impl Dependencies {
    /// Records operation `i` against the state before it applies; returns
    /// the table name it may let go, for [`Dependencies::after`].
    fn before(&mut self, state: &Schema, i: usize, op: &Op) -> Option<String> {
        let edges = &mut self.edges;
        let made = &mut self.made;
        let field_ops = &mut self.field_ops;
        let mut new_ref = |model: &str, to_field: Option<&String>| {
            if let Some(&j) = made.get(model) {
                edges.insert((i, j));
            }
            if let Some(tf) = to_field
                && let Some(&j) = field_ops.get(&(model.to_string(), tf.clone()))
            {
                edges.insert((i, j));
            }
        };
        match op {
            Op::CreateModel { table } => {
                for r in table.fields.iter().filter_map(|f| f.references.as_ref()) {
                    new_ref(&r.model, r.to_field.as_ref());
                }
            }
            Op::AddField { field, .. } | Op::AlterField { field, .. } => {
                if let Some(r) = &field.references {
                    new_ref(&r.model, r.to_field.as_ref());
                }
            }
            _ => {}
        }
        // Every op on a model follows the op that created or renamed it.
        if let Some(key) = op.model_key()
            && let Some(&j) = self.made.get(&key)
            && j != i
        {
            self.edges.insert((i, j));
        }
        let dropped_refs: Vec<String> = match op {
            Op::RemoveField { model, field } => state
                .table(model)
                .and_then(|t| t.field(field))
                .and_then(|f| f.references.as_ref())
                .map(|r| vec![r.model.clone()])
                .unwrap_or_default(),
            Op::AlterField { model, field, .. } => state
                .table(model)
                .and_then(|t| t.field(&field.name))
                .and_then(|f| f.references.as_ref())
                .filter(|r| field.references.as_ref().is_none_or(|n| n.model != r.model))
                .map(|r| vec![r.model.clone()])
                .unwrap_or_default(),
            Op::DeleteModel { model } => state
                .table(model)
                .map(|t| {
                    t.fields
                        .iter()
                        .filter_map(|f| f.references.as_ref().map(|r| r.model.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        if let Op::DeleteModel { model } = op {
            for &j in self.unref.get(model).into_iter().flatten() {
                self.edges.insert((i, j));
            }
        }
        for m in dropped_refs {
            self.unref.entry(m).or_default().push(i);
        }
        match op {
            Op::CreateModel { table } => {
                self.made.insert(table.key(), i);
            }
            Op::RenameModel { app, new, .. } => {
                self.made.insert(model_key(app, new), i);
            }
            Op::AddField { model, field, .. } | Op::AlterField { model, field, .. } => {
                self.field_ops
                    .insert((model.clone(), field.name.clone()), i);
            }
            _ => {}
        }
        match op {
            Op::DeleteModel { model } | Op::AlterModelTable { model, .. } => {
                lower_table_of(state, model)
            }
            Op::RenameModel { app, old, .. } => lower_table_of(state, &model_key(app, old)),
            _ => None,
        }
    }

    /// Records operation `i` against the state after it applied, with the
    /// table name [`Dependencies::before`] returned.
    fn after(&mut self, state: &Schema, i: usize, op: &Op, before_name: Option<String>) {
        let taken = match op {
            Op::CreateModel { table } => Some(table.table_name().to_lowercase()),
            Op::AlterModelTable { model, .. } => lower_table_of(state, model),
            Op::RenameModel { app, new, .. } => lower_table_of(state, &model_key(app, new)),
            _ => None,
        };
        if let Some(t) = taken.as_ref().filter(|t| Some(*t) != before_name.as_ref())
            && let Some(&j) = self.freed.get(t)
        {
            self.edges.insert((i, j));
        }
        if let Some(b) = before_name {
            let still = match op {
                Op::DeleteModel { .. } => None,
                _ => taken,
            };
            if still.as_ref() != Some(&b) {
                self.freed.insert(b, i);
            }
        }
    }
}
