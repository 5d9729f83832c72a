//! The index and constraint phases: RenameIndex, RemoveConstraint,
//! RemoveIndex, AddIndex, AddConstraint.

use super::*;

impl<'a> Differ<'a> {
    // Phases: RenameIndex, RemoveConstraint, RemoveIndex. Returns what must be added later.
    #[allow(clippy::type_complexity)]
    pub(super) fn remove_and_rename_indexes_constraints(
        &mut self,
    ) -> Result<(Vec<(String, Index)>, Vec<(String, Constraint)>), DiffError> {
        let mut renames = Vec::new();
        let mut remove_constraints = Vec::new();
        let mut remove_indexes = Vec::new();
        let mut add_indexes = Vec::new();
        let mut add_constraints = Vec::new();
        for (key, tt) in self.common() {
            let st = &self.state.tables[key];
            // Each index and constraint matches itself exactly.
            if st.indexes == tt.indexes && st.constraints == tt.constraints {
                continue;
            }
            let mut unmatched_t: Vec<&Index> = Vec::new();
            let mut unmatched_s: Vec<&Index> = Vec::new();
            for si in &st.indexes {
                let exact = tt.indexes.iter().any(|ti| {
                    same_index_def(si, ti)
                        && ((si.name.is_none() && ti.name.is_none())
                            || st.index_name(si).name == tt.index_name(ti).name)
                });
                if !exact {
                    unmatched_s.push(si);
                }
            }
            for ti in &tt.indexes {
                let exact = st.indexes.iter().any(|si| {
                    same_index_def(si, ti)
                        && ((si.name.is_none() && ti.name.is_none())
                            || st.index_name(si).name == tt.index_name(ti).name)
                });
                if !exact {
                    unmatched_t.push(ti);
                }
            }
            for si in unmatched_s {
                let old = st.index_name(si).name;
                if let Some(pos) = unmatched_t.iter().position(|ti| same_index_def(si, ti)) {
                    let ti = unmatched_t.remove(pos);
                    renames.push(Op::RenameIndex {
                        model: key.to_string(),
                        old,
                        new: tt.index_name(ti).name,
                    });
                } else {
                    remove_indexes.push(Op::RemoveIndex {
                        model: key.to_string(),
                        name: old,
                    });
                }
            }
            add_indexes.extend(
                unmatched_t
                    .into_iter()
                    .map(|ti| (key.to_string(), ti.clone())),
            );

            for sc in &st.constraints {
                let kept = tt.constraints.iter().any(|tc| {
                    same_constraint_def(sc, tc)
                        && ((sc.explicit_name().is_none() && tc.explicit_name().is_none())
                            || st.constraint_name(sc).name == tt.constraint_name(tc).name)
                });
                if !kept {
                    remove_constraints.push(Op::RemoveConstraint {
                        model: key.to_string(),
                        name: st.constraint_name(sc).name,
                    });
                }
            }
            for tc in &tt.constraints {
                let kept = st.constraints.iter().any(|sc| {
                    same_constraint_def(sc, tc)
                        && ((sc.explicit_name().is_none() && tc.explicit_name().is_none())
                            || st.constraint_name(sc).name == tt.constraint_name(tc).name)
                });
                if !kept {
                    add_constraints.push((key.to_string(), tc.clone()));
                }
            }
        }
        for op in renames
            .into_iter()
            .chain(remove_constraints)
            .chain(remove_indexes)
        {
            self.emit(op)?;
        }
        Ok((add_indexes, add_constraints))
    }

    // Phases: AddIndex, AddConstraint.
    pub(super) fn add_indexes_constraints(
        &mut self,
        mut indexes: Vec<(String, Index)>,
        mut constraints: Vec<(String, Constraint)>,
        split_indexes: Vec<(String, Index)>,
        split_constraints: Vec<(String, Constraint)>,
    ) -> Result<(), DiffError> {
        indexes.extend(split_indexes);
        constraints.extend(split_constraints);
        let to = self.to;
        indexes.sort_by_cached_key(|(k, ix)| (k.clone(), to.tables[k].index_name(ix).name));
        constraints.sort_by_cached_key(|(k, c)| (k.clone(), to.tables[k].constraint_name(c).name));
        for (model, index) in indexes {
            self.emit(Op::AddIndex { model, index })?;
        }
        for (model, constraint) in constraints {
            self.emit(Op::AddConstraint { model, constraint })?;
        }
        Ok(())
    }
}

/// `concurrently` says how an index is built, not what it is: turning it on
/// or off for an existing index is no change (dropping and rebuilding the
/// index for it would leave a window without it).
pub(super) fn same_index_def(a: &Index, b: &Index) -> bool {
    a.fields == b.fields && a.unique == b.unique && a.include == b.include && a.options == b.options
}

pub(super) fn same_constraint_def(a: &Constraint, b: &Constraint) -> bool {
    match (a, b) {
        (Constraint::Unique { fields: x, .. }, Constraint::Unique { fields: y, .. }) => x == y,
        (Constraint::Check { expr: x, .. }, Constraint::Check { expr: y, .. }) => x == y,
        _ => false,
    }
}
