use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: Option<i64>,
}

fn main() {
    let _ = Patient::table();
}
