//! The credit amount: an integer count of tenths of a credit, never floating point.

use crate::tenths::tenths_type;

tenths_type!(
    /// Credits (学分) in tenths: `Credits::from_tenths(2)` is 0.2 credits.
    Credits,
    "学分"
);

impl Credits {
    /// Adds without overflowing: sums over untrusted documents stay defined.
    pub const fn saturating_add(self, other: Self) -> Self {
        Self::from_tenths(self.tenths().saturating_add(other.tenths()))
    }
}

/// A year's requirement (rules.md §2.1): 25 credits.
pub const ANNUAL_REQUIREMENT: Credits = Credits::whole(25);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_display_and_parse() {
        assert_eq!(Credits::parse("0.2").unwrap(), Credits::from_tenths(2));
        assert_eq!(Credits::whole(25).to_string(), "25.0");
        assert_eq!(ANNUAL_REQUIREMENT.tenths(), 250);
        let json: Credits = serde_json_from("3.5");
        assert_eq!(json, Credits::from_tenths(35));
        let json: Credits = serde_json_from("\"10\"");
        assert_eq!(json, Credits::whole(10));
        assert_eq!(serde_json::to_string(&Credits::from_tenths(53)).unwrap(), "\"5.3\"");
    }

    fn serde_json_from(text: &str) -> Credits {
        serde_json::from_str(text).unwrap()
    }
}
