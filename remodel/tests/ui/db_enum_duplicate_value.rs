#[derive(Clone, Copy, remodel::DbEnum)]
enum Rating {
    #[db_enum(value = "PG")]
    Pg,
    #[db_enum(value = "PG")]
    Pg13,
}

fn main() {}
