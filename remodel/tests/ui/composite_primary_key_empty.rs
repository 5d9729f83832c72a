use remodel::Model;

#[derive(Model)]
#[model(primary_key())]
struct Patient {
    id: i64,
}

fn main() {
    let _ = Patient::table();
}
