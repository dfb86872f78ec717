//! Webhook endpoints (WH-1..4, WH-7): verify the HMAC on the raw bytes, hand the delivery to the
//! intake (`sync::intake`, which stores it durably), then answer 200. Processing happens later,
//! from the inbox; nothing here parses more of the body than the order id and updated-at needed to
//! recognise duplicates.

use super::HttpState;
use crate::domain::{Platform, SourceId};
use crate::platforms::{signature, TimeFormat, Webhooks};
use crate::store::inbox::{NewDelivery, Stored};
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Bodies above this answer 413 without being buffered (orders with many lines stay far below).
pub const MAX_WEBHOOK_BODY: usize = 2 << 20;

/// `POST /webhooks/{platform}/{source_id}`: a delivery from a platform that sends webhooks (its
/// descriptor's [`crate::platforms::Webhooks`]); any other platform's path is not found.
pub async fn deliver(
    state: web::Data<HttpState>,
    path: web::Path<(String, String)>,
    req: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let (platform, source) = path.into_inner();
    let sends = Platform::ALL
        .into_iter()
        .find(|p| p.as_str() == platform)
        .filter(|p| crate::platforms::descriptor(*p).webhooks().is_some());
    match sends {
        Some(platform) => receive(&state, platform, &source, &req, body).await,
        None => HttpResponse::NotFound().finish(),
    }
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

fn count(state: &HttpState, platform: Platform, outcome: &str) {
    state.metrics.incr(&format!(
        "orderhub_webhook_deliveries_total{{platform=\"{platform}\",outcome=\"{outcome}\"}}"
    ));
}

async fn receive(
    state: &HttpState,
    platform: Platform,
    source: &str,
    req: &HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let Ok(source_id) = source.parse::<SourceId>() else {
        count(state, platform, "unknown_source");
        return HttpResponse::NotFound().finish();
    };
    let src = match state
        .webhook_sources
        .get(&state.store, &state.secret_key, source_id)
        .await
    {
        Ok(Some(s)) if s.platform == platform => s,
        Ok(_) => {
            count(state, platform, "unknown_source");
            return HttpResponse::NotFound().finish();
        }
        Err(_) => return HttpResponse::ServiceUnavailable().finish(),
    };
    let Some(webhooks) = crate::platforms::descriptor(platform).webhooks() else {
        count(state, platform, "unknown_source");
        return HttpResponse::NotFound().finish();
    };
    let headers = &webhooks.headers;
    let signature = header(req, headers.signature);
    // WH-7: a platform's unsigned test of a new subscription (WooCommerce's `webhook_id=N`)
    if signature.is_none() && headers.unsigned_ping.is_some_and(|p| body.starts_with(p)) {
        count(state, platform, "ping");
        return HttpResponse::Ok().finish();
    }
    let secret = &src.webhook_secret;
    let verified = match signature {
        Some(sig) if !secret.is_empty() => signature::verify(secret.as_bytes(), &body, sig),
        _ => false,
    };
    if !verified {
        // WH-1: nothing stored but a counter; the platform retries (Shopify) or counts a failure
        count(state, platform, "bad_signature");
        tracing::warn!(source_id = source_id.0, %platform, "webhook with a missing or wrong signature refused");
        return HttpResponse::Unauthorized().finish();
    }
    let delivery = describe(platform, webhooks, source_id, req, &body, src.enabled);
    // WH-2: answered once the delivery is durable (the intake wakes the inbox worker)
    match state.inbox_writer.store(delivery).await {
        Ok(Stored::New) => {
            count(state, platform, "stored");
            HttpResponse::Ok().finish()
        }
        Ok(Stored::Duplicate) => {
            count(state, platform, "duplicate");
            HttpResponse::Ok().finish()
        }
        Err(e) => {
            // not stored, so not acknowledged: the platform will deliver again
            tracing::error!(source_id = source_id.0, error = %e, "cannot store a webhook delivery");
            HttpResponse::ServiceUnavailable().finish()
        }
    }
}

/// The stored form of a delivery: headers that matter, raw body, keys for duplicate detection.
fn describe(
    platform: Platform,
    webhooks: &Webhooks,
    source_id: SourceId,
    req: &HttpRequest,
    body: &[u8],
    enabled: bool,
) -> NewDelivery {
    let scheme = &webhooks.headers;
    let names: &[&str] = scheme.kept;
    let mut headers = serde_json::Map::new();
    for n in names {
        if let Some(v) = header(req, n) {
            headers.insert((*n).to_string(), v.into());
        }
    }
    let topic = header(req, scheme.topic).map(str::to_string);
    let is_order = topic.as_deref().is_some_and(|t| t.starts_with("order"));
    let seed = KeysOf {
        updated_at_key: webhooks.updated_at_key,
    };
    let mut reader = serde_json::Deserializer::from_slice(body);
    let keys = seed
        .deserialize(&mut reader)
        .and_then(|keys| reader.end().map(|()| keys));
    let (external_order_id, updated_at, error) = match keys {
        Ok(keys) => {
            let id = keys
                .id
                .as_ref()
                .and_then(json_id)
                .filter(|id| is_order && usable_key(id));
            let updated = keys
                .updated_at
                .and_then(|u| time_of(&u, webhooks.updated_at_format))
                .filter(|_| is_order);
            (id, updated, None)
        }
        // valid JSON that is not an object carries no keys; processing says what is wrong with it
        Err(_) => match serde_json::from_slice::<serde::de::IgnoredAny>(body) {
            Ok(_) => (None, None, None),
            Err(e) => (None, None, Some(format!("the body is not valid JSON: {e}"))),
        },
    };
    NewDelivery {
        source_id,
        platform: platform.as_str().to_string(),
        topic,
        webhook_id: scheme
            .webhook_id
            .and_then(|name| header(req, name))
            .filter(|id| usable_key(id))
            .map(str::to_string),
        event_id: scheme
            .event_id
            .and_then(|name| header(req, name))
            .filter(|id| usable_key(id))
            .map(str::to_string),
        external_order_id,
        platform_updated_at: updated_at,
        headers: serde_json::Value::Object(headers),
        body: body.to_vec(),
        state: if error.is_some() {
            "failed"
        } else if enabled {
            "pending"
        } else {
            "parked"
        },
        last_error: error,
    }
}

/// A time as a webhook body writes it.
fn time_of(text: &str, format: TimeFormat) -> Option<DateTime<Utc>> {
    match format {
        TimeFormat::Rfc3339 => DateTime::parse_from_rfc3339(text)
            .ok()
            .map(|d| d.with_timezone(&Utc)),
        TimeFormat::UtcWithoutOffset => NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
            .ok()
            .map(|n| n.and_utc()),
    }
}

/// The keys duplicate detection needs; the rest of the body is skipped, not built.
struct Keys<'a> {
    id: Option<serde_json::Value>,
    /// The value of the platform's updated-at key ([`Webhooks::updated_at_key`]).
    updated_at: Option<Cow<'a, str>>,
}

/// Reads [`Keys`] out of a body, the updated-at key being the platform's.
struct KeysOf {
    updated_at_key: &'static str,
}

impl<'de> DeserializeSeed<'de> for KeysOf {
    type Value = Keys<'de>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Keys<'de>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for KeysOf {
    type Value = Keys<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys<'de>, A::Error> {
        let mut keys = Keys {
            id: None,
            updated_at: None,
        };
        // a key given twice makes the body carry no keys, as it is no order to trust
        let (mut seen_id, mut seen_updated_at) = (false, false);
        while let Some(BorrowedOrOwned(key)) = map.next_key()? {
            if key == "id" {
                if std::mem::replace(&mut seen_id, true) {
                    return Err(serde::de::Error::duplicate_field("id"));
                }
                keys.id = map.next_value()?;
            } else if key == self.updated_at_key {
                if std::mem::replace(&mut seen_updated_at, true) {
                    return Err(serde::de::Error::duplicate_field("updated at"));
                }
                keys.updated_at = map
                    .next_value::<Option<BorrowedOrOwned<'de>>>()?
                    .map(|v| v.0);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(keys)
    }
}

/// A string borrowed from the body where it has no escapes, else owned.
struct BorrowedOrOwned<'a>(Cow<'a, str>);

impl<'de> serde::Deserialize<'de> for BorrowedOrOwned<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = BorrowedOrOwned<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(BorrowedOrOwned(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(BorrowedOrOwned(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(Text)
    }
}

/// The platforms' ids are short printable text (UUIDs, integers). Anything else is no key to
/// recognise duplicates by (the delivery is stored without it, its headers kept): a PostgreSQL
/// index row cannot hold a few kilobytes nor its text a NUL, and one such row would fail the commit
/// of every delivery written in the same batch.
fn usable_key(id: &str) -> bool {
    id.len() <= 255 && !id.chars().any(char::is_control)
}

/// Order ids are integers that may exceed 2^53: read them as u64, never through f64.
fn json_id(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Number(n) => n
            .as_u64()
            .map(|n| n.to_string())
            .or_else(|| n.as_i64().map(|n| n.to_string())),
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// What a webhook needs of its source, kept for a few seconds so a burst of deliveries does not
/// read and decrypt the source each time. A changed secret or a disabled source applies within
/// [`SOURCE_TTL`].
#[derive(Clone)]
pub struct WebhookSource {
    pub platform: Platform,
    pub enabled: bool,
    pub webhook_secret: String,
}

/// When a source was read, and what it was (None: no such source).
type CachedSource = (Instant, Option<WebhookSource>);

const SOURCE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Clone, Default)]
pub struct WebhookSources {
    cache: Arc<Mutex<HashMap<i64, CachedSource>>>,
}

impl WebhookSources {
    /// Drops what is known of a source (it was changed here; other instances see it within the TTL).
    pub fn forget(&self, id: SourceId) {
        self.cache.lock().unwrap().remove(&id.0);
    }

    pub async fn get(
        &self,
        store: &crate::store::Store,
        key: &crate::secrets::SecretKey,
        id: SourceId,
    ) -> crate::Result<Option<WebhookSource>> {
        if let Some((at, cached)) = self.cache.lock().unwrap().get(&id.0) {
            if at.elapsed() < SOURCE_TTL {
                return Ok(cached.clone());
            }
        }
        let found = match store.source_row(id).await? {
            Some(row) => {
                let platform: Option<Platform> = row.platform.parse().ok();
                let secret = key
                    .decrypt_credentials(&row.credentials_enc)
                    .map_err(crate::Error::Internal)?
                    .webhook_secret
                    .unwrap_or_default();
                platform.map(|platform| WebhookSource {
                    platform,
                    enabled: row.enabled,
                    webhook_secret: secret,
                })
            }
            None => None,
        };
        self.cache
            .lock()
            .unwrap()
            .insert(id.0, (std::time::Instant::now(), found.clone()));
        Ok(found)
    }
}
