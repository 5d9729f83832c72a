use remodel::Model;

struct Decimal;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(max_digits = "10", decimal_places = 2)]
    saldo: Decimal,
}

fn main() {
    let _ = Patient::table();
}
