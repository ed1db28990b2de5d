//! `hotspots`: a burst of reworded petitions about one compound in one week comes out first.

#[macro_use]
mod common;

use common::server::{assert_status, Server};
use common::*;
use pr_server::pb;

/// Everyday petitions of four districts: the background that shows what is unusual.
const BACKGROUND: [(&str, &str); 9] = [
    ("西岗区", "长江路红绿灯坏了，早晚高峰很危险，请交警修复。"),
    ("中山区", "学校门口的人行道被商贩占用，孩子只能走机动车道。"),
    ("沙河口区", "菜市场噪音很大，凌晨四点就开始卸货，影响休息。"),
    ("西岗区", "公交车站没有遮雨棚，下雨天老人等车很辛苦。"),
    ("中山区", "医保报销需要跑好几个窗口，希望简化流程。"),
    ("沙河口区", "小区门口的路灯坏了半个月，晚上出行不安全。"),
    ("甘井子区", "公园的健身器材坏了很久，没有人来修理。"),
    (
        "甘井子区",
        "幼儿园收费太高，普通家庭负担不起，希望规范收费。",
    ),
    ("甘井子区", "周边工地夜间施工噪音扰民，请城管部门查处。"),
];

/// Rewordings of one matter about one compound of 甘井子区.
const BURST: [&str; 8] = [
    "翠湖名苑小区入冬以来暖气不热，室内只有十二度，请督促供热公司维修。",
    "我家住翠湖名苑，暖气片一直是凉的，家里老人孩子都冻感冒了。",
    "翠湖名苑供暖温度不达标，多次找物业没人管，要求退还取暖费。",
    "反映翠湖名苑三期供热问题，卧室温度不到十五度，请相关部门尽快处理。",
    "翠湖名苑业主联名反映，今年供暖一直不热，供热公司推脱责任。",
    "翠湖名苑的暖气到现在还是温的，打供热公司电话没人接。",
    "请管一管翠湖名苑的供暖，屋里冷得要穿棉袄。",
    "翠湖名苑小区暖气不热已经两周，物业和供热公司互相推诿。",
];

/// Background petitions over four districts and four weeks, and the burst in one week.
fn dated_history(path: &std::path::Path) {
    let mut lines = Vec::new();
    for week in 0..4 {
        for (i, (region, text)) in BACKGROUND.iter().enumerate() {
            lines.push(serde_json::json!({
                "id": format!("bg-{week}-{i}"),
                "text": format!("{text}（第{week}次）"),
                "region": region,
                "date": format!("2024-11-{:02}", 4 + 7 * week + i % 5),
            }));
        }
    }
    for (i, text) in BURST.iter().enumerate() {
        lines.push(serde_json::json!({
            "id": format!("burst-{i}"),
            "text": text,
            "region": "甘井子区",
            "date": format!("2024-11-{:02}", 18 + i % 4),
        }));
    }
    let body: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    std::fs::write(path, body.join("\n")).unwrap();
}

/// Runs `hotspots --json --html` on [`dated_history`] written in `dir`: the JSON report and
/// the HTML file's path.
fn report_of_dated_history(dir: &std::path::Path) -> (serde_json::Value, std::path::PathBuf) {
    let history = dir.join("dated.jsonl");
    dated_history(&history);
    let html = dir.join("report.html");
    let out = run_ok(&[
        "hotspots",
        "--history",
        history.to_str().unwrap(),
        "--json",
        "--html",
        html.to_str().unwrap(),
    ]);
    (serde_json::from_str(&out).unwrap(), html)
}

#[test]
fn a_burst_about_one_compound_is_the_top_hotspot_in_json_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let (report, html) = report_of_dated_history(dir.path());
    let top = &report["hotspots"][0];
    let ids: Vec<&str> = top["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 8, "{top}");
    assert!(ids.iter().all(|id| id.starts_with("burst-")), "{top}");
    assert_eq!(top["place"], "甘井子区", "{top}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.contains("<svg") && page.contains("甘井子区"));
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "self-contained"
    );
}

#[test]
fn a_row_without_a_date_is_named_with_its_file_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let history = dir.path().join("h.jsonl");
    std::fs::write(
        &history,
        "{\"text\":\"路灯坏了\",\"date\":\"2024-11-04\"}\n{\"text\":\"路灯坏了\",\"date\":\"昨天\"}\n",
    )
    .unwrap();
    let e = run_err(&["hotspots", "--history", history.to_str().unwrap()]);
    assert!(e.contains("h.jsonl:2") && e.contains("昨天"), "{e}");
}

/// Debian's `chromium`, when it is on PATH. CI installs it and sets
/// PETITION_ROUTER_TEST_CHROMIUM, so that there the report test runs or fails, never skips.
fn chromium() -> Option<std::path::PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|path| path.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("PETITION_ROUTER_TEST_CHROMIUM").is_none(),
            "PETITION_ROUTER_TEST_CHROMIUM is set but chromium is not on PATH"
        );
        eprintln!("skipped: no chromium on PATH (apt-get install chromium fonts-noto-cjk)");
    }
    found
}

/// Longest a headless Chromium may take to render the report.
const CHROMIUM_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// A decoded screenshot: RGB pixels, row by row.
struct Screenshot {
    width: usize,
    height: usize,
    pixels: Vec<[u8; 3]>,
}

/// Screenshots `page` as headless `chromium` shows it in a window of `width` × `height` CSS
/// pixels (one device pixel each, sRGB), working in `dir`. A browser still running after
/// [`CHROMIUM_TIMEOUT`] is killed and fails the test with its log.
fn screenshot(
    chromium: &std::path::Path,
    page: &std::path::Path,
    dir: &std::path::Path,
    (width, height): (u32, u32),
) -> Screenshot {
    use std::os::unix::process::CommandExt;
    let png_path = dir.join("screenshot.png");
    let log_path = dir.join("chromium.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let started = std::time::Instant::now();
    // In a process group of its own, so that a hung browser is killed with its helpers.
    let mut child = std::process::Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--force-color-profile=srgb",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.join("chromium-profile").display()
        ))
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", png_path.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .process_group(0)
        .spawn()
        .expect("chromium starts");
    let log = || std::fs::read_to_string(&log_path).unwrap_or_default();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > CHROMIUM_TIMEOUT {
            let group = format!("-{}", child.id());
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &group])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not render the report within {CHROMIUM_TIMEOUT:?}; its log:\n{}",
                log()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(
        status.success() && png_path.exists(),
        "chromium failed ({status}) to screenshot the report; its log:\n{}",
        log()
    );
    let bytes = std::fs::read(&png_path).unwrap();
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut buffer).expect("a PNG frame");
    let channels = frame.color_type.samples();
    assert!(channels >= 3, "an RGB screenshot: {:?}", frame.color_type);
    let pixels = buffer[..frame.buffer_size()]
        .chunks_exact(frame.line_size)
        .flat_map(|line| {
            line[..frame.width as usize * channels]
                .chunks_exact(channels)
                .map(|p| [p[0], p[1], p[2]])
        })
        .collect();
    Screenshot {
        width: frame.width as usize,
        height: frame.height as usize,
        pixels,
    }
}

/// A connected area of one colour in a screenshot: its bounding box (inclusive) and size.
#[derive(Clone, Copy, Debug)]
struct Block {
    left: usize,
    top: usize,
    right: usize,
    bottom: usize,
    pixels: usize,
}

impl Block {
    fn width(&self) -> usize {
        self.right - self.left + 1
    }

    fn height(&self) -> usize {
        self.bottom - self.top + 1
    }

    /// Whether it is a solid rectangle at least `width` × `height` pixels, as a heat-map cell
    /// is (its rank number and its hotspot outline cut out a little).
    fn is_solid(&self, width: usize, height: usize) -> bool {
        self.width() >= width
            && self.height() >= height
            && self.pixels * 10 >= self.width() * self.height() * 8
    }
}

impl Screenshot {
    /// The connected (4-neighbour) areas of pixels of `colour`, give or take 2 a channel.
    fn blocks(&self, colour: [u8; 3]) -> Vec<Block> {
        let matches = |p: [u8; 3]| (0..3).all(|i| p[i].abs_diff(colour[i]) <= 2);
        let mut seen = vec![false; self.pixels.len()];
        let mut blocks = Vec::new();
        for start in 0..self.pixels.len() {
            if seen[start] || !matches(self.pixels[start]) {
                continue;
            }
            seen[start] = true;
            let (x, y) = (start % self.width, start / self.width);
            let mut block = Block {
                left: x,
                top: y,
                right: x,
                bottom: y,
                pixels: 0,
            };
            let mut stack = vec![start];
            while let Some(i) = stack.pop() {
                let (x, y) = (i % self.width, i / self.width);
                block.pixels += 1;
                block.left = block.left.min(x);
                block.right = block.right.max(x);
                block.top = block.top.min(y);
                block.bottom = block.bottom.max(y);
                let mut next = Vec::with_capacity(4);
                if x > 0 {
                    next.push(i - 1);
                }
                if x + 1 < self.width {
                    next.push(i + 1);
                }
                if y > 0 {
                    next.push(i - self.width);
                }
                if y + 1 < self.height {
                    next.push(i + self.width);
                }
                for j in next {
                    if !seen[j] && matches(self.pixels[j]) {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
            blocks.push(block);
        }
        blocks
    }
}

fn rgb(hex: &str) -> [u8; 3] {
    let hex = hex.strip_prefix('#').expect("#rrggbb");
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).expect("#rrggbb");
    [channel(0), channel(2), channel(4)]
}

/// The fills of the heat map's cells as the page declares them, row by row: the `<rect>`s
/// with a `fill` in the first `<svg>` (the hotspots' outlines have none).
fn cell_fills(page: &str) -> Vec<String> {
    let Some(start) = page.find("<svg") else {
        return Vec::new();
    };
    let svg = &page[start..];
    let svg = &svg[..svg.find("</svg>").unwrap_or(svg.len())];
    svg.split("<rect ")
        .skip(1)
        .filter_map(|rect| {
            let tag = &rect[..rect.find('>')?];
            let fill = &tag[tag.find("fill=\"#")? + 6..];
            Some(fill[..fill.find('"')?].to_string())
        })
        .collect()
}

/// Starts of the groups of `values` (sorted) that lie within `slack` of one another.
fn grid_lines(mut values: Vec<usize>, slack: usize) -> Vec<usize> {
    values.sort_unstable();
    let mut lines: Vec<usize> = Vec::new();
    for v in values {
        if lines.last().is_none_or(|&last| v > last + slack) {
            lines.push(v);
        }
    }
    lines
}

#[test]
fn the_html_report_shows_the_heat_map_and_the_table_in_chromium() {
    let Some(chromium) = chromium() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (report, html) = report_of_dated_history(dir.path());
    let hotspots = report["hotspots"].as_array().unwrap();
    let terms: usize = hotspots
        .iter()
        .map(|h| h["top_terms"].as_array().unwrap().len())
        .sum();
    let page = std::fs::read_to_string(&html).unwrap();
    // Four districts × four weeks, every one with petitions: 16 cells.
    let (rows, columns) = (4, 4);
    let fills = cell_fills(&page);
    assert_eq!(fills.len(), rows * columns, "{fills:?}");
    // The burst (甘井子区, the week of 2024-11-18) is the largest count: the ramp's darkest
    // colour (OrRd's last), in the first row (places with hotspots first), third column.
    let hottest = 2;
    assert_eq!(fills[hottest], "#b30000", "{fills:?}");

    let shot = screenshot(&chromium, &html, dir.path(), (1280, 1024));
    let shown = |what: &str| {
        let path = std::env::temp_dir().join("petition-router-hotspots-report.png");
        let _ = std::fs::copy(dir.path().join("screenshot.png"), &path);
        format!("{what} (screenshot kept as {})", path.display())
    };

    // Not blank: ink on a good share of the page, text in dark grey among it.
    let inked = shot
        .pixels
        .iter()
        .filter(|p| p.iter().any(|&c| c < 0xf0))
        .count();
    let dark = shot
        .pixels
        .iter()
        .filter(|p| p.iter().all(|&c| c < 0x60))
        .count();
    assert!(
        inked * 50 > shot.pixels.len() && dark > 2_000,
        "{}",
        shown(&format!(
            "a blank page: {inked} inked and {dark} dark pixels of {}",
            shot.pixels.len()
        ))
    );

    // The heat map: every cell a solid rectangle in its colour, on a 4 × 4 grid.
    let mut fill_colours: Vec<&String> = fills.iter().collect();
    fill_colours.sort();
    fill_colours.dedup();
    let cells: Vec<(Block, &str)> = fill_colours
        .iter()
        .flat_map(|fill| {
            shot.blocks(rgb(fill))
                .into_iter()
                .filter(|b| b.is_solid(24, 12))
                .map(move |b| (b, fill.as_str()))
        })
        .collect();
    assert_eq!(
        cells.len(),
        rows * columns,
        "{}",
        shown(&format!("heat-map cells drawn: {cells:?}"))
    );
    // A hotspot's outline insets its cell's fill by a pixel or two.
    let xs = grid_lines(cells.iter().map(|(b, _)| b.left).collect(), 3);
    let ys = grid_lines(cells.iter().map(|(b, _)| b.top).collect(), 3);
    assert_eq!(
        (ys.len(), xs.len()),
        (rows, columns),
        "{}",
        shown(&format!("cells not on a grid: {cells:?}"))
    );
    for (block, fill) in &cells {
        let row = ys.iter().rposition(|&y| y <= block.top).unwrap();
        let column = xs.iter().rposition(|&x| x <= block.left).unwrap();
        assert_eq!(
            *fill,
            fills[row * columns + column],
            "{}",
            shown(&format!(
                "cell {row},{column} ({block:?}) in the wrong colour"
            ))
        );
    }
    let (hot, _) = cells
        .iter()
        .find(|(_, fill)| *fill == fills[hottest])
        .unwrap();
    assert!(
        hot.is_solid(40, 14),
        "{}",
        shown(&format!("the hottest cell is not cell-sized: {hot:?}"))
    );
    let map_bottom = cells.iter().map(|(b, _)| b.bottom).max().unwrap();

    // The table below it: the header's grey band across the page, a rule under the header
    // and each hotspot's row, and the hotspots' key terms as chips.
    let header = shot
        .blocks(rgb("#f8f9fa"))
        .into_iter()
        .filter(|b| b.top > map_bottom && b.is_solid(shot.width * 3 / 4, 16))
        .collect::<Vec<_>>();
    assert_eq!(
        header.len(),
        1,
        "{}",
        shown(&format!("the table's header: {header:?}"))
    );
    let header = header[0];
    let rules = shot
        .blocks(rgb("#e9ecef"))
        .into_iter()
        .filter(|b| b.top > header.top && b.width() * 10 >= header.width() * 9 && b.height() <= 2)
        .count();
    assert_eq!(
        rules,
        hotspots.len() + 1,
        "{}",
        shown("the table's rows (one rule under the header and each row)")
    );
    let chips = shot
        .blocks(rgb("#fff4e6"))
        .into_iter()
        .filter(|b| b.top > header.bottom && b.width() >= 16 && b.height() >= 12)
        .count();
    assert_eq!(
        chips,
        terms,
        "{}",
        shown("the key terms' chips in the table")
    );
}

on_both_stores!(the_hotspots_rpc_finds_a_burst_among_the_stored_petitions);

/// Earlier weeks as a store keeps them (the background that shows what is unusual), then
/// the burst routed now through Route: the Hotspots RPC reads both back from the store.
async fn the_hotspots_rpc_finds_a_burst_among_the_stored_petitions(
    store: String,
    _dir: std::path::PathBuf,
) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let earlier: Vec<pr_feedback::Routed> = (1..=4i64)
        .flat_map(|week| {
            BACKGROUND
                .iter()
                .enumerate()
                .map(move |(i, (region, text))| pr_feedback::Routed {
                    request_id: format!("bg-{week}-{i}"),
                    routed_at: now - week * 7 * 86_400,
                    title: String::new(),
                    content: format!("{text}（第{week}次）"),
                    suggested: Vec::new(),
                    model_version: "earlier".into(),
                    region: region.to_string(),
                    petitioner_key: String::new(),
                })
        })
        .collect();
    // Off the runtime: the PostgreSQL client blocks.
    let (url, rows) = (store.clone(), earlier.clone());
    tokio::task::spawn_blocking(move || {
        let kept = pr_feedback::Store::open(&url.parse().unwrap()).unwrap();
        kept.record_routed(&rows).unwrap();
    })
    .await
    .unwrap();
    let server = Server::start(&["--feedback-store", &store]);
    let mut router = server.router().await;
    for (i, text) in BURST.iter().enumerate() {
        let request = pb::RouteRequest {
            request_id: format!("burst-{i}"),
            content: text.to_string(),
            region_hint: "甘井子区".into(),
            petitioner_key: format!("resident-{}", i % 5),
            ..Default::default()
        };
        router.route(request).await.unwrap();
    }

    let mut admin = server.admin().await;
    let answer = admin
        .hotspots(pb::HotspotsRequest {
            html: true,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(answer.petitions as usize, earlier.len() + BURST.len());
    let top = &answer.hotspots[0];
    assert_eq!(top.place, "甘井子区", "{top:?}");
    assert!(top.count >= 5, "{top:?}");
    assert!(
        top.request_ids.iter().all(|id| id.starts_with("burst-")),
        "{top:?}"
    );
    assert!(top.top_terms.iter().any(|t| t.contains("翠湖")), "{top:?}");
    let residents: std::collections::HashSet<_> = top
        .request_ids
        .iter()
        .map(|id| id[6..].parse::<usize>().unwrap() % 5)
        .collect();
    assert_eq!(top.petitioners, Some(residents.len() as u32));
    assert!(!top.departments.is_empty() && top.heat > 0.0, "{top:?}");
    assert!(answer.html.contains("<svg") && answer.html.contains("翠湖"));

    // One place only; without `html`, no report.
    let in_place = |place: &str| pb::HotspotsRequest {
        place: place.into(),
        ..Default::default()
    };
    let here = admin
        .hotspots(in_place("甘井子区"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(here.hotspots[0].request_ids, top.request_ids);
    assert!(here.hotspots.iter().all(|h| h.place == "甘井子区"));
    assert!(here.html.is_empty());
    let elsewhere = admin
        .hotspots(in_place("西岗区"))
        .await
        .unwrap()
        .into_inner();
    assert!(elsewhere.hotspots.is_empty(), "{:?}", elsewhere.hotspots);

    for (request, field) in [
        (
            pb::HotspotsRequest {
                window_days: 1000,
                ..Default::default()
            },
            "window_days",
        ),
        (
            pb::HotspotsRequest {
                lookback_days: 100_000,
                ..Default::default()
            },
            "lookback_days",
        ),
    ] {
        let refused = admin.hotspots(request).await.unwrap_err();
        assert_status(&refused, tonic::Code::InvalidArgument, field);
    }
}

#[tokio::test]
async fn the_hotspots_rpc_without_a_store_says_how_to_keep_one() {
    let server = Server::start(&[]);
    let refused = server
        .admin()
        .await
        .hotspots(pb::HotspotsRequest::default())
        .await
        .unwrap_err();
    assert_status(
        &refused,
        tonic::Code::FailedPrecondition,
        "--feedback-store",
    );
}
