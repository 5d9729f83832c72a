use remodel::Model;

struct Decimal;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    saldo: Decimal,
}

fn main() {
    let _ = Patient::table();
}
