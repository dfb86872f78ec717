//! The six platforms orderhub connects to, and what each needs to authorize.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    Rozetka,
    Prom,
    Epicentr,
    Cartum,
    Shopify,
    Woocommerce,
}

impl Platform {
    pub const ALL: [Platform; 6] = [
        Platform::Rozetka,
        Platform::Prom,
        Platform::Epicentr,
        Platform::Cartum,
        Platform::Shopify,
        Platform::Woocommerce,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Rozetka => "rozetka",
            Platform::Prom => "prom",
            Platform::Epicentr => "epicentr",
            Platform::Cartum => "cartum",
            Platform::Shopify => "shopify",
            Platform::Woocommerce => "woocommerce",
        }
    }

    /// Polled platforms are re-read on a schedule; the others push webhooks (IMP-2).
    /// The name sellers know the platform by, for messages.
    pub fn title(self) -> &'static str {
        match self {
            Platform::Rozetka => "Rozetka",
            Platform::Prom => "Prom.ua",
            Platform::Epicentr => "Epicentr",
            Platform::Cartum => "Cartum",
            Platform::Shopify => "Shopify",
            Platform::Woocommerce => "WooCommerce",
        }
    }

    pub fn is_polled(self) -> bool {
        matches!(
            self,
            Platform::Rozetka | Platform::Prom | Platform::Epicentr | Platform::Cartum
        )
    }

    /// The production base URL, used when a source has no override (SRC-1). Cartum, Shopify and
    /// WooCommerce live on the seller's own domain, so they have none.
    pub fn production_base_url(self) -> Option<&'static str> {
        match self {
            Platform::Rozetka => Some("https://api-seller.rozetka.com.ua"),
            Platform::Prom => Some("https://my.prom.ua/api/v1"),
            Platform::Epicentr => Some("https://merchant-api.epicentrm.com.ua"),
            Platform::Cartum | Platform::Shopify | Platform::Woocommerce => None,
        }
    }

    /// Whether an imported order's first status follows the platform's (ST-1: finished orders get
    /// our completed/cancelled status) or is always the source's default (IMP-7).
    pub fn initial_status_follows_platform(self) -> bool {
        self.is_polled()
    }

    /// Whether a cancellation on the platform cancels the order here (ST-2); Shopify has no
    /// status sync at all (ST-7).
    pub fn cancellation_propagates(self) -> bool {
        self != Platform::Shopify
    }

    /// IMP-1: platforms whose backfill leaves finished orders out; a later poll must not bring
    /// them in either (only orders it already knows may become finished).
    pub fn backfill_skips_completed(self) -> bool {
        matches!(
            self,
            Platform::Cartum | Platform::Shopify | Platform::Woocommerce
        )
    }

    /// IMP-6: WooCommerce orders without items or a reachable customer are not imported.
    pub fn skips_incomplete_orders(self) -> bool {
        self == Platform::Woocommerce
    }

    /// Whether names of goods are stored in the source's language (SRC-1).
    pub fn has_language(self) -> bool {
        matches!(self, Platform::Prom | Platform::Cartum)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPlatform(pub String);

impl FromStr for Platform {
    type Err = UnknownPlatform;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownPlatform(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_names_round_trip() {
        for p in Platform::ALL {
            assert_eq!(p.as_str().parse::<Platform>(), Ok(p));
        }
        assert!("ebay".parse::<Platform>().is_err());
    }

    // covers: ST-1, ST-2, ST-7, IMP-7
    #[test]
    fn status_rules_per_platform() {
        assert!(Platform::Prom.initial_status_follows_platform());
        assert!(!Platform::Woocommerce.initial_status_follows_platform());
        assert!(!Platform::Shopify.initial_status_follows_platform());
        assert!(Platform::Woocommerce.cancellation_propagates());
        assert!(!Platform::Shopify.cancellation_propagates());
    }

    #[test]
    fn only_marketplaces_are_polled() {
        let polled: Vec<_> = Platform::ALL
            .into_iter()
            .filter(|p| p.is_polled())
            .collect();
        assert_eq!(
            polled,
            [
                Platform::Rozetka,
                Platform::Prom,
                Platform::Epicentr,
                Platform::Cartum
            ]
        );
    }
}
