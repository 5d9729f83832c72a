use remodel::Model;

#[derive(Model)]
enum Estado {
    Activo,
    Inactivo,
}

fn main() {
    let _ = Estado::table();
}
