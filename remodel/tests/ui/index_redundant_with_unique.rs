use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(unique, index)]
    documento: String,
}

fn main() {
    let _ = Patient::table();
}
