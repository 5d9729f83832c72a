use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(default_sql = "NOW(")]
    creado: String,
}

fn main() {
    let _ = Patient::table();
}
