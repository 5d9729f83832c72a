use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(default = 40000)]
    nivel: i16,
}

fn main() {
    let _ = Patient::table();
}
