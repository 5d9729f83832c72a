use remodel::Model;

#[derive(Model)]
#[model(index(name = "patient_idx"))]
struct Patient {
    #[field(primary_key)]
    id: i64,
}

fn main() {
    let _ = Patient::table();
}
