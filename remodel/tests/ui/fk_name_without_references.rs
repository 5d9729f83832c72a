use remodel::Model;

#[derive(Model)]
struct Exam {
    #[field(primary_key)]
    id: i64,
    #[field(fk_name = "exam_patient_id_fkey")]
    patient_id: i64,
}

fn main() {
    let _ = Exam::table();
}
