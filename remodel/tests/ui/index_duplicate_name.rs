use remodel::Model;

#[derive(Model)]
#[model(index(name = "a", name = "b", fields("nombre")))]
struct Patient {
    #[field(primary_key)]
    id: i64,
    nombre: String,
}

fn main() {
    let _ = Patient::table();
}
