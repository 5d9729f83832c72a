use remodel::Model;

#[derive(Model)]
struct Ingreso {
    #[field(primary_key)]
    id: i64,
    #[field(references = "Patient", on_delete = "set_null")]
    paciente_id: i64,
}

fn main() {
    let _ = Ingreso::table();
}
