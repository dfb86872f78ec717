//! What a re-sync may change on a stored order (SYNC-1..3, SYNC-5, ST-2, TRK-4, DLV-1, WH-5):
//! the decision is pure; the store applies the changes and writes one event per change.

use super::orders::{Delivery, ImportedItem, ImportedOrder, StatusClass};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// The parts of a stored order a re-sync looks at.
#[derive(Clone, Debug, Default)]
pub struct StoredOrder {
    pub source_status: Option<String>,
    pub tracking_number: Option<String>,
    /// The number as the platform last showed it.
    pub platform_tracking_number: Option<String>,
    pub written_off: bool,
    /// Our status is already in the cancelled group.
    pub cancelled_here: bool,
    pub platform_updated_at: Option<DateTime<Utc>>,
    pub items: Vec<StoredItem>,
    pub delivery: Option<Delivery>,
    pub has_customer: bool,
}

#[derive(Clone, Debug, Default)]
pub struct StoredItem {
    pub id: i64,
    pub external_id: Option<String>,
    pub name: String,
    pub sku: Option<String>,
    pub quantity: Decimal,
    pub removed_on_platform: bool,
    /// Added here by a person: never a platform line (SYNC-2).
    pub added_here: bool,
    /// The quantity the platform last showed, when a person changed `quantity` here since.
    pub platform_quantity: Option<Decimal>,
    /// A platform line a person removed here (kept only as a [`RemovedLine`]): matched so that it
    /// is not added again, and nothing else (SYNC-2).
    pub removed_here: bool,
}

/// A platform line a person removed here, as much of it as a re-sync matches lines by (its
/// platform id, SKU and name). Kept with the order so that the line does not come back.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RemovedLine {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    pub name: String,
}

impl RemovedLine {
    /// The line as the merge matches it.
    pub fn as_stored(&self) -> StoredItem {
        StoredItem {
            external_id: self.external_id.clone(),
            name: self.name.clone(),
            sku: self.sku.clone(),
            removed_here: true,
            ..Default::default()
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    SourceStatus {
        from: Option<String>,
        to: Option<String>,
    },
    /// ST-2: a cancellation on the platform cancels the order here too.
    CancelHere,
    /// TRK-4: the platform shows a number it did not show before, and it is not ours.
    TrackingNumber { from: Option<String>, to: String },
    /// The platform now shows the number the order has here (sent from here, or set on both):
    /// remembered as the platform's, nothing else changes.
    PlatformTracking(String),
    /// SYNC-1: added on the platform; may be marked as upsell.
    ItemAdded(ImportedItem),
    /// SYNC-3: applied only until write-off; a quantity changed here stands until the platform
    /// changes its own (SYNC-2).
    Quantity {
        item_id: i64,
        name: String,
        from: Decimal,
        to: Decimal,
    },
    /// The platform now shows the quantity a person set here: remembered as the platform's,
    /// nothing else changes.
    PlatformQuantity { item_id: i64 },
    /// SYNC-2: removed on the platform, kept here.
    ItemRemoved { item_id: i64, name: String },
    /// DLV-1: a changed delivery writes a new comment.
    Delivery(Delivery),
    /// The platform showed the buyer only now (Epicentr hides contacts of new orders).
    CustomerRevealed,
}

/// The changes `incoming` brings to `stored`. An answer older than what is stored changes
/// nothing (WH-5); after write-off only the platform status is still shown (SYNC-3).
pub fn merge(stored: &StoredOrder, incoming: &ImportedOrder) -> Vec<Change> {
    if let (Some(have), Some(got)) = (stored.platform_updated_at, incoming.updated_at) {
        if got < have {
            return vec![];
        }
    }
    let mut changes = vec![];
    if incoming.source_status.is_some() && incoming.source_status != stored.source_status {
        changes.push(Change::SourceStatus {
            from: stored.source_status.clone(),
            to: incoming.source_status.clone(),
        });
    }
    if stored.written_off {
        return changes;
    }
    if incoming.status_class == StatusClass::Cancelled && !stored.cancelled_here {
        changes.push(Change::CancelHere);
    }
    if let Some(t) = incoming
        .tracking_number
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        // only a number the platform changed counts: while it still shows the one it showed
        // before, a number set here since stands (it may still be on its way to the platform)
        if stored.platform_tracking_number.as_deref() != Some(t) {
            changes.push(if stored.tracking_number.as_deref() == Some(t) {
                Change::PlatformTracking(t.to_string())
            } else {
                Change::TrackingNumber {
                    from: stored.tracking_number.clone(),
                    to: t.to_string(),
                }
            });
        }
    }
    let mut matched = vec![false; stored.items.len()];
    for item in &incoming.items {
        match find_item(&stored.items, item, &matched) {
            Some(i) => {
                matched[i] = true;
                let s = &stored.items[i];
                // removed here: the platform's line stays away (SYNC-2)
                if s.removed_here || s.removed_on_platform {
                    continue;
                }
                // only a quantity the platform changed counts: one changed here stands while the
                // platform still shows what it showed before (SYNC-2)
                let platform_had = s.platform_quantity.unwrap_or(s.quantity);
                if platform_had != item.quantity {
                    changes.push(if s.quantity == item.quantity {
                        Change::PlatformQuantity { item_id: s.id }
                    } else {
                        Change::Quantity {
                            item_id: s.id,
                            name: s.name.clone(),
                            from: s.quantity,
                            to: item.quantity,
                        }
                    });
                }
            }
            None => changes.push(Change::ItemAdded(item.clone())),
        }
    }
    for (i, s) in stored.items.iter().enumerate() {
        if !matched[i]
            && !s.removed_on_platform
            && !s.added_here
            && !s.removed_here
            && !incoming.items.is_empty()
        {
            changes.push(Change::ItemRemoved {
                item_id: s.id,
                name: s.name.clone(),
            });
        }
    }
    if !stored.has_customer && incoming.customer.is_some() {
        changes.push(Change::CustomerRevealed);
    }
    if let Some(d) = &incoming.delivery {
        if stored.delivery.as_ref() != Some(d) {
            changes.push(Change::Delivery(d.clone()));
        }
    }
    changes
}

/// Lines match by the platform's line id, else by SKU, else by name; lines added here are never
/// the platform's.
fn find_item(stored: &[StoredItem], item: &ImportedItem, taken: &[bool]) -> Option<usize> {
    let free = |i: &usize| !taken[*i] && !stored[*i].added_here;
    if let Some(ext) = &item.external_id {
        if let Some(i) = (0..stored.len())
            .filter(free)
            .find(|i| stored[*i].external_id.as_ref() == Some(ext))
        {
            return Some(i);
        }
        // a line with an id we have never seen is a new line, even if the goods are the same
        if stored.iter().any(|s| s.external_id.is_some()) {
            return None;
        }
    }
    if let Some(sku) = &item.sku {
        if let Some(i) = (0..stored.len())
            .filter(free)
            .find(|i| stored[*i].sku.as_ref() == Some(sku))
        {
            return Some(i);
        }
    }
    (0..stored.len())
        .filter(free)
        .find(|i| stored[*i].name == item.name)
}

/// The feed comment of a delivery (DLV-1).
pub fn delivery_comment(d: &Delivery) -> String {
    let mut parts = vec![];
    if let Some(c) = &d.carrier {
        parts.push(c.clone());
    }
    if let Some(m) = &d.method {
        parts.push(m.clone());
    }
    if let Some(a) = &d.address {
        parts.push(a.clone());
    }
    if let Some(p) = &d.recipient_phone {
        parts.push(p.clone());
    }
    if let Some(c) = d.cost {
        parts.push(format!("delivery cost {}", super::money::format_amount(c)));
    }
    format!("Delivery: {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::orders::ImportedOrder;

    fn item(ext: &str, name: &str, qty: i64) -> ImportedItem {
        ImportedItem {
            external_id: Some(ext.into()),
            name: name.into(),
            sku: Some(format!("SKU-{name}")),
            quantity: Decimal::from(qty),
            price: Decimal::from(100),
            ..Default::default()
        }
    }

    fn incoming(items: Vec<ImportedItem>) -> ImportedOrder {
        ImportedOrder {
            external_id: "1".into(),
            number: "1".into(),
            source_status: Some("26".into()),
            status_class: StatusClass::Processing,
            created_at: Utc::now(),
            updated_at: Some(Utc::now()),
            customer: None,
            items,
            total: Decimal::from(100),
            currency: "UAH".into(),
            tracking_number: None,
            commission: None,
            delivery: None,
        }
    }

    fn stored() -> StoredOrder {
        StoredOrder {
            source_status: Some("1".into()),
            items: vec![StoredItem {
                id: 10,
                external_id: Some("a".into()),
                name: "Kettle".into(),
                sku: Some("SKU-Kettle".into()),
                quantity: Decimal::from(1),
                removed_on_platform: false,
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    // covers: SYNC-1, SYNC-2, SYNC-3
    #[test]
    fn status_added_item_quantity_and_removal() {
        let mut inc = incoming(vec![item("a", "Kettle", 2), item("b", "Filter", 1)]);
        inc.tracking_number = Some("20450000000001".into());
        let changes = merge(&stored(), &inc);
        assert_eq!(
            changes[0],
            Change::SourceStatus {
                from: Some("1".into()),
                to: Some("26".into())
            }
        );
        assert!(changes.contains(&Change::TrackingNumber {
            from: None,
            to: "20450000000001".into()
        }));
        assert!(changes.contains(&Change::Quantity {
            item_id: 10,
            name: "Kettle".into(),
            from: 1.into(),
            to: 2.into()
        }));
        assert!(matches!(changes.last(), Some(Change::ItemAdded(i)) if i.name == "Filter"));

        let removed = merge(&stored(), &incoming(vec![item("b", "Filter", 1)]));
        assert!(removed.contains(&Change::ItemRemoved {
            item_id: 10,
            name: "Kettle".into()
        }));
    }

    fn tracking_changes(
        here: Option<&str>,
        platform_before: Option<&str>,
        now: &str,
    ) -> Vec<Change> {
        let mut s = stored();
        s.source_status = Some("26".into());
        s.items[0].quantity = Decimal::from(2);
        s.tracking_number = here.map(Into::into);
        s.platform_tracking_number = platform_before.map(Into::into);
        let mut inc = incoming(vec![item("a", "Kettle", 2)]);
        inc.tracking_number = Some(now.into());
        merge(&s, &inc)
    }

    // covers: TRK-4, SYNC-1
    #[test]
    fn only_a_number_the_platform_changed_is_taken() {
        // new on the platform: taken
        assert_eq!(
            tracking_changes(None, None, "20450000000001"),
            [Change::TrackingNumber {
                from: None,
                to: "20450000000001".into()
            }]
        );
        // the platform changed its number: taken over ours
        assert_eq!(
            tracking_changes(
                Some("20450000000777"),
                Some("20450000000001"),
                " 20450000000002 "
            ),
            [Change::TrackingNumber {
                from: Some("20450000000777".into()),
                to: "20450000000002".into()
            }]
        );
        // set here while the platform still shows its old one: ours stands
        assert_eq!(
            tracking_changes(
                Some("20450000000777"),
                Some("20450000000001"),
                "20450000000001"
            ),
            []
        );
        // the platform now shows ours (sent from here): remembered, no event
        assert_eq!(
            tracking_changes(
                Some("20450000000777"),
                Some("20450000000001"),
                "20450000000777"
            ),
            [Change::PlatformTracking("20450000000777".into())]
        );
        // nothing new
        assert_eq!(
            tracking_changes(
                Some("20450000000777"),
                Some("20450000000777"),
                "20450000000777"
            ),
            []
        );
    }

    // covers: SYNC-2, SYNC-3
    #[test]
    fn a_quantity_changed_here_stands_until_the_platform_changes_its_own() {
        let mut s = stored();
        s.source_status = Some("26".into());
        s.items[0].quantity = Decimal::from(3);
        s.items[0].platform_quantity = Some(Decimal::from(1));
        // the platform still shows 1: ours stands
        assert_eq!(merge(&s, &incoming(vec![item("a", "Kettle", 1)])), vec![]);
        // the platform changed to 2: taken
        assert_eq!(
            merge(&s, &incoming(vec![item("a", "Kettle", 2)])),
            vec![Change::Quantity {
                item_id: 10,
                name: "Kettle".into(),
                from: 3.into(),
                to: 2.into()
            }]
        );
        // the platform now shows ours: remembered, nothing else
        assert_eq!(
            merge(&s, &incoming(vec![item("a", "Kettle", 3)])),
            vec![Change::PlatformQuantity { item_id: 10 }]
        );
    }

    // covers: SYNC-2
    #[test]
    fn lines_added_or_removed_here_are_left_alone() {
        let mut s = stored();
        s.source_status = Some("26".into());
        // a line a person added here, with the same goods as a platform line
        s.items.push(StoredItem {
            id: 11,
            name: "Filter".into(),
            sku: Some("SKU-Filter".into()),
            quantity: Decimal::from(5),
            added_here: true,
            ..Default::default()
        });
        // a platform line a person removed here
        s.items.push(
            RemovedLine {
                external_id: Some("c".into()),
                sku: Some("SKU-Mug".into()),
                name: "Mug".into(),
            }
            .as_stored(),
        );
        // the platform still has the removed line, and never had ours: nothing changes
        let inc = incoming(vec![item("a", "Kettle", 1), item("c", "Mug", 4)]);
        assert_eq!(merge(&s, &inc), vec![]);
        // a platform line with the goods of ours is the platform's own new line
        let inc = incoming(vec![
            item("a", "Kettle", 1),
            item("c", "Mug", 4),
            item("b", "Filter", 1),
        ]);
        assert!(matches!(&merge(&s, &inc)[..], [Change::ItemAdded(i)] if i.name == "Filter"));
    }

    // covers: SYNC-3
    #[test]
    fn after_write_off_only_the_platform_status_moves() {
        let mut s = stored();
        s.written_off = true;
        let mut inc = incoming(vec![item("a", "Kettle", 5), item("b", "Filter", 1)]);
        inc.status_class = StatusClass::Cancelled;
        inc.tracking_number = Some("1".into());
        assert_eq!(
            merge(&s, &inc),
            vec![Change::SourceStatus {
                from: Some("1".into()),
                to: Some("26".into())
            }]
        );
    }

    // covers: ST-2
    #[test]
    fn a_platform_cancellation_cancels_here_once() {
        let mut inc = incoming(vec![item("a", "Kettle", 1)]);
        inc.status_class = StatusClass::Cancelled;
        assert!(merge(&stored(), &inc).contains(&Change::CancelHere));
        let mut s = stored();
        s.cancelled_here = true;
        assert!(!merge(&s, &inc).contains(&Change::CancelHere));
        // other platform statuses never move ours
        let inc = incoming(vec![item("a", "Kettle", 1)]);
        assert!(!merge(&stored(), &inc).contains(&Change::CancelHere));
    }

    // covers: WH-5
    #[test]
    fn an_older_answer_changes_nothing() {
        let mut s = stored();
        s.platform_updated_at = Some(Utc::now());
        let mut inc = incoming(vec![item("a", "Kettle", 3)]);
        inc.updated_at = Some(Utc::now() - chrono::Duration::minutes(5));
        assert!(merge(&s, &inc).is_empty());
    }

    #[test]
    fn the_same_answer_twice_changes_nothing() {
        let mut inc = incoming(vec![item("a", "Kettle", 1)]);
        inc.source_status = Some("1".into());
        assert!(merge(&stored(), &inc).is_empty());
    }

    // covers: CUS-1
    #[test]
    fn a_buyer_shown_later_is_taken_in() {
        let mut inc = incoming(vec![item("a", "Kettle", 1)]);
        inc.source_status = Some("1".into());
        inc.customer = Some(Default::default());
        assert_eq!(merge(&stored(), &inc), vec![Change::CustomerRevealed]);
        let mut s = stored();
        s.has_customer = true;
        assert!(merge(&s, &inc).is_empty());
    }

    // covers: DLV-1
    #[test]
    fn delivery_comment_names_carrier_address_and_cost() {
        let d = Delivery {
            carrier: Some("Нова Пошта".into()),
            address: Some("Київ, відділення №12".into()),
            cost: Some(Decimal::from(70)),
            ..Default::default()
        };
        assert_eq!(
            delivery_comment(&d),
            "Delivery: Нова Пошта, Київ, відділення №12, delivery cost 70.00"
        );
        let mut s = stored();
        s.delivery = Some(d.clone());
        let mut inc = incoming(vec![item("a", "Kettle", 1)]);
        inc.source_status = Some("1".into());
        inc.delivery = Some(d);
        assert!(merge(&s, &inc).is_empty());
    }
}
