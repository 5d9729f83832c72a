use remodel::Model;

#[derive(Model)]
#[model(index(fields("nombre"), fields("edad")))]
struct Patient {
    #[field(primary_key)]
    id: i64,
    nombre: String,
    edad: i32,
}

fn main() {
    let _ = Patient::table();
}
