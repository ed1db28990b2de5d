//! The self-contained HTML report: a heat map of places by window as inline SVG, and the
//! table of hotspots. No scripts, no external resources: inline CSS and system fonts only.

use std::collections::HashMap;
use std::fmt::Write;

use crate::date::{iso_date_of, iso_week_of};
use crate::{HeatMap, Hotspot, HIGH_SEVERITY_RISKS, MAX_SURGE_GROWTH};

/// Most places drawn; the rest are counted below the map. Places with hotspots come first.
const MAX_ROWS: usize = 40;

/// Most windows drawn, the latest ones (two years of weeks).
const MAX_COLUMNS: usize = 104;

/// Layout of the map, in CSS pixels, for a page about 1,280 wide.
const WIDTH: usize = 1_200;
const LABEL_WIDTH: usize = 120;
const TOTAL_WIDTH: usize = 56;
const ROW_HEIGHT: usize = 22;
const HEADER_HEIGHT: usize = 40;
const MIN_CELL: usize = 6;
/// Cells at least this wide carry their hotspot's rank.
const RANKED_CELL: usize = 16;
const MAX_CELL: usize = 72;

/// Sequential colours from few to many petitions (ColorBrewer OrRd, 5 classes).
const PALETTE: [(u8, u8, u8); 5] = [
    (0xfe, 0xf0, 0xd9),
    (0xfd, 0xcc, 0x8a),
    (0xfc, 0x8d, 0x59),
    (0xe3, 0x4a, 0x33),
    (0xb3, 0x00, 0x00),
];

/// Colour of an empty cell.
const EMPTY: &str = "#f1f3f5";

/// Chinese names of the risk kinds of `pr-analysis`; other kinds are shown as they are.
fn risk_name(kind: &str) -> &str {
    match kind {
        "collective" => "群体性",
        "self_harm" => "自伤自杀",
        "violence" => "暴力倾向",
        "escalation" => "越级上访",
        "vulnerable" => "弱势群体",
        "safety_hazard" => "安全隐患",
        "repeat" => "重复信访",
        "media" => "媒体曝光",
        other => other,
    }
}

/// Escapes text for HTML element content and quoted attribute values (and SVG, which is
/// XML): petition titles and ids are user input.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and newline are not allowed in XML.
            c if c.is_control() && c != '\t' && c != '\n' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn place_name(place: &str) -> &str {
    if place.is_empty() {
        "未知地区"
    } else {
        place
    }
}

/// A self-contained HTML page: `title`, a summary line, the heat map of `map` (petitions by
/// place and window, the cells of `hotspots` outlined and numbered by rank) with its legend,
/// and the table of `hotspots` in the order given (pass [`crate::find`]'s, hottest first).
/// Every piece of text is escaped; the page loads nothing (inline CSS, system fonts, no
/// scripts) and is laid out for a window about 1,280 pixels wide.
pub fn report_html(hotspots: &[Hotspot], map: &HeatMap, title: &str) -> String {
    let mut html = String::with_capacity(64 * 1024 + hotspots.len() * 2048);
    let title = escape(title);
    let _ = write!(
        html,
        r#"<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{title}</h1>
"#
    );
    summary(&mut html, hotspots, map);
    html.push_str("<h2>热力图：地区 × 时间</h2>\n");
    heat_map(&mut html, hotspots, map);
    html.push_str("<h2>热点聚集</h2>\n");
    table(&mut html, hotspots, map.window_days());
    html.push_str(NOTE);
    html.push_str("</body>\n</html>\n");
    html
}

fn summary(html: &mut String, hotspots: &[Hotspot], map: &HeatMap) {
    let span = match map.columns() {
        0 => String::new(),
        n => format!(
            " · {} 至 {}",
            iso_date_of(i64::from(map.column_start(0))),
            iso_date_of(i64::from(map.column_start(n - 1)) + i64::from(map.window_days()) - 1)
        ),
    };
    let _ = writeln!(
        html,
        "<p class=\"summary\">共 {} 件信访 · {} 个地区{} · 时间窗 {} 天 · 热点 {} 个</p>",
        map.petitions(),
        map.places().len(),
        span,
        map.window_days(),
        hotspots.len()
    );
}

/// Colour of a share (0..=1) of the largest count, on a square-root scale so that small
/// counts stay visible beside a large one.
fn colour(share: f64) -> String {
    let t = share.clamp(0.0, 1.0).sqrt() * (PALETTE.len() - 1) as f64;
    let i = (t.floor() as usize).min(PALETTE.len() - 2);
    let f = t - i as f64;
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (PALETTE[i], PALETTE[i + 1]);
    format!(
        "#{:02x}{:02x}{:02x}",
        mix(a.0, b.0),
        mix(a.1, b.1),
        mix(a.2, b.2)
    )
}

/// Label of a window column, and of the year above it when that changes.
fn column_label(start: i64, window_days: u32) -> (String, i64) {
    if window_days == 7 {
        let (year, week) = iso_week_of(start);
        (format!("W{week:02}"), year)
    } else {
        let date = iso_date_of(start);
        (date[5..].to_string(), date[..4].parse().unwrap_or(0))
    }
}

fn heat_map(html: &mut String, hotspots: &[Hotspot], map: &HeatMap) {
    if map.columns() == 0 {
        html.push_str("<p class=\"empty\">无信访数据。</p>\n");
        return;
    }
    // Rows: places with hotspots (hottest first), then the busiest others.
    let mut rows: Vec<usize> = Vec::new();
    for h in hotspots {
        if let Some(r) = map.row(&h.place) {
            if !rows.contains(&r) && rows.len() < MAX_ROWS {
                rows.push(r);
            }
        }
    }
    for r in 0..map.places().len() {
        if rows.len() == MAX_ROWS {
            break;
        }
        if !rows.contains(&r) {
            rows.push(r);
        }
    }
    let first = map.columns().saturating_sub(MAX_COLUMNS);
    let columns = map.columns() - first;
    let cell = ((WIDTH - LABEL_WIDTH - TOTAL_WIDTH) / columns).clamp(MIN_CELL, MAX_CELL);
    let width = LABEL_WIDTH + columns * cell + TOTAL_WIDTH;
    let height = HEADER_HEIGHT + rows.len() * ROW_HEIGHT + 4;
    let row_of: HashMap<usize, usize> = rows.iter().enumerate().map(|(y, &r)| (r, y)).collect();
    let max = map
        .cells()
        .filter(|&(r, c, _)| c >= first && row_of.contains_key(&r))
        .map(|(_, _, n)| n)
        .max()
        .unwrap_or(1)
        .max(1);

    let _ = writeln!(
        html,
        r#"<div class="map"><svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="各地区每个时间窗的信访件数">"#
    );
    // Column labels: as many as fit, the year where it changes.
    let step = 36usize.div_ceil(cell);
    let mut last_year = None;
    for c in 0..columns {
        let start = i64::from(map.column_start(first + c));
        let (label, year) = column_label(start, map.window_days());
        let x = LABEL_WIDTH + c * cell + cell / 2;
        if last_year != Some(year) {
            let _ = writeln!(
                html,
                r#"<text class="year" x="{}" y="12">{year}年</text>"#,
                LABEL_WIDTH + c * cell
            );
            last_year = Some(year);
        }
        if c % step == 0 {
            let _ = writeln!(
                html,
                r#"<text class="col" x="{x}" y="{}" text-anchor="middle">{label}</text>"#,
                HEADER_HEIGHT - 8
            );
        }
    }
    let _ = writeln!(
        html,
        r#"<text class="col" x="{}" y="{}" text-anchor="end">合计</text>"#,
        width - 4,
        HEADER_HEIGHT - 8
    );
    // Cells, then the hotspots' outlines on top.
    for (y, &r) in rows.iter().enumerate() {
        let top = HEADER_HEIGHT + y * ROW_HEIGHT;
        let place = &map.places()[r];
        let full = escape(place_name(place));
        let mut shown: String = place_name(place).chars().take(8).collect();
        if place_name(place).chars().count() > 8 {
            shown.push('…');
        }
        let _ = writeln!(
            html,
            r#"<text class="row" x="{}" y="{}" text-anchor="end"><title>{full}</title>{}</text>"#,
            LABEL_WIDTH - 8,
            top + ROW_HEIGHT / 2 + 4,
            escape(&shown)
        );
        let mut total = 0u64;
        for c in 0..columns {
            let n = map.count(r, first + c);
            total += u64::from(n);
            let fill = match n {
                0 => EMPTY.to_string(),
                n => colour(f64::from(n) / f64::from(max)),
            };
            let start = i64::from(map.column_start(first + c));
            let _ = writeln!(
                html,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"><title>{full} · {} 起：{n} 件</title></rect>"#,
                LABEL_WIDTH + c * cell,
                top + 1,
                cell.saturating_sub(1).max(1),
                ROW_HEIGHT - 2,
                iso_date_of(start)
            );
        }
        let _ = writeln!(
            html,
            r#"<text class="total" x="{}" y="{}" text-anchor="end">{total}</text>"#,
            width - 4,
            top + ROW_HEIGHT / 2 + 4
        );
    }
    // One outline a cell, however many hotspots it holds: numbered and linked by the hottest,
    // the others named in its tooltip.
    let mut marked: Vec<((usize, usize), Vec<usize>)> = Vec::new();
    for (rank, h) in hotspots.iter().enumerate() {
        let (Some(r), Some(c)) = (map.row(&h.place), map.column_of(h.window_start)) else {
            continue;
        };
        let (Some(&y), true) = (row_of.get(&r), c >= first) else {
            continue;
        };
        match marked.iter_mut().find(|(at, _)| *at == (y, c - first)) {
            Some((_, ranks)) => ranks.push(rank),
            None => marked.push(((y, c - first), vec![rank])),
        }
    }
    for ((y, c), ranks) in marked.iter().rev() {
        let (x, top) = (LABEL_WIDTH + c * cell, HEADER_HEIGHT + y * ROW_HEIGHT);
        let best = &hotspots[ranks[0]];
        let names: Vec<String> = ranks.iter().map(|r| (r + 1).to_string()).collect();
        let _ = write!(
            html,
            r##"<a href="#h{}"><rect class="hot" x="{}" y="{}" width="{}" height="{}"><title>热点 {}：{} · {} 至 {} · 最热 {} 件，热度 {:.1}</title></rect>"##,
            ranks[0] + 1,
            x,
            top + 1,
            cell.saturating_sub(1).max(1),
            ROW_HEIGHT - 2,
            names.join("、"),
            escape(place_name(&best.place)),
            escape(&best.start_date),
            escape(&best.end_date),
            best.count,
            best.heat
        );
        if cell >= RANKED_CELL && ranks[0] < 99 {
            let more = if ranks.len() > 1 { "+" } else { "" };
            let _ = write!(
                html,
                r#"<text class="rank" x="{}" y="{}" text-anchor="middle">{}{more}</text>"#,
                x + cell / 2,
                top + ROW_HEIGHT / 2 + 4,
                ranks[0] + 1
            );
        }
        html.push_str("</a>\n");
    }
    html.push_str("</svg></div>\n");

    // Legend: the colour ramp with counts on the same square-root scale.
    let ramp: String = (0..=10)
        .map(|i| {
            format!(
                r#"<stop offset="{}%" stop-color="{}"/>"#,
                i * 10,
                colour(f64::from(i) / 10.0)
            )
        })
        .collect();
    let quarter = (f64::from(max) / 4.0).round() as u32;
    let _ = writeln!(
        html,
        r##"<div class="legend"><svg width="820" height="40" viewBox="0 0 820 40" role="img" aria-label="图例">
<defs><linearGradient id="ramp">{ramp}</linearGradient></defs>
<text class="col" x="0" y="22">件数</text>
<rect x="40" y="10" width="220" height="14" fill="url(#ramp)"/>
<text class="col" x="40" y="37" text-anchor="middle">1</text>
<text class="col" x="150" y="37" text-anchor="middle">{quarter}</text>
<text class="col" x="260" y="37" text-anchor="middle">{max}</text>
<rect x="290" y="10" width="14" height="14" fill="{EMPTY}" stroke="#ced4da"/>
<text class="col" x="310" y="22">无</text>
<rect class="hot" x="350" y="10" width="14" height="14" fill="{}"/>
<text class="col" x="370" y="22">{}</text>
</svg></div>"##,
        colour(0.5),
        if cell >= RANKED_CELL {
            "热点（数字为最热者排名，+ 为同格另有热点；点击跳到表格）"
        } else {
            "热点（点击跳到表格）"
        }
    );
    let hidden = map.places().len() - rows.len();
    let mut notes = Vec::new();
    if hidden > 0 {
        notes.push(format!(
            "另有 {hidden} 个地区未显示（信访件数较少且无热点）"
        ));
    }
    if first > 0 {
        notes.push(format!("只显示最近 {MAX_COLUMNS} 个时间窗"));
    }
    if !notes.is_empty() {
        let _ = writeln!(html, "<p class=\"note\">{}。</p>", notes.join("；"));
    }
}

fn growth_text(h: &Hotspot) -> String {
    if h.previous_count == 0 {
        "新增".to_string()
    } else {
        format!("{:+.0}%", h.growth * 100.0)
    }
}

fn counts_text(counts: &[crate::Count], name: impl Fn(&str) -> String) -> String {
    const SHOWN: usize = 4;
    let mut parts: Vec<String> = counts
        .iter()
        .take(SHOWN)
        .map(|c| format!("{} {}", name(&c.name), c.count))
        .collect();
    if counts.len() > SHOWN {
        parts.push(format!("等 {} 个", counts.len()));
    }
    parts.join("<br>")
}

fn table(html: &mut String, hotspots: &[Hotspot], window_days: u32) {
    if hotspots.is_empty() {
        html.push_str("<p class=\"empty\">未发现热点。</p>\n");
        return;
    }
    let _ = writeln!(
        html,
        "<table>\n<thead><tr><th>#</th><th>热度</th><th>地区 · 时间窗（{window_days} 天）</th>\
         <th>件数</th><th>上期</th><th>增长</th><th>信访人</th><th>关键词</th><th>代表标题</th>\
         <th>部门</th><th>风险</th><th>编号</th></tr></thead>\n<tbody>"
    );
    for (rank, h) in hotspots.iter().enumerate() {
        let terms = h
            .top_terms
            .iter()
            .map(|t| format!("<span class=\"term\">{}</span>", escape(t)))
            .collect::<String>();
        let departments = counts_text(&h.departments, escape);
        let risks = if h.risks.is_empty() {
            "—".to_string()
        } else {
            counts_text(&h.risks, |kind| {
                let name = escape(risk_name(kind));
                if HIGH_SEVERITY_RISKS.contains(&kind) {
                    format!("<span class=\"high\">{name}</span>")
                } else {
                    name
                }
            })
        };
        let ids = h.ids.iter().map(|id| escape(id)).collect::<Vec<_>>();
        let _ = writeln!(
            html,
            "<tr id=\"h{n}\"><td class=\"num\">{n}</td><td class=\"num heat\">{heat:.1}</td>\
             <td><b>{place}</b><br><span class=\"dim\">{from} 至 {to}</span></td>\
             <td class=\"num\">{count}</td><td class=\"num\">{previous}</td>\
             <td class=\"num\">{growth}</td><td class=\"num\">{people}</td>\
             <td>{terms}</td><td class=\"title\">{title}</td><td>{departments}</td>\
             <td>{risks}</td><td><details><summary>{count} 件</summary>\
             <div class=\"ids\">{ids}</div></details></td></tr>",
            n = rank + 1,
            heat = h.heat,
            place = escape(place_name(&h.place)),
            from = escape(&h.start_date),
            to = escape(&h.end_date),
            count = h.count,
            previous = h.previous_count,
            growth = growth_text(h),
            people = h
                .petitioners
                .map_or_else(|| "—".to_string(), |p| p.to_string()),
            title = escape(&h.title),
            ids = ids.join("、"),
        );
    }
    html.push_str("</tbody>\n</table>\n");
}

const NOTE: &str = concat!(
    "<p class=\"note\">热度 = 积分 × 增长系数。每件信访得 ½ 分；每位不同的信访人再得 ½ 分",
    "（无信访人标识的按不同人计）；带群体性、自伤自杀、暴力倾向或越级上访风险的每件再加 2 分，",
    "带其他风险的每件加 ½ 分。增长 = (本期件数 − 上期件数) ÷ max(上期件数, 1)，",
    "增长系数 = 1 + min(max(增长, 0), 3) ÷ 3（持平或下降为 1，新增或翻两番为 2）。",
    "上期件数：同一地区上一时间窗中与本热点相似的信访件数。</p>\n"
);

// Keep the note's cap in step with the code.
const _: () = assert!(MAX_SURGE_GROWTH == 3.0);

const STYLE: &str = r#"
:root { color-scheme: light; }
body { margin: 24px auto; max-width: 1240px; padding: 0 16px; color: #212529; background: #fff;
  font: 14px/1.5 system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei",
  "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #dee2e6; }
.summary { color: #495057; margin: 0 0 8px; }
.note, .empty { color: #6c757d; font-size: 12px; }
.map { overflow-x: auto; }
svg { display: block; font-family: inherit; }
svg text { fill: #343a40; }
svg text.col, svg text.year { font-size: 11px; fill: #6c757d; }
svg text.year { font-weight: 600; fill: #343a40; }
svg text.row { font-size: 12px; }
svg text.total { font-size: 11px; fill: #495057; }
svg text.rank { font-size: 10px; font-weight: 700; fill: #fff; paint-order: stroke;
  stroke: #212529; stroke-width: 2px; pointer-events: none; }
svg rect.hot { fill-opacity: 0; stroke: #212529; stroke-width: 2; }
.legend { margin: 4px 0 0 80px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #e9ecef; padding: 6px 6px; text-align: left; vertical-align: top; }
th { background: #f8f9fa; font-weight: 600; white-space: nowrap; position: sticky; top: 0; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
td.heat { font-weight: 700; color: #b30000; }
td.title { min-width: 180px; max-width: 280px; }
tr:target { background: #fff3bf; }
.dim { color: #6c757d; font-size: 12px; white-space: nowrap; }
.term { display: inline-block; background: #fff4e6; border: 1px solid #ffd8a8; border-radius: 3px;
  padding: 0 4px; margin: 0 3px 3px 0; white-space: nowrap; }
.high { color: #c92a2a; font-weight: 600; }
details summary { cursor: pointer; color: #1c7ed6; white-space: nowrap; }
.ids { max-width: 220px; max-height: 160px; overflow: auto; font-size: 12px; color: #495057;
  word-break: break-all; }
"#;
