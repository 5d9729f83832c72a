//! The model phases: RenameModel, CreateModel, AlterModelTable and the
//! other table-wide alterations, DeleteModel.

use super::*;

impl<'a> Differ<'a> {
    // Phase: RenameModel (with an AlterModelTable first when the table keeps its name).
    pub(super) fn rename_models(&mut self) -> Result<(), DiffError> {
        let to = self.to;
        // By app, in key order: the models that arrive, and those that left
        // (renames only ever take a left model of the same app).
        let mut created_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for t in to.tables.values() {
            if !self.state.tables.contains_key(&t.key()) {
                created_of.entry(t.app.clone()).or_default().push(t.key());
            }
        }
        if created_of.is_empty() {
            return Ok(());
        }
        let mut lost_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for t in self.state.tables.values() {
            if !to.tables.contains_key(&t.key()) {
                lost_of.entry(t.app.clone()).or_default().push(t.key());
            }
        }
        for (app, created) in created_of {
            let lost_keys = lost_of.remove(&app).unwrap_or_default();
            let mut consumed: BTreeSet<String> = BTreeSet::new();
            for new_key in created {
                // Read from the state as it is now: earlier renames rewrote
                // references, and a consumed model is gone.
                let lost: Vec<&Table> = lost_keys
                    .iter()
                    .filter_map(|k| self.state.tables.get(k))
                    .filter(|t| t.app == app && !consumed.contains(&t.name))
                    .collect();
                if lost.is_empty() {
                    break;
                }
                let new_t = &to.tables[&new_key];
                let candidates = model_candidates(&lost, new_t);
                let question = Question {
                    id: format!("rename-model:{new_key}"),
                    kind: QuestionKind::RenameModel {
                        app: app.clone(),
                        new: new_t.name.clone(),
                        candidates: candidates.clone(),
                    },
                };
                let Some(old) =
                    self.ask_rename(question, AnswerKind::Model, &new_key, &candidates)?
                else {
                    continue;
                };
                let old_key = model_key(&app, &old);
                let old_t = self.state.tables[&old_key].clone();
                if old_t.db_table.is_none() && new_t.table_name() == old_t.table_name() {
                    self.emit(Op::AlterModelTable {
                        model: old_key.clone(),
                        table: Some(old_t.table_name()),
                    })?;
                }
                self.emit(Op::RenameModel {
                    app: app.clone(),
                    old: old.clone(),
                    new: new_t.name.clone(),
                })?;
                consumed.insert(old);
            }
        }
        Ok(())
    }

    /// A model that left one app while one of the same name arrived in another
    /// is asked about: accepting it as new drops the old table.
    pub(super) fn moved_models(&mut self) -> Result<(), DiffError> {
        let arrived: Vec<String> = self
            .to
            .tables
            .keys()
            .filter(|k| !self.state.tables.contains_key(*k))
            .cloned()
            .collect();
        if arrived.is_empty() {
            return Ok(());
        }
        // Models that left, by name, in key order.
        let mut left: BTreeMap<&str, Vec<&Table>> = BTreeMap::new();
        for t in self.state.tables.values() {
            if !self.to.tables.contains_key(&t.key()) {
                left.entry(t.name.as_str()).or_default().push(t);
            }
        }
        let found: Vec<(String, String)> = arrived
            .into_iter()
            .filter_map(|to_key| {
                let to_t = &self.to.tables[&to_key];
                let from = left
                    .get(to_t.name.as_str())?
                    .iter()
                    .find(|t| t.app != to_t.app)?;
                Some((to_key, from.key()))
            })
            .collect();
        for (to_key, from_key) in found {
            let question = Question {
                id: format!("move-model:{to_key}"),
                kind: QuestionKind::MovedModel {
                    from: from_key.clone(),
                    to: to_key.clone(),
                },
            };
            let answer = self.answers.models.get(&to_key).cloned().or_else(|| {
                self.answers
                    .no_renames
                    .then_some((RenameAnswer::New, Source::Flag))
            });
            if self.answers.models.contains_key(&to_key) {
                self.used.insert(format!("model:{to_key}"));
            }
            if let Some((RenameAnswer::From(_), origin)) = &answer {
                return Err(DiffError::BadAnswer {
                    subject: to_key.clone(),
                    kind: AnswerKind::Model,
                    origin: origin.clone(),
                    message: format!(
                        "{from_key} cannot become {to_key}: remodel cannot move a model between apps; keep it in its app with #[model(app = \"{}\")]",
                        split_key(&from_key).0
                    ),
                });
            }
            self.asked.push(Asked {
                question,
                answered: answer.is_some(),
            });
        }
        Ok(())
    }

    /// Frees a table name before a new model takes it: drops the model that
    /// is going away, or renames the table that moves.
    pub(super) fn free_table_name(&mut self, name: &str, taker: &str) -> Result<(), DiffError> {
        let Some(holder) = self.holder_of(name, taker) else {
            return Ok(());
        };
        match self.to.tables.get(&holder) {
            None => self.delete_now(&holder, &mut BTreeSet::new()),
            Some(t) if !t.table_name().eq_ignore_ascii_case(name) => {
                let target = t.table_name();
                let target_taken = self.holder_of(&target, &holder).is_some();
                if target_taken {
                    return Err(DiffError::Unsupported(format!(
                        "{holder} and {taker} swap table names; remodel cannot do that in one step — give one of them a temporary table name first, make a migration, then the final name"
                    )));
                }
                self.emit(Op::AlterModelTable {
                    model: holder,
                    table: t.db_table.clone(),
                })
            }
            Some(_) => Err(DiffError::Internal(format!(
                "two models claim table {name}"
            ))),
        }
    }

    /// Deletes a model now (its table name is needed by another), after the
    /// fields that reference it: removed fields of surviving models, and
    /// models that go too (deleted first; a cycle among them is broken by
    /// removing a field).
    pub(super) fn delete_now(
        &mut self,
        key: &str,
        visiting: &mut BTreeSet<String>,
    ) -> Result<(), DiffError> {
        if !self.state.tables.contains_key(key) {
            return Ok(());
        }
        visiting.insert(key.to_string());
        let referencing: Vec<(String, String)> = self
            .state
            .tables
            .values()
            .filter(|t| t.key() != key)
            .flat_map(|t| {
                t.fields
                    .iter()
                    .filter(|f| f.references.as_ref().is_some_and(|r| r.model == key))
                    .map(move |f| (t.key(), f.name.clone()))
            })
            .collect();
        for (model, field) in referencing {
            match self.to.tables.get(&model) {
                Some(t) if t.field(&field).is_some() => {
                    return Err(DiffError::Unsupported(format!(
                        "{key} is deleted so another model can take its table name, but {model}.{field} still needs changing away from it; make this change in two steps"
                    )));
                }
                Some(_) => self.emit(Op::RemoveField { model, field })?,
                None if visiting.contains(&model) => self.emit(Op::RemoveField { model, field })?,
                None => self.delete_now(&model, visiting)?,
            }
        }
        visiting.remove(key);
        if self.state.tables.contains_key(key) {
            self.emit(Op::DeleteModel {
                model: key.to_string(),
            })?;
        }
        Ok(())
    }

    // Phase: CreateModel, referenced models first; reference cycles are split
    // into a later AddField.
    #[allow(clippy::type_complexity)]
    pub(super) fn create_models(
        &mut self,
    ) -> Result<(Vec<(String, Index)>, Vec<(String, Constraint)>), DiffError> {
        let mut pending: BTreeMap<String, Table> = self
            .to
            .tables
            .iter()
            .filter(|(k, _)| !self.state.tables.contains_key(*k))
            .map(|(k, t)| (k.clone(), t.clone()))
            .collect();
        let mut split_indexes = Vec::new();
        let mut split_constraints = Vec::new();
        // The first pending model (in key order) that references no other
        // pending model goes next: `waits` holds what each still waits on,
        // `waiters` who waits on each, `ready` those waiting on none.
        let mut waits: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut waiters: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut ready: BTreeSet<String> = BTreeSet::new();
        for (k, t) in &pending {
            let own = t.key();
            let targets: BTreeSet<String> = t
                .fields
                .iter()
                .filter_map(|f| f.references.as_ref())
                .filter(|r| r.model != own && pending.contains_key(&r.model))
                .map(|r| r.model.clone())
                .collect();
            for m in &targets {
                waiters.entry(m.clone()).or_default().push(k.clone());
            }
            if targets.is_empty() {
                ready.insert(k.clone());
            } else {
                waits.insert(k.clone(), targets);
            }
        }
        while !pending.is_empty() {
            let key = match ready.pop_first() {
                Some(k) => k,
                // A cycle: create the first model on it without its references
                // to models still pending, and add those fields afterwards.
                None => first_on_cycle(&pending),
            };
            let mut t = pending.remove(&key).expect("key is pending");
            waits.remove(&key);
            for w in waiters.remove(&key).unwrap_or_default() {
                if let Some(on) = waits.get_mut(&w) {
                    on.remove(&key);
                    if on.is_empty() {
                        waits.remove(&w);
                        ready.insert(w);
                    }
                }
            }
            // Split references to models still pending (only reached on a cycle).
            // Split references to models still pending (a cycle), and to
            // fields an existing model only gains in the AddField phase.
            let state = &self.state;
            let (moved, kept): (Vec<Field>, Vec<Field>) = t.fields.into_iter().partition(|f| {
                f.references.as_ref().is_some_and(|r| {
                    r.model != key
                        && (pending.contains_key(&r.model)
                            || r.to_field.as_ref().is_some_and(|tf| {
                                state.table(&r.model).is_some_and(|m| m.field(tf).is_none())
                            }))
                })
            });
            t.fields = kept;
            if !moved.is_empty() {
                let moved_names: Vec<&String> = moved.iter().map(|f| &f.name).collect();
                let (late_ix, ix): (Vec<Index>, Vec<Index>) = t
                    .indexes
                    .into_iter()
                    .partition(|ix| ix.fields.iter().any(|f| moved_names.contains(&f)));
                t.indexes = ix;
                split_indexes.extend(late_ix.into_iter().map(|ix| (key.clone(), ix)));
                let table_for_cols = self.to.tables[&key].clone();
                let (late_c, cs): (Vec<Constraint>, Vec<Constraint>) =
                    t.constraints.into_iter().partition(|c| match c {
                        Constraint::Unique { fields, .. } => {
                            fields.iter().any(|f| moved_names.contains(&f))
                        }
                        Constraint::Check { expr, .. } => {
                            let cols = remodel_model::expr::columns(expr).unwrap_or_default();
                            moved.iter().any(|f| {
                                cols.iter().any(|c| {
                                    c == table_for_cols
                                        .field(&f.name)
                                        .map(|f| f.column_name())
                                        .unwrap_or(&f.name)
                                })
                            })
                        }
                    });
                t.constraints = cs;
                split_constraints.extend(late_c.into_iter().map(|c| (key.clone(), c)));
            }
            self.free_table_name(&t.table_name(), &key)?;
            self.created.insert(key);
            self.emit(Op::CreateModel { table: t })?;
        }
        Ok((split_indexes, split_constraints))
    }

    // Phases: AlterModelTable, AlterModelComment.
    pub(super) fn alter_tables(&mut self) -> Result<(), DiffError> {
        // PostgreSQL partitions a table when it is created, never after.
        for (key, tt) in self.common() {
            let st = &self.state.tables[key];
            if st.partition_by != tt.partition_by {
                let said = |p: &Option<String>| {
                    p.as_ref().map_or("none".to_string(), |p| format!("`{p}`"))
                };
                return Err(DiffError::Unsupported(format!(
                    "{key}: partition_by changes from {} to {}, which PostgreSQL cannot do to an existing table; create a new model partitioned as wanted and move the rows with a RunSql migration, or keep partition_by as it was",
                    said(&st.partition_by),
                    said(&tt.partition_by)
                )));
            }
        }
        for (key, tt) in self.common() {
            let st = &self.state.tables[key];
            // Equal names and explicit tables give equal table names.
            let same = st.name == tt.name && st.db_table == tt.db_table;
            if !same && st.table_name() != tt.table_name() {
                self.free_table_name(&tt.table_name(), key)?;
                self.emit(Op::AlterModelTable {
                    model: key.to_string(),
                    table: tt.db_table.clone(),
                })?;
            }
        }
        for (key, tt) in self.common() {
            if self.state.tables[key].comment != tt.comment {
                let op = Op::AlterModelComment {
                    model: key.to_string(),
                    comment: tt.comment.clone(),
                };
                self.emit(op)?;
            }
        }
        for (key, tt) in self.common() {
            let st = &self.state.tables[key];
            if (&st.charset, &st.collation) != (&tt.charset, &tt.collation) {
                let op = Op::AlterModelCharset {
                    model: key.to_string(),
                    charset: tt.charset.clone(),
                    collation: tt.collation.clone(),
                };
                self.emit(op)?;
            }
        }
        for (key, tt) in self.common() {
            let st = &self.state.tables[key];
            if st.pk_name != tt.pk_name && st.primary_key_name() != tt.primary_key_name() {
                let op = Op::AlterPrimaryKeyName {
                    model: key.to_string(),
                    pk_name: tt.pk_name.clone(),
                };
                self.emit(op)?;
            }
        }
        Ok(())
    }

    // Phase: DeleteModel, children before their parents.
    pub(super) fn delete_models(&mut self) -> Result<(), DiffError> {
        let pending: Vec<String> = self
            .state
            .tables
            .keys()
            .filter(|k| !self.to.tables.contains_key(*k))
            .cloned()
            .collect();
        // The first pending model (in key order) that no other pending model
        // references goes next: `refs` counts the fields of other pending
        // models referencing each, `ready` holds those with none.
        let pending_set: BTreeSet<&String> = pending.iter().collect();
        let mut refs: BTreeMap<String, usize> = BTreeMap::new();
        for other in &pending {
            for f in &self.state.tables[other].fields {
                if let Some(r) = &f.references
                    && r.model != *other
                    && pending_set.contains(&r.model)
                {
                    *refs.entry(r.model.clone()).or_default() += 1;
                }
            }
        }
        let mut ready: BTreeSet<String> = pending
            .iter()
            .filter(|k| !refs.contains_key(*k))
            .cloned()
            .collect();
        drop(pending_set);
        let mut pending: BTreeSet<String> = pending.into_iter().collect();
        let release =
            |refs: &mut BTreeMap<String, usize>, ready: &mut BTreeSet<String>, target: &str| {
                if let Some(n) = refs.get_mut(target) {
                    *n -= 1;
                    if *n == 0 {
                        refs.remove(target);
                        ready.insert(target.to_string());
                    }
                }
            };
        while !pending.is_empty() {
            match ready.pop_first() {
                Some(key) => {
                    pending.remove(&key);
                    let targets: Vec<String> = self.state.tables[&key]
                        .fields
                        .iter()
                        .filter_map(|f| f.references.as_ref())
                        .filter(|r| r.model != key && pending.contains(&r.model))
                        .map(|r| r.model.clone())
                        .collect();
                    self.emit(Op::DeleteModel { model: key })?;
                    for m in targets {
                        release(&mut refs, &mut ready, &m);
                    }
                }
                // A cycle among the dropped models: remove the references to the
                // first one, so that undoing this migration can recreate them
                // in order.
                None => {
                    let first = pending.first().cloned().expect("pending is not empty");
                    let referencing: Vec<(String, String)> = pending
                        .iter()
                        .filter(|other| **other != first)
                        .flat_map(|other| {
                            self.state.tables[other]
                                .fields
                                .iter()
                                .filter(|f| f.references.as_ref().is_some_and(|r| r.model == first))
                                .map(move |f| (other.clone(), f.name.clone()))
                        })
                        .collect();
                    for (model, field) in referencing {
                        self.emit(Op::RemoveField { model, field })?;
                        release(&mut refs, &mut ready, &first);
                    }
                }
            }
        }
        Ok(())
    }
}

/// The first pending model that reaches itself through references to other
/// pending models (every pending model waits on one, so some cycle exists).
pub(super) fn first_on_cycle(pending: &BTreeMap<String, Table>) -> String {
    let targets = |k: &str| -> Vec<String> {
        pending[k]
            .fields
            .iter()
            .filter_map(|f| f.references.as_ref().map(|r| r.model.clone()))
            .filter(|m| m != k && pending.contains_key(m))
            .collect()
    };
    for start in pending.keys() {
        let mut seen = BTreeSet::new();
        let mut stack = targets(start);
        while let Some(k) = stack.pop() {
            if k == *start {
                return start.clone();
            }
            if seen.insert(k.clone()) {
                stack.extend(targets(&k));
            }
        }
    }
    pending.keys().next().expect("pending is not empty").clone()
}
