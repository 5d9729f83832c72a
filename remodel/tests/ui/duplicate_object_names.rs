use remodel::Model;

#[derive(Model)]
#[model(index(name = "patient_busqueda", fields("nombre")))]
#[model(unique(name = "patient_busqueda", fields("nombre", "edad")))]
struct Patient {
    #[field(primary_key)]
    id: i64,
    nombre: String,
    edad: i32,
}

fn main() {
    let _ = Patient::table();
}
