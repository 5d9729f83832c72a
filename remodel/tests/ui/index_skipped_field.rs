use remodel::Model;

#[derive(Model)]
#[model(index(fields("cache")))]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(skip)]
    cache: Vec<String>,
}

fn main() {
    let _ = Patient::table();
}
