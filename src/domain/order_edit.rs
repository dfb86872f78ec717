//! Orders created and edited here (issue 19, SYNC-2, CUS-1): what a person may write into an
//! order's lines and buyer, checked before anything is stored, and what an edit of the lines
//! changes. Nothing of it is ever sent to the platform (SYNC-2); a later re-sync leaves it alone
//! (`merge` matches lines added here with nothing, brings back no line removed here, and applies
//! a quantity only when the platform changed its own).

use super::changes::{field, line_text, quantity_text, FieldChange};
use super::merge::RemovedLine;
use super::money::{checked_add, checked_line_total, checked_sub, format_amount};
use super::orders::{max_stored_amount, ImportedCustomer};
use super::phone::{normalize_email, Phone, Region};
use rust_decimal::Decimal;
use std::str::FromStr;

/// Most lines one call may add, change or remove.
pub const MAX_LINES: usize = 200;
/// Most pieces of one line.
pub const MAX_QUANTITY: i64 = 1_000_000;
/// Longest name of a line, SKU, buyer's field or delivery field.
pub const MAX_TEXT_LEN: usize = 500;

/// A refusal naming the input field (`items[2].price`) and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    pub field: String,
    pub message: String,
}

impl InputError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A price as the API takes one: a decimal string (`"899.50"`), not negative, at most 4 decimals.
pub fn parse_price(field: &str, raw: &str) -> Result<Decimal, InputError> {
    let bad = || {
        InputError::new(
            field,
            format!(
                "`{}` is not a price: give a decimal string such as \"899.50\"",
                raw.chars().take(40).collect::<String>()
            ),
        )
    };
    let p = Decimal::from_str(raw.trim()).map_err(|_| bad())?;
    if p.is_sign_negative() && !p.is_zero() {
        return Err(InputError::new(field, "a price cannot be negative"));
    }
    if p.scale() > 4 {
        return Err(InputError::new(field, "a price has at most 4 decimals"));
    }
    if p > max_stored_amount() {
        return Err(InputError::new(
            field,
            format!("more than orderhub stores ({})", max_stored_amount()),
        ));
    }
    Ok(p)
}

/// Pieces of a line: 1 to [`MAX_QUANTITY`].
pub fn parse_quantity(field: &str, q: i64) -> Result<Decimal, InputError> {
    if (1..=MAX_QUANTITY).contains(&q) {
        Ok(Decimal::from(q))
    } else {
        Err(InputError::new(
            field,
            format!("must be 1 to {MAX_QUANTITY} pieces (this is {q})"),
        ))
    }
}

/// A text a person typed: trimmed, `None` when blank, refused past [`MAX_TEXT_LEN`] characters.
pub fn clean_text(field: &str, raw: Option<&str>) -> Result<Option<String>, InputError> {
    let Some(t) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if t.chars().count() > MAX_TEXT_LEN {
        return Err(InputError::new(
            field,
            format!("must be at most {MAX_TEXT_LEN} characters"),
        ));
    }
    Ok(Some(t.to_string()))
}

/// A line to add, its name and SKU already taken from its product where the person gave none.
#[derive(Clone, Debug, PartialEq)]
pub struct NewLine {
    pub product_id: Option<i64>,
    pub name: String,
    pub sku: Option<String>,
    pub price: Decimal,
    pub quantity: Decimal,
}

impl NewLine {
    pub fn amount(&self, field: &str) -> Result<Decimal, InputError> {
        checked_line_total(field, self.price, self.quantity)
            .map_err(|m| InputError::new(field, m))
            .and_then(|a| within_store(field, a))
    }
}

fn within_store(field: &str, v: Decimal) -> Result<Decimal, InputError> {
    if v.abs() <= max_stored_amount() {
        Ok(v)
    } else {
        Err(InputError::new(
            field,
            format!("{v}: more than orderhub stores ({})", max_stored_amount()),
        ))
    }
}

/// The total of an order created here: its lines' price × quantity.
pub fn total_of(lines: &[NewLine]) -> Result<Decimal, InputError> {
    let mut total = Decimal::ZERO;
    for (i, l) in lines.iter().enumerate() {
        let field = format!("items[{i}]");
        let amount = l.amount(&field)?;
        total = checked_add(total, &field, amount)
            .map_err(|m| InputError::new("items", m))
            .and_then(|t| within_store("items", t))?;
    }
    Ok(total)
}

/// A line as a person asked for it: a catalogue product (its name and SKU unless given) or free
/// text.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineRequest {
    pub product_id: Option<i64>,
    pub name: Option<String>,
    pub sku: Option<String>,
    pub price: Decimal,
    pub quantity: Decimal,
}

impl LineRequest {
    /// The line to store, with its product's `(name, sku)` when it names one.
    pub fn resolve(
        self,
        field: &str,
        product: Option<(&str, Option<&str>)>,
    ) -> Result<NewLine, InputError> {
        let name = self
            .name
            .or_else(|| product.map(|(n, _)| n.to_string()))
            .ok_or_else(|| {
                InputError::new(
                    format!("{field}.name"),
                    "give the line's name, or the productId of a catalogue product",
                )
            })?;
        Ok(NewLine {
            product_id: self.product_id,
            sku: self
                .sku
                .or_else(|| product.and_then(|(_, s)| s.map(str::to_string))),
            name,
            price: self.price,
            quantity: self.quantity,
        })
    }
}

/// Who an order's buyer is to be: a customer of the list, whose details given here correct
/// theirs; or details matched as CUS-1 matches an imported buyer (by phone, else e-mail; an
/// existing customer is reused and only gains what it lacked, else one is created).
#[derive(Clone, Debug, PartialEq)]
pub enum BuyerChoice {
    Existing { id: i64, correct: BuyerDetails },
    Details(BuyerDetails),
}

/// An order a person creates here (origin HERE).
#[derive(Clone, Debug, PartialEq)]
pub struct OrderDraft {
    /// The order's number; its id when none is given.
    pub number: Option<String>,
    pub currency: String,
    pub status_id: Option<i64>,
    pub manager_id: Option<i64>,
    pub buyer: Option<BuyerChoice>,
    pub lines: Vec<LineRequest>,
    pub delivery: Option<super::orders::Delivery>,
}

/// An order line as stored, as much as an edit needs.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredLine {
    pub id: i64,
    pub external_id: Option<String>,
    pub name: String,
    pub sku: Option<String>,
    pub quantity: Decimal,
    pub price: Decimal,
    pub added_here: bool,
    pub removed_on_platform: bool,
    pub platform_quantity: Option<Decimal>,
}

impl StoredLine {
    /// What the line adds to the order's total: nothing once the platform removed it.
    fn counted(&self) -> Result<Decimal, String> {
        if self.removed_on_platform {
            return Ok(Decimal::ZERO);
        }
        checked_line_total("items", self.price, self.quantity)
    }
}

/// A person's change of one line; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineChange {
    pub id: i64,
    pub quantity: Option<Decimal>,
    pub price: Option<Decimal>,
    pub name: Option<String>,
    pub sku: Option<String>,
}

/// The new state of a changed line.
#[derive(Clone, Debug, PartialEq)]
pub struct LineUpdate {
    pub id: i64,
    pub quantity: Decimal,
    pub price: Decimal,
    pub name: String,
    pub sku: Option<String>,
    pub platform_quantity: Option<Decimal>,
}

/// What an edit of an order's lines does: the rows to write, the feed's changes, the new total.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LinesEdit {
    pub add: Vec<NewLine>,
    pub update: Vec<LineUpdate>,
    /// Rows to delete.
    pub delete: Vec<i64>,
    /// Platform lines among them, kept so that a re-sync does not bring them back.
    pub removed_here: Vec<RemovedLine>,
    /// What changed, for the feed (lines added carry no item id until stored).
    pub changes: Vec<FieldChange>,
    pub total: Decimal,
}

impl LinesEdit {
    pub fn is_empty(&self) -> bool {
        self.add.is_empty() && self.update.is_empty() && self.delete.is_empty()
    }
}

/// Plans an edit of an order's lines (SYNC-2): `add` new lines, `change` existing ones (quantity
/// and price of any line; name and SKU only of lines added here, since a platform's line is
/// matched by them on re-sync), `remove` lines by id. The total moves by what the edit changed,
/// so a platform's discounts and delivery stay in it.
pub fn plan_lines_edit(
    stored: &[StoredLine],
    total: Decimal,
    add: Vec<NewLine>,
    change: &[LineChange],
    remove: &[i64],
) -> Result<LinesEdit, InputError> {
    let line = |field: &str, id: i64| {
        stored
            .iter()
            .find(|l| l.id == id)
            .ok_or_else(|| InputError::new(field, format!("{id} is not a line of this order")))
    };
    let mut edit = LinesEdit {
        total,
        ..Default::default()
    };
    let mut delta_plus = Decimal::ZERO;
    let mut delta_minus = Decimal::ZERO;
    let sum = |acc: Decimal, field: &str, v: Decimal| {
        checked_add(acc, field, v).map_err(|m| InputError::new(field, m))
    };
    let mut seen: Vec<i64> = vec![];
    for (i, id) in remove.iter().enumerate() {
        let field = format!("remove[{i}]");
        let l = line(&field, *id)?;
        if seen.contains(id) {
            return Err(InputError::new(field, format!("line {id} is named twice")));
        }
        seen.push(*id);
        edit.delete.push(l.id);
        if !l.added_here {
            edit.removed_here.push(RemovedLine {
                external_id: l.external_id.clone(),
                sku: l.sku.clone(),
                name: l.name.clone(),
            });
        }
        edit.changes.push(FieldChange::of_item(
            l.id,
            field::ITEMS,
            Some(line_text(l.quantity, &l.name)),
            None,
        ));
        delta_minus = sum(
            delta_minus,
            &field,
            l.counted().map_err(|m| InputError::new(&field, m))?,
        )?;
    }
    for (i, c) in change.iter().enumerate() {
        let field = format!("change[{i}]");
        let l = line(&format!("{field}.id"), c.id)?;
        if seen.contains(&c.id) {
            return Err(InputError::new(
                format!("{field}.id"),
                format!("line {} is named twice", c.id),
            ));
        }
        seen.push(c.id);
        if !l.added_here {
            for (name, given, had) in [
                ("name", c.name.as_ref(), Some(&l.name)),
                ("sku", c.sku.as_ref(), l.sku.as_ref()),
            ] {
                if given.is_some_and(|g| Some(g) != had) {
                    return Err(InputError::new(
                        format!("{field}.{name}"),
                        "a line from the platform keeps its name and SKU (a re-sync matches it \
                         by them, SYNC-2): remove it and add a line of your own",
                    ));
                }
            }
        }
        let after = LineUpdate {
            id: l.id,
            quantity: c.quantity.unwrap_or(l.quantity),
            price: c.price.unwrap_or(l.price),
            name: c.name.clone().unwrap_or_else(|| l.name.clone()),
            sku: c.sku.clone().or_else(|| l.sku.clone()),
            platform_quantity: l.platform_quantity,
        };
        let mut changed = vec![];
        if after.quantity != l.quantity {
            changed.push(FieldChange::of_item(
                l.id,
                field::QUANTITY,
                Some(quantity_text(l.quantity)),
                Some(quantity_text(after.quantity)),
            ));
        }
        if after.price != l.price {
            changed.push(FieldChange::of_item(
                l.id,
                field::PRICE,
                Some(format_amount(l.price)),
                Some(format_amount(after.price)),
            ));
        }
        if after.name != l.name {
            changed.push(FieldChange::of_item(
                l.id,
                field::NAME,
                Some(l.name.clone()),
                Some(after.name.clone()),
            ));
        }
        if after.sku != l.sku {
            changed.push(FieldChange::of_item(
                l.id,
                field::SKU,
                l.sku.clone(),
                after.sku.clone(),
            ));
        }
        if changed.is_empty() {
            continue;
        }
        let mut after = after;
        if !l.added_here {
            // the platform's quantity is remembered until the platform shows one again
            let platform = l.platform_quantity.unwrap_or(l.quantity);
            after.platform_quantity = (platform != after.quantity).then_some(platform);
        }
        let before_amount = l.counted().map_err(|m| InputError::new(&field, m))?;
        let after_amount = if l.removed_on_platform {
            Decimal::ZERO
        } else {
            checked_line_total(&field, after.price, after.quantity)
                .map_err(|m| InputError::new(&field, m))?
        };
        delta_minus = sum(delta_minus, &field, before_amount)?;
        delta_plus = sum(delta_plus, &field, after_amount)?;
        edit.changes.extend(changed);
        edit.update.push(after);
    }
    for (i, l) in add.iter().enumerate() {
        let field = format!("add[{i}]");
        delta_plus = sum(delta_plus, &field, l.amount(&field)?)?;
        edit.changes.push(FieldChange::new(
            field::ITEMS,
            None,
            Some(line_text(l.quantity, &l.name)),
        ));
    }
    edit.add = add;
    if !edit.is_empty() {
        let moved = checked_add(total, "total", delta_plus)
            .and_then(|t| checked_sub(t, "total", delta_minus))
            .map_err(|m| InputError::new("total", m))?;
        edit.total = within_store("total", moved)?;
        if edit.total != total {
            edit.changes.push(FieldChange::new(
                field::TOTAL,
                Some(format_amount(total)),
                Some(format_amount(edit.total)),
            ));
        }
    }
    Ok(edit)
}

/// A buyer's details as a person typed them, checked: the phone read into E.164 in the order's
/// country (CUS-1), the e-mail lower-cased.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BuyerDetails {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<Phone>,
    pub email: Option<String>,
    pub address: Option<String>,
}

impl BuyerDetails {
    /// `prefix` names the input (`customer`); `region` reads bare national numbers.
    pub fn parse(
        prefix: &str,
        first_name: Option<&str>,
        last_name: Option<&str>,
        phone: Option<&str>,
        email: Option<&str>,
        address: Option<&str>,
        region: Option<Region>,
    ) -> Result<BuyerDetails, InputError> {
        let f = |name: &str| format!("{prefix}.{name}");
        let phone = match clean_text(&f("phone"), phone)? {
            Some(p) => Some(Phone::parse_in(&p, region).ok_or_else(|| {
                InputError::new(
                    f("phone"),
                    format!("`{p}` is not a phone number: give it as +380501234567 or 0501234567"),
                )
            })?),
            None => None,
        };
        let email = match clean_text(&f("email"), email)? {
            Some(e) => Some(normalize_email(&e).ok_or_else(|| {
                InputError::new(f("email"), format!("`{e}` is not an e-mail address"))
            })?),
            None => None,
        };
        Ok(BuyerDetails {
            first_name: clean_text(&f("firstName"), first_name)?,
            last_name: clean_text(&f("lastName"), last_name)?,
            phone,
            email,
            address: clean_text(&f("address"), address)?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.first_name.is_none()
            && self.last_name.is_none()
            && self.phone.is_none()
            && self.email.is_none()
            && self.address.is_none()
    }

    /// The buyer as an import hands one over, for CUS-1's matching.
    pub fn as_imported(&self) -> ImportedCustomer {
        ImportedCustomer {
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            address: self.address.clone(),
            unspecified: false,
        }
    }
}

/// A buyer in a change: `Олена Шевченко, +380501234567, olena@example.com`.
pub fn buyer_text(
    first: Option<&str>,
    last: Option<&str>,
    phone: Option<&str>,
    email: Option<&str>,
) -> Option<String> {
    let name = [first, last]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let parts: Vec<&str> = [Some(name.as_str()), phone, email]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn platform_line(id: i64, name: &str, q: i64, price: &str) -> StoredLine {
        StoredLine {
            id,
            external_id: Some(format!("ext-{id}")),
            name: name.into(),
            sku: Some(format!("SKU-{id}")),
            quantity: Decimal::from(q),
            price: d(price),
            added_here: false,
            removed_on_platform: false,
            platform_quantity: None,
        }
    }

    #[test]
    fn prices_and_quantities_are_checked_naming_the_field() {
        assert_eq!(parse_price("p", " 899.50 "), Ok(d("899.50")));
        assert_eq!(parse_price("p", "0"), Ok(Decimal::ZERO));
        let e = parse_price("items[1].price", "12,5 грн").unwrap_err();
        assert_eq!(e.field, "items[1].price");
        assert!(e.message.contains("\"899.50\""), "{e:?}");
        assert!(parse_price("p", "-1").is_err());
        assert!(parse_price("p", "1.00001").is_err());
        assert!(parse_price("p", "10000000000000000").is_err());
        assert_eq!(parse_quantity("q", 2), Ok(Decimal::from(2)));
        assert!(parse_quantity("q", 0).is_err());
        assert!(parse_quantity("q", MAX_QUANTITY + 1).is_err());
    }

    #[test]
    fn a_new_orders_total_is_its_lines() {
        let line = |price: &str, q: i64| NewLine {
            product_id: None,
            name: "Чашка".into(),
            sku: None,
            price: d(price),
            quantity: Decimal::from(q),
        };
        assert_eq!(
            total_of(&[line("899.00", 1), line("150.50", 2)]),
            Ok(d("1200.00"))
        );
        let huge = line("999999999999999", 1000);
        assert_eq!(total_of(&[huge]).unwrap_err().field, "items[0]");
    }

    // covers: SYNC-2
    #[test]
    fn an_edit_moves_the_total_by_what_it_changed_and_keeps_removed_platform_lines() {
        // the platform's total 1 150 includes 50 of delivery beyond the lines' 1 100
        let stored = vec![
            platform_line(1, "Чайник", 1, "800.00"),
            platform_line(2, "Фільтр", 2, "150.00"),
        ];
        let add = vec![NewLine {
            product_id: None,
            name: "Кружка".into(),
            sku: None,
            price: d("100"),
            quantity: Decimal::from(1),
        }];
        let change = vec![LineChange {
            id: 1,
            quantity: Some(Decimal::from(2)),
            ..Default::default()
        }];
        let edit = plan_lines_edit(&stored, d("1150.00"), add, &change, &[2]).unwrap();
        // + 800 (second kettle) + 100 (mug) − 300 (filters)
        assert_eq!(edit.total, d("1750.00"));
        assert_eq!(edit.delete, vec![2]);
        assert_eq!(
            edit.removed_here,
            vec![RemovedLine {
                external_id: Some("ext-2".into()),
                sku: Some("SKU-2".into()),
                name: "Фільтр".into()
            }]
        );
        // the platform's quantity is remembered beside ours
        assert_eq!(edit.update[0].quantity, Decimal::from(2));
        assert_eq!(edit.update[0].platform_quantity, Some(Decimal::from(1)));
        let fields: Vec<(&str, Option<i64>)> = edit
            .changes
            .iter()
            .map(|c| (c.field.as_str(), c.item_id))
            .collect();
        assert_eq!(
            fields,
            [
                ("items", Some(2)),
                ("quantity", Some(1)),
                ("items", None),
                ("total", None)
            ]
        );
        assert_eq!(edit.changes[0].before.as_deref(), Some("2 × Фільтр"));
        assert_eq!(edit.changes[2].after.as_deref(), Some("1 × Кружка"));
    }

    // covers: SYNC-2
    #[test]
    fn platform_lines_keep_their_name_and_unknown_lines_are_refused() {
        let stored = vec![platform_line(1, "Чайник", 1, "800.00")];
        let rename = LineChange {
            id: 1,
            name: Some("Kettle".into()),
            ..Default::default()
        };
        let e = plan_lines_edit(&stored, d("800"), vec![], &[rename], &[]).unwrap_err();
        assert_eq!(e.field, "change[0].name");
        let e = plan_lines_edit(&stored, d("800"), vec![], &[], &[9]).unwrap_err();
        assert_eq!(e.field, "remove[0]");
        let both = LineChange {
            id: 1,
            quantity: Some(Decimal::from(3)),
            ..Default::default()
        };
        let e = plan_lines_edit(&stored, d("800"), vec![], &[both], &[1]).unwrap_err();
        assert_eq!(e.field, "change[0].id");
        // setting the platform's own quantity back: nothing remembered any more
        let mut edited = stored.clone();
        edited[0].quantity = Decimal::from(3);
        edited[0].platform_quantity = Some(Decimal::from(1));
        let back = LineChange {
            id: 1,
            quantity: Some(Decimal::from(1)),
            ..Default::default()
        };
        let edit = plan_lines_edit(&edited, d("2400"), vec![], &[back], &[]).unwrap();
        assert_eq!(edit.update[0].platform_quantity, None);
        assert_eq!(edit.total, d("800"));
        // nothing asked, nothing done
        let same = LineChange {
            id: 1,
            quantity: Some(Decimal::from(1)),
            ..Default::default()
        };
        assert!(plan_lines_edit(&stored, d("800"), vec![], &[same], &[])
            .unwrap()
            .is_empty());
    }

    // covers: CUS-1
    #[test]
    fn buyer_details_are_read_as_cus_1_compares_them() {
        let b = BuyerDetails::parse(
            "customer",
            Some(" Олена "),
            None,
            Some("050 123 45 67"),
            Some("Olena@Example.com"),
            None,
            Some(Region::Ukraine),
        )
        .unwrap();
        assert_eq!(b.first_name.as_deref(), Some("Олена"));
        assert_eq!(b.phone.as_ref().map(Phone::as_str), Some("+380501234567"));
        assert_eq!(b.email.as_deref(), Some("olena@example.com"));
        let e = BuyerDetails::parse("customer", None, None, Some("call me"), None, None, None)
            .unwrap_err();
        assert_eq!(e.field, "customer.phone");
        let e = BuyerDetails::parse("customer", None, None, None, Some("nope"), None, None)
            .unwrap_err();
        assert_eq!(e.field, "customer.email");
        assert_eq!(
            buyer_text(Some("Олена"), None, Some("+380501234567"), None).as_deref(),
            Some("Олена, +380501234567")
        );
        assert_eq!(buyer_text(None, None, None, None), None);
    }
}
