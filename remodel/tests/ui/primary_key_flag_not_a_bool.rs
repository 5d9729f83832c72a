use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key = "yes")]
    id: i64,
}

fn main() {
    let _ = Patient::table();
}
