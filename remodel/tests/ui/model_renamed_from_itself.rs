use remodel::Model;

#[derive(Model)]
#[model(renamed_from = "Patient")]
struct Patient {
    #[field(primary_key)]
    id: i64,
}

fn main() {
    let _ = Patient::table();
}
