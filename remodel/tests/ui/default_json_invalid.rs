use remodel::Model;

struct Value;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(default = "{a: 1}")]
    datos: Value,
}

fn main() {
    let _ = Patient::table();
}
