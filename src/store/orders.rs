//! Orders: the filtered, cursor-paged list (API-2), status changes, tracking numbers, write-off
//! (SYNC-3), the upsell switch (SYNC-1) and the first import of an order (IMP-3/4/5, CUS-1, SRC-4).

use super::{like_pattern, now, rows::*, Store};
use crate::domain::auth::SourceScope;
use crate::domain::orders::ImportedItem;
use crate::domain::orders::{
    customer_search_text, ImportedCustomer, ImportedOrder, OrderCursor, OrderFilter, OrderSort,
    OrderSortField, Origin, SortKey,
};
use crate::domain::push::TrackingMoment;
use crate::domain::{OrderId, OrderItemId, SourceId, StatusGroup, StatusId, SyncRunId, UserId};
use crate::error::{Error, Result};
use crate::store::push::{queue_status_push, queue_tracking_push};
use entity::{customer, customer_contact, order, order_event, order_item, source, status};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set,
};

/// A burst of stock changes within this time becomes one push per source (STK-1).
pub const STOCK_DEBOUNCE: std::time::Duration = std::time::Duration::from_secs(2);

pub struct OrderPage {
    pub rows: Vec<OrderRow>,
    pub has_next: bool,
    /// Orders precede the page (Relay's `hasPreviousPage`): exact both ways.
    pub has_previous: bool,
    /// All orders the filter matches, whatever the cursor, when the page was asked to count them
    /// and could (see `PageParts::total`).
    pub total: Option<u64>,
}

/// Who did something to an order, for its event feed.
#[derive(Clone, Copy, Debug)]
pub enum Actor {
    User(UserId),
    System,
    /// A poll, backfill or manual sync (SYNC-5 names the run).
    Sync(SyncRunId),
    /// A webhook delivery (SYNC-5 names it).
    Webhook(crate::domain::WebhookDeliveryId),
}

impl Store {
    pub async fn orders_count(&self, scope: &SourceScope, filter: &OrderFilter) -> Result<u64> {
        let Some(cond) = order_condition(scope, filter) else {
            return Ok(0);
        };
        Ok(order::Entity::find().filter(cond).count(&self.db).await?)
    }

    /// An order the scope may see; `None` for one that does not exist or is not visible (API-3).
    pub async fn order(&self, scope: &SourceScope, id: OrderId) -> Result<Option<OrderRow>> {
        let row = order::Entity::find_by_id(id.0).one(&self.db).await?;
        Ok(row.filter(|o| visible(scope, o.source_id)))
    }

    async fn visible_order(&self, scope: &SourceScope, id: OrderId) -> Result<OrderRow> {
        self.order(scope, id)
            .await?
            .ok_or_else(|| Error::not_found("order"))
    }

    pub async fn change_order_status(
        &self,
        scope: &SourceScope,
        id: OrderId,
        status_id: StatusId,
        cancellation_reason: Option<String>,
        actor: Actor,
    ) -> Result<OrderRow> {
        let order = self.visible_order(scope, id).await?;
        let target = self
            .status_change_target(status_id, &cancellation_reason)
            .await?;
        if order.status_id == status_id.0 {
            return Ok(order);
        }
        let from = self
            .status(StatusId(order.status_id))
            .await?
            .map(|s| s.name);
        let push = self.push_context(&order).await?;
        let txn = self.write_txn().await?;
        let (row, queued) = enter_status(
            &txn,
            order,
            &target,
            from,
            cancellation_reason.as_deref(),
            push.as_ref(),
            actor,
        )
        .await?;
        txn.commit().await?;
        if queued {
            self.wake_outbox();
        }
        Ok(row)
    }

    /// The status an order is moved to, checked with its cancellation reason.
    async fn status_change_target(
        &self,
        status_id: StatusId,
        cancellation_reason: &Option<String>,
    ) -> Result<(StatusRow, StatusGroup)> {
        let target = self
            .status(status_id)
            .await?
            .ok_or_else(|| Error::bad_input("statusId", "no such status"))?;
        let group: StatusGroup = target.status_group.parse().map_err(Error::Internal)?;
        if cancellation_reason.is_some() && group != StatusGroup::Cancelled {
            return Err(Error::bad_input(
                "cancellationReason",
                "only a status of the cancelled group takes a cancellation reason",
            ));
        }
        Ok((target, group))
    }

    /// Moves several orders to one status, each as `change_order_status` moves one (its feed
    /// event, its pushes under the source's rules, ST-4), in one transaction with the outbox
    /// woken once. Answers each distinct id in the order asked: changed, unchanged (already in
    /// the status), or refused with the reason (an order the scope may not see is "not found",
    /// API-3). A bad status or reason refuses the whole call.
    pub async fn change_orders_status(
        &self,
        scope: &SourceScope,
        ids: &[OrderId],
        status_id: StatusId,
        cancellation_reason: Option<String>,
        actor: Actor,
    ) -> Result<Vec<(OrderId, StatusChangeOutcome)>> {
        let target = self
            .status_change_target(status_id, &cancellation_reason)
            .await?;
        let mut asked: Vec<OrderId> = Vec::with_capacity(ids.len());
        for id in ids {
            if !asked.contains(id) {
                asked.push(*id);
            }
        }
        let mut found: std::collections::HashMap<i64, OrderRow> = order::Entity::find()
            .filter(order::Column::Id.is_in(asked.iter().map(|i| i.0)))
            .all(&self.db)
            .await?
            .into_iter()
            .filter(|o| visible(scope, o.source_id))
            .map(|o| (o.id, o))
            .collect();
        let names: std::collections::HashMap<i64, String> = self
            .statuses()
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        let mut contexts: std::collections::HashMap<i64, Option<super::push::PushContext>> =
            std::collections::HashMap::new();
        for o in found.values() {
            if let Some(sid) = o.source_id {
                if let std::collections::hash_map::Entry::Vacant(v) = contexts.entry(sid) {
                    v.insert(self.push_context(o).await?);
                }
            }
        }
        let txn = self.write_txn().await?;
        let mut queued = false;
        let mut out = Vec::with_capacity(asked.len());
        for id in asked {
            let Some(order) = found.remove(&id.0) else {
                out.push((id, StatusChangeOutcome::Refused(Error::not_found("order"))));
                continue;
            };
            if order.status_id == status_id.0 {
                out.push((id, StatusChangeOutcome::Unchanged(order)));
                continue;
            }
            let from = names.get(&order.status_id).cloned();
            let push = order
                .source_id
                .and_then(|s| contexts.get(&s))
                .and_then(Option::as_ref);
            let (row, q) = enter_status(
                &txn,
                order,
                &target,
                from,
                cancellation_reason.as_deref(),
                push,
                actor,
            )
            .await?;
            queued |= q;
            out.push((id, StatusChangeOutcome::Changed(row)));
        }
        txn.commit().await?;
        if queued {
            self.wake_outbox();
        }
        Ok(out)
    }

    /// Adds a person's comment to the order's feed (kind `comment`, with its author).
    pub async fn add_order_comment(
        &self,
        scope: &SourceScope,
        id: OrderId,
        text: &str,
        actor: Actor,
    ) -> Result<OrderEventRow> {
        self.visible_order(scope, id).await?;
        insert_event(&self.writer, id, "comment", text.to_string(), None, actor).await
    }

    /// Gives orders to a manager, or takes them from theirs (`None`). Every order must be
    /// visible to `scope`, and the manager must be able to open each one (an admin, or granted its
    /// source): an order nobody assigned can see is refused whole, naming the order and source.
    /// Recorded in each changed order's feed; returns the orders in the order asked.
    pub async fn assign_manager(
        &self,
        scope: &SourceScope,
        ids: &[OrderId],
        manager: Option<UserId>,
        actor: Actor,
    ) -> Result<Vec<OrderRow>> {
        let mut orders = Vec::with_capacity(ids.len());
        for id in ids {
            orders.push(self.visible_order(scope, *id).await?);
        }
        let manager = match manager {
            Some(m) => {
                let user = self
                    .user(m)
                    .await?
                    .ok_or_else(|| Error::not_found("user"))?;
                let granted = self.grants_by_user_ids(&[m.0]).await?;
                let sees = crate::domain::auth::Principal {
                    user_id: m,
                    name: user.name.clone(),
                    admin: user.admin,
                    granted: granted
                        .get(&m.0)
                        .into_iter()
                        .flatten()
                        .map(|s| SourceId(*s))
                        .collect(),
                }
                .scope();
                if let Some(o) = orders
                    .iter()
                    .find(|o| !sees.sees_order_of(o.source_id.map(SourceId)))
                {
                    let source = match o.source_id {
                        Some(s) => self.sources_by_ids(&[s]).await?.first().map_or_else(
                            || format!("source {s}"),
                            |s| format!("source «{}»", s.name),
                        ),
                        None => "orders created here".to_string(),
                    };
                    return Err(Error::Forbidden(format!(
                        "{} may not open order {} ({source} is not granted to them): grant it first",
                        user.name, o.number
                    )));
                }
                Some(user)
            }
            None => None,
        };
        let want = manager.as_ref().map(|u| u.id);
        let txn = self.write_txn().await?;
        let mut rows = Vec::with_capacity(orders.len());
        for order in orders {
            if order.manager_id == want {
                rows.push(order);
                continue;
            }
            let id = OrderId(order.id);
            let mut am: order::ActiveModel = order.into();
            am.manager_id = Set(want);
            am.updated_at = Set(now());
            let row = am.update(&txn).await?;
            let message = match &manager {
                Some(u) => format!("Manager: {}", u.name),
                None => "Manager removed".to_string(),
            };
            add_event(&txn, id, "manager_changed", message, None, actor).await?;
            rows.push(row);
        }
        txn.commit().await?;
        Ok(rows)
    }

    pub async fn set_tracking_number(
        &self,
        scope: &SourceScope,
        id: OrderId,
        tracking: &str,
        actor: Actor,
    ) -> Result<OrderRow> {
        let tracking = tracking.trim();
        if tracking.is_empty() || tracking.len() > 64 {
            return Err(Error::bad_input(
                "trackingNumber",
                "must be 1 to 64 characters",
            ));
        }
        let order = self.visible_order(scope, id).await?;
        if order.tracking_number.as_deref() == Some(tracking) {
            return Ok(order);
        }
        let push = self.push_context(&order).await?;
        let txn = self.write_txn().await?;
        let mut am: order::ActiveModel = order.into();
        am.tracking_number = Set(Some(tracking.to_string()));
        am.updated_at = Set(now());
        let row = am.update(&txn).await?;
        add_event(
            &txn,
            id,
            "tracking_number_set",
            format!("Tracking number set to {tracking}"),
            None,
            actor,
        )
        .await?;
        let mut queued = false;
        if let Some(ctx) = &push {
            queued = queue_tracking_push(&txn, ctx, &row, TrackingMoment::NumberSet, actor).await?;
        }
        txn.commit().await?;
        if queued {
            self.wake_outbox();
        }
        Ok(row)
    }

    /// SYNC-1: only items added on the platform after import can be marked as upsell.
    pub async fn set_item_upsell(
        &self,
        scope: &SourceScope,
        item_id: OrderItemId,
        upsell: bool,
        actor: Actor,
    ) -> Result<OrderItemRow> {
        let item = order_item::Entity::find_by_id(item_id.0)
            .one(&self.db)
            .await?
            .ok_or_else(|| Error::not_found("order item"))?;
        self.visible_order(scope, OrderId(item.order_id))
            .await
            .map_err(|_| Error::not_found("order item"))?;
        if upsell && !item.added_by_sync {
            return Err(Error::bad_input(
                "itemId",
                "only items added on the platform after the order was imported can be marked as upsell",
            ));
        }
        if item.upsell == upsell {
            return Ok(item);
        }
        let order_id = OrderId(item.order_id);
        let name = item.name.clone();
        let txn = self.write_txn().await?;
        let mut am: order_item::ActiveModel = item.into();
        am.upsell = Set(upsell);
        let row = am.update(&txn).await?;
        let verb = if upsell {
            "marked as upsell"
        } else {
            "no longer an upsell"
        };
        add_event(
            &txn,
            order_id,
            "upsell_changed",
            format!("{name}: {verb}"),
            None,
            actor,
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }

    /// Stores one imported order as a sync would (IMP-4: a second import of the same external id
    /// changes nothing new); returns the order and whether it was created now.
    pub async fn import_new_order(
        &self,
        source_id: SourceId,
        o: &ImportedOrder,
    ) -> Result<(OrderRow, bool)> {
        let counts = self
            .apply_orders(source_id, std::slice::from_ref(o), Actor::System)
            .await?;
        let row = self
            .order_by_external(source_id, &o.external_id)
            .await?
            .ok_or_else(|| Error::Internal("imported order not found".into()))?;
        Ok((row, counts.created == 1))
    }

    /// SYNC-1: an item that appeared on the platform after import; it may be marked as upsell.
    pub async fn add_item_from_platform(
        &self,
        order_id: OrderId,
        item: &ImportedItem,
    ) -> Result<OrderItemId> {
        let txn = self.write_txn().await?;
        let row = order_item::ActiveModel {
            order_id: Set(order_id.0),
            product_id: Set(None),
            external_id: Set(item.external_id.clone()),
            name: Set(item.name.clone()),
            sku: Set(item.sku.clone()),
            code: Set(item.code.clone()),
            quantity: Set(item.quantity),
            price: Set(item.price),
            upsell: Set(false),
            added_by_sync: Set(true),
            removed_on_platform: Set(false),
            written_off: Set(false),
            created_at: Set(now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        add_event(
            &txn,
            order_id,
            "item_added",
            format!("{} × {} added on the platform", item.quantity, item.name),
            None,
            Actor::System,
        )
        .await?;
        txn.commit().await?;
        Ok(OrderItemId(row.id))
    }

    pub async fn order_by_external(
        &self,
        source_id: SourceId,
        external_id: &str,
    ) -> Result<Option<OrderRow>> {
        Ok(order::Entity::find()
            .filter(order::Column::SourceId.eq(source_id.0))
            .filter(order::Column::ExternalId.eq(external_id))
            .one(&self.db)
            .await?)
    }
}

fn visible(scope: &SourceScope, source_id: Option<i64>) -> bool {
    scope.sees_order_of(source_id.map(SourceId))
}

/// The orders after `c` in the list's order (newest first, then by id).
/// The orders after cursor `c` in `sort`: a later key, or the same key and a later id.
pub(crate) fn page_after(c: &OrderCursor, sort: OrderSort) -> Condition {
    let column = sort_column(sort.field);
    let key: sea_orm::Value = match &c.key {
        SortKey::At(at) => (*at).into(),
        SortKey::Total(t) => (*t).into(),
        SortKey::Number(n) => n.clone().into(),
    };
    let (beyond, id_beyond) = if sort.descending {
        (column.lt(key.clone()), order::Column::Id.lt(c.id))
    } else {
        (column.gt(key.clone()), order::Column::Id.gt(c.id))
    };
    Condition::any()
        .add(beyond)
        .add(Condition::all().add(column.eq(key)).add(id_beyond))
}

/// The column the list is sorted by.
pub(crate) fn sort_column(field: OrderSortField) -> order::Column {
    match field {
        OrderSortField::CreatedAt => order::Column::PlatformCreatedAt,
        OrderSortField::UpdatedAt => order::Column::UpdatedAt,
        OrderSortField::Total => order::Column::Total,
        OrderSortField::Number => order::Column::Number,
    }
}

/// The WHERE clause of the order list; `None` when the scope can see nothing at all.
pub(crate) fn order_condition(scope: &SourceScope, f: &OrderFilter) -> Option<Condition> {
    let mut c = Condition::all();
    if let SourceScope::Only(ids) = scope {
        if ids.is_empty() {
            return None;
        }
        c = c.add(order::Column::SourceId.is_in(ids.iter().map(|s| s.0)));
    }
    if let Some(s) = f.source_id {
        c = c.add(order::Column::SourceId.eq(s.0));
    }
    if let Some(p) = f.platform {
        c = c.add(
            order::Column::SourceId.in_subquery(
                Query::select()
                    .column(source::Column::Id)
                    .from(source::Entity)
                    .and_where(source::Column::Platform.eq(p.as_str()))
                    .to_owned(),
            ),
        );
    }
    match f.origin {
        Origin::All => {}
        Origin::Here => c = c.add(order::Column::SourceId.is_null()),
        Origin::Integrations => c = c.add(order::Column::SourceId.is_not_null()),
    }
    if let Some(s) = f.status_id {
        c = c.add(order::Column::StatusId.eq(s.0));
    }
    if let Some(g) = f.status_group {
        c = c.add(
            order::Column::StatusId.in_subquery(
                Query::select()
                    .column(status::Column::Id)
                    .from(status::Entity)
                    .and_where(status::Column::StatusGroup.eq(g.as_str()))
                    .to_owned(),
            ),
        );
    }
    if let Some(s) = &f.source_status {
        c = c.add(order::Column::SourceStatus.eq(s.as_str()));
    }
    if let Some(m) = f.manager_id {
        c = c.add(order::Column::ManagerId.eq(m.0));
    }
    if let Some(t) = f.created_from {
        c = c.add(order::Column::PlatformCreatedAt.gte(t));
    }
    if let Some(t) = f.created_to {
        c = c.add(order::Column::PlatformCreatedAt.lt(t));
    }
    if let Some(text) = f.search.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = LikeExpr::new(like_pattern(text)).escape('\\');
        c = c.add(
            Condition::any()
                .add(
                    Expr::expr(Func::lower(Expr::col((
                        order::Entity,
                        order::Column::Number,
                    ))))
                    .like(pattern),
                )
                .add(order::Column::CustomerId.in_subquery(customers_matching(scope, text))),
        );
    }
    Some(c)
}

/// Rows whose search text (name, e-mail, phone) or phone (in any form, 3 digits or more)
/// contains `text`.
fn search_condition<C: ColumnTrait>(search_text: C, phone: C, text: &str) -> Condition {
    let pattern = LikeExpr::new(like_pattern(text)).escape('\\');
    let mut who = Condition::any().add(search_text.like(pattern));
    let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
    if digits.len() >= 3 {
        who = who.add(phone.like(LikeExpr::new(format!("%{digits}%"))));
    }
    // a whole number in another spelling (`8 050 123 45 67`, `0501234567`) finds its stored
    // international form (+380501234567)
    if let Some(p) = crate::domain::phone::Phone::parse(text).filter(|p| p.is_e164()) {
        let e164: String = p.as_str().chars().filter(|c| c.is_ascii_digit()).collect();
        if e164 != digits {
            who = who.add(phone.like(LikeExpr::new(format!("%{e164}%"))));
        }
    }
    who
}

/// The ids of the customers whose name, e-mail or phone contains `text` as `scope` sees them:
/// the shared record for a scope that sees every source, else only what the granted sources'
/// orders said (API-3: a search must not find a customer by what another source brought).
pub(crate) fn customers_matching(scope: &SourceScope, text: &str) -> SelectStatement {
    match scope {
        SourceScope::All => Query::select()
            .column(customer::Column::Id)
            .from(customer::Entity)
            .cond_where(search_condition(
                customer::Column::SearchText,
                customer::Column::Phone,
                text,
            ))
            .to_owned(),
        SourceScope::Only(ids) => Query::select()
            .column(customer_contact::Column::CustomerId)
            .from(customer_contact::Entity)
            .and_where(customer_contact::Column::SourceId.is_in(ids.iter().map(|s| s.0)))
            .cond_where(search_condition(
                customer_contact::Column::SearchText,
                customer_contact::Column::Phone,
                text,
            ))
            .to_owned(),
    }
}

/// CUS-1: the customer with this phone, else this e-mail; a new one only when neither matches.
pub(crate) async fn find_or_create_customer<C: ConnectionTrait>(
    db: &C,
    c: &ImportedCustomer,
) -> Result<i64> {
    let mut found = None;
    if let Some(phone) = &c.phone {
        found = customer::Entity::find()
            .filter(customer::Column::Phone.eq(phone.as_str()))
            .order_by_asc(customer::Column::Id)
            .one(db)
            .await?;
    }
    if found.is_none() {
        if let Some(email) = &c.email {
            found = customer::Entity::find()
                .filter(customer::Column::Email.eq(email.as_str()))
                .order_by_asc(customer::Column::Id)
                .one(db)
                .await?;
        }
    }
    if let Some(existing) = found {
        // fill in what the earlier order did not know, never overwrite
        let mut am: customer::ActiveModel = existing.clone().into();
        let mut changed = false;
        if existing.email.is_none() && c.email.is_some() {
            am.email = Set(c.email.clone());
            changed = true;
        }
        if existing.phone.is_none() && c.phone.is_some() {
            am.phone = Set(c.phone.as_ref().map(|p| p.as_str().to_string()));
            changed = true;
        }
        if existing.address.is_none() && c.address.is_some() {
            am.address = Set(c.address.clone());
            changed = true;
        }
        if changed {
            let merged = customer_search_text(
                existing.first_name.as_deref(),
                existing.last_name.as_deref(),
                existing
                    .phone
                    .as_deref()
                    .or(c.phone.as_ref().map(|p| p.as_str())),
                existing.email.as_deref().or(c.email.as_deref()),
            );
            am.search_text = Set(merged);
            am.updated_at = Set(now());
            am.update(db).await?;
        }
        return Ok(existing.id);
    }
    Ok(new_customer_row(c, now()).insert(db).await?.id)
}

/// The row a customer seen for the first time is stored as (a buyer the platform hides is
/// "Unspecified", CUS-3).
pub(crate) fn new_customer_row(
    c: &ImportedCustomer,
    t: chrono::DateTime<chrono::Utc>,
) -> customer::ActiveModel {
    let (first, last) = if c.unspecified {
        (Some("Unspecified".to_string()), None)
    } else {
        (c.first_name.clone(), c.last_name.clone())
    };
    customer::ActiveModel {
        first_name: Set(first.clone()),
        last_name: Set(last.clone()),
        phone: Set(c.phone.as_ref().map(|p| p.as_str().to_string())),
        email: Set(c.email.clone()),
        address: Set(c.address.clone()),
        unspecified: Set(c.unspecified),
        search_text: Set(customer_search_text(
            first.as_deref(),
            last.as_deref(),
            c.phone.as_ref().map(|p| p.as_str()),
            c.email.as_deref(),
        )),
        created_at: Set(t),
        updated_at: Set(t),
        ..Default::default()
    }
}

/// What became of one order of [`Store::change_orders_status`].
#[derive(Debug)]
pub enum StatusChangeOutcome {
    Changed(OrderRow),
    /// Already in the status: nothing written, nothing pushed.
    Unchanged(OrderRow),
    Refused(Error),
}

/// Inside a write transaction: moves the order to `target`, writes its feed event and queues
/// what the source's rules push (ST-4, TRK-1). `true` when a push was queued.
async fn enter_status<C: ConnectionTrait>(
    txn: &C,
    order: OrderRow,
    (target, group): &(StatusRow, StatusGroup),
    from: Option<String>,
    cancellation_reason: Option<&str>,
    push: Option<&super::push::PushContext>,
    actor: Actor,
) -> Result<(OrderRow, bool)> {
    let id = OrderId(order.id);
    let mut am: order::ActiveModel = order.into();
    am.status_id = Set(target.id);
    am.updated_at = Set(now());
    let row = am.update(txn).await?;
    let mut message = format!(
        "Status changed from {} to {}",
        from.unwrap_or_else(|| "?".into()),
        target.name
    );
    if let Some(r) = cancellation_reason {
        message.push_str(&format!(" (reason: {r})"));
    }
    add_event(
        txn,
        id,
        "status_changed",
        message,
        Some(serde_json::json!({
            "statusId": target.id,
            "group": group.as_str(),
            "cancellationReason": cancellation_reason,
        })),
        actor,
    )
    .await?;
    let mut queued = false;
    if let Some(ctx) = push {
        queued |= queue_status_push(txn, ctx, &row, *group, cancellation_reason, actor).await?;
        queued |= queue_tracking_push(txn, ctx, &row, TrackingMoment::EnteredStatus, actor).await?;
    }
    Ok((row, queued))
}

pub(crate) async fn add_event<C: ConnectionTrait>(
    db: &C,
    order_id: OrderId,
    kind: &str,
    message: String,
    data: Option<serde_json::Value>,
    actor: Actor,
) -> Result<()> {
    insert_event(db, order_id, kind, message, data, actor).await?;
    Ok(())
}

/// Writes one event of the order's feed and answers it as stored.
pub(crate) async fn insert_event<C: ConnectionTrait>(
    db: &C,
    order_id: OrderId,
    kind: &str,
    message: String,
    data: Option<serde_json::Value>,
    actor: Actor,
) -> Result<OrderEventRow> {
    Ok(order_event::ActiveModel {
        order_id: Set(order_id.0),
        kind: Set(kind.to_string()),
        message: Set(message),
        data: Set(data),
        user_id: Set(match actor {
            Actor::User(u) => Some(u.0),
            _ => None,
        }),
        sync_run_id: Set(match actor {
            Actor::Sync(r) => Some(r.0),
            _ => None,
        }),
        webhook_delivery_id: Set(match actor {
            Actor::Webhook(w) => Some(w.0),
            _ => None,
        }),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}
