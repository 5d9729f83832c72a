use remodel::Model;

#[derive(Model)]
#[model(unique(name = "patient_uniq"))]
struct Patient {
    #[field(primary_key)]
    id: i64,
}

fn main() {
    let _ = Patient::table();
}
