//! The scanner as a user meets it (DESIGN §1 "A user's project", §2 "Where
//! each check happens"): which files are read, which structs are models, what
//! app they land in, and where each mistake is reported.

use super::{Scan, resolve, scan};
use crate::diagnostic::Diagnostic;
use crate::project::Project;
use remodel::Model;
use remodel_model::TableDef;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const SHOP_CARGO: &str = "[package]\nname = \"shop\"\nversion = \"0.1.0\"\nedition = \"2024\"\n";

/// A throwaway project: a Cargo.toml for crate `shop` (unless `files` gives
/// one) and the given files, as bytes.
fn project_bytes(files: &[(&str, &[u8])]) -> (TempDir, Project) {
    let dir = tempfile::tempdir().unwrap();
    let mut all: Vec<(&str, &[u8])> = vec![("Cargo.toml", SHOP_CARGO.as_bytes())];
    all.extend_from_slice(files);
    for (rel, bytes) in all {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }
    let project = Project::find(Some(dir.path())).unwrap();
    (dir, project)
}

/// [`project_bytes`] with text files.
fn project(files: &[(&str, &str)]) -> (TempDir, Project) {
    let files: Vec<(&str, &[u8])> = files.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
    project_bytes(&files)
}

fn show(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| format!("{}: {} (help: {:?})", d.location(), d.message, d.help))
        .collect::<Vec<_>>()
        .join("\n")
}

fn scan_ok(p: &Project) -> Scan {
    scan(p).unwrap_or_else(|d| panic!("the scan failed:\n{}", show(&d)))
}

fn scan_err(p: &Project) -> Vec<Diagnostic> {
    match scan(p) {
        Ok(s) => panic!("the scan succeeded, finding {:?}", found(&s)),
        Err(d) => d,
    }
}

/// `module_path::Struct` of every model found, sorted.
fn found(s: &Scan) -> Vec<String> {
    let mut v: Vec<String> = s
        .found
        .iter()
        .map(|f| format!("{}::{}", f.def.module_path, f.def.table.name))
        .collect();
    v.sort();
    v
}

/// The model found under this struct name.
fn def<'a>(s: &'a Scan, name: &str) -> &'a TableDef {
    let mut hits = s.found.iter().filter(|f| f.def.table.name == name);
    let hit = hits
        .next()
        .unwrap_or_else(|| panic!("no model `{name}` among {:?}", found(s)));
    assert!(hits.next().is_none(), "two models named `{name}`");
    &hit.def
}

/// A valid model with an integer key and nothing else.
fn model(name: &str) -> String {
    format!(
        "#[derive(Model)]\npub struct {name} {{\n    #[field(primary_key)]\n    pub id: i64,\n}}\n"
    )
}

/// The 1-based line and column (in characters) where `needle` starts in
/// `text`; it must occur exactly once.
fn position(text: &str, needle: &str) -> (usize, usize) {
    assert_eq!(text.matches(needle).count(), 1, "`{needle}` must be unique");
    let at = text.find(needle).unwrap();
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line, column)
}

/// Asserts a diagnostic sits on `needle` in `text` (line, column, and the
/// underlined range when there is one).
fn assert_points_at(d: &Diagnostic, text: &str, needle: &str) {
    assert_eq!(
        (d.line, d.column),
        position(text, needle),
        "{}: {}",
        d.location(),
        d.message
    );
    if let Some(range) = &d.range {
        assert!(
            text[range.clone()].starts_with(needle) || needle.starts_with(&text[range.clone()]),
            "underlines {:?}, not {needle:?}",
            &text[range.clone()]
        );
    }
}

// ---------------------------------------------------------------------------
// 1. The derive and the scanner agree

fn clinic() -> Project {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/clinic");
    Project::find(Some(Path::new(dir))).unwrap()
}

/// Every model of the fixture, as the derive macro compiled it. Add a new
/// fixture model here, or the agreement test fails.
fn clinic_models() -> Vec<TableDef> {
    use clinic::exams::Monitoreo;
    use clinic::patients::models::{Ingreso, Patient};
    vec![Patient::table(), Ingreso::table(), Monitoreo::table()]
}

#[test]
fn derive_and_scanner_give_identical_table_defs_for_every_fixture_model() {
    let scanned = scan_ok(&clinic());
    let key = |d: &TableDef| format!("{}::{}", d.module_path, d.table.name);
    let by_scan: BTreeMap<String, &TableDef> = scanned
        .found
        .iter()
        .map(|f| (key(&f.def), &f.def))
        .collect();
    assert_eq!(
        by_scan.len(),
        scanned.found.len(),
        "a model was found twice"
    );
    let derived = clinic_models();
    let by_derive: BTreeMap<String, &TableDef> = derived.iter().map(|d| (key(d), d)).collect();
    assert_eq!(
        by_scan.keys().collect::<Vec<_>>(),
        by_derive.keys().collect::<Vec<_>>(),
        "the scanner and the list of fixture models disagree on which models exist"
    );
    for (k, derived) in &by_derive {
        assert_eq!(
            by_scan[k], *derived,
            "{k}: scanner (left) vs derive (right)"
        );
    }
}

// ---------------------------------------------------------------------------
// 2. App labels

#[test]
fn app_label_is_the_first_module_segment_after_the_crate() {
    let p = clinic();
    let s = scan_ok(&p);
    assert_eq!(def(&s, "Patient").app(), "patients");
    assert_eq!(def(&s, "Ingreso").app(), "patients");
    assert_eq!(def(&s, "Monitoreo").app(), "exams");
    let schema = resolve(&p, &s, vec![]).unwrap_or_else(|d| panic!("{}", show(&d)));
    let keys: Vec<&str> = schema.tables.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["exams.Monitoreo", "patients.Ingreso", "patients.Patient"]
    );
}

#[test]
fn struct_at_the_crate_root_takes_the_crate_name_with_underscores() {
    let lib = format!("use remodel::Model;\n\n{}", model("Product"));
    let (_dir, p) = project(&[
        (
            "Cargo.toml",
            "[package]\nname = \"my-shop\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
        ),
        ("src/lib.rs", &lib),
    ]);
    let s = scan_ok(&p);
    assert_eq!(def(&s, "Product").module_path, "my_shop");
    assert_eq!(def(&s, "Product").app(), "my_shop");
    let schema = resolve(&p, &s, vec![]).unwrap_or_else(|d| panic!("{}", show(&d)));
    assert!(schema.tables.contains_key("my_shop.Product"), "{schema:?}");
}

#[test]
fn model_app_attribute_wins_over_the_module_path() {
    let orders = format!(
        "use remodel::Model;\n\n#[derive(Model)]\n#[model(app = \"billing\")]\npub struct Invoice {{\n    #[field(primary_key)]\n    pub id: i64,\n}}\n\n{}",
        model("Order")
    );
    let (_dir, p) = project(&[
        ("src/lib.rs", "pub mod orders;\n"),
        ("src/orders.rs", &orders),
    ]);
    let s = scan_ok(&p);
    assert_eq!(def(&s, "Invoice").module_path, "shop::orders");
    assert_eq!(def(&s, "Invoice").app(), "billing");
    assert_eq!(def(&s, "Order").app(), "orders");
    let schema = resolve(&p, &s, vec![]).unwrap_or_else(|d| panic!("{}", show(&d)));
    let keys: Vec<&str> = schema.tables.keys().map(String::as_str).collect();
    assert_eq!(keys, ["billing.Invoice", "orders.Order"]);
}

// ---------------------------------------------------------------------------
// 3. Following `mod` declarations as the compiler does

#[test]
fn file_modules_are_found_as_name_rs_and_as_name_mod_rs() {
    let (_dir, p) = project(&[
        ("src/lib.rs", "mod a;\npub mod b;\n"),
        ("src/a.rs", &model("InA")),
        ("src/b/mod.rs", &model("InB")),
    ]);
    assert_eq!(found(&scan_ok(&p)), ["shop::a::InA", "shop::b::InB"]);
}

#[test]
fn child_of_a_non_mod_rs_file_lives_in_the_folder_named_after_it() {
    let (_dir, p) = project(&[
        ("src/lib.rs", "mod a;\n"),
        ("src/a.rs", "mod b;\n"),
        ("src/a/b.rs", &model("Nested")),
        // Where a naive walker might look; no root reaches it.
        ("src/b.rs", &model("Decoy")),
    ]);
    let s = scan_ok(&p);
    assert_eq!(found(&s), ["shop::a::b::Nested"]);
    assert_eq!(def(&s, "Nested").app(), "a");
}

#[test]
fn file_modules_inside_inline_modules_live_in_their_folder() {
    let lib = format!(
        "mod x {{\n    pub mod y;\n\n    {}}}\n",
        model("Inline").replace('\n', "\n    ")
    );
    let (_dir, p) = project(&[
        ("src/lib.rs", &lib),
        ("src/x/y.rs", &model("InY")),
        ("src/y.rs", &model("Decoy")),
        // An inline module in a non-mod-rs file: its children go under src/a/z/.
        ("src/main.rs", "mod a;\n"),
        ("src/a.rs", "mod z {\n    mod w;\n}\n"),
        ("src/a/z/w.rs", &model("InW")),
    ]);
    assert_eq!(
        found(&scan_ok(&p)),
        ["shop::a::z::w::InW", "shop::x::Inline", "shop::x::y::InY"]
    );
}

#[test]
fn path_attribute_names_the_file_and_its_children_sit_beside_it() {
    let (_dir, p) = project(&[
        (
            "src/lib.rs",
            "#[path = \"other.rs\"]\nmod z;\n#[path = \"deep/thing.rs\"]\nmod t;\nmod a;\n",
        ),
        ("src/other.rs", &model("InZ")),
        ("src/deep/thing.rs", "mod child;\n"),
        ("src/deep/child.rs", &model("InChild")),
        // A non-mod-rs file: #[path] is relative to its own folder, except
        // inside an inline module, where it starts in src/a/<inline>/.
        (
            "src/a.rs",
            "#[path = \"side.rs\"]\nmod s;\nmod i {\n    #[path = \"p.rs\"]\n    mod q;\n}\n",
        ),
        ("src/side.rs", &model("Side")),
        ("src/a/i/p.rs", &model("InP")),
    ]);
    assert_eq!(
        found(&scan_ok(&p)),
        [
            "shop::a::i::q::InP",
            "shop::a::s::Side",
            "shop::t::child::InChild",
            "shop::z::InZ",
        ]
    );
}

#[test]
fn a_file_no_root_reaches_is_not_scanned() {
    let broken =
        "#[derive(Model)]\npub struct Broken {\n    #[field(bogus)]\n    pub id: i64,\n}\n";
    let (_dir, p) = project(&[
        ("src/lib.rs", "mod used;\n"),
        ("src/used.rs", &model("Used")),
        ("src/orphan.rs", broken),
        ("src/orphan/unparsable.rs", "this is not rust {"),
    ]);
    assert_eq!(found(&scan_ok(&p)), ["shop::used::Used"]);
}

#[test]
fn cfg_module_without_a_file_is_skipped() {
    let lib = format!(
        "#[cfg(feature = \"x\")]\nmod missing;\n#[cfg(test)]\nmod tests;\n\n{}",
        model("Kept")
    );
    let (_dir, p) = project(&[("src/lib.rs", &lib)]);
    assert_eq!(found(&scan_ok(&p)), ["shop::Kept"]);
}

#[test]
fn missing_module_file_is_an_error_at_the_declaration_naming_the_paths_to_create() {
    let lib = "//! The shop.\n\npub mod missing;\n";
    let (_dir, p) = project(&[("src/lib.rs", lib), ("src/other.rs", &model("Other"))]);
    let diags = scan_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    let d = &diags[0];
    assert_eq!(d.path, PathBuf::from("src/lib.rs"));
    assert_points_at(d, lib, "missing;");
    assert_eq!((d.line, d.column), (3, 9));
    assert!(d.message.contains("`missing`"), "{}", d.message);
    let help = d.help.as_deref().unwrap_or_default();
    assert!(
        help.contains("src/missing.rs") && help.contains("src/missing/mod.rs"),
        "{help}"
    );

    // A #[path] that names nothing is reported with the path it names.
    let lib = "#[path = \"gone.rs\"]\nmod z;\n";
    let (_dir, p) = project(&[("src/lib.rs", lib)]);
    let diags = scan_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    assert_eq!(diags[0].line, 2);
    assert!(
        diags[0]
            .help
            .as_deref()
            .unwrap_or_default()
            .contains("src/gone.rs"),
        "{}",
        show(&diags)
    );
}

#[test]
fn src_entries_in_remodel_toml_add_roots() {
    let (_dir, p) = project(&[
        ("remodel.toml", "src = [\"extra\", \"tools/models.rs\"]\n"),
        ("src/lib.rs", &model("Main")),
        (
            "extra/lib.rs",
            &format!("mod billing;\n\n{}", model("Extra")),
        ),
        ("extra/billing.rs", &model("Invoice")),
        (
            "tools/models.rs",
            &format!("mod more;\n\n{}", model("Tool")),
        ),
        ("tools/more.rs", &model("More")),
    ]);
    let s = scan_ok(&p);
    assert_eq!(
        found(&s),
        [
            "shop::Extra",
            "shop::Main",
            "shop::Tool",
            "shop::billing::Invoice",
            "shop::more::More",
        ]
    );
    assert_eq!(def(&s, "Invoice").app(), "billing");
    let files: Vec<PathBuf> = s.files.iter().map(|f| f.rel.clone()).collect();
    assert!(
        files.contains(&PathBuf::from("extra/billing.rs")),
        "{files:?}"
    );
}

#[test]
fn src_entry_that_is_neither_a_root_folder_nor_a_rs_file_is_an_error() {
    let (_dir, p) = project(&[
        ("remodel.toml", "src = [\"nowhere\", \"empty\"]\n"),
        ("src/lib.rs", &model("Main")),
        ("empty/readme.txt", "nothing here"),
    ]);
    let diags = scan_err(&p);
    assert_eq!(diags.len(), 2, "{}", show(&diags));
    assert!(diags.iter().all(|d| d.path == Path::new("remodel.toml")));
    assert!(diags[0].message.contains("`nowhere`"), "{}", show(&diags));
    assert!(diags[1].message.contains("`empty`"), "{}", show(&diags));
}

#[test]
fn derive_model_is_recognised_with_a_path_and_among_other_derives() {
    let lib = "\
use remodel::Model;

#[derive(remodel::Model)]
pub struct Qualified {
    #[field(primary_key)]
    pub id: i64,
}

#[derive(Debug, Clone, Model)]
pub struct Among {
    #[field(primary_key)]
    pub id: i64,
}

#[derive(Debug)]
#[derive(Model)]
pub struct SecondDerive {
    #[field(primary_key)]
    pub id: i64,
}

#[derive(Debug)]
pub struct NotAModel {
    pub id: u64,
}

pub struct Plain {
    pub data: Vec<u8>,
}
";
    let (_dir, p) = project(&[("src/lib.rs", lib)]);
    assert_eq!(
        found(&scan_ok(&p)),
        ["shop::Among", "shop::Qualified", "shop::SecondDerive"]
    );
}

#[test]
fn main_rs_is_a_root_too() {
    let (_dir, p) = project(&[
        ("src/main.rs", "mod app;\nfn main() {}\n"),
        ("src/app.rs", &model("App")),
    ]);
    assert_eq!(found(&scan_ok(&p)), ["shop::app::App"]);
}

#[test]
fn raw_identifier_module_is_read_from_the_file_without_r_hash() {
    let (_dir, p) = project(&[
        ("src/lib.rs", "pub mod r#type;\n"),
        ("src/type.rs", &model("Kind")),
    ]);
    let s = scan_ok(&p);
    // As `module_path!()` spells it, so the derive and the scanner agree.
    assert_eq!(found(&s), ["shop::r#type::Kind"]);
}

// ---------------------------------------------------------------------------
// 4. Errors with their locations

#[test]
fn reader_error_is_reported_at_the_attribute_key() {
    let lib = "\
use remodel::Model;

#[derive(Model)]
pub struct Shop {
    #[field(primary_key)]
    pub id: i64,
    #[field(max_length = 10, colum = \"x\")]
    pub name: String,
}
";
    let (_dir, p) = project(&[("src/lib.rs", lib)]);
    let diags = scan_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    let d = &diags[0];
    assert_eq!(d.path, PathBuf::from("src/lib.rs"));
    assert_eq!((d.line, d.column), (7, 30));
    assert_points_at(d, lib, "colum =");
    assert_eq!(d.location(), "src/lib.rs:7:30");
    assert!(
        d.message.contains("unknown attribute `colum`"),
        "{}",
        d.message
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `column`?"));
}

#[test]
fn locations_are_right_with_crlf_line_endings() {
    let lib = "use remodel::Model;\r\n\r\n#[derive(Model)]\r\npub struct Shop {\r\n    #[field(primary_key, colum = \"x\")]\r\n    pub id: i64,\r\n}\r\n";
    let (_dir, p) = project(&[("src/lib.rs", lib)]);
    let diags = scan_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    assert_points_at(&diags[0], lib, "colum =");
    assert_eq!(diags[0].location(), "src/lib.rs:5:26");
}

#[test]
fn columns_count_characters_not_bytes() {
    // "ñ" and "é" are two bytes each; rustc counts them as one column.
    let lib = "\
/// Año de café.
#[derive(Model)]
pub struct Año {
    #[field(primary_key)]
    pub id: i64,
    #[field(comment = \"ñé\", bogus)]
    pub n: i32,
}
";
    let (_dir, p) = project(&[("src/lib.rs", lib)]);
    let diags = scan_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    assert_points_at(&diags[0], lib, "bogus");
    assert_eq!((diags[0].line, diags[0].column), (6, 29));
}

#[test]
fn file_that_does_not_parse_is_reported_at_its_line() {
    let bad = "use remodel::Model;\n\npub fn f() {\n    let = 1;\n}\n";
    let (_dir, p) = project(&[("src/lib.rs", "mod bad;\n"), ("src/bad.rs", bad)]);
    let diags = scan_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    let d = &diags[0];
    assert_eq!(d.path, PathBuf::from("src/bad.rs"));
    assert_eq!(d.line, 4, "{}", show(&diags));
    assert!(d.message.contains("does not parse"), "{}", d.message);
}

#[test]
fn unclosed_delimiter_is_reported_in_the_file_with_a_line() {
    let bad = "pub struct A {\n    pub id: i64,\n\npub fn f() {}\n";
    let (_dir, p) = project(&[("src/lib.rs", "mod bad;\n"), ("src/bad.rs", bad)]);
    let diags = scan_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    assert_eq!(diags[0].path, PathBuf::from("src/bad.rs"));
    assert!(diags[0].line >= 1, "{}", show(&diags));
}

#[test]
fn parse_error_at_the_end_of_the_file_is_reported_at_the_last_line() {
    let bad = "use std::fmt;\n\npub struct Unfinished\n";
    let (_dir, p) = project(&[("src/lib.rs", "mod bad;\n"), ("src/bad.rs", bad)]);
    let diags = scan_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    assert_eq!(diags[0].path, PathBuf::from("src/bad.rs"));
    assert_eq!(diags[0].line, 3, "{}", show(&diags));
}

#[test]
fn non_utf8_file_is_an_error_naming_it_and_the_line() {
    // "é" in Latin-1 is the lone byte 0xE9.
    let latin1: &[u8] = b"//! Written in Latin-1.\n\n// caf\xE9\n";
    let (_dir, p) = project_bytes(&[("src/lib.rs", b"mod latin;\n"), ("src/latin.rs", latin1)]);
    let diags = scan_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    let d = &diags[0];
    assert_eq!(d.path, PathBuf::from("src/latin.rs"));
    assert!(d.message.contains("UTF-8"), "{}", d.message);
    assert_eq!((d.line, d.column), (3, 7));
    assert_eq!(d.location(), "src/latin.rs:3:7");
}

#[test]
fn file_with_a_byte_order_mark_is_read() {
    let lib = format!("\u{feff}use remodel::Model;\n\n{}", model("Marked"));
    let (_dir, p) = project(&[("src/lib.rs", &lib)]);
    assert_eq!(found(&scan_ok(&p)), ["shop::Marked"]);
}

#[test]
fn error_in_a_file_with_a_byte_order_mark_underlines_the_key() {
    let lib = "\u{feff}#[derive(Model)]\npub struct Marked {\n    #[field(primary_key, bogus)]\n    pub id: i64,\n}\n";
    let (_dir, p) = project(&[("src/lib.rs", lib)]);
    let diags = scan_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    // The text shown is the file without its byte-order mark; the underline
    // must fall on the key in that text.
    let shown = diags[0].text.as_deref().unwrap();
    assert!(!shown.starts_with('\u{feff}'));
    assert_points_at(&diags[0], shown, "bogus");
    assert_eq!(
        diags[0].range.as_ref().map(|r| &shown[r.clone()]),
        Some("bogus")
    );
}

/// Scans (which must succeed) then resolves (which must fail).
fn resolve_err(p: &Project) -> Vec<Diagnostic> {
    let s = scan_ok(p);
    match resolve(p, &s, vec![]) {
        Ok(schema) => panic!("resolve succeeded: {:?}", schema.tables.keys()),
        Err(d) => d,
    }
}

#[test]
fn unknown_reference_is_reported_by_resolve_at_the_references_key() {
    let orders = "\
use remodel::Model;

#[derive(Model)]
pub struct Order {
    #[field(primary_key)]
    pub id: i64,
    #[field(on_delete = \"cascade\", references = \"Nope\")]
    pub product_id: i64,
}
";
    let (_dir, p) = project(&[
        ("src/lib.rs", "mod catalog;\nmod orders;\n"),
        ("src/catalog.rs", &model("Product")),
        ("src/orders.rs", orders),
    ]);
    let diags = resolve_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    let d = &diags[0];
    assert_eq!(d.path, PathBuf::from("src/orders.rs"));
    assert_points_at(d, orders, "references = \"Nope\"");
    assert_eq!((d.line, d.column), (7, 36));
    assert!(
        d.message.contains("`references = \"Nope\"`"),
        "{}",
        d.message
    );
    assert!(d.help.is_some(), "{}", show(&diags));
}

#[test]
fn reference_error_on_a_field_with_several_field_attributes_finds_the_right_one() {
    let lib = "\
use remodel::Model;

#[derive(Model)]
pub struct Order {
    #[field(primary_key)]
    pub id: i64,
    #[field(comment = \"the product\")]
    #[field(references = \"catalog.Prodct\")]
    pub product_id: i64,
}
";
    let (_dir, p) = project(&[("src/lib.rs", lib)]);
    let diags = resolve_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    assert_points_at(&diags[0], lib, "references");
}

#[test]
fn an_fk_name_used_twice_in_the_project_is_reported_at_the_second_fk_name() {
    let a = "\
use remodel::Model;

#[derive(Model)]
pub struct Exam {
    #[field(primary_key)]
    pub id: i64,
    #[field(references = \"b.Patient\", fk_name = \"patient_fkey\")]
    pub patient_id: i64,
}
";
    let b = "\
use remodel::Model;

#[derive(Model)]
pub struct Patient {
    #[field(primary_key)]
    pub id: i64,
    #[field(references = \"a.Exam\", fk_name = \"patient_fkey\")]
    pub exam_id: i64,
}
";
    let (_dir, p) = project(&[
        ("src/lib.rs", "mod a;\nmod b;\n"),
        ("src/a.rs", a),
        ("src/b.rs", b),
    ]);
    let diags = resolve_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    let d = &diags[0];
    assert!(
        d.message.contains(
            "the name `patient_fkey` is used by a.Exam (foreign key of field patient_id) and by b.Patient (foreign key of field exam_id)"
        ),
        "{}",
        d.message
    );
    assert_eq!(d.path, PathBuf::from("src/b.rs"));
    assert_points_at(d, b, "fk_name");
}

#[test]
fn two_models_on_one_table_are_an_error_naming_both() {
    let a = "\
use remodel::Model;

#[derive(Model)]
#[model(table = \"shared\")]
pub struct Thing {
    #[field(primary_key)]
    pub id: i64,
}
";
    let b = "\
use remodel::Model;

#[derive(Model)]
#[model(comment = \"other\", table = \"shared\")]
pub struct Other {
    #[field(primary_key)]
    pub id: i64,
}
";
    let (_dir, p) = project(&[
        ("src/lib.rs", "mod a;\nmod b;\n"),
        ("src/a.rs", a),
        ("src/b.rs", b),
    ]);
    let diags = resolve_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    let d = &diags[0];
    assert!(
        d.message.contains("a.Thing")
            && d.message.contains("b.Other")
            && d.message.contains("`shared`"),
        "{}",
        d.message
    );
    assert!(
        d.help.as_deref().unwrap_or_default().contains("table = "),
        "{}",
        show(&diags)
    );
    // At the `table` key of one of the two.
    let (text, file) = if d.path == Path::new("src/a.rs") {
        (a, "src/a.rs")
    } else {
        (b, "src/b.rs")
    };
    assert_eq!(d.path, PathBuf::from(file));
    assert_points_at(d, text, "table = ");

    // Without `table`, two structs of one name in two apps clash on the derived name.
    let (_dir, p) = project(&[
        ("src/lib.rs", "mod a;\nmod b;\n"),
        ("src/a.rs", &model("Thing")),
        ("src/b.rs", &model("Thing")),
    ]);
    let diags = resolve_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    assert!(
        diags[0].message.contains("both map to table `thing`"),
        "{}",
        show(&diags)
    );
    assert_eq!(diags[0].line, 2, "at the struct name: {}", show(&diags));
}

#[test]
fn ambiguous_bare_reference_lists_the_matches_at_the_references_key() {
    let billing = "\
use remodel::Model;

#[derive(Model)]
#[model(table = \"billing_customer\")]
pub struct Customer {
    #[field(primary_key)]
    pub id: i64,
}
";
    let orders = "\
use remodel::Model;

#[derive(Model)]
pub struct Order {
    #[field(primary_key)]
    pub id: i64,
    #[field(references = \"Customer\")]
    pub customer_id: i64,
    #[field(references = \"crm.Customer\")]
    pub account_id: i64,
}
";
    let (_dir, p) = project(&[
        ("src/lib.rs", "mod billing;\nmod crm;\nmod orders;\n"),
        ("src/billing.rs", billing),
        ("src/crm.rs", &model("Customer")),
        ("src/orders.rs", orders),
    ]);
    let diags = resolve_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    let d = &diags[0];
    assert_eq!(d.path, PathBuf::from("src/orders.rs"));
    assert_points_at(d, orders, "references = \"Customer\"");
    assert!(
        d.message.contains("ambiguous")
            && d.message.contains("billing.Customer")
            && d.message.contains("crm.Customer"),
        "{}",
        d.message
    );
    assert!(
        d.help
            .as_deref()
            .unwrap_or_default()
            .contains("references = \""),
        "{}",
        show(&diags)
    );

    // A bare name resolves in the model's own app first: no ambiguity there.
    let crm = format!(
        "{}\n#[derive(Model)]\npub struct Note {{\n    #[field(primary_key)]\n    pub id: i64,\n    #[field(references = \"Customer\")]\n    pub customer_id: i64,\n}}\n",
        model("Customer")
    );
    let (_dir, p) = project(&[
        ("src/lib.rs", "mod billing;\nmod crm;\n"),
        ("src/billing.rs", billing),
        ("src/crm.rs", &crm),
    ]);
    let s = scan_ok(&p);
    let schema = resolve(&p, &s, vec![]).unwrap_or_else(|d| panic!("{}", show(&d)));
    let f = schema.tables["crm.Note"].field("customer_id").unwrap();
    assert_eq!(f.references.as_ref().unwrap().model, "crm.Customer");
}

// ---------------------------------------------------------------------------
// 5. All problems at once

#[test]
fn every_problem_in_every_file_is_reported_at_once() {
    let a = "\
use remodel::Model;

#[derive(Model)]
pub struct A {
    #[field(primary_key, bogus)]
    pub id: i64,
}
";
    let b = "\
use remodel::Model;

#[derive(Model)]
pub struct B {
    #[field(primary_key)]
    pub id: i64,
    pub n: u128,
}
";
    let (_dir, p) = project(&[
        ("src/lib.rs", "mod a;\nmod b;\n"),
        ("src/a.rs", a),
        ("src/b.rs", b),
    ]);
    let diags = scan_err(&p);
    assert_eq!(diags.len(), 2, "{}", show(&diags));
    assert_eq!(diags[0].path, PathBuf::from("src/a.rs"));
    assert_points_at(&diags[0], a, "bogus");
    assert_eq!(diags[1].path, PathBuf::from("src/b.rs"));
    assert_eq!(diags[1].line, 7, "{}", show(&diags));

    // Different kinds of problem, each in its own file, still all at once.
    let (_dir, p) = project(&[
        ("src/lib.rs", "mod a;\nmod bad;\nmod gone;\n"),
        ("src/a.rs", a),
        ("src/bad.rs", "fn (\n"),
    ]);
    let diags = scan_err(&p);
    let mut places: Vec<String> = diags.iter().map(|d| d.path.display().to_string()).collect();
    places.sort();
    assert_eq!(
        places,
        ["src/a.rs", "src/bad.rs", "src/lib.rs"],
        "{}",
        show(&diags)
    );
}

#[test]
fn two_reference_errors_in_two_files_are_reported_together() {
    let with_ref = |name: &str, target: &str| {
        format!(
            "#[derive(Model)]\npub struct {name} {{\n    #[field(primary_key)]\n    pub id: i64,\n    #[field(references = \"{target}\")]\n    pub other_id: i64,\n}}\n"
        )
    };
    let (_dir, p) = project(&[
        ("src/lib.rs", "mod a;\nmod b;\n"),
        ("src/a.rs", &with_ref("A", "Missing")),
        ("src/b.rs", &with_ref("B", "AlsoMissing")),
    ]);
    let diags = resolve_err(&p);
    let located: Vec<String> = diags.iter().map(Diagnostic::location).collect();
    assert_eq!(
        located,
        ["src/a.rs:5:13", "src/b.rs:5:13"],
        "{}",
        show(&diags)
    );
}

#[test]
fn test_only_modules_are_not_scanned() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"shop\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), "#[cfg(test)]\nmod tests;\n").unwrap();
    std::fs::write(
        dir.path().join("src/tests.rs"),
        "use remodel::Model;\n#[derive(Model)]\npub struct Fixture { #[field(primary_key)] pub id: i64 }\n",
    )
    .unwrap();
    let project = Project::find(Some(dir.path())).unwrap();
    let scanned = scan(&project).unwrap();
    assert!(
        scanned.found.is_empty(),
        "a model under #[cfg(test)] gets no migration"
    );
}

// ---------------------------------------------------------------------------
// The cache of what files say (target/remodel/sources.cache)

/// What a scan found, in order: module path, struct, item place, file.
fn everything(s: &Scan) -> Vec<String> {
    s.found
        .iter()
        .map(|f| {
            format!(
                "{}::{} {:?} in {} ({} fields, item `{}`)",
                f.def.module_path,
                f.def.table.name,
                f.def.table,
                s.files[f.file].rel.display(),
                f.def.table.fields.len(),
                f.input.ident
            )
        })
        .collect()
}

#[test]
fn a_second_scan_from_the_cache_finds_exactly_what_the_first_found() {
    let lib = "pub mod a;\npub mod b {\n    pub mod inner {\n        use remodel::Model;\n        #[derive(Model)]\n        pub struct Deep { #[field(primary_key)] pub id: i64 }\n    }\n}\n";
    let (dir, p) = project(&[
        ("src/lib.rs", lib),
        (
            "src/a.rs",
            &format!("use remodel::Model;\n{}", model("Top")),
        ),
    ]);
    let first = scan_ok(&p);
    let cache = dir.path().join("target/remodel/sources.cache");
    assert!(cache.is_file(), "the scan writes its cache");
    let written = std::fs::read(&cache).unwrap();
    let second = scan_ok(&p);
    assert_eq!(everything(&first), everything(&second));
    assert_eq!(everything(&second).len(), 2);
    assert_eq!(
        std::fs::read(&cache).unwrap(),
        written,
        "nothing changed, so the cache is left as it is"
    );
}

#[test]
fn a_cached_file_finds_its_module_files_afresh() {
    let lib = "//! The shop.\n\npub mod a;\n";
    let a = format!("use remodel::Model;\n{}", model("Top"));
    let (dir, p) = project(&[("src/lib.rs", lib), ("src/a.rs", &a)]);
    assert_eq!(found(&scan_ok(&p)), vec!["shop::a::Top"]);

    // lib.rs is unchanged (its outline comes from the cache) but a.rs moved.
    std::fs::remove_file(dir.path().join("src/a.rs")).unwrap();
    std::fs::create_dir_all(dir.path().join("src/a")).unwrap();
    std::fs::write(dir.path().join("src/a/mod.rs"), &a).unwrap();
    let s = scan_ok(&p);
    assert_eq!(found(&s), vec!["shop::a::Top"]);
    assert_eq!(s.files[s.found[0].file].rel, PathBuf::from("src/a/mod.rs"));

    // And once gone, the error still points at the declaration.
    std::fs::remove_dir_all(dir.path().join("src/a")).unwrap();
    let diags = scan_err(&p);
    assert_eq!(diags.len(), 1, "{}", show(&diags));
    assert_points_at(&diags[0], lib, "a;");
    assert_eq!((diags[0].line, diags[0].column), (3, 9));
}

#[test]
fn an_edited_file_is_read_again_and_errors_are_never_cached() {
    let (dir, p) = project(&[(
        "src/lib.rs",
        &format!("use remodel::Model;\n{}", model("Top")),
    )]);
    assert_eq!(def(&scan_ok(&p), "Top").table.fields.len(), 1);

    let two = "use remodel::Model;\n#[derive(Model)]\npub struct Top {\n    #[field(primary_key)]\n    pub id: i64,\n    pub name: String,\n}\n";
    std::fs::write(dir.path().join("src/lib.rs"), two).unwrap();
    assert_eq!(def(&scan_ok(&p), "Top").table.fields.len(), 2);

    let bad = "use remodel::Model;\n#[derive(Model)]\npub struct Top {\n    #[field(primary_key, nonsense)]\n    pub id: i64,\n}\n";
    std::fs::write(dir.path().join("src/lib.rs"), bad).unwrap();
    for _ in 0..2 {
        let diags = scan_err(&p);
        assert_eq!(diags.len(), 1, "{}", show(&diags));
        assert_points_at(&diags[0], bad, "nonsense");
    }
}

#[test]
fn a_corrupt_cache_is_read_around_and_replaced() {
    let (dir, p) = project(&[(
        "src/lib.rs",
        &format!("use remodel::Model;\n{}", model("Top")),
    )]);
    let first = scan_ok(&p);
    let cache = dir.path().join("target/remodel/sources.cache");
    let good = std::fs::read(&cache).unwrap();
    let mut bad = good.clone();
    let n = bad.len();
    bad.truncate(n - 3);
    std::fs::write(&cache, &bad).unwrap();
    assert_eq!(everything(&scan_ok(&p)), everything(&first));
    assert_eq!(std::fs::read(&cache).unwrap(), good, "rewritten whole");
}
