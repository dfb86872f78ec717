//! Typed ids: an `OrderId` can never be passed where a `SourceId` is expected.

use std::fmt;
use std::str::FromStr;

macro_rules! typed_id {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, InvalidId> {
                match s.trim().parse::<i64>() {
                    Ok(v) if v > 0 => Ok(Self(v)),
                    _ => Err(InvalidId(s.chars().take(40).collect())),
                }
            }
        }
    )*};
}

typed_id!(
    UserId,
    SourceId,
    OrderId,
    OrderItemId,
    CustomerId,
    ProductId,
    StatusId,
    PublicationId,
    SyncRunId,
    WebhookDeliveryId,
);

/// An id string that is not a positive integer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidId(pub String);

impl fmt::Display for InvalidId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` is not a valid id", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_positive_integers_only() {
        assert_eq!("42".parse::<OrderId>(), Ok(OrderId(42)));
        assert!("0".parse::<OrderId>().is_err());
        assert!("-1".parse::<OrderId>().is_err());
        assert!("abc".parse::<SourceId>().is_err());
        assert!("".parse::<SourceId>().is_err());
    }
}
