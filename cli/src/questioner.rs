//! Asking the differ's questions at a terminal (DESIGN §4): the exact `[y/N]`
//! prompts and numbered menus on stderr, answers read line by line from
//! stdin. Menus are numbered — no arrow-key widgets — so they work in every
//! terminal, pseudo-terminal and pipe; that is also why no prompt crate is
//! used: none prints these exact, line-based prompts.

use remodel_differ::{Candidate, Question, QuestionKind};
use remodel_model::names::snake_case;
use remodel_model::{Literal, split_key};
use std::io::{BufRead, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// What the user answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// Renamed from this old name.
    Renamed(String),
    /// A new field or model.
    New,
    /// A one-off value for existing rows.
    Value(Literal),
    /// Make the column NOT NULL as it is (migrate fails if NULL rows exist).
    Ignore,
    /// Quit to add a default in the model.
    Quit,
}

/// The user ended the input (Ctrl-D) or pressed Ctrl-C.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted;

/// Set while a prompt waits for input: Ctrl-C then ends the process with 130.
static PROMPTING: AtomicBool = AtomicBool::new(false);

/// Makes Ctrl-C at a prompt exit with status 130 (nothing has been written
/// while prompts are still being asked).
pub fn exit_130_on_ctrl_c() {
    let _ = ctrlc::set_handler(|| {
        if PROMPTING.load(Ordering::SeqCst) {
            eprintln!("\ninterrupted; nothing was written");
            std::process::exit(130);
        }
    });
}

/// Asks questions on `output`, reading answers from `input`.
pub struct Terminal<R, W> {
    input: R,
    output: W,
}

impl<R: BufRead, W: Write> Terminal<R, W> {
    /// A questioner over these streams.
    pub fn new(input: R, output: W) -> Self {
        Terminal { input, output }
    }

    fn say(&mut self, text: &str) {
        let _ = write!(self.output, "{text}");
        let _ = self.output.flush();
    }

    /// One line of input, trimmed; end of input is an interruption.
    fn line(&mut self) -> Result<String, Interrupted> {
        let mut buf = String::new();
        PROMPTING.store(true, Ordering::SeqCst);
        let read = self.input.read_line(&mut buf);
        PROMPTING.store(false, Ordering::SeqCst);
        match read {
            Ok(0) | Err(_) => Err(Interrupted),
            Ok(_) => Ok(buf.trim().to_string()),
        }
    }

    /// Asks a yes/no question; the default is no.
    pub fn confirm(&mut self, prompt: &str) -> Result<bool, Interrupted> {
        self.yes_no(prompt)
    }

    fn yes_no(&mut self, prompt: &str) -> Result<bool, Interrupted> {
        loop {
            self.say(&format!("{prompt} [y/N] "));
            match self.line()?.to_lowercase().as_str() {
                "y" | "yes" => return Ok(true),
                "" | "n" | "no" => return Ok(false),
                _ => self.say("Please answer y or n.\n"),
            }
        }
    }

    fn select(&mut self, count: usize, prompt: &str) -> Result<usize, Interrupted> {
        loop {
            self.say(&format!("{prompt} "));
            match self.line()?.parse::<usize>() {
                Ok(n) if (1..=count).contains(&n) => return Ok(n),
                _ => self.say(&format!("Please select a number from 1 to {count}.\n")),
            }
        }
    }

    fn menu(
        &mut self,
        title: &str,
        new: &str,
        candidates: &[Candidate],
    ) -> Result<Reply, Interrupted> {
        let mut text = format!("{title}\n 1) {new}\n");
        for (i, c) in candidates.iter().enumerate() {
            text.push_str(&format!(
                " {}) renamed from {} ({})\n",
                i + 2,
                c.old,
                c.reason
            ));
        }
        self.say(&text);
        let n = self.select(
            candidates.len() + 1,
            &format!("Select 1-{}:", candidates.len() + 1),
        )?;
        Ok(if n == 1 {
            Reply::New
        } else {
            Reply::Renamed(candidates[n - 2].old.clone())
        })
    }

    /// Asks one question.
    pub fn ask(&mut self, q: &Question) -> Result<Reply, Interrupted> {
        match &q.kind {
            QuestionKind::RenameField {
                model,
                new,
                ty,
                candidates,
            } => {
                let m = snake_case(split_key(model).1);
                if let [only] = candidates.as_slice() {
                    let prompt = format!("Did you rename {m}.{} to {m}.{new} ({ty})?", only.old);
                    return Ok(if self.yes_no(&prompt)? {
                        Reply::Renamed(only.old.clone())
                    } else {
                        Reply::New
                    });
                }
                self.menu(
                    &format!("Field {m}.{new} ({ty}) was added. Is it:"),
                    "a new field",
                    candidates,
                )
            }
            QuestionKind::RenameModel {
                app,
                new,
                candidates,
            } => {
                if let [only] = candidates.as_slice() {
                    let prompt = format!("Did you rename the {app}.{} model to {new}?", only.old);
                    return Ok(if self.yes_no(&prompt)? {
                        Reply::Renamed(only.old.clone())
                    } else {
                        Reply::New
                    });
                }
                self.menu(
                    &format!("Model {app}.{new} was added. Is it:"),
                    "a new model",
                    candidates,
                )
            }
            QuestionKind::MovedModel { from, to } => {
                let old_app = split_key(from).0;
                self.say(&format!(
                    "Model {from} disappeared while {to} appeared. remodel cannot move a model between apps;\nto keep its data, quit and add #[model(app = \"{old_app}\")] to it.\n"
                ));
                let prompt = format!(
                    "Drop {from}'s table (its data is lost) and create {to} as a new model?"
                );
                Ok(if self.yes_no(&prompt)? {
                    Reply::New
                } else {
                    Reply::Quit
                })
            }
            QuestionKind::OneOffDefault {
                model,
                field,
                ty,
                altering,
            } => {
                let m = snake_case(split_key(model).1);
                let mut text = if *altering {
                    format!(
                        "It is impossible to make the nullable field '{field}' on {m} NOT NULL without a default;\nexisting rows with NULL need a value.\n"
                    )
                } else {
                    format!(
                        "It is impossible to add a non-nullable field '{field}' to {m} without a default;\nexisting rows need a value.\n"
                    )
                };
                text.push_str(
                    " 1) Provide a one-off default now (it is set on all existing rows)\n",
                );
                text.push_str(" 2) Quit, and add a default in the model\n");
                if *altering {
                    text.push_str(" 3) Ignore for now: migrate fails if NULL rows exist\n");
                }
                self.say(&text);
                let count = if *altering { 3 } else { 2 };
                match self.select(count, "Select an option:")? {
                    2 => return Ok(Reply::Quit),
                    3 => return Ok(Reply::Ignore),
                    _ => {}
                }
                loop {
                    self.say(&format!(
                        "Value for {m}.{field} ({ty}), written as in default = …: "
                    ));
                    let text = self.line()?;
                    match Literal::parse_rust(&text).and_then(|l| l.check_for(ty)) {
                        Ok(value) => return Ok(Reply::Value(value)),
                        Err(e) => self.say(&format!("{e}\n")),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use remodel_model::ColumnType;
    use std::io::Cursor;

    fn ask(q: &Question, typed: &str) -> (Result<Reply, Interrupted>, String) {
        let mut out = Vec::new();
        let reply = Terminal::new(Cursor::new(typed.to_string()), &mut out).ask(q);
        (reply, String::from_utf8(out).unwrap())
    }

    fn candidate(old: &str, reason: &str) -> Candidate {
        Candidate {
            old: old.into(),
            reason: reason.into(),
            rank: 0,
            similarity: 90,
        }
    }

    fn field_q(candidates: Vec<Candidate>) -> Question {
        Question {
            id: "rename-field:exams.Monitoreo.uso_diario".into(),
            kind: QuestionKind::RenameField {
                model: "exams.Monitoreo".into(),
                new: "uso_diario".into(),
                ty: ColumnType::Decimal {
                    precision: 5,
                    scale: 2,
                },
                candidates,
            },
        }
    }

    #[test]
    fn one_candidate_is_the_exact_yes_no_prompt() {
        let q = field_q(vec![candidate("usu_diario", "same definition")]);
        let (reply, shown) = ask(&q, "y\n");
        assert_eq!(reply, Ok(Reply::Renamed("usu_diario".into())));
        assert_eq!(
            shown,
            "Did you rename monitoreo.usu_diario to monitoreo.uso_diario (decimal(5,2))? [y/N] "
        );
        assert_eq!(ask(&q, "\n").0, Ok(Reply::New), "the default is no");
        let (reply, shown) = ask(&q, "maybe\nno\n");
        assert_eq!(reply, Ok(Reply::New));
        assert!(shown.contains("Please answer y or n."));
        assert_eq!(ask(&q, "").0, Err(Interrupted), "end of input");
    }

    #[test]
    fn several_candidates_are_a_numbered_menu() {
        let q = field_q(vec![
            candidate("usu_diario", "same definition"),
            candidate("uso", "same type family, 62% similar name"),
        ]);
        let (reply, shown) = ask(&q, "3\n");
        assert_eq!(reply, Ok(Reply::Renamed("uso".into())));
        assert_eq!(
            shown,
            "Field monitoreo.uso_diario (decimal(5,2)) was added. Is it:\n 1) a new field\n \
             2) renamed from usu_diario (same definition)\n 3) renamed from uso (same type family, 62% similar name)\nSelect 1-3: "
        );
        let (reply, shown) = ask(&q, "9\n1\n");
        assert_eq!(reply, Ok(Reply::New));
        assert!(shown.contains("Please select a number from 1 to 3."));
    }

    #[test]
    fn model_renames() {
        let q = Question {
            id: "rename-model:patients.Person".into(),
            kind: QuestionKind::RenameModel {
                app: "patients".into(),
                new: "Person".into(),
                candidates: vec![candidate("Patient", "same fields")],
            },
        };
        let (reply, shown) = ask(&q, "yes\n");
        assert_eq!(reply, Ok(Reply::Renamed("Patient".into())));
        assert_eq!(
            shown,
            "Did you rename the patients.Patient model to Person? [y/N] "
        );
    }

    #[test]
    fn one_off_defaults_are_validated_and_asked_again() {
        let q = Question {
            id: "default:patients.Patient.estado".into(),
            kind: QuestionKind::OneOffDefault {
                model: "patients.Patient".into(),
                field: "estado".into(),
                ty: ColumnType::Varchar(20),
                altering: false,
            },
        };
        let (reply, shown) = ask(&q, "1\nACTIVO\n\"ACTIVO\"\n");
        assert_eq!(reply, Ok(Reply::Value(Literal::Str("ACTIVO".into()))));
        assert!(shown.starts_with(
            "It is impossible to add a non-nullable field 'estado' to patient without a default;\nexisting rows need a value.\n \
             1) Provide a one-off default now (it is set on all existing rows)\n 2) Quit, and add a default in the model\nSelect an option: "
        ));
        assert!(
            shown.contains("Value for patient.estado (varchar(20)), written as in default = …: ")
        );
        assert!(
            shown.contains("is not a literal"),
            "the bad value is explained: {shown}"
        );
        assert_eq!(ask(&q, "2\n").0, Ok(Reply::Quit));
        assert!(!shown.contains("3) Ignore"));

        let altering = Question {
            kind: QuestionKind::OneOffDefault {
                model: "patients.Patient".into(),
                field: "edad".into(),
                ty: ColumnType::Integer,
                altering: true,
            },
            ..q
        };
        let (reply, shown) = ask(&altering, "3\n");
        assert_eq!(reply, Ok(Reply::Ignore));
        assert!(shown.contains(" 3) Ignore for now: migrate fails if NULL rows exist\n"));
        assert_eq!(
            ask(&altering, "1\n\"x\"\n7\n").0,
            Ok(Reply::Value(Literal::Int(7)))
        );
    }
}
