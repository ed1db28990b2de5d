//! Behaviour of signatures and the index, on petitions invented for these tests and on
//! synthetic texts.

use std::collections::HashSet;

use crate::*;

/// Invented petitions, one matter each.
const BARBECUE: &str =
    "我是幸福家园小区七号楼的住户，小区东门外有一家烧烤店，每天从傍晚营业到凌晨两点多，\
油烟直接排到居民楼的窗户上，炭火的烟味和客人喝酒划拳的噪声让我们整晚无法入睡。家里老人有心脏病，\
孩子明年要中考，已经多次打电话给物业和社区，社区说管不了。希望城管和环保部门尽快来现场检查，\
责令店主安装油烟净化设备，晚上十点以后停止露天经营。";

const WAGES: &str = "我们是在开发区一处厂房工地干活的二十三名农民工，从去年三月干到今年一月，包工头一直拖欠\
我们的工资，总共三十六万多元。我们找过施工单位，施工单位说工程款已经拨给了包工头，包工头现在电话不接，\
人也找不到。快过年了，家里老人看病、孩子上学都等着这笔钱，请人社局劳动监察大队帮我们讨回血汗钱。";

const HEATING: &str = "本人住在江北新区锦绣花园三期，今年入冬以来家里暖气一直不热，室内温度只有十二三度，\
早上起床能看到呼出的白气。供热公司来人测过两次，说是管道有气堵，放气以后还是不热。我们按时交了全年的\
取暖费，却享受不到应有的供暖，请住建部门督促供热公司彻底检修管网，并按规定退还不达标期间的费用。";

const TEXTBOOKS: &str = "我的孩子在城南第三小学读四年级，学校最近要求每个学生购买指定书店的教辅资料，每学期\
三百多元，不买的学生会被老师在班里点名批评。我们家长认为这属于变相乱收费，而且很多资料内容重复。恳请\
教育局调查此事，规范学校的教辅征订行为，减轻家长负担。";

const CROSSING: &str = "长江路和建设街交叉口的红绿灯坏了快一个月了，早晚高峰车辆和行人抢行，前几天还发生了\
一起电动车和出租车相撞的事故。附近有两所学校，孩子们上下学过马路非常危险。希望交警部门尽快修复信号灯，\
并在上学放学时段安排交警疏导交通。";

/// [`BARBECUE`] sent again a week later: a few words changed, one clause added, other
/// punctuation.
const BARBECUE_AGAIN: &str = "我是幸福家园小区七号楼的住户。小区东门外有一家烧烤店，每天从傍晚营业到凌晨三点多，\
油烟直接排到居民楼的窗户上，炭火的烟味和客人喝酒划拳的噪声让我们整晚无法入睡！家里老人有心脏病，\
孩子明年要中考，已经多次打电话给物业和社区，社区说管不了。上周反映后没有任何变化。希望城管和环保部门\
尽快来现场检查，责令店主安装油烟净化设备，晚上十点以后停止露天经营";

fn sign(text: &str) -> Signature {
    Signature::new(text, &ValidParams::default())
}

fn small_params(max_entries: usize) -> ValidParams {
    Params::default().max_entries(max_entries).check().unwrap()
}

/// SplitMix64: deterministic synthetic texts, the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        crate::hash::splitmix64(&mut self.0)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// An ideograph among the 2,000 of the synthetic vocabulary.
fn ideograph(i: u64) -> char {
    char::from_u32(0x4e00 + (Rng(i).next() % 2_000) as u32).unwrap()
}

/// A synthetic petition of about `len` characters: words of one to four ideographs from a
/// 5,000-word vocabulary, common words far more often than rare ones (the square of a uniform
/// draw), with a comma every few words, so texts share the frequent shingles real petitions
/// share.
fn synthetic(seed: u64, len: usize) -> String {
    let mut rng = Rng(seed.wrapping_mul(0x1000_0001));
    let mut text = String::new();
    let mut chars = 0;
    while chars < len {
        let u = (rng.next() >> 11) as f64 / (1u64 << 53) as f64;
        let word = (u * u * 5_000.0) as u64;
        for i in 0..1 + word % 4 {
            text.push(ideograph(word * 8 + i));
            chars += 1;
        }
        if rng.below(5) == 0 {
            text.push('，');
        }
    }
    text
}

/// `text` with `edits` characters replaced by others.
fn edited(text: &str, edits: usize, seed: u64) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    let mut rng = Rng(seed);
    for _ in 0..edits {
        let at = rng.below(chars.len());
        chars[at] = ideograph(rng.next());
    }
    chars.into_iter().collect()
}

/// The exact Jaccard similarity of two texts' 3-character shingle sets.
fn jaccard(a: &str, b: &str) -> f64 {
    fn set(text: &str) -> HashSet<Vec<char>> {
        let chars: Vec<char> = text.chars().filter(|c| c.is_alphanumeric()).collect();
        chars.windows(3).map(<[char]>::to_vec).collect()
    }
    let (a, b) = (set(a), set(b));
    a.intersection(&b).count() as f64 / a.union(&b).count() as f64
}

#[test]
fn identical_texts_have_similarity_one() {
    assert_eq!(sign(BARBECUE).similarity(&sign(BARBECUE)), 1.0);
    assert_eq!(sign(BARBECUE), sign(BARBECUE));
}

#[test]
fn whitespace_and_punctuation_do_not_count() {
    let reformatted = BARBECUE
        .replace('，', " ")
        .replace('。', "!\n")
        .replace("小区", "小区 ");
    assert_eq!(sign(&reformatted), sign(BARBECUE));
}

#[test]
fn a_resent_petition_stays_similar() {
    let similarity = sign(BARBECUE).similarity(&sign(BARBECUE_AGAIN));
    assert!(similarity > 0.8, "{similarity}");
    let one_character = BARBECUE.replacen("两点", "一点", 1);
    let similarity = sign(BARBECUE).similarity(&sign(&one_character));
    assert!(similarity > 0.9, "{similarity}");
}

#[test]
fn unrelated_petitions_are_near_zero() {
    let texts = [BARBECUE, WAGES, HEATING, TEXTBOOKS, CROSSING];
    for (i, a) in texts.iter().enumerate() {
        for b in &texts[i + 1..] {
            let similarity = sign(a).similarity(&sign(b));
            assert!(similarity < 0.1, "{similarity}: {a} / {b}");
        }
    }
}

#[test]
fn the_estimate_follows_the_exact_jaccard_similarity() {
    // Pairs sharing more or less of their text, from near copies to strangers.
    let mut worst = 0.0f64;
    for seed in 0..40u64 {
        let shared = synthetic(seed, 300);
        let keep = (seed as usize * 7) % 300;
        let a: String =
            shared.chars().take(keep).collect::<String>() + &synthetic(1000 + seed, 300 - keep);
        let b: String =
            shared.chars().take(keep).collect::<String>() + &synthetic(2000 + seed, 300 - keep);
        let exact = jaccard(&a, &b);
        let estimate = f64::from(sign(&a).similarity(&sign(&b)));
        // Four standard errors of a 120-value estimate, plus the chance agreement of 16 bits.
        let bound = 4.0 * (exact * (1.0 - exact) / 120.0).sqrt() + 0.01;
        assert!(
            (estimate - exact).abs() <= bound,
            "seed {seed}: exact {exact}, estimate {estimate}"
        );
        worst = worst.max((estimate - exact).abs());
    }
    assert!(worst > 0.0, "estimates are not all exact by chance");
}

#[test]
fn chars_and_str_give_the_same_signature() {
    let chars: Vec<char> = HEATING.chars().collect();
    let params = ValidParams::default();
    assert_eq!(
        Signature::from_chars(&chars, &params),
        Signature::new(HEATING, &params)
    );
}

#[test]
fn signatures_are_stable_across_runs_and_platforms() {
    // Pinned: signatures rebuilt from the store at start must equal those computed before.
    assert_eq!(
        sign(CROSSING).values()[..6],
        [16490, 6176, 28112, 58679, 19812, 25805]
    );
    let params = Params::default().shingle(2).check().unwrap();
    assert_eq!(
        Signature::new("噪声扰民", &params).values()[..3],
        [64731, 22097, 35629]
    );
}

#[test]
fn fewer_hashes_give_a_prefix_of_the_signature() {
    let short = Params::default().hashes(60).bands(20).check().unwrap();
    let long = sign(WAGES);
    let prefix = Signature::new(WAGES, &short);
    assert_eq!(prefix.values(), &long.values()[..60]);
    assert_eq!(prefix.similarity(&long), 1.0);
}

#[test]
fn short_and_empty_texts() {
    let one = sign("漏水");
    assert!(!one.is_empty());
    assert_eq!(one.similarity(&sign("漏 水！")), 1.0);
    assert!(one.similarity(&sign("停电")) < 0.1);

    let nothing = sign("，。！？ \n……");
    assert!(nothing.is_empty());
    assert_eq!(nothing.similarity(&nothing), 0.0);
    assert_eq!(nothing.similarity(&one), 0.0);

    let mut index = Index::new(small_params(10));
    index.insert(1, 0, nothing.clone());
    index.insert(2, 0, one.clone());
    assert_eq!(index.len(), 2);
    assert!(index.query(&nothing, 10, 0.0).is_empty());
    let found = index.query(&one, 10, 0.0);
    assert_eq!(found.iter().map(|m| m.key).collect::<Vec<_>>(), [2]);
    assert!(index.remove(1));
    assert_eq!(index.len(), 1);
}

#[test]
fn query_finds_a_resent_petition_and_not_unrelated_ones() {
    let mut index = Index::new(small_params(100));
    for (key, text) in [(1, BARBECUE), (2, WAGES), (3, HEATING), (4, TEXTBOOKS)] {
        index.insert(key, 20_000, sign(text));
    }
    let found = index.query(&sign(BARBECUE_AGAIN), 10, 0.5);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].key, 1);
    assert!(found[0].similarity > 0.8);
    assert!(index.query(&sign(CROSSING), 10, 0.3).is_empty());
}

#[test]
fn query_finds_the_right_key_among_thousands() {
    let params = small_params(20_000);
    let mut index = Index::new(params.clone());
    for key in 0..6_000u64 {
        index.insert(
            key,
            (key / 200) as u32,
            Signature::new(&synthetic(key, 300), &params),
        );
    }
    // Each stored text is found from a copy with 5 characters changed, first and clearly
    // ahead of the rest.
    for key in (0..6_000u64).step_by(97) {
        let query = edited(&synthetic(key, 300), 5, key);
        let found = index.query(&Signature::new(&query, &params), 3, 0.3);
        assert_eq!(found.first().map(|m| m.key), Some(key), "{found:?}");
        assert!(found[0].similarity > 0.8, "{found:?}");
        assert!(found.get(1).is_none_or(|m| m.similarity < 0.3), "{found:?}");
    }
    // A fresh synthetic text shares common words with many, but is a repeat of none.
    let fresh = index.query(&Signature::new(&synthetic(999_999, 300), &params), 10, 0.5);
    assert!(fresh.is_empty(), "{fresh:?}");
}

#[test]
fn results_are_best_first_unique_and_at_most_k() {
    let mut index = Index::new(small_params(100));
    index.insert(10, 0, sign(BARBECUE));
    index.insert(11, 0, sign(BARBECUE_AGAIN));
    index.insert(12, 0, sign(&BARBECUE.replacen("七号楼", "九号楼", 1)));
    index.insert(13, 0, sign(WAGES));
    let found = index.query(&sign(BARBECUE), 10, 0.5);
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0].key, 10);
    assert_eq!(found[0].similarity, 1.0);
    assert!(found.windows(2).all(|w| w[0].similarity >= w[1].similarity));
    let keys: HashSet<u64> = found.iter().map(|m| m.key).collect();
    assert_eq!(keys.len(), 3);
    assert_eq!(index.query(&sign(BARBECUE), 2, 0.5), found[..2]);
    assert!(index.query(&sign(BARBECUE), 0, 0.5).is_empty());
}

#[test]
fn a_flood_of_copies_keeps_the_newest_findable() {
    // A template letter sent by 2,000 people, and one petition of another matter.
    let mut index = Index::new(small_params(5_000));
    for key in 0..2_000u64 {
        index.insert(key, key as u32, sign(WAGES));
    }
    index.insert(9_999, 0, sign(HEATING));
    assert_eq!(index.len(), 2_001);
    let found = index.query(&sign(WAGES), 100, 0.9);
    assert_eq!(
        found.len(),
        32,
        "the 32 newest copies, each with all its bands"
    );
    assert!(found.iter().all(|m| m.key >= 1_968 && m.similarity == 1.0));
    assert_eq!(index.query(&sign(HEATING), 5, 0.5)[0].key, 9_999);
    // As the newest copies are removed, older ones are not put back in the bands; new copies
    // are.
    for key in 1_968..2_000 {
        assert!(index.remove(key));
    }
    assert!(index.query(&sign(WAGES), 100, 0.9).is_empty());
    index.insert(5_000, 3_000, sign(WAGES));
    assert_eq!(index.query(&sign(WAGES), 100, 0.9)[0].key, 5_000);
    assert_eq!(index.evict_older_than(2_000), 1_968 + 1);
    assert_eq!(index.len(), 1);
}

#[test]
fn inserting_a_key_again_replaces_its_entry() {
    let mut index = Index::new(small_params(100));
    index.insert(7, 1, sign(HEATING));
    index.insert(7, 2, sign(TEXTBOOKS));
    assert_eq!(index.len(), 1);
    assert!(index.query(&sign(HEATING), 5, 0.5).is_empty());
    assert_eq!(index.query(&sign(TEXTBOOKS), 5, 0.5)[0].key, 7);
    assert!(index.contains(7));
    assert!(index.remove(7));
    assert!(!index.remove(7));
    assert!(!index.contains(7));
    assert!(index.query(&sign(TEXTBOOKS), 5, 0.0).is_empty());
}

#[test]
fn eviction_removes_old_entries_and_reuses_their_memory() {
    let params = small_params(10_000);
    let mut index = Index::new(params.clone());
    let text = |key: u64| Signature::new(&synthetic(key, 200), &params);
    // 3,000 petitions over 30 days.
    for key in 0..3_000u64 {
        index.insert(key, (key / 100) as u32, text(key));
    }
    let before = index.heap_bytes();
    assert_eq!(index.evict_older_than(10), 1_000);
    assert_eq!(index.len(), 2_000);
    assert!(!index.contains(999) && index.contains(1_000));
    assert!(index
        .query(&text(500), 5, 0.0)
        .iter()
        .all(|m| m.key >= 1_000));
    assert_eq!(index.query(&text(1_500), 1, 0.9)[0].key, 1_500);
    assert_eq!(index.evict_older_than(10), 0);

    // The next 1,000 reuse the freed slots and band cells: nothing new is allocated.
    for key in 3_000..4_000u64 {
        index.insert(key, 30 + (key / 100) as u32, text(key));
    }
    assert_eq!(index.len(), 3_000);
    assert_eq!(index.heap_bytes(), before);
    assert_eq!(index.query(&text(3_500), 1, 0.9)[0].key, 3_500);

    assert_eq!(index.evict_older_than(u32::MAX), 3_000);
    assert!(index.is_empty());
    assert!(index.query(&text(3_500), 5, 0.0).is_empty());
}

#[test]
fn max_entries_bounds_the_index_and_evicts_the_oldest() {
    let params = small_params(500);
    let mut index = Index::new(params.clone());
    let mut full_bytes = 0;
    for key in 0..2_000u64 {
        index.insert(
            key,
            key as u32,
            Signature::new(&synthetic(key, 200), &params),
        );
        assert!(index.len() <= 500);
        if key == 999 {
            full_bytes = index.heap_bytes();
        }
    }
    assert_eq!(index.len(), 500);
    assert!((0..1_500).all(|key| !index.contains(key)));
    assert!((1_500..2_000).all(|key| index.contains(key)));
    // Once full, memory no longer moves, and stays near its per-entry estimate: key, heap
    // position, heap, stamp and free list (28 bytes), signature (240), band cells
    // (40 × 8 / 0.75) and key cell (8 / 0.75), plus the smallest size and the end slack of
    // the two tables (16 KB each).
    assert_eq!(index.heap_bytes(), full_bytes);
    let per_entry = 28 + 240 + 427 + 11;
    assert!(
        index.heap_bytes() <= 500 * per_entry + 32_768,
        "{}",
        index.heap_bytes()
    );
    assert!(index.heap_bytes() >= 500 * (240 + 320));
}

#[test]
fn when_full_the_earliest_day_goes_first_whatever_the_insertion_order() {
    let mut index = Index::new(small_params(3));
    index.insert(1, 5, sign(BARBECUE));
    index.insert(2, 3, sign(WAGES));
    index.insert(3, 9, sign(HEATING));
    index.insert(4, 7, sign(TEXTBOOKS));
    assert!(!index.contains(2));
    index.insert(5, 7, sign(CROSSING));
    assert!(!index.contains(1));
    assert_eq!(index.evict_older_than(8), 2);
    assert!(index.contains(3) && index.len() == 1);
}

#[test]
fn eviction_follows_day_order_under_random_days() {
    // Against a reference: a sorted set of (day, insertion order, key).
    let mut index = Index::new(small_params(200));
    let mut reference = std::collections::BTreeSet::new();
    let mut rng = Rng(77);
    let sig = sign(CROSSING);
    for key in 0..3_000u64 {
        let day = rng.below(1_000) as u32;
        if rng.below(10) == 0 {
            // Now and then a key again: replaced, not duplicated.
            let again = key.saturating_sub(1 + rng.below(50) as u64);
            if reference.iter().any(|&(_, _, k)| k == again) {
                reference.retain(|&(_, _, k)| k != again);
                reference.insert((day, key, again));
                index.insert(again, day, sig.clone());
                continue;
            }
        }
        if reference.len() == 200 {
            reference.pop_first();
        }
        reference.insert((day, key, key));
        index.insert(key, day, sig.clone());
        assert_eq!(index.len(), reference.len());
    }
    let cutoff = reference.iter().nth(50).unwrap().0;
    let evicted = reference
        .iter()
        .filter(|&&(day, _, _)| day < cutoff)
        .count();
    assert_eq!(index.evict_older_than(cutoff), evicted);
    reference.retain(|&(day, _, _)| day >= cutoff);
    for key in 0..3_000 {
        let present = reference.iter().any(|&(_, _, k)| k == key);
        assert_eq!(index.contains(key), present, "key {key}");
    }
}

#[test]
#[should_panic(expected = "sign with the index's parameters")]
fn a_signature_of_other_parameters_is_refused() {
    let short = Params::default().hashes(60).bands(20).check().unwrap();
    let mut index = Index::new(small_params(10));
    index.insert(1, 0, Signature::new(WAGES, &short));
}

#[test]
fn parameter_errors_say_what_to_fix() {
    let message = |params: Params| params.check().unwrap_err().to_string();
    assert_eq!(
        message(Params::default().bands(7)),
        "bands = 7 does not divide hashes = 120: choose bands from 1, 2, 3, 4, 5, 6, 8, 10, \
         12, 15, 20, 24, 30, 40, 60, 120, or change hashes"
    );
    assert!(matches!(
        Params::default().bands(0).check(),
        Err(ParamsError::Bands {
            bands: 0,
            hashes: 120,
            ..
        })
    ));
    assert!(message(Params::default().hashes(0).bands(1)).contains("between 1 and 256"));
    assert_eq!(
        Params::default().hashes(300).check(),
        Err(ParamsError::Hashes(300))
    );
    assert!(message(Params::default().shingle(0)).contains("1 to 8 characters"));
    assert_eq!(
        Params::default().shingle(9).check(),
        Err(ParamsError::Shingle(9))
    );
    assert!(message(Params::default().max_entries(0)).contains("between 1 and 107374182"));
    assert!(Params::default().max_entries(usize::MAX).check().is_err());

    let params = Params::default()
        .hashes(64)
        .bands(16)
        .shingle(2)
        .check()
        .unwrap();
    assert_eq!(
        (
            params.hashes(),
            params.bands(),
            params.rows(),
            params.shingle()
        ),
        (64, 16, 4, 2)
    );
}

#[test]
fn candidate_probability_is_the_s_curve() {
    let params = ValidParams::default();
    assert!(params.candidate_probability(0.5) >= 0.99);
    assert!(params.candidate_probability(0.05) < 0.01);
    assert_eq!(params.candidate_probability(0.0), 0.0);
    assert_eq!(params.candidate_probability(1.0), 1.0);
    assert_eq!(params.candidate_probability(-3.0), 0.0);
    assert_eq!(params.candidate_probability(2.0), 1.0);
    let curve: Vec<f64> = (0..=100)
        .map(|i| params.candidate_probability(f64::from(i) / 100.0))
        .collect();
    assert!(curve.windows(2).all(|w| w[0] <= w[1]));
    // The formula, and the table in `candidate_probability`'s documentation.
    assert!((candidate_probability(0.5, 40, 3) - (1.0 - 0.875f64.powi(40))).abs() < 1e-12);
    let table = [
        (0.05, [0.005, 0.0002, 0.148]),
        (0.1, [0.039, 0.003, 0.474]),
        (0.3, [0.665, 0.229, 0.998]),
        (0.5, [0.995, 0.873, 1.000]),
        (0.8, [1.000, 1.000, 1.000]),
    ];
    for (s, row) in table {
        for ((bands, rows), want) in [(40, 3), (32, 4), (64, 2)].into_iter().zip(row) {
            let got = candidate_probability(s, bands, rows);
            assert!(
                (got - want).abs() < 0.0006,
                "s {s}, {bands} × {rows}: {got}"
            );
        }
    }
}

#[test]
fn heap_bytes_counts_what_the_entries_need() {
    let params = small_params(1_000);
    let mut index = Index::with_capacity(params.clone(), 1_000);
    let empty = index.heap_bytes();
    // Presized: the arrays and tables are there before the first insert, and do not grow.
    assert!(empty >= 1_000 * (240 + 40 * 8), "{empty}");
    for key in 0..1_000u64 {
        index.insert(key, 0, Signature::new(&synthetic(key, 100), &params));
    }
    assert_eq!(index.heap_bytes(), empty);
    assert!(format!("{index:?}").contains("len: 1000"));
}

#[test]
fn the_exact_similarity_is_what_signatures_estimate() {
    let params = ValidParams::default();
    let a = "楼下饭店油烟直排，熏得住户不敢开窗，请环保部门查处。";
    let b = "楼下饭店油烟直排，熏得住户不敢开窗，请尽快查处！";
    let exact = exact_similarity(a, b, &params);
    assert!(exact > 0.4 && exact < 0.9, "{exact}");
    assert_eq!(exact_similarity(a, a, &params), 1.0);
    assert_eq!(exact_similarity("", "", &params), 0.0);
    let estimate = Signature::new(a, &params).similarity(&Signature::new(b, &params));
    assert!((estimate - exact).abs() < 0.15, "{estimate} vs {exact}");
}
