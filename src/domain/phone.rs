//! Phones in E.164 (CUS-1): platforms send `380…`, `0…`, `+380…`, `8 0…` for one Ukrainian number
//! and `48…`, `0048…` or nine bare digits for one Polish number; customers are deduplicated on the
//! result, and order and customer search match its digits.
//!
//! Hand-written for the two numbering plans orderhub serves (Ukraine +380, Poland +48) rather than
//! the `phonenumber` crate (0.3.10, libphonenumber's metadata 9.0.33), tried in a scratch crate on
//! this 2-core machine: 16 crates orderhub does not build yet (`nom`, `quick-xml`, `regex-cache`,
//! `postcard`, `heapless`, …) and a build script that parses the whole metadata XML; 2m38s for its
//! release build alone (beside another build); ~190 ms to load its metadata on first use. And it still
//! reads the old Ukrainian trunk spelling `8 050 123 45 67` as an invalid `+38080501234567`, so a rule
//! of our own is needed anyway. For two plans whose forms fit the list below that buys nothing we
//! use; revisit it when a market with a less regular plan is added.
//!
//! What is read, and never guessed:
//! - `+380`/`380`/`00380` + 9 digits (or + `0` and 9, the trunk 0 kept), `0XX` + 7 (10 digits),
//!   `8 0XX` + 7 (the old trunk spelling, 11 digits): Ukrainian.
//! - `+48`/`48`/`0048` + 9 digits: Polish.
//! - 9 bare digits: national in the source's country ([`Region`]), only when the caller knows it.
//! - any other number written with `+` or `00`: kept as that international number.
//! - anything else of 5 to 15 digits and no letters: kept as the digits the buyer wrote, without
//!   `+` ([`Phone::is_e164`] is false), so it still deduplicates with itself and is found by search.

/// A buyer's phone: E.164 (`+380501234567`) when it could be read, else the digits as written.
/// Only `parse` and `parse_in` make one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Phone(String);

/// The country whose national forms a source's bare numbers are read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Region {
    Ukraine,
    Poland,
}

impl Region {
    /// The country a source's money says it sells in: UAH → Ukraine, PLN → Poland, else unknown.
    pub fn for_currency(currency: &str) -> Option<Region> {
        match currency.trim().to_ascii_uppercase().as_str() {
            "UAH" => Some(Region::Ukraine),
            "PLN" => Some(Region::Poland),
            _ => None,
        }
    }
}

/// Shorter than this is not a number anyone can call; longer than E.164's 15 is not a phone.
const KEPT_DIGITS: std::ops::RangeInclusive<usize> = 5..=15;

/// Ukraine's national significant numbers: 9 digits, areas and operators 3X–9X.
fn ukrainian(nsn: &str) -> Option<Phone> {
    (nsn.len() == 9 && matches!(nsn.as_bytes()[0], b'3'..=b'9'))
        .then(|| Phone(format!("+380{nsn}")))
}

/// Poland's national significant numbers: 9 digits, no trunk prefix, never a leading 0.
fn polish(nsn: &str) -> Option<Phone> {
    (nsn.len() == 9 && nsn.as_bytes()[0] != b'0').then(|| Phone(format!("+48{nsn}")))
}

impl Phone {
    /// Normalises what a platform or a user typed when the source's country is not known: 9 bare
    /// digits stay as written (Polish? Ukrainian without its 0?). Prefer [`Phone::parse_in`].
    pub fn parse(raw: &str) -> Option<Phone> {
        Phone::parse_in(raw, None)
    }

    /// Normalises what a platform or a user typed, reading 9 bare digits as a national number of
    /// `region` (the source's country). `None` when there is no number at all.
    pub fn parse_in(raw: &str, region: Option<Region>) -> Option<Phone> {
        let trimmed = raw.trim();
        let digits: String = trimmed.chars().filter(|c| c.is_ascii_digit()).collect();
        let (international, digits) = if trimmed.starts_with('+') {
            (true, digits.as_str())
        } else if let Some(rest) = digits.strip_prefix("00") {
            (true, rest)
        } else {
            (false, digits.as_str())
        };
        if !KEPT_DIGITS.contains(&digits.len()) {
            return None;
        }
        let with_country_code = if let Some(nsn) = digits.strip_prefix("380") {
            // `+380 (050) …`: the trunk 0 written after the country code, 13 digits
            let nsn = nsn
                .strip_prefix('0')
                .filter(|n| n.len() == 9)
                .unwrap_or(nsn);
            Some(ukrainian(nsn))
        } else {
            digits.strip_prefix("48").map(polish)
        };
        let read = match with_country_code {
            // a +380/+48 number of the wrong length is kept as written, never another country's
            Some(read) if international => read,
            // another country, as the buyer wrote it
            None if international => {
                (digits.len() >= 8 && !digits.starts_with('0')).then(|| Phone(format!("+{digits}")))
            }
            // bare digits: 9 of them beginning 48 may be a Polish national number (Radom)
            _ => with_country_code
                .flatten()
                .or_else(|| digits.strip_prefix('0').and_then(ukrainian))
                .or_else(|| digits.strip_prefix("80").and_then(ukrainian))
                .or_else(|| match region? {
                    Region::Ukraine => ukrainian(digits),
                    Region::Poland => polish(digits),
                }),
        };
        // `555-555-BILL`, `call me at 5 pm`: words are no number to keep
        let words = trimmed.chars().any(char::is_alphabetic);
        read.or_else(|| (!words).then(|| Phone(digits.to_string())))
    }

    /// What a phone stored before the numbering plans were read (ab2720c, issue 17) becomes now,
    /// `None` when it stays. The old rule wrote every number as `+` and its digits, so the stored
    /// form is all that is left of what the buyer typed; only the forms that can be told apart
    /// from a real international number are changed:
    /// - `+80…`, 11 digits: the old trunk spelling `8 0XX …` (no country code is 80), Ukrainian;
    /// - `+48` and 9 digits in a Ukrainian source (`region`): 9 bare digits the old rule took for
    ///   Polish, read as the source's national number like a new import of them is;
    /// - anything the current reading of the stored text changes (`+380 0XX…`, the trunk 0 kept).
    ///
    /// Other old forms (`+12345678` from 8 bare digits) stay: a buyer may have written the `+`.
    pub fn repair_stored(stored: &str, region: Option<Region>) -> Option<Phone> {
        let digits = stored.strip_prefix('+')?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let national = match (digits.len(), digits.get(..2), digits.get(2..)) {
            (11, Some("80"), _) => Phone::parse_in(digits, region).filter(Phone::is_e164),
            (11, Some("48"), Some(nsn)) if region == Some(Region::Ukraine) => ukrainian(nsn),
            _ => None,
        };
        national
            .or_else(|| Phone::parse_in(stored, region))
            .filter(|p| p.0 != stored)
    }

    /// Whether the number was read into E.164; `false` for digits kept as the buyer wrote them.
    pub fn is_e164(&self) -> bool {
        self.0.starts_with('+')
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

    const UA: Option<Region> = Some(Region::Ukraine);
    const PL: Option<Region> = Some(Region::Poland);

    fn read(raw: &str, region: Option<Region>) -> Option<&'static str> {
        Phone::parse_in(raw, region).map(|p| &*p.into_string().leak())
    }

    // covers: CUS-1
    #[test]
    fn ukrainian_spellings_become_one_e164_number() {
        for raw in [
            "380501234567",
            "+380501234567",
            "00380501234567",
            "0501234567",
            "050 123 45 67",
            "(050) 123-45-67",
            "+38 (050) 123-45-67",
            "+38 050 123 45 67",
            "38 050 123 45 67",
            "8 050 123 45 67",
            "8 (050) 123-45-67",
            "80501234567",
            " +380 50 123 4567 ",
            "+380 (050) 123-45-67",
        ] {
            for region in [None, UA, PL] {
                assert_eq!(
                    read(raw, region),
                    Some("+380501234567"),
                    "{raw} in {region:?}"
                );
            }
        }
        // a Kyiv landline, the same way
        assert_eq!(read("(044) 234-56-78", None), Some("+380442345678"));
        assert_eq!(read("8 044 234 56 78", PL), Some("+380442345678"));
    }

    // covers: CUS-1
    #[test]
    fn polish_spellings_become_one_e164_number() {
        for raw in [
            "+48512345678",
            "+48 512 345 678",
            "48512345678",
            "48 512-345-678",
            "0048 512 345 678",
            "(+48) 512 345 678",
        ] {
            for region in [None, UA, PL] {
                assert_eq!(
                    read(raw, region),
                    Some("+48512345678"),
                    "{raw} in {region:?}"
                );
            }
        }
        // nine bare digits are national in a Polish source, even those beginning 48 (Radom)
        assert_eq!(read("512 345 678", PL), Some("+48512345678"));
        assert_eq!(read("512345678", PL), Some("+48512345678"));
        assert_eq!(read("48 123 45 67", PL), Some("+48481234567"));
    }

    // covers: CUS-1
    #[test]
    fn nine_bare_digits_follow_the_source_country_and_are_not_guessed_without_one() {
        assert_eq!(read("501234567", UA), Some("+380501234567"));
        assert_eq!(read("50 123 45 67", UA), Some("+380501234567"));
        assert_eq!(read("501234567", PL), Some("+48501234567"));
        // no country known: neither Polish nor Ukrainian, kept as written and flagged
        let kept = Phone::parse("501234567").unwrap();
        assert_eq!(kept.as_str(), "501234567");
        assert!(!kept.is_e164());
        // not a Ukrainian national number (begins 0-2 after the area digit's place)
        assert_eq!(read("012345678", UA), Some("012345678"));
        assert_eq!(read("012345678", PL), Some("012345678"));
    }

    // covers: CUS-1
    #[test]
    fn numbers_of_no_known_plan_are_kept_as_the_buyer_wrote_them() {
        // issue 17: these were invented into `+` numbers
        assert_eq!(read("12345678", None), Some("12345678"));
        assert_eq!(read("12345678", UA), Some("12345678"));
        assert_eq!(read("(555) 555-5555", None), Some("5555555555"));
        // a +380 or +48 number of the wrong length is not moved to another country
        assert_eq!(read("+38 050 123 45 6", None), Some("38050123456"));
        assert_eq!(read("+48 512 345 67", None), Some("4851234567"));
        assert_eq!(read("0501234567 8", None), Some("05012345678"));
        assert!(!Phone::parse("12345678").unwrap().is_e164());
        // written as international by the buyer: kept so
        let us = Phone::parse("+1 (555) 555-5555").unwrap();
        assert_eq!(us.as_str(), "+15555555555");
        assert!(us.is_e164());
        assert_eq!(read("0049 30 1234567", None), Some("+49301234567"));
        // words around a readable number do not hide it
        assert_eq!(read("тел. 050 123 45 67", None), Some("+380501234567"));
        assert!(Phone::parse("+380501234567").unwrap().is_e164());
    }

    #[test]
    fn no_number_at_all_is_none() {
        for raw in [
            "",
            "  ",
            "call me",
            "123",
            "+48",
            "1234",
            "1234567890123456",
        ] {
            assert_eq!(Phone::parse(raw), None, "{raw}");
            assert_eq!(Phone::parse_in(raw, PL), None, "{raw}");
        }
    }

    #[test]
    fn a_source_country_comes_from_its_currency() {
        assert_eq!(Region::for_currency("UAH"), UA);
        assert_eq!(Region::for_currency(" pln"), PL);
        assert_eq!(Region::for_currency("USD"), None);
    }

    #[test]
    fn emails_compare_lower_case() {
        assert_eq!(
            normalize_email(" Olena@Example.COM "),
            Some("olena@example.com".into())
        );
        assert_eq!(normalize_email("  "), None);
    }

    // covers: CUS-1 (issue 17: phones stored by the old rule, before ab2720c)
    #[test]
    fn phones_stored_by_the_old_rule_are_repaired() {
        let repair =
            |stored: &str, region| Phone::repair_stored(stored, region).map(Phone::into_string);
        // `8 050 123 45 67` was stored +80501234567, in any source
        for region in [None, UA, PL] {
            assert_eq!(
                repair("+80501234567", region).as_deref(),
                Some("+380501234567")
            );
            // `+380 (050) …`, the trunk 0 kept, was stored with 13 digits
            assert_eq!(
                repair("+3800501234567", region).as_deref(),
                Some("+380501234567")
            );
            // right then and now
            assert_eq!(repair("+380501234567", region), None);
            // a real international number and the undecidable `+12345678` stay
            assert_eq!(repair("+12025550123", region), None);
            assert_eq!(repair("+12345678", region), None);
            // stored by the new rule: digits kept as written, or nothing at all
            assert_eq!(repair("12345678", region), None);
            assert_eq!(repair("", region), None);
        }
        // `501234567` in a Ukrainian source was stored as Polish
        assert_eq!(repair("+48501234567", UA).as_deref(), Some("+380501234567"));
        assert_eq!(repair("+48501234567", PL), None);
        assert_eq!(repair("+48501234567", None), None);
        // a Polish number that is no Ukrainian one (Ukrainian numbers begin 3–9) stays
        assert_eq!(repair("+48212345678", UA), None);
    }
}
