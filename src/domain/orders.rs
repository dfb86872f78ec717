//! Order rules that need no database: list filters and cursors (API-2), the manual re-sync limit
//! (SYNC-4) and write-off (SYNC-3).

use super::{Platform, SourceId, StatusGroup, StatusId};
use base64::Engine;
use chrono::{DateTime, Duration, TimeZone, Utc};

/// Where an order came from (API-2 "shop origin").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum Origin {
    #[default]
    All,
    /// Created in orderhub by a user.
    Here,
    /// Imported from a connected source.
    Integrations,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct OrderFilter {
    pub source_id: Option<SourceId>,
    pub platform: Option<Platform>,
    pub origin: Origin,
    pub status_id: Option<StatusId>,
    pub status_group: Option<StatusGroup>,
    pub source_status: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    /// Matches the order number, the customer's name or phone.
    pub search: Option<String>,
    /// The orders a user manages ("my orders").
    pub manager_id: Option<super::UserId>,
}

/// What the order list is sorted by (API-2); ties are broken by the order's id, in the same
/// direction, so a page boundary never splits or repeats orders.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum OrderSortField {
    /// When the order was placed on its platform (or created here).
    #[default]
    CreatedAt,
    /// When orderhub last changed the order (an import, a sync, a person).
    UpdatedAt,
    Total,
    /// The order's number as text.
    Number,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrderSort {
    pub field: OrderSortField,
    pub descending: bool,
}

impl OrderSort {
    /// The same field the other way round (a page read backwards, from `before`).
    pub fn reversed(self) -> OrderSort {
        OrderSort {
            descending: !self.descending,
            ..self
        }
    }
}

impl Default for OrderSort {
    /// Newest first.
    fn default() -> Self {
        OrderSort {
            field: OrderSortField::CreatedAt,
            descending: true,
        }
    }
}

impl OrderSort {
    /// The cursor's tag: field and direction.
    fn tag(&self) -> &'static str {
        use OrderSortField::*;
        match (self.field, self.descending) {
            (CreatedAt, true) => "cd",
            (CreatedAt, false) => "ca",
            (UpdatedAt, true) => "ud",
            (UpdatedAt, false) => "ua",
            (Total, true) => "td",
            (Total, false) => "ta",
            (Number, true) => "nd",
            (Number, false) => "na",
        }
    }
}

/// An order's value of the field the list is sorted by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SortKey {
    At(DateTime<Utc>),
    Total(rust_decimal::Decimal),
    Number(String),
}

/// Position in the order list: the last order's sort key and id, for the sort it was made for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OrderCursor {
    pub key: SortKey,
    pub id: i64,
}

impl OrderCursor {
    /// The cursor after an order with these values, in `sort`.
    pub fn of(
        sort: OrderSort,
        id: i64,
        created_at: DateTime<Utc>,
        updated_at: DateTime<Utc>,
        total: rust_decimal::Decimal,
        number: &str,
    ) -> OrderCursor {
        let key = match sort.field {
            OrderSortField::CreatedAt => SortKey::At(created_at),
            OrderSortField::UpdatedAt => SortKey::At(updated_at),
            OrderSortField::Total => SortKey::Total(total),
            OrderSortField::Number => SortKey::Number(number.to_owned()),
        };
        OrderCursor { key, id }
    }

    /// Opaque text: the newest-first list keeps the form it always had (`micros:id`), so cursors
    /// handed out before sorting existed stay valid; other sorts carry their tag.
    pub fn encode(&self, sort: OrderSort) -> String {
        let raw = match (&self.key, sort == OrderSort::default()) {
            (SortKey::At(at), true) => format!("{}:{}", at.timestamp_micros(), self.id),
            (SortKey::At(at), false) => {
                format!("{}:{}:{}", sort.tag(), self.id, at.timestamp_micros())
            }
            (SortKey::Total(t), _) => format!("{}:{}:{t}", sort.tag(), self.id),
            (SortKey::Number(n), _) => format!("{}:{}:{n}", sort.tag(), self.id),
        };
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    /// A cursor `encode` made for the same `sort`; `None` for anything else (another sort's
    /// cursor included: its key means nothing in this order).
    pub fn decode(s: &str, sort: OrderSort) -> Option<OrderCursor> {
        let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s.trim())
            .ok()?;
        let raw = String::from_utf8(raw).ok()?;
        let at = |micros: &str| -> Option<SortKey> {
            Some(SortKey::At(
                Utc.timestamp_micros(micros.parse().ok()?).single()?,
            ))
        };
        let mut parts = raw.splitn(3, ':');
        let (first, second, rest) = (parts.next()?, parts.next()?, parts.next());
        let Some(value) = rest else {
            // micros:id, newest first
            return (sort == OrderSort::default()).then_some(OrderCursor {
                key: at(first)?,
                id: second.parse().ok()?,
            });
        };
        if first != sort.tag() {
            return None;
        }
        let key = match sort.field {
            OrderSortField::CreatedAt | OrderSortField::UpdatedAt => at(value)?,
            OrderSortField::Total => SortKey::Total(value.parse().ok()?),
            OrderSortField::Number => SortKey::Number(value.to_owned()),
        };
        Some(OrderCursor {
            key,
            id: second.parse().ok()?,
        })
    }
}

pub const MAX_PAGE_SIZE: u64 = 200;
pub const DEFAULT_PAGE_SIZE: u64 = 50;

/// Page size the caller asked for, within bounds.
pub fn page_size(first: Option<i32>) -> Result<u64, String> {
    match first {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if n < 0 => Err("`first` must not be negative".into()),
        Some(n) => Ok((n as u64).min(MAX_PAGE_SIZE)),
    }
}

/// SYNC-4: a manual re-sync of one order is allowed once per this interval.
pub const MANUAL_SYNC_INTERVAL_MINUTES: i64 = 10;

/// `Err(when)` says when the next manual sync is allowed.
pub fn manual_sync_allowed(
    last: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), DateTime<Utc>> {
    // a last sync at the end of chrono's range has no "ten minutes later": allowed
    match last.and_then(|l| l.checked_add_signed(Duration::minutes(MANUAL_SYNC_INTERVAL_MINUTES))) {
        Some(next) if now < next => Err(next),
        _ => Ok(()),
    }
}

/// SYNC-3: goods are written off once; afterwards platform edits no longer change the order.
pub fn check_write_off(already_written_off: bool, item_count: usize) -> Result<(), &'static str> {
    if already_written_off {
        Err("the order's goods are already written off")
    } else if item_count == 0 {
        Err("the order has no items to write off")
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // covers: API-2
    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let newest = OrderSort::default();
        let c = OrderCursor {
            key: SortKey::At(Utc.with_ymd_and_hms(2026, 11, 1, 10, 30, 0).unwrap()),
            id: 77,
        };
        assert_eq!(
            OrderCursor::decode(&c.encode(newest), newest),
            Some(c.clone())
        );
        // the form cursors had before sorting existed
        let old = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("1793529000000000:77");
        assert_eq!(OrderCursor::decode(&old, newest), Some(c.clone()));
        assert_eq!(OrderCursor::decode("not a cursor", newest), None);
        assert_eq!(OrderCursor::decode("", newest), None);
        // a cursor belongs to its sort
        let oldest = OrderSort {
            field: OrderSortField::CreatedAt,
            descending: false,
        };
        assert_eq!(OrderCursor::decode(&c.encode(newest), oldest), None);
        assert_eq!(
            OrderCursor::decode(&c.encode(oldest), oldest),
            Some(c.clone())
        );
        assert_eq!(OrderCursor::decode(&c.encode(oldest), newest), None);
        for (field, key) in [
            (
                OrderSortField::Total,
                SortKey::Total("1250.50".parse().unwrap()),
            ),
            // a number may hold the separator
            (OrderSortField::Number, SortKey::Number("A:17:b".into())),
            (OrderSortField::UpdatedAt, c.key.clone()),
        ] {
            for descending in [true, false] {
                let sort = OrderSort { field, descending };
                let c = OrderCursor {
                    key: key.clone(),
                    id: 5,
                };
                assert_eq!(OrderCursor::decode(&c.encode(sort), sort), Some(c));
            }
        }
    }

    // covers: API-2
    #[test]
    fn page_size_is_bounded() {
        assert_eq!(page_size(None), Ok(50));
        assert_eq!(page_size(Some(10_000)), Ok(MAX_PAGE_SIZE));
        assert!(page_size(Some(-1)).is_err());
    }

    // covers: SYNC-4
    #[test]
    fn manual_sync_once_per_ten_minutes() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 1, 10, 0, 0).unwrap();
        assert_eq!(manual_sync_allowed(None, t0), Ok(()));
        assert_eq!(
            manual_sync_allowed(Some(t0), t0 + Duration::minutes(9)),
            Err(t0 + Duration::minutes(10))
        );
        assert_eq!(
            manual_sync_allowed(Some(t0), t0 + Duration::minutes(10)),
            Ok(())
        );
    }

    // covers: SYNC-3
    #[test]
    fn write_off_happens_once() {
        assert!(check_write_off(false, 2).is_ok());
        assert!(check_write_off(true, 2).is_err());
        assert!(check_write_off(false, 0).is_err());
    }
}

/// The largest amount or quantity the store keeps, either sign (`NUMERIC(19, 4)`).
pub fn max_stored_amount() -> rust_decimal::Decimal {
    rust_decimal::Decimal::from_i128_with_scale(9_999_999_999_999_999_999, 4)
}

impl ImportedOrder {
    /// The order if the store can keep it: its total, commission, and every line's price and
    /// quantity within [`max_stored_amount`]. Else the error names the field and the value, so the
    /// order is skipped alone rather than failing the transaction of the page it is stored with.
    pub fn within_stored_range(self) -> Result<ImportedOrder, String> {
        let max = max_stored_amount();
        let check = |field: &dyn Fn() -> String, v: rust_decimal::Decimal| {
            if v.abs() <= max {
                Ok(())
            } else {
                Err(format!(
                    "{} {v}: more than orderhub stores ({max})",
                    field()
                ))
            }
        };
        check(&|| "total".into(), self.total)?;
        if let Some(c) = self.commission {
            check(&|| "commission".into(), c)?;
        }
        for (i, item) in self.items.iter().enumerate() {
            check(&|| format!("items[{i}].price"), item.price)?;
            check(&|| format!("items[{i}].quantity"), item.quantity)?;
        }
        Ok(self)
    }
}

/// How a platform's orders are imported, as its descriptor states them
/// (`platforms::<name>::descriptor`) and the store is handed them
/// ([`super::platform::FactsOf`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImportFacts {
    /// Whether an imported order's first status follows the platform's (ST-1: finished orders
    /// get our completed/cancelled status) or is always the source's default (IMP-7).
    pub initial_status_follows_platform: bool,
    /// Whether a cancellation on the platform cancels the order here (ST-2); Shopify has no
    /// status sync at all (ST-7).
    pub cancellation_propagates: bool,
    /// IMP-6: orders without items or a reachable customer are not imported (WooCommerce).
    pub skips_incomplete_orders: bool,
}

/// An order as a platform adapter hands it over, already in our terms (money parsed, phone
/// normalised). The store turns it into rows; `merge` rules decide what a re-sync may change.
#[derive(Clone, Debug)]
pub struct ImportedOrder {
    pub external_id: String,
    pub number: String,
    /// The platform's status code as the platform writes it (`"2"`, `"received"`, `"confirmed"`).
    pub source_status: Option<String>,
    /// Where the platform's status stands: decides ST-1 on import and the ST-2 cancellation.
    pub status_class: StatusClass,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub customer: Option<ImportedCustomer>,
    pub items: Vec<ImportedItem>,
    pub total: rust_decimal::Decimal,
    pub currency: String,
    pub tracking_number: Option<String>,
    pub commission: Option<rust_decimal::Decimal>,
    pub delivery: Option<Delivery>,
}

/// The three states every platform status falls into (ST-1, ST-2, IMP-1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum StatusClass {
    #[default]
    Processing,
    Completed,
    Cancelled,
}

/// Delivery details, written into the order's feed as a comment (DLV-1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Delivery {
    /// Carrier or method, e.g. "Нова Пошта".
    pub carrier: Option<String>,
    pub method: Option<String>,
    pub cost: Option<rust_decimal::Decimal>,
    /// Recipient and address in one line, e.g. "Олена Шевченко, Київ, відділення №12".
    pub address: Option<String>,
    pub recipient_phone: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct ImportedCustomer {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<super::phone::Phone>,
    pub email: Option<String>,
    pub address: Option<String>,
    /// CUS-3: the platform hides who the buyer is.
    pub unspecified: bool,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportedItem {
    /// The platform's id of this order line.
    pub external_id: Option<String>,
    pub name: String,
    pub sku: Option<String>,
    /// The platform's product id (PRD-1 "identify by id"; PRD-2 code).
    pub code: Option<String>,
    pub description: Option<String>,
    /// Category path from the most general to the deepest (PRD-2), empty when unknown.
    pub category: Vec<String>,
    pub quantity: rust_decimal::Decimal,
    pub price: rust_decimal::Decimal,
}

/// What customer search matches: names, phone and e-mail in lower case. Kept as a column because
/// SQLite's `lower()` folds ASCII only, and sellers search Cyrillic names.
pub fn customer_search_text(
    first: Option<&str>,
    last: Option<&str>,
    phone: Option<&str>,
    email: Option<&str>,
) -> String {
    [first, last, phone, email]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// IMP-6 (WooCommerce): an order with no items, no customer, or a customer with neither e-mail
/// nor phone is not imported; the reason is what the user reads.
pub fn incomplete_order_reason(o: &ImportedOrder) -> Option<String> {
    if o.items.is_empty() {
        return Some(format!("order {} not imported: it has no items", o.number));
    }
    match &o.customer {
        None => Some(format!(
            "order {} not imported: it has no customer",
            o.number
        )),
        Some(c) if c.phone.is_none() && c.email.is_none() => Some(format!(
            "order {} not imported: the customer has neither an e-mail nor a phone",
            o.number
        )),
        Some(_) => None,
    }
}

/// IMP-5: a currency other than the source's is flagged, never converted.
pub fn currency_mismatch(order_currency: &str, source_currency: &str) -> bool {
    !order_currency
        .trim()
        .eq_ignore_ascii_case(source_currency.trim())
}

/// SRC-4: the manager for the next new order, and the index after it.
pub fn next_manager<T: Copy>(managers: &[T], index: i32) -> (Option<T>, i32) {
    if managers.is_empty() {
        return (None, 0);
    }
    let n = managers.len();
    // `n` is not zero here; `i < n`, so `i + 1` cannot overflow
    let i = usize::try_from(index)
        .unwrap_or(0)
        .checked_rem(n)
        .unwrap_or(0);
    let next = i.saturating_add(1).checked_rem(n).unwrap_or(0);
    (Some(managers[i]), i32::try_from(next).unwrap_or(0))
}

#[cfg(test)]
mod import_tests {
    use super::*;

    #[test]
    fn search_text_folds_cyrillic_case() {
        let t = customer_search_text(Some("Тарас"), Some("ШЕВЧЕНКО"), Some("+380501234567"), None);
        assert_eq!(t, "тарас шевченко +380501234567");
    }

    // covers: IMP-5
    #[test]
    fn currency_mismatch_is_case_insensitive() {
        assert!(!currency_mismatch("uah", "UAH"));
        assert!(currency_mismatch("PLN", "UAH"));
    }

    // covers: SRC-4
    #[test]
    fn managers_take_turns() {
        let m = [10, 20, 30];
        let (a, i) = next_manager(&m, 0);
        let (b, i) = next_manager(&m, i);
        let (c, i) = next_manager(&m, i);
        let (d, _) = next_manager(&m, i);
        assert_eq!([a, b, c, d], [Some(10), Some(20), Some(30), Some(10)]);
        assert_eq!(next_manager::<i32>(&[], 5), (None, 0));
        // a manager removed since: the index wraps instead of panicking
        assert_eq!(next_manager(&[7], 3).0, Some(7));
    }

    // covers: IMP-3
    #[test]
    fn amounts_past_what_the_store_keeps_name_the_field() {
        use rust_decimal::Decimal;
        let item = |price: Decimal, quantity: Decimal| ImportedItem {
            external_id: None,
            name: "Чашка".into(),
            sku: None,
            code: None,
            description: None,
            category: vec![],
            quantity,
            price,
        };
        let order = |total: Decimal, items: Vec<ImportedItem>| ImportedOrder {
            external_id: "1".into(),
            number: "1".into(),
            source_status: None,
            status_class: StatusClass::Processing,
            created_at: Utc::now(),
            updated_at: None,
            customer: None,
            items,
            total,
            currency: "UAH".into(),
            tracking_number: None,
            commission: None,
            delivery: None,
        };
        let max = max_stored_amount();
        let past = Decimal::new(10_000_000_000_000_000, 0);
        assert_eq!(max.to_string(), "999999999999999.9999");
        assert!(order(max, vec![item(-max, max)])
            .within_stored_range()
            .is_ok());
        let e = order(past, vec![]).within_stored_range().unwrap_err();
        assert_eq!(
            e,
            "total 10000000000000000: more than orderhub stores (999999999999999.9999)"
        );
        let e = order(
            Decimal::ONE,
            vec![item(Decimal::ONE, Decimal::ONE), item(Decimal::ONE, -past)],
        )
        .within_stored_range()
        .unwrap_err();
        assert!(e.starts_with("items[1].quantity -10000000000000000"), "{e}");
        let mut o = order(Decimal::ONE, vec![]);
        o.commission = Some(past);
        assert!(o
            .within_stored_range()
            .unwrap_err()
            .starts_with("commission"));
    }
}
