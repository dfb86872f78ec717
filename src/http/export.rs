//! `GET /export/orders.csv` (issue 19, API-2, API-3): the orders of a selection as CSV, with the
//! filter of `orders(filter:)` as query parameters and the same bearer token and scope. Streamed
//! page by page (one page of orders in memory, whatever the selection's size); UTF-8 with a BOM
//! so that Excel reads Cyrillic; every cell that begins with `=`, `+`, `-`, `@`, a tab or a
//! carriage return is prefixed with `'`, so no cell runs as a formula in a spreadsheet.
//! The columns are listed in [`COLUMNS`] and in the README.

use super::graphql::{auth_error, bearer, request_error};
use super::HttpState;
use crate::domain::auth::SourceScope;
use crate::domain::merge::delivery_comment;
use crate::domain::money::format_amount;
use crate::domain::orders::{Delivery, OrderCursor, OrderFilter, Origin};
use crate::domain::{Platform, SourceId, StatusGroup, StatusId, UserId};
use crate::graphql::limits::{MAX_ID_LEN, MAX_PLATFORM_STATUS_LEN, MAX_SEARCH_LEN};
use crate::store::export::ExportOrder;
use crate::store::Store;
use crate::Error;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, SecondsFormat, Utc};

/// Orders read per statement (and sent per chunk).
const PAGE: u64 = 500;

/// The header row, in order.
pub const COLUMNS: [&str; 24] = [
    "id",
    "number",
    "created_at",
    "source",
    "platform",
    "status",
    "status_group",
    "source_status",
    "source_status_label",
    "customer_first_name",
    "customer_last_name",
    "customer_phone",
    "customer_email",
    "customer_address",
    "items",
    "items_quantity",
    "total",
    "currency",
    "tracking_number",
    "manager",
    "delivery",
    "written_off",
    "last_synced_at",
    "external_id",
];

/// The query parameters: the filter of `orders(filter:)` and the CSV's delimiter.
const PARAMETERS: [&str; 11] = [
    "sourceId",
    "platform",
    "origin",
    "statusId",
    "statusGroup",
    "sourceStatus",
    "createdFrom",
    "createdTo",
    "search",
    "managerId",
    "delimiter",
];

fn bad_input(field: &str, message: String) -> Error {
    Error::bad_input(field, message)
}

/// A refusal shaped as the GraphQL API's: `BAD_INPUT` naming the parameter as `field`.
fn refusal(e: Error) -> HttpResponse {
    let field = match &e {
        Error::BadInput { field, .. } => Some(field.clone()),
        _ => None,
    };
    HttpResponse::BadRequest().json(serde_json::json!({
        "data": null,
        "errors": [{"message": e.public_message(),
                    "extensions": {"code": e.code(), "field": field}}]
    }))
}

/// One of `names` (as the API writes them, SCREAMING_CASE), read case-insensitively.
fn one_of<T: Copy>(field: &str, value: &str, all: &[(String, T)]) -> Result<T, Error> {
    all.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(value.trim()))
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
            bad_input(
                field,
                format!(
                    "`{}` is not one of {}",
                    crate::graphql::limits::shown(value),
                    names.join(", ")
                ),
            )
        })
}

fn id<T: std::str::FromStr>(field: &str, value: &str) -> Result<T, Error> {
    if value.len() > MAX_ID_LEN {
        return Err(bad_input(
            field,
            format!(
                "`{}` is not a valid id",
                crate::graphql::limits::shown(value)
            ),
        ));
    }
    value.trim().parse::<T>().map_err(|_| {
        bad_input(
            field,
            format!(
                "`{}` is not a valid id",
                crate::graphql::limits::shown(value)
            ),
        )
    })
}

fn time(field: &str, value: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            bad_input(
                field,
                format!(
                    "`{}` is not a date and time in RFC 3339 form, such as 2026-11-23T00:00:00Z \
                     or 2026-11-23T02:00:00+02:00",
                    crate::graphql::limits::shown(value)
                ),
            )
        })
}

fn text(field: &str, value: &str, max: usize) -> Result<String, Error> {
    if value.chars().count() > max {
        return Err(bad_input(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.to_string())
}

/// The filter and delimiter the query string asks for; an unknown or repeated parameter, or a
/// value the API would refuse, is a 400 naming it.
fn parse_query(query: &str) -> Result<(OrderFilter, u8), Error> {
    let pairs: Vec<(String, String)> = web::Query::<Vec<(String, String)>>::from_query(query)
        .map_err(|e| {
            bad_input(
                "query",
                format!("not a query string of name=value pairs ({e})"),
            )
        })?
        .into_inner();
    let mut f = OrderFilter::default();
    let mut delimiter = b',';
    let mut seen: Vec<&str> = vec![];
    let platforms: Vec<(String, Platform)> = Platform::ALL
        .iter()
        .map(|p| (p.as_str().to_uppercase(), *p))
        .collect();
    let groups: Vec<(String, StatusGroup)> = StatusGroup::ALL
        .iter()
        .map(|g| (g.as_str().to_uppercase(), *g))
        .collect();
    let origins: Vec<(String, Origin)> = vec![
        ("ALL".into(), Origin::All),
        ("HERE".into(), Origin::Here),
        ("INTEGRATIONS".into(), Origin::Integrations),
    ];
    let delimiters: Vec<(String, u8)> = vec![("COMMA".into(), b','), ("SEMICOLON".into(), b';')];
    for (name, value) in &pairs {
        let Some(known) = PARAMETERS.iter().find(|p| **p == name.as_str()) else {
            return Err(bad_input(
                name,
                format!(
                    "is not a parameter of this export; it takes {}",
                    PARAMETERS.join(", ")
                ),
            ));
        };
        if seen.contains(known) {
            return Err(bad_input(name, "is given twice".into()));
        }
        seen.push(known);
        if value.trim().is_empty() {
            continue;
        }
        match *known {
            "sourceId" => f.source_id = Some(id::<SourceId>(name, value)?),
            "platform" => f.platform = Some(one_of(name, value, &platforms)?),
            "origin" => f.origin = one_of(name, value, &origins)?,
            "statusId" => f.status_id = Some(id::<StatusId>(name, value)?),
            "statusGroup" => f.status_group = Some(one_of(name, value, &groups)?),
            "sourceStatus" => f.source_status = Some(text(name, value, MAX_PLATFORM_STATUS_LEN)?),
            "createdFrom" => f.created_from = Some(time(name, value)?),
            "createdTo" => f.created_to = Some(time(name, value)?),
            "search" => f.search = Some(text(name, value, MAX_SEARCH_LEN)?),
            "managerId" => f.manager_id = Some(id::<UserId>(name, value)?),
            _ => delimiter = one_of(name, value, &delimiters)?,
        }
    }
    Ok((f, delimiter))
}

/// A cell as written: a leading `= + - @`, tab or carriage return made inert with `'` (a
/// spreadsheet would run it as a formula); quoted when it holds the delimiter, a quote or a line
/// break.
fn cell(out: &mut String, value: &str, delimiter: u8) {
    let risky = value
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    let value = if risky {
        std::borrow::Cow::Owned(format!("'{value}"))
    } else {
        std::borrow::Cow::Borrowed(value)
    };
    if value
        .chars()
        .any(|c| c == delimiter as char || matches!(c, '"' | '\n' | '\r'))
    {
        out.push('"');
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(&value);
    }
}

fn row(out: &mut String, cells: &[String], delimiter: u8) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(delimiter as char);
        }
        cell(out, c, delimiter);
    }
    out.push_str("\r\n");
}

fn when(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn cells_of(o: &ExportOrder) -> Vec<String> {
    let opt = |v: Option<&str>| v.unwrap_or_default().to_string();
    let platform = o
        .source
        .as_ref()
        .and_then(|s| s.platform.parse::<Platform>().ok());
    let label = platform
        .zip(o.order.source_status.as_deref())
        .and_then(|(p, code)| crate::platforms::source_status_label(p, code));
    let c = o.customer.as_ref();
    let items: Vec<String> = o
        .items
        .iter()
        .map(|i| {
            let mut s = format!(
                "{} × {}",
                crate::domain::changes::quantity_text(i.quantity),
                i.name
            );
            if let Some(sku) = i.sku.as_deref().filter(|s| !s.is_empty()) {
                s.push_str(&format!(" [{sku}]"));
            }
            s.push_str(&format!(" @ {}", format_amount(i.price)));
            if i.removed_on_platform {
                s.push_str(" (removed on the platform)");
            }
            s
        })
        .collect();
    let quantity: rust_decimal::Decimal = o
        .items
        .iter()
        .filter(|i| !i.removed_on_platform)
        .fold(rust_decimal::Decimal::ZERO, |a, i| {
            a.checked_add(i.quantity).unwrap_or(a)
        });
    let delivery = o
        .order
        .delivery
        .clone()
        .and_then(|d| serde_json::from_value::<Delivery>(d).ok())
        .map(|d| {
            let c = delivery_comment(&d);
            c.strip_prefix("Delivery: ").unwrap_or(&c).to_string()
        });
    vec![
        o.order.id.to_string(),
        o.order.number.clone(),
        when(Some(o.order.platform_created_at)),
        o.source
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        platform
            .map(|p| p.as_str().to_uppercase())
            .unwrap_or_default(),
        o.status
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        o.status
            .as_ref()
            .map(|s| s.status_group.to_uppercase())
            .unwrap_or_default(),
        opt(o.order.source_status.as_deref()),
        label.unwrap_or_default(),
        opt(c.and_then(|c| c.first_name.as_deref())),
        opt(c.and_then(|c| c.last_name.as_deref())),
        opt(c.and_then(|c| c.phone.as_deref())),
        opt(c.and_then(|c| c.email.as_deref())),
        opt(c.and_then(|c| c.address.as_deref())),
        items.join("; "),
        crate::domain::changes::quantity_text(quantity),
        format_amount(o.order.total),
        o.order.currency.clone(),
        opt(o.order.tracking_number.as_deref()),
        o.manager.clone().unwrap_or_default(),
        delivery.unwrap_or_default(),
        o.order.written_off.to_string(),
        when(o.order.last_synced_at),
        opt(o.order.external_id.as_deref()),
    ]
}

/// Where the stream is: the next page starts after `after`; `None` once done.
struct Export {
    store: Store,
    scope: SourceScope,
    filter: OrderFilter,
    delimiter: u8,
    after: Option<OrderCursor>,
    started: bool,
    done: bool,
}

async fn next_chunk(mut e: Export) -> Option<(Result<web::Bytes, actix_web::Error>, Export)> {
    if e.done {
        return None;
    }
    let mut out = String::new();
    if !e.started {
        e.started = true;
        out.push('\u{feff}');
        let header: Vec<String> = COLUMNS.iter().map(|c| c.to_string()).collect();
        row(&mut out, &header, e.delimiter);
    }
    match e
        .store
        .export_page(&e.scope, &e.filter, e.after.take(), PAGE)
        .await
    {
        Ok((orders, next)) => {
            for o in &orders {
                row(&mut out, &cells_of(o), e.delimiter);
            }
            e.done = next.is_none();
            e.after = next;
            Some((Ok(web::Bytes::from(out)), e))
        }
        Err(err) => {
            // the answer is cut short: the client sees an incomplete download, never a file
            // that looks whole
            tracing::error!(error = %err, "orders export failed");
            e.done = true;
            Some((
                Err(actix_web::error::ErrorInternalServerError("export failed")),
                e,
            ))
        }
    }
}

pub async fn orders_csv(state: web::Data<HttpState>, req: HttpRequest) -> HttpResponse {
    let peer = req.peer_addr().map(|a| a.ip());
    let principal = match state.auth.authenticate(bearer(&req), peer).await {
        Ok(Some(p)) => p,
        Ok(None) => {
            return request_error(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                Error::Unauthenticated.public_message(),
            )
        }
        Err(e) => return auth_error(e),
    };
    let (filter, delimiter) = match parse_query(req.query_string()) {
        Ok(q) => q,
        Err(e) => return refusal(e),
    };
    let export = Export {
        store: state.store.clone(),
        scope: principal.scope(),
        filter,
        delimiter,
        after: None,
        started: false,
        done: false,
    };
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"orders-{}.csv\"",
                Utc::now().format("%Y%m%d-%H%M%S")
            ),
        ))
        .streaming(futures_util::stream::unfold(export, next_chunk))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_made_inert_and_cells_quoted() {
        let mut out = String::new();
        row(
            &mut out,
            &[
                "=HYPERLINK(\"http://x\")".into(),
                "+380501234567".into(),
                "-5".into(),
                "@SUM(A1)".into(),
                "Київ, вул. Хрещатик, 1".into(),
                "plain".into(),
                "two\nlines".into(),
            ],
            b',',
        );
        assert_eq!(
            out,
            "\"'=HYPERLINK(\"\"http://x\"\")\",'+380501234567,'-5,'@SUM(A1),\
             \"Київ, вул. Хрещатик, 1\",plain,\"two\nlines\"\r\n"
        );
        let mut semi = String::new();
        row(&mut semi, &["a,b".into(), "c;d".into()], b';');
        assert_eq!(semi, "a,b;\"c;d\"\r\n");
    }

    #[test]
    fn the_query_is_the_orders_filter() {
        let (f, d) = parse_query(
            "platform=rozetka&statusGroup=NEW&createdFrom=2026-11-23T00:00:00Z&search=%D0%9E%D0%BB&delimiter=semicolon&origin=",
        )
        .unwrap();
        assert_eq!(f.platform, Some(Platform::Rozetka));
        assert_eq!(f.status_group, Some(StatusGroup::New));
        assert_eq!(f.search.as_deref(), Some("Ол"));
        assert!(f.created_from.is_some());
        assert_eq!(f.origin, Origin::All);
        assert_eq!(d, b';');
        assert!(parse_query("platform=ROZETK").is_err());
        assert!(parse_query("createdFrom=2026-11-23").is_err());
        assert!(parse_query("colour=red").is_err());
        assert!(parse_query("search=a&search=b").is_err());
    }
}
