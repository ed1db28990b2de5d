//! What a cluster becomes: a [`Hotspot`] with its counts, terms, title and heat.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use pr_text::Segmenter;

use serde::{Deserialize, Serialize};

use crate::date::iso_date_of;
use crate::terms::{is_term_char, Idf, Vectors};
use crate::{Petition, ValidParams};

/// Risk kinds that weigh most in the heat: signs that the matter may turn into a collective
/// incident or harm someone.
pub const HIGH_SEVERITY_RISKS: [&str; 4] = ["collective", "self_harm", "violence", "escalation"];

/// Heat points of a petition with a high-severity risk flag ([`HIGH_SEVERITY_RISKS`]).
pub const HIGH_RISK_POINTS: f64 = 2.0;

/// Heat points of a petition with other risk flags only.
pub const OTHER_RISK_POINTS: f64 = 0.5;

/// Growth at which the surge factor stops rising: four times the window before, or a new
/// matter of four petitions or more, doubles the heat.
pub const MAX_SURGE_GROWTH: f64 = 3.0;

/// Terms listed in [`Hotspot::top_terms`].
const TOP_TERMS: usize = 6;

/// Heaviest bigrams of a cluster that the top terms are built from.
const TERM_BIGRAMS: usize = 120;

/// Longest top term, in characters.
const MAX_TERM_CHARS: usize = 8;

/// Members whose texts are read for the top terms; counts stay exact, only the terms of a
/// larger cluster are read from its first members.
const TERM_MEMBERS: usize = 200;

/// Characters of the text that stand for a missing title.
const TITLE_CHARS: usize = 40;

/// A name and how many petitions of a hotspot carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// Department or risk kind.
    pub name: String,
    /// Petitions of the hotspot with it.
    pub count: usize,
}

/// A cluster of similar petitions in one place and window. Serialises with these field
/// names (snake case).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hotspot {
    /// The district or county, as given (`""` for petitions of unknown place).
    pub place: String,
    /// First day of the window (days since 1970-01-01).
    pub window_start: i32,
    /// First day after the window.
    pub window_end: i32,
    /// First day of the window, `YYYY-MM-DD`.
    pub start_date: String,
    /// Last day of the window (inclusive), `YYYY-MM-DD`.
    pub end_date: String,
    /// Petitions in the cluster.
    pub count: usize,
    /// Petitions of the same place in the window before that are as similar to a member as
    /// members are to one another (the ones that would have joined, a window later).
    pub previous_count: usize,
    /// `(count − previous_count) / max(previous_count, 1)`: 0.5 is half as many again, a new
    /// matter grows by its count, a fading one is negative.
    pub growth: f64,
    /// Distinct petitioner keys among the members; `None` when no member has one.
    pub petitioners: Option<usize>,
    /// The words that make the cluster (a compound's name, the matter): strings of its
    /// heaviest character bigrams that recur in its members' texts, most telling first.
    pub top_terms: Vec<String>,
    /// Title of the member closest to the cluster's centre (the start of its text when it has
    /// no title).
    pub title: String,
    /// Id of the petition whose title is [`Hotspot::title`].
    pub title_id: String,
    /// Departments of the members, most petitions first (empty department names left out).
    pub departments: Vec<Count>,
    /// Risk kinds among the members, each counted once a petition, most petitions first.
    pub risks: Vec<Count>,
    /// Ids of all the members, by day then input order.
    pub ids: Vec<String>,
    /// The heat score; see the crate documentation.
    pub heat: f64,
}

/// A cluster found in a group, before it is summarised.
pub(crate) struct Cluster<'a> {
    pub(crate) place: &'a str,
    pub(crate) window: i64,
    /// The group's petitions (indices into the input).
    pub(crate) members: &'a [u32],
    /// The cluster's members, as indices into `members` and `vectors`.
    pub(crate) local: &'a [u32],
    pub(crate) vectors: &'a Vectors,
    pub(crate) previous_count: usize,
}

/// Sum of the members' vectors, `(bucket, weight)` by bucket.
fn centroid(vectors: &Vectors, local: &[u32]) -> Vec<(u32, f32)> {
    let mut all: Vec<(u32, f32)> = local
        .iter()
        .flat_map(|&v| {
            let (terms, weights) = vectors.get(v as usize);
            terms.iter().copied().zip(weights.iter().copied())
        })
        .collect();
    all.sort_unstable_by_key(|&(b, _)| b);
    all.chunk_by(|a, b| a.0 == b.0)
        .map(|run| (run[0].0, run.iter().map(|&(_, w)| w).sum()))
        .collect()
}

/// The `k` heaviest buckets of the cluster's centroid.
pub(crate) fn heaviest_terms(vectors: &Vectors, local: &[u32], k: usize) -> Vec<u32> {
    heaviest(centroid(vectors, local), k)
}

fn heaviest(mut centroid: Vec<(u32, f32)>, k: usize) -> Vec<u32> {
    centroid.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    centroid.truncate(k);
    centroid.into_iter().map(|(b, _)| b).collect()
}

/// What [`top_terms`] needs of a cluster, kept until the hotspots are ranked so that only
/// the ones returned pay for it.
pub(crate) struct Pending {
    /// The first members (indices into the input), at most [`TERM_MEMBERS`].
    members: Vec<u32>,
}

impl Pending {
    /// Fills in the hotspot's top terms.
    pub(crate) fn finish(self, hotspot: &mut Hotspot, petitions: &[Petition], idf: &Idf) {
        let members: Vec<&Petition> = self
            .members
            .iter()
            .map(|&i| &petitions[i as usize])
            .collect();
        let heavy = heavy_bigrams(&members, idf);
        hotspot.top_terms = top_terms(&members, &heavy, idf, &hotspot.place);
    }
}

/// The cluster's [`TERM_BIGRAMS`] heaviest bigram buckets: held by at least two members,
/// scored by the members holding them times their IDF.
fn heavy_bigrams(members: &[&Petition], idf: &Idf) -> HashSet<u32> {
    let mut held: HashMap<u32, u32> = HashMap::new();
    let mut here: Vec<u32> = Vec::new();
    for p in members {
        here.clear();
        crate::terms::for_each_bigram(&p.title, &p.text, |a, b| here.push(idf.bucket(a, b)));
        here.sort_unstable();
        here.dedup();
        for &b in &here {
            *held.entry(b).or_default() += 1;
        }
    }
    let mut scored: Vec<(f32, u32)> = held
        .into_iter()
        .filter(|&(_, n)| n >= 2)
        .map(|(b, n)| (n as f32 * idf.idf(b), b))
        .collect();
    scored.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
    scored
        .into_iter()
        .take(TERM_BIGRAMS)
        .map(|(_, b)| b)
        .collect()
}

/// The hotspot of a cluster, its top terms still empty.
pub(crate) fn summarise(
    petitions: &[Petition],
    c: &Cluster,
    params: &ValidParams,
) -> (Hotspot, Pending) {
    let member = |v: u32| &petitions[c.members[v as usize] as usize];
    let centre = centroid(c.vectors, c.local);
    // The member closest to the centre (the earliest on a tie) stands for the cluster.
    let closeness = |v: u32| {
        let (terms, weights) = c.vectors.get(v as usize);
        terms
            .iter()
            .zip(weights)
            .map(|(&b, &w)| {
                let at = centre.partition_point(|&(cb, _)| cb < b);
                w * centre[at].1
            })
            .sum::<f32>()
    };
    let representative = c
        .local
        .iter()
        .copied()
        .map(|v| (closeness(v), v))
        .fold(None, |best: Option<(f32, u32)>, (s, v)| match best {
            Some((bs, _)) if bs >= s => best,
            _ => Some((s, v)),
        })
        .map(|(_, v)| member(v))
        .expect("a cluster has members");
    let pending = Pending {
        members: c
            .local
            .iter()
            .take(TERM_MEMBERS)
            .map(|&v| c.members[v as usize])
            .collect(),
    };

    let count = c.local.len();
    let score = Score::of(c.local.iter().map(|&v| member(v)));
    let previous = c.previous_count;
    let growth = (count as f64 - previous as f64) / previous.max(1) as f64;
    let window_days = i64::from(params.window_days());
    let start = crate::window_start_of(c.window, params.window_days());
    let title = if representative.title.trim().is_empty() {
        let mut t: String = representative.text.chars().take(TITLE_CHARS).collect();
        if representative.text.chars().nth(TITLE_CHARS).is_some() {
            t.push('…');
        }
        t
    } else {
        representative.title.clone()
    };
    let hotspot = Hotspot {
        place: c.place.to_string(),
        window_start: clamp_day(start),
        window_end: clamp_day(start + window_days),
        start_date: iso_date_of(start),
        end_date: iso_date_of(start + window_days - 1),
        count,
        previous_count: previous,
        growth,
        petitioners: score.petitioners,
        top_terms: Vec::new(),
        title,
        title_id: representative.id.clone(),
        departments: score.departments,
        risks: score.risks,
        ids: c.local.iter().map(|&v| member(v).id.clone()).collect(),
        heat: heat(score.points, growth),
    };
    (hotspot, pending)
}

/// What a cluster's members add up to: its petitioners, departments, risks and the points
/// of its heat (see the crate documentation).
pub(crate) struct Score {
    pub(crate) petitioners: Option<usize>,
    pub(crate) departments: Vec<Count>,
    pub(crate) risks: Vec<Count>,
    pub(crate) points: f64,
}

impl Score {
    pub(crate) fn of<'a>(members: impl Iterator<Item = &'a Petition>) -> Score {
        let mut count = 0;
        let mut keys = HashSet::new();
        let mut keyless = 0;
        let mut departments: HashMap<&str, usize> = HashMap::new();
        let mut risks: HashMap<&str, usize> = HashMap::new();
        let mut points = 0.0;
        for p in members {
            count += 1;
            // A petition counts ½; its petitioner ½ the first time (a petition without a key
            // is taken to be a new petitioner).
            points += 0.5;
            match &p.petitioner {
                Some(key) => {
                    if keys.insert(key.as_str()) {
                        points += 0.5;
                    }
                }
                None => {
                    keyless += 1;
                    points += 0.5;
                }
            }
            if !p.department.is_empty() {
                *departments.entry(p.department.as_str()).or_default() += 1;
            }
            let mut kinds: Vec<&str> = p.risks.iter().map(String::as_str).collect();
            kinds.sort_unstable();
            kinds.dedup();
            for &kind in &kinds {
                *risks.entry(kind).or_default() += 1;
            }
            if kinds.iter().any(|k| HIGH_SEVERITY_RISKS.contains(k)) {
                points += HIGH_RISK_POINTS;
            } else if !kinds.is_empty() {
                points += OTHER_RISK_POINTS;
            }
        }
        Score {
            petitioners: (keyless < count).then_some(keys.len()),
            departments: sorted_counts(departments),
            risks: sorted_counts(risks),
            points,
        }
    }
}

/// The heat of a cluster whose petitions earned `points`, growing by `growth`.
pub(crate) fn heat(points: f64, growth: f64) -> f64 {
    points * (1.0 + growth.clamp(0.0, MAX_SURGE_GROWTH) / MAX_SURGE_GROWTH)
}

fn clamp_day(day: i64) -> i32 {
    day.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

fn sorted_counts(counts: HashMap<&str, usize>) -> Vec<Count> {
    let mut counts: Vec<Count> = counts
        .into_iter()
        .map(|(name, count)| Count {
            name: name.to_string(),
            count,
        })
        .collect();
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
    counts
}

/// Characters of context on each side of a run that the segmenter sees, so that it cuts
/// the run where words end (大连|老虎滩, not 连老虎滩).
const CONTEXT: usize = 2;

/// The jieba segmenter (with its HMM for names missing from the dictionary), built once.
fn segmenter() -> &'static Segmenter {
    static SEGMENTER: OnceLock<Segmenter> = OnceLock::new();
    SEGMENTER.get_or_init(|| Segmenter::new([], true))
}

/// The words of a cluster. Its heaviest bigrams form runs in the members' texts (翠湖名苑 is
/// three heavy bigrams in a row); jieba cuts each run, seen with a little context, into words,
/// and the words wholly inside it, and sequences of them up to [`MAX_TERM_CHARS`] characters,
/// are the candidates. A candidate said by at least two members scores the members saying it
/// times the sum of its bigrams' IDF, so that a longer name wins over its parts when as many
/// members say it. Taken best first, skipping any that shares a bigram with one taken or with
/// the place's name.
fn top_terms(members: &[&Petition], heavy: &HashSet<u32>, idf: &Idf, place: &str) -> Vec<String> {
    let is_heavy = |a: char, b: char| heavy.contains(&idf.bucket(a, b));
    let mut support: HashMap<String, usize> = HashMap::new();
    let mut here: HashSet<String> = HashSet::new();
    let mut chars: Vec<char> = Vec::new();
    let mut bounds: Vec<(usize, usize)> = Vec::new();
    for p in members {
        here.clear();
        for span in [&p.title, &p.text]
            .into_iter()
            .flat_map(|part| part.split(|c: char| !is_term_char(c)))
        {
            chars.clear();
            chars.extend(span.chars().map(|c| c.to_ascii_lowercase()));
            let mut i = 0;
            while i + 1 < chars.len() {
                if !is_heavy(chars[i], chars[i + 1]) {
                    i += 1;
                    continue;
                }
                let start = i;
                while i + 1 < chars.len() && is_heavy(chars[i], chars[i + 1]) {
                    i += 1;
                }
                let end = i + 1;
                let from = start.saturating_sub(CONTEXT);
                let seen: String = chars[from..(end + CONTEXT).min(chars.len())]
                    .iter()
                    .collect();
                // Word bounds in characters from `start`, kept when wholly inside the run.
                bounds.clear();
                let mut at = from;
                for word in segmenter().words(&seen) {
                    let len = word.chars().count();
                    if at >= start && at + len <= end {
                        bounds.push((at, at + len));
                    }
                    at += len;
                }
                for (k, &(first, _)) in bounds.iter().enumerate() {
                    for &(_, last) in &bounds[k..] {
                        if last - first > MAX_TERM_CHARS {
                            break;
                        }
                        if last - first >= 2 {
                            here.insert(chars[first..last].iter().collect());
                        }
                    }
                }
            }
        }
        for term in here.drain() {
            *support.entry(term).or_default() += 1;
        }
    }
    let weight = |term: &[char]| -> f32 {
        term.windows(2)
            .map(|w| idf.idf(idf.bucket(w[0], w[1])))
            .sum()
    };
    let mut ranked: Vec<(f32, Vec<char>)> = support
        .into_iter()
        .filter(|&(_, n)| n >= 2)
        .map(|(term, n)| {
            let term: Vec<char> = term.chars().collect();
            (n as f32 * weight(&term), term)
        })
        .collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    // The place's own name is no term of its hotspots (a2区丽发新城 is 丽发新城).
    let mut taken: Vec<Vec<char>> = vec![place.to_lowercase().chars().collect()];
    for (_, term) in ranked {
        if taken.len() > TOP_TERMS {
            break;
        }
        let shares = |t: &Vec<char>| term.windows(2).any(|w| t.windows(2).any(|v| v == w));
        if !taken.iter().any(shares) {
            taken.push(term);
        }
    }
    taken.remove(0);
    taken.into_iter().map(|t| t.into_iter().collect()).collect()
}

/// Hottest first; then more petitions, the later window, the place and the first id, so the
/// order never depends on the threads.
pub(crate) fn hotter(a: &Hotspot, b: &Hotspot) -> Ordering {
    b.heat
        .total_cmp(&a.heat)
        .then(b.count.cmp(&a.count))
        .then(b.window_start.cmp(&a.window_start))
        .then_with(|| a.place.cmp(&b.place))
        .then_with(|| a.ids.first().cmp(&b.ids.first()))
}
