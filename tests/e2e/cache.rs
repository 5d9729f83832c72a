//! The cache of parsed files under `target/remodel/` (DESIGN §9): a shortcut
//! only. What a command does never depends on it: edited files are read
//! again, and a missing, corrupt or unwritable cache changes nothing but
//! speed.

use crate::{TestProject, project};

const WITH_CACHE: &[(&str, &str)] = &[("REMODEL_NO_CACHE", "")];

fn lib(max_length: u32) -> String {
    format!(
        "pub mod shop {{\n    use remodel::Model;\n    #[derive(Model)]\n    pub struct Item {{\n        #[field(primary_key)]\n        pub id: i64,\n        #[field(max_length = {max_length})]\n        pub name: String,\n    }}\n}}\n"
    )
}

fn run(p: &TestProject, args: &[&str], env: &[(&str, &str)]) -> remodel_testkit::Run {
    let dir = p.path().display().to_string();
    p.remodel_with(args, &["-C", &dir], env)
}

/// A project with `shop.Item` and its initial migration, and warm caches.
fn shop() -> TestProject {
    let p = project();
    p.write("src/lib.rs", &lib(10));
    run(&p, &["makemigrations"], WITH_CACHE).ok();
    let again = run(&p, &["makemigrations", "--check"], WITH_CACHE);
    again.ok();
    assert_eq!(again.stdout, "No changes detected\n");
    p
}

#[test]
fn the_cache_lives_in_target_remodel_and_remodel_no_cache_turns_it_off() {
    let p = shop();
    assert_eq!(
        p.files("target"),
        vec![
            "target/remodel/migrations.cache",
            "target/remodel/sources.cache"
        ]
    );

    let p = project();
    p.write("src/lib.rs", &lib(10));
    let off = [("REMODEL_NO_CACHE", "1")];
    run(&p, &["makemigrations"], &off).ok();
    let check = run(&p, &["makemigrations", "--check"], &off);
    check.ok();
    assert_eq!(check.stdout, "No changes detected\n");
    assert!(!p.exists("target"), "{:?}", p.files("target"));
}

#[test]
fn edited_models_and_migrations_are_read_again() {
    let p = shop();
    // The model changes: the change is seen.
    p.write("src/lib.rs", &lib(20));
    let dry = run(&p, &["makemigrations", "--dry-run"], WITH_CACHE);
    dry.ok();
    assert!(
        dry.stdout.contains("~ Alter field name on item"),
        "{}",
        dry.stdout
    );
    // The history is edited by hand to match: nothing is left to do.
    let path = "migrations/shop/0001_initial.toml";
    let text = p.read(path);
    assert!(text.contains("varchar(10)"), "{text}");
    p.write(path, &text.replace("varchar(10)", "varchar(20)"));
    let check = run(&p, &["makemigrations", "--check"], WITH_CACHE);
    check.ok();
    assert_eq!(check.stdout, "No changes detected\n");
    // A migration file deleted by hand is gone from the history too.
    std::fs::remove_file(p.path().join(path)).unwrap();
    let dry = run(&p, &["makemigrations", "--dry-run"], WITH_CACHE);
    dry.ok();
    assert!(
        dry.stdout.contains("migrations/shop/0001_initial.toml")
            && dry.stdout.contains("+ Create model Item"),
        "{}",
        dry.stdout
    );
}

#[test]
fn a_corrupt_cache_is_ignored_and_replaced() {
    let p = shop();
    let good = std::fs::read(p.path().join("target/remodel/migrations.cache")).unwrap();
    for name in ["migrations.cache", "sources.cache"] {
        p.write(&format!("target/remodel/{name}"), "not a cache");
    }
    let check = run(&p, &["makemigrations", "--check"], WITH_CACHE);
    check.ok();
    assert_eq!(check.stdout, "No changes detected\n");
    assert_eq!(check.stderr, "");
    assert_eq!(
        std::fs::read(p.path().join("target/remodel/migrations.cache")).unwrap(),
        good
    );
}

#[test]
fn a_cache_that_cannot_be_written_is_no_error() {
    let p = project();
    p.write("src/lib.rs", &lib(10));
    // A file where the cache's folder would go.
    p.write("target", "");
    let made = run(&p, &["makemigrations"], WITH_CACHE);
    made.ok();
    assert_eq!(made.stderr, "");
    assert!(p.exists("migrations/shop/0001_initial.toml"));
    let check = run(&p, &["makemigrations", "--check"], WITH_CACHE);
    check.ok();
    assert_eq!(check.stdout, "No changes detected\n");
    assert_eq!(p.read("target"), "");
}

#[test]
fn files_with_the_same_text_keep_their_own_app_and_name() {
    let p = project();
    p.write("src/lib.rs", "");
    for path in [
        "migrations/alpha/0001_same.toml",
        "migrations/beta/0001_same.toml",
        "migrations/beta/0002_other.toml",
    ] {
        let deps = if path.ends_with("0002_other.toml") {
            "[\"beta.0001_same\"]"
        } else {
            "[]"
        };
        p.write(path, &format!("dependencies = {deps}\n"));
    }
    let first = run(&p, &["showmigrations"], WITH_CACHE);
    first.ok();
    assert_eq!(
        first.stdout,
        "alpha\n [ ] 0001_same\nbeta\n [ ] 0001_same\n [ ] 0002_other\n"
    );
    let again = run(&p, &["showmigrations"], WITH_CACHE);
    again.ok();
    assert_eq!(again.stdout, first.stdout);
}
