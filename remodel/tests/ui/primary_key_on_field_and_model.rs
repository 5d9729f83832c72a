use remodel::Model;

#[derive(Model)]
#[model(primary_key("id", "documento"))]
struct Patient {
    #[field(primary_key)]
    id: i64,
    documento: String,
}

fn main() {
    let _ = Patient::table();
}
