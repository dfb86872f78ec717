//! Users, their bearer tokens (stored hashed) and their per-source access (API-3).

use super::{now, rows::UserRow, Store};
use crate::domain::auth::{generate_token, hash_token, Principal};
use crate::domain::{SourceId, UserId};
use crate::error::{Error, Result};
use entity::{source, user, user_source};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

impl Store {
    /// One statement: the user behind a token, with the sources granted to them.
    pub async fn principal_by_token(&self, token: &str) -> Result<Option<Principal>> {
        let stmt = Query::select()
            .column((user::Entity, user::Column::Id))
            .column((user::Entity, user::Column::Name))
            .column((user::Entity, user::Column::Admin))
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
        for row in rows {
            let p = match &mut principal {
                Some(p) => p,
                None => principal.insert(Principal {
                    user_id: UserId(row.try_get("", "id")?),
                    name: row.try_get("", "name")?,
                    admin: row.try_get("", "admin")?,
                    granted: Default::default(),
                }),
            };
            if let Some(sid) = row.try_get::<Option<i64>>("", "source_id")? {
                p.granted.insert(SourceId(sid));
            }
        }
        Ok(principal)
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
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        replace_grants(&txn, UserId(row.id), sources).await?;
        txn.commit().await?;
        Ok((row, token))
    }

    /// Makes sure a bootstrap admin exists. With a configured token, that token is (re)bound to an
    /// admin; without one, the first start creates an admin and returns its token to print once.
    pub async fn ensure_admin(&self, configured: Option<&str>) -> Result<Option<String>> {
        if let Some(token) = configured {
            let hash = hash_token(token);
            let existing = user::Entity::find()
                .filter(user::Column::TokenHash.eq(hash.clone()))
                .one(&self.db)
                .await?;
            match existing {
                Some(u) if u.admin => {}
                Some(u) => {
                    let mut am: user::ActiveModel = u.into();
                    am.admin = Set(true);
                    am.update(&self.writer).await?;
                }
                None => {
                    user::ActiveModel {
                        name: Set("admin".into()),
                        admin: Set(true),
                        token_hash: Set(hash),
                        created_at: Set(now()),
                        ..Default::default()
                    }
                    .insert(&self.writer)
                    .await?;
                }
            }
            return Ok(None);
        }
        let admins = user::Entity::find()
            .filter(user::Column::Admin.eq(true))
            .count(&self.db)
            .await?;
        if admins > 0 {
            return Ok(None);
        }
        let (_, token) = self.create_user("admin", true, &[]).await?;
        Ok(Some(token))
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
