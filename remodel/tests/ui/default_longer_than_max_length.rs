use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(default = "DEMASIADO", max_length = 5)]
    estado: String,
}

fn main() {
    let _ = Patient::table();
}
