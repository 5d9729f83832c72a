use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(renamed_from = "nombre")]
    nombre: String,
}

fn main() {
    let _ = Patient::table();
}
