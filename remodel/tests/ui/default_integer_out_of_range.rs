use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(default = 99999999999999999999)]
    visitas: i64,
}

fn main() {
    let _ = Patient::table();
}
