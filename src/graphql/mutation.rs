//! Write side of the API (API-4). Resolvers parse, authorize and call the store; nothing more.

use super::guards::{admin, parse_id, principal, state, GqlResult};
use super::limits::*;
use super::types::*;
use crate::domain::money::Currency;
use crate::domain::orders::manual_sync_allowed;
use crate::domain::{OrderId, OrderItemId, Platform, SourceId, StatusId, UserId};
use crate::store::orders::Actor;
use crate::store::sources::SourceSettings;
use crate::sync::RunKind;
use crate::Error;
use async_graphql::{Context, Enum, ErrorExtensions, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

#[derive(Default)]
pub struct Mutation;

/// What became of one order of `syncOrders` (SYNC-4).
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum OrderSyncOutcome {
    /// Re-read from its platform now.
    Synced,
    /// Not now: the order was synced by hand less than 10 minutes ago, or its source's budget of
    /// platform calls is spent; `retryAt` says when it is allowed again.
    NotYet,
    /// Not synced, for the `reason` given (an order created here or arriving by webhook, one not
    /// found, the platform's refusal).
    Refused,
}

/// One order's answer in `syncOrders`.
#[derive(SimpleObject)]
pub struct OrderSyncResult {
    pub order_id: ID,
    pub outcome: OrderSyncOutcome,
    /// The order as it is now; null when it is not found (or not visible to the caller).
    pub order: Option<Order>,
    /// Why it was not synced, as `syncOrder` would have said.
    pub reason: Option<String>,
    /// The `extensions.code` `syncOrder` would have answered (`RATE_LIMITED`, `NOT_FOUND`,
    /// `CONFLICT`, `PLATFORM_ERROR`).
    pub code: Option<String>,
    /// `NOT_YET`: when this order may be synced again.
    pub retry_at: Option<DateTime<Utc>>,
}

/// What became of one order of `changeOrdersStatus`.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum OrderStatusChangeOutcome {
    /// Moved to the status; its pushes are queued as `changeOrderStatus` queues them (ST-4).
    Changed,
    /// Already in the status: nothing changed, nothing pushed.
    Unchanged,
    /// Not changed, for the `reason` given.
    Refused,
}

/// One order's answer in `changeOrdersStatus`.
#[derive(SimpleObject)]
pub struct OrderStatusChangeResult {
    pub order_id: ID,
    pub outcome: OrderStatusChangeOutcome,
    /// The order as it is now; null when it is not found (or not visible to the caller).
    pub order: Option<Order>,
    pub reason: Option<String>,
    /// The `extensions.code` the refusal would carry alone (`NOT_FOUND`).
    pub code: Option<String>,
}

/// The ids of a bulk order mutation: at most 200, each a valid id.
fn parse_order_ids(ids: &[ID]) -> async_graphql::Result<Vec<OrderId>> {
    check_list("orderIds", ids, MAX_ID_LIST)?;
    ids.iter().map(|id| parse_id("orderIds", id)).collect()
}

fn ids<T: std::str::FromStr>(field: &str, ids: &[ID]) -> async_graphql::Result<Vec<T>> {
    check_list(field, ids, MAX_ID_LIST)?;
    ids.iter().map(|id| parse_id(field, id)).collect()
}

fn check_name(name: &str) -> async_graphql::Result<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
        return Err(
            Error::bad_input("name", format!("must be 1 to {MAX_NAME_LEN} characters")).extend(),
        );
    }
    Ok(name.to_string())
}

pub(super) fn check_base_url(url: &str) -> async_graphql::Result<Option<String>> {
    check_len("baseUrl", url, MAX_URL_LEN)?;
    let url = url.trim().trim_end_matches('/');
    if url.is_empty() {
        return Ok(None);
    }
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
            Ok(Some(url.to_string()))
        }
        _ => Err(Error::bad_input(
            "baseUrl",
            "must be an http(s) URL such as https://shop.example.com",
        )
        .extend()),
    }
}

fn check_currency(c: &str) -> async_graphql::Result<String> {
    // trimmed first, so a refusal never echoes more than the code itself
    let c = c.trim();
    if c.chars().count() > MAX_CURRENCY_LEN {
        return Err(Error::bad_input(
            "currency",
            format!(
                "must be a three-letter ISO code such as UAH or PLN (at most {MAX_CURRENCY_LEN} \
                 characters)"
            ),
        )
        .extend());
    }
    Currency::parse(c)
        .map(|c| c.as_str().to_string())
        .map_err(|m| Error::bad_input("currency", m).extend())
}

/// The settings common to create and update, parsed and checked.
#[allow(clippy::too_many_arguments)]
pub(super) fn settings(
    name: Option<String>,
    currency: Option<String>,
    base_url: Option<String>,
    language: Option<String>,
    manager_ids: Option<Vec<ID>>,
    send_tracking: Option<bool>,
    tracking_status_ids: Option<Vec<ID>>,
    store_commission: Option<bool>,
    expense_type: Option<String>,
    identify_products_by: Option<ProductIdentity>,
    default_status_id: Option<ID>,
) -> async_graphql::Result<SourceSettings> {
    let expense_type = match expense_type.map(|e| e.trim().to_string()) {
        Some(e) if e.is_empty() || e.chars().count() > MAX_EXPENSE_TYPE_LEN => {
            return Err(Error::bad_input(
                "expenseType",
                format!("must be 1 to {MAX_EXPENSE_TYPE_LEN} characters"),
            )
            .extend())
        }
        other => other,
    };
    check_opt_len("language", language.as_deref(), MAX_LANGUAGE_LEN)?;
    Ok(SourceSettings {
        name: name.as_deref().map(check_name).transpose()?,
        currency: currency.as_deref().map(check_currency).transpose()?,
        language: language.map(|l| Some(l.trim().to_lowercase()).filter(|l| !l.is_empty())),
        base_url: base_url.as_deref().map(check_base_url).transpose()?,
        credentials_enc: None,
        default_status_id: default_status_id
            .as_ref()
            .map(|id| parse_id::<StatusId>("defaultStatusId", id))
            .transpose()?,
        manager_ids: manager_ids
            .as_deref()
            .map(|m| ids::<UserId>("managerIds", m))
            .transpose()?,
        send_tracking,
        tracking_status_ids: tracking_status_ids
            .as_deref()
            .map(|m| ids::<StatusId>("trackingStatusIds", m))
            .transpose()?,
        store_commission,
        expense_type,
        identify_products_by: identify_products_by.map(|i| i.as_str().to_string()),
        enabled: None,
        settings: None,
    })
}

/// Platform options must be a JSON object of the platform's keys, each of its type (SRC-1).
pub(super) fn check_settings(
    platform: Platform,
    v: Option<async_graphql::Json<serde_json::Value>>,
) -> async_graphql::Result<Option<serde_json::Value>> {
    match v.map(|j| j.0) {
        Some(o @ serde_json::Value::Object(_)) => {
            let size = o.to_string().len();
            if size > MAX_SETTINGS_BYTES {
                return Err(Error::bad_input(
                    "settings",
                    format!(
                        "must be at most {MAX_SETTINGS_BYTES} bytes of JSON (these are {size})"
                    ),
                )
                .extend());
            }
            crate::platforms::settings::check(platform, &o).map_err(|e| {
                let field = e
                    .key()
                    .map_or("settings".to_string(), |k| format!("settings.{k}"));
                Error::bad_input(&field, e.to_string()).extend()
            })?;
            Ok(Some(o))
        }
        Some(_) => Err(Error::bad_input("settings", "must be a JSON object").extend()),
        None => Ok(None),
    }
}

fn actor(ctx: &Context<'_>) -> async_graphql::Result<Actor> {
    Ok(Actor::User(principal(ctx)?.user_id))
}

#[Object]
impl Mutation {
    /// Re-reads a source's changed orders now (SYNC-4: at most once per 10 minutes per source).
    /// On Shopify and WooCommerce this is the reconciliation (WH-6) run at once: the webhook
    /// subscriptions are checked (re-created or re-activated where the platform dropped them,
    /// when `ORDERHUB_PUBLIC_URL` is set) and the orders updated since the last run re-read by
    /// REST.
    async fn sync_source(
        &self,
        ctx: &Context<'_>,
        source_id: ID,
    ) -> async_graphql::Result<SyncRun> {
        let p = principal(ctx)?;
        let id: SourceId = parse_id("sourceId", &source_id)?;
        if !p.can_see_source(id) {
            return Err(Error::not_found("source").extend());
        }
        let st = state(ctx);
        let src = st
            .store
            .source_row(id)
            .await
            .gql()?
            .ok_or_else(|| Error::not_found("source").extend())?;
        if src.needs_reauth {
            return Err(Error::Conflict(
                "the platform rejected this source's credentials; update them first".into(),
            )
            .extend());
        }
        let recent = st.store.sync_runs(id, 20).await.gql()?;
        if let Some(last) = recent.iter().find(|r| r.kind == RunKind::Manual.as_str()) {
            if let Err(next) = manual_sync_allowed(Some(last.started_at), crate::store::now()) {
                return Err(Error::RateLimited {
                    message: format!(
                        "this source was synced by hand less than 10 minutes ago; try again after {}",
                        next.format("%H:%M:%S UTC")
                    ),
                    retry_at: Some(next),
                }
                .extend());
            }
        }
        st.engine.spend_manual_call(&src).await.gql()?;
        match st.engine.run(id, RunKind::Manual).await.gql()? {
            Some(run) => Ok(SyncRun(run)),
            None => Err(Error::Conflict(
                "a sync of this source is running now; its result will be in syncRuns".into(),
            )
            .extend()),
        }
    }

    /// Runs a stored webhook delivery again from its raw bytes (WH-4).
    async fn replay_webhook_delivery(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookDelivery> {
        let p = principal(ctx)?;
        let delivery_id: i64 = parse_id::<crate::domain::WebhookDeliveryId>("id", &id)?.0;
        let st = state(ctx);
        let found = st.store.delivery(delivery_id).await.gql()?;
        match found {
            Some(d) if p.can_see_source(SourceId(d.source_id)) => {}
            _ => return Err(Error::not_found("webhook delivery").extend()),
        }
        let row = st
            .store
            .replay_delivery(delivery_id)
            .await
            .gql()?
            .ok_or_else(|| Error::not_found("webhook delivery").extend())?;
        let source = SourceId(row.source_id);
        crate::sync::inbox::process_source(&st.store, source, st.engine.instance())
            .await
            .gql()?;
        let row = st.store.delivery(delivery_id).await.gql()?.unwrap_or(row);
        Ok(WebhookDelivery(row))
    }

    /// Re-reads one order from its platform now (SYNC-4: at most once per 10 minutes per order).
    async fn sync_order(&self, ctx: &Context<'_>, order_id: ID) -> async_graphql::Result<Order> {
        let scope = principal(ctx)?.scope();
        let id: OrderId = parse_id("orderId", &order_id)?;
        Ok(Order(state(ctx).engine.sync_order(&scope, id).await.gql()?))
    }

    /// Re-reads a selection of orders from their platforms now (SYNC-4, at most 200 ids): each
    /// order as `syncOrder` would, with the 10-minute rule per order and each sync drawing on its
    /// source's budget of platform calls. Answers every distinct order in the order asked:
    /// `SYNCED`, `NOT_YET` with `retryAt`, or `REFUSED` with the reason; one order's refusal
    /// never stops the others.
    async fn sync_orders(
        &self,
        ctx: &Context<'_>,
        order_ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<OrderSyncResult>> {
        let scope = principal(ctx)?.scope();
        let mut ids = parse_order_ids(&order_ids)?;
        let mut seen = std::collections::HashSet::new();
        ids.retain(|id| seen.insert(*id));
        // one after the other: each takes its call from the source's budget in the order asked,
        // and an order the budget refuses costs no platform request (so only a burst waits)
        let st = state(ctx);
        let mut results = Vec::with_capacity(ids.len());
        for id in ids {
            let order_id = ID(id.0.to_string());
            let answer = match st.engine.sync_order(&scope, id).await {
                Ok(row) => OrderSyncResult {
                    order_id,
                    outcome: OrderSyncOutcome::Synced,
                    order: Some(Order(row)),
                    reason: None,
                    code: None,
                    retry_at: None,
                },
                Err(e) => {
                    if let Error::Internal(detail) = &e {
                        tracing::error!(error = %detail, order_id = id.0, "syncOrders");
                    }
                    let (outcome, retry_at) = match &e {
                        Error::RateLimited { retry_at, .. } => {
                            (OrderSyncOutcome::NotYet, *retry_at)
                        }
                        _ => (OrderSyncOutcome::Refused, None),
                    };
                    // what it is now, unless it is not found or not visible
                    let order = match e {
                        Error::NotFound(_) => None,
                        _ => st.store.order(&scope, id).await.gql()?.map(Order),
                    };
                    OrderSyncResult {
                        order_id,
                        outcome,
                        order,
                        reason: Some(e.public_message()),
                        code: Some(e.code().to_string()),
                        retry_at,
                    }
                }
            };
            results.push(answer);
        }
        Ok(results)
    }

    async fn create_status(
        &self,
        ctx: &Context<'_>,
        input: CreateStatusInput,
    ) -> async_graphql::Result<Status> {
        admin(ctx)?;
        check_len("name", &input.name, MAX_NAME_LEN)?;
        Ok(Status(
            state(ctx)
                .store
                .create_status(&input.name, input.group.into())
                .await
                .gql()?,
        ))
    }

    async fn update_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: UpdateStatusInput,
    ) -> async_graphql::Result<Status> {
        admin(ctx)?;
        let id: StatusId = parse_id("id", &id)?;
        check_opt_len("name", input.name.as_deref(), MAX_NAME_LEN)?;
        let row = state(ctx)
            .store
            .update_status(
                id,
                input.name.as_deref(),
                input.group.map(Into::into),
                input.position,
            )
            .await
            .gql()?;
        Ok(Status(row))
    }

    async fn delete_status(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        admin(ctx)?;
        let id: StatusId = parse_id("id", &id)?;
        state(ctx).store.delete_status(id).await.gql()?;
        Ok(true)
    }

    /// Moves an order to one of our statuses; recorded in its feed. `cancellationReason`: at
    /// most 500 characters.
    async fn change_order_status(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        status_id: ID,
        cancellation_reason: Option<String>,
    ) -> async_graphql::Result<Order> {
        let scope = principal(ctx)?.scope();
        let order_id: OrderId = parse_id("orderId", &order_id)?;
        let status_id: StatusId = parse_id("statusId", &status_id)?;
        check_opt_len(
            "cancellationReason",
            cancellation_reason.as_deref(),
            MAX_REASON_LEN,
        )?;
        let reason = cancellation_reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        let row = state(ctx)
            .store
            .change_order_status(&scope, order_id, status_id, reason, actor(ctx)?)
            .await
            .gql()?;
        Ok(Order(row))
    }

    /// Moves a selection of orders (at most 200 ids) to one of our statuses, each as
    /// `changeOrderStatus` moves one: its feed event, and the pushes the source's status rules
    /// make (ST-4..7), queued together. Orders the caller may not see are refused as not found
    /// (API-3). Answers every distinct order in the order asked: `CHANGED`, `UNCHANGED` (already
    /// in the status) or `REFUSED` with the reason. A status that does not exist, or a
    /// `cancellationReason` (at most 500 characters) with a status outside the cancelled group,
    /// refuses the whole call.
    async fn change_orders_status(
        &self,
        ctx: &Context<'_>,
        order_ids: Vec<ID>,
        status_id: ID,
        cancellation_reason: Option<String>,
    ) -> async_graphql::Result<Vec<OrderStatusChangeResult>> {
        let scope = principal(ctx)?.scope();
        let ids = parse_order_ids(&order_ids)?;
        let status_id: StatusId = parse_id("statusId", &status_id)?;
        check_opt_len(
            "cancellationReason",
            cancellation_reason.as_deref(),
            MAX_REASON_LEN,
        )?;
        let reason = cancellation_reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        let answers = state(ctx)
            .store
            .change_orders_status(&scope, &ids, status_id, reason, actor(ctx)?)
            .await
            .gql()?;
        use crate::store::orders::StatusChangeOutcome as Done;
        Ok(answers
            .into_iter()
            .map(|(id, done)| {
                let order_id = ID(id.0.to_string());
                match done {
                    Done::Changed(row) => OrderStatusChangeResult {
                        order_id,
                        outcome: OrderStatusChangeOutcome::Changed,
                        order: Some(Order(row)),
                        reason: None,
                        code: None,
                    },
                    Done::Unchanged(row) => OrderStatusChangeResult {
                        order_id,
                        outcome: OrderStatusChangeOutcome::Unchanged,
                        order: Some(Order(row)),
                        reason: None,
                        code: None,
                    },
                    Done::Refused(e) => OrderStatusChangeResult {
                        order_id,
                        outcome: OrderStatusChangeOutcome::Refused,
                        order: None,
                        reason: Some(e.public_message()),
                        code: Some(e.code().to_string()),
                    },
                }
            })
            .collect())
    }

    /// Adds a comment to an order's feed (kind `comment`, with its author as `user`); 1 to 2 000
    /// characters. The order must be visible to the caller (API-3).
    async fn add_order_comment(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        text: String,
    ) -> async_graphql::Result<OrderEvent> {
        let scope = principal(ctx)?.scope();
        let order_id: OrderId = parse_id("orderId", &order_id)?;
        check_len("text", &text, MAX_COMMENT_LEN)?;
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::bad_input("text", "the comment is empty").extend());
        }
        let row = state(ctx)
            .store
            .add_order_comment(&scope, order_id, text, actor(ctx)?)
            .await
            .gql()?;
        Ok(OrderEvent(row))
    }

    /// Gives orders to a manager (`userId`), or takes them from theirs (`userId: null`); at most
    /// 200 orders. Admins assign anyone; other users may only take orders they see for
    /// themselves (`userId` = `me.id`). Refused (FORBIDDEN, naming the order and source) when the
    /// manager may not open one of the orders; nothing changes then.
    async fn assign_manager(
        &self,
        ctx: &Context<'_>,
        order_ids: Vec<ID>,
        user_id: Option<ID>,
    ) -> async_graphql::Result<Vec<Order>> {
        let p = principal(ctx)?;
        check_list("orderIds", &order_ids, MAX_ID_LIST)?;
        let ids = order_ids
            .iter()
            .map(|id| parse_id::<OrderId>("orderIds", id))
            .collect::<async_graphql::Result<Vec<_>>>()?;
        let manager = user_id
            .as_ref()
            .map(|id| parse_id::<UserId>("userId", id))
            .transpose()?;
        if !p.admin && manager != Some(p.user_id) {
            return Err(Error::Forbidden(
                "only an admin assigns orders to another user or removes their manager".into(),
            )
            .extend());
        }
        let rows = state(ctx)
            .store
            .assign_manager(&p.scope(), &ids, manager, actor(ctx)?)
            .await
            .gql()?;
        Ok(rows.into_iter().map(Order).collect())
    }

    /// Sets the order's tracking number (at most 100 characters).
    async fn set_tracking_number(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
        tracking_number: String,
    ) -> async_graphql::Result<Order> {
        let scope = principal(ctx)?.scope();
        let order_id: OrderId = parse_id("orderId", &order_id)?;
        check_len("trackingNumber", &tracking_number, MAX_TRACKING_NUMBER_LEN)?;
        let row = state(ctx)
            .store
            .set_tracking_number(&scope, order_id, &tracking_number, actor(ctx)?)
            .await
            .gql()?;
        Ok(Order(row))
    }

    /// Writes the order's goods off stock; platform edits stop applying to it (SYNC-3). A
    /// product's stock never goes below zero: pieces it did not have are added to its
    /// `stockShortage` and named in the order's `written_off` event (its message, and
    /// `stockShort` in its `data`), and the write-off goes through (STK-1).
    async fn write_off_order(
        &self,
        ctx: &Context<'_>,
        order_id: ID,
    ) -> async_graphql::Result<Order> {
        let scope = principal(ctx)?.scope();
        let order_id: OrderId = parse_id("orderId", &order_id)?;
        let (row, _) = state(ctx)
            .store
            .write_off_goods(&scope, order_id, actor(ctx)?)
            .await
            .gql()?;
        Ok(Order(row))
    }

    /// Marks an item added on the platform after import as an upsell (SYNC-1).
    async fn set_item_upsell(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
        upsell: bool,
    ) -> async_graphql::Result<OrderItem> {
        let scope = principal(ctx)?.scope();
        let item_id: OrderItemId = parse_id("itemId", &item_id)?;
        let row = state(ctx)
            .store
            .set_item_upsell(&scope, item_id, upsell, actor(ctx)?)
            .await
            .gql()?;
        Ok(OrderItem(row))
    }

    /// Creates a user (admins only); the token is in this answer only.
    async fn create_user(
        &self,
        ctx: &Context<'_>,
        input: CreateUserInput,
    ) -> async_graphql::Result<CreatedUser> {
        admin(ctx)?;
        check_len("name", &input.name, MAX_NAME_LEN)?;
        let sources = ids::<SourceId>("sourceIds", &input.source_ids)?;
        let (user, token) = state(ctx)
            .store
            .create_user(&input.name, input.admin, &sources)
            .await
            .gql()?;
        Ok(CreatedUser {
            user: User(user),
            token,
        })
    }

    /// Replaces the sources a user may see (API-3; admins see all regardless).
    async fn set_user_sources(
        &self,
        ctx: &Context<'_>,
        user_id: ID,
        source_ids: Vec<ID>,
    ) -> async_graphql::Result<User> {
        admin(ctx)?;
        let user_id: UserId = parse_id("userId", &user_id)?;
        let sources = ids::<SourceId>("sourceIds", &source_ids)?;
        Ok(User(
            state(ctx)
                .store
                .set_user_sources(user_id, &sources)
                .await
                .gql()?,
        ))
    }
}
