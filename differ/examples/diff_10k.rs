//! The differ on 10,000-table schemas (DESIGN §9: under 100 ms). Prints
//! figures; asserts nothing about time.
//!
//! `cargo run --release -p remodel-differ --example diff_10k [-- TABLES]`

use remodel_differ::{Answers, Diff, diff, replay};
use remodel_model::{ColumnType, Field, Index, OnDelete, Reference, Schema, Table};
use std::time::{Duration, Instant};

const APPS: usize = 10;

fn key(m: usize) -> String {
    format!("app{:02}.Model{m:05}", m % APPS)
}

fn model(m: usize) -> Table {
    let mut t = Table::new(format!("app{:02}", m % APPS), format!("Model{m:05}"));
    let mut id = Field::new("id", ColumnType::BigInt);
    id.primary_key = true;
    id.auto = remodel_model::Auto::Yes;
    t.fields.push(id);
    t.fields.push(Field::new("title", ColumnType::Varchar(200)));
    t.fields.push(Field::new("body", ColumnType::Text));
    let mut count = Field::new("count", ColumnType::Integer);
    count.null = true;
    t.fields.push(count);
    t.fields.push(Field::new("flag", ColumnType::Boolean));
    // Most models reference an earlier one, some in another app.
    if m > 0 && m % 5 != 0 {
        let target = (m * 7919 + 13) % m;
        let mut f = Field::new("parent", ColumnType::BigInt);
        f.null = true;
        f.index = true;
        f.references = Some(Reference {
            model: key(target),
            to_field: None,
            on_delete: OnDelete::Cascade,
            on_update: remodel_model::OnDelete::NoAction,
            name: None,
        });
        t.fields.push(f);
    }
    t.indexes.push(Index {
        name: None,
        fields: vec!["title".into()],
        unique: false,
        concurrently: false,
        ..Default::default()
    });
    t
}

fn schema(tables: impl IntoIterator<Item = Table>) -> Schema {
    let mut s = Schema::default();
    for t in tables {
        s.insert(t);
    }
    s
}

/// `from` with 1% of models each gaining a field, changing a field, arriving
/// and leaving (none referenced by a model that stays).
fn changed(n: usize, from: &Schema) -> Schema {
    let mut to = from.clone();
    for m in (0..n).step_by(100) {
        let t = to.tables.get_mut(&key(m)).expect("model exists");
        let mut f = Field::new("extra", ColumnType::Text);
        f.null = true;
        t.fields.push(f);
        let f = t.field_mut("title").expect("title");
        f.ty = ColumnType::Varchar(300);
    }
    for m in (n..n + n / 100).map(|m| m + 1) {
        to.insert(model(m));
    }
    // Leaving: the last models nobody references (parents come earlier).
    let referenced: std::collections::BTreeSet<String> = to
        .tables
        .values()
        .flat_map(|t| t.fields.iter().filter_map(|f| f.references.as_ref()))
        .map(|r| r.model.clone())
        .collect();
    let leaving: Vec<String> = (0..n)
        .rev()
        .map(key)
        .filter(|k| !referenced.contains(k))
        .take(n / 100)
        .collect();
    for k in leaving {
        to.tables.remove(&k);
    }
    to
}

fn time(label: &str, runs: usize, from: &Schema, to: &Schema) -> Diff {
    let answers = Answers {
        no_renames: true,
        ..Default::default()
    };
    let mut best = Duration::MAX;
    let mut total = Duration::ZERO;
    let mut d = None;
    for _ in 0..runs {
        let start = Instant::now();
        let out = diff(from, to, &answers).expect("diff");
        let took = start.elapsed();
        best = best.min(took);
        total += took;
        d = Some(out);
    }
    let d = d.expect("at least one run");
    println!(
        "{label:<34} {:>6} ops  best {:>8.2} ms  mean {:>8.2} ms",
        d.ops.len(),
        best.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3 / runs as f64
    );
    d
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("TABLES is a number"))
        .unwrap_or(10_000);
    let runs = 5;
    let empty = Schema::default();
    let from = schema((0..n).map(model));
    let to = changed(n, &from);
    println!("{n} tables in {APPS} apps; {runs} runs each");

    let d = time("initial (empty → N)", runs, &empty, &from);
    let after = replay(&empty, &d.ops).expect("replays");
    assert_eq!(after, from, "the initial diff reaches the models");

    time("no change (N → N)", runs, &from, &from);

    let d = time("1% changed (N → N')", runs, &from, &to);
    let after = replay(&from, &d.ops).expect("replays");
    let again = diff(&after, &to, &Answers::default()).expect("diff");
    assert!(again.ops.is_empty(), "the changes reach the models");

    time("reverse (N' → N)", runs, &to, &from);
}
