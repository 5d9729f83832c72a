use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(default = CURRENT_DATE)]
    nombre: String,
}

fn main() {
    let _ = Patient::table();
}
