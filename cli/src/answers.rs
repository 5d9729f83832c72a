//! Answers to the differ's questions from flags and `renamed_from` hints,
//! and how an unanswered question is explained (DESIGN §4). The interactive
//! questioner builds on the same data.

use crate::fail::Fail;
use remodel_differ::{Answers, DefaultAnswer, Question, QuestionKind, RenameAnswer, Source};
use remodel_model::names::snake_case;
use remodel_model::{Literal, TableDef, split_key};

/// Flags of makemigrations that answer questions.
#[derive(Debug, Clone, Default)]
pub struct AnswerFlags {
    /// `--rename app.Model.old=new` and `--rename app.Old=New`.
    pub rename: Vec<String>,
    /// `--no-rename app.Model.field` (and `--no-rename app.Model`).
    pub no_rename: Vec<String>,
    /// `--no-renames`.
    pub no_renames: bool,
    /// `--default app.Model.field=<literal>`.
    pub default: Vec<String>,
}

fn bad(flag: &str, value: &str, want: &str) -> Fail {
    Fail::usage(format!("error: {flag} {value}: expected {want}"))
}

fn ident(s: &str) -> bool {
    remodel_model::names::is_identifier(s)
}

/// Reads the flags into answers; a malformed flag is bad usage.
pub fn from_flags(flags: &AnswerFlags) -> Result<Answers, Fail> {
    let mut a = Answers {
        no_renames: flags.no_renames,
        ..Default::default()
    };
    for r in &flags.rename {
        let (lhs, new) = r
            .split_once('=')
            .ok_or_else(|| bad("--rename", r, "app.Model.old=new or app.Old=New"))?;
        let parts: Vec<&str> = lhs.split('.').collect();
        match parts.as_slice() {
            [app, model, old] if [app, model, old, &new].iter().all(|s| ident(s)) => {
                a.fields.insert(
                    format!("{app}.{model}.{new}"),
                    (RenameAnswer::From(old.to_string()), Source::Flag),
                );
            }
            [app, old] if [app, old, &new].iter().all(|s| ident(s)) => {
                a.models.insert(
                    format!("{app}.{new}"),
                    (RenameAnswer::From(old.to_string()), Source::Flag),
                );
            }
            _ => return Err(bad("--rename", r, "app.Model.old=new or app.Old=New")),
        }
    }
    for n in &flags.no_rename {
        let parts: Vec<&str> = n.split('.').collect();
        match parts.as_slice() {
            [_, _, _] if parts.iter().all(|s| ident(s)) => {
                a.fields
                    .insert(n.clone(), (RenameAnswer::New, Source::Flag));
            }
            [_, _] if parts.iter().all(|s| ident(s)) => {
                a.models
                    .insert(n.clone(), (RenameAnswer::New, Source::Flag));
            }
            _ => return Err(bad("--no-rename", n, "app.Model.field or app.Model")),
        }
    }
    for d in &flags.default {
        let (subject, value) = d
            .split_once('=')
            .ok_or_else(|| bad("--default", d, "app.Model.field=<value as in default = …>"))?;
        let parts: Vec<&str> = subject.split('.').collect();
        if parts.len() != 3 || !parts.iter().all(|s| ident(s)) {
            return Err(bad(
                "--default",
                d,
                "app.Model.field=<value as in default = …>",
            ));
        }
        let lit = Literal::parse_rust(value)
            .map_err(|e| Fail::usage(format!("error: --default {d}: {e}")))?;
        a.defaults.insert(
            subject.to_string(),
            (DefaultAnswer::Value(lit), Source::Flag),
        );
    }
    Ok(a)
}

/// Adds the models' `renamed_from` hints (flags win).
pub fn add_hints(answers: &mut Answers, defs: &[TableDef]) {
    for def in defs {
        let app = def.app();
        let key = format!("{app}.{}", def.table.name);
        if let Some(old) = &def.renamed_from {
            answers
                .models
                .entry(key.clone())
                .or_insert((RenameAnswer::From(old.clone()), Source::Hint));
        }
        for (field, old) in &def.field_renamed_from {
            answers
                .fields
                .entry(format!("{key}.{field}"))
                .or_insert((RenameAnswer::From(old.clone()), Source::Hint));
        }
    }
}

/// A question and the ways to answer it without a terminal.
pub fn explain(q: &Question) -> String {
    match &q.kind {
        QuestionKind::RenameField {
            model,
            new,
            ty,
            candidates,
        } => {
            let (app, name) = split_key(model);
            let m = snake_case(name);
            let mut s = format!(
                "  - {m}.{new} ({ty}) was added while {m} lost {}: renamed, or new?\n",
                list(candidates.iter().map(|c| c.old.as_str()))
            );
            for c in candidates {
                s.push_str(&format!(
                    "      renamed from {} ({}): --rename {app}.{name}.{}={new}   or #[field(renamed_from = \"{}\")]\n",
                    c.old, c.reason, c.old, c.old
                ));
            }
            s.push_str(&format!(
                "      a new field: --no-rename {model}.{new}   (or --no-renames for all)\n"
            ));
            s
        }
        QuestionKind::RenameModel {
            app,
            new,
            candidates,
        } => {
            let mut s = format!(
                "  - model {app}.{new} appeared while {} disappeared: renamed, or new?\n",
                list(candidates.iter().map(|c| c.old.as_str()))
            );
            for c in candidates {
                s.push_str(&format!(
                    "      renamed from {} ({}): --rename {app}.{}={new}   or #[model(renamed_from = \"{}\")]\n",
                    c.old, c.reason, c.old, c.old
                ));
            }
            s.push_str(&format!(
                "      a new model: --no-rename {app}.{new}   (or --no-renames for all)\n"
            ));
            s
        }
        QuestionKind::MovedModel { from, to } => {
            let old_app = split_key(from).0;
            format!(
                "  - model {from} disappeared while {to} appeared: remodel cannot move a model between apps\n      keep its data: leave it in its app with #[model(app = \"{old_app}\")]\n      or drop {from}'s table and create a new one (its data is lost): --no-rename {to}\n"
            )
        }
        QuestionKind::OneOffDefault {
            model,
            field,
            ty,
            altering,
        } => {
            let m = snake_case(split_key(model).1);
            let what = if *altering {
                "is made NOT NULL"
            } else {
                "is a new NOT NULL field without a default"
            };
            format!(
                "  - {m}.{field} ({ty}) {what}; existing rows need a value:\n      --default '{model}.{field}=<value as in default = …>'   (it fills existing rows and is not kept)\n      or add a default to the field: #[field(default = …)]\n"
            )
        }
    }
}

fn list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(rename: &[&str], no_rename: &[&str], default: &[&str]) -> AnswerFlags {
        AnswerFlags {
            rename: rename.iter().map(|s| s.to_string()).collect(),
            no_rename: no_rename.iter().map(|s| s.to_string()).collect(),
            no_renames: false,
            default: default.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn reads_every_flag_form() {
        let a = from_flags(&flags(
            &[
                "exams.Monitoreo.usu_diario=uso_diario",
                "patients.OldModel=NewModel",
            ],
            &["exams.Monitoreo.nota"],
            &["patients.Patient.estado=\"ACTIVO\""],
        ))
        .unwrap();
        assert_eq!(
            a.fields["exams.Monitoreo.uso_diario"].0,
            RenameAnswer::From("usu_diario".into())
        );
        assert_eq!(
            a.models["patients.NewModel"].0,
            RenameAnswer::From("OldModel".into())
        );
        assert_eq!(a.fields["exams.Monitoreo.nota"].0, RenameAnswer::New);
        assert_eq!(
            a.defaults["patients.Patient.estado"].0,
            DefaultAnswer::Value(Literal::Str("ACTIVO".into()))
        );
    }

    #[test]
    fn malformed_flags_are_usage_errors() {
        for f in [
            flags(&["nodots"], &[], &[]),
            flags(&[], &["a"], &[]),
            flags(&[], &[], &["a.B.c=ACTIVO"]),
        ] {
            let e = from_flags(&f).unwrap_err();
            assert_eq!(e.code, 2, "{e}");
        }
    }
}
