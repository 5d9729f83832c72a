//! remodel's migrations: the files ([`file`]) and what is cached of them ([`cache`]), loading a project's
//! migrations into their dependency graph ([`graph`]), plans to a target
//! ([`plan`]), the history table ([`history`]), the runner that applies and
//! unapplies ([`runner`]), merges of an app's branches ([`merge`]), one `migrate` run's checks and plan
//! ([`session`]), and new migrations from the differ's operations
//! ([`make`]).

pub mod adoption;
pub mod cache;
pub mod drift;
pub mod file;
pub mod graph;
pub mod history;
pub mod make;
pub mod merge;
pub mod naming;
pub mod plan;
pub mod runner;
pub mod session;
mod toml_text;

pub use graph::{Graph, LoadError, Migration};
pub use plan::{Direction, PlanError, Step, Target};
