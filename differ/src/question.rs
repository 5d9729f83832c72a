//! Questions the differ cannot answer alone, and the answers to them
//! (DESIGN §4). Both are plain data with stable ids: the CLI asks at a
//! terminal or reads flags and hints; tests pass answers directly.

use remodel_model::{ColumnType, Literal};
use std::collections::BTreeMap;

/// One candidate for a rename, with why it is ranked where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The old field or model name.
    pub old: String,
    /// `same definition`, `same type family, 82% similar name`, …
    pub reason: String,
    /// 0 same definition, 1 same type family, 2 other.
    pub rank: u8,
    /// Name similarity in percent.
    pub similarity: u8,
}

/// What is asked.
#[derive(Debug, Clone, PartialEq)]
pub enum QuestionKind {
    /// A model appeared while others of its app disappeared.
    RenameModel {
        /// The app.
        app: String,
        /// The new struct name.
        new: String,
        /// Models of the app that disappeared, best first.
        candidates: Vec<Candidate>,
    },
    /// A model disappeared from one app while one of the same name appeared in
    /// another: a move between apps, which remodel cannot migrate; only
    /// "a new model" (drop and create) is an accepted answer.
    MovedModel {
        /// `app.Model` that disappeared.
        from: String,
        /// `app.Model` that appeared.
        to: String,
    },
    /// A field appeared while others of its model disappeared.
    RenameField {
        /// `app.Model` (its name in the new models).
        model: String,
        /// The new field.
        new: String,
        /// The new field's type token.
        ty: ColumnType,
        /// Fields that disappeared, best first.
        candidates: Vec<Candidate>,
    },
    /// A NOT NULL field without default is added to, or a field made NOT NULL
    /// in, a table that may hold rows: what value do existing rows get?
    OneOffDefault {
        /// `app.Model`.
        model: String,
        /// The field.
        field: String,
        /// Its type.
        ty: ColumnType,
        /// `true` when an existing nullable field is made NOT NULL (then
        /// "ignore" is a possible answer).
        altering: bool,
    },
}

/// A question with its stable id.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// `rename-field:exams.Monitoreo.uso_diario`, `rename-model:patients.Person`,
    /// `default:patients.Patient.estado`.
    pub id: String,
    /// What is asked.
    pub kind: QuestionKind,
}

/// An answer to a rename question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RenameAnswer {
    /// Renamed from this old name.
    From(String),
    /// A new field or model: no rename.
    New,
}

/// An answer to a one-off default question.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultAnswer {
    /// Fill existing rows with this value (not kept as the column default).
    Value(Literal),
    /// Make the column NOT NULL as is; migrate fails if NULL rows exist.
    Ignore,
}

/// Where an answer came from, so messages can say which flag or hint to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag.
    Flag,
    /// A `renamed_from` hint in the model.
    Hint,
    /// The terminal.
    Prompt,
}

/// Answers, keyed like the questions' subjects.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    /// Field renames keyed `app.Model.new_field`.
    pub fields: BTreeMap<String, (RenameAnswer, Source)>,
    /// Model renames keyed `app.NewModel`.
    pub models: BTreeMap<String, (RenameAnswer, Source)>,
    /// One-off defaults keyed `app.Model.field`.
    pub defaults: BTreeMap<String, (DefaultAnswer, Source)>,
    /// `--no-renames`: every unanswered rename question is answered "new".
    pub no_renames: bool,
}

impl Question {
    /// The key its answer is stored under in [`Answers`].
    pub fn subject(&self) -> String {
        match &self.kind {
            QuestionKind::RenameModel { app, new, .. } => format!("{app}.{new}"),
            QuestionKind::MovedModel { to, .. } => to.clone(),
            QuestionKind::RenameField { model, new, .. } => format!("{model}.{new}"),
            QuestionKind::OneOffDefault { model, field, .. } => format!("{model}.{field}"),
        }
    }
}

/// A question, and the answer that was used for it, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    /// The question.
    pub question: Question,
    /// Whether it was answered (by flag, hint, prompt or `--no-renames`).
    pub answered: bool,
}
