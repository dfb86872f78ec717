//! Users, their bearer tokens (stored hashed; made, rotated, revoked, last use noted) and their
//! per-source access (API-3).

use super::{now, rows::UserRow, Store};
use crate::domain::auth::{generate_token, hash_token, Principal};
use crate::domain::{SourceId, UserId};
use crate::error::{Error, Result};
use chrono::{DateTime, Utc};
use entity::{source, user, user_source};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

impl Store {
    /// One statement: the user behind a token, with the sources granted to them.
    pub async fn principal_by_token(&self, token: &str) -> Result<Option<Principal>> {
        let stmt = Query::select()
            .column((user::Entity, user::Column::Id))
            .column((user::Entity, user::Column::Name))
            .column((user::Entity, user::Column::Admin))
            .column((user::Entity, user::Column::TokenLastUsedAt))
            .column((user_source::Entity, user_source::Column::SourceId))
            .from(user::Entity)
            .left_join(
                user_source::Entity,
                Expr::col((user_source::Entity, user_source::Column::UserId))
                    .equals((user::Entity, user::Column::Id)),
            )
            .and_where(Expr::col((user::Entity, user::Column::TokenHash)).eq(hash_token(token)))
            .to_owned();
        let rows = self.db.query_all(&stmt).await?;
        let mut principal: Option<Principal> = None;
        let mut last_used: Option<DateTime<Utc>> = None;
        for row in rows {
            let p = match &mut principal {
                Some(p) => p,
                None => {
                    last_used = row.try_get("", "token_last_used_at")?;
                    principal.insert(Principal {
                        user_id: UserId(row.try_get("", "id")?),
                        name: row.try_get("", "name")?,
                        admin: row.try_get("", "admin")?,
                        granted: Default::default(),
                    })
                }
            };
            if let Some(sid) = row.try_get::<Option<i64>>("", "source_id")? {
                p.granted.insert(SourceId(sid));
            }
        }
        if let Some(p) = &principal {
            let at = now();
            if last_used_is_stale(last_used, at) {
                // a failed note of use must not refuse the request it belongs to
                if let Err(e) = self.note_token_use(p.user_id, at).await {
                    tracing::warn!(user_id = p.user_id.0, error = %e, "could not note a token's use");
                }
            }
        }
        Ok(principal)
    }

    /// Writes when a token was last used. Conditional, so requests arriving together write once.
    async fn note_token_use(&self, user_id: UserId, at: DateTime<Utc>) -> Result<()> {
        let stale_before =
            at - chrono::Duration::from_std(TOKEN_USE_RESOLUTION).unwrap_or_default();
        user::Entity::update_many()
            .col_expr(user::Column::TokenLastUsedAt, Expr::value(at))
            .filter(user::Column::Id.eq(user_id.0))
            .filter(
                Condition::any()
                    .add(user::Column::TokenLastUsedAt.is_null())
                    .add(user::Column::TokenLastUsedAt.lt(stale_before)),
            )
            .exec(&self.writer)
            .await?;
        Ok(())
    }

    /// Creates a user and returns the token, which exists only in this answer (stored hashed).
    pub async fn create_user(
        &self,
        name: &str,
        admin: bool,
        sources: &[SourceId],
    ) -> Result<(UserRow, String)> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::bad_input("name", "must not be empty"));
        }
        self.check_sources_exist(sources).await?;
        let token = generate_token();
        let txn = self.write_txn().await?;
        let row = user::ActiveModel {
            name: Set(name.to_string()),
            admin: Set(admin),
            token_hash: Set(hash_token(&token)),
            created_at: Set(now()),
            token_created_at: Set(Some(now())),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        replace_grants(&txn, UserId(row.id), sources).await?;
        txn.commit().await?;
        self.auth_changed();
        Ok((row, token))
    }

    /// Makes sure a bootstrap admin exists. With a configured token, that token becomes the one
    /// valid token of the bootstrap admin (a changed value replaces the old one); without one, the
    /// first start creates an admin and returns its token to print once.
    pub async fn ensure_admin(&self, configured: Option<&str>) -> Result<Option<String>> {
        let Some(token) = configured else {
            let admins = user::Entity::find()
                .filter(user::Column::Admin.eq(true))
                .count(&self.db)
                .await?;
            if admins > 0 {
                return Ok(None);
            }
            let token = generate_token();
            let txn = self.write_txn().await?;
            insert_bootstrap_admin(&txn, &token).await?;
            txn.commit().await?;
            self.auth_changed();
            return Ok(Some(token));
        };
        let hash = hash_token(token);
        let txn = self.write_txn().await?;
        let holder = user::Entity::find()
            .filter(user::Column::TokenHash.eq(hash.clone()))
            .one(&txn)
            .await?;
        let bootstrap = user::Entity::find()
            .filter(user::Column::Bootstrap.eq(true))
            .order_by_asc(user::Column::Id)
            .all(&txn)
            .await?;
        match holder {
            Some(h) => {
                // the configured token is someone's already: that user becomes the bootstrap
                // admin, and an earlier bootstrap admin keeps no token of the old value
                for b in bootstrap.into_iter().filter(|b| b.id != h.id) {
                    let mut am: user::ActiveModel = b.into();
                    am.bootstrap = Set(false);
                    set_revoked(&mut am);
                    am.update(&txn).await?;
                }
                if !(h.admin && h.bootstrap) {
                    let mut am: user::ActiveModel = h.into();
                    am.admin = Set(true);
                    am.bootstrap = Set(true);
                    am.update(&txn).await?;
                }
            }
            None => {
                let mut bootstrap = bootstrap.into_iter();
                match bootstrap.next() {
                    Some(b) => {
                        let mut am: user::ActiveModel = b.into();
                        am.admin = Set(true);
                        am.token_hash = Set(hash);
                        am.token_created_at = Set(Some(now()));
                        am.token_last_used_at = Set(None);
                        am.update(&txn).await?;
                    }
                    None => {
                        insert_bootstrap_admin(&txn, token).await?;
                    }
                }
                for b in bootstrap {
                    let mut am: user::ActiveModel = b.into();
                    am.bootstrap = Set(false);
                    am.update(&txn).await?;
                }
            }
        }
        txn.commit().await?;
        self.auth_changed();
        Ok(None)
    }

    /// A new token for `user_id`, returned this once; the old one stops working with the commit.
    pub async fn rotate_token(&self, user_id: UserId) -> Result<(UserRow, String)> {
        let token = generate_token();
        let txn = self.write_txn().await?;
        let user = user::Entity::find_by_id(user_id.0)
            .one(&txn)
            .await?
            .ok_or_else(|| Error::not_found("user"))?;
        let mut am: user::ActiveModel = user.into();
        am.token_hash = Set(hash_token(&token));
        am.token_created_at = Set(Some(now()));
        am.token_last_used_at = Set(None);
        let row = am.update(&txn).await?;
        txn.commit().await?;
        self.auth_changed();
        Ok((row, token))
    }

    /// Leaves `user_id` with no valid token. Refused for the last admin holding one: nobody could
    /// manage users any more.
    pub async fn revoke_token(&self, user_id: UserId) -> Result<UserRow> {
        let txn = self.write_txn().await?;
        let admins = self.lock_admins(&txn).await?;
        let user = user::Entity::find_by_id(user_id.0)
            .one(&txn)
            .await?
            .ok_or_else(|| Error::not_found("user"))?;
        let others_with_token = admins
            .iter()
            .filter(|a| a.id != user.id && has_token(a))
            .count();
        if user.admin && has_token(&user) && others_with_token == 0 {
            return Err(Error::Conflict(
                "this is the last admin with a valid token: create or rotate another admin's \
                 token first, or nobody could sign in to manage users"
                    .into(),
            ));
        }
        let mut am: user::ActiveModel = user.into();
        set_revoked(&mut am);
        let row = am.update(&txn).await?;
        txn.commit().await?;
        self.auth_changed();
        Ok(row)
    }

    /// Deletes a user with their grants; orders they managed keep no manager. Refused for the
    /// last admin.
    pub async fn delete_user(&self, user_id: UserId) -> Result<()> {
        let txn = self.write_txn().await?;
        let admins = self.lock_admins(&txn).await?;
        let user = user::Entity::find_by_id(user_id.0)
            .one(&txn)
            .await?
            .ok_or_else(|| Error::not_found("user"))?;
        if user.admin && !admins.iter().any(|a| a.id != user.id && has_token(a)) {
            return Err(Error::Conflict(
                "this is the last admin (with a valid token): make another admin first, or \
                 nobody could manage users any more"
                    .into(),
            ));
        }
        user::Entity::delete_by_id(user.id).exec(&txn).await?;
        txn.commit().await?;
        self.auth_changed();
        Ok(())
    }

    /// The admins, locked until `txn` ends on PostgreSQL (SQLite's write transaction already
    /// excludes other writers), so two admins removing each other cannot both succeed.
    async fn lock_admins(&self, txn: &sea_orm::DatabaseTransaction) -> Result<Vec<UserRow>> {
        let mut q = user::Entity::find().filter(user::Column::Admin.eq(true));
        if self.backend() == sea_orm::DbBackend::Postgres {
            q = q.lock_exclusive();
        }
        Ok(q.all(txn).await?)
    }

    pub async fn set_user_sources(&self, user_id: UserId, sources: &[SourceId]) -> Result<UserRow> {
        let user = self
            .user(user_id)
            .await?
            .ok_or_else(|| Error::not_found("user"))?;
        self.check_sources_exist(sources).await?;
        let txn = self.write_txn().await?;
        replace_grants(&txn, user_id, sources).await?;
        txn.commit().await?;
        self.auth_changed();
        Ok(user)
    }

    pub async fn user(&self, id: UserId) -> Result<Option<UserRow>> {
        Ok(user::Entity::find_by_id(id.0).one(&self.db).await?)
    }

    pub async fn users(&self) -> Result<Vec<UserRow>> {
        Ok(user::Entity::find()
            .order_by_asc(user::Column::Id)
            .all(&self.db)
            .await?)
    }

    async fn check_sources_exist(&self, sources: &[SourceId]) -> Result<()> {
        if sources.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = sources.iter().map(|s| s.0).collect();
        let found = source::Entity::find()
            .filter(source::Column::Id.is_in(ids.clone()))
            .filter(source::Column::DeletedAt.is_null())
            .count(&self.db)
            .await?;
        let unique: std::collections::HashSet<_> = ids.into_iter().collect();
        if found as usize != unique.len() {
            return Err(Error::bad_input(
                "sourceIds",
                "one or more sources do not exist",
            ));
        }
        Ok(())
    }
}

/// The prefix of a revoked token's stored hash; hex SHA-256 never has it.
const REVOKED: &str = "revoked:";

fn has_token(u: &UserRow) -> bool {
    !u.token_hash.starts_with(REVOKED)
}

/// No token matches the stored value any more; random so the unique index holds.
fn set_revoked(am: &mut user::ActiveModel) {
    am.token_hash = Set(format!("{REVOKED}{}", hash_token(&generate_token())));
    am.token_created_at = Set(None);
    am.token_last_used_at = Set(None);
}

/// How finely the last use of a token is kept: one write a minute per user at most, not one
/// per request.
pub const TOKEN_USE_RESOLUTION: std::time::Duration = std::time::Duration::from_secs(60);

fn last_used_is_stale(last_used: Option<DateTime<Utc>>, at: DateTime<Utc>) -> bool {
    last_used.is_none_or(|t| {
        at.signed_duration_since(t).to_std().unwrap_or_default() >= TOKEN_USE_RESOLUTION
    })
}

async fn insert_bootstrap_admin<C: ConnectionTrait>(db: &C, token: &str) -> Result<UserRow> {
    Ok(user::ActiveModel {
        name: Set("admin".into()),
        admin: Set(true),
        bootstrap: Set(true),
        token_hash: Set(hash_token(token)),
        created_at: Set(now()),
        token_created_at: Set(Some(now())),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

async fn replace_grants<C: ConnectionTrait>(
    db: &C,
    user_id: UserId,
    sources: &[SourceId],
) -> Result<()> {
    user_source::Entity::delete_many()
        .filter(user_source::Column::UserId.eq(user_id.0))
        .exec(db)
        .await?;
    let mut unique: Vec<i64> = sources.iter().map(|s| s.0).collect();
    unique.sort_unstable();
    unique.dedup();
    if unique.is_empty() {
        return Ok(());
    }
    user_source::Entity::insert_many(unique.into_iter().map(|sid| user_source::ActiveModel {
        user_id: Set(user_id.0),
        source_id: Set(sid),
    }))
    .exec(db)
    .await?;
    Ok(())
}
