//! Shopify mapping tests on real payloads (`tests/fixtures/`, see SOURCES.md there) and on the
//! signed example body of the platform note.

use super::map::*;
use super::wire;
use crate::domain::orders::StatusClass;
use crate::platforms::PlatformError;
use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use serde_json::{json, Value};
use std::str::FromStr;

const ORDER_1: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/shopify-order-1.json"
));
const ORDER_2: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/shopify-order-2.json"
));
const ORDER_3: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/shopify-order-3.json"
));
const REFUND_1: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/shopify-refund-1.json"
));

/// The 562-byte `orders/create` body of `platforms/shopify.md` §1.7, byte for byte; the HMAC
/// test below proves it is the documented body.
const SIGNED_BODY: &str = r##"{"id":5678901234567,"name":"#1042","order_number":1042,"email":"olena@example.com","created_at":"2026-11-20T14:05:12+02:00","updated_at":"2026-11-20T14:05:14+02:00","currency":"UAH","total_price":"1850.00","financial_status":"paid","fulfillment_status":null,"cancelled_at":null,"customer":{"id":7012345678901,"first_name":"Olena","last_name":"Koval","email":"olena@example.com","phone":"+380501234567"},"line_items":[{"id":14001234567890,"product_id":8001234567890,"variant_id":45001234567890,"sku":"MUG-01","title":"Ceramic mug","quantity":2,"price":"875.00"}]}"##;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn order_1() -> wire::Order {
    let mut orders = parse_orders(ORDER_1).unwrap();
    assert_eq!(orders.len(), 1);
    orders.remove(0)
}

/// A fixture changed the way a store or API version would send it.
fn edited(body: &[u8], edit: impl FnOnce(&mut Value)) -> wire::Order {
    let mut v: Value = serde_json::from_slice(body).unwrap();
    edit(&mut v);
    parse_order(&serde_json::to_vec(&v).unwrap()).unwrap()
}

// covers: IMP-3, CUS-3, PRD-2, DLV-1
#[test]
fn order_1_partially_refunded_documentation_order() {
    let o = order_1();
    let i = to_imported(&o).unwrap();
    assert_eq!(i.external_id, "450789469");
    assert_eq!(i.number, "#1001");
    assert_eq!(
        i.source_status.as_deref(),
        Some("partially_refunded/unfulfilled")
    );
    assert_eq!(i.status_class, StatusClass::Processing);
    // 11:00 at −05:00
    assert_eq!(i.created_at, utc(2008, 1, 10, 16, 0, 0));
    assert_eq!(i.updated_at, Some(utc(2008, 1, 10, 16, 0, 0)));
    assert_eq!(i.total, dec("598.94"));
    assert_eq!(i.currency, "USD");

    let c = i.customer.unwrap();
    assert!(!c.unspecified);
    assert_eq!(c.first_name.as_deref(), Some("Bob"));
    assert_eq!(c.last_name.as_deref(), Some("Norman"));
    assert_eq!(c.email.as_deref(), Some("bob.norman@hostmail.com"));
    assert_eq!(c.phone.unwrap().as_str(), "+16136120707");
    assert_eq!(
        c.address.as_deref(),
        Some("Chestnut Street 92, Louisville, Kentucky, 40202, United States")
    );

    assert_eq!(i.items.len(), 3);
    let skus: Vec<_> = i
        .items
        .iter()
        .map(|it| it.sku.as_deref().unwrap())
        .collect();
    assert_eq!(skus, ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"]);
    let first = &i.items[0];
    assert_eq!(first.external_id.as_deref(), Some("466157049"));
    assert_eq!(first.name, "IPod Nano - 8gb - green");
    assert_eq!(first.code.as_deref(), Some("632910392"));
    assert_eq!(first.quantity, dec("1"));
    assert_eq!(first.price, dec("199.00"));
    assert!(i
        .items
        .iter()
        .all(|it| it.code.as_deref() == Some("632910392")));

    // the only fulfilment has status `failure`: it shipped nothing, so no tracking number
    assert_eq!(o.fulfillments[0].tracking_number.as_deref(), Some("1Z2345"));
    assert_eq!(i.tracking_number, None);

    let d = i.delivery.unwrap();
    assert_eq!(d.method.as_deref(), Some("Free Shipping"));
    assert_eq!(d.cost, Some(dec("0.00")));
    assert_eq!(d.carrier, None);
    assert_eq!(
        d.address.as_deref(),
        Some("Bob Norman, Chestnut Street 92, Louisville, Kentucky, 40202, United States")
    );
    assert_eq!(d.recipient_phone.as_deref(), Some("555-625-1199"));

    // the embedded refund: numbers (not strings) for subtotals in this API version
    assert_eq!(o.refunds.len(), 1);
    let r = &o.refunds[0];
    assert_eq!(r.refund_line_items.len(), 2);
    assert_eq!(r.refund_line_items[0].subtotal, Some(dec("195.67")));
    assert_eq!(r.refund_line_items[1].subtotal, Some(dec("195.66")));
    assert_eq!(refund_amount(r).unwrap(), dec("209.00"));
    // covers: IMP-1
    assert!(!excluded_from_backfill(&o));
}

// covers: IMP-3, DLV-1, TRK-4
#[test]
fn tracking_number_and_carrier_come_from_a_fulfilment_that_shipped() {
    let mut o = order_1();
    o.fulfillments[0].status = Some("success".into());
    let i = to_imported(&o).unwrap();
    assert_eq!(i.tracking_number.as_deref(), Some("1Z2345"));
    assert_eq!(i.delivery.unwrap().carrier.as_deref(), Some("USPS"));

    // only `tracking_numbers[]` filled, as some apps do
    o.fulfillments[0].tracking_number = None;
    o.fulfillments[0].tracking_numbers = vec!["", "RR123456789UA"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(tracking_number(&o).as_deref(), Some("RR123456789UA"));
}

// covers: IMP-3, IMP-1, PRD-2, DLV-1
#[test]
fn order_2_cancelled_test_notification_with_ids_above_2_pow_53() {
    let o = parse_order(ORDER_2).unwrap();
    // 2^53 = 9007199254740992; through f64 this id would end in …496
    assert_eq!(o.id, 820_982_911_946_154_508);
    let i = to_imported(&o).unwrap();
    assert_eq!(i.external_id, "820982911946154508");
    assert_eq!(i.number, "#9999");
    assert_eq!(i.status_class, StatusClass::Cancelled);
    assert_eq!(i.source_status.as_deref(), Some("cancelled"));
    assert!(excluded_from_backfill(&o));
    assert_eq!(i.total, dec("403.00"));
    assert_eq!(i.currency, "USD");
    assert_eq!(i.created_at, utc(2019, 6, 4, 17, 53, 6));

    let ids: Vec<_> = i
        .items
        .iter()
        .map(|it| it.external_id.as_deref().unwrap())
        .collect();
    assert_eq!(ids, ["866550311766439020", "141249953214522974"]);
    assert!(i
        .items
        .iter()
        .all(|it| it.sku.as_deref() == Some("IPOD2008PINK")));
    assert_eq!(o.shipping_lines[0].id, Some(271_878_346_596_884_015));
    let customer = o.customer.as_ref().unwrap();
    assert_eq!(customer.id, Some(115_310_627_314_723_954));
    assert_eq!(
        customer.default_address.as_ref().unwrap().id,
        Some(715_243_470_612_851_245)
    );

    let c = i.customer.unwrap();
    assert!(!c.unspecified);
    assert_eq!(c.first_name.as_deref(), Some("John"));
    assert_eq!(c.last_name.as_deref(), Some("Smith"));
    // the customer record's e-mail wins over the order's `jon@doe.ca`
    assert_eq!(c.email.as_deref(), Some("john@test.com"));
    // `555-555-BILL` is no phone number
    assert!(c.phone.is_none());
    assert_eq!(
        c.address.as_deref(),
        Some("123 Elm St., Ottawa, Ontario, K2H7A8, Canada")
    );

    let d = i.delivery.unwrap();
    assert_eq!(d.method.as_deref(), Some("Generic Shipping"));
    assert_eq!(d.cost, Some(dec("10")));
    assert_eq!(
        d.address.as_deref(),
        Some("Steve Shipper, 123 Shipping Street, Shippington, Kentucky, 40003, United States")
    );
    assert_eq!(d.recipient_phone.as_deref(), Some("555-555-SHIP"));
}

// covers: IMP-3, CUS-3, PRD-2, DLV-1, WH-5
#[test]
fn order_3_real_orders_create_webhook() {
    let o = parse_order(ORDER_3).unwrap();
    let i = to_imported(&o).unwrap();
    assert_eq!(i.external_id, "2998557704341");
    assert_eq!(i.number, "#1030");
    assert_eq!(i.status_class, StatusClass::Processing);
    assert_eq!(i.source_status.as_deref(), Some("paid/unfulfilled"));
    assert!(!excluded_from_backfill(&o));
    // 08:23:58 at +11:00 is the previous day in UTC
    assert_eq!(i.created_at, utc(2020, 12, 26, 21, 23, 58));
    assert_eq!(updated_at(&o), Some(utc(2020, 12, 26, 21, 23, 59)));
    assert_eq!(i.total, dec("59.45"));
    assert_eq!(i.currency, "AUD");

    let c = i.customer.unwrap();
    assert_eq!(c.first_name.as_deref(), Some("Ryan"));
    assert_eq!(c.last_name.as_deref(), Some("Waldon"));
    assert_eq!(c.email.as_deref(), Some("ryanpwaldon@gmail.com"));
    assert!(c.phone.is_none());
    assert_eq!(
        c.address.as_deref(),
        Some("306 / 39 London Circuit, Canberra, Australian Capital Territory, 2601, Australia")
    );

    assert_eq!(i.items.len(), 1);
    let it = &i.items[0];
    assert_eq!(it.external_id.as_deref(), Some("6456927060117"));
    assert_eq!(it.name, "Classic Fountain Pen - Fine / Bordeaux");
    // `""` on the wire: no SKU rather than an empty one
    assert_eq!(it.sku, None);
    assert_eq!(it.code.as_deref(), Some("6122640146581"));
    assert_eq!(it.price, dec("44.95"));
    assert_eq!(it.quantity, dec("1"));
    assert_eq!(i.tracking_number, None);

    let d = i.delivery.unwrap();
    assert_eq!(d.method.as_deref(), Some("Standard"));
    assert_eq!(d.cost, Some(dec("10.00")));
    assert_eq!(d.carrier, None);
    assert_eq!(
        d.address.as_deref(),
        Some("Ryan Waldon, 306 / 39 London Circuit, Canberra, Australian Capital Territory, 2601, Australia")
    );
    assert_eq!(d.recipient_phone, None);
}

#[test]
fn refund_payload_parses_wrapped_and_bare() {
    let r = parse_refund(REFUND_1).unwrap();
    assert_eq!(r.id, 509_562_969);
    assert_eq!(r.order_id, Some(450_789_469));
    assert_eq!(r.note.as_deref(), Some("it broke during shipping"));
    assert_eq!(r.restock, Some(true));
    let lines: Vec<_> = r
        .refund_line_items
        .iter()
        .map(|l| l.line_item_id.unwrap())
        .collect();
    assert_eq!(lines, [703_073_504, 466_157_049]);
    assert_eq!(
        r.refund_line_items[0]
            .line_item
            .as_ref()
            .unwrap()
            .sku
            .as_deref(),
        Some("IPOD2008BLACK")
    );
    assert_eq!(r.transactions[0].amount, Some(dec("209.00")));
    assert_eq!(refund_amount(&r).unwrap(), dec("209.00"));
    // `refunds/create` sends the refund bare
    let v: Value = serde_json::from_slice(REFUND_1).unwrap();
    let bare = serde_json::to_vec(&v["refund"]).unwrap();
    assert_eq!(parse_refund(&bare).unwrap(), r);
}

// covers: IMP-3
#[test]
fn signed_example_body_maps() {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"shopify-demo-client-secret").unwrap();
    mac.update(SIGNED_BODY.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(sig, "FAtZKkyhycxzGNXjZFc3cagHUgdeikbco6XYE6eo70Q=");
    assert_eq!(SIGNED_BODY.len(), 562);

    let o = parse_order(SIGNED_BODY.as_bytes()).unwrap();
    let i = to_imported(&o).unwrap();
    assert_eq!(i.external_id, "5678901234567");
    assert_eq!(i.number, "#1042");
    assert_eq!(i.created_at, utc(2026, 11, 20, 12, 5, 12));
    assert_eq!(i.total, dec("1850.00"));
    assert_eq!(i.currency, "UAH");
    let c = i.customer.unwrap();
    assert_eq!(c.phone.unwrap().as_str(), "+380501234567");
    assert_eq!(c.email.as_deref(), Some("olena@example.com"));
    assert_eq!(c.address, None);
    assert_eq!(i.items[0].sku.as_deref(), Some("MUG-01"));
    assert_eq!(i.items[0].code.as_deref(), Some("8001234567890"));
    assert_eq!(i.items[0].quantity, dec("2"));
    assert_eq!(i.items[0].price, dec("875"));
    // no shipping lines and no shipping address: nothing to write about delivery
    assert_eq!(i.delivery, None);
}

// covers: CUS-3
#[test]
fn hidden_customer_data_gives_an_unspecified_customer() {
    // a plan without protected-data level 2: the customer record stays, the personal fields go
    let o = edited(ORDER_3, |v| {
        v["customer"] = json!({"id": 4206822293653u64, "first_name": null, "last_name": null,
            "email": null, "phone": null});
        for key in ["email", "contact_email", "phone"] {
            v[key] = Value::Null;
        }
        for addr in ["billing_address", "shipping_address"] {
            for key in ["first_name", "last_name", "name", "address1", "phone"] {
                v[addr][key] = Value::Null;
            }
        }
    });
    let c = to_imported(&o).unwrap().customer.unwrap();
    assert!(c.unspecified);
    assert_eq!(
        (c.first_name, c.last_name, c.email, c.phone, c.address),
        (None, None, None, None, None)
    );

    // customer null and no contact on the order
    let o = edited(ORDER_2, |v| {
        v["customer"] = Value::Null;
        v["email"] = Value::Null;
        v["contact_email"] = Value::Null;
        v["billing_address"] = Value::Null;
    });
    assert!(to_imported(&o).unwrap().customer.unwrap().unspecified);

    // customer key absent altogether: same
    let o = edited(ORDER_3, |v| {
        let m = v.as_object_mut().unwrap();
        for key in ["customer", "email", "contact_email", "billing_address"] {
            m.remove(key);
        }
    });
    assert!(to_imported(&o).unwrap().customer.unwrap().unspecified);
}

// covers: CUS-3
#[test]
fn guest_with_an_order_email_is_not_unspecified() {
    let o = edited(ORDER_3, |v| {
        v["customer"] = Value::Null;
        v["billing_address"] = Value::Null;
        v["email"] = json!("Guest@Example.com");
    });
    let c = to_imported(&o).unwrap().customer.unwrap();
    assert!(!c.unspecified);
    assert_eq!(c.email.as_deref(), Some("guest@example.com"));
    // the address falls back to the shipping address
    assert_eq!(
        c.address.as_deref(),
        Some("306 / 39 London Circuit, Canberra, Australian Capital Territory, 2601, Australia")
    );
}

// covers: IMP-1, ST-2
#[test]
fn status_classes_and_backfill_exclusions() {
    let base = parse_order(ORDER_3).unwrap();
    let with = |financial: &str, fulfillment: Option<&str>| {
        let mut o = base.clone();
        o.financial_status = Some(financial.into());
        o.fulfillment_status = fulfillment.map(String::from);
        o
    };
    let fulfilled = with("paid", Some("fulfilled"));
    assert_eq!(status_class(&fulfilled), StatusClass::Completed);
    assert!(excluded_from_backfill(&fulfilled));
    assert_eq!(source_status(&fulfilled), "paid/fulfilled");

    let refunded = with("refunded", None);
    assert_eq!(status_class(&refunded), StatusClass::Cancelled);
    assert!(excluded_from_backfill(&refunded));

    let returned = with("partially_refunded", Some("restocked"));
    assert_eq!(status_class(&returned), StatusClass::Cancelled);
    assert!(excluded_from_backfill(&returned));

    let partial = with("paid", Some("partial"));
    assert_eq!(status_class(&partial), StatusClass::Processing);
    assert!(!excluded_from_backfill(&partial));

    let pending = with("pending", None);
    assert!(!excluded_from_backfill(&pending));
    assert_eq!(source_status(&pending), "pending/unfulfilled");
}

// covers: WH-5
#[test]
fn ids_envelopes_and_unreadable_bodies() {
    assert_eq!(order_id(ORDER_2).unwrap(), 820_982_911_946_154_508);
    // `orders/delete` carries only the id
    assert_eq!(
        order_id(br#"{"id":9007199254740993}"#).unwrap(),
        9_007_199_254_740_993
    );
    // REST single-order answer
    let wrapped = format!(r#"{{"order":{}}}"#, std::str::from_utf8(ORDER_3).unwrap());
    assert_eq!(order_id(wrapped.as_bytes()).unwrap(), 2_998_557_704_341);
    assert_eq!(
        parse_order(wrapped.as_bytes()).unwrap(),
        parse_order(ORDER_3).unwrap()
    );

    let bad = |r: Result<wire::Order, PlatformError>| match r {
        Err(PlatformError::BadResponse(m)) => m,
        other => panic!("expected BadResponse, got {other:?}"),
    };
    assert!(bad(parse_order(b"{\"id\": 1,")).contains("not JSON"));
    assert!(bad(parse_order(b"<html>502</html>")).contains("not JSON"));
    assert!(bad(parse_order(br#"{"id":1,"total_price":"1.00"}"#)).contains("created_at"));
    assert!(bad(parse_order(
        br#"{"id":1,"created_at":"2026-11-20T14:05:12+02:00","total_price":"lots"}"#
    ))
    .contains("lots"));
    assert!(order_id(br##"{"name":"#1"}"##).is_err());
    assert!(parse_orders(ORDER_3).is_err());
}
