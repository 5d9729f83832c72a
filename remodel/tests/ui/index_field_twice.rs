use remodel::Model;

#[derive(Model)]
#[model(index(fields("nombre", "nombre")))]
struct Patient {
    #[field(primary_key)]
    id: i64,
    nombre: String,
}

fn main() {
    let _ = Patient::table();
}
