//! `hotspots`: clusters of similar petitions in one place and window (聚集性风险), hottest
//! first, from a history file or a feedback store: JSON for machines, a self-contained HTML
//! report (heat map by district × week and the cluster table) for leaders.

use crate::model_files::EngineArgs;
use anyhow::{bail, Context, Result};
use clap::Args;
use pr_feedback::StoreUrl;
use pr_history::{Column, Columns, Labels, OnBadRow, ReadOptions};
use pr_hotspots::{HeatMap, Params};
use pr_server::Dated;
use std::path::PathBuf;

#[derive(Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["history", "store"])))]
pub struct HotspotsArgs {
    /// Dated petitions: a history file (JSONL, CSV / TSV, Excel) with a date column; labels
    /// are not needed.
    #[arg(long)]
    history: Option<PathBuf>,
    /// Or the petitions a feedback store keeps (sqlite:PATH or postgres://…), dated by when
    /// they were routed.
    #[arg(long)]
    store: Option<StoreUrl>,
    /// Date column of the history file [default: recognised headers such as date, 日期,
    /// 受理时间].
    #[arg(long)]
    date_column: Option<Column>,
    /// Region column of the history file: the petition's district when known; otherwise the
    /// place the text names decides [default: recognised headers such as region, 区域].
    #[arg(long)]
    region_column: Option<Column>,
    /// Length of a window: whole days, e.g. 7d (ISO weeks) or 30d.
    #[arg(long, default_value = "7d", value_parser = window_days)]
    window: u32,
    /// Petitions a cluster needs to be a hotspot.
    #[arg(long, default_value_t = 3)]
    min_count: usize,
    /// Print `{"hotspots": [...]}` instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write a self-contained HTML report: heat map by district × window and the table.
    #[arg(long)]
    html: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
}

fn window_days(s: &str) -> Result<u32, String> {
    let d = humantime::parse_duration(s).map_err(|e| format!("{e}: give whole days, e.g. 7d"))?;
    let secs = d.as_secs();
    if secs == 0 || secs % 86_400 != 0 || d.subsec_nanos() != 0 {
        return Err(format!(
            "{s} is not a whole number of days: give e.g. 7d or 30d"
        ));
    }
    u32::try_from(secs / 86_400).map_err(|_| format!("{s} is too long"))
}

pub fn hotspots(args: HotspotsArgs) -> Result<()> {
    let params = Params::default()
        .window_days(args.window)
        .min_count(args.min_count)
        .check()?;
    let raw = match (&args.history, &args.store) {
        (Some(path), _) => from_history(path, &args)?,
        (None, Some(url)) => from_store(url)?,
        (None, None) => unreachable!("clap requires one"),
    };
    let engine = args.engine.load()?;
    let (petitions, hotspots) = pr_server::find_hotspots(&engine, raw, &params, true)?;
    if let Some(path) = &args.html {
        let map = HeatMap::new(&petitions, &params);
        let html = pr_hotspots::report_html(&hotspots, &map, "信访热点 (聚集性风险)");
        std::fs::write(path, html).with_context(|| format!("cannot write {}", path.display()))?;
    }
    if args.json {
        println!("{}", serde_json::json!({ "hotspots": hotspots }));
    } else {
        println!(
            "{} hotspots in {} petitions (windows of {} days), hottest first:",
            hotspots.len(),
            petitions.len(),
            args.window
        );
        for h in &hotspots {
            println!(
                "  heat {:>6.1}  {} {}  {} petitions (before: {})  {}",
                h.heat,
                h.place,
                h.start_date,
                h.count,
                h.previous_count,
                h.top_terms.join(" ")
            );
        }
    }
    Ok(())
}

fn from_history(path: &std::path::Path, args: &HotspotsArgs) -> Result<Vec<Dated>> {
    let options = ReadOptions {
        columns: Columns {
            date: args.date_column.clone(),
            region: args.region_column.clone(),
            ..Columns::default()
        },
        labels: Labels::Ignored,
        on_bad_row: OnBadRow::Fail,
        ..ReadOptions::default()
    };
    let history = pr_history::read_history(path, &options)?;
    history
        .records
        .into_iter()
        .map(|r| {
            let Some(date) = r.date.as_deref() else {
                bail!(
                    "{}:{}: the row has no date: give the date column with --date-column",
                    path.display(),
                    r.row
                );
            };
            let Some(day) = pr_hotspots::date::parse_date(date) else {
                bail!(
                    "{}:{}: date '{date}' is not a date: write it as YYYY-MM-DD (a time after it is ignored)",
                    path.display(),
                    r.row
                );
            };
            Ok(Dated {
                id: r.id.unwrap_or_else(|| format!("row-{}", r.row)),
                day,
                title: r.title,
                text: r.text,
                region: r.region.unwrap_or_default(),
                petitioner: None,
            })
        })
        .collect()
}

fn from_store(url: &StoreUrl) -> Result<Vec<Dated>> {
    let store = pr_feedback::Store::open(url)?;
    Ok(store
        .recent(0)?
        .into_iter()
        .map(Dated::from_store)
        .collect())
}
