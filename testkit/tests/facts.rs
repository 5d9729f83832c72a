//! The catalog facts on each database, for a small hand-written schema
//! holding what real schemas hold (key forms, FK actions, collations,
//! charsets, generated columns, checks, partial and prefix indexes,
//! triggers, views): every line is pinned, so a change in what the facts
//! say is a deliberate one, and a change to the database shows in the diff.

use remodel_dialect::DialectKind;
use remodel_testkit::TestProject;
use remodel_testkit::facts::{Facts, facts, rows};

/// Facts need no binary: these tests only read databases.
const NO_BIN: &str = "remodel-is-not-run-here";

#[track_caller]
fn assert_facts(found: &Facts, expected: &[&str]) {
    let mut want = Facts::default();
    for l in expected {
        let (table, fact) = l.split_once(": ").expect("`table: fact`");
        want.add(table, fact);
    }
    assert!(
        found.diff(&want).is_empty(),
        "facts differ (- found, + expected):\n{}\n--- all found:\n{found}",
        found.diff(&want).join("\n")
    );
}

const SQLITE: &str = r#"
CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL COLLATE NOCASE,
    CONSTRAINT parent_code_u UNIQUE (code));
CREATE TABLE child (
    id INTEGER PRIMARY KEY,
    name VARCHAR(10) NOT NULL DEFAULT 'x' CHECK (length(name) > 0),
    parent_id INTEGER NOT NULL CONSTRAINT child_parent_fk REFERENCES parent (id)
        ON UPDATE CASCADE ON DELETE RESTRICT DEFERRABLE INITIALLY DEFERRED,
    upper_name TEXT GENERATED ALWAYS AS (upper(name)) VIRTUAL,
    d BLOB SUB_TYPE TEXT,
    CONSTRAINT child_name_short CHECK (length(name) < 10)
);
CREATE INDEX child_name_partial ON child (name) WHERE parent_id > 0;
CREATE TRIGGER child_touch AFTER UPDATE ON child
BEGIN
    UPDATE child SET d = 'x' WHERE id = new.id;
END;
CREATE TABLE legacy (id BIGINT NOT NULL PRIMARY KEY, note TEXT UNIQUE);
CREATE TABLE pair (a TEXT NOT NULL, b INT NOT NULL, PRIMARY KEY (a, b DESC)) WITHOUT ROWID;
CREATE TABLE typed (id INTEGER PRIMARY KEY, n INT) STRICT;
CREATE VIEW child_names AS SELECT name FROM child;
INSERT INTO parent (code) VALUES ('a'), ('b');
DELETE FROM parent WHERE id = 2;
INSERT INTO child (name, parent_id) VALUES ('n1', 1);
INSERT INTO pair VALUES ('b', 1), ('a', 2), ('a', 1);
INSERT INTO typed VALUES (1, NULL);
"#;

#[tokio::test]
async fn facts_on_sqlite() {
    let p = TestProject::on(NO_BIN, DialectKind::Sqlite).await.unwrap();
    p.exec_script(SQLITE).await;
    let before = facts(&p).await;
    assert_facts(
        &before,
        &[
            "child: check: length(name) < 10",
            "child: check: length(name) > 0",
            "child: column d: BLOB SUB_TYPE TEXT",
            "child: column id: INTEGER",
            "child: column name: VARCHAR(10) not null default 'x'",
            "child: column parent_id: INTEGER not null",
            "child: column upper_name: TEXT generated always as (upper(name)) virtual",
            "child: columns: id, name, parent_id, upper_name, d",
            "child: foreign key (parent_id): references parent (id) on delete restrict on update cascade match none deferrable initially deferred",
            "child: index child_name_partial: CREATE INDEX child_name_partial ON child (name) WHERE parent_id > 0",
            "child: primary key - (id): rowid alias",
            "child: table: rowid table",
            "child: trigger child_touch: CREATE TRIGGER child_touch AFTER UPDATE ON child\\nBEGIN\\n    UPDATE child SET d = 'x' WHERE id = new.id;\\nEND",
            "child_names: view: CREATE VIEW child_names AS SELECT name FROM child",
            "legacy: column id: BIGINT not null",
            "legacy: column note: TEXT",
            "legacy: columns: id, note",
            "legacy: primary key - (id): own index",
            "legacy: table: rowid table",
            "legacy: unique (note)",
            "pair: column a: TEXT not null",
            "pair: column b: INT not null",
            "pair: columns: a, b",
            "pair: primary key - (a, b desc): the table's key (without rowid)",
            "pair: table: without rowid",
            "parent: column code: TEXT not null collate NOCASE",
            "parent: column id: INTEGER",
            "parent: columns: id, code",
            "parent: counter: 2",
            "parent: primary key - (id): rowid alias, autoincrement",
            "parent: table: rowid table",
            "parent: unique (code collate NOCASE)",
            "typed: column id: INTEGER",
            "typed: column n: INT",
            "typed: columns: id, n",
            "typed: primary key - (id): rowid alias",
            "typed: table: rowid table, strict",
        ],
    );
    assert_eq!(
        rows(&p, "pair").await,
        [["'a'", "1"], ["'a'", "2"], ["'b'", "1"]],
        "ascending by the key's columns, text quoted, integers bare"
    );
    assert_eq!(rows(&p, "typed").await, [["1", "NULL"]]);

    // A rebuild that loses the row-id key and STRICT (the issue-13 bug)
    // keeps the rows and shows in the facts.
    let kept = rows(&p, "typed").await;
    p.exec_script(
        "CREATE TABLE typed_new (id BIGINT NOT NULL PRIMARY KEY, n INT);
         INSERT INTO typed_new SELECT id, n FROM typed;
         DROP TABLE typed;
         ALTER TABLE typed_new RENAME TO typed;",
    )
    .await;
    let after = facts(&p).await;
    assert_eq!(
        before.diff(&after),
        [
            "- typed: column id: INTEGER",
            "+ typed: column id: BIGINT not null",
            "- typed: primary key - (id): rowid alias",
            "+ typed: primary key - (id): own index",
            "- typed: table: rowid table, strict",
            "+ typed: table: rowid table",
        ]
    );
    assert_eq!(rows(&p, "typed").await, kept);
    assert_eq!(before.without(&["typed"]), after.without(&["typed"]));
}

const POSTGRES: &str = r#"
CREATE TABLE parent (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code text COLLATE "C" NOT NULL UNIQUE);
CREATE TABLE s (id int CONSTRAINT s_key PRIMARY KEY, n serial);
CREATE TABLE child (
    id bigserial PRIMARY KEY,
    name varchar(10) NOT NULL DEFAULT 'x' CHECK (length(name) > 0),
    parent_id int NOT NULL REFERENCES parent (id) MATCH FULL ON UPDATE CASCADE ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    upper_name text GENERATED ALWAYS AS (upper(name)) STORED,
    tags text[],
    born date DEFAULT ('now'::text)::date,
    CONSTRAINT child_name_u UNIQUE (name, parent_id) DEFERRABLE
);
COMMENT ON TABLE child IS 'kids';
COMMENT ON COLUMN child.name IS 'the name';
CREATE INDEX child_lower ON child (lower(name) DESC) WHERE parent_id > 0;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER child_touch BEFORE UPDATE ON child FOR EACH ROW EXECUTE FUNCTION touch();
CREATE RULE s_keep AS ON DELETE TO s DO INSTEAD NOTHING;
CREATE TABLE measure (at date NOT NULL, v int) PARTITION BY RANGE (at);
CREATE TABLE measure_2024 PARTITION OF measure FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE UNLOGGED TABLE loose (x int, y text) WITH (fillfactor = 70);
CREATE TABLE loose_more (z int) INHERITS (loose);
CREATE VIEW child_names AS SELECT name FROM child;
INSERT INTO parent (code) VALUES ('a'), ('b');
INSERT INTO child (name, parent_id, tags) VALUES ('n1', 1, '{x,y}');
INSERT INTO loose VALUES (2, NULL), (1, 'NULL'), (1, 'a');
INSERT INTO loose_more VALUES (3, 'child row', 0);
"#;

#[tokio::test]
async fn facts_on_postgres() {
    let Some(p) = TestProject::on(NO_BIN, DialectKind::Postgres).await else {
        return;
    };
    p.exec_script(POSTGRES).await;
    let before = facts(&p).await;
    assert_facts(
        &before,
        &[
            "child: check child_name_check: CHECK ((length((name)::text) > 0))",
            "child: column born: date default ('now'::text)::date",
            "child: column id: bigint not null default nextval('child_id_seq'::regclass)",
            "child: column name: character varying(10) not null default 'x'::character varying comment 'the name'",
            "child: column parent_id: integer not null",
            "child: column tags: text[]",
            "child: column upper_name: text generated always as (upper((name)::text)) stored",
            "child: columns: id, name, parent_id, upper_name, tags, born",
            "child: comment: 'kids'",
            "child: foreign key child_parent_id_fkey (parent_id): references parent (id) on delete set null on update cascade match full deferrable initially deferred",
            "child: index child_lower: CREATE INDEX child_lower ON public.child USING btree (lower((name)::text) DESC) WHERE (parent_id > 0)",
            "child: index child_name_u: CREATE UNIQUE INDEX child_name_u ON public.child USING btree (name, parent_id)",
            "child: index child_pkey: CREATE UNIQUE INDEX child_pkey ON public.child USING btree (id)",
            "child: primary key child_pkey (id): serial (nextval('child_id_seq'::regclass))",
            "child: sequence child_id_seq owned by id: bigint start 1 increment 1 min 1 max 9223372036854775807, last value 1",
            "child: table: table",
            "child: trigger child_touch: CREATE TRIGGER child_touch BEFORE UPDATE ON public.child FOR EACH ROW EXECUTE FUNCTION touch()",
            "child: unique child_name_u: UNIQUE (name, parent_id) DEFERRABLE",
            "child_names: definition: SELECT child.name\\n   FROM child;",
            "child_names: table: view",
            "loose: column x: integer",
            "loose: column y: text",
            "loose: columns: x, y",
            "loose: table: table, unlogged, options {fillfactor=70}",
            "loose_more: column x: integer",
            "loose_more: column y: text",
            "loose_more: column z: integer",
            "loose_more: columns: x, y, z",
            "loose_more: table: table, inherits loose",
            "measure: column at: date not null",
            "measure: column v: integer",
            "measure: columns: at, v",
            "measure: table: partitioned table, partition by RANGE (at)",
            "measure_2024: column at: date not null",
            "measure_2024: column v: integer",
            "measure_2024: columns: at, v",
            "measure_2024: table: table, partition of measure FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
            "parent: column code: text not null collate \"C\"",
            "parent: column id: integer not null generated always as identity",
            "parent: columns: id, code",
            "parent: index parent_code_key: CREATE UNIQUE INDEX parent_code_key ON public.parent USING btree (code)",
            "parent: index parent_pkey: CREATE UNIQUE INDEX parent_pkey ON public.parent USING btree (id)",
            "parent: primary key parent_pkey (id): identity (generated always as identity)",
            "parent: sequence parent_id_seq owned by id: integer start 1 increment 1 min 1 max 2147483647, last value 2",
            "parent: table: table",
            "parent: unique parent_code_key: UNIQUE (code)",
            "s: column id: integer not null",
            "s: column n: integer not null default nextval('s_n_seq'::regclass)",
            "s: columns: id, n",
            "s: index s_key: CREATE UNIQUE INDEX s_key ON public.s USING btree (id)",
            "s: primary key s_key (id): plain",
            "s: rule s_keep: CREATE RULE s_keep AS\\n    ON DELETE TO public.s DO INSTEAD NOTHING;",
            "s: sequence s_n_seq owned by n: integer start 1 increment 1 min 1 max 2147483647, last value none",
            "s: table: table",
        ],
    );
    assert_eq!(
        rows(&p, "loose").await,
        [["'1'", "'NULL'"], ["'1'", "'a'"], ["'2'", "NULL"]],
        "without a key, ordered by every column; the child table's row is its own"
    );
    assert_eq!(rows(&p, "parent").await, [["'1'", "'a'"], ["'2'", "'b'"]]);

    // The issue-13 serial default lost, and a foreign key restated plainly.
    p.exec_script(
        "ALTER TABLE s ALTER COLUMN n DROP DEFAULT;
         ALTER TABLE child DROP CONSTRAINT child_parent_id_fkey,
             ADD CONSTRAINT child_parent_id_fkey FOREIGN KEY (parent_id) REFERENCES parent (id);",
    )
    .await;
    assert_eq!(
        before.diff(&facts(&p).await),
        [
            "- child: foreign key child_parent_id_fkey (parent_id): references parent (id) on delete set null on update cascade match full deferrable initially deferred",
            "+ child: foreign key child_parent_id_fkey (parent_id): references parent (id) on delete no action on update no action match simple",
            "- s: column n: integer not null default nextval('s_n_seq'::regclass)",
            "+ s: column n: integer not null",
        ]
    );
}

const MYSQL: &str = r#"
CREATE TABLE parent (
    id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code VARCHAR(20) CHARACTER SET utf8mb3 COLLATE utf8mb3_bin NOT NULL,
    UNIQUE KEY parent_code_u (code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci COMMENT='parents';
CREATE TABLE child (
    id BIGINT NOT NULL AUTO_INCREMENT,
    name VARCHAR(100) NOT NULL DEFAULT 'x',
    rating ENUM('G','PG-13') DEFAULT 'G',
    parent_id INT UNSIGNED NOT NULL,
    updated TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    upper_name VARCHAR(100) AS (upper(name)) VIRTUAL,
    body TEXT COMMENT 'what it says',
    PRIMARY KEY (id),
    KEY child_name_prefix (name(10), parent_id DESC),
    FULLTEXT KEY child_body (body),
    CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id) ON UPDATE CASCADE ON DELETE RESTRICT,
    CONSTRAINT child_name_nonempty CHECK (name <> '')
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TRIGGER child_trim BEFORE INSERT ON child FOR EACH ROW SET NEW.name = TRIM(NEW.name);
CREATE VIEW child_names AS SELECT name FROM child;
CREATE TABLE logbook (n INT, msg TEXT) ENGINE=MyISAM;
INSERT INTO parent (code) VALUES ('a'), ('b');
INSERT INTO child (name, parent_id) VALUES (' n1 ', 1);
INSERT INTO logbook VALUES (2, NULL), (1, 'NULL'), (1, 'it''s');
"#;

#[tokio::test]
async fn facts_on_mysql() {
    let Some(p) = TestProject::on(NO_BIN, DialectKind::Mysql).await else {
        return;
    };
    p.exec_script(MYSQL).await;
    let mariadb = p.query("SELECT VERSION()").await[0][0].contains("MariaDB");
    if !mariadb {
        // The lines below are MariaDB 10.11's (CI's); MySQL 8 spells
        // integer types, defaults and EXTRA differently.
        eprintln!("skipped: the pinned facts are MariaDB's");
        return;
    }
    let before = facts(&p).await;
    assert_facts(
        &before,
        &[
            "child: check child_name_nonempty: `name` <> '' (table level)",
            "child: column body: text default NULL charset utf8mb4 collate utf8mb4_general_ci comment 'what it says'",
            "child: column id: bigint(20) not null extra auto_increment",
            "child: column name: varchar(100) not null default 'x' charset utf8mb4 collate utf8mb4_general_ci",
            "child: column parent_id: int(10) unsigned not null",
            "child: column rating: enum('G','PG-13') default 'G' charset utf8mb4 collate utf8mb4_general_ci",
            "child: column updated: timestamp not null default current_timestamp() extra on update current_timestamp()",
            "child: column upper_name: varchar(100) default NULL charset utf8mb4 collate utf8mb4_general_ci as (ucase(`name`)) extra virtual generated",
            "child: columns: id, name, rating, parent_id, updated, upper_name, body",
            "child: counter: auto_increment 2",
            "child: foreign key child_parent_fk (parent_id): references parent (id) on delete restrict on update cascade match none",
            "child: index PRIMARY: unique btree (id)",
            "child: index child_body: fulltext (body)",
            "child: index child_name_prefix: btree (name(10), parent_id desc)",
            "child: index child_parent_fk: btree (parent_id)",
            "child: primary key PRIMARY (id): auto_increment id",
            "child: table: base table, engine InnoDB, collation utf8mb4_general_ci, row format Dynamic",
            "child: trigger child_trim: before insert order 1 for each row: SET NEW.name = TRIM(NEW.name) (sql_mode IGNORE_SPACE,STRICT_TRANS_TABLES,STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION)",
            "child_names: view: select `child`.`name` AS `name` from `child` (check option none, security definer)",
            "logbook: column msg: text default NULL charset utf8mb4 collate utf8mb4_general_ci",
            "logbook: column n: int(11) default NULL",
            "logbook: columns: n, msg",
            "logbook: table: base table, engine MyISAM, collation utf8mb4_general_ci, row format Dynamic",
            "parent: column code: varchar(20) not null charset utf8mb3 collate utf8mb3_bin",
            "parent: column id: int(10) unsigned not null extra auto_increment",
            "parent: columns: id, code",
            "parent: comment: 'parents'",
            "parent: counter: auto_increment 3",
            "parent: index PRIMARY: unique btree (id)",
            "parent: index parent_code_u: unique btree (code)",
            "parent: primary key PRIMARY (id): auto_increment id",
            "parent: table: base table, engine InnoDB, collation utf8mb4_unicode_ci, row format Dynamic",
        ],
    );
    assert_eq!(
        rows(&p, "logbook").await,
        [["'1'", "'it\\'s'"], ["'1'", "'NULL'"], ["'2'", "NULL"]],
        "without a key, ordered by every column; NULL apart from 'NULL'"
    );
    assert_eq!(rows(&p, "parent").await, [["'1'", "'a'"], ["'2'", "'b'"]]);

    // The issue-13 MODIFY that loses a column's own character set.
    p.exec("ALTER TABLE parent MODIFY code VARCHAR(30) NOT NULL")
        .await;
    assert_eq!(
        before.diff(&facts(&p).await),
        [
            "- parent: column code: varchar(20) not null charset utf8mb3 collate utf8mb3_bin",
            "+ parent: column code: varchar(30) not null charset utf8mb4 collate utf8mb4_unicode_ci",
        ]
    );
}
