//! Commission expenses (EXP-1/2): facts over a period, within what the caller may see.

use super::Store;
use crate::domain::auth::SourceScope;
use crate::domain::expenses::ExpenseFact;
use crate::error::Result;
use chrono::{DateTime, Utc};
use entity::{expense, source};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;

impl Store {
    pub async fn expense_facts(
        &self,
        scope: &SourceScope,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<ExpenseFact>> {
        let mut q = expense::Entity::find()
            .filter(expense::Column::CreatedAt.gte(from))
            .filter(expense::Column::CreatedAt.lt(to));
        if let SourceScope::Only(ids) = scope {
            if ids.is_empty() {
                return Ok(vec![]);
            }
            q = q.filter(expense::Column::SourceId.is_in(ids.iter().map(|s| s.0)));
        }
        let rows = q.all(&self.db).await?;
        let mut source_ids: Vec<i64> = rows.iter().map(|r| r.source_id).collect();
        source_ids.sort_unstable();
        source_ids.dedup();
        let sources: HashMap<i64, source::Model> = source::Entity::find()
            .filter(source::Column::Id.is_in(source_ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        Ok(rows
            .into_iter()
            .map(|r| {
                let src = sources.get(&r.source_id);
                ExpenseFact {
                    amount: r.amount,
                    currency: r.currency,
                    expense_type: r.expense_type,
                    source_name: src.map(|s| s.name.clone()).unwrap_or_default(),
                    platform: src.map(|s| s.platform.clone()).unwrap_or_default(),
                    created_at: r.created_at,
                }
            })
            .collect())
    }
}
