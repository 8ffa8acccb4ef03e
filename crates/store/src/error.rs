/// What can go wrong in a store. Messages are lowercase and say what to do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0} already exists")]
    Conflict(String),
    #[error("{0}")]
    Invalid(String),
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("the database schema is at version {found}, newer than this binary knows ({known}); run a newer tearline")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("storage failure: {0}")]
    Internal(String),
}

pub type StoreResult<T> = Result<T, StoreError>;
