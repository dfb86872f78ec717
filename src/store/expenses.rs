//! Commission expenses (EXP-1/2): totals (and facts) over a period, within what the caller may
//! see.

use super::Store;
use crate::domain::auth::SourceScope;
use crate::domain::expenses::{ExpenseFact, ExpenseGrouping, ExpenseRow};
use crate::error::Result;
use chrono::{DateTime, Utc};
use entity::{expense, source};
use rust_decimal::Decimal;
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

impl Store {
    /// Commission expenses over `[from, to)` summed per group key and currency by the database
    /// (EXP-2): one row per group comes back, never one per expense. The same answers as
    /// [`crate::domain::expenses::group_expenses`] over [`Store::expense_facts`], in its order
    /// (by key, then currency).
    pub async fn expense_totals(
        &self,
        scope: &SourceScope,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        by: ExpenseGrouping,
    ) -> Result<Vec<ExpenseRow>> {
        use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, JoinType, Query, SimpleExpr};
        use sea_orm::{ConnectionTrait, DatabaseBackend};
        let backend = self.db.get_database_backend();
        let created = || Expr::col((expense::Entity, expense::Column::CreatedAt));
        // the day or month of an instant in UTC: PostgreSQL formats its timestamptz; SQLite keeps
        // the instant as RFC 3339 text in UTC, whose first characters are the date
        let date = |chars: i64, pattern: &str| -> SimpleExpr {
            match backend {
                DatabaseBackend::Postgres => Expr::cust_with_exprs(
                    format!("to_char($1 AT TIME ZONE 'UTC', '{pattern}')"),
                    [created()],
                ),
                // SQLite's placeholders are `?`
                _ => Expr::cust_with_exprs(format!("substr(?, 1, {chars})"), [created()]),
            }
        };
        let key: SimpleExpr = match by {
            ExpenseGrouping::Source => Func::coalesce([
                Expr::col((source::Entity, source::Column::Name)),
                Expr::val(""),
            ])
            .into(),
            ExpenseGrouping::Platform => Func::coalesce([
                Expr::col((source::Entity, source::Column::Platform)),
                Expr::val(""),
            ])
            .into(),
            ExpenseGrouping::ExpenseType => {
                Expr::col((expense::Entity, expense::Column::ExpenseType))
            }
            ExpenseGrouping::Day => date(10, "YYYY-MM-DD"),
            ExpenseGrouping::Month => date(7, "YYYY-MM"),
        };
        let amount = Expr::col((expense::Entity, expense::Column::Amount));
        // PostgreSQL sums its numeric exactly; SQLite holds amounts as floating point, so it sums
        // whole ten-thousandths (the column's scale) to stay exact
        let sum: SimpleExpr = match backend {
            DatabaseBackend::Postgres => amount.sum(),
            _ => Expr::cust_with_exprs("SUM(CAST(ROUND(? * 10000) AS INTEGER))", [amount]),
        };
        let mut q = Query::select();
        q.expr_as(key, Alias::new("key"))
            .expr_as(
                Expr::col((expense::Entity, expense::Column::Currency)),
                Alias::new("currency"),
            )
            .expr_as(sum, Alias::new("amount"))
            .expr_as(Expr::cust("COUNT(*)"), Alias::new("count"))
            .from(expense::Entity)
            .join(
                JoinType::LeftJoin,
                source::Entity,
                Expr::col((source::Entity, source::Column::Id))
                    .equals((expense::Entity, expense::Column::SourceId)),
            )
            .and_where(created().gte(from))
            .and_where(created().lt(to))
            // by position: the key's expression carries bound values, which the database cannot
            // match between the select list and a repeated GROUP BY expression
            .add_group_by([Expr::cust("1"), Expr::cust("2")]);
        if let SourceScope::Only(ids) = scope {
            if ids.is_empty() {
                return Ok(vec![]);
            }
            q.and_where(
                Expr::col((expense::Entity, expense::Column::SourceId))
                    .is_in(ids.iter().map(|s| s.0)),
            );
        }
        let rows = self.db.query_all(&q).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let amount = match backend {
                DatabaseBackend::Postgres => r.try_get::<Decimal>("", "amount")?,
                _ => Decimal::new(r.try_get::<i64>("", "amount")?, 4),
            };
            out.push(ExpenseRow {
                key: r.try_get("", "key")?,
                currency: r.try_get("", "currency")?,
                amount,
                count: r.try_get("", "count")?,
            });
        }
        // byte order of (key, currency), whatever the database's collation
        out.sort_by(|a, b| (&a.key, &a.currency).cmp(&(&b.key, &b.currency)));
        Ok(out)
    }
}
