//! One-time repairs of stored data that a schema migration cannot make (they need the app's
//! domain rules), run at start after the migrations, each once per database: its name is a row of
//! `data_repairs`, claimed in the transaction that repairs, so two instances starting together
//! repair once.

use super::contacts::contact_of;
use super::now;
use crate::domain::contact::Contact;
use crate::domain::phone::{Phone, Region};
use crate::error::Result;
use entity::{customer, customer_contact, data_repair, order};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};
use std::collections::{BTreeSet, HashMap};

/// Phones stored before ab2720c read the numbering plans (issue 17): `8 050 123 45 67` was kept as
/// `+80501234567`, 9 bare digits as Polish.
pub const PHONES_BY_NUMBERING_PLAN: &str = "2026-12-07 phones read by numbering plan";

/// What one repair changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct PhoneRepair {
    pub customers_rewritten: u64,
    pub contacts_rewritten: u64,
    /// Customers folded into an older one with the same phone (CUS-1).
    pub customers_merged: u64,
}

/// Runs the repairs this database has not had. `None` when the phone repair ran before.
pub(crate) async fn run(db: &DatabaseConnection) -> Result<Option<PhoneRepair>> {
    let txn = db.begin().await?;
    let claimed = data_repair::Entity::insert(data_repair::ActiveModel {
        name: Set(PHONES_BY_NUMBERING_PLAN.to_string()),
        ran_at: Set(now()),
    })
    .on_conflict(
        OnConflict::column(data_repair::Column::Name)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if claimed == 0 {
        return Ok(None);
    }
    let done = repair_phones(&txn).await?;
    txn.commit().await?;
    if done != PhoneRepair::default() {
        tracing::info!(
            customers = done.customers_rewritten,
            contacts = done.contacts_rewritten,
            merged = done.customers_merged,
            "phones stored before the numbering plans were read are repaired (issue 17)"
        );
    }
    Ok(Some(done))
}

/// The country a customer's orders were sold in, when all of them say the same.
fn region_of(currencies: &[String]) -> Option<Region> {
    let mut regions = currencies.iter().map(|c| Region::for_currency(c));
    let first = regions.next()??;
    regions.all(|r| r == Some(first)).then_some(first)
}

async fn repair_phones<C: ConnectionTrait>(db: &C) -> Result<PhoneRepair> {
    let mut done = PhoneRepair::default();
    // the old rule always wrote `+…`; the new one writes `+…` or bare digits
    let customers = customer::Entity::find()
        .filter(customer::Column::Phone.like("+%"))
        .all(db)
        .await?;
    let contacts = customer_contact::Entity::find()
        .filter(customer_contact::Column::Phone.like("+%"))
        .all(db)
        .await?;
    if customers.is_empty() && contacts.is_empty() {
        return Ok(done);
    }
    // each customer's region from the currencies of its orders
    let mut ids: Vec<i64> = customers.iter().map(|c| c.id).collect();
    ids.extend(contacts.iter().map(|c| c.customer_id));
    ids.sort_unstable();
    ids.dedup();
    let mut currencies: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(Option<i64>, String)> = order::Entity::find()
            .select_only()
            .column(order::Column::CustomerId)
            .column(order::Column::Currency)
            .filter(order::Column::CustomerId.is_in(chunk.iter().copied()))
            .distinct()
            .into_tuple()
            .all(db)
            .await?;
        for (id, currency) in rows {
            if let Some(id) = id {
                currencies.entry(id).or_default().push(currency);
            }
        }
    }
    let region = |customer: i64| region_of(currencies.get(&customer).map_or(&[], |v| v));

    for c in contacts {
        let Some(old) = c.phone.clone() else { continue };
        let Some(new) = Phone::repair_stored(&old, region(c.customer_id)) else {
            continue;
        };
        let mut contact = contact_of(&c);
        contact.phone = Some(new.into_string());
        let mut am: customer_contact::ActiveModel = c.into();
        am.phone = Set(contact.phone.clone());
        am.search_text = Set(contact.search_text());
        am.updated_at = Set(now());
        am.update(db).await?;
        done.contacts_rewritten += 1;
    }
    // customers by their repaired phone, oldest first
    let mut by_phone: BTreeSet<String> = BTreeSet::new();
    for c in customers {
        let Some(old) = c.phone.clone() else { continue };
        let Some(new) = Phone::repair_stored(&old, region(c.id)) else {
            continue;
        };
        let new = new.into_string();
        by_phone.insert(new.clone());
        let mut contact = customer_contact_of(&c);
        contact.phone = Some(new);
        let mut am: customer::ActiveModel = c.into();
        am.phone = Set(contact.phone.clone());
        am.search_text = Set(contact.search_text());
        am.updated_at = Set(now());
        am.update(db).await?;
        done.customers_rewritten += 1;
    }
    // CUS-1: one customer per phone; the oldest stays and takes the others' orders and contacts
    for phone in by_phone {
        let mut all: Vec<customer::Model> = customer::Entity::find()
            .filter(customer::Column::Phone.eq(phone.as_str()))
            .order_by_asc(customer::Column::Id)
            .all(db)
            .await?;
        if all.len() < 2 {
            continue;
        }
        let keeper = all.remove(0);
        done.customers_merged += merge_into(db, keeper, all).await?;
    }
    Ok(done)
}

fn customer_contact_of(m: &customer::Model) -> Contact {
    Contact {
        first_name: m.first_name.clone(),
        last_name: m.last_name.clone(),
        phone: m.phone.clone(),
        email: m.email.clone(),
        address: m.address.clone(),
        unspecified: m.unspecified,
    }
}

/// Writes a contact's fields (and its search text) into a customer's or a contact's row.
macro_rules! set_contact_fields {
    ($am:ident, $c:expr) => {
        $am.first_name = Set($c.first_name.clone());
        $am.last_name = Set($c.last_name.clone());
        $am.phone = Set($c.phone.clone());
        $am.email = Set($c.email.clone());
        $am.address = Set($c.address.clone());
        $am.unspecified = Set($c.unspecified);
        $am.search_text = Set($c.search_text());
        $am.updated_at = Set(now());
    };
}

/// Folds `others` into `keeper` as CUS-1 would have had them one customer from the start: their
/// orders move to it, it fills in what it lacked from them (oldest first), and of two contacts of
/// one source the older stays, filled in from the other.
async fn merge_into<C: ConnectionTrait>(
    db: &C,
    keeper: customer::Model,
    others: Vec<customer::Model>,
) -> Result<u64> {
    let ids: Vec<i64> = others.iter().map(|c| c.id).collect();
    order::Entity::update_many()
        .col_expr(order::Column::CustomerId, keeper.id.into())
        .filter(order::Column::CustomerId.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    let mut kept: HashMap<i64, customer_contact::Model> = customer_contact::Entity::find()
        .filter(customer_contact::Column::CustomerId.eq(keeper.id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.source_id, m))
        .collect();
    let moved = customer_contact::Entity::find()
        .filter(customer_contact::Column::CustomerId.is_in(ids.iter().copied()))
        .order_by_asc(customer_contact::Column::Id)
        .all(db)
        .await?;
    for m in moved {
        match kept.get(&m.source_id) {
            Some(k) => {
                let merged = contact_of(k).filled_in(&contact_of(&m));
                let mut am: customer_contact::ActiveModel = k.clone().into();
                set_contact_fields!(am, merged);
                let k = am.update(db).await?;
                customer_contact::Entity::delete_by_id(m.id)
                    .exec(db)
                    .await?;
                kept.insert(k.source_id, k);
            }
            None => {
                let source = m.source_id;
                let mut am: customer_contact::ActiveModel = m.into();
                am.customer_id = Set(keeper.id);
                let m = am.update(db).await?;
                kept.insert(source, m);
            }
        }
    }
    let merged = others.iter().fold(customer_contact_of(&keeper), |acc, o| {
        acc.filled_in(&customer_contact_of(o))
    });
    let mut am: customer::ActiveModel = keeper.into();
    set_contact_fields!(am, merged);
    am.update(db).await?;
    customer::Entity::delete_many()
        .filter(customer::Column::Id.is_in(ids.iter().copied()))
        .exec(db)
        .await?;
    Ok(ids.len() as u64)
}
