use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    apodo: Option<Option<String>>,
}

fn main() {
    let _ = Patient::table();
}
