//! Commission expenses analytics (EXP-2): grouping done in plain Rust so it is the same on SQLite
//! and PostgreSQL and testable without a database.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpenseGrouping {
    Source,
    Platform,
    ExpenseType,
    Day,
    Month,
}

/// One expense, with what it can be grouped by.
#[derive(Clone, Debug)]
pub struct ExpenseFact {
    pub amount: Decimal,
    pub currency: String,
    pub expense_type: String,
    pub source_name: String,
    pub platform: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpenseRow {
    pub key: String,
    pub amount: Decimal,
    pub currency: String,
    pub count: i64,
}

/// Sums per group key and currency (amounts in different currencies are never added together).
pub fn group_expenses(facts: &[ExpenseFact], by: ExpenseGrouping) -> Vec<ExpenseRow> {
    let mut sums: BTreeMap<(String, String), (Decimal, i64)> = BTreeMap::new();
    for f in facts {
        let key = match by {
            ExpenseGrouping::Source => f.source_name.clone(),
            ExpenseGrouping::Platform => f.platform.clone(),
            ExpenseGrouping::ExpenseType => f.expense_type.clone(),
            ExpenseGrouping::Day => f.created_at.format("%Y-%m-%d").to_string(),
            ExpenseGrouping::Month => f.created_at.format("%Y-%m").to_string(),
        };
        let e = sums.entry((key, f.currency.clone())).or_default();
        // a report over stored amounts: a total past `Decimal`'s range shows as the largest amount
        // rather than failing the page; the count is bounded by the number of facts
        e.0 = e.0.saturating_add(f.amount);
        e.1 = e.1.saturating_add(1);
    }
    sums.into_iter()
        .map(|((key, currency), (amount, count))| ExpenseRow {
            key,
            amount,
            currency,
            count,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use std::str::FromStr;

    fn fact(amount: &str, source: &str, platform: &str, day: u32, currency: &str) -> ExpenseFact {
        ExpenseFact {
            amount: Decimal::from_str(amount).unwrap(),
            currency: currency.into(),
            expense_type: "commission".into(),
            source_name: source.into(),
            platform: platform.into(),
            created_at: Utc.with_ymd_and_hms(2026, 10, day, 12, 0, 0).unwrap(),
        }
    }

    // covers: EXP-2
    #[test]
    fn groups_by_platform_and_day_without_mixing_currencies() {
        let facts = [
            fact("10.50", "Rozetka A", "rozetka", 1, "UAH"),
            fact("4.50", "Rozetka B", "rozetka", 2, "UAH"),
            fact("7", "Prom", "prom", 2, "UAH"),
            fact("3", "Allegro-like", "prom", 2, "PLN"),
        ];
        let by_platform = group_expenses(&facts, ExpenseGrouping::Platform);
        assert_eq!(
            by_platform,
            vec![
                ExpenseRow {
                    key: "prom".into(),
                    amount: Decimal::from(3),
                    currency: "PLN".into(),
                    count: 1
                },
                ExpenseRow {
                    key: "prom".into(),
                    amount: Decimal::from(7),
                    currency: "UAH".into(),
                    count: 1
                },
                ExpenseRow {
                    key: "rozetka".into(),
                    amount: Decimal::from(15),
                    currency: "UAH".into(),
                    count: 2
                },
            ]
        );
        let by_day = group_expenses(&facts, ExpenseGrouping::Day);
        assert_eq!(by_day.len(), 3);
        assert_eq!(by_day[0].key, "2026-10-01");
        let by_month = group_expenses(&facts, ExpenseGrouping::Month);
        assert_eq!(by_month.iter().map(|r| r.count).sum::<i64>(), 4);
    }
}
