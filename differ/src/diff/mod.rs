//! The autodetector: compares the history state with the models and returns
//! the operations that turn one into the other, plus the questions it could
//! not answer itself. Pure: no I/O, no dialect knowledge.
//!
//! Operations are generated phase by phase in the tie-break order of DESIGN §7
//! and applied to a working copy of the state as they are generated, so the
//! list replays exactly as written; dependencies inside a phase (a referenced
//! model is created first, a child dropped before its parent) order each phase.
//! The phases live one group per file: `enums.rs`, `models.rs`,
//! `fields.rs`, `indexes.rs`; `ordering.rs` keeps the order across the
//! whole list.

use crate::op::Op;
use crate::question::{
    Answers, Asked, Candidate, DefaultAnswer, Question, QuestionKind, RenameAnswer, Source,
};
use crate::rank::{field_candidates, model_candidates};
use remodel_model::{ColumnDefault, Constraint, Field, Index, Schema, Table, model_key, split_key};
use std::collections::{BTreeMap, BTreeSet};

mod enums;
mod fields;
mod indexes;
mod models;
mod ordering;

use ordering::Dependencies;

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
    d.create_enums()?;
    let (split_indexes, split_constraints) = d.create_models()?;
    d.add_fields(false)?;
    d.alter_fields()?;
    d.add_fields(true)?;
    d.alter_tables()?;
    d.add_indexes_constraints(
        new_indexes,
        new_constraints,
        split_indexes,
        split_constraints,
    )?;
    d.remove_fields()?;
    d.delete_models()?;
    d.delete_enums()?;

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
}

fn not_a_candidate(what: &str, old: &str, candidates: &[Candidate]) -> String {
    let names: Vec<&str> = candidates.iter().map(|c| c.old.as_str()).collect();
    format!(
        "`{old}` is not a {what} that disappeared (candidates: {})",
        names.join(", ")
    )
}
