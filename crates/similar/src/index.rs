//! The LSH index: signatures in flat arrays, band keys in one compact table, the oldest entry
//! found through a heap ordered by day.

use std::fmt;

use crate::hash::{finish, step};
use crate::params::{ValidParams, MAX_HASHES};
use crate::signature::{band_tags, similarity, Signature};
use crate::table::BandTable;
use pr_text::prefetch;

/// Position in the heap of a slot that holds no entry.
const FREE: u32 = u32::MAX;

/// Fewest slots allocated at once.
const MIN_SLOTS: usize = 64;

/// Signature values per cache line (64 bytes of u16).
const VALUES_PER_LINE: usize = 32;

/// Most entries kept under one band key (the most recent). Bounds the work of every operation
/// on a key that thousands of identical petitions share; a query then finds the 32 most recent
/// copies, enough to call the petition a repeat.
const BAND_KEY_CAP: usize = 32;

/// Most candidates verified per query: those sharing the most bands with the query, which are
/// the likeliest to be similar (a pair of similarity `s` shares `bands × s^rows` bands on
/// average). Bounds the query's time when many stored petitions collide in some band; the
/// common case has a few dozen candidates.
const MAX_VERIFIED: usize = 256;

/// A stored petition similar to the query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    /// The key it was inserted with.
    pub key: u64,
    /// Estimated Jaccard similarity of the two texts' shingle sets, in 0..=1.
    pub similarity: f32,
}

/// Signatures of recent petitions, searchable by similarity.
///
/// LSH banding: a signature of `bands × rows` values is cut into `bands` bands; two petitions
/// become candidates when they agree on every value of at least one band, and candidates are
/// then verified on the whole signature. See [`crate::candidate_probability`] for which
/// similarities are found.
///
/// Memory is bounded by [`crate::Params::max_entries`]: each entry is a slot in flat arrays
/// (key, day, `hashes` signature values) plus `bands` cells of the band table, and a slot
/// freed by eviction is reused before the arrays grow. When full, inserting evicts the oldest
/// entry. [`Index::heap_bytes`] reports what is allocated.
///
/// Queries take `&self`, inserts `&mut self`: share it behind a `RwLock`.
#[derive(Clone)]
pub struct Index {
    params: ValidParams,
    /// Per slot: the key.
    keys: Vec<u64>,
    /// Per slot: its position in `heap`, or [`FREE`].
    heap_pos: Vec<u32>,
    /// Per slot: `hashes` signature values, slot after slot.
    sigs: Vec<u16>,
    /// Slots to reuse before allocating new ones.
    free: Vec<u32>,
    /// Live slots as a binary min-heap by stamp: the oldest entry is `heap[0]`.
    heap: Vec<u32>,
    /// The stamp of each `heap` element, beside it rather than per slot so that sifting
    /// compares neighbouring values instead of chasing slots across memory:
    /// `day << 32 | insertion counter` (oldest day first, then first inserted; the counter
    /// wraps after 2³² inserts, which only blurs the order within one day).
    heap_stamps: Vec<u64>,
    /// Band keys to slots.
    bands: BandTable,
    /// Key hashes to slots: the same compact table as the bands (8 bytes per entry, exact
    /// memory accounting) instead of a `HashMap`.
    by_key: BandTable,
    /// Insertion counter for the stamps.
    counter: u32,
}

impl Index {
    /// An empty index.
    pub fn new(params: ValidParams) -> Index {
        Index::with_capacity(params, 0)
    }

    /// An empty index with room for `entries` (at most `max_entries`) without reallocating.
    /// Reallocation copies the arrays and rebuilds the band table, which pauses one insert
    /// for up to a second at a million entries and briefly needs the old and the new table
    /// at once; a server should give the capacity it expects to reach.
    pub fn with_capacity(params: ValidParams, entries: usize) -> Index {
        let entries = entries.min(params.max_entries());
        let max = params.max_entries();
        Index {
            keys: Vec::with_capacity(entries),
            heap_pos: Vec::with_capacity(entries),
            sigs: Vec::with_capacity(entries * params.hashes()),
            free: Vec::with_capacity(entries),
            heap: Vec::with_capacity(entries),
            heap_stamps: Vec::with_capacity(entries),
            bands: BandTable::with_capacity(entries * params.bands(), max * params.bands()),
            by_key: BandTable::with_capacity(entries, max),
            counter: 0,
            params,
        }
    }

    /// The parameters signatures must be made with.
    pub fn params(&self) -> &ValidParams {
        &self.params
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when the index holds no entry.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// True when an entry has this key.
    pub fn contains(&self, key: u64) -> bool {
        self.slot_of(key).is_some()
    }

    /// Stores `sig` under `key`, dated `day` (days since the epoch, or any unit that grows
    /// with time). An entry with the same key is replaced. When the index holds
    /// `max_entries`, the oldest entry (earliest day, then first inserted) is evicted first.
    ///
    /// Query before inserting: a petition inserted first finds itself.
    ///
    /// # Panics
    ///
    /// When `sig` is not empty and has another number of values than the index's `hashes`
    /// (it was made with other parameters).
    pub fn insert(&mut self, key: u64, day: u32, sig: Signature) {
        let hashes = self.params.hashes();
        made_for(&sig, hashes);
        if let Some(old) = self.slot_of(key) {
            self.remove_slot(old);
        }
        let slot = self.take_slot();
        let s = slot as usize;
        self.keys[s] = key;
        self.by_key.insert(key_tag(key), slot);
        self.heap_push(slot, u64::from(day) << 32 | u64::from(self.counter));
        self.counter = self.counter.wrapping_add(1);
        let values = &mut self.sigs[s * hashes..(s + 1) * hashes];
        if sig.is_empty() {
            // Kept, so that the key is known and ages out, but put in no band: a text with
            // nothing to sign is similar to nothing.
            values.fill(0);
            return;
        }
        values.copy_from_slice(sig.values());
        let mut tags = [0u32; MAX_HASHES];
        let tags = &mut tags[..self.params.bands()];
        band_tags(sig.values(), self.params.rows(), tags);
        self.prefetch_bands(tags);
        let (heap_pos, heap_stamps) = (&self.heap_pos, &self.heap_stamps);
        let age = |slot: u32| heap_stamps[heap_pos[slot as usize] as usize];
        for &tag in tags.iter() {
            self.bands.insert_newest(tag, slot, BAND_KEY_CAP, age);
        }
    }

    /// Removes the entry with this key; false when there is none.
    pub fn remove(&mut self, key: u64) -> bool {
        match self.slot_of(key) {
            Some(slot) => {
                self.remove_slot(slot);
                true
            }
            None => false,
        }
    }

    /// Up to `k` stored petitions whose estimated similarity to `sig` is at least
    /// `min_similarity`, most similar first (then by key), each key once.
    ///
    /// Only band candidates are verified, so a petition below the S-curve of
    /// [`crate::candidate_probability`] may be missing even with `min_similarity` 0. Two
    /// bounds keep the time in check when many stored petitions collide: a band key keeps its
    /// 32 most recent entries (of a thousand identical copies, the 32 newest are found), and
    /// at most 256 candidates are verified, those sharing the most bands with the query. An
    /// empty signature matches nothing.
    ///
    /// # Panics
    ///
    /// When `sig` is not empty and has another number of values than the index's `hashes`.
    pub fn query(&self, sig: &Signature, k: usize, min_similarity: f32) -> Vec<Match> {
        if sig.is_empty() || k == 0 || self.is_empty() {
            return Vec::new();
        }
        let hashes = self.params.hashes();
        made_for(sig, hashes);
        let mut tags = [0u32; MAX_HASHES];
        let tags = &mut tags[..self.params.bands()];
        band_tags(sig.values(), self.params.rows(), tags);
        self.prefetch_bands(tags);
        let mut found = Vec::new();
        for &tag in tags.iter() {
            self.bands.for_each(tag, |slot| found.push(slot));
        }
        // A near-duplicate shares many bands: verify it once. Count its bands, to verify the
        // likeliest candidates first when there are too many.
        found.sort_unstable();
        let mut candidates: Vec<(u32, u32)> = found
            .chunk_by(|a, b| a == b)
            .map(|run| (run.len() as u32, run[0]))
            .collect();
        if candidates.len() > MAX_VERIFIED {
            candidates.select_nth_unstable_by(MAX_VERIFIED - 1, |a, b| b.0.cmp(&a.0));
            candidates.truncate(MAX_VERIFIED);
        }
        for &(_, slot) in &candidates {
            let start = slot as usize * hashes;
            for line in (start..start + hashes).step_by(VALUES_PER_LINE) {
                prefetch(&self.sigs[line]);
            }
        }
        let mut matches: Vec<Match> = candidates
            .iter()
            .filter_map(|&(_, slot)| {
                let s = slot as usize;
                let similarity = similarity(sig.values(), &self.sigs[s * hashes..(s + 1) * hashes]);
                (similarity >= min_similarity).then_some(Match {
                    key: self.keys[s],
                    similarity,
                })
            })
            .collect();
        matches.sort_unstable_by(|a, b| {
            b.similarity
                .total_cmp(&a.similarity)
                .then(a.key.cmp(&b.key))
        });
        matches.truncate(k);
        matches
    }

    /// Removes every entry dated before `day`, oldest first; returns how many. Their slots
    /// and band cells are reused by later inserts, so a sliding window keeps a steady size.
    pub fn evict_older_than(&mut self, day: u32) -> usize {
        let mut evicted = 0;
        while let (Some(&oldest), Some(&stamp)) = (self.heap.first(), self.heap_stamps.first()) {
            if ((stamp >> 32) as u32) >= day {
                break;
            }
            self.remove_slot(oldest);
            evicted += 1;
        }
        evicted
    }

    /// Bytes allocated on the heap: every array and table at its capacity (not its length),
    /// which is what the process holds. Excludes the few hundred bytes of the struct itself.
    pub fn heap_bytes(&self) -> usize {
        fn bytes<T>(v: &Vec<T>) -> usize {
            v.capacity() * size_of::<T>()
        }
        bytes(&self.keys)
            + bytes(&self.heap_pos)
            + bytes(&self.sigs)
            + bytes(&self.free)
            + bytes(&self.heap)
            + bytes(&self.heap_stamps)
            + self.bands.heap_bytes()
            + self.by_key.heap_bytes()
    }

    /// The slot holding `key`.
    fn slot_of(&self, key: u64) -> Option<u32> {
        let mut found = None;
        self.by_key.for_each(key_tag(key), |slot| {
            if self.keys[slot as usize] == key {
                found = Some(slot);
            }
        });
        found
    }

    /// A slot for a new entry: a freed one, else a new one, else (full) the oldest entry's.
    fn take_slot(&mut self) -> u32 {
        if let Some(slot) = self.free.pop() {
            return slot;
        }
        let slots = self.keys.len();
        if slots < self.params.max_entries() {
            self.reserve_slot();
            self.keys.push(0);
            self.heap_pos.push(FREE);
            self.sigs.resize(self.sigs.len() + self.params.hashes(), 0);
            return slots as u32;
        }
        // Every slot is live (none is free), so the heap is not empty.
        let oldest = self.heap[0];
        self.remove_slot(oldest);
        self.free.pop().expect("remove_slot frees the slot")
    }

    /// Makes room for one more slot: doubling, but never past `max_entries`, so that a full
    /// index has no spare capacity (at a million entries, spare signatures alone would be
    /// hundreds of megabytes).
    fn reserve_slot(&mut self) {
        let slots = self.keys.len();
        if slots < self.keys.capacity() {
            return;
        }
        let target = (slots * 2).max(MIN_SLOTS).min(self.params.max_entries());
        self.keys.reserve_exact(target - slots);
        self.heap_pos.reserve_exact(target - slots);
        self.heap.reserve_exact(target - self.heap.len());
        self.heap_stamps
            .reserve_exact(target - self.heap_stamps.len());
        // The free list never holds more than every slot: sized with them, it never
        // reallocates, and memory stays put once the index is full.
        self.free.reserve_exact(target - self.free.len());
        self.sigs
            .reserve_exact(target * self.params.hashes() - self.sigs.len());
    }

    /// Takes the entry in `slot` out of every structure and frees the slot.
    fn remove_slot(&mut self, slot: u32) {
        let s = slot as usize;
        let hashes = self.params.hashes();
        let mut tags = [0u32; MAX_HASHES];
        let tags = &mut tags[..self.params.bands()];
        // An empty signature was put in no band: its removals find nothing, harmlessly.
        band_tags(
            &self.sigs[s * hashes..(s + 1) * hashes],
            self.params.rows(),
            tags,
        );
        self.prefetch_bands(tags);
        for &tag in tags.iter() {
            self.bands.remove(tag, slot);
        }
        self.by_key.remove(key_tag(self.keys[s]), slot);
        self.heap_remove(slot);
        self.free.push(slot);
    }

    /// Each band's cells lie far apart in a table of hundreds of megabytes: asking for all of
    /// them before reading any makes the cache misses overlap instead of adding up.
    fn prefetch_bands(&self, tags: &[u32]) {
        for &tag in tags {
            self.bands.first_cells(tag).for_each(prefetch);
        }
    }

    fn heap_push(&mut self, slot: u32, stamp: u64) {
        let i = self.heap.len();
        self.heap.push(slot);
        self.heap_stamps.push(stamp);
        self.heap_pos[slot as usize] = i as u32;
        self.sift_up(i);
    }

    fn heap_remove(&mut self, slot: u32) {
        let i = self.heap_pos[slot as usize] as usize;
        self.heap_pos[slot as usize] = FREE;
        let last = self.heap.pop().expect("a live slot is in the heap");
        let last_stamp = self.heap_stamps.pop().expect("one stamp per heap element");
        if i < self.heap.len() {
            self.heap[i] = last;
            self.heap_stamps[i] = last_stamp;
            self.heap_pos[last as usize] = i as u32;
            let i = self.sift_up(i);
            self.sift_down(i);
        }
    }

    /// True when heap element `i` is older than heap element `j`.
    fn older(&self, i: usize, j: usize) -> bool {
        self.heap_stamps[i] < self.heap_stamps[j]
    }

    fn swap(&mut self, i: usize, j: usize) {
        self.heap.swap(i, j);
        self.heap_stamps.swap(i, j);
        self.heap_pos[self.heap[i] as usize] = i as u32;
        self.heap_pos[self.heap[j] as usize] = j as u32;
    }

    /// Moves heap element `i` up to its place; returns where it ends.
    fn sift_up(&mut self, mut i: usize) -> usize {
        while i > 0 {
            let parent = (i - 1) / 2;
            if !self.older(i, parent) {
                break;
            }
            self.swap(i, parent);
            i = parent;
        }
        i
    }

    /// Moves heap element `i` down to its place.
    fn sift_down(&mut self, mut i: usize) {
        loop {
            let mut oldest = i;
            for child in [2 * i + 1, 2 * i + 2] {
                if child < self.heap.len() && self.older(child, oldest) {
                    oldest = child;
                }
            }
            if oldest == i {
                return;
            }
            self.swap(i, oldest);
            i = oldest;
        }
    }
}

impl fmt::Debug for Index {
    /// The parameters and sizes, not the million entries.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Index")
            .field("params", &self.params)
            .field("len", &self.len())
            .field("heap_bytes", &self.heap_bytes())
            .finish_non_exhaustive()
    }
}

/// Panics unless `sig` is empty or has `hashes` values: a signature made with other
/// parameters would be compared value by value with unrelated permutations.
fn made_for(sig: &Signature, hashes: usize) {
    assert!(
        sig.is_empty() || sig.len() == hashes,
        "the signature has {} values and the index takes {hashes}: \
         sign with the index's parameters",
        sig.len()
    );
}

/// 32-bit hash of a key, for the key table.
fn key_tag(key: u64) -> u32 {
    // Seed: "key" in ASCII.
    (finish(step(0x006b_6579, key)) >> 32) as u32
}
