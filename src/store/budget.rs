//! The per-source budget of platform calls people ask for, kept in the database so that every
//! instance of a fleet spends the same one. One compare-and-set per call: the row is read, the
//! domain rule (`domain::budget`) decides, and the new value is written only if nobody wrote in
//! between; a lost race reads again.

use super::Store;
use crate::domain::budget::CallBudget;
use crate::domain::SourceId;
use crate::error::Result;
use chrono::{DateTime, Utc};
use entity::source_call_budget;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

/// Rounds of read-decide-write before a call is refused as if the budget were spent (only under
/// a storm of concurrent calls on one source).
const ATTEMPTS: usize = 8;

impl Store {
    /// Takes one call from the source's budget: `Ok(Ok(()))` when it may go to the platform,
    /// `Ok(Err(when))` when the budget is spent until `when`.
    pub async fn spend_platform_call(
        &self,
        source_id: SourceId,
        budget: &CallBudget,
    ) -> Result<Result<(), DateTime<Utc>>> {
        let mut retry_at = Utc::now();
        for _ in 0..ATTEMPTS {
            let now = Utc::now();
            let now_ms = now.timestamp_millis();
            let row = source_call_budget::Entity::find_by_id(source_id.0)
                .one(&self.writer)
                .await?;
            let tat = row.as_ref().map(|r| r.tat_ms);
            let next = match budget.admit(tat, now_ms) {
                Ok(next) => next,
                Err(at_ms) => {
                    return Ok(Err(DateTime::from_timestamp_millis(at_ms).unwrap_or(now)));
                }
            };
            let written = match tat {
                None => {
                    source_call_budget::Entity::insert(source_call_budget::ActiveModel {
                        source_id: Set(source_id.0),
                        tat_ms: Set(next),
                    })
                    .on_conflict(
                        OnConflict::column(source_call_budget::Column::SourceId)
                            .do_nothing()
                            .to_owned(),
                    )
                    .exec_without_returning(&self.writer)
                    .await?
                }
                Some(old) => {
                    source_call_budget::Entity::update_many()
                        .col_expr(source_call_budget::Column::TatMs, Expr::value(next))
                        .filter(source_call_budget::Column::SourceId.eq(source_id.0))
                        .filter(source_call_budget::Column::TatMs.eq(old))
                        .exec(&self.writer)
                        .await?
                        .rows_affected
                }
            };
            if written == 1 {
                return Ok(Ok(()));
            }
            retry_at = now + chrono::Duration::seconds(1);
        }
        Ok(Err(retry_at))
    }
}
