use remodel::Model;

struct Point;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(sql_type = " ")]
    ubicacion: Point,
}

fn main() {
    let _ = Patient::table();
}
