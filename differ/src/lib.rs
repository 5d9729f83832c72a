//! remodel's differ: the closed set of operations ([`Op`]), how each applies
//! to a state, describes itself and is undone, and the autodetector
//! ([`diff()`]) that turns the history state into the models' state.
//!
//! Everything here is pure: no I/O and no knowledge of any database. What a
//! dialect cannot do directly is decided when rendering SQL.

mod apply;
mod diff;
mod inverse;
mod op;
mod question;
mod rank;

pub use apply::{StateError, replay};
pub use diff::{AnswerKind, Diff, DiffError, diff};
pub use inverse::InverseError;
pub use op::{Description, Op, OpKind, SqlText};
pub use question::{
    Answers, Asked, Candidate, DefaultAnswer, Question, QuestionKind, RenameAnswer, Source,
};
pub use rank::similarity;

#[cfg(test)]
mod tests;
