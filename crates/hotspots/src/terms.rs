//! Terms and their weights: character bigrams of title and text, hashed into buckets, weighted
//! by TF-IDF over the whole input and by how surprising their count in the petition's group
//! is, each petition kept as its [`TERMS`] heaviest terms.

use rayon::prelude::*;

use crate::Petition;

/// Terms kept per petition, the heaviest. On the labelled pairs, cosine over the top 32
/// separates rewordings from same-topic pairs as well as over all terms, and a pair costs a
/// merge of 64 entries.
pub(crate) const TERMS: usize = 32;

/// Weight, in petitions, of the whole input's rate in a place's baseline: a place with little
/// history of its own is compared with everyone, one with much with itself.
pub(crate) const PRIOR: f32 = 20.0;

/// Document frequencies below this have their logarithm in a table.
const LN_TABLE: usize = 1 << 16;

/// Most count tables built at once (one a thread) by [`Idf::new`].
const MAX_TABLES: usize = 4;

/// Fewest and most hash buckets. 2²⁴ keeps a million petitions' few million distinct bigrams
/// at a load under a third, in 64 MB.
const MIN_BUCKETS: usize = 1 << 12;
const MAX_BUCKETS: usize = 1 << 24;

/// SplitMix64's output function: a fixed hash, the same on every machine and run.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Letters, digits and ideographs make terms. The common CJK block is checked first: the
/// Unicode tables behind `char::is_alphanumeric` cost more than the rest of the extraction.
pub(crate) fn is_term_char(c: char) -> bool {
    match c {
        '\u{4E00}'..='\u{9FFF}' | 'a'..='z' | 'A'..='Z' | '0'..='9' => true,
        // ASCII and the punctuation of Chinese text.
        '\0'..='\u{7F}'
        | '，'
        | '。'
        | '、'
        | '；'
        | '：'
        | '？'
        | '！'
        | '“'
        | '”'
        | '‘'
        | '’'
        | '（'
        | '）'
        | '《'
        | '》'
        | '【'
        | '】'
        | '…'
        | '—'
        | '·'
        | '\u{3000}' => false,
        c => c.is_alphanumeric(),
    }
}

/// Calls `f` with every bigram of letters, digits or ideographs in `title` and then `text`
/// (ASCII lower-cased). Punctuation, spaces and the end of the title break a run: a pair
/// across them is no word.
pub(crate) fn for_each_bigram(title: &str, text: &str, mut f: impl FnMut(char, char)) {
    for_each_pair(title, text, |pair| {
        if let Some((a, b)) = pair {
            f(a, b)
        }
    });
}

/// Like [`for_each_bigram`], but also calls `f(None)` where a run breaks, so that a caller
/// can tell adjacent bigrams from ones across a break.
pub(crate) fn for_each_pair(title: &str, text: &str, mut f: impl FnMut(Option<(char, char)>)) {
    for part in [title, text] {
        let mut previous = None;
        for c in part.chars() {
            if is_term_char(c) {
                let c = c.to_ascii_lowercase();
                if let Some(p) = previous {
                    f(Some((p, c)));
                }
                previous = Some(c);
            } else if previous.take().is_some() {
                f(None);
            }
        }
        f(None);
    }
}

/// A petition's distinct buckets and how often each occurs: a small open-addressing table
/// emptied by bumping a stamp (sorting each petition's bigrams cost more than the rest of
/// reading it).
#[derive(Default)]
pub(crate) struct Distinct {
    keys: Vec<u32>,
    counts: Vec<u32>,
    stamps: Vec<u32>,
    stamp: u32,
    /// Slots in the order their buckets first occurred.
    order: Vec<u32>,
}

impl Distinct {
    /// Reads the bigrams of `p`.
    fn read(&mut self, p: &Petition, mask: u32) {
        // Twice as many slots as the text has bytes, at least as many as bigrams.
        let size = (2 * (p.title.len() + p.text.len()))
            .max(64)
            .next_power_of_two();
        if self.keys.len() < size || self.stamp == u32::MAX {
            self.keys = vec![0; size];
            self.counts = vec![0; size];
            self.stamps = vec![0; size];
            self.stamp = 0;
        }
        self.stamp += 1;
        self.order.clear();
        let slots = self.keys.len() - 1;
        let Distinct {
            keys,
            counts,
            stamps,
            stamp,
            order,
        } = self;
        for_each_bigram(&p.title, &p.text, |a, b| {
            let b = bucket(a, b, mask);
            // Buckets are hashes already.
            let mut at = b as usize & slots;
            while stamps[at] == *stamp && keys[at] != b {
                at = (at + 1) & slots;
            }
            if stamps[at] == *stamp {
                counts[at] += 1;
            } else {
                (stamps[at], keys[at], counts[at]) = (*stamp, b, 1);
                order.push(at as u32);
            }
        });
    }

    /// The buckets read, each once, with their counts, in order of first occurrence.
    fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.order
            .iter()
            .map(|&at| (self.keys[at as usize], self.counts[at as usize]))
    }
}

/// Each of some petitions' distinct buckets with their counts, petition after petition: read
/// once a place, then used for the place's counts and for every window's vectors.
#[derive(Default)]
pub(crate) struct Raw {
    terms: Vec<(u32, u32)>,
    starts: Vec<usize>,
    /// Beside each entry, once [`Raw::annotate`]d: the petitions of these holding its
    /// bucket, and of the whole input.
    counts: Vec<(u32, u32)>,
}

impl Raw {
    /// The buckets of `petitions[i]` for every `i` of `members`, in that order.
    pub(crate) fn read(
        petitions: &[Petition],
        members: &[u32],
        idf: &Idf,
        distinct: &mut Distinct,
    ) -> Raw {
        let mut raw = Raw {
            terms: Vec::with_capacity(members.len() * 128),
            starts: Vec::with_capacity(members.len() + 1),
            counts: Vec::new(),
        };
        raw.starts.push(0);
        for &i in members {
            distinct.read(&petitions[i as usize], idf.mask);
            raw.terms.extend(distinct.iter());
            raw.starts.push(raw.terms.len());
        }
        raw
    }

    /// Petition `i`'s buckets and counts.
    fn get(&self, i: usize) -> &[(u32, u32)] {
        &self.terms[self.starts[i]..self.starts[i + 1]]
    }

    /// Writes beside each entry how many of these petitions, and of the input's, hold its
    /// bucket. The entries are sorted by bucket (radix, streaming) rather than looked up one
    /// by one: a bucket's run is its count here, and the input's counts are read in ascending
    /// order.
    fn annotate(&mut self, idf: &Idf) {
        let mut keyed: Vec<u64> = self
            .terms
            .iter()
            .enumerate()
            .map(|(e, &(b, _))| u64::from(b) << 32 | e as u64)
            .collect();
        let mut scratch = vec![0u64; keyed.len()];
        for shift in [32, 40, 48] {
            let mut start = [0usize; 256];
            for &k in &keyed {
                start[(k >> shift) as usize & 0xff] += 1;
            }
            let mut at = 0;
            for s in start.iter_mut() {
                (*s, at) = (at, at + *s);
            }
            for &k in &keyed {
                let digit = (k >> shift) as usize & 0xff;
                scratch[start[digit]] = k;
                start[digit] += 1;
            }
            std::mem::swap(&mut keyed, &mut scratch);
        }
        drop(scratch);
        self.counts = vec![(0, 0); self.terms.len()];
        for run in keyed.chunk_by(|a, b| a >> 32 == b >> 32) {
            let bucket = (run[0] >> 32) as usize;
            let counts = (run.len() as u32, idf.df[bucket]);
            for &k in run {
                self.counts[k as u32 as usize] = counts;
            }
        }
    }

    /// Counts beside petition `i`'s entries, if annotated.
    fn counts(&self, i: usize) -> Option<&[(u32, u32)]> {
        (!self.counts.is_empty()).then(|| &self.counts[self.starts[i]..self.starts[i + 1]])
    }

    /// The entries of petitions `range`.
    fn span(&self, range: &std::ops::Range<usize>) -> &[(u32, u32)] {
        &self.terms[self.starts[range.start]..self.starts[range.end]]
    }
}

/// Sorts bucket numbers (below 2²⁴) in three passes of eight bits.
fn radix_sort(keys: &mut Vec<u32>, scratch: &mut Vec<u32>) {
    scratch.clear();
    scratch.resize(keys.len(), 0);
    for shift in [0, 8, 16] {
        let mut start = [0usize; 256];
        for &k in keys.iter() {
            start[(k >> shift) as usize & 0xff] += 1;
        }
        let mut at = 0;
        for s in start.iter_mut() {
            (*s, at) = (at, at + *s);
        }
        for &k in keys.iter() {
            let digit = (k >> shift) as usize & 0xff;
            scratch[start[digit]] = k;
            start[digit] += 1;
        }
        std::mem::swap(keys, scratch);
    }
}

/// Document frequencies of bigram buckets, over all the petitions given.
pub(crate) struct Idf {
    mask: u32,
    df: Vec<u32>,
    petitions: f32,
    /// `ln(N + 1)`.
    ln_all: f32,
    /// `ln(k)` for `k < LN_TABLE`.
    ln: Vec<f32>,
}

impl Idf {
    /// Counts in how many petitions each bucket occurs, in parallel. The counts come from the
    /// whole input, not from one place and week, so that a burst does not make its own words
    /// look common.
    pub(crate) fn new(petitions: &[Petition]) -> Idf {
        let bytes: usize = petitions.iter().map(|p| p.title.len() + p.text.len()).sum();
        // At least as many buckets as bytes (≥ bigrams), so the load stays under a third.
        let buckets = bytes
            .max(1)
            .next_power_of_two()
            .clamp(MIN_BUCKETS, MAX_BUCKETS);
        let mask = (buckets - 1) as u32;
        // One table a thread, merged (at most four, so memory stays bounded on large
        // machines). Each counts a chunk of petitions at a time in ascending bucket order:
        // increments at random places of a 64 MB table wait on memory one by one, ascending
        // ones stream.
        let parts = rayon::current_num_threads().clamp(1, MAX_TABLES);
        let part = petitions.len().div_ceil(parts).max(1);
        let df = petitions
            .par_chunks(part)
            .map(|part| {
                let mut counts = vec![0u32; buckets];
                let (mut held, mut scratch) = (Vec::new(), Vec::new());
                let mut distinct = Distinct::default();
                for chunk in part.chunks(CHUNK) {
                    held.clear();
                    for p in chunk {
                        distinct.read(p, mask);
                        held.extend(distinct.iter().map(|(b, _)| b));
                    }
                    radix_sort(&mut held, &mut scratch);
                    for &b in &held {
                        counts[b as usize] += 1;
                    }
                }
                counts
            })
            .reduce_with(|mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            })
            .unwrap_or_else(|| vec![0; buckets]);
        Idf {
            mask,
            df,
            petitions: petitions.len() as f32,
            ln_all: (petitions.len() as f32 + 1.0).ln(),
            ln: (0..LN_TABLE).map(|k| (k as f32).ln()).collect(),
        }
    }

    /// The bucket of a bigram.
    pub(crate) fn bucket(&self, a: char, b: char) -> u32 {
        bucket(a, b, self.mask)
    }

    /// `ln((N + 1) / (df + 1)) + 1` of a bucket: 1 for a bigram in every petition, about 12
    /// for one in a dozen of a million (the `+ 1` keeps common words in the vectors, so that
    /// petitions of a small input, where every word is common, still compare).
    pub(crate) fn idf(&self, bucket: u32) -> f32 {
        self.idf_of(self.df[bucket as usize])
    }

    fn idf_of(&self, df: u32) -> f32 {
        self.ln_all - self.ln(df + 1) + 1.0
    }

    /// `ln k`, from the table when small.
    fn ln(&self, k: u32) -> f32 {
        match self.ln.get(k as usize) {
            Some(&ln) => ln,
            None => (k as f32).ln(),
        }
    }

    /// How surprising it is that `g` of a group's `n` petitions hold a bucket, given how often
    /// the same place's other petitions do: `held` of the place's petitions (the group's
    /// among them) hold it, `df` of the input's. The baseline rate is the place's other
    /// windows', steadied by [`PRIOR`] petitions' worth of the whole input's rate (smoothed by
    /// one petition, so that a rate is never 0):
    ///
    /// `q = (held − g + PRIOR · (df + 1) / (N + 1)) / (n_place − n + PRIOR)`
    ///
    /// With `E = n · q` petitions expected, the score is `g · ln(g / E) − (g − E)` when
    /// `g > E`, else 0: the Poisson log-likelihood ratio of a burst. A place's streets, common
    /// in all its windows, score about 0 (and its own name 0, see [`Place`]); a compound's
    /// name the place never heard of before this week scores high.
    fn burst(&self, g: u32, n: u32, held: u32, df: u32, place: u32) -> f32 {
        let everywhere = (df as f32 + 1.0) / (self.petitions + 1.0);
        let before = held.saturating_sub(g) as f32 + PRIOR * everywhere;
        let rate = before / (place.saturating_sub(n) as f32 + PRIOR);
        let (g, expected) = (g as f32, n as f32 * rate);
        if g > expected {
            g * (g / expected).ln() - (g - expected)
        } else {
            0.0
        }
    }
}

fn bucket(a: char, b: char, mask: u32) -> u32 {
    // Two chars fit in 42 bits; two different bigrams collide only in the bucket, with
    // probability under a third for a rare one, and then only look a little commoner.
    (mix((a as u64) << 21 | b as u64) as u32) & mask
}

/// No bucket: buckets are below 2²⁴.
const EMPTY: u32 = u32::MAX;

/// Buckets with two counts each: an open-addressing table, kept under half full, a slot's
/// key and counts side by side (one cache line a lookup).
#[derive(Default)]
struct Table {
    slots: Vec<Slot>,
    used: usize,
}

#[derive(Clone, Copy)]
struct Slot {
    key: u32,
    first: u32,
    second: u32,
}

const FREE: Slot = Slot {
    key: EMPTY,
    first: 0,
    second: 0,
};

impl Table {
    fn with_capacity(entries: usize) -> Table {
        let size = (2 * entries).max(16).next_power_of_two();
        Table {
            slots: vec![FREE; size],
            used: 0,
        }
    }

    /// Adds `count` to `bucket`'s first count.
    fn add(&mut self, bucket: u32, count: u32) {
        if 2 * (self.used + 1) > self.slots.len() {
            let old = std::mem::replace(self, Table::with_capacity(self.slots.len()));
            for s in old.slots.into_iter().filter(|s| s.key != EMPTY) {
                self.add(s.key, s.first);
            }
        }
        let at = self.slot(bucket);
        let slot = &mut self.slots[at];
        if slot.key == EMPTY {
            slot.key = bucket;
            self.used += 1;
        }
        slot.first += count;
    }

    fn slot(&self, bucket: u32) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = mix(u64::from(bucket)) as usize & mask;
        while self.slots[at].key != bucket && self.slots[at].key != EMPTY {
            at = (at + 1) & mask;
        }
        at
    }

    /// The slot of `bucket`, if held.
    fn find(&self, bucket: u32) -> Option<&Slot> {
        if self.slots.is_empty() {
            return None;
        }
        let slot = &self.slots[self.slot(bucket)];
        (slot.key == bucket).then_some(slot)
    }
}

/// How many petitions of a group hold each bucket.
#[derive(Default)]
pub(crate) struct Counts {
    table: Table,
    petitions: u32,
}

impl Counts {
    /// Counts the buckets of `raw` (each petition's buckets distinct), `petitions` of them.
    fn new(raw: &[(u32, u32)], petitions: usize) -> Counts {
        let mut table = Table::with_capacity(raw.len());
        for &(b, _) in raw {
            table.add(b, 1);
        }
        Counts {
            table,
            petitions: petitions as u32,
        }
    }

    /// Petitions holding `bucket`.
    fn get(&self, bucket: u32) -> u32 {
        self.table.find(bucket).map_or(0, |s| s.first)
    }
}

/// Petitions of a place larger than this are counted in parallel parts.
const PARALLEL_PLACE: usize = 1 << 15;

/// Petitions whose buckets are sorted together before they are counted.
const CHUNK: usize = 1 << 13;

/// What weighing a petition's term needs to know of its place: how many of the place's
/// petitions hold the bucket, and (copied from [`Idf`]) how many of the whole input's, so that
/// weighing never reads the input's table (64 MB at a million petitions, a cache miss a term).
/// For a place whose petitions are kept as a [`Raw`], both are written beside each entry of
/// it; for a larger one, they are in a hash table.
pub(crate) struct Place {
    table: Table,
    petitions: u32,
    /// The buckets of the place's own name: petitions name their own district everywhere
    /// (甘井子区, 甘井子), a given of the place, not a matter, even where it has no history to
    /// show it.
    name: Vec<u32>,
}

impl Place {
    /// The place named `name`, whose petitions are `petitions[i]` for every `i` of `members`;
    /// `cached`, when given, holds the buckets of exactly those petitions and gets the counts
    /// beside its entries.
    pub(crate) fn new(
        name: &str,
        petitions: &[Petition],
        members: &[u32],
        idf: &Idf,
        cached: Option<&mut Raw>,
    ) -> Place {
        let mut own = Vec::new();
        for_each_bigram(name, "", |a, b| own.push(idf.bucket(a, b)));
        let table = match cached {
            Some(raw) => {
                raw.annotate(idf);
                Table::default()
            }
            None => Place::table(petitions, members, idf),
        };
        Place {
            table,
            petitions: members.len() as u32,
            name: own,
        }
    }

    fn table(petitions: &[Petition], members: &[u32], idf: &Idf) -> Table {
        let count = |members: &[u32]| {
            // About 60 new buckets a petition at first, fewer as the place's vocabulary fills.
            let mut table = Table::with_capacity((60 * members.len()).min(1 << 22));
            let (mut held, mut scratch) = (Vec::new(), Vec::new());
            let mut distinct = Distinct::default();
            for chunk in members.chunks(CHUNK) {
                held.clear();
                for &i in chunk {
                    distinct.read(&petitions[i as usize], idf.mask);
                    held.extend(distinct.iter().map(|(b, _)| b));
                }
                radix_sort(&mut held, &mut scratch);
                for run in held.chunk_by(|a, b| a == b) {
                    table.add(run[0], run.len() as u32);
                }
            }
            table
        };
        let mut table = members
            .par_chunks(PARALLEL_PLACE)
            .map(count)
            .reduce_with(|mut a, b| {
                for s in b.slots.into_iter().filter(|s| s.key != EMPTY) {
                    a.add(s.key, s.first);
                }
                a
            })
            .unwrap_or_default();
        // The input's counts, read in ascending bucket order.
        let mut held: Vec<(u32, u32)> = (0..table.slots.len() as u32)
            .filter(|&at| table.slots[at as usize].key != EMPTY)
            .map(|at| (table.slots[at as usize].key, at))
            .collect();
        held.sort_unstable();
        for (b, at) in held {
            table.slots[at as usize].second = idf.df[b as usize];
        }
        table
    }

    /// Starts loading `bucket`'s slot.
    fn prefetch(&self, bucket: u32) {
        let slots = &self.table.slots;
        if !slots.is_empty() {
            pr_text::prefetch(&slots[mix(u64::from(bucket)) as usize & (slots.len() - 1)]);
        }
    }

    /// Petitions of the place and of the input holding `bucket`, from the table.
    fn get(&self, bucket: u32) -> (u32, u32) {
        self.table
            .find(bucket)
            .map_or((0, 0), |s| (s.first, s.second))
    }
}

/// Term vectors of some petitions: for each, its [`TERMS`] heaviest buckets, sorted by bucket,
/// with weights of unit length.
pub(crate) struct Vectors {
    terms: Vec<u32>,
    weights: Vec<f32>,
    /// Each entry's burst score in the group ([`Idf::burst`]); 0 when no other petition
    /// holds it.
    bursts: Vec<f32>,
    starts: Vec<u32>,
    /// The group's counts, when the vectors are a group's own.
    counts: Counts,
}

/// Reusable buffers of [`Vectors`].
#[derive(Default)]
pub(crate) struct Scratch {
    /// For reading petitions.
    pub(crate) distinct: Distinct,
    weighted: Vec<(u32, f32, f32)>,
}

impl Vectors {
    /// The vectors of a group's petitions, `docs` of `raw`, with `place` the counts of the
    /// group's place: a bigram weighs `(1 + ln tf) · idf · ln(2 +
    /// burst)`, its burst score ([`Idf::burst`]) taken as 0 when no other petition of the group
    /// holds it.
    pub(crate) fn group(
        raw: &Raw,
        docs: std::ops::Range<usize>,
        idf: &Idf,
        place: &Place,
        scratch: &mut Scratch,
    ) -> Vectors {
        let counts = Counts::new(raw.span(&docs), docs.len());
        let mut vectors = weigh(raw, docs, idf, place, scratch, |b| {
            (counts.get(b), counts.petitions)
        });
        vectors.counts = counts;
        vectors
    }

    /// The vectors of other petitions (`docs` of `raw`) as if each had come in `group`'s place
    /// and window: weighed with the group's counts (and itself).
    pub(crate) fn against(
        raw: &Raw,
        docs: std::ops::Range<usize>,
        idf: &Idf,
        place: &Place,
        scratch: &mut Scratch,
        group: &Vectors,
    ) -> Vectors {
        let counts = &group.counts;
        weigh(raw, docs, idf, place, scratch, |b| {
            (counts.get(b) + 1, counts.petitions + 1)
        })
    }

    /// Number of vectors.
    pub(crate) fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// Buckets (ascending) and weights of vector `i`.
    pub(crate) fn get(&self, i: usize) -> (&[u32], &[f32]) {
        let range = self.range(i);
        (&self.terms[range.clone()], &self.weights[range])
    }

    /// Range of vector `i`'s entries in [`Vectors::entries`] order.
    pub(crate) fn range(&self, i: usize) -> std::ops::Range<usize> {
        self.starts[i] as usize..self.starts[i + 1] as usize
    }

    /// Every entry's bucket and weight, vector after vector.
    pub(crate) fn entries(&self) -> (&[u32], &[f32]) {
        (&self.terms, &self.weights)
    }

    /// Every entry's burst score in the group, in [`Vectors::entries`] order.
    pub(crate) fn bursts(&self) -> &[f32] {
        &self.bursts
    }

    /// Cosine similarity of vectors `i` and `j` of `self` and `other`.
    pub(crate) fn cosine(&self, i: usize, other: &Vectors, j: usize) -> f32 {
        let (a, wa) = self.get(i);
        let (b, wb) = other.get(j);
        dot(a, wa, b, wb)
    }
}

/// The vectors of petitions `docs` of `raw`, in `place`, a bucket held by `g` of a group's
/// `n` petitions, as `group(bucket)` says.
fn weigh(
    raw: &Raw,
    docs: std::ops::Range<usize>,
    idf: &Idf,
    place: &Place,
    scratch: &mut Scratch,
    group: impl Fn(u32) -> (u32, u32),
) -> Vectors {
    let weighted = &mut scratch.weighted;
    let mut vectors = Vectors {
        terms: Vec::with_capacity(docs.len() * TERMS),
        weights: Vec::with_capacity(docs.len() * TERMS),
        bursts: Vec::with_capacity(docs.len() * TERMS),
        starts: Vec::with_capacity(docs.len() + 1),
        counts: Counts::default(),
    };
    vectors.starts.push(0);
    for m in docs {
        let terms = raw.get(m);
        let counts = raw.counts(m);
        if counts.is_none() {
            // The place's table is megabytes: ask for every term's slot before reading any.
            for &(b, _) in terms {
                place.prefetch(b);
            }
        }
        weighted.clear();
        for (e, &(b, tf)) in terms.iter().enumerate() {
            let (g, n) = group(b);
            let (held, df) = match counts {
                Some(counts) => counts[e],
                None => place.get(b),
            };
            // A bigram no other petition of the group holds shows no gathering.
            let burst = if g >= 2 && !place.name.contains(&b) {
                idf.burst(g, n, held, df, place.petitions)
            } else {
                0.0
            };
            // Sublinear term frequency: a word said three times is not three times the matter.
            let tf = 1.0 + idf.ln(tf);
            let burst_weight = if burst > 0.0 {
                (2.0 + burst).ln()
            } else {
                std::f32::consts::LN_2
            };
            let w = tf * idf.idf_of(df) * burst_weight;
            weighted.push((b, w, burst));
        }
        if weighted.len() > TERMS {
            // Ties broken by bucket so that the kept terms never depend on the order.
            let heavier =
                |x: &(u32, f32, f32), y: &(u32, f32, f32)| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0));
            weighted.select_nth_unstable_by(TERMS - 1, heavier);
            weighted.truncate(TERMS);
        }
        weighted.sort_unstable_by_key(|&(b, _, _)| b);
        let norm = weighted.iter().map(|&(_, w, _)| w * w).sum::<f32>().sqrt();
        for &(b, w, burst) in weighted.iter() {
            vectors.terms.push(b);
            vectors.weights.push(w / norm);
            vectors.bursts.push(burst);
        }
        vectors.starts.push(vectors.terms.len() as u32);
    }
    vectors
}

/// Dot product of two sparse vectors sorted by term.
pub(crate) fn dot(a: &[u32], wa: &[f32], b: &[u32], wb: &[f32]) -> f32 {
    let (mut i, mut j, mut sum) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += wa[i] * wb[j];
                i += 1;
                j += 1;
            }
        }
    }
    sum
}
