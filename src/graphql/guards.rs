//! Authorization helpers and the one mapping of library errors to GraphQL errors (API-3, API-5).

use crate::domain::auth::Principal;
use crate::error::Error;
use async_graphql::{Context, ErrorExtensions};

impl ErrorExtensions for Error {
    fn extend(&self) -> async_graphql::Error {
        if let Error::Internal(detail) = self {
            tracing::error!(error = %detail, "internal error in a GraphQL resolver");
        }
        async_graphql::Error::new(self.public_message()).extend_with(|_, ext| {
            ext.set("code", self.code());
            match self {
                Error::BadInput { field, .. } => ext.set("field", field.as_str()),
                Error::RateLimited {
                    retry_at: Some(t), ..
                } => ext.set("retryAt", t.to_rfc3339()),
                Error::Platform { platform, .. } => ext.set("platform", platform.as_str()),
                _ => {}
            }
        })
    }
}

/// `.gql()` turns a library result into a GraphQL one, keeping the code.
pub trait GqlResult<T> {
    fn gql(self) -> async_graphql::Result<T>;
}

impl<T> GqlResult<T> for Result<T, Error> {
    fn gql(self) -> async_graphql::Result<T> {
        self.map_err(|e| e.extend())
    }
}

pub fn principal<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Principal> {
    ctx.data_opt::<Option<Principal>>()
        .and_then(|p| p.as_ref())
        .ok_or_else(|| Error::Unauthenticated.extend())
}

pub fn admin<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a Principal> {
    let p = principal(ctx)?;
    if p.admin {
        Ok(p)
    } else {
        Err(Error::Forbidden("this needs an admin user".into()).extend())
    }
}

pub fn state<'a>(ctx: &Context<'a>) -> &'a super::ApiState {
    ctx.data_unchecked::<super::ApiState>()
}

/// Parses a GraphQL ID into a typed id, naming the argument on failure; the id is shown cut to
/// 40 characters (ids are numbers, at most [`super::limits::MAX_ID_LEN`] characters).
pub fn parse_id<T: std::str::FromStr>(
    field: &str,
    id: &async_graphql::ID,
) -> async_graphql::Result<T> {
    let invalid = || {
        Error::bad_input(
            field,
            format!("`{}` is not a valid id", super::limits::shown(id.as_str())),
        )
        .extend()
    };
    if id.len() > super::limits::MAX_ID_LEN {
        return Err(invalid());
    }
    id.parse::<T>().map_err(|_| invalid())
}
