//! Merging an app's branches (`makemigrations --merge`): two developers each
//! added a migration after the same one, and git joined their files. Each
//! branch is what one leaf adds since the migrations all leaves share; the
//! merge migration depends on every leaf and holds no operation. Branches
//! whose operations touch the same model or field cannot be merged blindly.

use crate::file::MigrationFile;
use crate::graph::Graph;
use crate::make::{MakeError, MakeOptions, NewMigration};
use remodel_differ::{Description, Op};
use remodel_model::Schema;
use std::collections::BTreeSet;

/// One branch: the migrations a leaf adds since the common ancestors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    /// The leaf, `app.name`.
    pub leaf: String,
    /// Its migrations in the app, in order: name and what each operation does.
    pub migrations: Vec<(String, Vec<Description>)>,
}

/// What two branches both touch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overlap {
    /// `app.Model.field`, or `app.Model` for the whole model.
    pub subject: String,
    /// In each branch: the migration and the operation's description.
    pub sides: [(String, String); 2],
}

/// The merge of one app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merge {
    /// The app.
    pub app: String,
    /// Its branches, in leaf order.
    pub branches: Vec<Branch>,
    /// What two branches both change (the merge is refused while any).
    pub overlaps: Vec<Overlap>,
}

/// What an operation touches: `Model` (all of it), `Model.field`,
/// `Model#what` (a model-level property, or an index or constraint by its
/// effective name in the state `before` it).
fn touches(op: &Op, before: &Schema) -> Vec<String> {
    let named = |model: &str, name: Option<String>| format!("{model}#{}", name.unwrap_or_default());
    match op {
        Op::CreateModel { table } => vec![table.key()],
        Op::DeleteModel { model } => vec![model.clone()],
        Op::CreateEnum { db_enum } => vec![db_enum.key()],
        Op::DeleteEnum { name } => vec![name.clone()],
        Op::RenameModel { app, old, new } => vec![
            remodel_model::model_key(app, old),
            remodel_model::model_key(app, new),
        ],
        Op::AlterModelTable { model, .. } => vec![format!("{model}#table")],
        Op::AlterModelComment { model, .. } => vec![format!("{model}#comment")],
        Op::AlterPrimaryKeyName { model, .. } => vec![format!("{model}#pk_name")],
        Op::AlterModelCharset { model, .. } => vec![format!("{model}#charset")],
        Op::AddField { model, field, .. } | Op::AlterField { model, field, .. } => {
            vec![format!("{model}.{}", field.name)]
        }
        Op::RemoveField { model, field } => vec![format!("{model}.{field}")],
        Op::RenameField { model, old, new } => {
            vec![format!("{model}.{old}"), format!("{model}.{new}")]
        }
        // An index or constraint touches the fields it covers too: removing
        // a field conflicts with indexing it.
        Op::AddIndex { model, index } => {
            let mut out = vec![named(
                model,
                before.table(model).map(|t| t.index_name(index).name),
            )];
            out.extend(index.fields.iter().map(|f| format!("{model}.{f}~")));
            out
        }
        Op::RemoveIndex { model, name } => {
            let mut out = vec![format!("{model}#{name}")];
            if let Some(t) = before.table(model)
                && let Some(ix) = t.indexes.iter().find(|ix| t.index_name(ix).name == *name)
            {
                out.extend(ix.fields.iter().map(|f| format!("{model}.{f}~")));
            }
            out
        }
        Op::RenameIndex { model, old, new } => {
            vec![format!("{model}#{old}"), format!("{model}#{new}")]
        }
        Op::AddConstraint { model, constraint } => {
            let mut out = vec![named(
                model,
                before
                    .table(model)
                    .map(|t| t.constraint_name(constraint).name),
            )];
            out.extend(constraint_fields(before, model, constraint));
            out
        }
        Op::RemoveConstraint { model, name } => {
            let mut out = vec![format!("{model}#{name}")];
            if let Some(t) = before.table(model)
                && let Some(c) = t
                    .constraints
                    .iter()
                    .find(|c| t.constraint_name(c).name == *name)
            {
                out.extend(constraint_fields(before, model, c));
            }
            out
        }
        Op::RunSql { .. } => Vec::new(),
    }
}

/// The fields a constraint covers, as `Model.field~` (see [`overlap`]).
fn constraint_fields(before: &Schema, model: &str, c: &remodel_model::Constraint) -> Vec<String> {
    match c {
        remodel_model::Constraint::Unique { fields, .. } => {
            fields.iter().map(|f| format!("{model}.{f}~")).collect()
        }
        remodel_model::Constraint::Check { expr, .. } => remodel_model::expr::columns(expr)
            .unwrap_or_default()
            .iter()
            .map(|col| {
                let field = before
                    .table(model)
                    .and_then(|t| t.field_by_column(col))
                    .map_or(col.as_str(), |f| f.name.as_str());
                format!("{model}.{field}~")
            })
            .collect(),
    }
}

/// Whether two subjects overlap: equal, or one is a whole model the other
/// is part of.
/// `Model.field~` is a field an index or constraint covers: it overlaps a
/// change of the field itself, not another index on it.
fn overlap(a: &str, b: &str) -> bool {
    let (covered_a, covered_b) = (a.ends_with('~'), b.ends_with('~'));
    if covered_a && covered_b {
        return false;
    }
    let (a, b) = (a.trim_end_matches('~'), b.trim_end_matches('~'));
    let part_of = |part: &str, model: &str| {
        part.strip_prefix(model)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('#'))
    };
    a == b || part_of(a, b) || part_of(b, a)
}

/// The merges the apps need (all apps with two leaves, or those of `apps`).
pub fn merges(graph: &Graph, apps: &[String]) -> Vec<Merge> {
    graph
        .conflicts()
        .into_iter()
        .filter(|(app, _)| apps.is_empty() || apps.contains(app))
        .map(|(app, leaves)| merge_of(graph, app, leaves))
        .collect()
}

fn merge_of(graph: &Graph, app: String, leaves: Vec<String>) -> Merge {
    let reach: Vec<BTreeSet<usize>> = leaves
        .iter()
        .map(|leaf| {
            let i = graph.position(leaf).expect("a leaf is in the graph");
            let mut set = graph.ancestors(i);
            set.insert(i);
            set
        })
        .collect();
    let common: BTreeSet<usize> = reach.iter().skip(1).fold(reach[0].clone(), |acc, r| {
        acc.intersection(r).copied().collect()
    });
    // Each migration's operations with the state before them, from one replay.
    let mut state = Schema::default();
    let mut described: Vec<Vec<(Description, Vec<String>)>> = Vec::new();
    for m in &graph.migrations {
        let mut ops = Vec::new();
        for op in m.file.ops() {
            ops.push((op.describe(&state), touches(op, &state)));
            let _ = op.apply_to(&mut state);
        }
        described.push(ops);
    }
    let mut branches = Vec::new();
    let mut touched: Vec<Vec<(String, String, String)>> = Vec::new();
    for (leaf, r) in leaves.iter().zip(&reach) {
        let mut migrations = Vec::new();
        let mut subjects = Vec::new();
        for &i in r.difference(&common) {
            let m = &graph.migrations[i];
            if m.app != app {
                continue;
            }
            let mut descriptions = Vec::new();
            for (d, t) in &described[i] {
                descriptions.push(d.clone());
                for subject in t {
                    subjects.push((subject.clone(), m.name.clone(), d.text.clone()));
                }
            }
            migrations.push((m.name.clone(), descriptions));
        }
        branches.push(Branch {
            leaf: leaf.clone(),
            migrations,
        });
        touched.push(subjects);
    }
    let mut overlaps = Vec::new();
    let mut seen = BTreeSet::new();
    for x in 0..touched.len() {
        for y in x + 1..touched.len() {
            for (s1, m1, d1) in &touched[x] {
                for (s2, m2, d2) in &touched[y] {
                    let subject = if s1.len() <= s2.len() { s1 } else { s2 };
                    if overlap(s1, s2) && seen.insert((subject.clone(), m1.clone(), m2.clone())) {
                        overlaps.push(Overlap {
                            subject: subject
                                .trim_end_matches('~')
                                .split('#')
                                .next()
                                .unwrap_or(subject)
                                .to_string(),
                            sides: [(m1.clone(), d1.clone()), (m2.clone(), d2.clone())],
                        });
                    }
                }
            }
        }
    }
    Merge {
        app,
        branches,
        overlaps,
    }
}

/// The merge migration: the app's next number, named after the leaves
/// (`merge_<leaves>`, or `merge_<timestamp>` past 47 characters) unless
/// `--name` says otherwise, depending on every leaf.
pub fn merge_migration(
    graph: &Graph,
    merge: &Merge,
    opts: &MakeOptions,
) -> Result<NewMigration, MakeError> {
    crate::make::check_name(opts.name)?;
    let mut leaf_names: Vec<&str> = merge
        .branches
        .iter()
        .map(|b| b.leaf.split_once('.').map_or(b.leaf.as_str(), |(_, n)| n))
        .collect();
    leaf_names.sort();
    let stem = match opts.name {
        Some(n) => n.to_string(),
        None => {
            let joined = format!("merge_{}", leaf_names.join("_"));
            if joined.len() > 47 {
                format!("merge_{}", opts.now.stamp())
            } else {
                joined
            }
        }
    };
    let name = format!("{:04}_{stem}", graph.max_number(&merge.app) + 1);
    let mut dependencies: Vec<String> = merge.branches.iter().map(|b| b.leaf.clone()).collect();
    dependencies.sort();
    let file = MigrationFile {
        dependencies,
        initial: false,
        atomic: true,
        replaces: Vec::new(),
        operations: None,
    };
    let text = file.to_toml(&Schema::default());
    Ok(NewMigration {
        app: merge.app.clone(),
        path: opts.dir.join(&merge.app).join(format!("{name}.toml")),
        name,
        file,
        text,
        descriptions: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Migration;
    use crate::naming::UtcTime;
    use std::path::{Path, PathBuf};

    fn mig(app: &str, name: &str, text: &str) -> Migration {
        let file = crate::file::parse(text, app).unwrap();
        Migration {
            app: app.into(),
            name: name.into(),
            number: name[..4].parse().unwrap(),
            path: PathBuf::from(format!("migrations/{app}/{name}.toml")),
            checksum: String::new(),
            op_lines: vec![],
            file,
        }
    }

    const INITIAL: &str = "initial = true\n\n[[operations]]\nop = \"CreateModel\"\nname = \"Item\"\nfields = [{ name = \"id\", type = \"bigint\", primary_key = true }, { name = \"a\", type = \"integer\" }]\n";

    fn add(field: &str, after: &str) -> String {
        format!(
            "dependencies = [\"{after}\"]\n\n[[operations]]\nop = \"AddField\"\nmodel = \"shop.Item\"\nfield = {{ name = \"{field}\", type = \"integer\", null = true }}\n"
        )
    }

    fn opts(name: Option<&str>) -> MakeOptions<'_> {
        MakeOptions {
            name,
            now: UtcTime::from_unix(0),
            dir: Path::new("migrations"),
        }
    }

    #[test]
    fn subjects_overlap_when_equal_or_inside_a_whole_model() {
        assert!(overlap("shop.Item.a", "shop.Item.a"));
        assert!(overlap("shop.Item", "shop.Item.a"));
        assert!(overlap("shop.Item#item_a_idx", "shop.Item"));
        assert!(!overlap("shop.Item.a", "shop.Item.b"));
        assert!(!overlap("shop.Item", "shop.Items.a"));
        assert!(!overlap("shop.Item#comment", "shop.Item.a"));
        // A field an index covers overlaps a change of the field, not
        // another index on it.
        assert!(overlap("shop.Item.a~", "shop.Item.a"));
        assert!(overlap("shop.Item", "shop.Item.a~"));
        assert!(!overlap("shop.Item.a~", "shop.Item.a~"));
    }

    #[test]
    fn removing_a_field_one_branch_indexes_is_an_overlap() {
        let remove = "dependencies = [\"shop.0001_initial\"]\n\n[[operations]]\nop = \"RemoveField\"\nmodel = \"shop.Item\"\nfield = \"a\"\n";
        let index = "dependencies = [\"shop.0001_initial\"]\n\n[[operations]]\nop = \"AddIndex\"\nmodel = \"shop.Item\"\nindex = { name = \"item_a_idx\", fields = [\"a\"] }\n";
        let g = Graph::new(vec![
            mig("shop", "0001_initial", INITIAL),
            mig("shop", "0002_item_a_idx", index),
            mig("shop", "0002_remove_item_a", remove),
        ])
        .unwrap();
        let m = &merges(&g, &[])[0];
        assert_eq!(m.overlaps.len(), 1, "{:?}", m.overlaps);
        assert_eq!(m.overlaps[0].subject, "shop.Item.a");
    }

    #[test]
    fn each_branch_is_what_its_leaf_adds_since_the_shared_migrations() {
        let g = Graph::new(vec![
            mig("shop", "0001_initial", INITIAL),
            mig("shop", "0002_item_b", &add("b", "shop.0001_initial")),
            mig("shop", "0003_item_c", &add("c", "shop.0002_item_b")),
            mig("shop", "0003_item_d", &add("d", "shop.0002_item_b")),
            mig("shop", "0004_item_e", &add("e", "shop.0003_item_d")),
        ])
        .unwrap();
        let merges = merges(&g, &[]);
        assert_eq!(merges.len(), 1);
        let m = &merges[0];
        assert!(m.overlaps.is_empty());
        let names: Vec<Vec<&str>> = m
            .branches
            .iter()
            .map(|b| b.migrations.iter().map(|(n, _)| n.as_str()).collect())
            .collect();
        assert_eq!(
            names,
            vec![vec!["0003_item_c"], vec!["0003_item_d", "0004_item_e"]]
        );
        let new = merge_migration(&g, m, &opts(None)).unwrap();
        assert_eq!(new.name, "0005_merge_0003_item_c_0004_item_e");
        assert_eq!(
            new.file.dependencies,
            vec!["shop.0003_item_c", "shop.0004_item_e"]
        );
        assert_eq!(
            merge_migration(&g, m, &opts(Some("join"))).unwrap().name,
            "0005_join"
        );
    }

    #[test]
    fn a_field_both_branches_change_is_an_overlap() {
        let alter = "dependencies = [\"shop.0001_initial\"]\n\n[[operations]]\nop = \"AlterField\"\nmodel = \"shop.Item\"\nfield = { name = \"a\", type = \"bigint\" }\n";
        let rename = "dependencies = [\"shop.0001_initial\"]\n\n[[operations]]\nop = \"RenameField\"\nmodel = \"shop.Item\"\nold = \"a\"\nnew = \"z\"\n";
        let g = Graph::new(vec![
            mig("shop", "0001_initial", INITIAL),
            mig("shop", "0002_alter", alter),
            mig("shop", "0002_rename", rename),
        ])
        .unwrap();
        let m = &merges(&g, &[])[0];
        assert_eq!(m.overlaps.len(), 1);
        assert_eq!(m.overlaps[0].subject, "shop.Item.a");
        assert_eq!(m.overlaps[0].sides[0].0, "0002_alter");
        assert_eq!(m.overlaps[0].sides[1].0, "0002_rename");
    }

    #[test]
    fn a_long_merge_name_becomes_a_timestamp() {
        let g = Graph::new(vec![
            mig("shop", "0001_initial", INITIAL),
            mig(
                "shop",
                "0002_item_with_a_very_long_name_b",
                &add("b", "shop.0001_initial"),
            ),
            mig(
                "shop",
                "0002_item_with_a_very_long_name_c",
                &add("c", "shop.0001_initial"),
            ),
        ])
        .unwrap();
        let m = &merges(&g, &[])[0];
        assert_eq!(
            merge_migration(&g, m, &opts(None)).unwrap().name,
            "0003_merge_19700101_0000"
        );
    }
}
