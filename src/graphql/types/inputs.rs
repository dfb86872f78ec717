//! GraphQL input types and their parsing into domain values (bad input names its field).

use super::enums::*;
use crate::domain::credentials::Credentials;
use crate::domain::orders::OrderFilter as DomainFilter;
use crate::domain::{SourceId, StatusId};
use crate::graphql::guards::parse_id;
use crate::graphql::input_errors::DateTimeArg;
use crate::graphql::limits::*;
use async_graphql::{InputObject, ID};

#[derive(InputObject, Default)]
pub struct OrderFilter {
    pub source_id: Option<ID>,
    pub platform: Option<PlatformGql>,
    pub origin: Option<OrderOrigin>,
    pub status_id: Option<ID>,
    pub status_group: Option<StatusGroupGql>,
    /// The platform's status, as shown in brackets (at most 100 characters).
    pub source_status: Option<String>,
    /// Orders created at or after this time (RFC 3339, e.g. `2026-11-23T00:00:00Z`).
    pub created_from: Option<DateTimeArg>,
    /// Orders created before this time (RFC 3339).
    pub created_to: Option<DateTimeArg>,
    /// Order number, customer name or phone (at most 200 characters).
    pub search: Option<String>,
    /// Orders managed by this user (`me.id` for "my orders").
    pub manager_id: Option<ID>,
}

impl OrderFilter {
    pub fn into_domain(self) -> async_graphql::Result<DomainFilter> {
        check_opt_len("filter.search", self.search.as_deref(), MAX_SEARCH_LEN)?;
        check_opt_len(
            "filter.sourceStatus",
            self.source_status.as_deref(),
            MAX_PLATFORM_STATUS_LEN,
        )?;
        Ok(DomainFilter {
            source_id: self
                .source_id
                .as_ref()
                .map(|id| parse_id::<SourceId>("filter.sourceId", id))
                .transpose()?,
            platform: self.platform.map(Into::into),
            origin: self.origin.map(Into::into).unwrap_or_default(),
            status_id: self
                .status_id
                .as_ref()
                .map(|id| parse_id::<StatusId>("filter.statusId", id))
                .transpose()?,
            status_group: self.status_group.map(Into::into),
            source_status: self.source_status,
            created_from: self
                .created_from
                .map(|t| t.get("filter.createdFrom"))
                .transpose()?,
            created_to: self
                .created_to
                .map(|t| t.get("filter.createdTo"))
                .transpose()?,
            search: self.search,
            manager_id: self
                .manager_id
                .as_ref()
                .map(|id| parse_id::<crate::domain::UserId>("filter.managerId", id))
                .transpose()?,
        })
    }
}

/// Platform credentials; which fields a platform needs: Rozetka `login password`, Prom and
/// Epicentr `token`, Cartum `login password` (and the shop's base URL), Shopify `shopDomain
/// accessToken webhookSecret`, WooCommerce `consumerKey consumerSecret webhookSecret` (and the
/// shop's base URL). Write-only: no field of any type returns them. Each at most 4000
/// characters.
#[derive(InputObject, Default)]
pub struct CredentialsInput {
    pub token: Option<String>,
    pub login: Option<String>,
    pub password: Option<String>,
    pub shop_domain: Option<String>,
    pub access_token: Option<String>,
    pub webhook_secret: Option<String>,
    pub consumer_key: Option<String>,
    pub consumer_secret: Option<String>,
}

impl CredentialsInput {
    /// Refuses a credential longer than [`MAX_CREDENTIAL_LEN`], naming it.
    pub fn check(&self) -> async_graphql::Result<()> {
        for (name, value) in [
            ("credentials.token", &self.token),
            ("credentials.login", &self.login),
            ("credentials.password", &self.password),
            ("credentials.shopDomain", &self.shop_domain),
            ("credentials.accessToken", &self.access_token),
            ("credentials.webhookSecret", &self.webhook_secret),
            ("credentials.consumerKey", &self.consumer_key),
            ("credentials.consumerSecret", &self.consumer_secret),
        ] {
            check_opt_len(name, value.as_deref(), MAX_CREDENTIAL_LEN)?;
        }
        Ok(())
    }
}

impl From<CredentialsInput> for Credentials {
    fn from(c: CredentialsInput) -> Self {
        let clean = |v: Option<String>| v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        Credentials {
            token: clean(c.token),
            login: clean(c.login),
            password: clean(c.password),
            shop_domain: clean(c.shop_domain),
            access_token: clean(c.access_token),
            webhook_secret: clean(c.webhook_secret),
            consumer_key: clean(c.consumer_key),
            consumer_secret: clean(c.consumer_secret),
        }
    }
}

/// Lengths: `name` at most 200 characters, `baseUrl` 2000, `language` 20, `expenseType` 100;
/// `managerIds` and `trackingStatusIds` at most 200 ids; `settings` at most 16 KiB of JSON.
#[derive(InputObject)]
pub struct CreateSourceInput {
    pub name: String,
    pub platform: PlatformGql,
    /// ISO code, e.g. UAH or PLN; orders in another currency are flagged (IMP-5).
    pub currency: String,
    /// Production URL of the platform when absent (SRC-1).
    pub base_url: Option<String>,
    pub credentials: CredentialsInput,
    /// Language names of goods are stored in (Prom, Cartum).
    pub language: Option<String>,
    pub manager_ids: Option<Vec<ID>>,
    pub send_tracking: Option<bool>,
    pub tracking_status_ids: Option<Vec<ID>>,
    pub store_commission: Option<bool>,
    /// A free label for commission expenses, default `commission`.
    pub expense_type: Option<String>,
    pub identify_products_by: Option<ProductIdentity>,
    /// Status of newly imported orders; the default `New` status when absent (IMP-7).
    pub default_status_id: Option<ID>,
    /// Platform options, the platform notes' ASSUMPTIONS (e.g. `{"page_size": 50, "min_interval_ms": 500}`):
    /// the keys `platformSettings(platform)` lists, each of its type (SRC-1); any other key, or a
    /// value of the wrong type, is `BAD_INPUT` naming it.
    pub settings: Option<async_graphql::Json<serde_json::Value>>,
    /// Connect even when another source already has this platform account (the same token,
    /// login, shop domain or site): refused with `CONFLICT` naming that source otherwise.
    pub allow_same_account: Option<bool>,
}

/// The same bounds as `CreateSourceInput`.
#[derive(InputObject, Default)]
pub struct UpdateSourceInput {
    pub name: Option<String>,
    pub currency: Option<String>,
    pub base_url: Option<String>,
    /// New credentials replace the stored ones and clear `needsReauth`.
    pub credentials: Option<CredentialsInput>,
    pub language: Option<String>,
    pub manager_ids: Option<Vec<ID>>,
    pub send_tracking: Option<bool>,
    pub tracking_status_ids: Option<Vec<ID>>,
    pub store_commission: Option<bool>,
    pub expense_type: Option<String>,
    pub identify_products_by: Option<ProductIdentity>,
    pub default_status_id: Option<ID>,
    pub enabled: Option<bool>,
    /// Replaces the platform options (checked as in `createSource`).
    pub settings: Option<async_graphql::Json<serde_json::Value>>,
    /// Take new credentials (or a new `baseUrl`) even when another source has that account.
    pub allow_same_account: Option<bool>,
}

/// `name` at most 200 characters; `sourceIds` at most 200 ids.
#[derive(InputObject)]
pub struct CreateUserInput {
    pub name: String,
    #[graphql(default)]
    pub admin: bool,
    #[graphql(default)]
    pub source_ids: Vec<ID>,
}

/// `name` at most 200 characters.
#[derive(InputObject)]
pub struct CreateStatusInput {
    pub name: String,
    pub group: StatusGroupGql,
}

/// `name` at most 200 characters.
#[derive(InputObject, Default)]
pub struct UpdateStatusInput {
    pub name: Option<String>,
    pub group: Option<StatusGroupGql>,
    pub position: Option<i32>,
}

/// The order of `orders` (API-2): newest first unless asked otherwise. Ties are broken by the
/// order's id in the same direction; a cursor belongs to the order it was handed out for.
#[derive(InputObject, Clone, Copy)]
pub struct OrderSort {
    #[graphql(default_with = "super::enums::OrderSortField::CreatedAt")]
    pub field: super::enums::OrderSortField,
    #[graphql(default_with = "super::enums::SortDirection::Desc")]
    pub direction: super::enums::SortDirection,
}

impl From<OrderSort> for crate::domain::orders::OrderSort {
    fn from(s: OrderSort) -> Self {
        crate::domain::orders::OrderSort {
            field: s.field.into(),
            descending: s.direction == super::enums::SortDirection::Desc,
        }
    }
}
