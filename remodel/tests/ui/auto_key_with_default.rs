use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key, default = 1)]
    id: i64,
}

fn main() {
    let _ = Patient::table();
}
