//! Division codes (12-digit NBS statistical codes) and division levels.

use std::fmt;
use std::str::FromStr;

/// The level of an administrative division, shallowest first (`Province < City < County < Town`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// 省级: province, autonomous region or municipality (北京市).
    Province,
    /// 地级: prefecture-level city, 地区, 自治州, 盟.
    City,
    /// 县级: 区, 县, 县级市, 旗 and functional zones (开发区): the "district".
    County,
    /// 乡级: 乡, 镇, 街道, 苏木 and the like.
    Town,
}

impl Level {
    /// All levels, shallowest first.
    pub const ALL: [Level; 4] = [Level::Province, Level::City, Level::County, Level::Town];

    /// Power of ten that the code of a division at this level is a multiple of.
    const fn unit(self) -> u64 {
        match self {
            Level::Province => 10_000_000_000,
            Level::City => 100_000_000,
            Level::County => 1_000_000,
            Level::Town => 1_000,
        }
    }

    /// The next shallower level, `None` for provinces.
    pub fn up(self) -> Option<Level> {
        match self {
            Level::Province => None,
            Level::City => Some(Level::Province),
            Level::County => Some(Level::City),
            Level::Town => Some(Level::County),
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Province => "province",
            Level::City => "city",
            Level::County => "county",
            Level::Town => "town",
        })
    }
}

/// A 12-digit NBS statistical division code (统计用区划代码), e.g. `210211000000` for 甘井子区.
///
/// Digits 1–2 name the province, 3–4 the city, 5–6 the county, 7–9 the town; village digits
/// (10–12) are always zero here. Displayed as 12 digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code(u64);

impl Code {
    /// The code with this numeric value; `None` unless it is a non-zero 12-digit value with
    /// zero village digits.
    pub const fn new(value: u64) -> Option<Code> {
        if value == 0 || value >= 1_000_000_000_000 || !value.is_multiple_of(1_000) {
            None
        } else {
            Some(Code(value))
        }
    }

    /// The numeric value (`210211000000`).
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The level the code's digits denote (its trailing zeros). A city whose towns hang
    /// directly below it (东莞市) is a `City`.
    pub const fn level(self) -> Level {
        if self.0.is_multiple_of(Level::Province.unit()) {
            Level::Province
        } else if self.0.is_multiple_of(Level::City.unit()) {
            Level::City
        } else if self.0.is_multiple_of(Level::County.unit()) {
            Level::County
        } else {
            Level::Town
        }
    }

    /// The code cut to `level` (its digits below that level zeroed). Cutting to a level
    /// deeper than the code's own returns the code itself.
    pub const fn truncate(self, level: Level) -> Code {
        let unit = level.unit();
        Code(self.0 / unit * unit)
    }

    /// Whether `self` is `scope` or lies inside it, by the digits alone.
    pub const fn is_within(self, scope: Code) -> bool {
        self.truncate(scope.level()).0 == scope.0
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:012}", self.0)
    }
}

/// Why a string is not a [`Code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a division code (want 12 digits, or 2/4/6/9 digits padded with zeros)")]
pub struct ParseCodeError(pub String);

impl FromStr for Code {
    type Err = ParseCodeError;

    /// Parses 12 digits, or the short forms 2/4/6/9 digits (`21`, `2102`, `210211`,
    /// `210211015`) which are padded with zeros.
    fn from_str(s: &str) -> Result<Code, ParseCodeError> {
        let err = || ParseCodeError(s.to_owned());
        if !matches!(s.len(), 2 | 4 | 6 | 9 | 12) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err());
        }
        let value: u64 = s.parse().map_err(|_| err())?;
        Code::new(value * 10u64.pow(12 - s.len() as u32)).ok_or_else(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_truncation_and_display() {
        let town: Code = "210211015".parse().unwrap();
        assert_eq!(town.to_string(), "210211015000");
        assert_eq!(town.level(), Level::Town);
        assert_eq!(town.truncate(Level::County).to_string(), "210211000000");
        assert_eq!(town.truncate(Level::City).level(), Level::City);
        assert_eq!("21".parse::<Code>().unwrap().level(), Level::Province);
        assert!(town.is_within("2102".parse().unwrap()));
        assert!(!town.is_within("210212".parse().unwrap()));
        assert!(town.is_within(town));
        assert!("12345".parse::<Code>().is_err());
        assert!("210211015001".parse::<Code>().is_err());
        assert!(Code::new(0).is_none());
    }
}
