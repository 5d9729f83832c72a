use remodel::Model;

#[derive(Model)]
#[model(index(fields("apelido", "nombre")))]
struct Patient {
    #[field(primary_key)]
    id: i64,
    nombre: String,
    apellido: String,
}

fn main() {
    let _ = Patient::table();
}
