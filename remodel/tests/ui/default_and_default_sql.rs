use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(default = "x", default_sql = "'x'")]
    nombre: String,
}

fn main() {
    let _ = Patient::table();
}
