//! The PostgreSQL connection: placeholder until it lands.

use crate::{Database, DatabaseUrl, DbError, Dialect, Guard, Value};
use async_trait::async_trait;
use remodel_model::catalog::Catalog;
use std::time::Duration;

/// A connection to PostgreSQL (none can be made in this build).
pub enum PostgresDatabase {}

impl PostgresDatabase {
    /// Connects to the server at `raw`.
    pub async fn open(url: DatabaseUrl, _raw: &str) -> Result<PostgresDatabase, DbError> {
        Err(DbError::Connect {
            target: url.display(),
            reason: "the PostgreSQL driver is not part of this build yet".into(),
        })
    }
}

#[async_trait]
impl Database for PostgresDatabase {
    fn dialect(&self) -> &'static dyn Dialect {
        match *self {}
    }
    fn url(&self) -> &DatabaseUrl {
        match *self {}
    }
    async fn execute(&mut self, _sql: &str, _params: &[Value]) -> Result<u64, DbError> {
        match *self {}
    }
    async fn guard(&mut self, _guard: &Guard) -> Result<(), DbError> {
        match *self {}
    }
    async fn query(&mut self, _sql: &str, _params: &[Value]) -> Result<Vec<Vec<Value>>, DbError> {
        match *self {}
    }
    async fn set_lock_wait(
        &mut self,
        _t: Duration,
        _w: Box<dyn Fn() + Send + Sync>,
    ) -> Result<(), DbError> {
        match *self {}
    }
    async fn lock(&mut self) -> Result<(), DbError> {
        match *self {}
    }
    async fn unlock(&mut self) -> Result<(), DbError> {
        match *self {}
    }
    async fn table_exists(&mut self, _name: &str) -> Result<bool, DbError> {
        match *self {}
    }
    async fn introspect(&mut self) -> Result<Catalog, DbError> {
        match *self {}
    }
    async fn begin_migration(&mut self, _atomic: bool) -> Result<(), DbError> {
        match *self {}
    }
    async fn commit_migration(&mut self, _atomic: bool) -> Result<(), DbError> {
        match *self {}
    }
    async fn rollback_migration(&mut self) -> Result<(), DbError> {
        match *self {}
    }
    async fn close(self: Box<Self>) {
        match *self {}
    }
}
