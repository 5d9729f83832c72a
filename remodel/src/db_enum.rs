//! Rust enums stored as columns: the trait `#[derive(DbEnum)]` implements.

/// An enum whose values a column stores (`#[derive(DbEnum)]`): each unit
/// variant and its value, in order. The derive also implements
/// [`Display`](std::fmt::Display) (the value) and
/// [`FromStr`](std::str::FromStr) (from the value), so application code
/// reads and writes the values the database holds.
#[diagnostic::on_unimplemented(
    message = "field type `{Self}` has no column type",
    label = "not a #[derive(DbEnum)] enum",
    note = "derive remodel::DbEnum on `{Self}` to store its variants, or give the SQL type: #[field(sql_type = \"…\")]"
)]
pub trait DbEnum: Sized + Copy + 'static {
    /// Every variant, in order.
    const VARIANTS: &'static [Self];
    /// Every value, in the variants' order.
    const VALUES: &'static [&'static str];

    /// The value the database stores for this variant.
    fn as_str(&self) -> &'static str;
}

/// A value that is none of an enum's, as [`FromStr`](std::str::FromStr)
/// reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownValue {
    /// The enum's name.
    pub enum_name: &'static str,
    /// The value given.
    pub value: String,
}

impl std::fmt::Display for UnknownValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "'{}' is not a value of enum {}",
            self.value, self.enum_name
        )
    }
}

impl std::error::Error for UnknownValue {}
