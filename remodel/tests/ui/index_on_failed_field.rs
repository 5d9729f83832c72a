use remodel::Model;

// The field's own error is the only one: the index naming it adds none.
#[derive(Model)]
#[model(index(fields("edad")))]
struct Patient {
    #[field(primary_key)]
    id: i64,
    edad: u128,
}

fn main() {
    let _ = Patient::table();
}
