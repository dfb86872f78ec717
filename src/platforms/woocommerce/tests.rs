//! WooCommerce mapping tests on real payloads (`tests/fixtures/`, see SOURCES.md there), on the
//! PHP-escaped signed example body of the platform note, and on the PRD-3 category rule.

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
    "/tests/fixtures/woocommerce-order-1.json"
));
const ORDER_2: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/woocommerce-order-2.json"
));
const ORDER_3: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/woocommerce-order-3.json"
));
const REFUND_1: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/woocommerce-refund-1.json"
));

/// The 739-byte `order.created` body of `platforms/woocommerce.md` §1.9, byte for byte, with
/// PHP's `\/` and `\uXXXX` escapes; the HMAC test below proves it is the documented body.
const SIGNED_BODY: &str = r##"{"id":4321,"number":"4321","status":"processing","currency":"UAH","date_created":"2026-11-20T14:05:12","date_created_gmt":"2026-11-20T12:05:12","date_modified":"2026-11-20T14:05:13","date_modified_gmt":"2026-11-20T12:05:13","total":"1850.00","customer_id":0,"billing":{"first_name":"\u041e\u043b\u0435\u043d\u0430","last_name":"Koval","email":"olena@example.com","phone":"+380501234567"},"line_items":[{"id":77,"name":"Ceramic mug","product_id":120,"variation_id":0,"quantity":2,"sku":"MUG-01","price":875,"total":"1750.00"}],"shipping_lines":[{"id":78,"method_title":"Nova Poshta","method_id":"flat_rate","total":"100.00"}],"payment_url":"https:\/\/shop.example.com\/checkout\/order-pay\/4321\/?pay_for_order=true&key=wc_order_AbC123xYz"}"##;

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

/// A fixture changed the way a shop would send it.
fn edited(body: &[u8], edit: impl FnOnce(&mut Value)) -> wire::Order {
    let mut v: Value = serde_json::from_slice(body).unwrap();
    edit(&mut v);
    parse_order(&serde_json::to_vec(&v).unwrap()).unwrap()
}

// covers: IMP-3, CUS-2, PRD-2, DLV-1, IMP-6
#[test]
fn order_1_docs_list_guest_processing_order() {
    let orders = parse_orders(ORDER_1).unwrap();
    assert_eq!(orders.len(), 2);
    let o = &orders[0];
    let i = to_imported(o).unwrap();
    assert_eq!(i.external_id, "727");
    assert_eq!(i.number, "727");
    assert_eq!(i.source_status.as_deref(), Some("processing"));
    assert_eq!(i.status_class, StatusClass::Processing);
    // the `_gmt` fields, not the shop-local `date_created` (16:28 at UTC−3)
    assert_eq!(i.created_at, utc(2017, 3, 22, 19, 28, 2));
    assert_eq!(i.updated_at, Some(utc(2017, 3, 22, 19, 28, 8)));
    assert_eq!(i.total, dec("29.35"));
    assert_eq!(i.currency, "USD");
    assert_eq!(i.delivery, None);
    assert_eq!(i.tracking_number, None);
    assert_eq!(import_skip_reason(o), None);
    assert!(!excluded_from_backfill(o));

    let c = i.customer.unwrap();
    assert_eq!(c.first_name.as_deref(), Some("John"));
    assert_eq!(c.last_name.as_deref(), Some("Doe"));
    assert_eq!(c.email.as_deref(), Some("john.doe@example.com"));
    // `(555) 555-5555` is a US number without a country code, in a USD shop: no Ukrainian or
    // Polish form, so it is kept as the digits written, not invented into `+5555555555` (CUS-1)
    let phone = c.phone.unwrap();
    assert_eq!(phone.as_str(), "5555555555");
    assert!(!phone.is_e164());
    assert_eq!(c.address, None);

    assert_eq!(i.items.len(), 2);
    let (a, b) = (&i.items[0], &i.items[1]);
    assert_eq!(a.external_id.as_deref(), Some("315"));
    assert_eq!(a.name, "Woo Single #1");
    assert_eq!(a.sku, None);
    assert_eq!(a.code.as_deref(), Some("93"));
    assert_eq!(a.quantity, dec("2"));
    assert_eq!(a.price, dec("3"));
    // a variation: `&ndash;` decoded, the parent product id as the code
    assert_eq!(b.name, "Ship Your Idea – Color: Black, Size: M Test");
    assert_eq!(b.sku.as_deref(), Some("Bar3"));
    assert_eq!(b.code.as_deref(), Some("22"));
    assert_eq!(o.line_items[1].variation_id, Some(23));
    assert_eq!(b.price, dec("12"));
    // the docs-era payload has no `shipping.phone`
    assert_eq!(o.shipping.as_ref().unwrap().phone, None);
}

// covers: IMP-3, IMP-1
#[test]
fn order_1_second_order_is_completed_with_refunds() {
    let orders = parse_orders(ORDER_1).unwrap();
    let o = &orders[1];
    let i = to_imported(o).unwrap();
    assert_eq!(i.external_id, "723");
    assert_eq!(i.status_class, StatusClass::Completed);
    assert!(excluded_from_backfill(o));
    assert_eq!(i.total, dec("39.00"));
    let c = i.customer.unwrap();
    assert_eq!(c.first_name.as_deref(), Some("João"));
    assert_eq!(c.last_name.as_deref(), Some("Silva"));
    assert_eq!(c.email.as_deref(), Some("joao.silva@example.com"));
    let codes: Vec<_> = i
        .items
        .iter()
        .map(|it| it.code.as_deref().unwrap())
        .collect();
    assert_eq!(codes, ["87", "34"]);
    // `refunds[]` totals are negative strings; the docs spell the reason key `refund`
    let totals: Vec<_> = o.refunds.iter().map(|r| r.total.unwrap()).collect();
    assert_eq!(totals, [dec("-10.00"), dec("-9.00")]);
    assert_eq!(o.refunds[0].reason.as_deref(), Some(""));
    assert_eq!(refunded_total(o).unwrap(), dec("19.00"));
    assert_eq!(
        o.shipping_lines[0].meta_data[0].value,
        json!("Woo Album #2 &times; 1")
    );
}

// covers: IMP-3, CUS-2, PRD-2
#[test]
fn order_2_real_5_6_order_with_unreadable_national_phone() {
    let o = parse_order(ORDER_2).unwrap();
    let i = to_imported(&o).unwrap();
    assert_eq!(i.external_id, "897");
    assert_eq!(i.number, "897");
    assert_eq!(i.status_class, StatusClass::Processing);
    assert_eq!(i.created_at, utc(2021, 9, 6, 18, 5, 9));
    assert_eq!(i.updated_at, Some(utc(2021, 9, 6, 18, 5, 12)));
    assert_eq!(i.total, dec("28.44"));
    assert_eq!(i.currency, "USD");
    assert_eq!(import_skip_reason(&o), None);
    assert!(!excluded_from_backfill(&o));

    let c = i.customer.unwrap();
    assert_eq!(c.first_name.as_deref(), Some("Uyi"));
    assert_eq!(c.last_name.as_deref(), Some("Moses"));
    assert_eq!(c.email.as_deref(), Some("uyi@penciledge.net"));
    // `08171263283` (a Nigerian national number) is of no plan orderhub knows, in a USD shop: kept
    // as the buyer wrote it and flagged, not guessed into E.164 (CUS-1); `shipping.phone` is `""`
    assert_eq!(o.shipping.as_ref().unwrap().phone.as_deref(), Some(""));
    let phone = c.phone.unwrap();
    assert_eq!(phone.as_str(), "08171263283");
    assert!(!phone.is_e164());

    assert_eq!(i.items.len(), 1);
    let it = &i.items[0];
    assert_eq!(it.external_id.as_deref(), Some("58"));
    assert_eq!(
        it.name,
        "Rhapsody of Realities- A Topical Compendium volume 5"
    );
    assert_eq!(it.sku, None);
    assert_eq!(it.code.as_deref(), Some("753"));
    // a JSON number on the wire, exact as a Decimal
    assert_eq!(it.price, dec("14.99"));
    assert_eq!(it.quantity, dec("1"));
}

// covers: IMP-3, CUS-2, IMP-1, DLV-1
#[test]
fn order_3_wc_9_8_completed_with_empty_shipping() {
    let o = parse_order(ORDER_3).unwrap();
    let ship = o.shipping.as_ref().unwrap();
    assert_eq!(ship.first_name.as_deref(), Some(""));
    assert_eq!(ship.address_1.as_deref(), Some(""));
    assert!(o.shipping_lines.is_empty());

    let i = to_imported(&o).unwrap();
    assert_eq!(i.external_id, "14489");
    assert_eq!(i.number, "14489");
    assert_eq!(i.source_status.as_deref(), Some("completed"));
    assert_eq!(i.status_class, StatusClass::Completed);
    assert!(excluded_from_backfill(&o));
    assert_eq!(i.created_at, utc(2025, 5, 10, 22, 50, 32));
    assert_eq!(i.updated_at, Some(utc(2025, 5, 10, 22, 51, 48)));
    assert_eq!(i.total, dec("24.35"));
    assert_eq!(i.currency, "CAD");
    assert_eq!(i.delivery, None);
    assert_eq!(import_skip_reason(&o), None);

    let c = i.customer.unwrap();
    assert_eq!(c.first_name.as_deref(), Some("Ben"));
    assert_eq!(c.last_name.as_deref(), Some("Chukwuma"));
    assert_eq!(c.email.as_deref(), Some("benbright066@gmail.com"));
    assert_eq!(c.phone.unwrap().as_str(), "+2348100599608");

    let it = &i.items[0];
    assert_eq!(it.external_id.as_deref(), Some("1523"));
    assert_eq!(it.name, "Saturday Night at Backroom Comedy Club");
    assert_eq!(it.code.as_deref(), Some("4154"));
    assert_eq!(it.price, dec("24.35"));
    // nested plugin meta of any shape parses
    assert_eq!(
        o.meta_data
            .iter()
            .find(|m| m.key == "WooCommerceEventsTicketsPurchased")
            .map(|m| &m.value),
        Some(&json!({"4154": 1}))
    );
}

// covers: CUS-2
#[test]
fn phone_comes_from_billing_else_shipping() {
    let o = edited(ORDER_2, |v| {
        v["billing"]["phone"] = json!("");
        v["shipping"]["phone"] = json!("050 123 45 67");
    });
    let c = customer(&o).unwrap();
    assert_eq!(c.phone.unwrap().as_str(), "+380501234567");

    let o = edited(ORDER_2, |v| {
        v["billing"]["phone"] = json!("+380 67 000 11 22");
        v["shipping"]["phone"] = json!("050 123 45 67");
    });
    assert_eq!(
        customer(&o).unwrap().phone.unwrap().as_str(),
        "+380670001122"
    );

    // the empty shipping of the 9.8 order: the billing phone stands alone; without it, the
    // e-mail alone keeps the customer
    let o = edited(ORDER_3, |v| v["billing"]["phone"] = json!(""));
    let c = customer(&o).unwrap();
    assert!(c.phone.is_none());
    assert_eq!(c.email.as_deref(), Some("benbright066@gmail.com"));
}

// covers: IMP-6, CUS-2
#[test]
fn orders_that_are_not_imported_say_why() {
    let o = edited(ORDER_3, |v| v["line_items"] = json!([]));
    assert_eq!(
        import_skip_reason(&o).as_deref(),
        Some("the order has no items")
    );

    let blank = json!({"first_name": "", "last_name": "", "company": "", "address_1": "",
        "address_2": "", "city": "", "state": "", "postcode": "", "country": "", "email": "",
        "phone": ""});
    let o = edited(ORDER_3, |v| {
        v["billing"] = blank.clone();
        v["shipping"] = blank.clone();
    });
    assert_eq!(
        import_skip_reason(&o).as_deref(),
        Some("the order has no customer: billing and shipping details are empty")
    );
    assert!(customer(&o).is_none());
    // billing missing altogether reads the same
    let o = edited(ORDER_3, |v| {
        v.as_object_mut().unwrap().remove("billing");
    });
    assert!(import_skip_reason(&o).unwrap().contains("no customer"));

    // a name but no way to reach them; `email` may be null on the wire
    let o = edited(ORDER_3, |v| {
        v["billing"]["email"] = Value::Null;
        v["billing"]["phone"] = json!("");
    });
    assert_eq!(
        import_skip_reason(&o).as_deref(),
        Some("the customer has neither an e-mail nor a phone")
    );
    assert!(customer(&o).is_none());
    assert!(to_imported(&o).unwrap().customer.is_none());

    let o = edited(ORDER_2, |v| {
        v["billing"]["email"] = json!("");
        v["billing"]["phone"] = json!("555-555-BILL");
    });
    assert_eq!(
        import_skip_reason(&o).as_deref(),
        Some(
            "the customer has neither an e-mail nor a phone \
             (`555-555-BILL` is not a phone number we can read)"
        )
    );
    // a number of no known plan is kept as written (CUS-1), and reaches the buyer
    let o = edited(ORDER_2, |v| v["billing"]["email"] = json!(""));
    assert_eq!(import_skip_reason(&o), None);

    // PHP writes an empty object as `[]`
    let o = edited(ORDER_3, |v| {
        v["billing"] = json!([]);
        v["shipping"] = json!([]);
    });
    assert!(o.billing.is_none());
    assert!(import_skip_reason(&o).unwrap().contains("no customer"));

    // a phone alone is enough
    let o = edited(ORDER_3, |v| v["billing"]["email"] = json!(""));
    assert_eq!(import_skip_reason(&o), None);
}

// covers: IMP-1, ST-2
#[test]
fn status_classes_and_backfill_exclusions() {
    let base = parse_order(ORDER_2).unwrap();
    for (status, class, excluded) in [
        ("pending", StatusClass::Processing, false),
        ("processing", StatusClass::Processing, false),
        ("on-hold", StatusClass::Processing, false),
        ("completed", StatusClass::Completed, true),
        ("cancelled", StatusClass::Cancelled, true),
        ("refunded", StatusClass::Cancelled, true),
        ("failed", StatusClass::Cancelled, true),
        ("trash", StatusClass::Cancelled, true),
        ("wc-awaiting-shipment", StatusClass::Processing, false),
    ] {
        let mut o = base.clone();
        o.status = status.into();
        assert_eq!(status_class(&o), class, "{status}");
        assert_eq!(excluded_from_backfill(&o), excluded, "{status}");
        assert_eq!(
            to_imported(&o).unwrap().source_status.as_deref(),
            Some(status)
        );
    }
}

// covers: IMP-3, CUS-2
#[test]
fn php_escaped_signed_body_decodes() {
    use base64::Engine;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"wc-demo-webhook-secret").unwrap();
    mac.update(SIGNED_BODY.as_bytes());
    let sig = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    assert_eq!(sig, "Ct+N5k/AeCVZyQ5wdd4HJWzl3TeBiEVvcmTAorweSlk=");
    assert!(SIGNED_BODY.contains(r"https:\/\/") && SIGNED_BODY.contains(r"\u041e"));

    let o = parse_order(SIGNED_BODY.as_bytes()).unwrap();
    assert_eq!(
        o.payment_url.as_deref(),
        Some("https://shop.example.com/checkout/order-pay/4321/?pay_for_order=true&key=wc_order_AbC123xYz")
    );
    let i = to_imported(&o).unwrap();
    assert_eq!(i.external_id, "4321");
    assert_eq!(i.created_at, utc(2026, 11, 20, 12, 5, 12));
    assert_eq!(i.total, dec("1850.00"));
    assert_eq!(i.currency, "UAH");
    let c = i.customer.unwrap();
    assert_eq!(c.first_name.as_deref(), Some("Олена"));
    assert_eq!(c.last_name.as_deref(), Some("Koval"));
    assert_eq!(c.phone.unwrap().as_str(), "+380501234567");
    assert_eq!(i.items[0].sku.as_deref(), Some("MUG-01"));
    assert_eq!(i.items[0].price, dec("875"));
    assert_eq!(i.items[0].quantity, dec("2"));
    // no `shipping` object at all in this trimmed body
    assert!(o.shipping.is_none());
    assert_eq!(i.delivery, None);

    // the same escapes inside an item name
    let body = SIGNED_BODY.replace(
        r#""name":"Ceramic mug""#,
        r#""name":"\u041a\u0443\u0445\u043e\u043b\u044c 0,5 \u043b \/ \u0431\u0456\u043b\u0438\u0439 \u0026ndash; 2 \u0448\u0442""#,
    );
    let o = parse_order(body.as_bytes()).unwrap();
    assert_eq!(
        to_imported(&o).unwrap().items[0].name,
        "Кухоль 0,5 л / білий – 2 шт"
    );
}

#[test]
fn refund_payload_parses() {
    let r = parse_refund(REFUND_1).unwrap();
    assert_eq!(r.id, 726);
    assert_eq!(r.amount, Some(dec("10.00")));
    assert_eq!(r.date_created_gmt, Some(utc(2017, 3, 21, 20, 7, 11)));
    assert_eq!(r.reason.as_deref(), Some(""));
    assert_eq!(r.refunded_by, Some(1));
    assert_eq!(r.refunded_payment, Some(false));
    assert!(r.line_items.is_empty());
}

// covers: WH-5
#[test]
fn ids_and_unreadable_bodies() {
    assert_eq!(order_id(ORDER_3).unwrap(), 14489);
    // `order.deleted`
    assert_eq!(order_id(br#"{"id":1}"#).unwrap(), 1);
    assert!(order_id(b"webhook_id=15").is_err());

    let bad = |r: Result<wire::Order, PlatformError>| match r {
        Err(PlatformError::BadResponse(m)) => m,
        other => panic!("expected BadResponse, got {other:?}"),
    };
    assert!(bad(parse_order(b"webhook_id=15")).contains("not JSON"));
    assert!(bad(parse_order(&ORDER_3[..100])).contains("not JSON"));
    assert!(bad(parse_order(br#"{"id":1}"#)).contains("date_created_gmt"));
    assert!(bad(parse_order(
        br#"{"id":1,"date_created_gmt":"yesterday","total":"1.00"}"#
    ))
    .contains("yesterday"));
    // an order list is not an order
    assert!(parse_order(ORDER_1).is_err());
    // a `Z` on the GMT date is tolerated
    let o =
        parse_order(br#"{"id":2,"date_created_gmt":"2026-11-20T12:05:12Z","total":"5"}"#).unwrap();
    assert_eq!(o.date_created_gmt, utc(2026, 11, 20, 12, 5, 12));
    assert_eq!(updated_at(&o), None);
}

#[test]
fn html_entities_in_names_decode() {
    assert_eq!(
        decode_entities("Woo Album #2 &times; 1"),
        "Woo Album #2 × 1"
    );
    assert_eq!(decode_entities("&#36;24.35 &amp; &#x41;"), "$24.35 & A");
    assert_eq!(decode_entities("AT&T &bogus; &"), "AT&T &bogus; &");
    assert_eq!(
        decode_entities("Чай &laquo;Зелений&raquo;"),
        "Чай «Зелений»"
    );
}

fn cat(id: u64, name: &str, parent: u64) -> wire::Category {
    wire::Category {
        id,
        name: name.into(),
        slug: None,
        parent,
    }
}

/// Clothing › Shirts › Long sleeve, Clothing › Hoodies, Music, Accessories, and Ukrainian names.
fn tree() -> Vec<wire::Category> {
    vec![
        cat(1, "Clothing", 0),
        cat(2, "Shirts", 1),
        cat(3, "Hoodies", 1),
        cat(4, "Music", 0),
        cat(5, "Long sleeve", 2),
        cat(6, "Accessories", 0),
        cat(7, "Дзеркала", 0),
        cat(8, "Ґудзики", 0),
        cat(9, "Книги", 0),
        cat(10, "Іграшки", 0),
        cat(11, "Cups &amp; Mugs", 6),
    ]
}

fn assigned(ids: &[u64]) -> Vec<wire::CategoryRef> {
    let t = tree();
    ids.iter()
        .map(|id| wire::CategoryRef {
            id: *id,
            name: t
                .iter()
                .find(|c| c.id == *id)
                .map_or("?".into(), |c| c.name.clone()),
            slug: None,
        })
        .collect()
}

// covers: PRD-3
#[test]
fn category_one_branch_gives_the_deepest() {
    assert_eq!(
        choose_category(&assigned(&[1, 2, 5]), &tree()),
        ["Clothing", "Shirts", "Long sleeve"]
    );
    assert_eq!(
        choose_category(&assigned(&[5, 1]), &tree()),
        ["Clothing", "Shirts", "Long sleeve"]
    );
    assert_eq!(
        choose_category(&assigned(&[2]), &tree()),
        ["Clothing", "Shirts"]
    );
    assert_eq!(
        choose_category(&assigned(&[11]), &tree()),
        ["Accessories", "Cups & Mugs"]
    );
}

// covers: PRD-3
#[test]
fn category_several_at_one_level_gives_the_alphabetically_first() {
    assert_eq!(
        choose_category(&assigned(&[2, 3]), &tree()),
        ["Clothing", "Hoodies"]
    );
    assert_eq!(
        choose_category(&assigned(&[4, 6]), &tree()),
        ["Accessories"]
    );
    // Ukrainian order: Ґ right after Г (Unicode puts it after Я), І before К
    assert_eq!(choose_category(&assigned(&[7, 8]), &tree()), ["Ґудзики"]);
    assert_eq!(choose_category(&assigned(&[9, 10]), &tree()), ["Іграшки"]);
}

// covers: PRD-3
#[test]
fn category_several_at_different_levels_gives_the_most_general() {
    assert_eq!(choose_category(&assigned(&[5, 4]), &tree()), ["Music"]);
    assert_eq!(
        choose_category(&assigned(&[5, 3]), &tree()),
        ["Clothing", "Hoodies"]
    );
    // a branch collapses to its deepest first, then the levels are compared
    assert_eq!(
        choose_category(&assigned(&[1, 2, 11]), &tree()),
        ["Accessories", "Cups & Mugs"]
    );
}

// covers: PRD-3
#[test]
fn category_edge_cases() {
    assert!(choose_category(&[], &tree()).is_empty());
    // not in the fetched list: taken as top level under the product's own name for it
    let unknown = [wire::CategoryRef {
        id: 99,
        name: "Sale".into(),
        slug: None,
    }];
    assert_eq!(choose_category(&unknown, &tree()), ["Sale"]);
    // a cycle in a broken tree ends
    let looped = vec![cat(20, "A", 21), cat(21, "B", 20)];
    let a = [wire::CategoryRef {
        id: 20,
        name: "A".into(),
        slug: None,
    }];
    assert_eq!(choose_category(&a, &looped), ["B", "A"]);
}

// covers: PRD-3, PRD-2
#[test]
fn product_and_category_payloads_parse() {
    // shapes of `GET /products/{id}` and `GET /products/categories` (REST v3 docs)
    let product = parse_product(
        br#"{"id":794,"name":"Premium Quality","slug":"premium-quality","type":"simple",
        "sku":"","parent_id":0,"price":"21.99","categories":[{"id":9,"name":"Clothing",
        "slug":"clothing"},{"id":14,"name":"T-shirts","slug":"t-shirts"}],"images":[]}"#,
    )
    .unwrap();
    assert_eq!(product.categories.len(), 2);
    let cats = parse_categories(
        br#"[{"id":15,"name":"Albums","slug":"albums","parent":11,"description":"",
        "display":"default","image":null,"menu_order":0,"count":4},
        {"id":9,"name":"Clothing","slug":"clothing","parent":0,"count":36},
        {"id":14,"name":"T-shirts","slug":"t-shirts","parent":9,"count":6}]"#,
    )
    .unwrap();
    assert_eq!(cats[0].parent, 11);
    assert_eq!(
        choose_category(&product.categories, &cats),
        ["Clothing", "T-shirts"]
    );
}
