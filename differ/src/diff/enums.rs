//! The enum phases: CreateEnum before the models and fields that use an
//! enum, DeleteEnum after the last use is gone.

use super::*;

impl Differ<'_> {
    // Phase: CreateEnum, for each enum the models have and the state not.
    pub(super) fn create_enums(&mut self) -> Result<(), DiffError> {
        let to = self.to;
        for (key, e) in &to.enums {
            match self.state.enums.get(key) {
                None => self.emit(Op::CreateEnum { db_enum: e.clone() })?,
                Some(have) if have != e => {
                    return Err(DiffError::Unsupported(format!(
                        "enum {key} changed ({} → {}): changing an enum's values, variants or type name is not migrated yet; remove the change, or make it by hand in a RunSql migration",
                        describe(have),
                        describe(e)
                    )));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    // Phase: DeleteEnum, for each enum the state has and the models not.
    pub(super) fn delete_enums(&mut self) -> Result<(), DiffError> {
        let gone: Vec<String> = self
            .state
            .enums
            .keys()
            .filter(|k| !self.to.enums.contains_key(*k))
            .cloned()
            .collect();
        for name in gone {
            self.emit(Op::DeleteEnum { name })?;
        }
        Ok(())
    }
}

/// An enum in words: its type name and values.
fn describe(e: &remodel_model::DbEnum) -> String {
    let variants: Vec<String> = e
        .variants
        .iter()
        .map(|v| {
            if v.name == v.value {
                format!("'{}'", v.value)
            } else {
                format!("{} '{}'", v.name, v.value)
            }
        })
        .collect();
    format!("{} ({})", e.db_name(), variants.join(", "))
}
