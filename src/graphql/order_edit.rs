//! Orders created and edited here (issue 19, SYNC-2, CUS-1): `createOrder`, `updateOrderItems`,
//! `updateOrderCustomer`. Resolvers parse and authorize; the store writes one event per edit.
//! Nothing here is ever sent to a platform.

use super::guards::{parse_id, principal, state, GqlResult};
use super::limits::{check_list, check_opt_len, MAX_ID_LIST};
use super::types::Order;
use crate::domain::money::Currency;
use crate::domain::order_edit::{
    clean_text, parse_price, parse_quantity, BuyerChoice, BuyerDetails, InputError, LineChange,
    LineRequest, OrderDraft, MAX_LINES,
};
use crate::domain::orders::Delivery;
use crate::domain::phone::Region;
use crate::domain::{CustomerId, OrderId, OrderItemId, ProductId, StatusId, UserId};
use crate::store::orders::Actor;
use crate::Error;
use async_graphql::{Context, ErrorExtensions, InputObject, Object, ID};

/// Longest order number given to `createOrder`.
const MAX_NUMBER_LEN: usize = 100;

/// The buyer of an order: `customerId` of a customer you may see (any detail given beside it
/// corrects theirs), or the details alone, matched as an imported buyer is (CUS-1: by phone,
/// else e-mail; an existing customer is reused, never duplicated, and only gains what it
/// lacked). Each text at most 500 characters; `phone` in any usual spelling (`050 123 45 67`,
/// `+380501234567`).
#[derive(InputObject, Default)]
pub struct OrderCustomerInput {
    pub customer_id: Option<ID>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
}

/// A line to add: `productId` of a catalogue product (its name and SKU unless given here), or
/// free text (`name`, optional `sku`). `price`: the unit price, a decimal string such as
/// `"899.50"`; `quantity`: 1 to 1 000 000 pieces.
#[derive(InputObject)]
pub struct OrderItemInput {
    pub product_id: Option<ID>,
    pub name: Option<String>,
    pub sku: Option<String>,
    pub price: String,
    pub quantity: i32,
}

/// A change of one line of the order (`id`: an `OrderItem.id`); fields left out stay. Any line's
/// `quantity` and `price`; `name` and `sku` only of lines added here (a platform's line is
/// matched by them on re-sync, SYNC-2).
#[derive(InputObject)]
pub struct OrderItemChangeInput {
    pub id: ID,
    pub quantity: Option<i32>,
    pub price: Option<String>,
    pub name: Option<String>,
    pub sku: Option<String>,
}

/// Delivery details, written in the order's feed as a comment (DLV-1). `cost`: a decimal string.
#[derive(InputObject, Default)]
pub struct DeliveryInput {
    /// Carrier, e.g. "Нова Пошта".
    pub carrier: Option<String>,
    pub method: Option<String>,
    pub cost: Option<String>,
    /// Recipient and address in one line.
    pub address: Option<String>,
    pub recipient_phone: Option<String>,
}

/// An order created here (origin `HERE`). `currency`: its ISO code (UAH, PLN…); `statusId`: the
/// default `New` status when absent; `number`: the order's id when absent (at most 100
/// characters); `items`: at most 200 lines; `managerId`: an admin (orders created here are seen
/// by admins only, API-3).
#[derive(InputObject)]
pub struct CreateOrderInput {
    pub currency: String,
    pub items: Vec<OrderItemInput>,
    pub customer: Option<OrderCustomerInput>,
    pub delivery: Option<DeliveryInput>,
    pub manager_id: Option<ID>,
    pub status_id: Option<ID>,
    pub number: Option<String>,
}

fn bad(e: InputError) -> async_graphql::Error {
    Error::from(e).extend()
}

fn line_request(field: &str, i: OrderItemInput) -> async_graphql::Result<LineRequest> {
    Ok(LineRequest {
        product_id: i
            .product_id
            .as_ref()
            .map(|p| parse_id::<ProductId>(&format!("{field}.productId"), p).map(|p| p.0))
            .transpose()?,
        name: clean_text(&format!("{field}.name"), i.name.as_deref()).map_err(bad)?,
        sku: clean_text(&format!("{field}.sku"), i.sku.as_deref()).map_err(bad)?,
        price: parse_price(&format!("{field}.price"), &i.price).map_err(bad)?,
        quantity: parse_quantity(&format!("{field}.quantity"), i64::from(i.quantity))
            .map_err(bad)?,
    })
}

fn line_requests(
    field: &str,
    items: Vec<OrderItemInput>,
) -> async_graphql::Result<Vec<LineRequest>> {
    check_list(field, &items, MAX_LINES)?;
    items
        .into_iter()
        .enumerate()
        .map(|(n, i)| line_request(&format!("{field}[{n}]"), i))
        .collect()
}

fn buyer_choice(
    c: OrderCustomerInput,
    region: Option<Region>,
) -> async_graphql::Result<BuyerChoice> {
    let details = BuyerDetails::parse(
        "customer",
        c.first_name.as_deref(),
        c.last_name.as_deref(),
        c.phone.as_deref(),
        c.email.as_deref(),
        c.address.as_deref(),
        region,
    )
    .map_err(bad)?;
    match c.customer_id {
        Some(id) => Ok(BuyerChoice::Existing {
            id: parse_id::<CustomerId>("customer.customerId", &id)?.0,
            correct: details,
        }),
        None if details.is_empty() => Err(Error::bad_input(
            "customer",
            "give a customerId, or the buyer's name, phone or e-mail",
        )
        .extend()),
        None => Ok(BuyerChoice::Details(details)),
    }
}

fn delivery(d: DeliveryInput) -> async_graphql::Result<Option<Delivery>> {
    let text = |name: &str, v: Option<String>| {
        clean_text(&format!("delivery.{name}"), v.as_deref()).map_err(bad)
    };
    let cost = match d.cost.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => Some(parse_price("delivery.cost", c).map_err(bad)?),
        None => None,
    };
    let d = Delivery {
        carrier: text("carrier", d.carrier)?,
        method: text("method", d.method)?,
        cost,
        address: text("address", d.address)?,
        recipient_phone: text("recipientPhone", d.recipient_phone)?,
    };
    Ok((d != Delivery::default()).then_some(d))
}

fn actor(ctx: &Context<'_>) -> async_graphql::Result<Actor> {
    Ok(Actor::User(principal(ctx)?.user_id))
}

#[derive(Default)]
pub struct OrderEditMutation;

#[Object]
impl OrderEditMutation {
    /// Creates an order here (origin `HERE`, no source): its buyer, lines (catalogue products or
    /// free text), delivery, manager and currency. Orders created here belong to no source, so
    /// only admins see them (API-3); others are refused (`FORBIDDEN`). Its feed starts with a
    /// `created` event (and a `delivery` comment, DLV-1).
    async fn create_order(
        &self,
        ctx: &Context<'_>,
        input: CreateOrderInput,
    ) -> async_graphql::Result<Order> {
        let p = principal(ctx)?;
        if !p.admin {
            return Err(Error::Forbidden(
                "orders created here belong to no source, and only admins see them (API-3): \
                 ask an admin to create it"
                    .into(),
            )
            .extend());
        }
        let currency = Currency::parse(&input.currency)
            .map_err(|m| Error::bad_input("currency", m).extend())?;
        check_opt_len("number", input.number.as_deref(), MAX_NUMBER_LEN)?;
        let region = Region::for_currency(currency.as_str());
        let draft = OrderDraft {
            number: input
                .number
                .map(|n| n.trim().to_string())
                .filter(|n| !n.is_empty()),
            currency: currency.as_str().to_string(),
            status_id: input
                .status_id
                .as_ref()
                .map(|s| parse_id::<StatusId>("statusId", s).map(|s| s.0))
                .transpose()?,
            manager_id: input
                .manager_id
                .as_ref()
                .map(|m| parse_id::<UserId>("managerId", m).map(|m| m.0))
                .transpose()?,
            buyer: input
                .customer
                .map(|c| buyer_choice(c, region))
                .transpose()?,
            lines: line_requests("items", input.items)?,
            delivery: input.delivery.map(delivery).transpose()?.flatten(),
        };
        let row = state(ctx)
            .store
            .create_order(draft, actor(ctx)?)
            .await
            .gql()?;
        Ok(Order(row))
    }

    /// Edits an order's lines here (SYNC-2: never sent to the platform): `add` new lines,
    /// `change` lines by id, `remove` lines by id (at most 200 of each; each may be left out). The order's total moves
    /// by what changed (a platform's discounts and delivery stay in it). A later re-sync keeps
    /// the edits: it brings back no line removed here, matches no platform line with one added
    /// here, and applies a quantity only when the platform changes its own. One `items_edited`
    /// event with `changes`. Refused (`CONFLICT`) once the goods are written off (SYNC-3); the
    /// order must be visible to the caller (API-3).
    async fn update_order_items(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        add: Option<Vec<OrderItemInput>>,
        change: Option<Vec<OrderItemChangeInput>>,
        remove: Option<Vec<ID>>,
    ) -> async_graphql::Result<Order> {
        let scope = principal(ctx)?.scope();
        let order_id: OrderId = parse_id("orderId", &order_id)?;
        let (add, change, remove) = (
            add.unwrap_or_default(),
            change.unwrap_or_default(),
            remove.unwrap_or_default(),
        );
        let add = line_requests("add", add)?;
        check_list("change", &change, MAX_LINES)?;
        check_list("remove", &remove, MAX_ID_LIST)?;
        let change = change
            .into_iter()
            .enumerate()
            .map(|(n, c)| {
                let f = |name: &str| format!("change[{n}].{name}");
                Ok(LineChange {
                    id: parse_id::<OrderItemId>(&f("id"), &c.id)?.0,
                    quantity: c
                        .quantity
                        .map(|q| parse_quantity(&f("quantity"), i64::from(q)))
                        .transpose()
                        .map_err(bad)?,
                    price: c
                        .price
                        .map(|p| parse_price(&f("price"), &p))
                        .transpose()
                        .map_err(bad)?,
                    name: clean_text(&f("name"), c.name.as_deref()).map_err(bad)?,
                    sku: clean_text(&f("sku"), c.sku.as_deref()).map_err(bad)?,
                })
            })
            .collect::<async_graphql::Result<Vec<_>>>()?;
        let remove = remove
            .iter()
            .enumerate()
            .map(|(n, id)| parse_id::<OrderItemId>(&format!("remove[{n}]"), id).map(|i| i.0))
            .collect::<async_graphql::Result<Vec<_>>>()?;
        let row = state(ctx)
            .store
            .edit_order_lines(&scope, order_id, add, change, remove, actor(ctx)?)
            .await
            .gql()?;
        Ok(Order(row))
    }

    /// Sets an order's buyer here (SYNC-2: never sent to the platform): a customer of the list by
    /// `customerId` (details given beside it correct theirs: a phone or e-mail another customer
    /// has is `CONFLICT`), or details matched as CUS-1 matches an imported buyer. Users of the
    /// order's source then read the buyer as given (API-3). One `customer_changed` event with
    /// `changes`; the order must be visible to the caller.
    async fn update_order_customer(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        customer: OrderCustomerInput,
    ) -> async_graphql::Result<Order> {
        let scope = principal(ctx)?.scope();
        let order_id: OrderId = parse_id("orderId", &order_id)?;
        let st = state(ctx);
        let order = st
            .store
            .order(&scope, order_id)
            .await
            .gql()?
            .ok_or_else(|| Error::not_found("order").extend())?;
        let choice = buyer_choice(customer, Region::for_currency(&order.currency))?;
        let row = st
            .store
            .change_order_buyer(&scope, order_id, choice, actor(ctx)?)
            .await
            .gql()?;
        Ok(Order(row))
    }
}
