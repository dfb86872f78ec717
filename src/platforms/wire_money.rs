//! Money in platform JSON: decimal strings, numbers, `""` or null, read into `Decimal` without
//! going through a lossy float parse (shared by the Shopify and WooCommerce wire types).
#![deny(clippy::arithmetic_side_effects)]

use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use std::fmt;
use std::str::FromStr;

struct AmountVisitor;

impl<'de> Visitor<'de> for AmountVisitor {
    type Value = Option<Decimal>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an amount as a decimal string or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        let v = v.trim();
        if v.is_empty() {
            return Ok(None);
        }
        Decimal::from_str(v)
            .or_else(|_| Decimal::from_scientific(v))
            .map(Some)
            .map_err(|_| E::custom(format!("`{v}` is not an amount")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(Decimal::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // Rust prints the shortest text that reads back as the same f64: `195.67`, not
        // `195.669999…`
        Decimal::from_str(&v.to_string())
            .map(Some)
            .map_err(|_| E::custom(format!("{v} is not an amount")))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(AmountVisitor)
    }
}

/// Null, absent and `""` are `None`; text that is not a number is an error.
pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    d.deserialize_any(AmountVisitor)
}

/// An amount that must be there (order totals).
pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    optional(d)?.ok_or_else(|| de::Error::custom("an amount is required here"))
}
