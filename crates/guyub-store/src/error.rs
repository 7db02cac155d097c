//! The store's one error type. The web layer maps it to HTTP in one place.

use guyub_core::{FieldError, Msg};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row does not exist in this tenant (or at all; the caller cannot tell which).
    #[error("not found")]
    NotFound,
    /// The change collides with existing data (a duplicate NIK, e-mail, …); the message
    /// names what it collides with.
    #[error("conflict: {0}")]
    Conflict(Msg),
    /// The input breaks a rule that only the database can check.
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// A stored value no longer parses (a bug or a hand-edited database).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migrate(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

pub type StoreResult<T> = Result<T, StoreError>;

impl StoreError {
    pub fn corrupt(what: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt(what.to_string())
    }

    /// True when a unique constraint failed (a race the explicit check did not see).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Db(sqlx::Error::Database(e)) => e.is_unique_violation(),
            _ => false,
        }
    }
}

/// Turns a unique-key violation into the caller's own conflict message: the race that an
/// explicit "is it taken?" check cannot see on PostgreSQL, where two transactions may both
/// pass the check before either inserts.
pub fn unique_as(e: StoreError, conflict: impl FnOnce() -> StoreError) -> StoreError {
    if e.is_unique_violation() {
        conflict()
    } else {
        e
    }
}
