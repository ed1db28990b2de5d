//! China's administrative divisions (gazetteer) and place extraction from petition text, for
//! 属地管理: which province, city, district / county and town a petition is about, and which
//! place a department's name starts with.
//!
//! Data: NBS 统计用区划代码 2023 (provinces, cities, counties, towns; no villages) from the npm
//! package china-division 2.7.0, embedded and parsed once ([`Gazetteer::shipped`]); see
//! `data/README.md`.
//!
//! ```
//! use pr_locality::{Aliases, Gazetteer, Level};
//!
//! let g = Gazetteer::shipped();
//! let dalian = g.lookup("大连")[0];
//! let matcher = g.matcher(Some(dalian), &Aliases::none()).unwrap(); // build once, reuse
//! let mentions = matcher.find("甘井子区红旗街道某小区停车难");
//! let r = g.resolve(&mentions, Some(dalian));
//! let place = r.place.unwrap();
//! assert_eq!(g.get(place).unwrap().name, "红旗街道");
//! assert_eq!(g.names(place).county, Some("甘井子区"));
//! assert_eq!(g.ancestor_at(place, Level::City), Some(dalian));
//! ```

#![warn(missing_docs)]

mod code;
mod gazetteer;
mod matcher;
mod names;
mod resolve;
mod unit;

pub use code::{Code, Level, ParseCodeError};
pub use gazetteer::{Division, Gazetteer, GazetteerError, NameKind, PlaceNames};
pub use matcher::{Aliases, Mention, PlaceMatcher};
pub use resolve::Resolution;
pub use unit::UnitName;

/// What the matcher's and the resolver's tests share.
#[cfg(test)]
mod test_support {
    use crate::{Aliases, Code, Gazetteer, PlaceMatcher};

    pub fn code(s: &str) -> Code {
        s.parse().unwrap()
    }

    /// The nationwide matcher, built once for all tests.
    pub fn nationwide() -> &'static PlaceMatcher<'static> {
        static M: std::sync::OnceLock<PlaceMatcher<'static>> = std::sync::OnceLock::new();
        M.get_or_init(|| {
            Gazetteer::shipped()
                .matcher(None, &Aliases::none())
                .unwrap()
        })
    }
}
