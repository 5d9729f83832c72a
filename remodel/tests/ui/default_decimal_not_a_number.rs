use remodel::Model;

struct Decimal;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(max_digits = 4, decimal_places = 2, default = "uno")]
    saldo: Decimal,
}

fn main() {
    let _ = Patient::table();
}
