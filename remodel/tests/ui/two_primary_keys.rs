use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(primary_key)]
    documento: String,
}

fn main() {
    let _ = Patient::table();
}
