//! A customer as one source's orders show them (CUS-1 with API-3).
//!
//! Customers are shared across sources (CUS-1: one buyer, found by phone, else e-mail), so the
//! shared record holds what any source brought. A user granted only some sources must not read a
//! name, e-mail or address that only another source's orders carried: the hub keeps, per customer
//! and source, the contact as that source's orders gave it, and a user who may not see every
//! source reads the customer through the contacts of the sources granted to them.
//!
//! Both the shared record and each source's contact keep the first value seen and fill in what
//! was missing; a later order never overwrites (re-syncs read a customer's orders in any order,
//! and the contact must not flip between them).

use super::orders::{customer_search_text, ImportedCustomer};

/// The contact fields of a customer (read back from the orders page's JSON by their column names).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Deserialize)]
pub struct Contact {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    /// The platform hides the buyer (CUS-3).
    pub unspecified: bool,
}

impl Contact {
    /// The contact an imported order carries (a hidden buyer is "Unspecified", CUS-3).
    pub fn of(c: &ImportedCustomer) -> Contact {
        let (first_name, last_name) = if c.unspecified {
            (Some("Unspecified".to_string()), None)
        } else {
            (c.first_name.clone(), c.last_name.clone())
        };
        Contact {
            first_name,
            last_name,
            phone: c.phone.as_ref().map(|p| p.as_str().to_string()),
            email: c.email.clone(),
            address: c.address.clone(),
            unspecified: c.unspecified,
        }
    }

    /// `self` with what it lacks taken from `later`. A hidden buyer that a later order reveals
    /// (CUS-3) takes that order's contact whole.
    pub fn filled_in(&self, later: &Contact) -> Contact {
        if self.unspecified && !later.unspecified {
            return later.filled_in(&Contact::default());
        }
        let pick = |a: &Option<String>, b: &Option<String>| a.clone().or_else(|| b.clone());
        Contact {
            first_name: pick(&self.first_name, &later.first_name),
            last_name: pick(&self.last_name, &later.last_name),
            phone: pick(&self.phone, &later.phone),
            email: pick(&self.email, &later.email),
            address: pick(&self.address, &later.address),
            unspecified: self.unspecified && later.unspecified,
        }
    }

    /// The contact a user sees through several sources: the oldest source's contact, filled in
    /// from the next ones (`contacts` oldest first). `None` when there is none.
    pub fn merged<'a>(contacts: impl IntoIterator<Item = &'a Contact>) -> Option<Contact> {
        contacts
            .into_iter()
            .fold(None, |acc: Option<Contact>, c| match acc {
                None => Some(c.clone()),
                Some(a) => Some(a.filled_in(c)),
            })
    }

    /// Lower-case name, phone and e-mail, for search.
    pub fn search_text(&self) -> String {
        customer_search_text(
            self.first_name.as_deref(),
            self.last_name.as_deref(),
            self.phone.as_deref(),
            self.email.as_deref(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(first: &str, phone: Option<&str>, email: Option<&str>) -> Contact {
        Contact {
            first_name: Some(first.into()),
            phone: phone.map(str::to_string),
            email: email.map(str::to_string),
            ..Default::default()
        }
    }

    // covers: CUS-1, API-3
    #[test]
    fn the_first_value_stays_and_gaps_are_filled() {
        let a = contact("Олена", Some("+380501234567"), None);
        let b = Contact {
            address: Some("Київ".into()),
            ..contact("Helena", None, Some("olena@example.com"))
        };
        let m = a.filled_in(&b);
        assert_eq!(m.first_name.as_deref(), Some("Олена"));
        assert_eq!(m.phone.as_deref(), Some("+380501234567"));
        assert_eq!(m.email.as_deref(), Some("olena@example.com"));
        assert_eq!(m.address.as_deref(), Some("Київ"));
        assert_eq!(m.search_text(), "олена +380501234567 olena@example.com");
    }

    // covers: CUS-3
    #[test]
    fn a_revealed_buyer_replaces_the_unspecified_one() {
        let hidden = Contact::of(&ImportedCustomer {
            unspecified: true,
            ..Default::default()
        });
        assert_eq!(hidden.first_name.as_deref(), Some("Unspecified"));
        let shown = contact("Jan", Some("+48501234567"), None);
        assert_eq!(hidden.filled_in(&shown), shown);
        assert_eq!(shown.filled_in(&hidden), shown);
    }

    // covers: API-3
    #[test]
    fn several_sources_merge_oldest_first() {
        assert_eq!(Contact::merged([]), None);
        let a = contact("A", None, Some("a@example.com"));
        let b = contact("B", Some("+380501234567"), Some("b@example.com"));
        let m = Contact::merged([&a, &b]).unwrap();
        assert_eq!(m.first_name.as_deref(), Some("A"));
        assert_eq!(m.email.as_deref(), Some("a@example.com"));
        assert_eq!(m.phone.as_deref(), Some("+380501234567"));
    }
}
