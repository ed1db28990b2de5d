//! `route`: one petition from the command line or standard input, printed as pretty JSON;
//! or, with `--batch FILE`, every petition of a file as JSON lines.

mod batch;

use crate::model_files::EngineArgs;
use anyhow::{bail, Context, Result};
use clap::Args;
use pr_history::{Column, Columns, Encoding, Labels, OnBadRow, ReadOptions};
use pr_router::Petition;
use std::io::Read;
use std::path::PathBuf;

#[derive(Args)]
pub struct RouteArgs {
    #[command(flatten)]
    engine: EngineArgs,
    /// Route only: leave out the analysis (facts, masked text, demand, channel, risks).
    #[arg(long)]
    no_analysis: bool,
    /// Petition title, if it has one.
    #[arg(long, default_value = "", conflicts_with = "batch")]
    title: String,
    /// How many departments to suggest.
    #[arg(long, default_value_t = 3)]
    top_k: usize,
    /// The place the petition comes from, as the intake desk knows it (district, county or
    /// town, e.g. 甘井子区): it decides the locality (属地管理). With --batch it applies to every
    /// row instead of the file's region column.
    #[arg(long)]
    region: Option<String>,
    /// Route every petition of a history file (JSONL, CSV / TSV, Excel; labels not needed) and
    /// print one JSON line per row, in file order: {"id","row","routing"} or {"id","row","error"}.
    #[arg(long, value_name = "FILE")]
    batch: Option<PathBuf>,
    #[command(flatten)]
    batch_columns: BatchColumns,
    /// Petition text, or - to read it from standard input.
    #[arg(required_unless_present = "batch", conflicts_with = "batch")]
    text: Option<String>,
}

/// Columns and encoding of a `route --batch` file.
#[derive(Args)]
pub struct BatchColumns {
    /// Id column of the batch file [default: recognised headers such as id, 编号].
    #[arg(long, requires = "batch")]
    id_column: Option<Column>,
    /// Title column of the batch file [default: recognised headers such as 标题].
    #[arg(long, requires = "batch")]
    title_column: Option<Column>,
    /// Text column of the batch file [default: recognised headers such as 内容, 留言详情].
    #[arg(long, requires = "batch")]
    text_column: Option<Column>,
    /// Region column of the batch file [default: recognised headers such as region, 区域,
    /// 所属区县, 属地].
    #[arg(long, requires = "batch")]
    region_column: Option<Column>,
    /// Text encoding of the batch file: utf-8, gbk or gb18030 [default: detected].
    #[arg(long, requires = "batch")]
    encoding: Option<Encoding>,
    /// Worksheet of an Excel / ODS batch file [default: the first].
    #[arg(long, requires = "batch")]
    sheet: Option<String>,
}

pub fn route(args: RouteArgs) -> Result<()> {
    if let Some(file) = &args.batch {
        let engine = args.engine.load()?;
        return batch::route_file(
            &engine,
            file,
            &batch_options(&args.batch_columns),
            args.region.as_deref(),
            (args.top_k, !args.no_analysis),
        );
    }
    // clap waives `requires = "batch"` when TEXT (which conflicts with --batch) is given.
    if let Some(flag) = args.batch_columns.given() {
        bail!("{flag} describes the file of --batch FILE: give --batch FILE, or drop {flag}");
    }
    let text = match args.text.as_deref() {
        Some("-") => {
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("cannot read the petition from standard input")?;
            s
        }
        Some(text) => text.to_string(),
        None => bail!("give the petition TEXT, - to read it from standard input, or --batch FILE"),
    };
    let engine = args.engine.load()?;
    let routing = engine.route(
        Petition {
            title: &args.title,
            content: &text,
            region: args.region.as_deref().unwrap_or(""),
            analyse: !args.no_analysis,
            repeat_of: None,
        },
        args.top_k,
    )?;
    println!("{}", serde_json::to_string_pretty(&routing)?);
    Ok(())
}

impl BatchColumns {
    /// The first option given, if any.
    fn given(&self) -> Option<&'static str> {
        [
            (self.id_column.is_some(), "--id-column"),
            (self.title_column.is_some(), "--title-column"),
            (self.text_column.is_some(), "--text-column"),
            (self.region_column.is_some(), "--region-column"),
            (self.encoding.is_some(), "--encoding"),
            (self.sheet.is_some(), "--sheet"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }
}

/// How `route --batch` reads its file: labels ignored, bad rows kept for their error lines.
fn batch_options(c: &BatchColumns) -> ReadOptions {
    ReadOptions {
        format: None,
        columns: Columns {
            id: c.id_column.clone(),
            title: c.title_column.clone(),
            text: c.text_column.clone(),
            label: None,
            region: c.region_column.clone(),
            kind: None,
            date: None,
        },
        labels: Labels::Ignored,
        on_bad_row: OnBadRow::Skip,
        encoding: c.encoding,
        sheet: c.sheet.clone(),
    }
}
