//! What an event of an order's feed changed, field by field (SYNC-5): every change a sync (poll,
//! webhook, re-sync) applied, and every edit a person made here, is kept with its event as a list
//! of `{field, before, after}` (and the order line it concerns), so a screen can show "tracking
//! number: — → 20450000000001" without reading the message.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The names a change is filed under: the GraphQL fields of `Order` and `OrderItem` it changed.
pub mod field {
    pub const SOURCE_STATUS: &str = "sourceStatus";
    pub const STATUS: &str = "status";
    pub const TRACKING_NUMBER: &str = "trackingNumber";
    /// A line added (`before` null) or removed here (`after` null); the value is `2 × name`.
    pub const ITEMS: &str = "items";
    pub const QUANTITY: &str = "quantity";
    pub const PRICE: &str = "price";
    pub const NAME: &str = "name";
    pub const SKU: &str = "sku";
    pub const PRODUCT: &str = "productId";
    pub const REMOVED_ON_PLATFORM: &str = "removedOnPlatform";
    /// The order's buyer: `name, phone, e-mail` before and after.
    pub const CUSTOMER: &str = "customer";
    pub const DELIVERY: &str = "delivery";
    pub const TOTAL: &str = "total";
}

/// One field one event changed. `item_id` names the order line for a line's fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldChange {
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_id: Option<i64>,
}

impl FieldChange {
    pub fn new(field: &str, before: Option<String>, after: Option<String>) -> FieldChange {
        FieldChange {
            field: field.to_string(),
            before,
            after,
            item_id: None,
        }
    }

    /// A change of one order line's field.
    pub fn of_item(
        item_id: i64,
        field: &str,
        before: Option<String>,
        after: Option<String>,
    ) -> FieldChange {
        FieldChange {
            item_id: Some(item_id),
            ..FieldChange::new(field, before, after)
        }
    }
}

/// The key of an event's `data` the changes are kept under.
const KEY: &str = "changes";

/// An event's `data` holding `changes` (and nothing else).
pub fn event_data(changes: &[FieldChange]) -> serde_json::Value {
    serde_json::json!({ KEY: changes })
}

/// The changes kept in an event's `data`; none for an event without them.
pub fn changes_in(data: Option<&serde_json::Value>) -> Vec<FieldChange> {
    data.and_then(|d| d.get(KEY))
        .and_then(|c| serde_json::from_value(c.clone()).ok())
        .unwrap_or_default()
}

/// A quantity as the API shows one: whole pieces without decimals (`2`, not `2.0000`).
pub fn quantity_text(q: Decimal) -> String {
    q.normalize().to_string()
}

/// An order line in a change: `2 × Чайник`.
pub fn line_text(quantity: Decimal, name: &str) -> String {
    format!("{} × {name}", quantity_text(quantity))
}

#[cfg(test)]
mod tests {
    use super::*;

    // covers: SYNC-5
    #[test]
    fn changes_round_trip_through_event_data() {
        let changes = vec![
            FieldChange::new(field::SOURCE_STATUS, Some("1".into()), Some("26".into())),
            FieldChange::of_item(7, field::QUANTITY, Some("1".into()), Some("2".into())),
        ];
        let data = event_data(&changes);
        assert_eq!(
            data,
            serde_json::json!({"changes": [
                {"field": "sourceStatus", "before": "1", "after": "26"},
                {"field": "quantity", "before": "1", "after": "2", "itemId": 7}
            ]})
        );
        assert_eq!(changes_in(Some(&data)), changes);
        assert_eq!(changes_in(None), vec![]);
        assert_eq!(
            changes_in(Some(&serde_json::json!({"statusId": 3}))),
            vec![]
        );
        assert_eq!(line_text(Decimal::new(20000, 4), "Чайник"), "2 × Чайник");
    }
}
