//! Who is asking, and what they may see (API-3). Tokens are random and stored only as a SHA-256
//! hash: enough for 256-bit random secrets, and cheap on every request.

use super::{SourceId, UserId};
use base64::Engine;
use sha2::{Digest, Sha256};
use std::collections::HashSet;

#[derive(Clone, Debug)]
pub struct Principal {
    pub user_id: UserId,
    pub name: String,
    pub admin: bool,
    /// Sources granted to a non-admin user; admins see every source.
    pub granted: HashSet<SourceId>,
}

/// What a principal may read, as the store applies it to queries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceScope {
    All,
    Only(Vec<SourceId>),
}

impl Principal {
    pub fn can_see_source(&self, id: SourceId) -> bool {
        self.admin || self.granted.contains(&id)
    }

    pub fn scope(&self) -> SourceScope {
        if self.admin {
            SourceScope::All
        } else {
            let mut ids: Vec<_> = self.granted.iter().copied().collect();
            ids.sort();
            SourceScope::Only(ids)
        }
    }
}

impl SourceScope {
    pub fn allows(&self, id: SourceId) -> bool {
        match self {
            SourceScope::All => true,
            SourceScope::Only(ids) => ids.contains(&id),
        }
    }

    /// Whether an order of `source` is visible; orders created here belong to no source, and
    /// only admins see them.
    pub fn sees_order_of(&self, source: Option<SourceId>) -> bool {
        match (self, source) {
            (SourceScope::All, _) => true,
            (SourceScope::Only(_), None) => false,
            (SourceScope::Only(ids), Some(s)) => ids.contains(&s),
        }
    }
}

/// A new bearer token: 32 random bytes, URL-safe base64, with a prefix that makes leaks greppable.
pub fn generate_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "oh_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.trim().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hash_stably() {
        let a = generate_token();
        let b = generate_token();
        assert_ne!(a, b);
        assert!(a.starts_with("oh_") && a.len() > 40);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), hash_token(&b));
        assert_eq!(hash_token(&a).len(), 64);
        assert!(!hash_token(&a).contains(&a));
    }

    // covers: API-3
    #[test]
    fn non_admins_see_only_granted_sources() {
        let p = Principal {
            user_id: UserId(2),
            name: "m".into(),
            admin: false,
            granted: [SourceId(1)].into(),
        };
        assert!(p.can_see_source(SourceId(1)));
        assert!(!p.can_see_source(SourceId(2)));
        assert_eq!(p.scope(), SourceScope::Only(vec![SourceId(1)]));
        let admin = Principal {
            admin: true,
            granted: HashSet::new(),
            ..p
        };
        assert!(admin.can_see_source(SourceId(2)));
    }
}
