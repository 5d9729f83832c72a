use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(max_length = 3)]
    edad: i32,
}

fn main() {
    let _ = Patient::table();
}
