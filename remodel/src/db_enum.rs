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

/// sqlx, as the derive's code names it.
#[cfg(feature = "sqlx")]
#[doc(hidden)]
pub use sqlx as __sqlx;

/// What `#[derive(DbEnum)]` adds for sqlx: `Type`, `Encode` and `Decode` on
/// each database this crate's features enable (`sqlx` with `postgres`,
/// `mysql`, `sqlite`). A value travels as its text: PostgreSQL's enum type
/// by name, MySQL's ENUM and SQLite's TEXT as strings.
#[doc(hidden)]
#[macro_export]
macro_rules! __db_enum_sqlx {
    ($ty:ty, $type_name:expr) => {
        $crate::__db_enum_sqlx_postgres!($ty, $type_name);
        $crate::__sqlx_mysql_db!($ty);
        $crate::__sqlx_sqlite_db!($ty);
    };
}

#[cfg(all(feature = "sqlx", feature = "postgres"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __db_enum_sqlx_postgres {
    ($ty:ty, $type_name:expr) => {
        impl $crate::__sqlx::Type<$crate::__sqlx::Postgres> for $ty {
            fn type_info() -> $crate::__sqlx::postgres::PgTypeInfo {
                $crate::__sqlx::postgres::PgTypeInfo::with_name($type_name)
            }
        }
        impl<'q> $crate::__sqlx::Encode<'q, $crate::__sqlx::Postgres> for $ty {
            fn encode_by_ref(
                &self,
                buf: &mut $crate::__sqlx::postgres::PgArgumentBuffer,
            ) -> ::core::result::Result<
                $crate::__sqlx::encode::IsNull,
                $crate::__sqlx::error::BoxDynError,
            > {
                <&str as $crate::__sqlx::Encode<'_, $crate::__sqlx::Postgres>>::encode(
                    $crate::DbEnum::as_str(self),
                    buf,
                )
            }
        }
        impl<'r> $crate::__sqlx::Decode<'r, $crate::__sqlx::Postgres> for $ty {
            fn decode(
                value: $crate::__sqlx::postgres::PgValueRef<'r>,
            ) -> ::core::result::Result<Self, $crate::__sqlx::error::BoxDynError> {
                let text =
                    <&str as $crate::__sqlx::Decode<'r, $crate::__sqlx::Postgres>>::decode(value)?;
                ::core::result::Result::Ok(text.parse::<$ty>()?)
            }
        }
    };
}

#[cfg(not(all(feature = "sqlx", feature = "postgres")))]
#[doc(hidden)]
#[macro_export]
macro_rules! __db_enum_sqlx_postgres {
    ($ty:ty, $type_name:expr) => {};
}

/// The impls for a database whose enum values are strings.
#[doc(hidden)]
#[macro_export]
macro_rules! __db_enum_sqlx_string {
    ($ty:ty, $db:ty, $args:ty, $value:ty) => {
        impl $crate::__sqlx::Type<$db> for $ty {
            fn type_info() -> <$db as $crate::__sqlx::Database>::TypeInfo {
                <str as $crate::__sqlx::Type<$db>>::type_info()
            }
            fn compatible(ty: &<$db as $crate::__sqlx::Database>::TypeInfo) -> bool {
                <str as $crate::__sqlx::Type<$db>>::compatible(ty)
            }
        }
        impl<'q> $crate::__sqlx::Encode<'q, $db> for $ty {
            fn encode_by_ref(
                &self,
                buf: &mut $args,
            ) -> ::core::result::Result<
                $crate::__sqlx::encode::IsNull,
                $crate::__sqlx::error::BoxDynError,
            > {
                <&str as $crate::__sqlx::Encode<'q, $db>>::encode($crate::DbEnum::as_str(self), buf)
            }
        }
        impl<'r> $crate::__sqlx::Decode<'r, $db> for $ty {
            fn decode(
                value: $value,
            ) -> ::core::result::Result<Self, $crate::__sqlx::error::BoxDynError> {
                let text = <&str as $crate::__sqlx::Decode<'r, $db>>::decode(value)?;
                ::core::result::Result::Ok(text.parse::<$ty>()?)
            }
        }
    };
}

#[cfg(all(feature = "sqlx", feature = "mysql"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __sqlx_mysql_db {
    ($ty:ty) => {
        $crate::__db_enum_sqlx_string!(
            $ty,
            $crate::__sqlx::MySql,
            ::std::vec::Vec<u8>,
            $crate::__sqlx::mysql::MySqlValueRef<'r>
        );
    };
}

#[cfg(not(all(feature = "sqlx", feature = "mysql")))]
#[doc(hidden)]
#[macro_export]
macro_rules! __sqlx_mysql_db {
    ($ty:ty) => {};
}

#[cfg(all(feature = "sqlx", feature = "sqlite"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __sqlx_sqlite_db {
    ($ty:ty) => {
        $crate::__db_enum_sqlx_string!(
            $ty,
            $crate::__sqlx::Sqlite,
            ::std::vec::Vec<$crate::__sqlx::sqlite::SqliteArgumentValue<'q>>,
            $crate::__sqlx::sqlite::SqliteValueRef<'r>
        );
    };
}

#[cfg(not(all(feature = "sqlx", feature = "sqlite")))]
#[doc(hidden)]
#[macro_export]
macro_rules! __sqlx_sqlite_db {
    ($ty:ty) => {};
}
