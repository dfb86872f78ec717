//! Customers as each source's orders show them (`domain::contact`): written beside every order
//! a source brings, read for a user who may not see every source (API-3).

use super::{now, rows::CustomerRow, Store};
use crate::domain::auth::SourceScope;
use crate::domain::contact::Contact;
use crate::error::Result;
use entity::customer_contact;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use std::collections::HashMap;

pub(crate) fn contact_of(m: &customer_contact::Model) -> Contact {
    Contact {
        first_name: m.first_name.clone(),
        last_name: m.last_name.clone(),
        phone: m.phone.clone(),
        email: m.email.clone(),
        address: m.address.clone(),
        unspecified: m.unspecified,
    }
}

/// Records what orders of a source say about their customers: `(customer id, source id,
/// contact)`, in the order the orders came. A source's first contact of a customer stays; what it
/// lacked is filled in from later ones. Two statements for a page of orders, plus one per contact
/// that gained a field.
pub(crate) async fn note_contacts<C: ConnectionTrait>(
    db: &C,
    seen: &[(i64, i64, Contact)],
) -> Result<()> {
    if seen.is_empty() {
        return Ok(());
    }
    // the page's own contacts first: one per (customer, source)
    let mut order: Vec<(i64, i64)> = vec![];
    let mut wanted: HashMap<(i64, i64), Contact> = HashMap::new();
    for (customer, source, c) in seen {
        match wanted.get_mut(&(*customer, *source)) {
            Some(have) => *have = have.filled_in(c),
            None => {
                order.push((*customer, *source));
                wanted.insert((*customer, *source), c.clone());
            }
        }
    }
    let customers: Vec<i64> = order.iter().map(|(c, _)| *c).collect();
    let stored: HashMap<(i64, i64), customer_contact::Model> = customer_contact::Entity::find()
        .filter(customer_contact::Column::CustomerId.is_in(customers))
        .all(db)
        .await?
        .into_iter()
        .map(|m| ((m.customer_id, m.source_id), m))
        .collect();
    let t = now();
    let mut new_rows = vec![];
    for key in order {
        let Some(c) = wanted.remove(&key) else {
            continue;
        };
        match stored.get(&key) {
            Some(existing) => {
                let before = contact_of(existing);
                let after = before.filled_in(&c);
                if after != before {
                    let mut am: customer_contact::ActiveModel = existing.clone().into();
                    am.search_text = Set(after.search_text());
                    am.first_name = Set(after.first_name);
                    am.last_name = Set(after.last_name);
                    am.phone = Set(after.phone);
                    am.email = Set(after.email);
                    am.address = Set(after.address);
                    am.unspecified = Set(after.unspecified);
                    am.updated_at = Set(t);
                    am.update(db).await?;
                }
            }
            None => new_rows.push(customer_contact::ActiveModel {
                customer_id: Set(key.0),
                source_id: Set(key.1),
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
            }),
        }
    }
    if !new_rows.is_empty() {
        // a contact written meanwhile by another transaction stays (the first one seen)
        customer_contact::Entity::insert_many(new_rows)
            .on_conflict(
                OnConflict::columns([
                    customer_contact::Column::CustomerId,
                    customer_contact::Column::SourceId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

impl Store {
    /// The customers as `scope` sees them. A scope that sees every source reads the shared
    /// record; any other reads the contacts its sources' orders gave (oldest source first, gaps
    /// filled from the next), and nothing another source brought. One statement for a page.
    pub async fn customers_as_seen(
        &self,
        scope: &SourceScope,
        mut rows: Vec<CustomerRow>,
    ) -> Result<Vec<CustomerRow>> {
        let SourceScope::Only(sources) = scope else {
            return Ok(rows);
        };
        if rows.is_empty() {
            return Ok(rows);
        }
        let mut contacts: HashMap<i64, Vec<Contact>> = HashMap::new();
        if !sources.is_empty() {
            for m in customer_contact::Entity::find()
                .filter(customer_contact::Column::CustomerId.is_in(rows.iter().map(|r| r.id)))
                .filter(customer_contact::Column::SourceId.is_in(sources.iter().map(|s| s.0)))
                .order_by_asc(customer_contact::Column::Id)
                .all(&self.db)
                .await?
            {
                contacts
                    .entry(m.customer_id)
                    .or_default()
                    .push(contact_of(&m));
            }
        }
        seen_through(&mut rows, &contacts);
        Ok(rows)
    }
}

/// Customers as a user who sees only some sources sees them: their contact fields from those
/// sources' contacts of them (`contacts` by customer id), merged; none when none of the sources
/// showed them.
pub(crate) fn seen_through(rows: &mut [CustomerRow], contacts: &HashMap<i64, Vec<Contact>>) {
    for row in rows {
        let seen = contacts
            .get(&row.id)
            .and_then(Contact::merged)
            .unwrap_or_default();
        row.search_text = seen.search_text();
        row.first_name = seen.first_name;
        row.last_name = seen.last_name;
        row.phone = seen.phone;
        row.email = seen.email;
        row.address = seen.address;
        row.unspecified = seen.unspecified;
    }
}
