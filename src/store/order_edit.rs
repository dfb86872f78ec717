//! Orders created and edited here (issue 19): `createOrder` (origin HERE: no source), and edits of
//! an order's lines and buyer. Every edit is one event in the order's feed with what it changed
//! (`domain::changes`); nothing of it is queued for a platform (SYNC-2), and a later re-sync leaves
//! it alone (`domain::merge`). Orders are read and locked inside the edit's transaction, so an edit
//! and a re-sync of one order take turns.

use super::contacts::note_contacts;
use super::orders::{find_or_create_customer, insert_event, Actor};
use super::{now, rows::*, Store};
use crate::domain::auth::SourceScope;
use crate::domain::changes::{event_data, field, FieldChange};
use crate::domain::contact::Contact;
use crate::domain::merge::{delivery_comment, RemovedLine};
use crate::domain::money::format_amount;
use crate::domain::order_edit::{
    buyer_text, plan_lines_edit, total_of, BuyerChoice, BuyerDetails, LineChange, LineRequest,
    NewLine, OrderDraft, StoredLine,
};
use crate::domain::orders::customer_search_text;
use crate::domain::{OrderId, StatusGroup, StatusId, UserId};
use crate::error::{Error, Result};
use entity::{customer, customer_contact, order, order_item, product};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::HashMap;

impl Store {
    /// Creates an order here (origin HERE): its buyer (CUS-1), lines, delivery (a feed comment,
    /// DLV-1), manager and currency; its number is its id unless one is given. Such orders belong
    /// to no source, so only admins see them (API-3): the caller and the manager must be admins.
    pub async fn create_order(&self, draft: OrderDraft, actor: Actor) -> Result<OrderRow> {
        let status = match draft.status_id {
            Some(id) => self
                .status(StatusId(id))
                .await?
                .ok_or_else(|| Error::bad_input("statusId", "no such status"))?,
            None => self.default_new_status().await?,
        };
        let manager = match draft.manager_id {
            Some(m) => {
                let u = self
                    .user(UserId(m))
                    .await?
                    .ok_or_else(|| Error::bad_input("managerId", "no such user"))?;
                if !u.admin {
                    return Err(Error::Forbidden(format!(
                        "{} may not open orders created here (they belong to no source, and only \
                         admins see them): choose an admin or leave the order unassigned",
                        u.name
                    )));
                }
                Some(u)
            }
            None => None,
        };
        let lines = self.resolve_lines("items", draft.lines).await?;
        let total = total_of(&lines)?;
        let seen = self
            .buyer_as_seen(&SourceScope::All, draft.buyer.as_ref())
            .await?;
        let t = now();
        let txn = self.write_txn().await?;
        let customer_id = match &draft.buyer {
            Some(choice) => Some(set_buyer(&txn, choice, seen.as_ref(), None).await?.0),
            None => None,
        };
        let row = order::ActiveModel {
            source_id: Set(None),
            external_id: Set(None),
            number: Set(draft.number.clone().unwrap_or_default()),
            status_id: Set(status.id),
            source_status: Set(None),
            customer_id: Set(customer_id),
            manager_id: Set(manager.as_ref().map(|u| u.id)),
            total: Set(total),
            currency: Set(draft.currency.clone()),
            currency_mismatch: Set(false),
            tracking_number: Set(None),
            platform_tracking_number: Set(None),
            delivery: Set(draft
                .delivery
                .as_ref()
                .and_then(|d| serde_json::to_value(d).ok())),
            payments: Set(None),
            discounts: Set(None),
            commission: Set(None),
            written_off: Set(false),
            written_off_at: Set(None),
            platform_created_at: Set(t),
            platform_updated_at: Set(None),
            last_synced_at: Set(None),
            last_manual_sync_at: Set(None),
            push_error: Set(None),
            created_at: Set(t),
            updated_at: Set(t),
            items_removed_here: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        let row = if draft.number.is_none() {
            let number = row.id.to_string();
            let mut am: order::ActiveModel = row.into();
            am.number = Set(number);
            am.update(&txn).await?
        } else {
            row
        };
        let id = OrderId(row.id);
        insert_lines(&txn, row.id, &lines, t).await?;
        let mut message = format!(
            "Order {} created here: {} line(s), total {} {}",
            row.number,
            lines.len(),
            format_amount(total),
            row.currency
        );
        if let Some(m) = &manager {
            message.push_str(&format!(", manager {}", m.name));
        }
        insert_event(&txn, id, "created", message, None, actor).await?;
        if let Some(d) = &draft.delivery {
            let comment = delivery_comment(d);
            let data = event_data(&[FieldChange::new(
                field::DELIVERY,
                None,
                Some(comment.clone()),
            )]);
            insert_event(&txn, id, "delivery", comment, Some(data), actor).await?;
        }
        txn.commit().await?;
        Ok(row)
    }

    /// Edits an order's lines (SYNC-2: never sent to the platform): adds lines, changes the
    /// quantity and price of any line (and the name and SKU of lines added here), removes lines.
    /// The total moves by what changed. One `items_edited` event; the order as it is now.
    pub async fn edit_order_lines(
        &self,
        scope: &SourceScope,
        id: OrderId,
        add: Vec<LineRequest>,
        change: Vec<LineChange>,
        remove: Vec<i64>,
        actor: Actor,
    ) -> Result<OrderRow> {
        self.order(scope, id)
            .await?
            .ok_or_else(|| Error::not_found("order"))?;
        let add = self.resolve_lines("add", add).await?;
        let txn = self.write_txn().await?;
        let order = locked_order(&txn, id).await?;
        if order.written_off {
            return Err(Error::Conflict(
                "the order's goods are written off: its lines no longer change (SYNC-3)".into(),
            ));
        }
        let items = order_item::Entity::find()
            .filter(order_item::Column::OrderId.eq(id.0))
            .order_by_asc(order_item::Column::Id)
            .all(&txn)
            .await?;
        let stored: Vec<StoredLine> = items
            .iter()
            .map(|i| StoredLine {
                id: i.id,
                external_id: i.external_id.clone(),
                name: i.name.clone(),
                sku: i.sku.clone(),
                quantity: i.quantity,
                price: i.price,
                added_here: i.added_here,
                removed_on_platform: i.removed_on_platform,
                platform_quantity: i.platform_quantity,
            })
            .collect();
        let mut plan = plan_lines_edit(&stored, order.total, add, &change, &remove)?;
        if plan.is_empty() {
            return Ok(order);
        }
        let t = now();
        if !plan.delete.is_empty() {
            order_item::Entity::delete_many()
                .filter(order_item::Column::Id.is_in(plan.delete.clone()))
                .exec(&txn)
                .await?;
        }
        for u in &plan.update {
            let Some(item) = items.iter().find(|i| i.id == u.id) else {
                continue;
            };
            let mut am: order_item::ActiveModel = item.clone().into();
            am.quantity = Set(u.quantity);
            am.price = Set(u.price);
            am.name = Set(u.name.clone());
            am.sku = Set(u.sku.clone());
            am.platform_quantity = Set(u.platform_quantity);
            am.update(&txn).await?;
        }
        let added = insert_lines(&txn, id.0, &plan.add, t).await?;
        // the lines added now get their ids in the feed, in the order they were given
        let mut ids = added.into_iter();
        for c in plan
            .changes
            .iter_mut()
            .filter(|c| c.field == field::ITEMS && c.before.is_none())
        {
            c.item_id = ids.next();
        }
        let mut am: order::ActiveModel = order.clone().into();
        if !plan.removed_here.is_empty() {
            let mut removed: Vec<RemovedLine> = order
                .items_removed_here
                .clone()
                .and_then(|v| serde_json::from_value(v).ok())
                .unwrap_or_default();
            removed.extend(plan.removed_here.iter().cloned());
            am.items_removed_here = Set(serde_json::to_value(removed).ok());
        }
        am.total = Set(plan.total);
        am.updated_at = Set(t);
        let row = am.update(&txn).await?;
        let message = lines_message(&plan.changes, &row.currency);
        insert_event(
            &txn,
            id,
            "items_edited",
            message,
            Some(event_data(&plan.changes)),
            actor,
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }

    /// Sets an order's buyer (SYNC-2: never sent to the platform): a customer of the list
    /// (`Existing`, whose details given correct theirs) or details matched as CUS-1 matches an
    /// imported buyer. Users of the order's source read the buyer as given here (API-3). One
    /// `customer_changed` event; the order as it is now.
    pub async fn change_order_buyer(
        &self,
        scope: &SourceScope,
        id: OrderId,
        choice: BuyerChoice,
        actor: Actor,
    ) -> Result<OrderRow> {
        self.order(scope, id)
            .await?
            .ok_or_else(|| Error::not_found("order"))?;
        let seen = self.buyer_as_seen(scope, Some(&choice)).await?;
        let txn = self.write_txn().await?;
        let order = locked_order(&txn, id).await?;
        let before = match order.customer_id {
            Some(c) => buyer_shown(&txn, c, order.source_id).await?,
            None => None,
        };
        let (customer_id, mut changes) =
            set_buyer(&txn, &choice, seen.as_ref(), order.source_id).await?;
        let after = buyer_shown(&txn, customer_id, order.source_id).await?;
        if order.customer_id == Some(customer_id) && changes.is_empty() {
            return Ok(order);
        }
        if before != after {
            changes.insert(0, FieldChange::new(field::CUSTOMER, before, after.clone()));
        }
        let mut am: order::ActiveModel = order.into();
        am.customer_id = Set(Some(customer_id));
        am.updated_at = Set(now());
        let row = am.update(&txn).await?;
        let message = format!(
            "Buyer set here: {}",
            after.unwrap_or_else(|| "(no details)".into())
        );
        insert_event(
            &txn,
            id,
            "customer_changed",
            message,
            Some(event_data(&changes)),
            actor,
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }

    /// The seeded `new` status, else the first of the new group (IMP-7's default).
    async fn default_new_status(&self) -> Result<StatusRow> {
        if let Some(s) = self.status_by_key("new").await? {
            return Ok(s);
        }
        self.statuses()
            .await?
            .into_iter()
            .find(|s| s.status_group == StatusGroup::New.as_str())
            .ok_or_else(|| Error::Internal("no status of the new group".into()))
    }

    /// Lines to store, their products' names and SKUs filled in; a product that does not exist
    /// is refused naming the line (`items[2].productId`).
    async fn resolve_lines(&self, field: &str, lines: Vec<LineRequest>) -> Result<Vec<NewLine>> {
        let ids: Vec<i64> = lines.iter().filter_map(|l| l.product_id).collect();
        let products: HashMap<i64, ProductRow> = if ids.is_empty() {
            HashMap::new()
        } else {
            product::Entity::find()
                .filter(product::Column::Id.is_in(ids))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect()
        };
        let mut out = Vec::with_capacity(lines.len());
        for (i, l) in lines.into_iter().enumerate() {
            let at = format!("{field}[{i}]");
            let product = match l.product_id {
                Some(pid) => Some(products.get(&pid).ok_or_else(|| {
                    Error::bad_input(&format!("{at}.productId"), "no such product")
                })?),
                None => None,
            };
            out.push(l.resolve(&at, product.map(|p| (p.name.as_str(), p.sku.as_deref())))?);
        }
        Ok(out)
    }

    /// The customer an `Existing` choice names, as the caller sees them (API-3); `NOT_FOUND` for
    /// one they may not see.
    async fn buyer_as_seen(
        &self,
        scope: &SourceScope,
        choice: Option<&BuyerChoice>,
    ) -> Result<Option<CustomerRow>> {
        match choice {
            Some(BuyerChoice::Existing { id, .. }) => Ok(Some(
                self.customer(scope, *id)
                    .await?
                    .ok_or_else(|| Error::not_found("customer"))?,
            )),
            _ => Ok(None),
        }
    }
}

/// The order, read for update (PostgreSQL locks the row; SQLite's write transaction holds the
/// whole database already).
async fn locked_order<C: ConnectionTrait>(db: &C, id: OrderId) -> Result<OrderRow> {
    let mut q = order::Entity::find_by_id(id.0);
    if db.get_database_backend() == DbBackend::Postgres {
        q = q.lock_exclusive();
    }
    q.one(db).await?.ok_or_else(|| Error::not_found("order"))
}

/// Inserts lines a person added here; their ids in order.
async fn insert_lines<C: ConnectionTrait>(
    db: &C,
    order_id: i64,
    lines: &[NewLine],
    t: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(lines.len());
    for l in lines {
        let row = order_item::ActiveModel {
            order_id: Set(order_id),
            product_id: Set(l.product_id),
            external_id: Set(None),
            name: Set(l.name.clone()),
            sku: Set(l.sku.clone()),
            code: Set(None),
            quantity: Set(l.quantity),
            price: Set(l.price),
            upsell: Set(false),
            added_by_sync: Set(false),
            removed_on_platform: Set(false),
            written_off: Set(false),
            created_at: Set(t),
            added_here: Set(true),
            platform_quantity: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await?;
        ids.push(row.id);
    }
    Ok(ids)
}

/// The feed message of a lines edit: `Lines edited here: + 1 × Кружка; Чайник: quantity 1 → 2`.
fn lines_message(changes: &[FieldChange], currency: &str) -> String {
    let parts: Vec<String> = changes
        .iter()
        .map(|c| {
            let before = c.before.as_deref().unwrap_or("—");
            let after = c.after.as_deref().unwrap_or("—");
            match c.field.as_str() {
                field::ITEMS if c.before.is_none() => format!("added {after}"),
                field::ITEMS => format!("removed {before}"),
                field::TOTAL => format!("total {before} → {after} {currency}"),
                f => format!("line {}: {f} {before} → {after}", c.item_id.unwrap_or(0)),
            }
        })
        .collect();
    format!("Lines edited here: {}", parts.join("; "))
}

/// Makes `choice` the buyer and returns its id with the corrections made to their details.
/// `seen` is the existing customer as the caller sees them; `source` the order's source, whose
/// contact of the buyer its users read (API-3).
async fn set_buyer<C: ConnectionTrait>(
    db: &C,
    choice: &BuyerChoice,
    seen: Option<&CustomerRow>,
    source: Option<i64>,
) -> Result<(i64, Vec<FieldChange>)> {
    match choice {
        BuyerChoice::Details(d) => {
            let imported = d.as_imported();
            let id = find_or_create_customer(db, &imported).await?;
            if let Some(s) = source {
                note_contacts(db, &[(id, s, Contact::of(&imported))]).await?;
            }
            Ok((id, vec![]))
        }
        BuyerChoice::Existing { id, correct } => {
            let changes = correct_customer(db, *id, correct).await?;
            if let Some(s) = source {
                correct_contact(db, *id, s, seen, correct).await?;
            }
            Ok((*id, changes))
        }
    }
}

/// A person's corrections of a customer's shared record: every field given replaces the stored
/// one. A phone or e-mail another customer has is refused (CUS-1 finds a customer by them).
async fn correct_customer<C: ConnectionTrait>(
    db: &C,
    id: i64,
    correct: &BuyerDetails,
) -> Result<Vec<FieldChange>> {
    if correct.is_empty() {
        return Ok(vec![]);
    }
    let row = customer::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::not_found("customer"))?;
    let phone = correct.phone.as_ref().map(|p| p.as_str().to_string());
    for (name, column, value) in [
        ("phone", customer::Column::Phone, phone.clone()),
        ("email", customer::Column::Email, correct.email.clone()),
    ] {
        let Some(v) = value else { continue };
        let other = customer::Entity::find()
            .filter(column.eq(v))
            .filter(customer::Column::Id.ne(id))
            .one(db)
            .await?;
        if other.is_some() {
            return Err(Error::Conflict(format!(
                "another customer has this {name}: choose that customer, or give the buyer's \
                 details without customerId to have them found by it (CUS-1)"
            )));
        }
    }
    let mut changes = vec![];
    let mut am: customer::ActiveModel = row.clone().into();
    let mut take = |name: &str, have: &Option<String>, given: &Option<String>| match given {
        Some(g) if have.as_ref() != Some(g) => {
            changes.push(FieldChange::new(
                &format!("{}.{name}", field::CUSTOMER),
                have.clone(),
                Some(g.clone()),
            ));
            Some(g.clone())
        }
        _ => None,
    };
    let first = take("firstName", &row.first_name, &correct.first_name);
    let last = take("lastName", &row.last_name, &correct.last_name);
    let phone = take("phone", &row.phone, &phone);
    let email = take("email", &row.email, &correct.email);
    let address = take("address", &row.address, &correct.address);
    if changes.is_empty() {
        return Ok(changes);
    }
    let pick = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
    let (f, l, p, e) = (
        pick(&first, &row.first_name),
        pick(&last, &row.last_name),
        pick(&phone, &row.phone),
        pick(&email, &row.email),
    );
    am.search_text = Set(customer_search_text(
        f.as_deref(),
        l.as_deref(),
        p.as_deref(),
        e.as_deref(),
    ));
    am.first_name = Set(f);
    am.last_name = Set(l);
    am.phone = Set(p);
    am.email = Set(e);
    am.address = Set(pick(&address, &row.address));
    am.unspecified = Set(false);
    am.updated_at = Set(now());
    am.update(db).await?;
    Ok(changes)
}

/// What the users of `source` read of a customer chosen for one of its orders: the source's own
/// contact of them (else the customer as the caller saw them), with the corrections given.
async fn correct_contact<C: ConnectionTrait>(
    db: &C,
    customer_id: i64,
    source: i64,
    seen: Option<&CustomerRow>,
    correct: &BuyerDetails,
) -> Result<()> {
    let stored = customer_contact::Entity::find()
        .filter(customer_contact::Column::CustomerId.eq(customer_id))
        .filter(customer_contact::Column::SourceId.eq(source))
        .one(db)
        .await?;
    let seen = seen.map(|c| Contact {
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        phone: c.phone.clone(),
        email: c.email.clone(),
        address: c.address.clone(),
        unspecified: c.unspecified,
    });
    let base = match &stored {
        Some(m) => Contact {
            first_name: m.first_name.clone(),
            last_name: m.last_name.clone(),
            phone: m.phone.clone(),
            email: m.email.clone(),
            address: m.address.clone(),
            unspecified: m.unspecified,
        }
        .filled_in(&seen.unwrap_or_default()),
        None => seen.unwrap_or_default(),
    };
    let pick = |given: &Option<String>, had: Option<String>| given.clone().or(had);
    let c = Contact {
        first_name: pick(&correct.first_name, base.first_name),
        last_name: pick(&correct.last_name, base.last_name),
        phone: pick(
            &correct.phone.as_ref().map(|p| p.as_str().to_string()),
            base.phone,
        ),
        email: pick(&correct.email, base.email),
        address: pick(&correct.address, base.address),
        unspecified: base.unspecified && correct.is_empty(),
    };
    let t = now();
    match stored {
        Some(m) => {
            let mut am: customer_contact::ActiveModel = m.into();
            am.search_text = Set(c.search_text());
            am.first_name = Set(c.first_name);
            am.last_name = Set(c.last_name);
            am.phone = Set(c.phone);
            am.email = Set(c.email);
            am.address = Set(c.address);
            am.unspecified = Set(c.unspecified);
            am.updated_at = Set(t);
            am.update(db).await?;
        }
        None => {
            customer_contact::ActiveModel {
                customer_id: Set(customer_id),
                source_id: Set(source),
                search_text: Set(c.search_text()),
                first_name: Set(c.first_name),
                last_name: Set(c.last_name),
                phone: Set(c.phone),
                email: Set(c.email),
                address: Set(c.address),
                unspecified: Set(c.unspecified),
                created_at: Set(t),
                updated_at: Set(t),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// A buyer as the order shows them to its readers: the source's contact of them for an order of
/// a source (API-3: never what another source brought), the shared record for one created here.
async fn buyer_shown<C: ConnectionTrait>(
    db: &C,
    customer_id: i64,
    source: Option<i64>,
) -> Result<Option<String>> {
    let (first, last, phone, email) = match source {
        Some(s) => match customer_contact::Entity::find()
            .filter(customer_contact::Column::CustomerId.eq(customer_id))
            .filter(customer_contact::Column::SourceId.eq(s))
            .one(db)
            .await?
        {
            Some(m) => (m.first_name, m.last_name, m.phone, m.email),
            None => return Ok(None),
        },
        None => match customer::Entity::find_by_id(customer_id).one(db).await? {
            Some(m) => (m.first_name, m.last_name, m.phone, m.email),
            None => return Ok(None),
        },
    };
    Ok(buyer_text(
        first.as_deref(),
        last.as_deref(),
        phone.as_deref(),
        email.as_deref(),
    ))
}
