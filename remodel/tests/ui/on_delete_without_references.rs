use remodel::Model;

#[derive(Model)]
struct Ingreso {
    #[field(primary_key)]
    id: i64,
    #[field(on_delete = "cascade")]
    paciente_id: i64,
}

fn main() {
    let _ = Ingreso::table();
}
