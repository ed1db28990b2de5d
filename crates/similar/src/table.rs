//! The band table: a multimap from band key to slot, as one array of u64.
//!
//! At a million petitions and 40 bands it holds 40 million entries, so the layout is chosen
//! for memory: 8 bytes per entry (32-bit band key, 32-bit slot + 1; 0 marks an empty cell), no
//! per-key vectors, no pointers, load at most 0.75.
//!
//! Open addressing with linear probing, kept in key order (Amble and Knuth's ordered hash
//! table; Robin Hood hashing with linear probing gives the same layout). The home cell of a
//! key is `key · capacity / 2³²`, which grows with the key, and the array does not wrap
//! around (a little slack at the end takes the last runs instead), so the occupied cells are
//! simply sorted by key. That buys:
//! - lookups that stop at the first larger key, not at the next empty cell: about 2.5 cells
//!   at load 0.75 instead of 8.5, for the query's 40 lookups, nearly always one cache line
//!   each;
//! - deletion by backward shift that stops at the first entry in its home cell, with no
//!   tombstones to pile up as old entries are evicted;
//! - growth by one ordered pass, computable from the stored keys alone, without touching the
//!   signatures.

/// An empty cell.
const EMPTY: u64 = 0;

/// Cells per 64-byte cache line.
const CELLS_PER_LINE: usize = 8;

/// Largest load, as a fraction: above it the table grows. Inserting and removing walk to the
/// end of the run, which lengthens fast as the load grows. Measured at a million entries
/// (evict / insert / query with the signature given, µs): 6.7 / 5.8 / 2.7 at 0.8 (678 MB),
/// 5.3 / 4.6 / 2.0 at 0.75 (705 MB), 4.6 / 4.0 / 2.0 at 0.7 (736 MB), 3.9 / 3.6 / 2.0 at 0.6
/// (814 MB).
const MAX_LOAD: (usize, usize) = (3, 4);

/// Smallest capacity allocated, so a tiny index does not regrow at every insert.
const MIN_CAPACITY: usize = 1024;

/// Cells after the last home cell, where the last runs end instead of wrapping around. Runs
/// at load 0.75 are tens of cells long, so this is ample (and the table rebuilds with more
/// should one reach the end).
const SLACK: usize = 1024;

/// The band table. See the module documentation.
#[derive(Debug, Clone)]
pub(crate) struct BandTable {
    /// `capacity` home cells, then the slack; the last cell always stays empty, which ends
    /// every scan.
    cells: Vec<u64>,
    /// Number of home cells.
    capacity: usize,
    len: usize,
    /// Capacity that holds the most entries the index can ever have at the largest load; the
    /// table never grows past it.
    max_capacity: usize,
}

impl BandTable {
    /// An empty table for at most `max_len` entries, with room for `len` without growing.
    pub(crate) fn with_capacity(len: usize, max_len: usize) -> BandTable {
        let max_capacity = capacity_for(max_len).max(MIN_CAPACITY);
        let mut table = BandTable {
            cells: Vec::new(),
            capacity: 0,
            len: 0,
            max_capacity,
        };
        if len > 0 {
            table.rebuild(capacity_for(len).clamp(MIN_CAPACITY, max_capacity), SLACK);
        }
        table
    }

    /// Bytes allocated.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.cells.capacity() * size_of::<u64>()
    }

    /// Adds the entry (`key`, `slot`); a key may have many slots.
    pub(crate) fn insert(&mut self, key: u32, slot: u32) {
        self.insert_newest(key, slot, usize::MAX, |_| 0);
    }

    /// Adds the entry (`key`, `slot`), keeping at most `cap` slots under `key`: when it has
    /// that many, the slot with the smallest `age` gives its cell to `slot`, or `slot` is left
    /// out if it is older still. A flood of copies of one text (a template letter signed by a
    /// thousand people, a one-word petition) would otherwise make a run of a thousand cells
    /// that every insert, removal and query of that band key walks through.
    pub(crate) fn insert_newest(
        &mut self,
        key: u32,
        slot: u32,
        cap: usize,
        age: impl Fn(u32) -> u64,
    ) {
        if capacity_for(self.len + 1) > self.capacity {
            let capacity = (self.capacity * 2).clamp(MIN_CAPACITY, self.max_capacity);
            self.rebuild(capacity.max(capacity_for(self.len + 1)), self.slack());
        }
        let (first, end) = self.equal_range(key);
        if end - first >= cap {
            // Full: the ages are read only now, as each is a cache miss.
            let oldest = (first..end).min_by_key(|&i| age(slot_of(self.cells[i])));
            if let Some(at) = oldest.filter(|&i| age(slot_of(self.cells[i])) < age(slot)) {
                self.cells[at] = cell(key, slot);
            }
            return;
        }
        // After the equal keys: shift the rest of the run one cell right.
        let mut empty = end;
        while self.cells[empty] != EMPTY {
            empty += 1;
        }
        if empty == self.cells.len() - 1 {
            // The run reached the last cell, which must stay empty: more slack.
            self.rebuild(self.capacity, self.slack() * 2);
            return self.insert_newest(key, slot, cap, age);
        }
        self.cells.copy_within(end..empty, end + 1);
        self.cells[end] = cell(key, slot);
        self.len += 1;
    }

    /// Removes the entry (`key`, `slot`); false when it is not there.
    pub(crate) fn remove(&mut self, key: u32, slot: u32) -> bool {
        let (first, end) = self.equal_range(key);
        let wanted = cell(key, slot);
        let Some(mut hole) = (first..end).find(|&i| self.cells[i] == wanted) else {
            return false;
        };
        // Backward shift: pull the following entries one cell back for as long as they are
        // displaced from their home cell; the first one at home (or an empty cell) ends it.
        loop {
            let next = self.cells[hole + 1];
            if next == EMPTY || self.home(key_of(next)) > hole {
                break;
            }
            self.cells[hole] = next;
            hole += 1;
        }
        self.cells[hole] = EMPTY;
        self.len -= 1;
        true
    }

    /// Calls `found` with every slot stored under `key`.
    #[inline]
    pub(crate) fn for_each(&self, key: u32, mut found: impl FnMut(u32)) {
        let (first, end) = self.equal_range(key);
        for &entry in &self.cells[first..end] {
            found(slot_of(entry));
        }
    }

    /// The cells `for_each(key)` reads first, to prefetch them: the home cell's cache line
    /// and the next one; none when the table is empty.
    #[inline]
    pub(crate) fn first_cells(&self, key: u32) -> impl Iterator<Item = &u64> {
        let home = self.home(key);
        [home, home + CELLS_PER_LINE]
            .into_iter()
            .filter_map(|i| self.cells.get(i))
    }

    /// The cells holding `key`: `first..end`, where `first` is where `key` is or would go.
    #[inline]
    fn equal_range(&self, key: u32) -> (usize, usize) {
        if self.cells.is_empty() {
            return (0, 0);
        }
        let mut i = self.home(key);
        // Entries displaced from earlier homes, with smaller keys.
        while self.cells[i] != EMPTY && key_of(self.cells[i]) < key {
            i += 1;
        }
        let first = i;
        while self.cells[i] != EMPTY && key_of(self.cells[i]) == key {
            i += 1;
        }
        (first, i)
    }

    /// Lays the entries out again over `capacity` home cells and `slack` more, in one pass:
    /// they are already in key order, so each goes to its home cell or just after the
    /// previous one.
    fn rebuild(&mut self, capacity: usize, slack: usize) {
        let old = std::mem::take(&mut self.cells);
        let mut slack = slack;
        'layout: loop {
            self.capacity = capacity;
            self.cells = vec![EMPTY; capacity + slack];
            let mut next = 0;
            for &entry in old.iter().filter(|&&e| e != EMPTY) {
                let at = self.home(key_of(entry)).max(next);
                if at >= self.cells.len() - 1 {
                    slack *= 2;
                    continue 'layout;
                }
                self.cells[at] = entry;
                next = at + 1;
            }
            return;
        }
    }

    fn slack(&self) -> usize {
        (self.cells.len() - self.capacity).max(SLACK)
    }

    /// Home cell of `key`: its position scaled to the capacity (multiply-shift: it grows with
    /// the key, which keeps the table in key order, and works for any capacity).
    #[inline]
    fn home(&self, key: u32) -> usize {
        ((u128::from(key) * self.capacity as u128) >> 32) as usize
    }

    /// Number of entries.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Number of home cells.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }
}

/// Home cells that hold `len` entries at the largest load.
fn capacity_for(len: usize) -> usize {
    (len * MAX_LOAD.1).div_ceil(MAX_LOAD.0)
}

#[inline]
fn cell(key: u32, slot: u32) -> u64 {
    u64::from(key) << 32 | (u64::from(slot) + 1)
}

#[inline]
fn key_of(cell: u64) -> u32 {
    (cell >> 32) as u32
}

#[inline]
fn slot_of(cell: u64) -> u32 {
    (cell as u32).wrapping_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn slots(table: &BandTable, key: u32) -> Vec<u32> {
        let mut found = Vec::new();
        table.for_each(key, |slot| found.push(slot));
        found.sort_unstable();
        found
    }

    #[test]
    fn agrees_with_a_reference_map_under_random_inserts_and_removals() {
        // Few distinct keys, many slots per key, keys at both ends of the range so that runs
        // reach the end of the array: the cases backward shift and the slack get wrong first.
        let mut table = BandTable::with_capacity(0, 20_000);
        let mut reference: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut state = 12345u64;
        let mut rand = move || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as u32
        };
        let keys: Vec<u32> = (0..50)
            .map(|i| match i % 3 {
                0 => u32::MAX - i,
                1 => i,
                _ => rand(),
            })
            .collect();
        let mut next_slot = 0u32;
        for round in 0..20_000 {
            let key = keys[rand() as usize % keys.len()];
            let present = reference.entry(key).or_default();
            if rand() % 5 < 3 || present.is_empty() {
                table.insert(key, next_slot);
                present.push(next_slot);
                next_slot += 1;
            } else {
                let slot = present.swap_remove(rand() as usize % present.len());
                assert!(table.remove(key, slot));
                assert!(!table.remove(key, slot), "removed twice");
            }
            if round % 500 == 0 || round > 19_900 {
                for key in &keys {
                    let mut want = reference.get(key).cloned().unwrap_or_default();
                    want.sort_unstable();
                    assert_eq!(slots(&table, *key), want, "round {round}");
                }
            }
        }
        let total: usize = reference.values().map(Vec::len).sum();
        assert_eq!(table.len(), total);
        let keys_in_order: Vec<u32> = table
            .cells
            .iter()
            .filter(|&&e| e != EMPTY)
            .map(|&e| key_of(e))
            .collect();
        assert!(keys_in_order.is_sorted());
        assert!(
            table.cells.len() - table.capacity > SLACK,
            "the runs reached the end of the array, and it took more slack"
        );
    }

    #[test]
    fn a_capped_key_keeps_its_newest_slots() {
        let mut table = BandTable::with_capacity(0, 1_000);
        let age = |slot: u32| u64::from(slot % 100);
        for slot in [50, 10, 70, 30, 90, 20, 60] {
            table.insert_newest(7, slot, 4, age);
            table.insert(8, slot);
        }
        assert_eq!(slots(&table, 7), [50, 60, 70, 90]);
        assert_eq!(slots(&table, 8).len(), 7);
        // Older than all four: left out.
        table.insert_newest(7, 5, 4, age);
        assert_eq!(slots(&table, 7), [50, 60, 70, 90]);
        assert_eq!(table.len(), 4 + 7);
    }

    #[test]
    fn never_grows_past_its_maximum() {
        let mut table = BandTable::with_capacity(10, 3_000);
        for slot in 0..3_000u32 {
            table.insert(slot.wrapping_mul(2_654_435_761), slot);
        }
        assert_eq!(table.capacity(), capacity_for(3_000));
        for slot in 0..3_000u32 {
            assert_eq!(slots(&table, slot.wrapping_mul(2_654_435_761)), [slot]);
        }
    }
}
