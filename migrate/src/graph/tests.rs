use super::*;
use crate::plan::{Direction, Target, check_consistent, plan};

fn mig(app: &str, name: &str, deps: &[&str]) -> Migration {
    Migration {
        app: app.into(),
        name: name.into(),
        number: name[..4].parse().unwrap(),
        path: PathBuf::from(format!("migrations/{app}/{name}.toml")),
        file: MigrationFile {
            dependencies: deps.iter().map(|d| d.to_string()).collect(),
            initial: false,
            atomic: true,
            replaces: vec![],
            operations: None,
        },
        checksum: String::new(),
        op_lines: vec![],
    }
}

fn clinic() -> Graph {
    Graph::new(vec![
        mig("exams", "0001_initial", &["patients.0001_initial"]),
        mig("patients", "0002_b", &["patients.0001_initial"]),
        mig("patients", "0001_initial", &[]),
        mig(
            "exams",
            "0002_c",
            &["exams.0001_initial", "patients.0002_b"],
        ),
        mig("patients", "0003_d", &["patients.0002_b"]),
    ])
    .unwrap()
}

fn keys(g: &Graph, steps: &[crate::Step]) -> Vec<String> {
    steps
        .iter()
        .map(|s| {
            format!(
                "{}{}",
                if s.direction == Direction::Forward {
                    "+"
                } else {
                    "-"
                },
                g.migrations[s.index].key()
            )
        })
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn orders_dependencies_first_then_by_app_and_number() {
    let g = clinic();
    let order: Vec<String> = g.migrations.iter().map(Migration::key).collect();
    assert_eq!(
        order,
        [
            "patients.0001_initial",
            "exams.0001_initial",
            "patients.0002_b",
            "exams.0002_c",
            "patients.0003_d"
        ]
    );
    assert_eq!(g.leaves("patients"), ["patients.0003_d"]);
    assert!(g.conflicts().is_empty());
    assert_eq!(g.max_number("patients"), 3);
}

#[test]
fn missing_dependencies_and_cycles_are_named() {
    let err = Graph::new(vec![mig("a", "0001_x", &["a.0000_nope"])]).unwrap_err();
    assert_eq!(
        err[0].to_string(),
        "migrations/a/0001_x.toml: depends on a.0000_nope, which does not exist"
    );
    let err = Graph::new(vec![
        mig("a", "0001_x", &["b.0001_y"]),
        mig("b", "0001_y", &["a.0001_x"]),
    ])
    .unwrap_err();
    let text = err[0].to_string();
    assert!(
        text.contains("cycle") && text.contains("a.0001_x") && text.contains("b.0001_y"),
        "{text}"
    );
}

#[test]
fn two_leaves_are_a_conflict() {
    let g = Graph::new(vec![
        mig("a", "0001_x", &[]),
        mig("a", "0002_left", &["a.0001_x"]),
        mig("a", "0002_right", &["a.0001_x"]),
    ])
    .unwrap();
    assert_eq!(
        g.conflicts(),
        vec![(
            "a".to_string(),
            vec!["a.0002_left".to_string(), "a.0002_right".to_string()]
        )]
    );
    let err = plan(&g, &BTreeSet::new(), &Target::All).unwrap_err();
    assert!(err.to_string().contains("makemigrations --merge"));
}

#[test]
fn names_resolve_by_unambiguous_prefix() {
    let g = clinic();
    assert_eq!(g.resolve("patients", "0002").unwrap(), "patients.0002_b");
    assert_eq!(g.resolve("patients", "0003_d").unwrap(), "patients.0003_d");
    let e = g.resolve("patients", "0009").unwrap_err();
    assert!(e.contains("has no migration matching '0009'"), "{e}");
    assert!(
        g.resolve("patients", "000")
            .unwrap_err()
            .contains("matches more than one")
    );
}

#[test]
fn plans_forward_backward_and_zero() {
    let g = clinic();
    let none = BTreeSet::new();
    assert_eq!(
        keys(&g, &plan(&g, &none, &Target::App("exams".into())).unwrap()),
        [
            "+patients.0001_initial",
            "+exams.0001_initial",
            "+patients.0002_b",
            "+exams.0002_c"
        ]
    );
    let all = set(&[
        "patients.0001_initial",
        "exams.0001_initial",
        "patients.0002_b",
        "exams.0002_c",
        "patients.0003_d",
    ]);
    // Back to patients 0001: exams.0002_c depends on patients.0002_b, so it goes first.
    assert_eq!(
        keys(
            &g,
            &plan(&g, &all, &Target::Node("patients.0001_initial".into())).unwrap()
        ),
        ["-patients.0003_d", "-exams.0002_c", "-patients.0002_b"]
    );
    assert_eq!(
        keys(
            &g,
            &plan(&g, &all, &Target::Zero("patients".into())).unwrap()
        ),
        [
            "-patients.0003_d",
            "-exams.0002_c",
            "-patients.0002_b",
            "-exams.0001_initial",
            "-patients.0001_initial"
        ]
    );
    assert!(plan(&g, &all, &Target::All).unwrap().is_empty());
    assert!(
        plan(&g, &all, &Target::Node("patients.0003_d".into()))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn inconsistent_history_is_reported() {
    let g = clinic();
    let err = check_consistent(&g, &set(&["exams.0001_initial"])).unwrap_err();
    assert!(
        err.to_string().starts_with(
            "migration exams.0001_initial is applied before its dependency patients.0001_initial; the history is inconsistent\n  = help: either patients.0001_initial was applied outside remodel"
        ),
        "{err}"
    );
}

fn squash() -> Vec<Migration> {
    let mut s = mig("shop", "0001_squashed_0002_b", &[]);
    s.file.replaces = vec!["shop.0001_initial".into(), "shop.0002_b".into()];
    vec![
        mig("shop", "0001_initial", &[]),
        mig("shop", "0002_b", &["shop.0001_initial"]),
        s,
        mig("shop", "0003_c", &["shop.0002_b"]),
        mig("other", "0001_initial", &["shop.0001_squashed_0002_b"]),
    ]
}

fn names(g: &Graph) -> Vec<String> {
    g.migrations.iter().map(Migration::key).collect()
}

#[test]
fn a_squash_is_used_when_none_or_all_of_what_it_replaces_is_applied() {
    let g = Graph::new(squash()).unwrap();
    assert_eq!(
        names(&g),
        [
            "shop.0001_squashed_0002_b",
            "other.0001_initial",
            "shop.0003_c"
        ]
    );
    let c = g.position("shop.0003_c").unwrap();
    assert_eq!(
        g.dependencies(c)
            .iter()
            .map(|&d| g.migrations[d].key())
            .collect::<Vec<_>>(),
        ["shop.0001_squashed_0002_b"],
        "a dependency on a replaced migration points to the squash"
    );
    assert!(
        g.for_history(&set(&["shop.0001_initial", "shop.0002_b"]))
            .unwrap()
            .is_some_and(|h| names(&h) == names(&g))
    );
    assert_eq!(
        g.replaced_by("shop.0002_b").map(Migration::key).as_deref(),
        Some("shop.0001_squashed_0002_b")
    );
}

#[test]
fn a_squash_applied_in_part_gives_way_to_what_it_replaces() {
    let g = Graph::new(squash()).unwrap();
    let h = g
        .for_history(&set(&["shop.0001_initial"]))
        .unwrap()
        .unwrap();
    assert_eq!(
        names(&h),
        [
            "shop.0001_initial",
            "shop.0002_b",
            "other.0001_initial",
            "shop.0003_c"
        ]
    );
    let o = h.position("other.0001_initial").unwrap();
    assert_eq!(
        h.dependencies(o)
            .iter()
            .map(|&d| h.migrations[d].key())
            .collect::<Vec<_>>(),
        ["shop.0002_b"],
        "a dependency on the squash points to the last migration it replaces"
    );
}

#[test]
fn a_graph_without_squashes_is_the_same_for_every_history() {
    assert!(
        clinic()
            .for_history(&set(&["patients.0001_initial"]))
            .unwrap()
            .is_none()
    );
}
