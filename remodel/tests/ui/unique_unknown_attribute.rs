use remodel::Model;

#[derive(Model)]
#[model(unique(fields("nombre", "edad"), concurrently))]
struct Patient {
    #[field(primary_key)]
    id: i64,
    nombre: String,
    edad: i32,
}

fn main() {
    let _ = Patient::table();
}
