use remodel::Model;

#[derive(Model)]
#[model(unique(fields("a"), fields("b")))]
#[model(index(fields("a"), unique, unique))]
struct Pair {
    #[field(primary_key)]
    id: i64,
    a: i64,
    b: i64,
}

fn main() {
    let _ = Pair::table();
}
