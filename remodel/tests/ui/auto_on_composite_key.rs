use remodel::Model;

#[derive(Model)]
#[model(primary_key("a", "b"))]
struct Pair {
    #[field(auto = false)]
    a: i64,
    b: i64,
}

fn main() {
    let _ = Pair::table();
}
