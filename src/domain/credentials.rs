//! Platform credentials (SRC-3): write-only. `Debug` never prints a value, and nothing serialises
//! them except the encryption at rest in `crate::secrets`.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shop_domain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consumer_secret: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Credentials(<redacted>)")
    }
}

impl Credentials {
    fn field(&self, name: &str) -> Option<&str> {
        let v = match name {
            "token" => &self.token,
            "login" => &self.login,
            "password" => &self.password,
            "shopDomain" => &self.shop_domain,
            "accessToken" => &self.access_token,
            "webhookSecret" => &self.webhook_secret,
            "consumerKey" => &self.consumer_key,
            "consumerSecret" => &self.consumer_secret,
            _ => &None,
        };
        v.as_deref().filter(|s| !s.trim().is_empty())
    }

    /// Names the first of `required` (the fields a platform cannot work without, by their GraphQL
    /// names, from its descriptor) that is missing, so the error can say exactly what to fill in.
    pub fn check_complete(&self, required: &[&'static str]) -> Result<(), &'static str> {
        match required.iter().find(|f| self.field(f).is_none()) {
            Some(missing) => Err(missing),
            None => Ok(()),
        }
    }

    /// Every non-empty secret value, so tests and log filters can look for leaks.
    pub fn secret_values(&self) -> Vec<&str> {
        [
            &self.token,
            &self.password,
            &self.access_token,
            &self.webhook_secret,
            &self.consumer_secret,
        ]
        .into_iter()
        .filter_map(|v| v.as_deref())
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // covers: SRC-3
    #[test]
    fn debug_never_prints_a_secret() {
        let c = Credentials {
            token: Some("s3cr3t-token".into()),
            ..Default::default()
        };
        assert!(!format!("{c:?}").contains("s3cr3t"));
    }

    // covers: SRC-2
    #[test]
    fn missing_fields_are_named() {
        let c = Credentials {
            login: Some("me".into()),
            ..Default::default()
        };
        assert_eq!(c.check_complete(&["login", "password"]), Err("password"));
        assert_eq!(c.check_complete(&["token"]), Err("token"));
        assert_eq!(c.check_complete(&["login"]), Ok(()));
        let shop = Credentials {
            shop_domain: Some("x.myshopify.com".into()),
            access_token: Some("shpat".into()),
            webhook_secret: Some(" ".into()),
            ..Default::default()
        };
        let shopify = ["shopDomain", "accessToken", "webhookSecret"];
        assert_eq!(shop.check_complete(&shopify), Err("webhookSecret"));
    }
}
