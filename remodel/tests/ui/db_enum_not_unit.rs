#[derive(Clone, Copy, remodel::DbEnum)]
enum Rating {
    G,
    Custom(u8),
}

fn main() {}
