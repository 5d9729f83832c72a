use remodel::Model;

#[derive(Model)]
#[model(check(expr = "edad >= 0 AND peso > 0"))]
struct Patient {
    #[field(primary_key)]
    id: i64,
    edad: i32,
}

fn main() {
    let _ = Patient::table();
}
