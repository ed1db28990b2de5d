//! Measures what the crate costs: parse + index time, RSS growth, matcher build, find().
//! `cargo run --release -p pr-locality --example measure`

use std::path::Path;
use std::time::Instant;

use pr_locality::{Aliases, Gazetteer};

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

const PETITION: &str = "本人是辽宁省大连市甘井子区红旗街道某小区居民，小区楼下新开的饭店油烟直排，\
    噪音从早到晚不断，严重影响附近居民的正常生活。我们多次向物业和社区反映，物业称无权管理，社区说\
    要找街道，街道又让我们打12345热线。去年在西岗区也遇到过类似的问题，当时城管很快就处理了。希望\
    有关部门尽快到现场查看，责令饭店安装油烟净化设备并限制营业时间，还居民一个安静整洁的环境。\
    联系电话已留，盼复。";

fn main() {
    let text = include_str!("../data/divisions.tsv");
    let rss0 = rss_kib();
    let t = Instant::now();
    let g = Gazetteer::parse(text, Path::new("data/divisions.tsv")).expect("valid");
    let parse = t.elapsed();
    let rss1 = rss_kib();
    println!(
        "parse + name index: {:.1} ms, {} divisions, RSS +{:.1} MiB",
        parse.as_secs_f64() * 1e3,
        g.divisions().len(),
        (rss1 - rss0) as f64 / 1024.0
    );
    for (label, scope) in [
        ("nationwide", None),
        ("大连市", Some("2102".parse().unwrap())),
    ] {
        let r0 = rss_kib();
        let t = Instant::now();
        let m = g.matcher(scope, &Aliases::none()).expect("builds");
        let build = t.elapsed();
        let r1 = rss_kib();
        let mentions = m.find(PETITION);
        let r = g.resolve(&mentions, scope);
        let surfaces: Vec<&str> = mentions.iter().map(|x| x.surface).collect();
        println!(
            "{label}: mentions {surfaces:?} → {:?}",
            g.names(r.place.unwrap())
        );
        let n: u32 = std::env::var("MEASURE_ITERS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20_000);
        let t = Instant::now();
        let mut found = 0;
        for _ in 0..n {
            let mentions = m.find(std::hint::black_box(PETITION));
            let r = g.resolve(&mentions, scope);
            found += mentions.len() + r.evidence.len();
        }
        let per = t.elapsed().as_secs_f64() / f64::from(n.max(1));
        let t = Instant::now();
        for _ in 0..n {
            found += m.find(std::hint::black_box(PETITION)).len();
        }
        let per_find = t.elapsed().as_secs_f64() / f64::from(n.max(1));
        println!(
            "{label}: {} patterns, automaton {:.1} MiB, build {:.0} ms, RSS +{:.1} MiB; \
             {}-byte petition: find {:.2} µs, find+resolve {:.2} µs ({found})",
            m.pattern_count(),
            m.memory_usage() as f64 / 1048576.0,
            build.as_secs_f64() * 1e3,
            (r1 - r0) as f64 / 1024.0,
            PETITION.len(),
            per_find * 1e6,
            per * 1e6,
        );
    }
}
