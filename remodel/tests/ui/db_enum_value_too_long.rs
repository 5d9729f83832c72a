#[derive(Clone, Copy, remodel::DbEnum)]
enum Rating {
    #[db_enum(value = "a value much longer than the sixty-three bytes PostgreSQL allows here")]
    Long,
}

fn main() {}
