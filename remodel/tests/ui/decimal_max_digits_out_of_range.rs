use remodel::Model;

struct Decimal;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(max_digits = 0, decimal_places = 0)]
    saldo: Decimal,
}

fn main() {
    let _ = Patient::table();
}
