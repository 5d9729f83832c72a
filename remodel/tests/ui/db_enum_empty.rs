#[derive(Clone, Copy, remodel::DbEnum)]
enum Rating {}

fn main() {}
