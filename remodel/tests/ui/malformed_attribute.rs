use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(unique max_length = 20)]
    documento: String,
}

fn main() {
    let _ = Patient::table();
}
