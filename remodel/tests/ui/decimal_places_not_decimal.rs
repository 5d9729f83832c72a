use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(decimal_places = 2)]
    peso: f64,
}

fn main() {
    let _ = Patient::table();
}
