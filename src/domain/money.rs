//! Money: `Decimal` with an ISO currency, never floats. Platforms send amounts as numbers, decimal
//! strings or display strings ("1 234,50 грн" with non-breaking spaces); all parse here.

use rust_decimal::Decimal;
use std::str::FromStr;

/// A three-letter ISO 4217 code, upper case.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Currency(String);

impl Currency {
    pub fn parse(s: &str) -> Result<Currency, String> {
        let code = s.trim().to_ascii_uppercase();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Currency(code))
        } else {
            Err(format!(
                "`{s}` is not a three-letter ISO currency code such as UAH or PLN"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses an amount the way sellers' platforms write it: `1234.5`, `"1234.50"`, `"1 234,50 грн"`,
/// `"1,234.50"`. Returns `None` for text with no number in it.
pub fn parse_amount(raw: &str) -> Option<Decimal> {
    let mut s: String = raw
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-'))
        .collect();
    if s.is_empty() || !s.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    match (s.rfind('.'), s.rfind(',')) {
        // both present: the later one is the decimal separator, the other groups thousands
        (Some(dot), Some(comma)) if comma > dot => s = s.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => s = s.replace(',', ""),
        // Ukrainian and Polish shops write a decimal comma; several commas can only group thousands
        (None, Some(_)) if s.matches(',').count() > 1 => s = s.replace(',', ""),
        (None, Some(_)) => s = s.replace(',', "."),
        _ => {}
    }
    Decimal::from_str(&s).ok().map(|d| d.normalize())
}

/// Platform amounts added up, or the error that names the field and value the sum could not take:
/// `shipping_lines[1].price 79228162514264337593543950335: the sum does not fit` for the field
/// `shipping_lines[].price` (the index goes into the first `[]`, else after the name). Platforms send
/// whatever their database holds; a value past `Decimal`'s range is the platform's fault, never a
/// panic here.
pub fn checked_sum(
    field: &str,
    values: impl IntoIterator<Item = Decimal>,
) -> Result<Decimal, String> {
    values
        .into_iter()
        .enumerate()
        .try_fold(Decimal::ZERO, |sum, (i, v)| {
            sum.checked_add(v)
                .ok_or_else(|| format!("{} {v}: the sum does not fit", indexed(field, i)))
        })
}

/// `lines[].price` with the index put in its `[]` (`lines[3].price`), else `field[3]`.
fn indexed(field: &str, i: usize) -> String {
    match field.split_once("[]") {
        Some((before, after)) => format!("{before}[{i}]{after}"),
        None => format!("{field}[{i}]"),
    }
}

/// `a + b`, or the error naming `field` (the field `b` came from) and its value.
pub fn checked_add(a: Decimal, field: &str, b: Decimal) -> Result<Decimal, String> {
    a.checked_add(b)
        .ok_or_else(|| format!("{field} {b}: the sum does not fit"))
}

/// `a - b`, or the error naming `field` (the field `b` came from) and its value.
pub fn checked_sub(a: Decimal, field: &str, b: Decimal) -> Result<Decimal, String> {
    a.checked_sub(b)
        .ok_or_else(|| format!("{field} {b}: the difference does not fit"))
}

/// A line's price × quantity, or the error naming the line's field and both values.
pub fn checked_line_total(
    field: &str,
    price: Decimal,
    quantity: Decimal,
) -> Result<Decimal, String> {
    price
        .checked_mul(quantity)
        .ok_or_else(|| format!("{field} {price} × quantity {quantity}: the product does not fit"))
}

/// `a / b`, or the error naming `field` and both values (a zero divisor included).
pub fn checked_div(field: &str, a: Decimal, b: Decimal) -> Result<Decimal, String> {
    a.checked_div(b)
        .ok_or_else(|| format!("{field} {a} / {b}: the quotient does not fit"))
}

/// Renders an amount for the API: a plain decimal string with at least two decimals.
pub fn format_amount(amount: Decimal) -> String {
    let mut d = amount.normalize();
    if d.scale() < 2 {
        d.rescale(2);
    }
    d.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn parses_display_strings_with_nbsp_and_currency() {
        assert_eq!(parse_amount("1\u{a0}234,50\u{a0}грн"), Some(dec("1234.5")));
        assert_eq!(parse_amount("1 234,50 грн"), Some(dec("1234.5")));
        assert_eq!(parse_amount("1234.50"), Some(dec("1234.5")));
        assert_eq!(parse_amount("1,234.50"), Some(dec("1234.5")));
        assert_eq!(parse_amount("1.234,50"), Some(dec("1234.5")));
        assert_eq!(parse_amount("99,9"), Some(dec("99.9")));
        assert_eq!(parse_amount("-15.00"), Some(dec("-15")));
        assert_eq!(parse_amount("грн"), None);
        assert_eq!(parse_amount(""), None);
    }

    #[test]
    fn formats_with_two_decimals() {
        assert_eq!(format_amount(dec("12")), "12.00");
        assert_eq!(format_amount(dec("12.5")), "12.50");
        assert_eq!(format_amount(dec("12.3456")), "12.3456");
    }

    #[test]
    fn sums_and_products_past_the_range_name_the_field() {
        let max = Decimal::MAX;
        assert_eq!(
            checked_sum("shipping_lines", [max, max]).unwrap_err(),
            "shipping_lines[1] 79228162514264337593543950335: the sum does not fit"
        );
        assert_eq!(
            checked_sum("shipping_lines[].price", [dec("-1"), max, max]).unwrap_err(),
            "shipping_lines[2].price 79228162514264337593543950335: the sum does not fit"
        );
        assert_eq!(checked_sum("x", [dec("1.5"), dec("2")]), Ok(dec("3.5")));
        assert_eq!(checked_sum("x", []), Ok(Decimal::ZERO));
        assert_eq!(
            checked_line_total("items[0].price", max, dec("2")).unwrap_err(),
            "items[0].price 79228162514264337593543950335 × quantity 2: the product does not fit"
        );
        assert_eq!(
            checked_add(max, "delivery_cost", dec("1")).unwrap_err(),
            "delivery_cost 1: the sum does not fit"
        );
        assert_eq!(
            checked_sub(Decimal::MIN, "discount", dec("1")).unwrap_err(),
            "discount 1: the difference does not fit"
        );
        assert!(checked_div("total", dec("1"), Decimal::ZERO).is_err());
        assert_eq!(checked_div("total", dec("3"), dec("2")), Ok(dec("1.5")));
    }

    #[test]
    fn currency_codes_are_validated() {
        assert_eq!(Currency::parse("uah").unwrap().as_str(), "UAH");
        assert!(Currency::parse("hryvnia").is_err());
        assert!(Currency::parse("U1H").is_err());
    }
}
