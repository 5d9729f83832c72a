use remodel::Model;

#[derive(Model)]
struct Ingreso {
    #[field(primary_key)]
    id: i64,
    #[field(to_field = "codigo")]
    paciente_codigo: String,
}

fn main() {
    let _ = Ingreso::table();
}
