use remodel::Model;

#[derive(Model)]
#[model(check(name = "patient_edad_patient_edad_patient_edad_patient_edad_patient_edad_no_negativa", expr = "edad >= 0"))]
struct Patient {
    #[field(primary_key)]
    id: i64,
    edad: i32,
}

fn main() {
    let _ = Patient::table();
}
