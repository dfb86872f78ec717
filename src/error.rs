//! The one error type of the library, mapped once to a GraphQL `extensions.code` and an HTTP status.

use chrono::{DateTime, Utc};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("authentication required: send `Authorization: Bearer <token>`")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{field}: {message}")]
    BadInput { field: String, message: String },
    #[error("{message}")]
    RateLimited {
        message: String,
        retry_at: Option<DateTime<Utc>>,
    },
    #[error("{platform} answered: {message}")]
    Platform { platform: String, message: String },
    #[error("{0}")]
    Conflict(String),
    /// The message is for logs only; callers see a generic text (no SQL, no secrets leak out).
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn bad_input(field: &str, message: impl Into<String>) -> Error {
        Error::BadInput {
            field: field.to_string(),
            message: message.into(),
        }
    }

    pub fn not_found(what: impl Into<String>) -> Error {
        Error::NotFound(what.into())
    }

    /// The stable machine-readable code of INTERFACE.md.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthenticated => "UNAUTHENTICATED",
            Error::Forbidden(_) => "FORBIDDEN",
            Error::NotFound(_) => "NOT_FOUND",
            Error::BadInput { .. } => "BAD_INPUT",
            Error::RateLimited { .. } => "RATE_LIMITED",
            Error::Platform { .. } => "PLATFORM_ERROR",
            Error::Conflict(_) => "CONFLICT",
            Error::Internal(_) => "INTERNAL",
        }
    }

    pub fn http_status(&self) -> u16 {
        match self {
            Error::Unauthenticated => 401,
            Error::Forbidden(_) => 403,
            Error::NotFound(_) => 404,
            Error::BadInput { .. } => 400,
            Error::RateLimited { .. } => 429,
            Error::Platform { .. } => 502,
            Error::Conflict(_) => 409,
            Error::Internal(_) => 500,
        }
    }

    /// What a user is shown.
    pub fn public_message(&self) -> String {
        match self {
            Error::Internal(_) => "internal error; the server log has details".to_string(),
            other => other.to_string(),
        }
    }
}

impl From<sea_orm::DbErr> for Error {
    fn from(e: sea_orm::DbErr) -> Self {
        tracing::error!(error = %e, "database error");
        Error::Internal(e.to_string())
    }
}

impl From<sea_orm::TransactionError<Error>> for Error {
    fn from(e: sea_orm::TransactionError<Error>) -> Self {
        match e {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(inner) => inner,
        }
    }
}

impl From<crate::domain::order_edit::InputError> for Error {
    fn from(e: crate::domain::order_edit::InputError) -> Self {
        Error::BadInput {
            field: e.field,
            message: e.message,
        }
    }
}

impl From<crate::domain::InvalidId> for Error {
    fn from(e: crate::domain::InvalidId) -> Self {
        Error::bad_input("id", e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // covers: API-5
    #[test]
    fn internal_errors_do_not_leak_details() {
        let e = Error::Internal("relation \"orders\" does not exist; password=hunter2".into());
        assert_eq!(e.code(), "INTERNAL");
        assert!(!e.public_message().contains("hunter2"));
        let b = Error::bad_input("currency", "must be three letters");
        assert_eq!(b.code(), "BAD_INPUT");
        assert_eq!(b.public_message(), "currency: must be three letters");
    }
}
