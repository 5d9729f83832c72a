use remodel::Model;

#[derive(Model)]
#[model(unique(fields("nombre", "apellidos")))]
struct Patient {
    #[field(primary_key)]
    id: i64,
    nombre: String,
    apellido: String,
}

fn main() {
    let _ = Patient::table();
}
