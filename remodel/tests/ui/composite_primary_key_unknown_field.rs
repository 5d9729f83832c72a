use remodel::Model;

#[derive(Model)]
#[model(primary_key("paciente_id", "fecha"))]
struct Patient {
    paciente_id: i64,
    fecha_toma: String,
}

fn main() {
    let _ = Patient::table();
}
