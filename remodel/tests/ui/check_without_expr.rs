use remodel::Model;

#[derive(Model)]
#[model(check(name = "patient_edad_check"))]
struct Patient {
    #[field(primary_key)]
    id: i64,
    edad: i32,
}

fn main() {
    let _ = Patient::table();
}
