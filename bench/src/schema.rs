//! The benchmark schema, independent of who writes it: N models spread over
//! a number of apps, each with ~10 columns of mixed types, one index, one
//! unique constraint and (but for the first model) one foreign key to an
//! earlier model, plus an optional history of small edits per app. The
//! writers in `generate` turn this one description into a remodel project,
//! a Django project and SQLAlchemy models, so the three name the same tables
//! and columns.

/// A column type, named after remodel's file tokens (DESIGN §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `varchar(n)`.
    Varchar(u32),
    /// `integer`.
    Integer,
    /// `bigint`.
    BigInt,
    /// `boolean`.
    Boolean,
    /// `decimal(p,s)`.
    Decimal(u8, u8),
    /// `date`.
    Date,
    /// `timestamptz` (Django's DateTimeField is `timestamp with time zone` on PostgreSQL).
    TimestampTz,
    /// `text`.
    Text,
}

impl Kind {
    /// remodel's file token.
    pub fn token(self) -> String {
        match self {
            Kind::Varchar(n) => format!("varchar({n})"),
            Kind::Integer => "integer".into(),
            Kind::BigInt => "bigint".into(),
            Kind::Boolean => "boolean".into(),
            Kind::Decimal(p, s) => format!("decimal({p},{s})"),
            Kind::Date => "date".into(),
            Kind::TimestampTz => "timestamptz".into(),
            Kind::Text => "text".into(),
        }
    }
}

/// A column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Field and column name (the same in all three projects).
    pub name: String,
    /// Its type.
    pub kind: Kind,
    /// NULL allowed.
    pub null: bool,
    /// The model it references (index into [`Project::models`]), on delete cascade.
    pub references: Option<usize>,
}

impl Field {
    fn new(name: &str, kind: Kind) -> Field {
        Field {
            name: name.into(),
            kind,
            null: false,
            references: None,
        }
    }
}

/// A named index or unique constraint over some fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Index {
    /// remodel's derived name (`<table>_<columns>_idx` / `_uniq`), used verbatim by the peers.
    pub name: String,
    /// Field names.
    pub fields: Vec<String>,
}

/// A model (one table).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Model {
    /// Its position in [`Project::models`].
    pub id: usize,
    /// Its app (index into the app labels).
    pub app: usize,
    /// Struct / class name (`Model0007`).
    pub name: String,
    /// Table name (`model0007`), remodel's snake_case of the struct name.
    pub table: String,
    /// Columns, primary key `id` first.
    pub fields: Vec<Field>,
    /// Plain (non-unique) model-level indexes, in the order they were added.
    pub indexes: Vec<Index>,
    /// The unique constraint.
    pub unique: Index,
}

impl Model {
    /// The field referencing another model, if any.
    pub fn foreign_key(&self) -> Option<&Field> {
        self.fields.iter().find(|f| f.references.is_some())
    }
}

/// One step of an app's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// A model as first created.
    CreateModel(Model),
    /// A nullable field added to a model.
    AddField {
        /// The model.
        model: usize,
        /// The field.
        field: Field,
    },
    /// A field's new definition.
    AlterField {
        /// The model.
        model: usize,
        /// The field.
        field: Field,
    },
    /// An index added to a model.
    AddIndex {
        /// The model.
        model: usize,
        /// The index.
        index: Index,
    },
}

/// One migration of an app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Migration {
    /// Its name (`0001_initial`, `0002_model0007_h1`, …), the same for remodel and Django.
    pub name: String,
    /// `(app, migration name)` it depends on.
    pub dependencies: Vec<(usize, String)>,
    /// What it does.
    pub ops: Vec<Op>,
}

/// Everything the generator writes.
#[derive(Clone, Debug)]
pub struct Project {
    /// Number of apps.
    pub apps: usize,
    /// The models in their final state (after the whole history).
    pub models: Vec<Model>,
    /// Each app's migrations, in order.
    pub history: Vec<Vec<Migration>>,
}

/// The label of app `a` (`app00`): remodel's first module segment, Django's app label.
pub fn app_label(a: usize) -> String {
    format!("app{a:02}")
}

/// `app03.Model0007`, as remodel's files and Django's `to=` spell a model.
pub fn model_key(p: &Project, m: usize) -> String {
    format!("{}.{}", app_label(p.models[m].app), p.models[m].name)
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The model as created by its app's initial migration.
fn initial_model(id: usize, app: usize, app_start: usize) -> Model {
    let name = format!("Model{id:04}");
    let table = format!("model{id:04}");
    let h = splitmix(id as u64);
    let mut fields = vec![
        Field::new("id", Kind::BigInt),
        Field::new("code", Kind::Varchar(32)),
        Field::new("title", Kind::Varchar(100 + 20 * (h % 5) as u32)),
        Field::new("version", Kind::Integer),
        Field::new("quantity", Kind::BigInt),
        Field::new("active", Kind::Boolean),
        Field::new("price", Kind::Decimal(10, 2)),
        Field::new("created_on", Kind::Date),
        Field::new("updated_at", Kind::TimestampTz),
        Field {
            null: true,
            ..Field::new("notes", Kind::Text)
        },
    ];
    if id > 0 {
        // One in three points into an earlier app when there is one; the
        // others at one of the few models just before.
        let target = if h % 3 == 0 && app_start > 0 {
            ((h >> 8) % app_start as u64) as usize
        } else {
            id - 1 - ((h >> 8) % id.min(8) as u64) as usize
        };
        fields.push(Field {
            references: Some(target),
            ..Field::new("parent_id", Kind::BigInt)
        });
    }
    Model {
        id,
        app,
        indexes: vec![Index {
            name: format!("{table}_title_idx"),
            fields: vec!["title".into()],
        }],
        unique: Index {
            name: format!("{table}_code_version_uniq"),
            fields: vec!["code".into(), "version".into()],
        },
        name,
        table,
        fields,
    }
}

/// The project of `n` models in `apps` apps (fewer when `n < apps`), each app
/// with `history` migrations (at least its initial one). After the initial
/// migration, each step is one small edit, in triples on one model: add a
/// nullable integer `hT`, widen it to bigint, index it.
pub fn generate(n: usize, apps: usize, history: usize) -> Project {
    let apps = apps.clamp(1, n.max(1));
    let app_of = |i: usize| i * apps / n;
    let mut models: Vec<Model> = Vec::with_capacity(n);
    for i in 0..n {
        let app = app_of(i);
        let app_start = (0..=i).find(|&j| app_of(j) == app).unwrap_or(i);
        models.push(initial_model(i, app, app_start));
    }
    let mut project = Project {
        apps,
        models: models.clone(),
        history: Vec::with_capacity(apps),
    };
    for a in 0..apps {
        let members: Vec<usize> = (0..n).filter(|&i| app_of(i) == a).collect();
        let mut deps: Vec<(usize, String)> = members
            .iter()
            .filter_map(|&i| models[i].foreign_key().and_then(|f| f.references))
            .map(|t| models[t].app)
            .filter(|&b| b != a)
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .map(|b| (b, "0001_initial".to_string()))
            .collect();
        let mut migrations = vec![Migration {
            name: "0001_initial".into(),
            dependencies: deps.clone(),
            ops: members
                .iter()
                .map(|&i| Op::CreateModel(models[i].clone()))
                .collect(),
        }];
        for step in 1..history.max(1) {
            let triple = (step - 1) / 3;
            let m = members[triple % members.len()];
            let table = project.models[m].table.clone();
            let hname = format!("h{}", triple + 1);
            let (op, fragment) = match (step - 1) % 3 {
                0 => {
                    let field = Field {
                        null: true,
                        ..Field::new(&hname, Kind::Integer)
                    };
                    project.models[m].fields.push(field.clone());
                    (Op::AddField { model: m, field }, format!("{table}_{hname}"))
                }
                1 => {
                    let field = Field {
                        null: true,
                        ..Field::new(&hname, Kind::BigInt)
                    };
                    let slot = project.models[m]
                        .fields
                        .iter_mut()
                        .find(|f| f.name == hname)
                        .expect("added the step before");
                    *slot = field.clone();
                    (
                        Op::AlterField { model: m, field },
                        format!("alter_{table}_{hname}"),
                    )
                }
                _ => {
                    let index = Index {
                        name: format!("{table}_{hname}_idx"),
                        fields: vec![hname.clone()],
                    };
                    project.models[m].indexes.push(index.clone());
                    (
                        Op::AddIndex { model: m, index },
                        format!("{table}_{table}_{hname}_idx"),
                    )
                }
            };
            let prev = migrations.last().expect("initial").name.clone();
            deps = vec![(a, prev)];
            migrations.push(Migration {
                name: format!("{:04}_{fragment}", step + 1),
                dependencies: deps.clone(),
                ops: vec![op],
            });
        }
        project.history.push(migrations);
    }
    project
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_spread_over_apps_and_reference_earlier_ones() {
        let p = generate(100, 10, 1);
        assert_eq!(p.models.len(), 100);
        assert!((0..10).all(|a| p.models.iter().filter(|m| m.app == a).count() == 10));
        for m in &p.models[1..] {
            let t = m.foreign_key().unwrap().references.unwrap();
            assert!(t < m.id);
            assert!(p.models[t].app <= m.app);
        }
        assert!(p.models.iter().any(|m| {
            let t = m.foreign_key().map(|f| f.references.unwrap());
            t.is_some_and(|t| p.models[t].app < m.app)
        }));
    }

    #[test]
    fn history_replays_into_the_final_models() {
        let p = generate(10, 10, 50);
        assert_eq!(p.apps, 10);
        assert!(p.history.iter().all(|h| h.len() == 50));
        // Replay every op on the initial models: same as the final state.
        let mut state: Vec<Option<Model>> = vec![None; p.models.len()];
        for h in &p.history {
            for mig in h {
                for op in &mig.ops {
                    match op {
                        Op::CreateModel(m) => state[m.id] = Some(m.clone()),
                        Op::AddField { model, field } => {
                            state[*model].as_mut().unwrap().fields.push(field.clone())
                        }
                        Op::AlterField { model, field } => {
                            let m = state[*model].as_mut().unwrap();
                            let f = m.fields.iter_mut().find(|f| f.name == field.name).unwrap();
                            *f = field.clone();
                        }
                        Op::AddIndex { model, index } => {
                            state[*model].as_mut().unwrap().indexes.push(index.clone())
                        }
                    }
                }
            }
        }
        let state: Vec<Model> = state.into_iter().map(Option::unwrap).collect();
        assert_eq!(state, p.models);
        assert_eq!(p.history[3][49].name, "0050_model0003_h17");
    }
}
