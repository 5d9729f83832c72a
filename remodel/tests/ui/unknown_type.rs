use remodel::Model;

struct Money;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    saldo: Money,
}

fn main() {
    let _ = Patient::table();
}
