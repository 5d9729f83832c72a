use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key, auto)]
    codigo: String,
}

fn main() {
    let _ = Patient::table();
}
