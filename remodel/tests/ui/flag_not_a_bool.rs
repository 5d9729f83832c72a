use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(unique = 1)]
    documento: String,
}

fn main() {
    let _ = Patient::table();
}
