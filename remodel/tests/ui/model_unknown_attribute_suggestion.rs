use remodel::Model;

#[derive(Model)]
#[model(tabel = "pacientes")]
struct Patient {
    #[field(primary_key)]
    id: i64,
}

fn main() {
    let _ = Patient::table();
}
