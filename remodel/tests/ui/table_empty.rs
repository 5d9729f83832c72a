use remodel::Model;

#[derive(Model)]
#[model(table = "")]
struct Patient {
    #[field(primary_key)]
    id: i64,
}

fn main() {
    let _ = Patient::table();
}
