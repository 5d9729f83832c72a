use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(auto)]
    contador: i64,
}

fn main() {
    let _ = Patient::table();
}
