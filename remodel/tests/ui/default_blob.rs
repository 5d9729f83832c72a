use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(default = "")]
    foto: Vec<u8>,
}

fn main() {
    let _ = Patient::table();
}
