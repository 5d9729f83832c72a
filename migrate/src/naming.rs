//! Migration names (DESIGN §7): Django's algorithm.

use remodel_differ::Op;
use remodel_model::Schema;

/// Fragments longer than this stop the name with `_and_more` (the `NNNN_` prefix not counted).
const MAX_NAME: usize = 52;

/// A UTC time, for `auto_<YYYYMMDD_HHMM>` names and the history's `applied_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UtcTime {
    /// Year.
    pub year: i64,
    /// Month 1–12.
    pub month: u32,
    /// Day 1–31.
    pub day: u32,
    /// Hour.
    pub hour: u32,
    /// Minute.
    pub minute: u32,
    /// Second.
    pub second: u32,
}

impl UtcTime {
    /// Now, from the system clock.
    pub fn now() -> UtcTime {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        UtcTime::from_unix(secs)
    }

    /// From seconds since 1970-01-01 UTC.
    pub fn from_unix(secs: i64) -> UtcTime {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        UtcTime {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
        }
    }

    /// `YYYYMMDD_HHMM`.
    pub fn stamp(&self) -> String {
        format!(
            "{:04}{:02}{:02}_{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute
        )
    }

    /// ISO 8601, `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn iso(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// The name (without number) of a migration holding `ops`, applied to `before`.
pub fn suggest_name(ops: &[Op], before: &Schema, initial: bool, now: UtcTime) -> String {
    if initial {
        return "initial".into();
    }
    let mut state = before.clone();
    let mut fragments = Vec::new();
    for op in ops {
        match op.name_fragment(&state) {
            Some(f) => fragments.push(sanitize(&f)),
            None => return format!("auto_{}", now.stamp()),
        }
        let _ = op.apply_to(&mut state);
    }
    let Some(first) = fragments.first() else {
        return format!("auto_{}", now.stamp());
    };
    let mut name = first.clone();
    for f in &fragments[1..] {
        let next = format!("{name}_{f}");
        if next.len() > MAX_NAME {
            name.push_str("_and_more");
            break;
        }
        name = next;
    }
    name
}

/// Non-word characters become `_`, as in Django.
fn sanitize(fragment: &str) -> String {
    fragment
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use remodel_model::{ColumnType, Field};

    fn now() -> UtcTime {
        UtcTime::from_unix(1_763_712_000) // 2025-11-21 08:00 UTC
    }

    #[test]
    fn clock_arithmetic() {
        assert_eq!(now().stamp(), "20251121_0800");
        assert_eq!(UtcTime::from_unix(0).iso(), "1970-01-01T00:00:00Z");
        assert_eq!(
            UtcTime::from_unix(951_782_400).iso(),
            "2000-02-29T00:00:00Z"
        );
    }

    #[test]
    fn names_join_fragments_and_stop_with_and_more() {
        let s = Schema::default();
        let rm = |f: &str| Op::RemoveField {
            model: "patients.Patient".into(),
            field: f.into(),
        };
        assert_eq!(
            suggest_name(&[rm("barrio")], &s, false, now()),
            "remove_patient_barrio"
        );
        assert_eq!(
            suggest_name(
                &[rm("barrio"), rm("direccion"), rm("telefono")],
                &s,
                false,
                now()
            ),
            "remove_patient_barrio_remove_patient_direccion_and_more"
        );
        let alter = Op::AlterField {
            model: "patients.Patient".into(),
            field: Field::new("fecha_ingreso", ColumnType::Date),
            preserve_default: true,
        };
        assert_eq!(
            suggest_name(&[alter], &s, false, now()),
            "alter_patient_fecha_ingreso"
        );
        assert_eq!(suggest_name(&[], &s, true, now()), "initial");
        assert_eq!(suggest_name(&[], &s, false, now()), "auto_20251121_0800");
        let sql = Op::RunSql {
            sql: remodel_differ::SqlText::All("SELECT 1".into()),
            reverse_sql: None,
            creates: Vec::new(),
        };
        assert_eq!(
            suggest_name(&[rm("x"), sql], &s, false, now()),
            "auto_20251121_0800"
        );
    }
}
