//! Phones in E.164 (CUS-1): Ukrainian platforms send `380…`, `0…` and `+380…` for the same number.

/// A phone number in E.164 form (`+380501234567`). Only `parse` makes one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Normalises what a platform or a user typed. Numbers without a country code are read as
    /// Ukrainian (`0XX…`, 10 digits) or Polish (9 digits), the two markets orderhub serves.
    pub fn parse(raw: &str) -> Option<Phone> {
        let trimmed = raw.trim();
        let digits: String = trimmed.chars().filter(|c| c.is_ascii_digit()).collect();
        let explicit_plus = trimmed.starts_with('+');
        let digits = if !explicit_plus && digits.starts_with("00") {
            digits[2..].to_string()
        } else {
            digits
        };
        // with a country code already (explicit `+`, 380…, 48…) the digits stand as they are
        let international = if !explicit_plus && digits.len() == 10 && digits.starts_with('0') {
            format!("38{digits}")
        } else if !explicit_plus && digits.len() == 9 && !digits.starts_with('0') {
            format!("48{digits}")
        } else {
            digits
        };
        // E.164: up to 15 digits, no leading zero; shorter than 8 is not a reachable number
        if (8..=15).contains(&international.len()) && !international.starts_with('0') {
            Some(Phone(format!("+{international}")))
        } else {
            None
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// E-mail addresses are compared case-insensitively (CUS-1); blank means none.
pub fn normalize_email(raw: &str) -> Option<String> {
    let e = raw.trim().to_lowercase();
    (e.contains('@') && e.len() > 2).then_some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    // covers: CUS-1
    #[test]
    fn ukrainian_forms_become_one_e164_number() {
        let want = Some(Phone("+380501234567".into()));
        assert_eq!(Phone::parse("380501234567"), want);
        assert_eq!(Phone::parse("0501234567"), want);
        assert_eq!(Phone::parse("+380501234567"), want);
        assert_eq!(Phone::parse("+38 (050) 123-45-67"), want);
        assert_eq!(Phone::parse("00380501234567"), want);
    }

    // covers: CUS-1
    #[test]
    fn polish_numbers_and_garbage() {
        assert_eq!(
            Phone::parse("512 345 678").unwrap().as_str(),
            "+48512345678"
        );
        assert_eq!(
            Phone::parse("+48 512 345 678").unwrap().as_str(),
            "+48512345678"
        );
        assert_eq!(Phone::parse(""), None);
        assert_eq!(Phone::parse("call me"), None);
        assert_eq!(Phone::parse("123"), None);
    }

    #[test]
    fn emails_compare_lower_case() {
        assert_eq!(
            normalize_email(" Olena@Example.COM "),
            Some("olena@example.com".into())
        );
        assert_eq!(normalize_email("  "), None);
    }
}
