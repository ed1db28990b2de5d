//! Grouping by place and window, and single-link clustering inside each group.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::hotspot::{hotter, summarise, Cluster, Pending};
use crate::terms::{Distinct, Idf, Place, Raw, Scratch, Vectors};
use crate::{window_index, Hotspot, Petition, ValidParams};

/// Terms of each petition whose posting lists it is compared through: of those another
/// petition of the group also keeps, the ones of highest burst score. A rewording shares the
/// name of the compound or company, held by the whole burst and new to the place.
const PROBES: usize = 8;

/// Petitions on each side of a petition in a posting list that it is compared with. This
/// bounds the work at `2 × PROBES × NEIGHBOURS` comparisons a petition however large the
/// group; a burst still holds together, since its members follow one another in the
/// posting list of its compound's name and single link needs only a chain.
const NEIGHBOURS: usize = 8;

/// Petitions of one place and window.
pub(crate) struct Group {
    pub(crate) place: u32,
    pub(crate) window: i64,
    /// The group's petitions in [`Groups`]' order.
    start: usize,
    end: usize,
}

/// Every petition's index, sorted by place, window, day and input order, cut into groups.
pub(crate) struct Groups<'p> {
    pub(crate) places: Vec<&'p str>,
    order: Vec<u32>,
    pub(crate) groups: Vec<Group>,
}

impl<'p> Groups<'p> {
    pub(crate) fn new(petitions: &'p [Petition], window_days: u32) -> Groups<'p> {
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let mut places = Vec::new();
        let mut keys: Vec<(u32, i64, i32, u32)> = petitions
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let place = *ids.entry(p.place.as_str()).or_insert_with(|| {
                    places.push(p.place.as_str());
                    places.len() as u32 - 1
                });
                (place, window_index(p.day, window_days), p.day, i as u32)
            })
            .collect();
        keys.par_sort_unstable();
        let order: Vec<u32> = keys.iter().map(|k| k.3).collect();
        let mut groups: Vec<Group> = Vec::new();
        for (i, &(place, window, _, _)) in keys.iter().enumerate() {
            match groups.last_mut() {
                Some(g) if g.place == place && g.window == window => g.end = i + 1,
                _ => groups.push(Group {
                    place,
                    window,
                    start: i,
                    end: i + 1,
                }),
            }
        }
        Groups {
            places,
            order,
            groups,
        }
    }

    /// Indices of group `g`'s petitions, by day then input order.
    pub(crate) fn members(&self, g: usize) -> &[u32] {
        let group = &self.groups[g];
        &self.order[group.start..group.end]
    }

    /// The groups of each place, as ranges of group indices.
    fn places(&self) -> Vec<std::ops::Range<usize>> {
        let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
        for (g, group) in self.groups.iter().enumerate() {
            match ranges.last_mut() {
                Some(r) if self.groups[r.start].place == group.place => r.end = g + 1,
                _ => ranges.push(g..g + 1),
            }
        }
        ranges
    }

    /// Indices of the petitions of groups `range` (one place's).
    fn place_members(&self, range: std::ops::Range<usize>) -> &[u32] {
        &self.order[self.groups[range.start].start..self.groups[range.end - 1].end]
    }

    /// The group of the same place in the window before `g`'s, if it has petitions.
    fn previous(&self, g: usize) -> Option<usize> {
        let group = &self.groups[g];
        let before = self.groups.get(g.checked_sub(1)?)?;
        (before.place == group.place && before.window + 1 == group.window).then_some(g - 1)
    }
}

/// Finds the hotspots; see the crate documentation.
pub(crate) fn find(petitions: &[Petition], params: &ValidParams) -> Vec<Hotspot> {
    if petitions.len() < params.min_count() {
        return Vec::new();
    }
    let idf = Idf::new(petitions);
    let groups = Groups::new(petitions, params.window_days());
    let (groups, idf) = (&groups, &idf);
    let found: Vec<Vec<(Hotspot, Pending)>> = groups
        .places()
        .into_par_iter()
        .flat_map(|range| {
            // A place's counts, the baseline of its windows, only where a hotspot may be.
            let may = range
                .clone()
                .any(|g| groups.members(g).len() >= params.min_count());
            let place = may.then(|| {
                let members = groups.place_members(range.clone());
                let name = groups.places[groups.groups[range.start].place as usize];
                // Read once for the place's counts and every window's vectors, unless the
                // place is too large to keep in memory (then each window reads its own).
                let mut raw = (members.len() <= CACHED_PETITIONS)
                    .then(|| Raw::read(petitions, members, idf, &mut Distinct::default()));
                let place = Place::new(name, petitions, members, idf, raw.as_mut());
                (place, raw, groups.groups[range.start].start)
            });
            range
                .into_par_iter()
                .map_init(Scratch::default, move |scratch, g| match &place {
                    Some((place, raw, first)) => {
                        let at = Read {
                            petitions,
                            groups,
                            cached: raw.as_ref().map(|raw| (raw, *first)),
                        };
                        group_hotspots(petitions, groups, g, idf, place, &at, params, scratch)
                    }
                    None => Vec::new(),
                })
        })
        .collect();
    let mut hotspots: Vec<(Hotspot, Pending)> = found.into_iter().flatten().collect();
    hotspots.sort_by(|a, b| hotter(&a.0, &b.0));
    hotspots.truncate(params.max_hotspots());
    hotspots
        .into_par_iter()
        .map(|(mut hotspot, pending)| {
            pending.finish(&mut hotspot, petitions, idf);
            hotspot
        })
        .collect()
}

/// Places with at most this many petitions have them read once and kept (about 3 kB a
/// petition) while their windows are clustered.
const CACHED_PETITIONS: usize = 1 << 14;

/// Where a group's petitions' buckets come from: the place's [`Raw`], read once, when kept
/// (with the position of the place's first petition in the order), else read again.
struct Read<'a> {
    petitions: &'a [Petition],
    groups: &'a Groups<'a>,
    cached: Option<(&'a Raw, usize)>,
}

impl Read<'_> {
    /// The buckets of group `g`'s petitions, as a [`Raw`] and a range of it.
    fn group<'r>(
        &'r self,
        g: usize,
        idf: &Idf,
        scratch: &mut Scratch,
        own: &'r mut Raw,
    ) -> (&'r Raw, std::ops::Range<usize>) {
        let group = &self.groups.groups[g];
        match self.cached {
            Some((raw, first)) => (raw, group.start - first..group.end - first),
            None => {
                let members = self.groups.members(g);
                *own = Raw::read(self.petitions, members, idf, &mut scratch.distinct);
                (own, 0..members.len())
            }
        }
    }
}

/// The hotspots of group `g`.
#[allow(clippy::too_many_arguments)]
fn group_hotspots(
    petitions: &[Petition],
    groups: &Groups,
    g: usize,
    idf: &Idf,
    place: &Place,
    read: &Read,
    params: &ValidParams,
    scratch: &mut Scratch,
) -> Vec<(Hotspot, Pending)> {
    let members = groups.members(g);
    if members.len() < params.min_count() {
        return Vec::new();
    }
    let mut own = Raw::default();
    let (raw, docs) = read.group(g, idf, scratch, &mut own);
    let vectors = Vectors::group(raw, docs, idf, place, scratch);
    let clusters = clusters(&vectors, params);
    if clusters.is_empty() {
        return Vec::new();
    }
    // Built only now: most groups have no cluster, and then the window before is not needed.
    let previous = groups.previous(g).map(|p| {
        let mut own = Raw::default();
        let (raw, docs) = read.group(p, idf, scratch, &mut own);
        let before = Vectors::against(raw, docs, idf, place, scratch, &vectors);
        let postings = Postings::new(&before);
        (before, postings)
    });
    let group = &groups.groups[g];
    clusters
        .into_iter()
        .map(|local| {
            let previous_count = previous.as_ref().map_or(0, |(pv, pp)| {
                count_similar(&vectors, &local, pv, pp, params.similarity())
            });
            summarise(
                petitions,
                &Cluster {
                    place: groups.places[group.place as usize],
                    window: group.window,
                    members,
                    local: &local,
                    vectors: &vectors,
                    previous_count,
                },
                params,
            )
        })
        .collect()
}

/// Entries of a group's vectors sorted by bucket, then by petition: one posting list a
/// bucket.
struct Postings {
    /// `(bucket, petition, entry)` of each entry, sorted.
    sorted: Vec<(u32, u32, u32)>,
    /// Position in `sorted` of each entry, in vector order.
    position: Vec<u32>,
}

impl Postings {
    fn new(vectors: &Vectors) -> Postings {
        let (terms, _) = vectors.entries();
        let mut keyed: Vec<(u32, u32, u32)> = Vec::with_capacity(terms.len());
        for v in 0..vectors.len() {
            for e in vectors.range(v) {
                keyed.push((terms[e], v as u32, e as u32));
            }
        }
        keyed.sort_unstable();
        let mut position = vec![0; terms.len()];
        for (at, &(_, _, e)) in keyed.iter().enumerate() {
            position[e as usize] = at as u32;
        }
        Postings {
            sorted: keyed,
            position,
        }
    }

    /// The posting list around position `at`: the range of positions with its bucket.
    fn run(&self, at: usize) -> (usize, usize) {
        let bucket = self.sorted[at].0;
        let start = self.sorted[..at].partition_point(|&(b, _, _)| b < bucket);
        let end = at + self.sorted[at..].partition_point(|&(b, _, _)| b == bucket);
        (start, end)
    }

    /// The petitions whose vectors hold `bucket`.
    fn list(&self, bucket: u32) -> &[(u32, u32, u32)] {
        let start = self.sorted.partition_point(|&(b, _, _)| b < bucket);
        let end = start + self.sorted[start..].partition_point(|&(b, _, _)| b == bucket);
        &self.sorted[start..end]
    }
}

/// Clusters of at least `min_count` petitions, as ascending indices into `vectors`, found by
/// single link over the pairs at or above the similarity, with candidate pairs from the
/// posting lists of each petition's heaviest shared terms.
fn clusters(vectors: &Vectors, params: &ValidParams) -> Vec<Vec<u32>> {
    let n = vectors.len();
    let threshold = params.similarity();
    let postings = Postings::new(vectors);
    let (_, weights) = vectors.entries();
    // Each entry's posting list, computed once.
    let mut runs = vec![(0u32, 0u32); postings.sorted.len()];
    let mut at = 0;
    while at < runs.len() {
        let (start, end) = postings.run(at);
        runs[start..end].fill((start as u32, end as u32));
        at = end;
    }
    // The probes of each petition: of its entries with a posting list of two or more, those
    // of the highest burst score. A compound's name, held by the whole burst, outranks a
    // phrase a few copies of one letter share.
    let bursts = vectors.bursts();
    let mut probe = vec![false; weights.len()];
    let mut shared: Vec<usize> = Vec::new();
    for v in 0..n {
        shared.clear();
        shared.extend(vectors.range(v).filter(|&e| {
            let (start, end) = runs[postings.position[e] as usize];
            end - start >= 2
        }));
        if shared.len() > PROBES {
            shared.select_nth_unstable_by(PROBES - 1, |&a, &b| {
                bursts[b].total_cmp(&bursts[a]).then(a.cmp(&b))
            });
            shared.truncate(PROBES);
        }
        for &e in &shared {
            probe[e] = true;
        }
    }
    let mut sets = UnionFind::new(n);
    let mut seen = vec![u32::MAX; n];
    for v in 0..n {
        for e in vectors.range(v).filter(|&e| probe[e]) {
            let at = postings.position[e] as usize;
            let (start, end) = runs[at];
            let (start, end) = (start as usize, end as usize);
            let from = start.max(at.saturating_sub(NEIGHBOURS));
            let to = end.min(at + NEIGHBOURS + 1);
            for other in from..to {
                let (_, u, entry) = postings.sorted[other];
                let u = u as usize;
                if u == v || seen[u] == v as u32 {
                    continue;
                }
                // The pair was already compared from the earlier petition's side when this
                // term is a probe of both (the neighbourhoods are symmetric).
                if u < v && probe[entry as usize] {
                    continue;
                }
                seen[u] = v as u32;
                if sets.find(u) == sets.find(v) {
                    continue;
                }
                if vectors.cosine(v, vectors, u) >= threshold {
                    sets.union(u, v);
                }
            }
        }
    }
    sets.sets(params.min_count())
}

/// Most members of a cluster that a petition of the window before is compared with; a larger
/// cluster is represented by this many members evenly spaced.
const MAX_COMPARED: usize = 256;

/// Heaviest terms of a cluster whose posting lists in the window before give the petitions
/// compared with it.
const PREVIOUS_PROBES: usize = 12;

/// How many petitions of the window before reach the similarity with a member of the cluster
/// (`local`, indices into `vectors`) — the ones that would have joined it, had they come a
/// window later.
fn count_similar(
    vectors: &Vectors,
    local: &[u32],
    previous: &Vectors,
    postings: &Postings,
    threshold: f32,
) -> usize {
    let step = local.len().div_ceil(MAX_COMPARED);
    let compared: Vec<usize> = local.iter().step_by(step).map(|&v| v as usize).collect();
    let mut candidates: Vec<u32> = crate::hotspot::heaviest_terms(vectors, local, PREVIOUS_PROBES)
        .into_iter()
        .flat_map(|bucket| postings.list(bucket).iter().map(|&(_, p, _)| p))
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    candidates
        .into_iter()
        .filter(|&p| {
            compared
                .iter()
                .any(|&v| vectors.cosine(v, previous, p as usize) >= threshold)
        })
        .count()
}

/// Disjoint sets with path halving and union by size.
struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    fn new(n: usize) -> UnionFind {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] as usize != x {
            let grandparent = self.parent[self.parent[x] as usize];
            self.parent[x] = grandparent;
            x = grandparent as usize;
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (mut a, mut b) = (self.find(a), self.find(b));
        if a == b {
            return;
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a as u32;
        self.size[a] += self.size[b];
    }

    /// The sets of at least `min` elements, each ascending, in the order of their first.
    fn sets(mut self, min: usize) -> Vec<Vec<u32>> {
        let mut slot: HashMap<usize, usize> = HashMap::new();
        let mut sets: Vec<Vec<u32>> = Vec::new();
        for x in 0..self.parent.len() {
            let root = self.find(x);
            if (self.size[root] as usize) < min {
                continue;
            }
            let s = *slot.entry(root).or_insert_with(|| {
                sets.push(Vec::new());
                sets.len() - 1
            });
            sets[s].push(x as u32);
        }
        sets
    }
}
