//! Our order statuses: seeded defaults in the six groups, editable by admins.

use super::{now, rows::StatusRow, Store};
use crate::domain::status::DEFAULT_STATUSES;
use crate::domain::{StatusGroup, StatusId};
use crate::error::{Error, Result};
use entity::{order, status};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};

/// Inserts the default statuses that are missing. Safe when several instances start at once:
/// the unique `system_key` lets only one insert win.
pub(crate) async fn seed_defaults<C: ConnectionTrait>(db: &C) -> Result<()> {
    let existing = status::Entity::find()
        .filter(status::Column::SystemKey.is_not_null())
        .count(db)
        .await?;
    if existing as usize >= DEFAULT_STATUSES.len() {
        return Ok(());
    }
    for (i, d) in DEFAULT_STATUSES.iter().enumerate() {
        status::Entity::insert(status::ActiveModel {
            name: Set(d.name.to_string()),
            status_group: Set(d.group.as_str().to_string()),
            position: Set(i as i32 * 10),
            system_key: Set(Some(d.key.to_string())),
            created_at: Set(now()),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::column(status::Column::SystemKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

impl Store {
    pub async fn statuses(&self) -> Result<Vec<StatusRow>> {
        Ok(status::Entity::find()
            .order_by_asc(status::Column::Position)
            .order_by_asc(status::Column::Id)
            .all(&self.db)
            .await?)
    }

    pub async fn status(&self, id: StatusId) -> Result<Option<StatusRow>> {
        Ok(status::Entity::find_by_id(id.0).one(&self.db).await?)
    }

    pub async fn status_by_key(&self, key: &str) -> Result<Option<StatusRow>> {
        Ok(status::Entity::find()
            .filter(status::Column::SystemKey.eq(key))
            .one(&self.db)
            .await?)
    }

    pub async fn create_status(&self, name: &str, group: StatusGroup) -> Result<StatusRow> {
        let name = checked_name(name)?;
        let position = status::Entity::find().count(&self.db).await? as i32 * 10 + 10;
        Ok(status::ActiveModel {
            name: Set(name),
            status_group: Set(group.as_str().to_string()),
            position: Set(position),
            system_key: Set(None),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(&self.writer)
        .await?)
    }

    pub async fn update_status(
        &self,
        id: StatusId,
        name: Option<&str>,
        group: Option<StatusGroup>,
        position: Option<i32>,
    ) -> Result<StatusRow> {
        let row = self
            .status(id)
            .await?
            .ok_or_else(|| Error::not_found("status"))?;
        let mut am: status::ActiveModel = row.into();
        if let Some(n) = name {
            am.name = Set(checked_name(n)?);
        }
        if let Some(g) = group {
            am.status_group = Set(g.as_str().to_string());
        }
        if let Some(p) = position {
            am.position = Set(p);
        }
        Ok(am.update(&self.writer).await?)
    }

    /// A status in use by orders, or a seeded default, cannot be deleted.
    pub async fn delete_status(&self, id: StatusId) -> Result<()> {
        let row = self
            .status(id)
            .await?
            .ok_or_else(|| Error::not_found("status"))?;
        if row.system_key.is_some() {
            return Err(Error::Conflict(
                "a default status can be renamed but not deleted".into(),
            ));
        }
        let used = order::Entity::find()
            .filter(order::Column::StatusId.eq(id.0))
            .count(&self.db)
            .await?;
        if used > 0 {
            return Err(Error::Conflict(format!(
                "{used} orders have this status; move them first"
            )));
        }
        status::Entity::delete_by_id(id.0)
            .exec(&self.writer)
            .await?;
        Ok(())
    }
}

fn checked_name(name: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::bad_input("name", "must be 1 to 100 characters"));
    }
    Ok(name.to_string())
}
