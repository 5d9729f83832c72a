use remodel::Model;

#[derive(Model)]
#[model(primary_key("paciente_id", "cache"))]
struct Patient {
    paciente_id: i64,
    #[field(skip)]
    cache: Vec<String>,
}

fn main() {
    let _ = Patient::table();
}
