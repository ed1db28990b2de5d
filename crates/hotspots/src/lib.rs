//! Hotspots (聚集性风险): clusters of similar petitions in one place and time window, the
//! early sign of a collective incident, ranked by a heat score, with a self-contained HTML
//! report (热力图).
//!
//! ```
//! use pr_hotspots::{find, HeatMap, Params, Petition};
//!
//! let day = pr_hotspots::date::day_number(2024, 12, 2); // a Monday
//! let petition = |id: &str, d: i32, text: &str| Petition {
//!     id: id.into(),
//!     day: d,
//!     place: "江城区".into(),
//!     title: String::new(),
//!     text: text.into(),
//!     department: "住建局".into(),
//!     risks: Vec::new(),
//!     petitioner: None,
//! };
//! // Earlier weeks: everyday petitions, the background that shows what is unusual.
//! let everyday = [
//!     "长江路的路灯坏了一个月，晚上出门很不安全，请尽快维修。",
//!     "小区门口的烧烤店油烟很大，夜里吵得睡不着觉。",
//!     "单位拖欠我们三个月工资，请劳动监察大队帮忙追讨。",
//!     "孩子入学需要准备哪些材料？请教育局答复。",
//!     "家里暖气不热，室温只有十五度，请供热公司检修。",
//! ];
//! let mut petitions = Vec::new();
//! for week in 1..=8 {
//!     for (i, text) in everyday.iter().enumerate() {
//!         petitions.push(petition(&format!("w{week}-{i}"), day - 7 * week, text));
//!     }
//! }
//! // This week: three residents of one compound, in their own words.
//! petitions.extend([
//!     petition("a", day, "翠湖名苑小区入冬以来暖气不热，室内只有十二度，请督促供热公司维修。"),
//!     petition("b", day + 1, "我家住翠湖名苑，暖气片一直是凉的，家里老人孩子都冻感冒了。"),
//!     petition("c", day + 3, "翠湖名苑供暖温度不达标，多次找物业没人管，要求退还取暖费。"),
//!     petition("d", day + 2, "长江路红绿灯坏了一个月，早晚高峰非常危险，请交警尽快修复。"),
//! ]);
//! let params = Params::default().check()?;
//! let hotspots = find(&petitions, &params);
//! assert_eq!(hotspots[0].ids, ["a", "b", "c"]);
//! assert_eq!(hotspots[0].start_date, "2024-12-02");
//! assert!(hotspots[0].top_terms.iter().any(|t| t.contains("翠湖名苑")));
//!
//! let map = HeatMap::new(&petitions, &params);
//! let html = pr_hotspots::report_html(&hotspots, &map, "江城区信访热点");
//! assert!(html.contains("<svg"));
//! # Ok::<(), pr_hotspots::ParamsError>(())
//! ```
//!
//! # Places and windows
//!
//! The caller gives each [`Petition`] its place (district or county; `""` when unknown, which
//! makes one more place) and its day. Windows are fixed and aligned: with `w` days a window,
//! window `k` covers the days `[k·w − 3, (k + 1)·w − 3)` counted from 1970-01-01, so that
//! every window starts on a Monday and 7-day windows are ISO weeks ([`window_start`]).
//! Fixed windows make "the window before" well defined, and a hotspot's growth compares it
//! with exactly that: the same place, the window before. A burst that straddles a boundary
//! is split in two; halving the window or reading the heat map's neighbouring columns
//! shows it.
//!
//! # Clustering
//!
//! Rewordings of one matter share few character 3-grams (Jaccard median 0.17 on the
//! project's labelled pairs), so near-duplicate detection misses them. What they share is the
//! name of the compound or company and some words of the matter, and what makes them a
//! hotspot is that these turn up together, in one place, all of a sudden. So:
//!
//! 1. **Terms**: the character bigrams of title and text (letters, digits, ideographs; never
//!    across punctuation). Bigrams need no segmenter, and a compound's name (翠湖名苑 → 翠湖,
//!    湖名, 名苑) is rare and stays whole.
//! 2. **Groups**: the petitions of one place and window.
//! 3. **Weights**: a bigram of a petition weighs `(1 + ln tf) · idf · ln(2 + burst)`.
//!    `idf = ln((N + 1) / (df + 1)) + 1` over the whole input. `burst` says how surprising it
//!    is that `g` of the group's `n` petitions hold the bigram, given the rate `q` at which
//!    the same place's other windows do (steadied by 20 petitions' worth of the whole input's
//!    rate): with `E = n · q`, `burst = g · ln(g / E) − (g − E)` when `g > E` (the Poisson
//!    log-likelihood ratio), else 0, and 0 when no other petition of the group holds it. A
//!    compound's name that the place never heard of before this week bursts; everyday words
//!    and the place's own streets, common in all its windows, do not, and its own name
//!    (the caller's `place`) never does. Each petition keeps its 32 heaviest bigrams, as a
//!    vector of unit length.
//! 4. **Pairs**: two petitions of a group are similar when the cosine of their vectors
//!    reaches [`Params::similarity`] (0.4).
//! 5. **Candidates**: comparing every pair of a group would be quadratic in its size, so a
//!    petition is compared only with its neighbours, 8 on each side, in the posting lists of
//!    its 8 bigrams of highest burst that another petition of the group also keeps: at most
//!    128 comparisons a petition, whatever the group's size.
//! 6. **Clusters**: single link (union–find) over the similar pairs; a cluster of at least
//!    [`Params::min_count`] petitions is a hotspot. Single link needs only a chain of similar
//!    pairs, so a burst holds together even where some of its pairs fall below the
//!    threshold, and the bounded candidates still find the chain: a burst's members follow
//!    one another in the posting list of its compound's name, whose burst is the highest.
//! 7. **The window before**: the same place's petitions of the window before, weighed as if
//!    they had come in this one, that share one of the cluster's 12 heaviest bigrams are
//!    compared with its members (up to 256 of them, evenly spaced); those reaching the
//!    threshold with one are the hotspot's `previous_count`.
//!
//! On the labelled pairs (`tests/repeat-pairs`), each pair put in one place and week among 48
//! random petitions of its source, with 400 of the place's earlier petitions and 1,000 of
//! five other places around them, the two end up in one hotspot (`min_count` 2) at 0.4 for
//! 100 % of near-duplicates, 94 % of rewordings of one matter, 66 % of pairs on the same topic
//! (often the same compound or company: in one place and week, part of the same gathering),
//! and 2 of 44 unrelated pairs; 4 % of the random petitions join some pair or more (real
//! repeats among them included). A burst of a dozen rewordings hides among 300 background
//! petitions, with heating complaints about other compounds in the same district and week,
//! and comes out first (see the tests).
//!
//! The weights need contrast. Give [`find`] history: weeks before the ones of interest, and
//! other places. With one window of one place there is nothing to tell a compound's name
//! from everyday words, and only near-duplicates cluster.
//!
//! # Heat
//!
//! Each petition of a hotspot earns points, and growth multiplies the sum:
//!
//! ```text
//! points = ½ a petition
//!        + ½ a distinct petitioner (a petition without a petitioner key counts as one)
//!        + 2 a petition with a high-severity risk flag (collective, self_harm, violence,
//!            escalation), else ½ a petition with any other risk flag
//! growth = (count − previous_count) / max(previous_count, 1)
//! heat   = points × (1 + min(max(growth, 0), 3) / 3)
//! ```
//!
//! So a dozen petitions from a dozen people earn 12, the same dozen from one person 6.5,
//! and collective-action flags on four of them add 8. A matter steady or fading since the
//! window before keeps its points; one twice as large as before gets × 1.33, and a matter
//! four times as large, or new with four petitions or more, × 2. [`find`] returns the
//! hotspots hottest first.
//!
//! # Scale
//!
//! One parallel pass counts document frequencies (one 64 MB table a thread, at most four, at
//! a million petitions); then each place, in parallel, reads its petitions once (kept while
//! its windows are clustered, up to 16,384 petitions a place) and clusters its windows, each
//! petition costing a bounded number of comparisons of 32-term vectors. `cargo bench -p
//! pr-hotspots` (`benches/hotspots.rs`) runs a million synthetic petitions (263 characters on
//! average) over 200 districts and a year of days, with 300 planted bursts: on the project's
//! 2-core VM, 17 s on two threads (32 s of CPU) and 36 s on one, 183 MB of heap above the
//! 1.2 GB of input at the peak; every planted burst comes out whole, and they are the 100
//! hottest.

#![warn(missing_docs)]

mod cluster;
pub mod date;
mod heatmap;
mod hotspot;
mod html;
mod params;
mod terms;
#[cfg(test)]
mod tests;

pub use heatmap::HeatMap;
pub use hotspot::{
    Count, Hotspot, HIGH_RISK_POINTS, HIGH_SEVERITY_RISKS, MAX_SURGE_GROWTH, OTHER_RISK_POINTS,
};
pub use html::report_html;
pub use params::{Params, ParamsError, ValidParams, MAX_WINDOW_DAYS};

use serde::{Deserialize, Serialize};

/// A petition as hotspot detection reads it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Petition {
    /// The caller's id, returned in [`Hotspot::ids`].
    pub id: String,
    /// Day received, as days since 1970-01-01 ([`date::day_number`]).
    pub day: i32,
    /// District or county; `""` when unknown (all unknown ones form one place).
    pub place: String,
    /// Title, may be empty.
    pub title: String,
    /// Normalised text.
    pub text: String,
    /// Department routed to, `""` when none.
    pub department: String,
    /// Risk kinds flagged (`collective`, `self_harm` …, as `pr-analysis` names them).
    pub risks: Vec<String>,
    /// A key standing for the petitioner (a hash of name and phone, say), when known.
    pub petitioner: Option<String>,
}

/// Finds the hotspots of `petitions`: clusters of at least [`Params::min_count`] similar
/// petitions in one place and window, hottest first, at most [`Params::max_hotspots`].
/// Deterministic: the same input gives the same hotspots in the same order, whatever the
/// number of threads.
pub fn find(petitions: &[Petition], params: &ValidParams) -> Vec<Hotspot> {
    cluster::find(petitions, params)
}

/// Scores `hotspots` again from their members in `petitions` (departments, risks, heat),
/// orders them hottest first and keeps `max`: for callers that fill in the departments and
/// risk flags of the members only, after [`find`] (asked for every hotspot) has clustered
/// petitions without them. Members are found by id, so ids should be unique; a hotspot id
/// that `petitions` does not hold is left out of the score.
pub fn rescore(hotspots: &mut Vec<Hotspot>, petitions: &[Petition], max: usize) {
    let wanted: std::collections::HashSet<&str> = hotspots
        .iter()
        .flat_map(|h| h.ids.iter().map(String::as_str))
        .collect();
    let by_id: std::collections::HashMap<&str, &Petition> = petitions
        .iter()
        .filter(|p| wanted.contains(p.id.as_str()))
        .map(|p| (p.id.as_str(), p))
        .collect();
    for h in hotspots.iter_mut() {
        let score = hotspot::Score::of(
            h.ids
                .iter()
                .filter_map(|id| by_id.get(id.as_str()).copied()),
        );
        h.departments = score.departments;
        h.risks = score.risks;
        h.heat = hotspot::heat(score.points, h.growth);
    }
    hotspots.sort_by(hotspot::hotter);
    hotspots.truncate(max);
}

/// First day of the window holding `day`, for windows of `window_days` (see the crate
/// documentation): the window starts on a Monday and, for 7 days, is `day`'s ISO week.
///
/// ```
/// use pr_hotspots::{date::day_number, window_start};
/// assert_eq!(window_start(day_number(2024, 12, 4), 7), day_number(2024, 12, 2));
/// ```
pub fn window_start(day: i32, window_days: u32) -> i32 {
    let start = window_start_of(window_index(day, window_days), window_days);
    start.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

/// Monday 1969-12-29, the origin of the windows, as a day number.
const ORIGIN: i64 = -3;

/// Index of the window holding `day`.
pub(crate) fn window_index(day: i32, window_days: u32) -> i64 {
    (i64::from(day) - ORIGIN).div_euclid(i64::from(window_days.max(1)))
}

/// First day of window `index`.
pub(crate) fn window_start_of(index: i64, window_days: u32) -> i64 {
    index * i64::from(window_days.max(1)) + ORIGIN
}
