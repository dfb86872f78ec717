//! Publications (the seller's listings, PUB-1..3) and product stock (STK-1).

use super::keyset::{self, Keyset, ListOrder};
use super::{now, rows::*, Store};
use crate::domain::paging::KeysetPage;
use crate::domain::publication::RemotePublication;
use crate::domain::SourceId;
use crate::error::{Error, Result};
use crate::store::orders::STOCK_DEBOUNCE;
use crate::store::push::{enqueue, stock_job};
use chrono::{DateTime, Utc};
use entity::{product, publication, source};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use std::collections::HashMap;

/// PUB-1: a source's manual publication sync runs at most this often.
pub const MANUAL_PUBLICATION_SYNC: chrono::Duration = chrono::Duration::hours(24);
/// PUB-1: the automatic sync.
pub const AUTO_PUBLICATION_SYNC: chrono::Duration = chrono::Duration::days(7);

/// What one publication sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublicationCounts {
    pub created: u64,
    pub updated: u64,
    /// Listings the platform no longer shows (kept, marked `unlisted`, links intact).
    pub unlisted: u64,
}

/// How a listing's product was linked (PUB-3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProductLink {
    /// Made from the listing by `createProductFromPublication`.
    Created,
    /// An existing product with the listing's SKU (PRD-1).
    SameSku,
    /// Linked by `linkPublication`.
    ByHand,
}

impl ProductLink {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductLink::Created => "created",
            ProductLink::SameSku => "same_sku",
            ProductLink::ByHand => "by_hand",
        }
    }

    pub fn parse(s: &str) -> Option<ProductLink> {
        match s {
            "created" => Some(ProductLink::Created),
            "same_sku" => Some(ProductLink::SameSku),
            "by_hand" => Some(ProductLink::ByHand),
            _ => None,
        }
    }
}

/// A linked listing and the stock its product has now.
#[derive(Clone, Debug)]
pub struct StockLine {
    pub publication: PublicationRow,
    pub quantity: i64,
}

impl Store {
    /// A source's listings, oldest first, one page as `page` asks for it (issue 17: Relay paging
    /// both ways; here `after` means newer and `before` older, as the list runs oldest first).
    /// Answers the rows, whether more follow (`hasNextPage`) and whether some precede
    /// (`hasPreviousPage`); the side the page did not travel towards is looked at only when a
    /// cursor bounds it.
    pub async fn publications_page(
        &self,
        source_id: SourceId,
        page: KeysetPage,
    ) -> Result<(Vec<PublicationRow>, bool, bool)> {
        keyset::page::<publication::Entity>(
            &self.db,
            Condition::all().add(publication::Column::SourceId.eq(source_id.0)),
            Keyset::by_id(publication::Column::Id, ListOrder::OldestFirst),
            page,
        )
        .await
    }

    pub async fn publication(&self, id: i64) -> Result<Option<PublicationRow>> {
        Ok(publication::Entity::find_by_id(id).one(&self.db).await?)
    }

    /// PUB-1: a manual sync of all of a source's publications, at most once a day. Claims the
    /// slot atomically, so two clicks (or two instances) make one sync.
    pub async fn claim_publication_sync(
        &self,
        source_id: SourceId,
        min_interval: chrono::Duration,
    ) -> Result<()> {
        let t = now();
        let claimed = source::Entity::update_many()
            .col_expr(source::Column::PublicationsSyncedAt, Expr::value(t))
            .filter(source::Column::Id.eq(source_id.0))
            .filter(
                Condition::any()
                    .add(source::Column::PublicationsSyncedAt.is_null())
                    .add(source::Column::PublicationsSyncedAt.lte(t - min_interval)),
            )
            .exec(&self.writer)
            .await?;
        if claimed.rows_affected == 1 {
            return Ok(());
        }
        let last = self
            .source_row(source_id)
            .await?
            .ok_or_else(|| Error::not_found("source"))?
            .publications_synced_at;
        let next = last.map(|l| l + min_interval);
        Err(Error::RateLimited {
            message: format!(
                "this source's publications were synced less than {} hours ago; try again after {}",
                min_interval.num_hours(),
                next.map(|n| n.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default()
            ),
            retry_at: next,
        })
    }

    /// Gives a claimed slot back (the sync failed before it read anything).
    pub async fn release_publication_sync(
        &self,
        source_id: SourceId,
        previous: Option<DateTime<Utc>>,
    ) -> Result<()> {
        source::Entity::update_many()
            .col_expr(source::Column::PublicationsSyncedAt, Expr::value(previous))
            .filter(source::Column::Id.eq(source_id.0))
            .exec(&self.writer)
            .await?;
        Ok(())
    }

    /// Sources whose automatic publication sync is due (PUB-1).
    pub async fn sources_due_for_publications(&self) -> Result<Vec<SourceRow>> {
        Ok(source::Entity::find()
            .filter(source::Column::DeletedAt.is_null())
            .filter(source::Column::Enabled.eq(true))
            .filter(source::Column::NeedsReauth.eq(false))
            .filter(
                Condition::any()
                    .add(source::Column::PublicationsSyncedAt.is_null())
                    .add(source::Column::PublicationsSyncedAt.lte(now() - AUTO_PUBLICATION_SYNC)),
            )
            .all(&self.db)
            .await?)
    }

    /// Stores the listings read from the platform. With `complete`, listings missing from the
    /// read are marked `unlisted` (their product links stay).
    pub async fn upsert_publications(
        &self,
        source_id: SourceId,
        remote: &[RemotePublication],
        complete: bool,
    ) -> Result<PublicationCounts> {
        let existing: HashMap<String, PublicationRow> = publication::Entity::find()
            .filter(publication::Column::SourceId.eq(source_id.0))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.external_id.clone(), p))
            .collect();
        let t = now();
        let mut counts = PublicationCounts::default();
        let txn = self.write_txn().await?;
        let mut seen = std::collections::HashSet::new();
        for r in remote {
            seen.insert(r.external_id.clone());
            match existing.get(&r.external_id) {
                Some(row) => {
                    let mut am: publication::ActiveModel = row.clone().into();
                    am.name = Set(r.name.clone());
                    am.sku = Set(r.sku.clone());
                    am.price = Set(r.price);
                    am.currency = Set(r.currency.clone());
                    am.stock = Set(r.stock);
                    am.state = Set(r.state.clone());
                    am.url = Set(r.url.clone());
                    am.raw = Set(r.raw.clone());
                    am.synced_at = Set(t);
                    am.update(&txn).await?;
                    counts.updated += 1;
                }
                None => {
                    publication::ActiveModel {
                        source_id: Set(source_id.0),
                        external_id: Set(r.external_id.clone()),
                        name: Set(r.name.clone()),
                        sku: Set(r.sku.clone()),
                        price: Set(r.price),
                        currency: Set(r.currency.clone()),
                        stock: Set(r.stock),
                        state: Set(r.state.clone()),
                        url: Set(r.url.clone()),
                        product_id: Set(None),
                        raw: Set(r.raw.clone()),
                        pushed_stock: Set(None),
                        push_error: Set(None),
                        synced_at: Set(t),
                        created_at: Set(t),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?;
                    counts.created += 1;
                }
            }
        }
        if complete {
            for (ext, row) in &existing {
                if !seen.contains(ext) && row.state.as_deref() != Some("unlisted") {
                    let mut am: publication::ActiveModel = row.clone().into();
                    am.state = Set(Some("unlisted".into()));
                    am.synced_at = Set(t);
                    am.update(&txn).await?;
                    counts.unlisted += 1;
                }
            }
        }
        txn.commit().await?;
        Ok(counts)
    }

    /// PUB-3: links a listing to a product (or unlinks it); the product's stock is pushed to it.
    pub async fn link_publication(
        &self,
        publication_id: i64,
        product_id: Option<i64>,
    ) -> Result<PublicationRow> {
        let row = self
            .publication(publication_id)
            .await?
            .ok_or_else(|| Error::not_found("publication"))?;
        if let Some(pid) = product_id {
            product::Entity::find_by_id(pid)
                .one(&self.db)
                .await?
                .ok_or_else(|| Error::bad_input("productId", "no such product"))?;
        }
        let txn = self.write_txn().await?;
        let source_id = row.source_id;
        let mut am: publication::ActiveModel = row.into();
        am.product_id = Set(product_id);
        am.product_link = Set(product_id.map(|_| ProductLink::ByHand.as_str().to_string()));
        // a new link pushes the product's stock even if an old one was pushed before
        am.pushed_stock = Set(None);
        am.push_error = Set(None);
        let row = am.update(&txn).await?;
        let queued = product_id.is_some()
            && enqueue(&txn, stock_job(source_id, false, STOCK_DEBOUNCE)).await?;
        txn.commit().await?;
        if queued {
            self.wake_outbox();
        }
        Ok(row)
    }

    /// PUB-3: links a listing to the catalogue product with its SKU (PRD-1: a product is never
    /// duplicated), else makes one from it (name, SKU, its stock). An existing product keeps its
    /// stock, which is then pushed to the listing (STK-1); a new one takes the listing's.
    pub async fn create_product_from_publication(
        &self,
        publication_id: i64,
    ) -> Result<(ProductRow, PublicationRow, ProductLink)> {
        let row = self
            .publication(publication_id)
            .await?
            .ok_or_else(|| Error::not_found("publication"))?;
        if row.product_id.is_some() {
            return Err(Error::Conflict(
                "the publication is already linked to a product".into(),
            ));
        }
        let sku = row
            .sku
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
        let t = now();
        let txn = self.write_txn().await?;
        let existing = match &sku {
            Some(sku) => {
                product::Entity::find()
                    .filter(product::Column::Sku.eq(sku.as_str()))
                    .order_by_asc(product::Column::Id)
                    .one(&txn)
                    .await?
            }
            None => None,
        };
        let source_id = row.source_id;
        let (product, link) = match existing {
            Some(p) => (p, ProductLink::SameSku),
            None => (
                product::ActiveModel {
                    name: Set(row.name.clone()),
                    description: Set(None),
                    sku: Set(sku),
                    code: Set(None),
                    unit: Set("piece".into()),
                    category_id: Set(None),
                    stock_quantity: Set(row.stock.unwrap_or(0).max(0)),
                    created_at: Set(t),
                    updated_at: Set(t),
                    ..Default::default()
                }
                .insert(&txn)
                .await?,
                ProductLink::Created,
            ),
        };
        let mut am: publication::ActiveModel = row.into();
        am.product_id = Set(Some(product.id));
        am.product_link = Set(Some(link.as_str().to_string()));
        let queued = match link {
            // the platform already shows this stock
            ProductLink::Created => {
                am.pushed_stock = Set(Some(product.stock_quantity));
                false
            }
            // the product's stock is the hub's: the listing follows it
            _ => {
                am.pushed_stock = Set(None);
                am.push_error = Set(None);
                true
            }
        };
        let row = am.update(&txn).await?;
        let queued = queued && enqueue(&txn, stock_job(source_id, false, STOCK_DEBOUNCE)).await?;
        txn.commit().await?;
        if queued {
            self.wake_outbox();
        }
        Ok((product, row, link))
    }

    /// STK-1: sets a product's stock; every listing linked to it is pushed (debounced).
    pub async fn set_product_stock(&self, product_id: i64, quantity: i64) -> Result<ProductRow> {
        if quantity < 0 {
            return Err(Error::bad_input("quantity", "stock cannot be negative"));
        }
        let row = product::Entity::find_by_id(product_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| Error::not_found("product"))?;
        let txn = self.write_txn().await?;
        let mut am: product::ActiveModel = row.into();
        am.stock_quantity = Set(quantity);
        // counted now: what earlier write-offs lacked is settled
        am.stock_shortage = Set(0);
        am.updated_at = Set(now());
        let row = am.update(&txn).await?;
        let queued = self
            .queue_stock_pushes(&txn, &[product_id], STOCK_DEBOUNCE)
            .await?;
        txn.commit().await?;
        if queued > 0 {
            self.wake_outbox();
        }
        Ok(row)
    }

    /// The linked listings of a source whose stock differs from what was last pushed (all of
    /// them with `all`, the scheduled re-assertion).
    pub async fn stock_lines(&self, source_id: SourceId, all: bool) -> Result<Vec<StockLine>> {
        let pubs = publication::Entity::find()
            .filter(publication::Column::SourceId.eq(source_id.0))
            .filter(publication::Column::ProductId.is_not_null())
            .order_by_asc(publication::Column::Id)
            .all(&self.db)
            .await?;
        let stock: HashMap<i64, i64> = product::Entity::find()
            .filter(product::Column::Id.is_in(pubs.iter().filter_map(|p| p.product_id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.stock_quantity.max(0)))
            .collect();
        Ok(pubs
            .into_iter()
            .filter_map(|p| {
                let quantity = *stock.get(&p.product_id?)?;
                (all || p.pushed_stock != Some(quantity)).then_some(StockLine {
                    publication: p,
                    quantity,
                })
            })
            .collect())
    }

    /// What a stock push did to each line: `None` taken (its stock is now the platform's),
    /// `Some(error)` not taken, the error kept on the listing.
    pub async fn record_stock_push(&self, results: &[(&StockLine, Option<&str>)]) -> Result<()> {
        let txn = self.write_txn().await?;
        for &(l, error) in results {
            let mut update = publication::Entity::update_many().col_expr(
                publication::Column::PushError,
                Expr::value(error.map(str::to_string)),
            );
            if error.is_none() {
                update = update
                    .col_expr(publication::Column::PushedStock, Expr::value(l.quantity))
                    .col_expr(publication::Column::Stock, Expr::value(l.quantity));
            }
            update
                .filter(publication::Column::Id.eq(l.publication.id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Queues a stock push of one source's linked listings whose stock differs.
    pub async fn queue_stock_push(&self, source_id: SourceId) -> Result<bool> {
        let queued = enqueue(&self.writer, stock_job(source_id.0, false, STOCK_DEBOUNCE)).await?;
        if queued {
            self.wake_outbox();
        }
        Ok(queued)
    }

    /// Sources with linked listings: the scheduled stock push re-asserts them (STK-1).
    pub async fn queue_scheduled_stock_pushes(&self) -> Result<usize> {
        let sources: Vec<i64> = publication::Entity::find()
            .select_only()
            .column(publication::Column::SourceId)
            .distinct()
            .filter(publication::Column::ProductId.is_not_null())
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut queued = 0;
        for sid in sources {
            if enqueue(
                &self.writer,
                stock_job(sid, true, std::time::Duration::ZERO),
            )
            .await?
            {
                queued += 1;
            }
        }
        if queued > 0 {
            self.wake_outbox();
        }
        Ok(queued)
    }
}
