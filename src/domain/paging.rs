//! Keyset paging of the lists whose cursor is a row's id, whichever way a list runs (newest
//! first, oldest first, or by a key such as a name and then the id; API-1, issue 17: Relay
//! connections both ways, opaque cursors). "Down" a list is the way it runs: `after` pages
//! down, `before` up.
//!
//! A cursor is `base64url("<list>:<id>")`: opaque to clients, and tagged with its list so a
//! cursor of another list (an order's, a raw id as the customer list once handed out) is refused
//! rather than read as something it is not.

use base64::Engine;

/// The default and the largest page of a keyset list.
pub const DEFAULT_PAGE_SIZE: u64 = 50;
pub const MAX_PAGE_SIZE: u64 = 200;

/// The cursor of row `id` in the list tagged `list`.
pub fn encode_cursor(list: &str, id: i64) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{list}:{id}"))
}

/// The id of a cursor `encode_cursor` made for `list`; `None` for anything else.
pub fn decode_cursor(list: &str, cursor: &str) -> Option<i64> {
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (tag, id) = raw.split_once(':')?;
    if tag != list {
        return None;
    }
    // ids are positive; `+5` or `007` are not what encode_cursor writes
    let n: i64 = id.parse().ok()?;
    (n > 0 && n.to_string() == id).then_some(n)
}

/// One page of a keyset list, as Relay's arguments ask for it. It names rows by their place in
/// the list, not by higher or lower ids: the store turns "below" into `<` or `>` by the way the
/// list runs (`store::keyset`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeysetPage {
    /// Rows wanted.
    pub size: u64,
    /// `first`/`after` (down the list from its top, or from just below `after`) or
    /// `last`/`before` (the `size` rows just above `before`, or the list's last `size` rows when
    /// `before` is absent).
    pub backward: bool,
    /// Only rows below this one in the list.
    pub after: Option<i64>,
    /// Only rows above this one in the list.
    pub before: Option<i64>,
}

/// Which of Relay's size arguments is wrong, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageArgError {
    pub field: &'static str,
    pub message: String,
}

impl KeysetPage {
    /// The page asked for by `first`/`last` (at most one of them; `default` rows when neither,
    /// at most `max`) and the already decoded `after`/`before`.
    pub fn new(
        first: Option<i32>,
        last: Option<i32>,
        after: Option<i64>,
        before: Option<i64>,
        default: u64,
        max: u64,
    ) -> Result<KeysetPage, PageArgError> {
        let size = |field: &'static str, n: i32| {
            u64::try_from(n)
                .map(|n| n.min(max))
                .map_err(|_| PageArgError {
                    field,
                    message: format!("`{field}` must not be negative"),
                })
        };
        let (size, backward) = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(PageArgError {
                    field: "last",
                    message: "give `first` (with `after`) or `last` (with `before`), not both"
                        .into(),
                })
            }
            (Some(n), None) => (size("first", n)?, false),
            (None, Some(n)) => (size("last", n)?, true),
            (None, None) => (default.min(max), false),
        };
        Ok(KeysetPage {
            size,
            backward,
            after,
            before,
        })
    }

    /// `size + 1` rows are read so the one beyond tells whether more follow.
    pub fn fetch(&self) -> u64 {
        self.size.saturating_add(1)
    }

    /// The rows read (`fetch()` of them at most, in the direction of travel: down the list
    /// forward, up it backward) as the page shows them, in the list's order, and whether more
    /// lay beyond them in that direction.
    pub fn trim<T>(&self, mut rows: Vec<T>) -> (Vec<T>, bool) {
        let size = usize::try_from(self.size).unwrap_or(usize::MAX);
        let more = rows.len() > size;
        rows.truncate(size);
        if self.backward {
            rows.reverse();
        }
        (rows, more)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // covers: API-1 (issue 17: opaque cursors)
    #[test]
    fn cursors_round_trip_and_refuse_other_lists() {
        let c = encode_cursor("customer", 42);
        assert_ne!(c, "42", "not the raw id");
        assert_eq!(decode_cursor("customer", &c), Some(42));
        assert_eq!(decode_cursor("delivery", &c), None, "another list's cursor");
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        for bad in [
            "42".to_string(),
            String::new(),
            "%%%".to_string(),
            b64("customer:"),
            b64("customer:-1"),
            b64("customer:+5"),
            b64("customer:007"),
            b64("customer:x"),
            b64("customer:99999999999999999999"),
            b64("1700000000000000:7"), // an order's micros:id
        ] {
            assert_eq!(decode_cursor("customer", &bad), None, "{bad}");
        }
    }

    // covers: API-1
    #[test]
    fn page_arguments() {
        let p = KeysetPage::new(None, None, None, None, 50, 200).unwrap();
        assert_eq!((p.size, p.backward), (50, false));
        let p = KeysetPage::new(Some(1000), None, Some(9), None, 50, 200).unwrap();
        assert_eq!((p.size, p.backward, p.after), (200, false, Some(9)));
        let p = KeysetPage::new(None, Some(3), None, Some(4), 50, 200).unwrap();
        assert_eq!((p.size, p.backward, p.before), (3, true, Some(4)));
        assert_eq!(
            KeysetPage::new(Some(-1), None, None, None, 50, 200)
                .unwrap_err()
                .field,
            "first"
        );
        assert_eq!(
            KeysetPage::new(None, Some(-1), None, None, 50, 200)
                .unwrap_err()
                .field,
            "last"
        );
        assert!(KeysetPage::new(Some(1), Some(1), None, None, 50, 200).is_err());
    }

    // covers: API-1
    #[test]
    fn trim_keeps_the_list_order_both_ways() {
        let fwd = KeysetPage::new(Some(2), None, None, None, 50, 200).unwrap();
        assert_eq!(fwd.trim(vec![9, 8, 7]), (vec![9, 8], true));
        assert_eq!(fwd.trim(vec![9, 8]), (vec![9, 8], false));
        let back = KeysetPage::new(None, Some(2), None, None, 50, 200).unwrap();
        assert_eq!(back.trim(vec![1, 2, 3]), (vec![2, 1], true));
        assert_eq!(back.trim(vec![1]), (vec![1], false));
    }
}
