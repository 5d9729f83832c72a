use remodel::Model;

#[derive(Model)]
#[model(
    index(expressions("lower(nombre)")),
    index(name = "patient_nombre_gin", fields("nombre"), unique, using = "gin"),
    index(name = "patient_bad", fields("nombre"), using = "rtree", where = "edad >"),
    index(name = "patient_prefix", expressions("lower(nombre)"), prefix_lengths(10)),
)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(max_length = 50)]
    nombre: String,
    edad: i32,
}

fn main() {
    let _ = Patient::table();
}
