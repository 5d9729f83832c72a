use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(sql_type = "citext", max_length = 100)]
    email: String,
}

fn main() {
    let _ = Patient::table();
}
