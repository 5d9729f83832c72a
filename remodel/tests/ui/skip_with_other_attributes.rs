use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(skip, max_length = 10)]
    cache: Vec<String>,
}

fn main() {
    let _ = Patient::table();
}
