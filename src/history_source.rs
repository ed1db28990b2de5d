//! The labelled history `train`, `eval`, `promote` and `catalogue from-history` read: a file
//! (JSONL, CSV / TSV, Excel) or a feedback store's confirmed outcomes, with the options that
//! say which columns hold what.

use anyhow::{bail, Result};
use clap::Args;
use pr_catalogue::CatalogueSource;
use pr_feedback::{redact_url, StoreUrl};
use pr_history::{Column, Columns, Encoding, Labels, OnBadRow, ReadOptions, Record};
use pr_model::ModelSource;
use pr_router::{Engine, EngineSources, LabelledPetition};
use std::path::{Path, PathBuf};

/// Which columns of a history file hold what, and what to do with bad rows.
#[derive(Args)]
pub struct HistoryArgs {
    /// Labelled history: JSONL (title, text, label), CSV / TSV with a header row, or Excel.
    #[arg(
        long,
        required_unless_present = "history_store",
        conflicts_with = "history_store"
    )]
    history: Option<PathBuf>,
    /// Or the confirmed outcomes of a feedback store (sqlite:PATH or postgres://…), as
    /// `export-history` would write them.
    #[arg(long)]
    history_store: Option<StoreUrl>,
    /// Title column (name or 1-based number) [default: recognised headers such as 标题].
    #[arg(long)]
    title_column: Option<Column>,
    /// Text column [default: recognised headers such as 内容, 留言详情, 诉求内容].
    #[arg(long)]
    text_column: Option<Column>,
    /// Label column [default: recognised headers such as 受理单位, 承办单位, 一级分类].
    #[arg(long)]
    label_column: Option<Column>,
    /// Region column: the intake desk's district or town [default: recognised headers such
    /// as region, 区域, 所属区县, 属地; none is needed].
    #[arg(long)]
    region_column: Option<Column>,
    /// Kind column: what kind of petition each row was filed as (咨询问题, 投诉 …), which the
    /// model's demand type learns [default: recognised headers such as letter_type, 信件类型,
    /// 诉求类型; none is needed].
    #[arg(long)]
    kind_column: Option<Column>,
    /// Skip rows without text or label (each is reported) instead of stopping at the first.
    #[arg(long)]
    skip_bad_rows: bool,
    /// Text encoding: utf-8, gbk or gb18030 [default: detected from the file].
    #[arg(long)]
    encoding: Option<Encoding>,
    /// Worksheet of an Excel / ODS history [default: the first].
    #[arg(long)]
    sheet: Option<String>,
}

/// A model and the labelled history to judge it on (`eval`, `promote`).
#[derive(Args)]
pub struct ModelOnHistory {
    /// Model file.
    #[arg(long)]
    pub model: PathBuf,
    #[command(flatten)]
    pub history: HistoryArgs,
    /// Keyword-list directory [default: as for route].
    #[arg(long)]
    pub catalogue: Option<PathBuf>,
}

impl ModelOnHistory {
    /// The keyword lists: `--catalogue`, else as for `route`.
    pub fn catalogue(&self) -> CatalogueSource {
        crate::model_files::catalogue(self.catalogue.clone())
    }

    /// An engine for the model file `model` (this one's, or one to compare it with) over
    /// these keyword lists.
    pub fn engine(&self, model: &Path) -> Result<Engine> {
        Ok(Engine::load(&EngineSources {
            model: ModelSource::File(model.to_path_buf()),
            catalogue: self.catalogue(),
            lists: crate::model_files::shipped_lists(),
        })?)
    }
}

/// Where the labelled rows come from.
pub enum HistorySource<'a> {
    File(&'a PathBuf),
    /// A feedback store URL.
    Store(&'a StoreUrl),
}

impl HistoryArgs {
    /// The file or store given (clap requires exactly one).
    pub fn source(&self) -> HistorySource<'_> {
        match (&self.history, &self.history_store) {
            (Some(path), _) => HistorySource::File(path),
            (None, Some(url)) => HistorySource::Store(url),
            (None, None) => unreachable!("clap requires --history or --history-store"),
        }
    }

    /// What the history was read from, for messages and the model card; never a password.
    pub fn describe(&self) -> String {
        match self.source() {
            HistorySource::File(path) => path.display().to_string(),
            HistorySource::Store(url) => {
                format!("feedback store {}", redact_url(&url.as_given()))
            }
        }
    }

    /// The file's name alone (directories may name people), or the store, for the model card.
    pub fn card_name(&self) -> String {
        match self.source() {
            HistorySource::File(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            HistorySource::Store(_) => self.describe(),
        }
    }

    /// Streams the history once to tell on standard error what it holds: rows read and
    /// skipped, duplicates, conflicting and rare labels. Holds no text, so it works on any
    /// size of file.
    pub fn report(&self) -> Result<pr_history::Summary> {
        let mut counter = pr_history::SummaryCounter::default();
        let (path, encoding, skipped) = match self.source() {
            HistorySource::File(path) => {
                let mut records = pr_history::records(path, &self.read_options())?;
                for r in records.by_ref() {
                    counter.add(&r?);
                }
                (path.clone(), records.encoding(), records.into_skipped())
            }
            HistorySource::Store(url) => {
                let history = store_history(url)?;
                history.records.iter().for_each(|r| counter.add(r));
                (history.path, history.encoding, history.skipped)
            }
        };
        let summary = counter.finish(skipped.len());
        eprintln!(
            "{} ({encoding}): {} rows read, {} skipped",
            path.display(),
            summary.rows,
            skipped.len()
        );
        for s in &skipped {
            eprintln!("  skipped row {}: {}", s.row, s.reason);
        }
        eprintln!("{summary}");
        Ok(summary)
    }

    /// The labelled rows of the history, read one at a time (bad rows are skipped or fail as
    /// [`HistoryArgs::report`] reported).
    pub fn labelled_rows(&self) -> Result<Box<dyn Iterator<Item = Result<LabelledPetition>>>> {
        let (source, records): (String, Box<dyn Iterator<Item = Result<Record>>>) =
            match self.source() {
                HistorySource::File(path) => (
                    path.display().to_string(),
                    Box::new(pr_history::records(path, &self.read_options())?.map(|r| Ok(r?))),
                ),
                HistorySource::Store(url) => {
                    let history = store_history(url)?;
                    (
                        history.path.display().to_string(),
                        Box::new(history.records.into_iter().map(Ok)),
                    )
                }
            };
        Ok(Box::new(records.map(move |r| {
            let r = r?;
            match r.label {
                Some(label) => Ok(LabelledPetition {
                    title: r.title,
                    text: r.text,
                    label,
                    region: r.region.unwrap_or_default(),
                    kind: r.kind,
                }),
                None => bail!("{source}:{}: row has no label", r.row),
            }
        })))
    }

    fn read_options(&self) -> ReadOptions {
        ReadOptions {
            format: None,
            columns: Columns {
                id: None,
                title: self.title_column.clone(),
                text: self.text_column.clone(),
                label: self.label_column.clone(),
                region: self.region_column.clone(),
                kind: self.kind_column.clone(),
                // Training reads no dates.
                date: None,
            },
            labels: Labels::Required,
            on_bad_row: if self.skip_bad_rows {
                OnBadRow::Skip
            } else {
                OnBadRow::Fail
            },
            encoding: self.encoding,
            sheet: self.sheet.clone(),
        }
    }
}

/// The confirmed outcomes of a feedback store as a history; rows are numbered in the order
/// `export-history` writes them.
fn store_history(url: &StoreUrl) -> Result<pr_history::History> {
    let store = pr_feedback::Store::open(url)?;
    let records = store
        .history()?
        .into_iter()
        .enumerate()
        .map(|(i, r)| Record {
            row: i + 1,
            id: Some(r.id),
            title: r.title,
            text: r.text,
            label: Some(r.label),
            // Trimmed, blank as none: as the history readers give a region column.
            region: Some(r.region.trim().to_string()).filter(|region| !region.is_empty()),
            // The store keeps no kinds.
            kind: None,
            date: None,
        })
        .collect();
    Ok(pr_history::History {
        path: PathBuf::from(store.name()),
        encoding: Encoding::Utf8,
        records,
        skipped: Vec::new(),
    })
}
