use remodel::Model;

#[derive(Model)]
struct Patient {
    #[field(primary_key)]
    id: i64,
    #[field(auto = "rowid")]
    contador: i64,
}

fn main() {
    let _ = Patient::table();
}
