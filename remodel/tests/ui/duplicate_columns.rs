use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    nombre: String,
    #[field(column = "nombre")]
    alias: String,
}

fn main() {
    let _ = Patient::table();
}
