//! Ordering across the whole list: which operation must run after which.

use super::*;

/// Which operations must run after which, across the whole list: references
/// need their target created (or renamed) first; a model is dropped only
/// after the fields referencing it are gone; a table name is taken only after
/// whoever held it let it go.
///
/// Kept as the operations are generated ([`Differ::emit`]), on the state the
/// differ moves along anyway: [`Dependencies::before`] sees the state before
/// an operation applies, [`Dependencies::after`] the state after.
#[derive(Debug, Default)]
pub(super) struct Dependencies {
    /// `(i, j)`: operation `i` runs after operation `j`.
    pub(super) edges: BTreeSet<(usize, usize)>,
    /// model key (after the op) → op index that created or renamed it
    pub(super) made: BTreeMap<String, usize>,
    /// (model, field) → op index that added or altered it
    pub(super) field_ops: BTreeMap<(String, String), usize>,
    /// model key → ops that dropped a reference to it
    pub(super) unref: BTreeMap<String, Vec<usize>>,
    /// table name → op index that freed it
    pub(super) freed: BTreeMap<String, usize>,
    /// enum key → op index that created it
    pub(super) made_enums: BTreeMap<String, usize>,
    /// enum key → ops that dropped a field of it
    pub(super) unused_enums: BTreeMap<String, Vec<usize>>,
}

/// The enums the fields use.
fn enums_of<'a>(fields: impl IntoIterator<Item = &'a Field>) -> Vec<String> {
    fields
        .into_iter()
        .filter_map(|f| match &f.ty {
            remodel_model::ColumnType::Enum(key) => Some(key.clone()),
            _ => None,
        })
        .collect()
}

fn lower_table_of(state: &Schema, key: &str) -> Option<String> {
    state.table(key).map(|t| t.table_name().to_lowercase())
}

impl Dependencies {
    /// Records operation `i` against the state before it applies; returns
    /// the table name it may let go, for [`Dependencies::after`].
    pub(super) fn before(&mut self, state: &Schema, i: usize, op: &Op) -> Option<String> {
        let edges = &mut self.edges;
        let made = &mut self.made;
        let field_ops = &mut self.field_ops;
        let mut new_ref = |model: &str, to_field: Option<&String>| {
            if let Some(&j) = made.get(model) {
                edges.insert((i, j));
            }
            if let Some(tf) = to_field
                && let Some(&j) = field_ops.get(&(model.to_string(), tf.clone()))
            {
                edges.insert((i, j));
            }
        };
        match op {
            Op::CreateModel { table } => {
                for r in table.fields.iter().filter_map(|f| f.references.as_ref()) {
                    new_ref(&r.model, r.to_field.as_ref());
                }
            }
            Op::AddField { field, .. } | Op::AlterField { field, .. } => {
                if let Some(r) = &field.references {
                    new_ref(&r.model, r.to_field.as_ref());
                }
            }
            _ => {}
        }
        // A field of an enum follows the op that created the enum; the enum
        // is dropped after the ops that dropped its fields.
        let uses: Vec<String> = match op {
            Op::CreateModel { table } => enums_of(&table.fields),
            Op::AddField { field, .. } | Op::AlterField { field, .. } => enums_of([field]),
            _ => Vec::new(),
        };
        for key in uses {
            if let Some(&j) = self.made_enums.get(&key) {
                self.edges.insert((i, j));
            }
        }
        let unused: Vec<String> = match op {
            Op::RemoveField { model, field } => state
                .table(model)
                .map(|t| enums_of(t.field(field)))
                .unwrap_or_default(),
            Op::AlterField { model, field, .. } => state
                .table(model)
                .map(|t| enums_of(t.field(&field.name)))
                .unwrap_or_default()
                .into_iter()
                .filter(|k| enums_of([field]).first() != Some(k))
                .collect(),
            Op::DeleteModel { model } => state
                .table(model)
                .map(|t| enums_of(&t.fields))
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        for key in unused {
            self.unused_enums.entry(key).or_default().push(i);
        }
        match op {
            Op::CreateEnum { db_enum } => {
                self.made_enums.insert(db_enum.key(), i);
            }
            Op::DeleteEnum { name } => {
                for &j in self.unused_enums.get(name).into_iter().flatten() {
                    self.edges.insert((i, j));
                }
            }
            _ => {}
        }
        // Every op on a model follows the op that created or renamed it.
        if let Some(key) = op.model_key()
            && let Some(&j) = self.made.get(&key)
            && j != i
        {
            self.edges.insert((i, j));
        }
        let dropped_refs: Vec<String> = match op {
            Op::RemoveField { model, field } => state
                .table(model)
                .and_then(|t| t.field(field))
                .and_then(|f| f.references.as_ref())
                .map(|r| vec![r.model.clone()])
                .unwrap_or_default(),
            Op::AlterField { model, field, .. } => state
                .table(model)
                .and_then(|t| t.field(&field.name))
                .and_then(|f| f.references.as_ref())
                .filter(|r| field.references.as_ref().is_none_or(|n| n.model != r.model))
                .map(|r| vec![r.model.clone()])
                .unwrap_or_default(),
            Op::DeleteModel { model } => state
                .table(model)
                .map(|t| {
                    t.fields
                        .iter()
                        .filter_map(|f| f.references.as_ref().map(|r| r.model.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        if let Op::DeleteModel { model } = op {
            for &j in self.unref.get(model).into_iter().flatten() {
                self.edges.insert((i, j));
            }
        }
        for m in dropped_refs {
            self.unref.entry(m).or_default().push(i);
        }
        match op {
            Op::CreateModel { table } => {
                self.made.insert(table.key(), i);
            }
            Op::RenameModel { app, new, .. } => {
                self.made.insert(model_key(app, new), i);
            }
            Op::AddField { model, field, .. } | Op::AlterField { model, field, .. } => {
                self.field_ops
                    .insert((model.clone(), field.name.clone()), i);
            }
            _ => {}
        }
        match op {
            Op::DeleteModel { model } | Op::AlterModelTable { model, .. } => {
                lower_table_of(state, model)
            }
            Op::RenameModel { app, old, .. } => lower_table_of(state, &model_key(app, old)),
            _ => None,
        }
    }

    /// Records operation `i` against the state after it applied, with the
    /// table name [`Dependencies::before`] returned.
    pub(super) fn after(&mut self, state: &Schema, i: usize, op: &Op, before_name: Option<String>) {
        let taken = match op {
            Op::CreateModel { table } => Some(table.table_name().to_lowercase()),
            Op::AlterModelTable { model, .. } => lower_table_of(state, model),
            Op::RenameModel { app, new, .. } => lower_table_of(state, &model_key(app, new)),
            _ => None,
        };
        if let Some(t) = taken.as_ref().filter(|t| Some(*t) != before_name.as_ref())
            && let Some(&j) = self.freed.get(t)
        {
            self.edges.insert((i, j));
        }
        if let Some(b) = before_name {
            let still = match op {
                Op::DeleteModel { .. } => None,
                _ => taken,
            };
            if still.as_ref() != Some(&b) {
                self.freed.insert(b, i);
            }
        }
    }
}
