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
    fn currency_codes_are_validated() {
        assert_eq!(Currency::parse("uah").unwrap().as_str(), "UAH");
        assert!(Currency::parse("hryvnia").is_err());
        assert!(Currency::parse("U1H").is_err());
    }
}
