//! Prom client: the public API v1 with a static Bearer token. Prom reports refusals in HTTP 200
//! bodies (`{"error": …}`, missing `processed_ids`), so every answer is read before it counts.
//!
//! Re-syncs (issue 15): `/orders/list?last_modified_from=` filters by each order's
//! `date_modified` and answers whole orders, so a re-sync reads only what changed and no order's
//! detail: with O open orders and C changed since `since`, ⌈C/`page_size`⌉ requests (at least one;
//! a full last page costs one more), whatever O. The same before and after issue 15.
//!
//! Settings: [`PromSettings`] (`settings.rs`: keys, types and defaults; checked when a source is
//! saved).

use super::settings::{PromSettings, Zone};
use super::{map, wire};
use crate::domain::orders::ImportedOrder;
use crate::platforms::http::{decode_value, shared_client, Call, HttpPolicy, Pace, Verdict};
use crate::platforms::{
    decode_list_element, FetchedOrders, PlatformClient, PlatformError, RemotePublication,
    SourceConfig, StockRefusal, StockUpdate, UnreadableOrder,
};
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Names Prom in errors of the shared HTTP path.
const PLATFORM: &str = "Prom";
/// Reasons that may carry a free text (`cancellation_text`), per Prom's official sample.
const REASONS_WITH_TEXT: &[&str] = &["price_changed", "not_enough_fields", "another"];
/// Listings in these states are gone from the shop and are not publications.
const DELETED_PRODUCT_STATES: &[&str] = &["deleted", "deleted_by_moderator"];

pub struct PromClient {
    config: SourceConfig,
    http: reqwest::Client,
    policy: HttpPolicy,
    pace: Pace,
    base_url: String,
    token: String,
    language: String,
    map_options: map::MapOptions,
    settings: PromSettings,
}

#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
}

impl PromClient {
    pub fn new(config: SourceConfig) -> Result<Self, PlatformError> {
        let token = config
            .credentials
            .token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| PlatformError::Unauthorized("the Prom API token is missing".into()))?
            .to_string();
        let settings: PromSettings = crate::platforms::settings::read(&config.settings);
        let mut policy = config.http.clone();
        let min_interval = std::time::Duration::from_millis(settings.min_interval_ms);
        policy.min_interval = policy.min_interval.max(min_interval);
        let language = config
            .language
            .as_deref()
            .map(|l| l.trim().to_ascii_lowercase())
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| "uk".into());
        let map_options = map::MapOptions {
            currency: settings.currency.clone(),
            language: language.clone(),
            naive_times_kyiv: settings.naive_time_zone == Zone::Kyiv,
        };
        Ok(PromClient {
            http: shared_client(PLATFORM, &policy)?,
            policy,
            pace: Pace::default(),
            base_url: config.base_url.trim_end_matches('/').to_string(),
            token,
            language,
            map_options,
            settings,
            config,
        })
    }

    fn page_size(&self) -> u64 {
        self.settings.page_size.clamp(1, 100)
    }

    /// A filter time as Prom reads it, `YYYY-MM-DDTHH:MM:SS`. UTC by default: if Prom meant Kyiv
    /// time, a UTC reading only asks for a few hours more, never fewer.
    fn filter_time(&self, t: DateTime<Utc>) -> String {
        // a year at most: chrono's durations end long before u64's seconds
        let t = t - Duration::seconds(self.settings.filter_overlap_seconds.min(31_536_000) as i64);
        let naive = if self.settings.filter_time_zone == Zone::Kyiv {
            crate::domain::time::utc_to_kyiv(t)
        } else {
            t.naive_utc()
        };
        naive.format("%Y-%m-%dT%H:%M:%S").to_string()
    }

    /// One request through the shared retry loop: transport faults, 429, 5xx and 2xx bodies cut
    /// off share one attempt budget. Error statuses come back with whatever JSON their body has
    /// (`Null` if none).
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<(u16, Value), PlatformError> {
        let url = format!("{}{}", self.base_url, path);
        let make = || {
            let req = match method {
                Method::Get => self.http.get(&url),
                Method::Post => self.http.post(&url),
            };
            let req = req
                .bearer_auth(&self.token)
                .header("X-LANGUAGE", &self.language)
                .header("Accept", "application/json")
                .query(query);
            match body {
                Some(b) => req.json(b),
                None => req,
            }
        };
        Call::new(PLATFORM, &self.policy, &self.pace)
            .send(make, |answer| {
                if answer.status >= 300 {
                    Verdict::Done((answer.status, answer.json_or_null()))
                } else {
                    answer.parse::<Value>().map(|v| (answer.status, v))
                }
            })
            .await
    }

    /// Like `call`, but error statuses and `{"error": …}` bodies become `PlatformError`s.
    async fn call_ok(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&Value>,
    ) -> Result<Value, PlatformError> {
        let (status, value) = self.call(method, path, query, body).await?;
        check_answer(status, &value)?;
        Ok(value)
    }

    /// Every order of a filter, following `last_id` to the last page, each order once. An order
    /// whose JSON cannot be read is returned apart, so it fails alone.
    async fn list_orders(
        &self,
        filter: (&str, String),
    ) -> Result<(Vec<wire::Order>, Vec<UnreadableOrder>), PlatformError> {
        let limit = self.page_size();
        let mut seen = HashSet::new();
        let mut orders = Vec::new();
        let mut unreadable = Vec::new();
        let mut last_id: Option<i64> = None;
        loop {
            let mut query = vec![filter.clone(), ("limit", limit.to_string())];
            if let Some(id) = last_id {
                query.push(("last_id", id.to_string()));
            }
            let value = self
                .call_ok(Method::Get, "/orders/list", &query, None)
                .await?;
            let page: wire::OrderListRaw = decode(value)?;
            let count = page.orders.len() as u64;
            // a malformed order's id still pages on, where it is readable
            let smallest = page
                .orders
                .iter()
                .filter_map(|o| o.get("id").and_then(Value::as_i64))
                .min();
            for raw in page.orders {
                match decode_list_element::<wire::Order>(raw, "id") {
                    Ok(o) => {
                        if seen.insert(o.id) {
                            orders.push(o);
                        }
                    }
                    Err(u) => unreadable.push(u),
                }
            }
            // `last_id` is "not higher than": the boundary order would come again
            match smallest.and_then(|min| min.checked_sub(1)) {
                Some(next) if count >= limit && last_id != Some(next) => last_id = Some(next),
                _ => break,
            }
        }
        tracing::debug!(source_id = %self.config.source_id, count = orders.len(), unreadable = unreadable.len(), "Prom orders read");
        Ok((orders, unreadable))
    }

    /// Maps each order alone: one that cannot be read is recorded as unreadable, the others kept
    /// where `keep` says.
    fn map_orders(
        &self,
        (orders, unreadable): (Vec<wire::Order>, Vec<UnreadableOrder>),
        keep: impl Fn(&ImportedOrder) -> bool,
    ) -> FetchedOrders {
        let mut out = FetchedOrders {
            orders: Vec::with_capacity(orders.len()),
            unreadable,
        };
        for o in &orders {
            match map::order(o, &self.map_options) {
                Ok(mapped) if keep(&mapped) => out.orders.push(mapped),
                Ok(_) => {}
                Err(reason) => out.unreadable.push(UnreadableOrder {
                    external_id: Some(o.id.to_string()),
                    reason,
                }),
            }
        }
        out
    }

    async fn fetch_wire_order(
        &self,
        external_id: &str,
    ) -> Result<Option<wire::Order>, PlatformError> {
        let id = parse_id(external_id)?;
        let (status, value) = self
            .call(Method::Get, &format!("/orders/{id}"), &[], None)
            .await?;
        if status == 404 {
            return Ok(None);
        }
        check_answer(status, &value)?;
        let envelope: wire::OrderEnvelope = decode(value)?;
        Ok(Some(envelope.order))
    }
}

/// Turns error statuses and HTTP-200 `{"error": …}` bodies into errors with Prom's words.
fn check_answer(status: u16, value: &Value) -> Result<(), PlatformError> {
    let message = error_message(value);
    match status {
        401 | 403 => Err(PlatformError::Unauthorized(
            message.unwrap_or_else(|| format!("HTTP {status}")),
        )),
        404 => Err(PlatformError::NotFound),
        s if s >= 300 => Err(PlatformError::Refused {
            code: Some(s.to_string()),
            message: message.unwrap_or_else(|| format!("HTTP {s}")),
        }),
        _ => match value.get("error").filter(|e| !e.is_null()) {
            Some(_) => Err(PlatformError::Refused {
                code: None,
                message: message.unwrap_or_else(|| "Prom reported an error".into()),
            }),
            None => Ok(()),
        },
    }
}

/// `{"error": "…"}`, `{"error": {"message": …}}` or `{"message": "…"}`.
fn error_message(value: &Value) -> Option<String> {
    let e = value.get("error").or_else(|| value.get("message"))?;
    match e {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => other
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| Some(other.to_string())),
    }
}

/// A Prom answer as a wire type; a mismatch names the field.
fn decode<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, PlatformError> {
    decode_value(PLATFORM, &value)
}

fn parse_id(external_id: &str) -> Result<i64, PlatformError> {
    external_id
        .trim()
        .parse()
        .map_err(|_| PlatformError::Refused {
            code: Some("bad_id".into()),
            message: format!("`{external_id}` is not a Prom id"),
        })
}

/// `another: Немає кольору` → (`another`, text) for the reasons that take a text.
fn split_reason(reason: &str) -> (String, Option<String>) {
    match reason.split_once(':') {
        Some((code, text))
            if REASONS_WITH_TEXT.contains(&code.trim()) && !text.trim().is_empty() =>
        {
            (code.trim().to_string(), Some(text.trim().to_string()))
        }
        Some((code, _)) => (code.trim().to_string(), None),
        None => (reason.trim().to_string(), None),
    }
}

/// Amount for `/products/edit`: a JSON number as Prom's example sends it.
fn price_amount(price: Decimal) -> Option<wire::Amount> {
    price
        .normalize()
        .to_string()
        .parse::<serde_json::Number>()
        .ok()
        .map(wire::Amount::Number)
}

#[async_trait::async_trait]
impl PlatformClient for PromClient {
    /// SRC-2: the cheapest call that needs the orders right.
    async fn authorize(&self) -> Result<(), PlatformError> {
        let value = self
            .call_ok(Method::Get, "/orders/list", &[("limit", "1".into())], None)
            .await?;
        // the list's shape, not its orders: one unreadable order must not refuse the credentials
        let _: wire::OrderListRaw = decode(value)?;
        Ok(())
    }

    /// IMP-1: every order of the window whatever its status; final ones map to completed or
    /// cancelled (ST-1). No status filter: paid orders leave `pending` within seconds.
    async fn orders_created_since(
        &self,
        from: DateTime<Utc>,
    ) -> Result<FetchedOrders, PlatformError> {
        let orders = self
            .list_orders(("date_from", self.filter_time(from)))
            .await?;
        // the filter is read in whole seconds and maybe another zone: cut exactly here
        let from_second = from - Duration::nanoseconds(from.timestamp_subsec_nanos() as i64);
        Ok(self.map_orders(orders, |o| o.created_at >= from_second))
    }

    /// SYNC-1: Prom filters by modification time itself; `window_from` is not needed.
    async fn orders_changed_since(
        &self,
        since: DateTime<Utc>,
        _window_from: DateTime<Utc>,
    ) -> Result<FetchedOrders, PlatformError> {
        let orders = self
            .list_orders(("last_modified_from", self.filter_time(since)))
            .await?;
        let since_second = since - Duration::nanoseconds(since.timestamp_subsec_nanos() as i64);
        Ok(self.map_orders(orders, |o| o.updated_at.is_none_or(|u| u >= since_second)))
    }

    async fn fetch_order(&self, external_id: &str) -> Result<Option<ImportedOrder>, PlatformError> {
        match self.fetch_wire_order(external_id).await? {
            Some(o) => map::order(&o, &self.map_options)
                .map(Some)
                .map_err(PlatformError::BadResponse),
            None => Ok(None),
        }
    }

    /// Prom documents no order of statuses.
    async fn allowed_next_statuses(
        &self,
        _external_id: &str,
    ) -> Result<Option<Vec<String>>, PlatformError> {
        Ok(None)
    }

    /// ST-4, ST-5. `cancellation_reason` is a Prom reason code; `another: текст` (also for
    /// `price_changed`, `not_enough_fields`) sends the text after the colon as `cancellation_text`.
    async fn change_status(
        &self,
        external_id: &str,
        status: &str,
        cancellation_reason: Option<&str>,
    ) -> Result<(), PlatformError> {
        let id = parse_id(external_id)?;
        let status = status.trim();
        let (reason, text) = match cancellation_reason.filter(|_| status == "canceled") {
            Some(r) => {
                let (code, text) = split_reason(r);
                (Some(code), text)
            }
            None => (None, None),
        };
        let request = wire::SetStatusRequest {
            ids: vec![id],
            status: status.to_string(),
            cancellation_reason: reason,
            cancellation_text: text,
        };
        let body = serde_json::to_value(&request)
            .map_err(|e| PlatformError::BadResponse(e.to_string()))?;
        let value = self
            .call_ok(Method::Post, "/orders/set_status", &[], Some(&body))
            .await?;
        let answer: wire::ProcessedAnswer = decode(value)?;
        if answer.processed_ids.unwrap_or_default().contains(&id) {
            tracing::info!(source_id = %self.config.source_id, order = id, status, "Prom status changed");
            return Ok(());
        }
        Err(PlatformError::Refused {
            code: Some("not_processed".into()),
            message: answer.warning_message.unwrap_or_else(|| {
                format!("Prom did not change order {id} to `{status}` (not in processed_ids)")
            }),
        })
    }

    /// TRK-1, TRK-2: the carrier comes from the order; Prom refuses Ukrposhta numbers until the
    /// parcel is at the post office, and that refusal is returned with Prom's message.
    async fn set_tracking_number(
        &self,
        external_id: &str,
        number: &str,
    ) -> Result<(), PlatformError> {
        let order = self
            .fetch_wire_order(external_id)
            .await?
            .ok_or(PlatformError::NotFound)?;
        let delivery_type = map::delivery_provider(&order)
            .unwrap_or_else(|| self.settings.default_delivery_type.clone());
        let request = wire::SaveDeclarationRequest {
            order_id: order.id,
            declaration_id: number.trim().to_string(),
            delivery_type: delivery_type.clone(),
        };
        let body = serde_json::to_value(&request)
            .map_err(|e| PlatformError::BadResponse(e.to_string()))?;
        let value = self
            .call_ok(
                Method::Post,
                "/delivery/save_declaration_id",
                &[],
                Some(&body),
            )
            .await?;
        let answer: wire::SaveDeclarationAnswer = decode(value)?;
        match answer.status.as_deref() {
            Some("success") => Ok(()),
            _ => Err(PlatformError::Refused {
                code: Some(format!("declaration_{delivery_type}")),
                message: answer
                    .message
                    .or(answer.error)
                    .unwrap_or_else(|| "Prom did not save the declaration".into()),
            }),
        }
    }

    /// PUB-1: every product page by `last_id`; deleted listings are left out.
    async fn list_publications(&self) -> Result<Vec<RemotePublication>, PlatformError> {
        let limit = self.page_size();
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut last_id: Option<i64> = None;
        loop {
            let mut query = vec![("limit", limit.to_string())];
            if let Some(id) = last_id {
                query.push(("last_id", id.to_string()));
            }
            let value = self
                .call_ok(Method::Get, "/products/list", &query, None)
                .await?;
            let raw_products = value
                .get("products")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let count = raw_products.len() as u64;
            let mut smallest = None;
            for raw in raw_products {
                let p: wire::Product = decode(raw.clone())?;
                smallest = Some(smallest.map_or(p.id, |s: i64| s.min(p.id)));
                let deleted = p
                    .status
                    .as_deref()
                    .is_some_and(|s| DELETED_PRODUCT_STATES.contains(&s));
                if seen.insert(p.id) && !deleted {
                    out.push(map::publication(&p, raw));
                }
            }
            match smallest {
                Some(min) if count >= limit && last_id != Some(min - 1) => last_id = Some(min - 1),
                _ => break,
            }
        }
        Ok(out)
    }

    /// `GET /products/{id}` → `{"product": {…}}`; a deleted product is no longer listed.
    async fn fetch_publication(
        &self,
        external_id: &str,
    ) -> Result<Option<RemotePublication>, PlatformError> {
        let Ok(id) = parse_id(external_id) else {
            return Ok(None);
        };
        let value = match self
            .call_ok(Method::Get, &format!("/products/{id}"), &[], None)
            .await
        {
            Ok(v) => v,
            Err(PlatformError::NotFound) => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(raw) = value.get("product").cloned() else {
            return Err(PlatformError::BadResponse(
                "a product answer without `product`".into(),
            ));
        };
        let p: wire::Product = decode(raw.clone())?;
        let deleted = p
            .status
            .as_deref()
            .is_some_and(|s| DELETED_PRODUCT_STATES.contains(&s));
        Ok((!deleted).then(|| map::publication(&p, raw)))
    }

    /// STK-1: quantity > 0 → available with the quantity, 0 → not available; in batches, and every
    /// id missing from `processed_ids` is reported with Prom's per-product error.
    async fn push_stock(
        &self,
        updates: &[StockUpdate],
    ) -> Result<Vec<StockRefusal>, PlatformError> {
        let mut refusals = Vec::new();
        let mut edits = Vec::with_capacity(updates.len());
        let mut external_of: HashMap<i64, &str> = HashMap::new();
        for u in updates {
            let quantity = u.quantity.max(0);
            let Ok(id) = parse_id(&u.external_id) else {
                refusals.push(StockRefusal {
                    external_id: u.external_id.clone(),
                    code: Some("bad_id".into()),
                    message: "not a Prom product id".into(),
                });
                continue;
            };
            external_of.insert(id, &u.external_id);
            edits.push(wire::ProductEdit {
                id,
                presence: Some(
                    if quantity > 0 {
                        "available"
                    } else {
                        "not_available"
                    }
                    .into(),
                ),
                quantity_in_stock: Some(quantity),
                price: u.price.and_then(price_amount),
            });
        }
        let batch = self.settings.edit_batch_size.max(1) as usize;
        let mut failures: BTreeMap<i64, String> = BTreeMap::new();
        for chunk in edits.chunks(batch) {
            let body = serde_json::to_value(chunk)
                .map_err(|e| PlatformError::BadResponse(e.to_string()))?;
            let value = self
                .call_ok(Method::Post, "/products/edit", &[], Some(&body))
                .await?;
            let answer: wire::ProcessedAnswer = decode(value)?;
            let processed: HashSet<i64> = answer
                .processed_ids
                .unwrap_or_default()
                .into_iter()
                .collect();
            for e in chunk.iter().filter(|e| !processed.contains(&e.id)) {
                let why = answer
                    .errors
                    .as_ref()
                    .and_then(|errs| errs.get(e.id.to_string()))
                    .map(|v| match v {
                        Value::Object(fields) => fields
                            .iter()
                            .map(|(k, m)| format!("{k}: {}", m.as_str().unwrap_or(&m.to_string())))
                            .collect::<Vec<_>>()
                            .join("; "),
                        other => other.as_str().unwrap_or(&other.to_string()).to_string(),
                    })
                    .unwrap_or_else(|| "not processed".into());
                failures.insert(e.id, why);
            }
        }
        refusals.extend(failures.into_iter().map(|(id, why)| {
            StockRefusal {
                external_id: external_of
                    .get(&id)
                    .map_or_else(|| id.to_string(), |e| e.to_string()),
                code: Some("not_processed".into()),
                message: why,
            }
        }));
        Ok(refusals)
    }
}

#[cfg(test)]
mod unit_tests {
    use super::*;

    #[test]
    fn reasons_with_text_split_at_the_colon() {
        assert_eq!(
            split_reason("another: Немає кольору"),
            ("another".into(), Some("Немає кольору".into()))
        );
        assert_eq!(split_reason("duplicate: x"), ("duplicate".into(), None));
        assert_eq!(
            split_reason("not_available"),
            ("not_available".into(), None)
        );
    }

    #[test]
    fn errors_read_from_bodies() {
        let refused = check_answer(
            200,
            &serde_json::json!({"error": "This status value is not allowed"}),
        );
        assert_eq!(
            refused,
            Err(PlatformError::Refused {
                code: None,
                message: "This status value is not allowed".into()
            })
        );
        assert_eq!(
            check_answer(401, &serde_json::json!({"error": "Unauthorized"})),
            Err(PlatformError::Unauthorized("Unauthorized".into()))
        );
        assert_eq!(
            check_answer(
                403,
                &serde_json::json!({"message": "No access to products"})
            ),
            Err(PlatformError::Unauthorized("No access to products".into()))
        );
        assert!(check_answer(200, &serde_json::json!({"orders": []})).is_ok());
        assert_eq!(
            check_answer(404, &Value::Null),
            Err(PlatformError::NotFound)
        );
    }
}
