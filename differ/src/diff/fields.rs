//! The field phases: RenameField, AddField (with its one-off default
//! question), AlterField, RemoveField.

use super::*;

impl<'a> Differ<'a> {
    // Phase: RenameField (with an AlterField first when the column keeps its name).
    pub(super) fn rename_fields(&mut self) -> Result<(), DiffError> {
        for (key, to_t) in self.common() {
            let st = &self.state.tables[key];
            let gained: Vec<Field> = to_t
                .fields
                .iter()
                .filter(|f| st.field(&f.name).is_none())
                .cloned()
                .collect();
            let mut consumed: Vec<String> = Vec::new();
            for new_f in gained {
                let st = &self.state.tables[key];
                let lost: Vec<&Field> = st
                    .fields
                    .iter()
                    .filter(|f| to_t.field(&f.name).is_none() && !consumed.contains(&f.name))
                    .collect();
                if lost.is_empty() {
                    break;
                }
                let candidates = field_candidates(&lost, &new_f);
                let subject = format!("{key}.{}", new_f.name);
                let question = Question {
                    id: format!("rename-field:{subject}"),
                    kind: QuestionKind::RenameField {
                        model: key.to_string(),
                        new: new_f.name.clone(),
                        ty: new_f.ty.clone(),
                        candidates: candidates.clone(),
                    },
                };
                let Some(old) =
                    self.ask_rename(question, AnswerKind::Field, &subject, &candidates)?
                else {
                    continue;
                };
                let old_f = self.state.tables[key]
                    .field(&old)
                    .expect("candidates are fields of the state")
                    .clone();
                if old_f.column.is_none() && new_f.column_name() == old_f.column_name() {
                    let kept = Field {
                        column: Some(old_f.column_name().to_string()),
                        ..old_f.clone()
                    };
                    self.emit(Op::AlterField {
                        model: key.to_string(),
                        field: kept,
                        preserve_default: true,
                    })?;
                }
                self.emit(Op::RenameField {
                    model: key.to_string(),
                    old: old.clone(),
                    new: new_f.name.clone(),
                })?;
                consumed.push(old);
            }
        }
        Ok(())
    }

    pub(super) fn default_answer(
        &mut self,
        key: &str,
        field: &Field,
        altering: bool,
    ) -> Option<DefaultAnswer> {
        let subject = format!("{key}.{}", field.name);
        let question = Question {
            id: format!("default:{subject}"),
            kind: QuestionKind::OneOffDefault {
                model: key.to_string(),
                field: field.name.clone(),
                ty: field.ty.clone(),
                altering,
            },
        };
        let answer = self.answers.defaults.get(&subject).map(|(a, _)| a.clone());
        if answer.is_some() {
            self.used.insert(format!("default:{subject}"));
        }
        self.asked.push(Asked {
            question,
            answered: answer.is_some(),
        });
        answer
    }

    pub(super) fn one_off(
        field: &Field,
        key: &str,
        answer: DefaultAnswer,
    ) -> Result<(Field, bool), DiffError> {
        match answer {
            DefaultAnswer::Value(lit) => {
                let value = lit.check_for(&field.ty).map_err(|e| DiffError::BadAnswer {
                    subject: format!("{key}.{}", field.name),
                    kind: AnswerKind::Default,
                    origin: Source::Flag,
                    message: format!("the one-off default for {key}.{}: {e}", field.name),
                })?;
                Ok((
                    Field {
                        default: Some(ColumnDefault::Value(value)),
                        ..field.clone()
                    },
                    false,
                ))
            }
            DefaultAnswer::Ignore => Ok((field.clone(), true)),
        }
    }

    /// Phase AddField (asking for a one-off default where rows may exist),
    /// for the generated fields or the others: generated ones are added
    /// after the AlterFields, since a database may refuse to change a column
    /// a generated column uses. Fields split off new models on a reference
    /// cycle come here too.
    pub(super) fn add_fields(&mut self, generated: bool) -> Result<(), DiffError> {
        let mut adds: Vec<(String, Field, bool)> = Vec::new();
        for (key, tt) in self.common() {
            let st = &self.state.tables[key];
            let mut gained: Vec<Field> = tt
                .fields
                .iter()
                .filter(|f| st.field(&f.name).is_none() && f.generated.is_some() == generated)
                .cloned()
                .collect();
            if gained.is_empty() {
                continue;
            }
            gained.sort_by(|a, b| a.name.cmp(&b.name));
            for f in gained {
                // A generated column computes its own values.
                let needs_value = !f.null
                    && f.default.is_none()
                    && !f.auto.is_auto()
                    && f.generated.is_none()
                    && !self.created.contains(key)
                    && !self.undecided.contains(&format!("{key}.{}", f.name));
                if needs_value && tt.managed {
                    match self.default_answer(key, &f, false) {
                        Some(DefaultAnswer::Ignore) => {
                            return Err(DiffError::BadAnswer {
                                subject: format!("{key}.{}", f.name),
                                kind: AnswerKind::Default,
                                origin: Source::Flag,
                                message: format!(
                                    "{key}.{} is a new NOT NULL field: existing rows need a value, so it cannot be ignored",
                                    f.name
                                ),
                            });
                        }
                        Some(a) => {
                            let (field, keep) = Self::one_off(&f, key, a)?;
                            adds.push((key.to_string(), field, keep));
                        }
                        None => adds.push((key.to_string(), f, true)),
                    }
                } else {
                    adds.push((key.to_string(), f, true));
                }
            }
        }
        adds.sort_by(|a, b| (&a.0, &a.1.name).cmp(&(&b.0, &b.1.name)));
        // A field referencing another field added here comes after it.
        let targets: BTreeSet<(&str, &str)> = adds
            .iter()
            .map(|(m, g, _)| (m.as_str(), g.name.as_str()))
            .collect();
        let any_waits = adds.iter().any(|(_, f, _)| {
            f.references.as_ref().is_some_and(|r| {
                r.to_field.as_ref().is_some_and(|tf| {
                    *tf != f.name && targets.contains(&(r.model.as_str(), tf.as_str()))
                })
            })
        });
        drop(targets);
        // When none waits, the order stays as sorted.
        let mut ordered: Vec<(String, Field, bool)> = Vec::new();
        if !any_waits {
            ordered = std::mem::take(&mut adds);
        }
        while !adds.is_empty() {
            let waits = |f: &Field, rest: &[(String, Field, bool)]| {
                f.references.as_ref().is_some_and(|r| {
                    rest.iter().any(|(m, g, _)| {
                        *m == r.model && Some(&g.name) == r.to_field.as_ref() && g.name != f.name
                    })
                })
            };
            let pos = (0..adds.len())
                .find(|&i| !waits(&adds[i].1, &adds))
                .unwrap_or(0);
            ordered.push(adds.remove(pos));
        }
        for (model, field, preserve_default) in ordered {
            self.free_column(&model, &field.name, field.column_name())?;
            self.emit(Op::AddField {
                model,
                field,
                preserve_default,
            })?;
        }
        Ok(())
    }

    /// Frees a column name a field is about to take: a field of the model that
    /// holds it and that the models drop is removed first.
    pub(super) fn free_column(
        &mut self,
        model: &str,
        taker: &str,
        column: &str,
    ) -> Result<(), DiffError> {
        let holder = self.state.tables[model]
            .fields
            .iter()
            .find(|f| f.name != taker && f.column_name() == column)
            .map(|f| f.name.clone());
        let Some(holder) = holder else { return Ok(()) };
        if self.to.tables[model].field(&holder).is_some() {
            return Err(DiffError::Unsupported(format!(
                "{model}.{taker} takes column `{column}` from {holder}, which keeps existing; remodel cannot swap columns in one step — give one a temporary column name first"
            )));
        }
        self.emit(Op::RemoveField {
            model: model.to_string(),
            field: holder,
        })
    }

    // Phase: AlterField.
    pub(super) fn alter_fields(&mut self) -> Result<(), DiffError> {
        for (key, tt) in self.common() {
            let st = &self.state.tables[key];
            if st.composite_primary_key != tt.composite_primary_key {
                return Err(DiffError::Unsupported(format!(
                    "the primary key of {key} changes ({} → {}); remodel cannot migrate a primary key change yet — write a RunSql migration",
                    st.primary_key().join(", "),
                    tt.primary_key().join(", ")
                )));
            }
            if st.managed != tt.managed {
                return Err(DiffError::Unsupported(format!(
                    "{key} changes `managed`; remodel cannot migrate that yet — delete the model in one migration and re-add it in another"
                )));
            }
            let mut changed: Vec<(Field, Field)> = tt
                .fields
                .iter()
                .filter_map(|tf| {
                    st.field(&tf.name)
                        .filter(|sf| !same_field(sf, tf))
                        .map(|sf| (sf.clone(), tf.clone()))
                })
                .collect();
            changed.sort_by(|a, b| a.1.name.cmp(&b.1.name));
            for (sf, tf) in changed {
                if sf.primary_key != tf.primary_key {
                    return Err(DiffError::Unsupported(format!(
                        "`{}` of {key} {} the primary key; remodel cannot migrate a primary key change yet — write a RunSql migration",
                        tf.name,
                        if tf.primary_key {
                            "becomes"
                        } else {
                            "stops being"
                        }
                    )));
                }
                let made_not_null =
                    sf.null && !tf.null && tf.default.is_none() && tf.generated.is_none();
                let (field, preserve_default) = if made_not_null && tt.managed {
                    match self.default_answer(key, &tf, true) {
                        Some(a) => {
                            let (f, keep) = Self::one_off(&tf, key, a)?;
                            (f, keep)
                        }
                        None => (tf.clone(), true),
                    }
                } else {
                    (tf.clone(), true)
                };
                if sf.column_name() != tf.column_name() {
                    self.free_column(key, &tf.name, tf.column_name())?;
                }
                self.emit(Op::AlterField {
                    model: key.to_string(),
                    field,
                    preserve_default,
                })?;
            }
        }
        Ok(())
    }

    // Phase: RemoveField.
    pub(super) fn remove_fields(&mut self) -> Result<(), DiffError> {
        for (key, tt) in self.common() {
            let mut lost: Vec<String> = self.state.tables[key]
                .fields
                .iter()
                .filter(|f| tt.field(&f.name).is_none())
                .map(|f| f.name.clone())
                .collect();
            lost.sort();
            for field in lost {
                self.emit(Op::RemoveField {
                    model: key.to_string(),
                    field,
                })?;
            }
        }
        Ok(())
    }
}

/// Fields compare by effective column, so an explicit column equal to the
/// derived one is no change.
pub(super) fn same_field(a: &Field, b: &Field) -> bool {
    // Every member named, so that a new one cannot be forgotten here.
    let Field {
        name,
        column: _,
        ty,
        null,
        primary_key,
        auto,
        unique,
        index,
        default,
        comment,
        references,
        collation,
        charset,
        on_update_sql,
        generated,
    } = a;
    *name == b.name
        && a.column_name() == b.column_name()
        && *ty == b.ty
        && *null == b.null
        && *primary_key == b.primary_key
        && *auto == b.auto
        && *unique == b.unique
        && *index == b.index
        && *default == b.default
        && *comment == b.comment
        && *references == b.references
        && *collation == b.collation
        && *charset == b.charset
        && *on_update_sql == b.on_update_sql
        && *generated == b.generated
}
