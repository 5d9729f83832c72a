//! Ranking rename candidates (DESIGN §4): same definition apart from the name,
//! then same type family by name similarity, then the rest.

use crate::question::Candidate;
use remodel_model::{Field, Table};
use similar::TextDiff;

/// Name similarity in percent.
pub fn similarity(a: &str, b: &str) -> u8 {
    let ratio = TextDiff::from_chars(a, b).ratio();
    (ratio * 100.0).round().clamp(0.0, 100.0) as u8
}

/// A field's definition with its name and column blanked.
fn shape(f: &Field) -> Field {
    Field {
        column: None,
        ..f.definition()
    }
}

/// Ranks the lost fields as candidates for the gained field `new`, best first.
pub fn field_candidates(lost: &[&Field], new: &Field) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = lost
        .iter()
        .map(|old| {
            let sim = similarity(&old.name, &new.name);
            let (rank, reason) = if shape(old) == shape(new) {
                (0, "same definition".to_string())
            } else if old.ty.family() == new.ty.family() {
                (1, format!("same type family, {sim}% similar name"))
            } else {
                (2, format!("was {}, {sim}% similar name", old.ty))
            };
            Candidate {
                old: old.name.clone(),
                reason,
                rank,
                similarity: sim,
            }
        })
        .collect();
    sort(&mut out);
    out
}

/// Ranks the models that disappeared as candidates for the model `new`, best first.
pub fn model_candidates(lost: &[&Table], new: &Table) -> Vec<Candidate> {
    let mut out: Vec<Candidate> = lost
        .iter()
        .map(|old| {
            let sim = similarity(&old.name, &new.name);
            let mut a: Vec<&Field> = old.fields.iter().collect();
            let mut b: Vec<&Field> = new.fields.iter().collect();
            a.sort_by(|x, y| x.name.cmp(&y.name));
            b.sort_by(|x, y| x.name.cmp(&y.name));
            let same = a.len() == b.len()
                && a.iter()
                    .zip(&b)
                    .all(|(x, y)| x.name == y.name && shape(x) == shape(y));
            let common = b.iter().filter(|f| old.field(&f.name).is_some()).count();
            let (rank, reason) = if same {
                (0, "same fields".to_string())
            } else {
                (
                    1,
                    format!(
                        "{sim}% similar name, {common} of {} fields in common",
                        b.len()
                    ),
                )
            };
            Candidate {
                old: old.name.clone(),
                reason,
                rank,
                similarity: sim,
            }
        })
        .collect();
    sort(&mut out);
    out
}

fn sort(c: &mut [Candidate]) {
    c.sort_by(|a, b| {
        a.rank
            .cmp(&b.rank)
            .then(b.similarity.cmp(&a.similarity))
            .then(a.old.cmp(&b.old))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use remodel_model::ColumnType;

    #[test]
    fn same_definition_ranks_first_then_family_by_similarity() {
        let usu = Field::new(
            "usu_diario",
            ColumnType::Decimal {
                precision: 5,
                scale: 2,
            },
        );
        let nota = Field::new("nota", ColumnType::Text);
        let otro = Field::new("otro_valor", ColumnType::Double);
        let new = Field::new(
            "uso_diario",
            ColumnType::Decimal {
                precision: 5,
                scale: 2,
            },
        );
        let c = field_candidates(&[&nota, &otro, &usu], &new);
        assert_eq!(c[0].old, "usu_diario");
        assert_eq!(c[0].reason, "same definition");
        assert_eq!(c[1].old, "otro_valor");
        assert!(
            c[1].reason.starts_with("same type family, "),
            "{}",
            c[1].reason
        );
        assert_eq!(c[2].old, "nota");
        assert!(c[2].reason.starts_with("was text"));
    }

    #[test]
    fn similarity_is_a_percentage() {
        assert_eq!(similarity("abc", "abc"), 100);
        assert!(similarity("usu_diario", "uso_diario") >= 80);
        assert!(similarity("a", "zzzz") < 50);
    }
}
