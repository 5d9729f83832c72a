use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(default = "cero")]
    edad: i32,
}

fn main() {
    let _ = Patient::table();
}
