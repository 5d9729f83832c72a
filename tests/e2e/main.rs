//! End-to-end tests: they drive the built `remodel` binary on temporary
//! project folders, as a user does, and look at what it wrote, printed and
//! left in the database.

mod adopt_objects;
mod auto_fields;
mod cache;
mod clinic;
mod collations;
mod enums;
mod errors;
mod generated;
mod histories;
mod history;
mod index_options;
mod inspectdb;
mod json;
mod keeps;
mod keeps_property;
mod makemigrations;
mod on_update_sql;
mod partitions;
mod prompts;
mod realworld;
mod realworld_adoption;
mod run_sql_creates;
mod scenarios;
mod servers;
mod unsigned;
mod upgrade;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_remodel");

pub use remodel_testkit::{Run, TestProject};

/// A fresh copy of the bundled example.
pub fn clinic() -> TestProject {
    TestProject::from_fixture(BIN, "clinic")
}

/// An empty project.
pub fn project() -> TestProject {
    TestProject::new(BIN)
}

/// Asserts that a run refused: the exit code, nothing on stdout, and each
/// piece of text on stderr.
#[track_caller]
pub fn refused(run: &Run, code: i32, stderr_has: &[&str]) {
    run.expect(code);
    assert!(
        run.stdout.is_empty(),
        "a refusal prints nothing on stdout:\n{}",
        run.stdout
    );
    for needle in stderr_has {
        assert!(
            run.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            run.stderr
        );
    }
}
