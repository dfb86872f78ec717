//! The API of pushing back to the platforms: status rules (ST-3..7), publications (PUB-1..3) and
//! stock (STK-1). Resolvers parse, authorize and call the store or the engine.

use super::guards::{admin, parse_id, principal, state, GqlResult};
use super::limits::*;
use super::loaders::{Loaders, ProductKey};
use super::query::keyset_page;
use super::types::*;
use crate::domain::push::Rule;
use crate::domain::SourceId;
use crate::store::publications::ProductLink;
use crate::store::rows::*;
use crate::sync::publications::PublicationSync;
use crate::Error;
use async_graphql::connection::EmptyFields;
use async_graphql::{Context, ErrorExtensions, InputObject, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};

/// One rule: our status (Prom: our status group, and for its cancelled group a cancellation
/// reason) → the platform's status (ST-3, ST-5). `platformStatus`: at most 100 characters; the
/// reasons: at most 500. At most 200 rules at once.
#[derive(InputObject)]
pub struct StatusRuleInput {
    pub status_id: Option<ID>,
    pub status_group: Option<StatusGroupGql>,
    pub cancellation_reason: Option<String>,
    pub platform_status: String,
    pub platform_cancellation_reason: Option<String>,
}

fn rules_of(input: Vec<StatusRuleInput>) -> async_graphql::Result<Vec<Rule>> {
    check_list("rules", &input, MAX_RULES)?;
    for r in &input {
        check_len(
            "rules.platformStatus",
            &r.platform_status,
            MAX_PLATFORM_STATUS_LEN,
        )?;
        check_opt_len(
            "rules.cancellationReason",
            r.cancellation_reason.as_deref(),
            MAX_REASON_LEN,
        )?;
        check_opt_len(
            "rules.platformCancellationReason",
            r.platform_cancellation_reason.as_deref(),
            MAX_REASON_LEN,
        )?;
    }
    input
        .into_iter()
        .map(|r| {
            Ok(Rule {
                status_id: r
                    .status_id
                    .as_ref()
                    .map(|id| parse_id::<i64>("statusId", id))
                    .transpose()?,
                status_group: r.status_group.map(Into::into),
                cancellation_reason: r
                    .cancellation_reason
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
                platform_status: r.platform_status.trim().to_string(),
                platform_cancellation_reason: r
                    .platform_cancellation_reason
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty()),
            })
        })
        .collect()
}

pub struct StatusRule(pub StatusRuleRow);

#[Object]
impl StatusRule {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn status_id(&self) -> Option<ID> {
        self.0.status_id.map(|s| ID(s.to_string()))
    }
    async fn status_group(&self) -> Option<StatusGroupGql> {
        self.0
            .status_group
            .as_deref()
            .and_then(|g| g.parse::<crate::domain::StatusGroup>().ok())
            .map(Into::into)
    }
    async fn cancellation_reason(&self) -> Option<&str> {
        self.0.cancellation_reason.as_deref()
    }
    async fn platform_status(&self) -> &str {
        &self.0.platform_status
    }
    async fn platform_cancellation_reason(&self) -> Option<&str> {
        self.0.platform_cancellation_reason.as_deref()
    }
}

/// How many open orders enabling the rules would move to one platform status.
#[derive(SimpleObject)]
pub struct StatusRuleMove {
    pub platform_status: String,
    pub platform_cancellation_reason: Option<String>,
    pub count: i64,
}

/// Open orders that would not be pushed, by reason.
#[derive(SimpleObject)]
pub struct NotSentCount {
    pub reason: String,
    pub count: i64,
}

/// What `enableStatusRules` would do now with these rules (ST-3); nothing is changed.
#[derive(SimpleObject)]
pub struct StatusRulesPreview {
    pub moves: Vec<StatusRuleMove>,
    /// Open orders already in their rule's platform status.
    pub unchanged: i64,
    pub not_sent: Vec<NotSentCount>,
    /// Open orders the preview looked at.
    pub open_orders: i64,
}

/// How a listing's product was linked (PUB-3).
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ProductLinkKind {
    /// `createProductFromPublication` made the product from this listing.
    Created,
    /// `createProductFromPublication` found a catalogue product with the listing's SKU and
    /// linked it instead of making a duplicate (PRD-1).
    SameSku,
    /// `linkPublication` linked it.
    ByHand,
}

impl From<ProductLink> for ProductLinkKind {
    fn from(l: ProductLink) -> Self {
        match l {
            ProductLink::Created => ProductLinkKind::Created,
            ProductLink::SameSku => ProductLinkKind::SameSku,
            ProductLink::ByHand => ProductLinkKind::ByHand,
        }
    }
}

/// A listing of the seller on a platform (PUB-1..3).
pub struct Publication(pub PublicationRow);

#[Object]
impl Publication {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn source_id(&self) -> ID {
        ID(self.0.source_id.to_string())
    }
    async fn external_id(&self) -> &str {
        &self.0.external_id
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn sku(&self) -> Option<&str> {
        self.0.sku.as_deref()
    }
    async fn price(&self) -> Option<String> {
        self.0.price.map(crate::domain::money::format_amount)
    }
    async fn currency(&self) -> Option<&str> {
        self.0.currency.as_deref()
    }
    /// The stock the platform showed at the last sync, or what orderhub last pushed.
    async fn stock(&self) -> Option<i64> {
        self.0.stock
    }
    /// The platform's state of the listing (Rozetka: its sell status); `unlisted` when the
    /// platform no longer shows it.
    async fn state(&self) -> Option<&str> {
        self.0.state.as_deref()
    }
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    async fn pushed_stock(&self) -> Option<i64> {
        self.0.pushed_stock
    }
    /// Why the last stock push to this listing failed (e.g. Rozetka's price list is not "API").
    async fn push_error(&self) -> Option<&str> {
        self.0.push_error.as_deref()
    }
    async fn synced_at(&self) -> DateTime<Utc> {
        self.0.synced_at
    }
    /// How `product` was linked: made from this listing, an existing product with its SKU
    /// (PRD-1), or by hand; null when unlinked (or linked before this was kept).
    async fn product_link_kind(&self) -> Option<ProductLinkKind> {
        self.0
            .product_id
            .and(self.0.product_link.as_deref())
            .and_then(ProductLink::parse)
            .map(Into::into)
    }
    /// The linked product of the catalogue (PUB-3).
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
        let Some(id) = self.0.product_id else {
            return Ok(None);
        };
        Ok(ctx
            .data_unchecked::<Loaders>()
            .load_one(ProductKey(id))
            .await
            .map_err(|e| e.extend())?
            .map(|(p, category)| Product::from_row(p, category)))
    }
}

keyset_cursor!(
    /// A listing's place in a source's publication list.
    PublicationCursor,
    "publication",
    "not a cursor the publication list returned"
);

/// A page of a source's publications, oldest first (async-graphql's Relay connection).
pub type PublicationConnection = KeysetConnection<PublicationCursor, Publication>;

/// What a publication sync did.
#[derive(SimpleObject)]
pub struct PublicationSyncResult {
    pub created: i64,
    pub updated: i64,
    pub unlisted: i64,
}

/// A publication's source must be visible to the caller (API-3).
async fn visible_publication(
    ctx: &Context<'_>,
    id: &ID,
    field: &str,
) -> async_graphql::Result<PublicationRow> {
    let p = principal(ctx)?;
    let id: i64 = parse_id(field, id)?;
    let row = state(ctx).store.publication(id).await.gql()?;
    row.filter(|r| p.can_see_source(SourceId(r.source_id)))
        .ok_or_else(|| Error::not_found("publication").extend())
}

async fn visible_source(
    ctx: &Context<'_>,
    id: &ID,
    field: &str,
) -> async_graphql::Result<SourceRow> {
    let p = principal(ctx)?;
    let id: SourceId = parse_id(field, id)?;
    if !p.can_see_source(id) {
        return Err(Error::not_found("source").extend());
    }
    state(ctx)
        .store
        .source_row(id)
        .await
        .gql()?
        .ok_or_else(|| Error::not_found("source").extend())
}

#[derive(Default)]
pub struct PushQuery;

#[Object]
impl PushQuery {
    /// A source's publications (the seller's listings), oldest first. A Relay connection both
    /// ways: `first` (50 when neither is given) with `after`, or `last` with `before`, at most
    /// 500; cursors are opaque and belong to this list only.
    #[graphql(
        complexity = "crate::graphql::limits::optional_page_cost(first.or(last), 50, crate::graphql::limits::MAX_PUBLICATIONS, child_complexity)"
    )]
    async fn publications(
        &self,
        ctx: &Context<'_>,
        source_id: ID,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> async_graphql::Result<PublicationConnection> {
        let src = visible_source(ctx, &source_id, "sourceId").await?;
        let page = keyset_page::<PublicationCursor>(
            first,
            after.as_deref(),
            last,
            before.as_deref(),
            50,
            MAX_PUBLICATIONS,
        )?;
        let read = state(ctx)
            .store
            .publications_page(SourceId(src.id), page)
            .await
            .gql()?;
        Ok(keyset_connection(read, EmptyFields, |r| {
            (PublicationCursor(r.id), Publication(r))
        }))
    }

    /// A source's status rules (ST-3).
    #[graphql(
        complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::LIST_ESTIMATE, child_complexity)"
    )]
    async fn status_rules(
        &self,
        ctx: &Context<'_>,
        source_id: ID,
    ) -> async_graphql::Result<Vec<StatusRule>> {
        let src = visible_source(ctx, &source_id, "sourceId").await?;
        Ok(state(ctx)
            .store
            .status_rules(SourceId(src.id))
            .await
            .gql()?
            .into_iter()
            .map(StatusRule)
            .collect())
    }
}

#[derive(Default)]
pub struct PushMutation;

#[Object]
impl PushMutation {
    /// Replaces a source's status rules (ST-3, ST-5..7). Rules start off; see enableStatusRules.
    async fn set_status_rules(
        &self,
        ctx: &Context<'_>,
        source_id: ID,
        rules: Vec<StatusRuleInput>,
    ) -> async_graphql::Result<Vec<StatusRule>> {
        admin(ctx)?;
        let src = visible_source(ctx, &source_id, "sourceId").await?;
        let rules = rules_of(rules)?;
        Ok(state(ctx)
            .store
            .set_status_rules(&src, &rules)
            .await
            .gql()?
            .into_iter()
            .map(StatusRule)
            .collect())
    }

    /// What enabling these rules would do to the source's open orders, changing nothing (ST-3).
    async fn preview_status_rules(
        &self,
        ctx: &Context<'_>,
        source_id: ID,
        rules: Vec<StatusRuleInput>,
    ) -> async_graphql::Result<StatusRulesPreview> {
        admin(ctx)?;
        let src = visible_source(ctx, &source_id, "sourceId").await?;
        let rules = rules_of(rules)?;
        let p = state(ctx)
            .store
            .preview_status_rules(&src, &rules)
            .await
            .gql()?;
        let moved: u64 = p.moves.iter().map(|m| m.count).sum();
        let not_sent: u64 = p.not_sent.iter().map(|n| n.1).sum();
        Ok(StatusRulesPreview {
            open_orders: (moved + not_sent + p.unchanged) as i64,
            unchanged: p.unchanged as i64,
            moves: p
                .moves
                .into_iter()
                .map(|m| StatusRuleMove {
                    platform_status: m.platform_status,
                    platform_cancellation_reason: m.platform_cancellation_reason,
                    count: m.count as i64,
                })
                .collect(),
            not_sent: p
                .not_sent
                .into_iter()
                .map(|(reason, count)| NotSentCount {
                    reason,
                    count: count as i64,
                })
                .collect(),
        })
    }

    /// Switches the source's rules on (every open order the rules move is pushed) or off.
    async fn enable_status_rules(
        &self,
        ctx: &Context<'_>,
        source_id: ID,
        enabled: bool,
    ) -> async_graphql::Result<Source> {
        admin(ctx)?;
        let src = visible_source(ctx, &source_id, "sourceId").await?;
        let (row, _) = state(ctx)
            .store
            .enable_status_rules(src, enabled)
            .await
            .gql()?;
        Ok(Source(row))
    }

    /// Reads all of the source's publications now (PUB-1: at most once a day by hand).
    async fn sync_publications(
        &self,
        ctx: &Context<'_>,
        source_id: ID,
    ) -> async_graphql::Result<PublicationSyncResult> {
        let src = visible_source(ctx, &source_id, "sourceId").await?;
        let c = state(ctx)
            .engine
            .sync_publications(SourceId(src.id), PublicationSync::Manual)
            .await
            .gql()?;
        Ok(PublicationSyncResult {
            created: c.created as i64,
            updated: c.updated as i64,
            unlisted: c.unlisted as i64,
        })
    }

    /// Re-reads one publication from the platform (PUB-1).
    async fn sync_publication(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Publication> {
        let row = visible_publication(ctx, &id, "id").await?;
        Ok(Publication(
            state(ctx).engine.sync_publication(&row).await.gql()?,
        ))
    }

    /// Links a publication to a product, or unlinks it with `productId: null` (PUB-3). The
    /// product's stock is then pushed to it (STK-1).
    async fn link_publication(
        &self,
        ctx: &Context<'_>,
        publication_id: ID,
        product_id: Option<ID>,
    ) -> async_graphql::Result<Publication> {
        let row = visible_publication(ctx, &publication_id, "publicationId").await?;
        let product_id = product_id
            .as_ref()
            .map(|p| parse_id::<i64>("productId", p))
            .transpose()?;
        Ok(Publication(
            state(ctx)
                .store
                .link_publication(row.id, product_id)
                .await
                .gql()?,
        ))
    }

    /// Links a publication to the catalogue product with its SKU (PRD-1: never a duplicate),
    /// else creates a product from it (name, SKU, its stock) and links them (PUB-3).
    /// `productLinkKind` in the answer says which: `SAME_SKU` (the existing product keeps its
    /// stock, which is pushed to the listing, STK-1) or `CREATED`.
    async fn create_product_from_publication(
        &self,
        ctx: &Context<'_>,
        publication_id: ID,
    ) -> async_graphql::Result<Publication> {
        let row = visible_publication(ctx, &publication_id, "publicationId").await?;
        let (_, row, _) = state(ctx)
            .store
            .create_product_from_publication(row.id)
            .await
            .gql()?;
        Ok(Publication(row))
    }

    /// Sets a product's stock; every linked publication on every platform follows (STK-1).
    /// Products are shared by all sources, so this needs an admin.
    async fn set_product_stock(
        &self,
        ctx: &Context<'_>,
        product_id: ID,
        quantity: i64,
    ) -> async_graphql::Result<Product> {
        admin(ctx)?;
        let id: i64 = parse_id("productId", &product_id)?;
        let st = state(ctx);
        st.store.set_product_stock(id, quantity).await.gql()?;
        let (p, category) = st
            .store
            .products_by_ids(&[id])
            .await
            .gql()?
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found("product").extend())?;
        Ok(Product::from_row(p, category))
    }
}
