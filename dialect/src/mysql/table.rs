//! MySQL/MariaDB table definitions with every name resolved, and the change
//! from one definition to another as one `ALTER TABLE` with several clauses.
//!
//! MySQL commits each DDL statement at once and the runner records progress
//! per statement, so an operation is one statement wherever MySQL allows it.
//! The exceptions (see [`transition`]) are renaming the table, which goes
//! first in a statement of its own (in the same statement as a clause that
//! makes InnoDB copy the table, the foreign keys of other tables would keep
//! pointing at the old name), a foreign key that must be dropped and added
//! again under the same name — InnoDB refuses both in one statement — and
//! the UPDATE and DROP DEFAULT around a column's change. Each statement of
//! several carries what undoes it, so that a failure part-way through an
//! operation can be put back.

use crate::keeps::Expected;
use crate::{RenderError, Statement};
use remodel_model::restate::Scope;
use remodel_model::{
    ColumnDefault, ColumnType, Constraint, Field, IndexMethod, IndexOptions, Literal, OnDelete,
    Schema, Table,
};
use remodel_model::{default::format_float, expr};

/// Quotes an identifier with backticks.
pub(crate) fn q(ident: &str) -> String {
    format!("`{}`", ident.replace('`', "``"))
}

fn q_list(cols: &[String]) -> String {
    cols.iter().map(|c| q(c)).collect::<Vec<_>>().join(", ")
}

/// A string as a MySQL literal: quotes doubled and backslashes escaped (MySQL
/// reads `\` as an escape unless `NO_BACKSLASH_ESCAPES` is set; doubling it
/// reads back the same in both modes only for quotes, so backslashes are
/// escaped for the default mode).
pub(crate) fn string_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// The MySQL column type of a field (DESIGN §2's normative table).
pub(crate) fn column_type(f: &Field) -> String {
    use ColumnType as T;
    match &f.ty {
        T::Boolean => "TINYINT(1)".into(),
        T::SmallInt => "SMALLINT".into(),
        T::Integer => "INT".into(),
        T::BigInt => "BIGINT".into(),
        T::Real => "FLOAT".into(),
        T::Double => "DOUBLE".into(),
        T::Varchar(n) => format!("VARCHAR({n})"),
        T::Text => "LONGTEXT".into(),
        T::Blob => "LONGBLOB".into(),
        T::Decimal { precision, scale } => format!("DECIMAL({precision},{scale})"),
        T::Date => "DATE".into(),
        T::Time => "TIME(6)".into(),
        T::Timestamp | T::TimestampTz => "DATETIME(6)".into(),
        T::Uuid => "CHAR(36)".into(),
        T::Json => "JSON".into(),
        T::Unsigned(8) => "TINYINT UNSIGNED".into(),
        T::Unsigned(16) => "SMALLINT UNSIGNED".into(),
        T::Unsigned(32) => "INT UNSIGNED".into(),
        T::Unsigned(_) => "BIGINT UNSIGNED".into(),
        T::Raw(s) => s.clone(),
        // Rendering gives an enum field its `ENUM(…)` first.
        T::Enum(name) => name.clone(),
    }
}

/// Whether a column of this SQL type takes a literal default only as an
/// expression, `DEFAULT ('x')` (MySQL 8.0.13+; MariaDB 10.2+ also accepts it).
pub(crate) fn takes_expression_default(ty_sql: &str) -> bool {
    let t = ty_sql.trim().to_ascii_lowercase();
    [
        "tinytext",
        "text",
        "mediumtext",
        "longtext",
        "tinyblob",
        "blob",
        "mediumblob",
        "longblob",
        "json",
        "geometry",
        "point",
        "linestring",
        "polygon",
        "multipoint",
        "multilinestring",
        "multipolygon",
        "geometrycollection",
    ]
    .iter()
    .any(|k| t == *k || t.starts_with(&format!("{k} ")) || t.starts_with(&format!("{k}(")))
}

/// Whether an SQL expression is exactly `CURRENT_TIMESTAMP`, a synonym,
/// with a precision or none (`now()`, `CURRENT_TIMESTAMP(6)`), and nothing
/// more: what MySQL takes in `ON UPDATE`.
pub(crate) fn is_only_current_timestamp(sql: &str) -> bool {
    let t: String = sql
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let (name, rest) = t.split_once('(').unwrap_or((&t, ")"));
    let precision = rest.strip_suffix(')').unwrap_or("x");
    matches!(
        name,
        "current_timestamp" | "now" | "localtimestamp" | "localtime"
    ) && precision.chars().all(|c| c.is_ascii_digit())
}

/// Whether an SQL default is `CURRENT_TIMESTAMP` or one of its synonyms.
pub(crate) fn is_current_timestamp(sql: &str) -> bool {
    let t: String = sql
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    let t = t.trim_start_matches('(').trim_end_matches(')');
    let name = t.split('(').next().unwrap_or(t);
    matches!(
        name,
        "current_timestamp" | "now" | "localtimestamp" | "localtime"
    )
}

/// The fractional-seconds precision a temporal SQL type declares (`DATETIME(6)` → 6).
fn fsp(ty_sql: &str) -> Option<u32> {
    let t = ty_sql.trim().to_ascii_lowercase();
    if !(t.starts_with("datetime") || t.starts_with("timestamp")) {
        return None;
    }
    let inner = t.split_once('(')?.1.split_once(')')?.0;
    inner.trim().parse().ok()
}

/// A literal as MySQL SQL for a column of type `ty`.
pub(crate) fn literal_sql(lit: &Literal, ty: &ColumnType) -> String {
    match lit {
        Literal::Bool(b) => if *b { "1" } else { "0" }.to_string(),
        Literal::Int(i) => i.to_string(),
        Literal::Float(x) => format_float(*x),
        // Decimals are kept as strings but are numbers in SQL.
        Literal::Str(s) if matches!(ty, ColumnType::Decimal { .. }) => s.clone(),
        // DATETIME holds UTC: an offset is applied when rendering.
        Literal::Str(s) if *ty == ColumnType::TimestampTz => {
            string_literal(&crate::mysql::catalog::to_utc(s).unwrap_or_else(|| s.clone()))
        }
        Literal::Str(s) => string_literal(s),
    }
}

/// The `DEFAULT …` value of a field on MySQL.
pub(crate) fn default_sql(d: &ColumnDefault, f: &Field) -> String {
    let ty_sql = column_type(f);
    match d {
        ColumnDefault::Value(lit) => {
            let v = literal_sql(lit, &f.ty);
            if takes_expression_default(&ty_sql) {
                format!("({v})")
            } else {
                v
            }
        }
        ColumnDefault::Sql(sql) if is_current_timestamp(sql) => match fsp(&ty_sql) {
            Some(n) if n > 0 => format!("CURRENT_TIMESTAMP({n})"),
            _ => "CURRENT_TIMESTAMP".into(),
        },
        ColumnDefault::Sql(sql) => {
            let text = expr::quoted(sql, '`').unwrap_or_else(|_| sql.clone());
            format!("({text})")
        }
    }
}

/// A column as MySQL defines it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ColumnDef {
    pub name: String,
    /// The SQL type.
    pub ty: String,
    /// Everything after the name: type, NULL, DEFAULT, AUTO_INCREMENT, COMMENT.
    pub sql: String,
    /// For a string column that says no character set or collation of its
    /// own: its definition with the table's spelled out, which a change of
    /// the table's character set restates (MySQL changes only the default).
    pub in_table_charset: Option<String>,
    /// A generated column: whether it is stored.
    pub generated: Option<bool>,
}

/// An index: plain, unique (UNIQUE constraints are unique indexes on MySQL),
/// or the one InnoDB needs for a foreign key that no other index serves
/// (named after the foreign key, as InnoDB names it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IndexDef {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
    pub options: IndexOptions,
}

impl IndexDef {
    fn sql(&self) -> String {
        let o = &self.options;
        let columns = self
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| match o.prefix_length(i) {
                Some(n) => format!("{}({n})", q(c)),
                None => q(c),
            })
            .collect();
        // MySQL 8's expression key part: the expression in parentheses.
        let parts = crate::key_parts::key_parts(columns, o, '`');
        let kind = match o.using {
            Some(m) if m.is_mysql_kind() => format!("{} ", m.as_str().to_uppercase()),
            _ if self.unique => "UNIQUE ".to_string(),
            _ => String::new(),
        };
        let using = match o.using {
            Some(IndexMethod::Hash) => " USING HASH",
            _ => "",
        };
        format!(
            "{kind}INDEX {} ({}){using}",
            q(&self.name),
            parts.join(", ")
        )
    }

    /// Whether InnoDB can use this index for a foreign key on `column`.
    fn serves(&self, column: &str) -> bool {
        self.columns.first().is_some_and(|c| c == column)
            && self.options.using.is_none()
            && self.options.prefix_length(0).is_none()
    }
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ForeignKeyDef {
    pub name: String,
    pub column: String,
    pub ref_table: String,
    pub ref_column: String,
    pub on_delete: OnDelete,
    pub on_update: OnDelete,
}

impl ForeignKeyDef {
    /// `CONSTRAINT … FOREIGN KEY … REFERENCES … ON DELETE …[ ON UPDATE …]`.
    pub(crate) fn sql(&self) -> String {
        let update = if self.on_update == OnDelete::NoAction {
            String::new()
        } else {
            format!(" ON UPDATE {}", self.on_update.sql())
        };
        format!(
            "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {}{update}",
            q(&self.name),
            q(&self.column),
            q(&self.ref_table),
            q(&self.ref_column),
            self.on_delete.sql()
        )
    }
}

/// A check constraint (expression in the model's normal spelling).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckDef {
    pub name: String,
    pub expr: String,
}

impl CheckDef {
    fn sql(&self) -> String {
        format!(
            "CONSTRAINT {} CHECK ({})",
            q(&self.name),
            expr::quoted(&self.expr, '`').unwrap_or_else(|_| self.expr.clone())
        )
    }
}

/// A table as MySQL holds it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TableDef {
    pub name: String,
    pub columns: Vec<ColumnDef>,
    pub primary_key: Vec<String>,
    pub indexes: Vec<IndexDef>,
    pub foreign_keys: Vec<ForeignKeyDef>,
    pub checks: Vec<CheckDef>,
    pub comment: Option<String>,
    /// The table's default character set and collation (`None`: utf8mb4,
    /// and its default collation).
    pub charset: Option<String>,
    pub collation: Option<String>,
}

/// Whether a column of this SQL type holds characters, and so has a
/// character set and collation.
pub(crate) fn holds_characters(ty_sql: &str) -> bool {
    let lower = ty_sql.trim().to_ascii_lowercase();
    let base = lower
        .split(|c: char| c == '(' || c.is_whitespace())
        .next()
        .unwrap_or("");
    matches!(
        base,
        "char"
            | "varchar"
            | "nchar"
            | "nvarchar"
            | "tinytext"
            | "text"
            | "mediumtext"
            | "longtext"
            | "enum"
            | "set"
    )
}

/// A table's character set and collation as MySQL is told them: the
/// character set said, or the one the collation belongs to, or utf8mb4.
fn table_charset(charset: Option<&str>, collation: Option<&str>) -> (String, Option<String>) {
    let charset = charset
        .map(str::to_string)
        .or_else(|| collation.map(|c| super::catalog::collation_charset(c).to_string()))
        .unwrap_or_else(|| super::catalog::DEFAULT_CHARSET.to_string());
    (charset, collation.map(str::to_string))
}

/// The SQL of one column definition (after its name).
pub(crate) fn column_sql(f: &Field, in_primary_key: bool) -> String {
    let mut s = column_type(f);
    if let Some(c) = &f.charset {
        s.push_str(&format!(" CHARACTER SET {c}"));
    }
    if let Some(c) = &f.collation {
        s.push_str(&format!(" COLLATE {c}"));
    }
    // A generated column takes no NULL, NOT NULL or DEFAULT on MariaDB.
    if let Some(g) = &f.generated {
        let e = expr::quoted(&g.expr, '`').unwrap_or_else(|_| g.expr.clone());
        let kind = if g.stored { "STORED" } else { "VIRTUAL" };
        s.push_str(&format!(" AS ({e}) {kind}"));
        if let Some(c) = &f.comment {
            s.push_str(" COMMENT ");
            s.push_str(&string_literal(c));
        }
        return s;
    }
    // Key columns are NOT NULL on MySQL whatever they say.
    s.push_str(if f.null && !in_primary_key {
        " NULL"
    } else {
        " NOT NULL"
    });
    if let Some(d) = &f.default {
        s.push_str(" DEFAULT ");
        s.push_str(&default_sql(d, f));
    }
    if let Some(sql) = &f.on_update_sql {
        s.push_str(" ON UPDATE ");
        s.push_str(&default_sql(&ColumnDefault::Sql(sql.clone()), f));
    }
    if f.auto.is_auto() {
        s.push_str(" AUTO_INCREMENT");
    }
    if let Some(c) = &f.comment {
        s.push_str(" COMMENT ");
        s.push_str(&string_literal(c));
    }
    s
}

fn check_type(t: &Table, f: &Field) -> Result<(), RenderError> {
    if let ColumnType::Decimal { precision, scale } = f.ty
        && (precision > 65 || scale > 30)
    {
        return Err(RenderError(format!(
            "field `{}` of {}: MySQL/MariaDB DECIMAL holds at most 65 digits and 30 decimal places, not decimal({precision},{scale})",
            f.name,
            t.key()
        )));
    }
    if let Some(sql) = &f.on_update_sql
        && !is_only_current_timestamp(sql)
    {
        return Err(RenderError(format!(
            "field `{}` of {}: MySQL/MariaDB set a column ON UPDATE only to CURRENT_TIMESTAMP, not `{sql}`",
            f.name,
            t.key()
        )));
    }
    if (f.charset.is_some() || f.collation.is_some()) && !holds_characters(&column_type(f)) {
        return Err(RenderError(format!(
            "field `{}` of {}: a {} column has no character set or collation on MySQL/MariaDB",
            f.name,
            t.key(),
            column_type(f)
        )));
    }
    if f.auto.is_auto() && !f.primary_key && !t.leads_an_index(&f.name) {
        return Err(RenderError(format!(
            "field `{}` of {}: MySQL/MariaDB number (AUTO_INCREMENT) only a column that leads an index; give the field `index` or `unique`",
            f.name,
            t.key()
        )));
    }
    Ok(())
}

impl TableDef {
    /// Resolves a model table's names against the schema it lives in.
    pub fn of(t: &Table, schema: &Schema) -> Result<TableDef, RenderError> {
        // An enum field is an inline ENUM of its values, in order.
        let t = &crate::enums::for_dialect(t, schema, crate::DialectKind::Mysql)?;
        let pk_fields = t.primary_key();
        let primary_key = t.columns_of(&pk_fields);
        let mut columns = Vec::new();
        let mut indexes = Vec::new();
        let mut foreign_keys = Vec::new();
        let mut checks = Vec::new();
        let table_charset = table_charset(t.charset.as_deref(), t.collation.as_deref());
        for f in &t.fields {
            check_type(t, f)?;
            let col = f.column_name().to_string();
            let in_key = pk_fields.contains(&f.name);
            let in_table_charset =
                (f.charset.is_none() && f.collation.is_none() && holds_characters(&column_type(f)))
                    .then(|| {
                        let mut spelled = f.clone();
                        spelled.charset = Some(table_charset.0.clone());
                        spelled.collation = table_charset.1.clone();
                        column_sql(&spelled, in_key)
                    });
            columns.push(ColumnDef {
                name: col.clone(),
                ty: column_type(f),
                sql: column_sql(f, in_key),
                in_table_charset,
                generated: f.generated.as_ref().map(|g| g.stored),
            });
            if let Some(name) = t.field_index_name(f) {
                indexes.push(IndexDef {
                    name,
                    columns: vec![col.clone()],
                    ..Default::default()
                });
            }
            if let Some(name) = t.field_unique_name(f) {
                indexes.push(IndexDef {
                    name,
                    columns: vec![col.clone()],
                    unique: true,
                    ..Default::default()
                });
            }
            if let (Some(name), Some(r)) = (t.field_fk_name(f), &f.references) {
                let (ref_table, ref_column) = crate::reference::referenced_column(schema, t, f, r)?;
                foreign_keys.push(ForeignKeyDef {
                    name,
                    column: col.clone(),
                    ref_table,
                    ref_column,
                    on_delete: r.on_delete,
                    on_update: r.on_update,
                });
            }
        }
        for ix in &t.indexes {
            indexes.push(IndexDef {
                name: t.index_name(ix).name,
                columns: t.columns_of(&ix.fields),
                unique: ix.unique,
                options: ix.options.clone(),
            });
        }
        for c in &t.constraints {
            let name = t.constraint_name(c).name;
            match c {
                Constraint::Unique { fields, .. } => indexes.push(IndexDef {
                    name,
                    columns: t.columns_of(fields),
                    unique: true,
                    ..Default::default()
                }),
                Constraint::Check { expr: e, .. } => checks.push(CheckDef {
                    name,
                    expr: e.clone(),
                }),
            }
        }
        let mut def = TableDef {
            name: t.table_name(),
            columns,
            primary_key,
            indexes,
            foreign_keys,
            checks,
            comment: t.comment.clone(),
            charset: t.charset.clone(),
            collation: t.collation.clone(),
        };
        def.add_foreign_key_indexes();
        Ok(def)
    }

    /// InnoDB needs an index whose first column is a foreign key's column;
    /// when no other index (nor the primary key) starts with it, InnoDB makes
    /// one named after the foreign key. remodel creates that index itself, so
    /// what the database holds is always known.
    fn add_foreign_key_indexes(&mut self) {
        let mut extra = Vec::new();
        for fk in &self.foreign_keys {
            let served = self.primary_key.first() == Some(&fk.column)
                || self.indexes.iter().any(|ix| ix.serves(&fk.column));
            let name_taken = self.indexes.iter().any(|ix| ix.name == fk.name);
            if !served && !name_taken {
                extra.push(IndexDef {
                    name: fk.name.clone(),
                    columns: vec![fk.column.clone()],
                    ..Default::default()
                });
            }
        }
        self.indexes.extend(extra);
    }

    /// `CREATE TABLE` with everything in it.
    pub fn create(&self) -> Statement {
        let mut lines: Vec<String> = self
            .columns
            .iter()
            .map(|c| format!("{} {}", q(&c.name), c.sql))
            .collect();
        if !self.primary_key.is_empty() {
            lines.push(format!("PRIMARY KEY ({})", q_list(&self.primary_key)));
        }
        lines.extend(self.indexes.iter().map(IndexDef::sql));
        lines.extend(self.foreign_keys.iter().map(ForeignKeyDef::sql));
        lines.extend(self.checks.iter().map(CheckDef::sql));
        let mut sql = format!(
            "CREATE TABLE {} (\n    {}\n) ENGINE=InnoDB {}",
            q(&self.name),
            lines.join(",\n    "),
            self.charset_sql("=")
        );
        if let Some(c) = &self.comment {
            sql.push_str(&format!(" COMMENT={}", string_literal(c)));
        }
        Statement::new(sql)
    }

    fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// `DEFAULT CHARSET=… COLLATE=…` (with `=`) or `DEFAULT CHARACTER SET …
    /// COLLATE …` (with a blank), for the table's character set.
    fn charset_sql(&self, eq: &str) -> String {
        let (charset, collation) =
            table_charset(self.charset.as_deref(), self.collation.as_deref());
        let mut s = if eq == "=" {
            format!("DEFAULT CHARSET={charset}")
        } else {
            format!("DEFAULT CHARACTER SET {charset}")
        };
        if let Some(c) = collation {
            s.push_str(&format!(" COLLATE{eq}{c}"));
        }
        s
    }

    /// This definition as MySQL holds it after renaming the table and columns
    /// natively: columns, indexes and foreign keys (also those pointing at the
    /// table itself) follow; index, constraint names and checks do not.
    fn renamed(&self, new_name: &str, renames: &[(String, String)]) -> TableDef {
        let ren = |c: &str| {
            renames
                .iter()
                .find(|(o, _)| o == c)
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| c.to_string())
        };
        let mut t = self.clone();
        let old_name = std::mem::replace(&mut t.name, new_name.to_string());
        for c in &mut t.columns {
            c.name = ren(&c.name);
        }
        t.primary_key = t.primary_key.iter().map(|c| ren(c)).collect();
        for ix in &mut t.indexes {
            ix.columns = ix.columns.iter().map(|c| ren(c)).collect();
            for (o, n) in renames {
                if let Ok(r) = ix.options.rename_column(o, n) {
                    ix.options = r;
                }
            }
        }
        for fk in &mut t.foreign_keys {
            fk.column = ren(&fk.column);
            if fk.ref_table == old_name {
                fk.ref_table = new_name.to_string();
                fk.ref_column = ren(&fk.ref_column);
            }
        }
        t
    }
}

/// What the change of one table needs besides its definitions.
#[derive(Debug, Default)]
pub(crate) struct Change {
    /// Column renames, old column → new column.
    pub renames: Vec<(String, String)>,
    /// Values for NULLs of a column that becomes NOT NULL (new column → SQL),
    /// set by an UPDATE before the ALTER.
    pub fill_nulls: Vec<(String, String)>,
    /// A column added with a one-off default: its DEFAULT is dropped again
    /// once the rows are filled.
    pub drop_default_after: Option<String>,
}

/// The statements that turn table `old` into `new` (both resolved), each
/// but the last with what undoes it (see [`Statement::undo`]).
///
/// Normally one `ALTER TABLE`. Before it: renaming the table, in a statement
/// of its own (InnoDB updates the foreign keys of other tables that point at
/// it only when nothing else in the statement makes it copy the table), and
/// an UPDATE when NULLs must be filled. After it: adding foreign keys InnoDB
/// cannot add in the same statement that drops one of the same name (a
/// changed definition or column type), and dropping a one-off default.
pub(crate) fn transition(
    old: &TableDef,
    new: &TableDef,
    change: &Change,
    known: &Expected,
) -> Vec<Statement> {
    let mut out = Vec::new();
    // First what it restates must hold nothing the state does not know:
    // before anything of the operation runs (the ALTER, but also the
    // rename and the UPDATE that fills NULLs).
    let first = plan_alter(&old.renamed(&new.name, &[]), new, &change.renames);
    if !first.restated.is_empty() {
        out.push(known.keeps(&old.name, Scope::Columns(first.restated.clone())));
    }
    for c in &first.dropped_columns {
        out.push(known.keeps(&old.name, Scope::DroppedColumn(c.clone())));
    }
    for fk in &first.readded {
        out.push(known.keeps(&old.name, Scope::ForeignKey(fk.clone())));
    }
    // The table as it is when the ALTER runs: renamed natively (foreign
    // keys pointing at it, its own included, follow).
    let base = if old.name != new.name {
        out.push(
            rename_table(&old.name, &new.name).with_undo(vec![rename_table(&new.name, &old.name)]),
        );
        old.renamed(&new.name, &[])
    } else {
        old.clone()
    };
    for (col, value) in &change.fill_nulls {
        let col = q(col_before(col, &change.renames));
        out.push(
            Statement::new(format!(
                "UPDATE {} SET {col} = {value} WHERE {col} IS NULL",
                q(&base.name),
            ))
            .with_undo(Vec::new()),
        );
    }
    let plan = plan_alter(&base, new, &change.renames);
    // What the ALTER leaves: `new` without the foreign keys added after it.
    let mut reached = new.clone();
    reached.foreign_keys.retain(|fk| !plan.later.contains(fk));
    if !plan.clauses.is_empty() {
        out.push(alter(&new.name, &plan.clauses).with_undo(undo_alter(
            &reached,
            &base,
            &change.renames,
        )));
    }
    if !plan.later.is_empty() {
        let add: Vec<String> = plan
            .later
            .iter()
            .map(|fk| format!("ADD {}", fk.sql()))
            .collect();
        let drop: Vec<String> = plan
            .later
            .iter()
            .map(|fk| format!("DROP FOREIGN KEY {}", q(&fk.name)))
            .collect();
        out.push(alter(&new.name, &add).with_undo(vec![alter(&new.name, &drop)]));
    }
    if let Some(col) = &change.drop_default_after {
        let mut s = Statement::new(format!(
            "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
            q(&new.name),
            q(col)
        ));
        s.undo = new.column(col).map(|c| {
            vec![Statement::new(format!(
                "ALTER TABLE {} MODIFY COLUMN {} {}",
                q(&new.name),
                q(col),
                c.sql
            ))]
        });
        out.push(s);
    }
    out
}

fn rename_table(from: &str, to: &str) -> Statement {
    Statement::new(format!("RENAME TABLE {} TO {}", q(from), q(to)))
}

/// One `ALTER TABLE`'s clauses, and the foreign keys that must follow in a
/// second statement.
struct AlterPlan {
    clauses: Vec<String>,
    /// Foreign keys dropped by the clauses and added again under the same
    /// name: InnoDB refuses both in one statement.
    later: Vec<ForeignKeyDef>,
    /// Columns written out again whole (MODIFY, CHANGE), by their names
    /// before the ALTER.
    restated: Vec<String>,
    /// Columns dropped.
    dropped_columns: Vec<String>,
    /// Foreign keys dropped and added again under their names.
    readded: Vec<String>,
}

/// The statements that put the table back from `from` to `to` after an
/// ALTER planned from `to` with `renames` (old column → new column).
fn undo_alter(from: &TableDef, to: &TableDef, renames: &[(String, String)]) -> Vec<Statement> {
    let back: Vec<(String, String)> = renames
        .iter()
        .map(|(o, n)| (n.clone(), o.clone()))
        .collect();
    let plan = plan_alter(from, to, &back);
    let mut out = Vec::new();
    if !plan.clauses.is_empty() {
        out.push(alter(&to.name, &plan.clauses));
    }
    if !plan.later.is_empty() {
        let add: Vec<String> = plan
            .later
            .iter()
            .map(|fk| format!("ADD {}", fk.sql()))
            .collect();
        out.push(alter(&to.name, &add));
    }
    out
}

/// The change from `base` (already named as `new`) to `new` with column
/// `renames`.
fn plan_alter(base: &TableDef, new: &TableDef, renames: &[(String, String)]) -> AlterPlan {
    let mid = base.renamed(&new.name, renames);
    let mut clauses: Vec<String> = Vec::new();

    // Columns whose type changes: InnoDB refuses to change a column a
    // foreign key uses (on either side), so the foreign key is dropped and
    // added again.
    let retyped: Vec<&str> = new
        .columns
        .iter()
        .filter(|c| mid.column(&c.name).is_some_and(|m| m.ty != c.ty))
        .map(|c| c.name.as_str())
        .collect();

    // Foreign keys first, then checks and indexes they rely on.
    let dropped_fks: Vec<&ForeignKeyDef> = mid
        .foreign_keys
        .iter()
        .filter(|fk| {
            !new.foreign_keys.contains(fk)
                || retyped.contains(&fk.column.as_str())
                || (fk.ref_table == new.name && retyped.contains(&fk.ref_column.as_str()))
        })
        .collect();
    for fk in &dropped_fks {
        clauses.push(format!("DROP FOREIGN KEY {}", q(&fk.name)));
    }
    for ck in mid.checks.iter().filter(|c| !new.checks.contains(c)) {
        clauses.push(format!("DROP CONSTRAINT {}", q(&ck.name)));
    }

    // Indexes: unchanged ones stay; one whose name alone changes is renamed.
    let mut dropped: Vec<&IndexDef> = mid
        .indexes
        .iter()
        .filter(|ix| !new.indexes.contains(ix))
        .collect();
    let mut added: Vec<&IndexDef> = new
        .indexes
        .iter()
        .filter(|ix| !mid.indexes.contains(ix))
        .collect();
    let mut renamed_ix = Vec::new();
    dropped.retain(|d| {
        let partner = added.iter().position(|a| {
            a.columns == d.columns
                && a.unique == d.unique
                && a.options == d.options
                && !mid.indexes.iter().any(|m| m.name == a.name)
                && !new.indexes.iter().any(|n| n.name == d.name)
        });
        match partner {
            Some(i) => {
                renamed_ix.push((d.name.clone(), added.remove(i).name.clone()));
                false
            }
            None => true,
        }
    });
    for ix in &dropped {
        // Dropping a column drops the indexes made only of it.
        let gone = ix
            .columns
            .iter()
            .all(|c| new.column(c).is_none() && mid.column(c).is_some());
        if !gone {
            clauses.push(format!("DROP INDEX {}", q(&ix.name)));
        }
    }

    // Columns. When the table's character set changes, each column that
    // follows it is written with the new one spelled out.
    let charset_changed = (&mid.charset, &mid.collation) != (&new.charset, &new.collation);
    let spelled = |c: &ColumnDef| match &c.in_table_charset {
        Some(sql) if charset_changed => sql.clone(),
        _ => c.sql.clone(),
    };
    let mut restated = Vec::new();
    let mut dropped_columns = Vec::new();
    for (o, n) in renames {
        let (Some(before), Some(after)) = (mid.column(n), new.column(n)) else {
            continue;
        };
        if before.sql == after.sql && !(charset_changed && after.in_table_charset.is_some()) {
            clauses.push(format!("RENAME COLUMN {} TO {}", q(o), q(n)));
        } else {
            clauses.push(format!(
                "CHANGE COLUMN {} {} {}",
                q(o),
                q(n),
                spelled(after)
            ));
            restated.push(o.clone());
        }
    }
    for (i, c) in new.columns.iter().enumerate() {
        let is_renamed = renames.iter().any(|(_, n)| *n == c.name);
        match mid.column(&c.name) {
            // MariaDB makes a column generated, or changes its kind, only by
            // dropping it and adding it again where it was (its values are
            // computed anew).
            Some(m) if c.generated.is_some() && m.generated != c.generated => {
                let place = match i {
                    0 => " FIRST".to_string(),
                    _ => format!(" AFTER {}", q(&new.columns[i - 1].name)),
                };
                clauses.push(format!("DROP COLUMN {}", q(&c.name)));
                clauses.push(format!("ADD COLUMN {} {}{place}", q(&c.name), spelled(c)));
                restated.push(c.name.clone());
            }
            Some(m)
                if !is_renamed
                    && (m.sql != c.sql || (charset_changed && c.in_table_charset.is_some())) =>
            {
                clauses.push(format!("MODIFY COLUMN {} {}", q(&c.name), spelled(c)));
                restated.push(c.name.clone());
            }
            Some(_) => {}
            None => clauses.push(format!("ADD COLUMN {} {}", q(&c.name), spelled(c))),
        }
    }
    for c in &mid.columns {
        if new.column(&c.name).is_none() {
            clauses.push(format!("DROP COLUMN {}", q(&c.name)));
            dropped_columns.push(c.name.clone());
        }
    }
    if mid.primary_key != new.primary_key {
        if !mid.primary_key.is_empty() {
            clauses.push("DROP PRIMARY KEY".into());
        }
        if !new.primary_key.is_empty() {
            clauses.push(format!("ADD PRIMARY KEY ({})", q_list(&new.primary_key)));
        }
    }

    for (o, n) in &renamed_ix {
        clauses.push(format!("RENAME INDEX {} TO {}", q(o), q(n)));
    }
    for ix in &added {
        clauses.push(format!("ADD {}", ix.sql()));
    }
    for ck in new.checks.iter().filter(|c| !mid.checks.contains(c)) {
        clauses.push(format!("ADD {}", ck.sql()));
    }
    let mut later = Vec::new();
    for fk in &new.foreign_keys {
        let readd = dropped_fks.iter().any(|d| d.name == fk.name);
        if mid.foreign_keys.contains(fk) && !readd {
            continue;
        }
        if readd {
            later.push(fk.clone());
        } else {
            clauses.push(format!("ADD {}", fk.sql()));
        }
    }
    if charset_changed {
        // MySQL changes the default only: the columns that follow the
        // table were restated above in the new one.
        clauses.push(new.charset_sql(" "));
    }
    if mid.comment != new.comment {
        clauses.push(format!(
            "COMMENT = {}",
            string_literal(new.comment.as_deref().unwrap_or(""))
        ));
    }
    let readded = dropped_fks
        .iter()
        .filter(|d| new.foreign_keys.iter().any(|fk| fk.name == d.name))
        .map(|d| d.name.clone())
        .collect();
    AlterPlan {
        clauses,
        later,
        restated,
        dropped_columns,
        readded,
    }
}

fn col_before<'a>(col: &'a str, renames: &'a [(String, String)]) -> &'a str {
    renames
        .iter()
        .find(|(_, n)| n == col)
        .map(|(o, _)| o.as_str())
        .unwrap_or(col)
}

fn alter(table: &str, clauses: &[String]) -> Statement {
    Statement::new(format!(
        "ALTER TABLE {}\n    {}",
        q(table),
        clauses.join(",\n    ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_quotes_and_backslashes() {
        assert_eq!(string_literal("it's"), "'it''s'");
        assert_eq!(string_literal("a\\b"), "'a\\\\b'");
    }

    #[test]
    fn text_blob_and_json_take_expression_defaults() {
        for t in ["LONGTEXT", "longblob", "JSON", "text", "geometry"] {
            assert!(takes_expression_default(t), "{t}");
        }
        for t in ["VARCHAR(10)", "INT", "DATETIME(6)", "textual"] {
            assert!(!takes_expression_default(t), "{t}");
        }
    }

    #[test]
    fn current_timestamp_synonyms() {
        for s in [
            "CURRENT_TIMESTAMP",
            "current_timestamp()",
            "NOW()",
            "now(6)",
            "CURRENT_TIMESTAMP(6)",
        ] {
            assert!(is_current_timestamp(s), "{s}");
        }
        assert!(!is_current_timestamp("CURRENT_DATE"));
        assert!(!is_current_timestamp("uuid()"));
        assert_eq!(fsp("DATETIME(6)"), Some(6));
        assert_eq!(fsp("datetime"), None);
    }
}
