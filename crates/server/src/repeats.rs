//! Repeat petitions (重复件): the petitions routed within the repeat window, kept in memory as
//! similarity signatures, so that each new petition is compared with them as it is routed.
//! Built from the feedback store at start, so it needs one; a petition is signed as the store
//! keeps it (masked unless `--store-raw-text`), so that both sides match.

use pr_feedback::{FeedbackError, Store};
use pr_similar::{Index, Signature, ValidParams};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::RwLock;
use std::time::Duration;

/// Estimated similarity from which an earlier petition is listed as similar.
pub const SIMILAR_FROM: f32 = 0.3;

/// Estimated similarity from which the new petition is a repeat: precision 0.947 and recall
/// 0.436 on the hand-labelled pairs (BENCHMARKS.md, "Repeat petitions").
pub const REPEAT_FROM: f32 = 0.5;

/// Similar petitions listed at most.
pub const MAX_SIMILAR: usize = 5;

const DAY: i64 = 24 * 3600;

/// An earlier petition, as an answer names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Earlier {
    /// The request id it was routed with.
    pub request_id: String,
    /// The department it was routed to first.
    pub department: String,
    /// The department that finally handled it, or `""` before its outcome.
    pub final_department: String,
    /// The caller's key of the person who sent it, or `""`.
    pub petitioner_key: String,
}

/// An earlier petition similar to a new one.
#[derive(Debug, Clone, PartialEq)]
pub struct Similar {
    /// The earlier petition.
    pub earlier: Earlier,
    /// Estimated Jaccard similarity of the two texts' character 3-grams.
    pub similarity: f32,
    /// Sent by the same petitioner (same non-empty key).
    pub same_petitioner: bool,
}

/// The most similar earlier petition that makes a repeat and whose outcome names the
/// department that finally handled it.
pub fn handled_before(similar: &[Similar]) -> Option<&Earlier> {
    similar
        .iter()
        .filter(|s| s.similarity >= REPEAT_FROM || s.same_petitioner)
        .map(|s| &s.earlier)
        .find(|e| !e.final_department.is_empty())
}

/// Whether a petition with these similar earlier ones is a repeat: the most similar reaches
/// [`REPEAT_FROM`], or a similar one came from the same petitioner.
pub fn is_repeat(similar: &[Similar]) -> bool {
    similar
        .iter()
        .any(|s| s.similarity >= REPEAT_FROM || s.same_petitioner)
}

/// The signatures of the window's petitions and what answers say about each.
pub struct Repeats {
    params: ValidParams,
    window: Duration,
    window_days: u32,
    state: RwLock<State>,
    /// Unix seconds of the last read of the store ([`Repeats::refresh`]).
    read_until: AtomicI64,
}

/// How far back each refresh reads before the last one: the replicas' clocks and commits
/// that land a little after their routing time.
const REFRESH_OVERLAP: i64 = 60;

struct State {
    index: Index,
    earlier: HashMap<u64, Earlier>,
    keys: HashMap<String, u64>,
    next_key: u64,
}

impl Repeats {
    /// An empty window of `window`.
    pub fn new(window: Duration) -> Repeats {
        let params = ValidParams::default();
        Repeats {
            window,
            read_until: AtomicI64::new(0),
            window_days: (window.as_secs() / DAY as u64).max(1) as u32,
            state: RwLock::new(State {
                // Grown as petitions come: allocating the million entries' 705 MB up front
                // would cost every server that much; a growth step at a million pauses one
                // route for under a second.
                index: Index::new(params.clone()),
                earlier: HashMap::new(),
                keys: HashMap::new(),
                next_key: 0,
            }),
            params,
        }
    }

    /// The window's petitions as `store` keeps them, at `now` (Unix seconds).
    pub fn load(store: &Store, window: Duration, now: i64) -> Result<Repeats, FeedbackError> {
        let repeats = Repeats::new(window);
        repeats.refresh(store, now)?;
        Ok(repeats)
    }

    /// Adds the petitions and outcomes `store` gained since the last read (other replicas'
    /// among them), at `now` (Unix seconds); the first read takes the whole window. Returns
    /// how many petitions were new.
    pub fn refresh(&self, store: &Store, now: i64) -> Result<usize, FeedbackError> {
        let window_start = now - self.window.as_secs() as i64;
        let since = match self.read_until.load(Ordering::Relaxed) {
            0 => window_start,
            last => (last - REFRESH_OVERLAP).max(window_start),
        };
        let mut added = 0;
        for row in store.recent(since)? {
            if self.read().keys.contains_key(&row.request_id) {
                continue;
            }
            let signature = self.signature(&row.title, &row.content);
            let earlier = Earlier {
                request_id: row.request_id,
                department: row.department,
                final_department: row.final_department,
                petitioner_key: row.petitioner_key,
            };
            self.remember(earlier, row.routed_at, signature);
            added += 1;
        }
        for (request_id, final_department) in store.outcomes_since(since)? {
            self.outcome(&request_id, &final_department);
        }
        self.read_until.store(now, Ordering::Relaxed);
        Ok(added)
    }

    /// Petitions in the window.
    pub fn len(&self) -> usize {
        self.read().index.len()
    }

    /// The signature of a petition as the store keeps it: title and text, normalised as
    /// routing reads them.
    pub fn signature(&self, title: &str, content: &str) -> Signature {
        let text = pr_text::normalise(&pr_router::petition_text(title, content));
        Signature::new(&text, &self.params)
    }

    /// The earlier petitions most like `signature`, most similar first, leaving out one
    /// routed before under the same `request_id`; `petitioner_key` (may be empty) marks those
    /// of the same person.
    pub fn similar(
        &self,
        signature: &Signature,
        request_id: &str,
        petitioner_key: &str,
    ) -> Vec<Similar> {
        let state = self.read();
        let own = state.keys.get(request_id).copied();
        state
            .index
            .query(signature, MAX_SIMILAR + 1, SIMILAR_FROM)
            .into_iter()
            .filter(|m| Some(m.key) != own)
            .filter_map(|m| {
                let earlier = state.earlier.get(&m.key)?.clone();
                Some(Similar {
                    same_petitioner: !petitioner_key.is_empty()
                        && earlier.petitioner_key == petitioner_key,
                    earlier,
                    similarity: m.similarity,
                })
            })
            .take(MAX_SIMILAR)
            .collect()
    }

    /// Keeps a routed petition (routed at `routed_at`, Unix seconds) for the ones after it;
    /// routing again under the same request id replaces it. Drops what left the window.
    pub fn remember(&self, earlier: Earlier, routed_at: i64, signature: Signature) {
        let day = (routed_at.max(0) / DAY) as u32;
        let mut state = self.write();
        let state = &mut *state;
        if day > self.window_days {
            state.index.evict_older_than(day - self.window_days);
        }
        let key = match state.keys.get(&earlier.request_id) {
            Some(&key) => key,
            None => {
                state.next_key += 1;
                state
                    .keys
                    .insert(earlier.request_id.clone(), state.next_key);
                state.next_key
            }
        };
        state.index.insert(key, day, signature);
        state.earlier.insert(key, earlier);
        // The index evicts on its own (window, capacity): forget the answers of evicted
        // petitions now and then, so that the maps stay bounded by the index.
        if state.earlier.len() > 2 * state.index.len() + 1024 {
            let index = &state.index;
            state.earlier.retain(|key, _| index.contains(*key));
            let earlier = &state.earlier;
            state.keys.retain(|_, key| earlier.contains_key(key));
        }
    }

    /// Notes the department that finally handled `request_id`.
    pub fn outcome(&self, request_id: &str, final_department: &str) {
        let mut state = self.write();
        if let Some(key) = state.keys.get(request_id).copied() {
            if let Some(e) = state.earlier.get_mut(&key) {
                e.final_department = final_department.to_string();
            }
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        // A panic while holding the lock leaves whole entries: keep serving.
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn earlier(id: &str, department: &str) -> Earlier {
        Earlier {
            request_id: id.into(),
            department: department.into(),
            final_department: String::new(),
            petitioner_key: format!("key-{id}"),
        }
    }

    const NOW: i64 = 20_000 * DAY;
    const SMOKE: &str = "幸福小区3号楼底商烧烤店油烟直排，楼上住户无法开窗，请环保部门尽快查处。";
    const SMOKE_AGAIN: &str = "幸福小区3号楼底商烧烤店油烟直排！楼上住户根本无法开窗，请尽快查处";
    const SMOKE_LOOSELY: &str =
        "幸福小区3号楼底商烧烤店的油烟太大，晚上还很吵，楼上住户无法开窗休息，希望管一管。";
    const ROAD: &str = "阳光花园东门外的道路坑洼不平，雨天积水严重，希望交通部门修路。";

    #[test]
    fn a_resent_petition_finds_the_earlier_one_with_its_outcome() {
        let r = Repeats::new(Duration::from_secs(90 * DAY as u64));
        r.remember(earlier("a", "environment"), NOW, r.signature("", SMOKE));
        r.remember(earlier("b", "transport"), NOW, r.signature("", ROAD));
        r.outcome("a", "urban_management");
        let found = r.similar(&r.signature("油烟", SMOKE_AGAIN), "c", "key-a");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].earlier.request_id, "a");
        assert_eq!(found[0].earlier.final_department, "urban_management");
        assert!(found[0].similarity >= REPEAT_FROM, "{found:?}");
        assert!(found[0].same_petitioner && is_repeat(&found));
        // Routed again under its own id, a petition is not its own repeat.
        assert!(r.similar(&r.signature("", SMOKE), "a", "").is_empty());
    }

    #[test]
    fn a_loosely_similar_petition_of_the_same_petitioner_is_a_repeat() {
        let r = Repeats::new(Duration::from_secs(90 * DAY as u64));
        r.remember(earlier("a", "environment"), NOW, r.signature("", SMOKE));
        let found = r.similar(&r.signature("", SMOKE_LOOSELY), "b", "key-a");
        assert_eq!(found.len(), 1, "{found:?}");
        let s = found[0].similarity;
        assert!((SIMILAR_FROM..REPEAT_FROM).contains(&s), "{s}");
        assert!(found[0].same_petitioner && is_repeat(&found));
        let from_someone_else = r.similar(&r.signature("", SMOKE_LOOSELY), "b", "key-z");
        assert!(!from_someone_else[0].same_petitioner && !is_repeat(&from_someone_else));
    }

    #[test]
    fn petitions_older_than_the_window_are_forgotten() {
        let r = Repeats::new(Duration::from_secs(7 * DAY as u64));
        r.remember(
            earlier("old", "environment"),
            NOW - 30 * DAY,
            r.signature("", SMOKE),
        );
        r.remember(earlier("new", "transport"), NOW, r.signature("", ROAD));
        assert_eq!(r.len(), 1);
        assert!(r.similar(&r.signature("", SMOKE), "x", "").is_empty());
    }
}
