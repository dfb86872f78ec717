//! The six platforms orderhub connects to. What each one is like (polled or pushing, its
//! production address, how its orders are imported) lives in its folder's descriptor
//! (`platforms::<name>::descriptor`); the store is handed the facts it needs as data
//! ([`FactsOf`]).

use super::orders::ImportFacts;
use super::push::PushFacts;
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
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The platforms' facts by platform, as the store is given them (the values live in the
/// platforms' folders, which `domain` and `store` do not import): the platforms' `FACTS` table.
#[derive(Clone, Copy)]
pub struct FactsOf {
    /// What each platform takes from status rules and pushes (ST-5..7, TRK-2).
    pub push: fn(Platform) -> PushFacts,
    /// How each platform's orders are imported (ST-1, ST-2, ST-7, IMP-6, IMP-7).
    pub import: fn(Platform) -> ImportFacts,
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
}
