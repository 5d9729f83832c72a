//! End-to-end tests: they drive the built `remodel` binary on temporary
//! project folders, as a user does, and look at what it wrote, printed and
//! left in the database.

mod clinic;
mod errors;
mod makemigrations;
mod scenarios;

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
