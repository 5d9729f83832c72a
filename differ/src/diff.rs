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
    let after = dependencies(from, &d.ops)?;
    Ok(Diff {
        ops: d.ops,
        asked: d.asked,
        after,
        unused,
    })
}

struct Differ<'a> {
    to: &'a Schema,
    answers: &'a Answers,
    state: Schema,
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
    let norm = |f: &Field| Field {
        column: Some(f.column_name().to_string()),
        ..f.clone()
    };
    norm(a) == norm(b)
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

impl Differ<'_> {
    fn emit(&mut self, op: Op) -> Result<(), DiffError> {
        op.apply_to(&mut self.state).map_err(|e| {
            DiffError::Internal(format!(
                "generated {} does not apply: {e}",
                op.kind().name()
            ))
        })?;
        self.ops.push(op);
        Ok(())
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

    fn common_keys(&self) -> Vec<String> {
        self.to
            .tables
            .keys()
            .filter(|k| self.state.tables.contains_key(*k))
            .cloned()
            .collect()
    }

    // Phase: RenameModel (with an AlterModelTable first when the table keeps its name).
    fn rename_models(&mut self) -> Result<(), DiffError> {
        for app in self.to.apps() {
            let mut consumed: Vec<String> = Vec::new();
            let created: Vec<String> = self
                .to
                .app_tables(&app)
                .filter(|t| !self.state.tables.contains_key(&t.key()))
                .map(Table::key)
                .collect();
            for new_key in created {
                let lost: Vec<Table> = self
                    .state
                    .app_tables(&app)
                    .filter(|t| {
                        !self.to.tables.contains_key(&t.key()) && !consumed.contains(&t.name)
                    })
                    .cloned()
                    .collect();
                if lost.is_empty() {
                    break;
                }
                let new_t = &self.to.tables[&new_key];
                let lost_refs: Vec<&Table> = lost.iter().collect();
                let candidates = model_candidates(&lost_refs, new_t);
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
                consumed.push(old);
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
        for to_key in arrived {
            let name = &self.to.tables[&to_key].name;
            let from_key = self
                .state
                .tables
                .values()
                .find(|t| {
                    t.name == *name
                        && t.app != self.to.tables[&to_key].app
                        && !self.to.tables.contains_key(&t.key())
                })
                .map(Table::key);
            let Some(from_key) = from_key else { continue };
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
        for key in self.common_keys() {
            let to_t = self.to.tables[&key].clone();
            let mut consumed: Vec<String> = Vec::new();
            let gained: Vec<Field> = to_t
                .fields
                .iter()
                .filter(|f| self.state.tables[&key].field(&f.name).is_none())
                .cloned()
                .collect();
            for new_f in gained {
                let st = self.state.tables[&key].clone();
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
                        model: key.clone(),
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
                let old_f = st
                    .field(&old)
                    .expect("candidates are fields of the state")
                    .clone();
                if old_f.column.is_none() && new_f.column_name() == old_f.column_name() {
                    let kept = Field {
                        column: Some(old_f.column_name().to_string()),
                        ..old_f.clone()
                    };
                    self.emit(Op::AlterField {
                        model: key.clone(),
                        field: kept,
                        preserve_default: true,
                    })?;
                }
                self.emit(Op::RenameField {
                    model: key.clone(),
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
        for key in self.common_keys() {
            let st = &self.state.tables[&key];
            let tt = &self.to.tables[&key];
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
                        model: key.clone(),
                        old,
                        new: tt.index_name(ti).name,
                    });
                } else {
                    remove_indexes.push(Op::RemoveIndex {
                        model: key.clone(),
                        name: old,
                    });
                }
            }
            add_indexes.extend(unmatched_t.into_iter().map(|ti| (key.clone(), ti.clone())));

            for sc in &st.constraints {
                let kept = tt.constraints.iter().any(|tc| {
                    same_constraint_def(sc, tc)
                        && ((sc.explicit_name().is_none() && tc.explicit_name().is_none())
                            || st.constraint_name(sc).name == tt.constraint_name(tc).name)
                });
                if !kept {
                    remove_constraints.push(Op::RemoveConstraint {
                        model: key.clone(),
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
                    add_constraints.push((key.clone(), tc.clone()));
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
        let holder = self
            .state
            .tables
            .values()
            .find(|t| t.key() != taker && t.table_name().eq_ignore_ascii_case(name))
            .map(Table::key);
        let Some(holder) = holder else { return Ok(()) };
        match self.to.tables.get(&holder) {
            None => self.delete_now(&holder, &mut BTreeSet::new()),
            Some(t) if !t.table_name().eq_ignore_ascii_case(name) => {
                let target = t.table_name();
                let target_taken = self
                    .state
                    .tables
                    .values()
                    .any(|o| o.key() != holder && o.table_name().eq_ignore_ascii_case(&target));
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
        while !pending.is_empty() {
            let waits_on = |t: &Table, pending: &BTreeMap<String, Table>| {
                t.fields.iter().any(|f| {
                    f.references
                        .as_ref()
                        .is_some_and(|r| r.model != t.key() && pending.contains_key(&r.model))
                })
            };
            let ready = pending
                .iter()
                .find(|(_, t)| !waits_on(t, &pending))
                .map(|(k, _)| k.clone());
            let key = match ready {
                Some(k) => k,
                // A cycle: create the first model on it without its references
                // to models still pending, and add those fields afterwards.
                None => first_on_cycle(&pending),
            };
            let mut t = pending.remove(&key).expect("key is pending");
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
        for key in self.common_keys() {
            let tt = &self.to.tables[&key];
            let mut gained: Vec<Field> = tt
                .fields
                .iter()
                .filter(|f| self.state.tables[&key].field(&f.name).is_none())
                .cloned()
                .collect();
            gained.sort_by(|a, b| a.name.cmp(&b.name));
            for f in gained {
                let needs_value = !f.null
                    && f.default.is_none()
                    && !f.auto
                    && !self.created.contains(&key)
                    && !self.undecided.contains(&format!("{key}.{}", f.name));
                if needs_value && self.to.tables[&key].managed {
                    match self.default_answer(&key, &f, false) {
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
                            let (field, keep) = Self::one_off(&f, &key, a)?;
                            adds.push((key.clone(), field, keep));
                        }
                        None => adds.push((key.clone(), f, true)),
                    }
                } else {
                    adds.push((key.clone(), f, true));
                }
            }
        }
        adds.sort_by(|a, b| (&a.0, &a.1.name).cmp(&(&b.0, &b.1.name)));
        // A field referencing another field added here comes after it.
        let mut ordered: Vec<(String, Field, bool)> = Vec::new();
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
        for key in self.common_keys() {
            let tt = self.to.tables[&key].clone();
            let st = self.state.tables[&key].clone();
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
                    match self.default_answer(&key, &tf, true) {
                        Some(a) => {
                            let (f, keep) = Self::one_off(&tf, &key, a)?;
                            (f, keep)
                        }
                        None => (tf.clone(), true),
                    }
                } else {
                    (tf.clone(), true)
                };
                if sf.column_name() != tf.column_name() {
                    self.free_column(&key, &tf.name, tf.column_name())?;
                }
                self.emit(Op::AlterField {
                    model: key.clone(),
                    field,
                    preserve_default,
                })?;
            }
        }
        Ok(())
    }

    // Phases: AlterModelTable, AlterModelComment.
    fn alter_tables(&mut self) -> Result<(), DiffError> {
        for key in self.common_keys() {
            let tt = self.to.tables[&key].clone();
            let st = &self.state.tables[&key];
            if st.table_name() != tt.table_name() {
                self.free_table_name(&tt.table_name(), &key)?;
                self.emit(Op::AlterModelTable {
                    model: key.clone(),
                    table: tt.db_table.clone(),
                })?;
            }
        }
        for key in self.common_keys() {
            let tt = &self.to.tables[&key];
            if self.state.tables[&key].comment != tt.comment {
                let op = Op::AlterModelComment {
                    model: key.clone(),
                    comment: tt.comment.clone(),
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
        indexes.sort_by_key(|(k, ix)| (k.clone(), to.tables[k].index_name(ix).name));
        constraints.sort_by_key(|(k, c)| (k.clone(), to.tables[k].constraint_name(c).name));
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
        for key in self.common_keys() {
            let tt = &self.to.tables[&key];
            let mut lost: Vec<String> = self.state.tables[&key]
                .fields
                .iter()
                .filter(|f| tt.field(&f.name).is_none())
                .map(|f| f.name.clone())
                .collect();
            lost.sort();
            for field in lost {
                self.emit(Op::RemoveField {
                    model: key.clone(),
                    field,
                })?;
            }
        }
        Ok(())
    }

    // Phase: DeleteModel, children before their parents.
    fn delete_models(&mut self) -> Result<(), DiffError> {
        let mut pending: Vec<String> = self
            .state
            .tables
            .keys()
            .filter(|k| !self.to.tables.contains_key(*k))
            .cloned()
            .collect();
        while !pending.is_empty() {
            let refs_to = |k: &str, pending: &[String], state: &Schema| -> Vec<(String, String)> {
                pending
                    .iter()
                    .filter(|other| *other != k)
                    .flat_map(|other| {
                        state.tables[other]
                            .fields
                            .iter()
                            .filter(|f| f.references.as_ref().is_some_and(|r| r.model == k))
                            .map(move |f| (other.clone(), f.name.clone()))
                    })
                    .collect()
            };
            match pending
                .iter()
                .position(|k| refs_to(k, &pending, &self.state).is_empty())
            {
                Some(pos) => {
                    let key = pending.remove(pos);
                    self.emit(Op::DeleteModel { model: key })?;
                }
                // A cycle among the dropped models: remove the references to the
                // first one, so that undoing this migration can recreate them
                // in order.
                None => {
                    for (model, field) in refs_to(&pending[0], &pending, &self.state) {
                        self.emit(Op::RemoveField { model, field })?;
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
/// after the fields referencing it are gone.
fn dependencies(from: &Schema, ops: &[Op]) -> Result<Vec<(usize, usize)>, DiffError> {
    let mut edges = BTreeSet::new();
    // model key (after the op) → op index that created or renamed it
    let mut made: BTreeMap<String, usize> = BTreeMap::new();
    // (model, field) → op index that added or altered it
    let mut field_ops: BTreeMap<(String, String), usize> = BTreeMap::new();
    // model key → ops that dropped a reference to it
    let mut unref: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    // table name → op index that freed it
    let mut freed: BTreeMap<String, usize> = BTreeMap::new();
    let mut state = from.clone();
    for (i, op) in ops.iter().enumerate() {
        let refs_of = |fields: &[Field]| -> Vec<(String, Option<String>)> {
            fields
                .iter()
                .filter_map(|f| {
                    f.references
                        .as_ref()
                        .map(|r| (r.model.clone(), r.to_field.clone()))
                })
                .collect()
        };
        let new_refs = match op {
            Op::CreateModel { table } => refs_of(&table.fields),
            Op::AddField { field, .. } | Op::AlterField { field, .. } => {
                refs_of(std::slice::from_ref(field))
            }
            _ => Vec::new(),
        };
        for (model, to_field) in new_refs {
            if let Some(&j) = made.get(&model) {
                edges.insert((i, j));
            }
            if let Some(tf) = to_field
                && let Some(&j) = field_ops.get(&(model.clone(), tf))
            {
                edges.insert((i, j));
            }
        }
        // Every op on a model follows the op that created or renamed it.
        if let Some(key) = op.model_key()
            && let Some(&j) = made.get(&key)
            && j != i
        {
            edges.insert((i, j));
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
            for &j in unref.get(model).into_iter().flatten() {
                edges.insert((i, j));
            }
        }
        for m in dropped_refs {
            unref.entry(m).or_default().push(i);
        }
        match op {
            Op::CreateModel { table } => {
                made.insert(table.key(), i);
            }
            Op::RenameModel { app, new, .. } => {
                made.insert(model_key(app, new), i);
            }
            Op::AddField { model, field, .. } | Op::AlterField { model, field, .. } => {
                field_ops.insert((model.clone(), field.name.clone()), i);
            }
            _ => {}
        }
        // A table name is taken only after whoever held it let it go.
        let table_of =
            |st: &Schema, key: &str| st.table(key).map(|t| t.table_name().to_lowercase());
        let before_name = match op {
            Op::DeleteModel { model } | Op::AlterModelTable { model, .. } => {
                table_of(&state, model)
            }
            Op::RenameModel { app, old, .. } => table_of(&state, &model_key(app, old)),
            _ => None,
        };
        let mut next = state.clone();
        let _ = op.apply_to(&mut next);
        let taken = match op {
            Op::CreateModel { table } => Some(table.table_name().to_lowercase()),
            Op::AlterModelTable { model, .. } => table_of(&next, model),
            Op::RenameModel { app, new, .. } => table_of(&next, &model_key(app, new)),
            _ => None,
        };
        if let Some(t) = taken.clone().filter(|t| Some(t) != before_name.as_ref())
            && let Some(&j) = freed.get(&t)
        {
            edges.insert((i, j));
        }
        if let Some(b) = before_name {
            let still = match op {
                Op::DeleteModel { .. } => None,
                _ => taken.clone(),
            };
            if still.as_ref() != Some(&b) {
                freed.insert(b, i);
            }
        }
        op.apply_to(&mut state).map_err(|e| {
            DiffError::Internal(format!("operation {} does not replay: {e}", i + 1))
        })?;
    }
    Ok(edges.into_iter().collect())
}
