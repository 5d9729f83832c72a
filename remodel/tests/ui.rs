//! Every error `#[derive(Model)]` reports, as compiler output snapshots.
//!
//! One file per message under `tests/ui/`. Regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p remodel --test ui` and read the diff.

#[test]
fn derive_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
