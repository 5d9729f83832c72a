use remodel::Model;

#[derive(Model)]
struct Patient {
    nombre: String,
}

fn main() {
    let _ = Patient::table();
}
