//! Stock of catalogue products (STK-1): a write-off never takes it below zero. Goods that left
//! with an order were physically there whatever the count said, so the write-off is recorded
//! (refusing it would stop the seller shipping); the pieces the count did not have are kept as
//! the product's shortage and told in the order's feed, until the stock is next set by hand.

/// What writing `pieces` off a stock of `in_stock` leaves: `(stock after, pieces short)`. A
/// stock below zero (left by versions before this rule) counts as none.
pub fn write_off(in_stock: i64, pieces: i64) -> (i64, i64) {
    let have = in_stock.max(0);
    let pieces = pieces.max(0);
    (
        have.saturating_sub(pieces).max(0),
        pieces.saturating_sub(have).max(0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // covers: STK-1
    #[test]
    fn stock_stops_at_zero_and_the_rest_is_short() {
        assert_eq!(write_off(5, 2), (3, 0));
        assert_eq!(write_off(2, 2), (0, 0));
        assert_eq!(write_off(1, 3), (0, 2));
        assert_eq!(write_off(0, 3), (0, 3));
        assert_eq!(write_off(-4, 3), (0, 3));
        assert_eq!(write_off(i64::MAX, i64::MAX), (0, 0));
    }
}
