//! Hotspots over routed petitions: what the `hotspots` command and the Hotspots RPC share.
//! Each petition is routed again for its district, department and risk flags, so both read
//! a history file and the feedback store the same way.

use pr_feedback::RecentRow;
use pr_hotspots::Petition;
use pr_router::{Engine, RouteError};

/// Seconds east of UTC of China Standard Time: a stored petition's day is the bureau's day.
const CHINA_STANDARD_TIME: i64 = 8 * 3600;

/// A dated petition before routing, as a history file or the feedback store gives it.
pub struct Dated {
    /// Request id or history id.
    pub id: String,
    /// Day received, as days since 1970-01-01.
    pub day: i32,
    /// Title, may be empty.
    pub title: String,
    /// The petition's text.
    pub text: String,
    /// The intake desk's district, or `""`: the place the text names decides then.
    pub region: String,
    /// The caller's hashed petitioner key, when known.
    pub petitioner: Option<String>,
}

impl Dated {
    /// A petition the feedback store keeps, dated by the day it was routed in China
    /// Standard Time.
    pub fn from_store(row: RecentRow) -> Dated {
        Dated {
            day: (row.routed_at + CHINA_STANDARD_TIME).div_euclid(86_400) as i32,
            id: row.request_id,
            title: row.title,
            text: row.content,
            region: row.region,
            petitioner: Some(row.petitioner_key).filter(|k| !k.is_empty()),
        }
    }

    /// Routes and analyses it as `route` would: its district (the region when given, else
    /// the place its text names, else its city), the department suggested first and its
    /// risk flags.
    pub fn route(self, engine: &Engine) -> Result<Petition, RouteError> {
        let routing = engine.route(
            pr_router::Petition {
                title: &self.title,
                content: &self.text,
                region: &self.region,
                analyse: true,
                repeat_of: None,
            },
            1,
        )?;
        let place = &routing.locality.place;
        Ok(Petition {
            place: if place.district.is_empty() {
                place.city.clone()
            } else {
                place.district.clone()
            },
            department: routing
                .suggestions
                .first()
                .map(|s| s.code.clone())
                .unwrap_or_default(),
            risks: routing
                .analysis
                .map(|a| {
                    a.risks
                        .iter()
                        .map(|k| k.kind.as_str().to_string())
                        .collect()
                })
                .unwrap_or_default(),
            text: pr_text::normalise(&self.text),
            id: self.id,
            day: self.day,
            title: self.title,
            petitioner: self.petitioner,
        })
    }
}
