//! Token lifecycle (issue 16): rotating and revoking a user's bearer token, deleting a user.
//! Admins manage everyone's; any user may rotate their own (a leaked token is replaced without
//! waiting for an admin). Revoking and deleting are for admins, and never remove the last admin
//! who can still sign in (CONFLICT).

use super::guards::{admin, parse_id, principal, state, GqlResult};
use super::types::User;
use crate::domain::UserId;
use crate::Error;
use async_graphql::{Context, ErrorExtensions, Object, SimpleObject, ID};

#[derive(SimpleObject)]
pub struct RotatedToken {
    pub user: User,
    /// The new bearer token, shown this once; only its hash is stored.
    pub token: String,
}

#[derive(Default)]
pub struct TokenMutation;

#[Object]
impl TokenMutation {
    /// A new token for the user; their old one stops working at once. Admins rotate anyone's,
    /// other users only their own (`userId` = `me.id`).
    async fn rotate_token(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
    ) -> async_graphql::Result<RotatedToken> {
        let p = principal(ctx)?;
        let user_id: UserId = parse_id("userId", &user_id)?;
        if !p.admin && p.user_id != user_id {
            return Err(
                Error::Forbidden("only an admin rotates another user's token".into()).extend(),
            );
        }
        let (row, token) = state(ctx).store.rotate_token(user_id).await.gql()?;
        Ok(RotatedToken {
            user: User(row),
            token,
        })
    }

    /// Leaves the user with no valid token (admins only); `rotateToken` gives them a new one.
    /// Refused (CONFLICT) for the last admin with a valid token.
    async fn revoke_token(&self, ctx: &Context<'_>, user_id: ID) -> async_graphql::Result<User> {
        admin(ctx)?;
        let user_id: UserId = parse_id("userId", &user_id)?;
        Ok(User(state(ctx).store.revoke_token(user_id).await.gql()?))
    }

    /// Deletes a user with their source grants (admins only); orders they managed keep no
    /// manager. Returns the deleted user's id. Refused (CONFLICT) for the last admin with a valid
    /// token.
    async fn delete_user(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<ID> {
        admin(ctx)?;
        let user_id: UserId = parse_id("id", &id)?;
        state(ctx).store.delete_user(user_id).await.gql()?;
        Ok(ID(user_id.0.to_string()))
    }
}
