//! Which platform account each source is connected to (issue 19): a keyed hash per source, so a
//! second source of the same account is found by an indexed lookup without any credentials
//! being decrypted or compared in clear.

use super::{rows::SourceRow, Store};
use crate::domain::{Platform, SourceId};
use crate::error::Result;
use entity::{source, source_account};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};

impl Store {
    /// The first source (not deleted, other than `except`) connected to the account of this
    /// key on this platform.
    pub async fn source_of_account(
        &self,
        platform: Platform,
        account_key: &str,
        except: Option<SourceId>,
    ) -> Result<Option<SourceRow>> {
        let holders: Vec<i64> = source_account::Entity::find()
            .filter(source_account::Column::Platform.eq(platform.as_str()))
            .filter(source_account::Column::AccountKey.eq(account_key))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| a.source_id)
            .filter(|id| Some(SourceId(*id)) != except)
            .collect();
        if holders.is_empty() {
            return Ok(None);
        }
        Ok(source::Entity::find()
            .filter(source::Column::Id.is_in(holders))
            .filter(source::Column::DeletedAt.is_null())
            .order_by_asc(source::Column::Id)
            .one(&self.db)
            .await?)
    }

    /// The account key recorded for a source, if any.
    pub async fn account_of_source(&self, source_id: SourceId) -> Result<Option<String>> {
        Ok(source_account::Entity::find_by_id(source_id.0)
            .one(&self.db)
            .await?
            .map(|a| a.account_key))
    }

    /// Records (or replaces) the account key of a source.
    pub async fn set_source_account(
        &self,
        source_id: SourceId,
        platform: Platform,
        account_key: &str,
    ) -> Result<()> {
        source_account::Entity::insert(source_account::ActiveModel {
            source_id: Set(source_id.0),
            platform: Set(platform.as_str().to_string()),
            account_key: Set(account_key.to_string()),
        })
        .on_conflict(
            OnConflict::column(source_account::Column::SourceId)
                .update_columns([
                    source_account::Column::Platform,
                    source_account::Column::AccountKey,
                ])
                .to_owned(),
        )
        .exec_without_returning(&self.writer)
        .await?;
        Ok(())
    }

    /// Sources (not deleted) whose account key is not recorded yet: those stored before keys
    /// were, or whose key's write was lost.
    pub async fn sources_without_account(&self) -> Result<Vec<SourceRow>> {
        Ok(source::Entity::find()
            .filter(source::Column::DeletedAt.is_null())
            .filter(
                source::Column::Id.not_in_subquery(
                    Query::select()
                        .column(source_account::Column::SourceId)
                        .from(source_account::Entity)
                        .to_owned(),
                ),
            )
            .order_by_asc(source::Column::Id)
            .all(&self.db)
            .await?)
    }
}
