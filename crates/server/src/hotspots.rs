//! Hotspots over routed petitions: what the `hotspots` command and the Hotspots RPC share,
//! so both read a history file and the feedback store the same way.

use pr_feedback::RecentRow;
use pr_hotspots::{Hotspot, Petition, ValidParams};
use pr_router::{Engine, Locality, RouteError};
use rayon::prelude::*;
use std::collections::HashSet;

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

    fn petition(&self) -> pr_router::Petition<'_> {
        pr_router::Petition {
            title: &self.title,
            content: &self.text,
            region: &self.region,
            analyse: true,
            repeat_of: None,
        }
    }

    /// Its place as `route` gives it (the region when given, else the district its text
    /// names, else what the model learned of places, else its city), and, when `routed`,
    /// the department suggested first and its risk flags.
    fn located(self, locality: &Locality, routed: Option<Routed>) -> Petition {
        let place = &locality.place;
        let routed = routed.unwrap_or_default();
        Petition {
            place: if place.district.is_empty() {
                place.city.clone()
            } else {
                place.district.clone()
            },
            department: routed.department,
            risks: routed.risks,
            text: pr_text::normalise(&self.text),
            id: self.id,
            day: self.day,
            title: self.title,
            petitioner: self.petitioner,
        }
    }
}

/// What a hotspot shows of a petition's routing.
#[derive(Default)]
struct Routed {
    department: String,
    risks: Vec<String>,
}

fn route(engine: &Engine, petition: pr_router::Petition) -> Result<(Locality, Routed), RouteError> {
    let routing = engine.route(petition, 1)?;
    let routed = Routed {
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
    };
    Ok((routing.locality, routed))
}

/// A petition that could not be routed: its id and why.
#[derive(Debug, thiserror::Error)]
#[error("petition {id}: {error}")]
pub struct Unroutable {
    /// The petition's id.
    pub id: String,
    /// Why.
    pub error: RouteError,
}

/// The hotspots of `dated`, hottest first, and the petitions as clustered (for the heat
/// map). Each petition is located (its place from the region or the text alone, or routed
/// in full when only the model can tell), the petitions are clustered, and then only the
/// members of hotspots are routed for their department and risk flags: routing every
/// petition cost twice the clustering at a million rows (BENCHMARKS.md), and only members
/// show theirs. `parallel` spreads the work over rayon's threads.
pub fn find_hotspots(
    engine: &Engine,
    dated: Vec<Dated>,
    params: &ValidParams,
    parallel: bool,
) -> Result<(Vec<Petition>, Vec<Hotspot>), Unroutable> {
    let unroutable = |d: &Dated| {
        let id = d.id.clone();
        move |error| Unroutable { id, error }
    };
    let locate = |d: Dated| -> Result<(Petition, Option<String>), Unroutable> {
        match engine.locate(d.petition()).map_err(unroutable(&d))? {
            Some(locality) => {
                let region = d.region.clone();
                Ok((d.located(&locality, None), Some(region)))
            }
            None => {
                let (locality, routed) = route(engine, d.petition()).map_err(unroutable(&d))?;
                Ok((d.located(&locality, Some(routed)), None))
            }
        }
    };
    let located: Vec<_> = if parallel {
        dated
            .into_par_iter()
            .map(locate)
            .collect::<Result<_, _>>()?
    } else {
        dated.into_iter().map(locate).collect::<Result<_, _>>()?
    };
    // `Some(region)`: located only, still to be routed if it joins a hotspot.
    let (mut petitions, regions): (Vec<Petition>, Vec<Option<String>>) =
        located.into_iter().unzip();
    let mut hotspots = pr_hotspots::find(&petitions, &params.keeping_all());
    let members: HashSet<&str> = hotspots
        .iter()
        .flat_map(|h| h.ids.iter().map(String::as_str))
        .collect();
    let to_route: Vec<usize> = (0..petitions.len())
        .filter(|&i| regions[i].is_some() && members.contains(petitions[i].id.as_str()))
        .collect();
    let route_member = |&i: &usize| {
        let p: &Petition = &petitions[i];
        let petition = pr_router::Petition {
            title: &p.title,
            // Normalised already; normalising again changes nothing.
            content: &p.text,
            region: regions[i].as_deref().unwrap_or(""),
            analyse: true,
            repeat_of: None,
        };
        route(engine, petition)
            .map(|(_, routed)| (i, routed))
            .map_err(|error| Unroutable {
                id: p.id.clone(),
                error,
            })
    };
    let routed: Vec<(usize, Routed)> = if parallel {
        to_route
            .par_iter()
            .map(route_member)
            .collect::<Result<_, _>>()?
    } else {
        to_route
            .iter()
            .map(route_member)
            .collect::<Result<_, _>>()?
    };
    for (i, r) in routed {
        petitions[i].department = r.department;
        petitions[i].risks = r.risks;
    }
    pr_hotspots::rescore(&mut hotspots, &petitions, params.max_hotspots());
    Ok((petitions, hotspots))
}
