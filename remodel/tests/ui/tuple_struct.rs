use remodel::Model;

#[derive(Model)]
struct Par(i64, String);

fn main() {
    let _ = Par::table();
}
