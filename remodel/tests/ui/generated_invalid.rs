use remodel::Model;

#[derive(Model)]
struct Line {
    #[field(primary_key)]
    id: i64,
    price: i32,
    #[field(generated = "price * qty")]
    total: Option<i64>,
    #[field(generated = "doubled * 2", default = 1)]
    doubled: Option<i64>,
    #[field(stored)]
    plain: i32,
}

fn main() {
    let _ = Line::table();
}
