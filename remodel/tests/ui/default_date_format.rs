use remodel::Model;

struct NaiveDate;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(default = "01/02/2024")]
    fecha_ingreso: NaiveDate,
}

fn main() {
    let _ = Patient::table();
}
