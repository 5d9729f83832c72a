use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    visitas: u128,
}

fn main() {
    let _ = Patient::table();
}
