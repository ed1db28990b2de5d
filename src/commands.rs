//! The `route`, `train` and `eval` commands.

use crate::paths;
use anyhow::{bail, Context, Result};
use clap::Args;
use pr_catalogue::Catalogue;
use pr_history::{Column, Columns, Encoding, Labels, OnBadRow, ReadOptions};
use pr_model::{mcnemar, ClassWeight, Metrics, Model, ModelCard, TrainParams, Verdict};
use pr_router::{Engine, EngineOptions, LabelledPetition, Petition, TrainOptions, TrainStage};
use pr_text::FeatureConfig;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct RouteArgs {
    /// Model file [default: $PETITION_ROUTER_MODEL, else the shipped models/default.model].
    #[arg(long)]
    model: Option<PathBuf>,
    /// Keyword-list directory [default: $PETITION_ROUTER_CATALOGUE, else keyword-lists/].
    #[arg(long)]
    catalogue: Option<PathBuf>,
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

/// Which columns of a history file hold what, and what to do with bad rows.
#[derive(Args)]
pub struct HistoryArgs {
    /// Labelled history: JSONL (title, text, label), CSV / TSV with a header row, or Excel.
    #[arg(
        long,
        required_unless_present = "history_store",
        conflicts_with = "history_store"
    )]
    pub(crate) history: Option<PathBuf>,
    /// Or the confirmed outcomes of a feedback store (sqlite:PATH or postgres://…), as
    /// `export-history` would write them.
    #[arg(long)]
    history_store: Option<String>,
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

#[derive(Args)]
pub struct TrainArgs {
    #[command(flatten)]
    history: HistoryArgs,
    /// Where to write the model; the model card goes beside it (.card.json, .card.md).
    #[arg(long)]
    out: PathBuf,
    /// Keyword-list directory whose keywords join the segmenter's dictionary.
    #[arg(long)]
    catalogue: Option<PathBuf>,
    /// Cross-validation folds (report, calibration and fusion); 0 or 1 skips them.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Validate on one stratified fold (1/--folds of the rows) instead of every fold: a
    /// held-out split, --folds times less fitting, for large histories.
    #[arg(long)]
    holdout: bool,
    /// Inverse regularisation strength.
    #[arg(long, default_value_t = 1.0)]
    c: f32,
    /// Class weighting: sqrt-balanced, balanced or uniform.
    #[arg(long, default_value = "sqrt-balanced", value_parser = parse_class_weight)]
    class_weight: ClassWeight,
    /// Seed: the same seed and data give the same model.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Minimum number of documents a feature must occur in.
    #[arg(long, default_value_t = 2)]
    min_df: u32,
    /// Hash space is 2^bits buckets.
    #[arg(long, default_value_t = FeatureConfig::default().hash_bits)]
    hash_bits: u8,
    /// Character n-gram range, e.g. 1-3; 0 disables character n-grams.
    #[arg(long, default_value = "1-2")]
    char_ngrams: String,
    /// Word n-grams: 1 (words) or 2 (words and word pairs).
    #[arg(long, default_value_t = 1)]
    word_ngrams: u8,
}

/// A model and the labelled history to judge it on (`eval`, `promote`).
#[derive(Args)]
pub struct ModelOnHistory {
    /// Model file.
    #[arg(long)]
    pub(crate) model: PathBuf,
    #[command(flatten)]
    pub(crate) history: HistoryArgs,
    /// Keyword-list directory [default: as for route].
    #[arg(long)]
    pub(crate) catalogue: Option<PathBuf>,
}

#[derive(Args)]
pub struct EvalArgs {
    #[command(flatten)]
    target: ModelOnHistory,
    /// Compare with this model (e.g. the one serving now) on the same rows: both tables,
    /// F1 change per label and McNemar's test of whether the difference is chance.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Print one JSON object (n, accuracy, macro_f1, top3_accuracy, per_label, confused,
    /// locality_accuracy, locality_n; with --baseline: model, baseline, comparison,
    /// per_label_f1_delta).
    #[arg(long)]
    json: bool,
    /// Ignore the history's region column: route on the text alone.
    #[arg(long)]
    no_region_hint: bool,
}

fn parse_class_weight(s: &str) -> Result<ClassWeight, String> {
    match s {
        "sqrt-balanced" => Ok(ClassWeight::SqrtBalanced),
        "balanced" => Ok(ClassWeight::Balanced),
        "uniform" => Ok(ClassWeight::Uniform),
        _ => Err(format!(
            "'{s}' is not a class weighting: use sqrt-balanced, balanced or uniform"
        )),
    }
}

fn parse_char_ngrams(s: &str) -> Result<(u8, u8)> {
    if s == "0" {
        return Ok((0, 0));
    }
    let (lo, hi) = s.split_once('-').unwrap_or((s, s));
    let parse = |v: &str| {
        v.trim()
            .parse::<u8>()
            .with_context(|| format!("--char-ngrams '{s}': expected a range like 1-3, or 0"))
    };
    Ok((parse(lo)?, parse(hi)?))
}

pub(crate) fn load_engine(model: &Path, catalogue: &Path) -> Result<Engine> {
    let model = Model::load(model)?;
    let catalogue = Catalogue::load_dir(catalogue)?;
    Ok(Engine::new(model, catalogue, EngineOptions::default())?)
}

pub fn route(args: RouteArgs) -> Result<()> {
    if let Some(file) = &args.batch {
        let engine = load_engine(&paths::model(args.model), &paths::catalogue(args.catalogue))?;
        return crate::batch::route_file(
            &engine,
            file,
            &batch_options(&args.batch_columns),
            args.region.as_deref(),
            args.top_k,
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
    let engine = load_engine(&paths::model(args.model), &paths::catalogue(args.catalogue))?;
    let routing = engine.route(
        Petition {
            title: &args.title,
            content: &text,
            region: args.region.as_deref().unwrap_or(""),
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
        },
        labels: Labels::Ignored,
        on_bad_row: OnBadRow::Skip,
        encoding: c.encoding,
        sheet: c.sheet.clone(),
    }
}

fn read_options(args: &HistoryArgs) -> ReadOptions {
    ReadOptions {
        format: None,
        columns: Columns {
            id: None,
            title: args.title_column.clone(),
            text: args.text_column.clone(),
            label: args.label_column.clone(),
            region: args.region_column.clone(),
        },
        labels: Labels::Required,
        on_bad_row: if args.skip_bad_rows {
            OnBadRow::Skip
        } else {
            OnBadRow::Fail
        },
        encoding: args.encoding,
        sheet: args.sheet.clone(),
    }
}

/// Streams the history once to tell on standard error what it holds: rows read and skipped,
/// duplicates, conflicting and rare labels. Holds no text, so it works on any size of file.
pub(crate) fn report_history(args: &HistoryArgs) -> Result<pr_history::Summary> {
    let mut counter = pr_history::SummaryCounter::default();
    let (path, encoding, skipped) = match (&args.history, &args.history_store) {
        (Some(path), _) => {
            let mut records = pr_history::records(path, &read_options(args))?;
            for r in records.by_ref() {
                counter.add(&r?);
            }
            (path.clone(), records.encoding(), records.into_skipped())
        }
        (None, Some(url)) => {
            let history = store_history(url)?;
            history.records.iter().for_each(|r| counter.add(r));
            (history.path, history.encoding, history.skipped)
        }
        (None, None) => bail!("give --history FILE or --history-store URL"),
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
/// [`report_history`] reported).
pub(crate) fn labelled_rows(
    args: &HistoryArgs,
) -> Result<Box<dyn Iterator<Item = Result<LabelledPetition>>>> {
    let (source, records): (String, Box<dyn Iterator<Item = Result<pr_history::Record>>>) =
        match (&args.history, &args.history_store) {
            (Some(path), _) => (
                path.display().to_string(),
                Box::new(pr_history::records(path, &read_options(args))?.map(|r| Ok(r?))),
            ),
            (None, Some(url)) => {
                let history = store_history(url)?;
                (
                    history.path.display().to_string(),
                    Box::new(history.records.into_iter().map(Ok)),
                )
            }
            (None, None) => bail!("give --history FILE or --history-store URL"),
        };
    Ok(Box::new(records.map(move |r| {
        let r = r?;
        match r.label {
            Some(label) => Ok(LabelledPetition {
                title: r.title,
                text: r.text,
                label,
                region: r.region.unwrap_or_default(),
            }),
            None => bail!("{source}:{}: row has no label", r.row),
        }
    })))
}

/// The confirmed outcomes of a feedback store as a history; rows are numbered in the order
/// `export-history` writes them.
fn store_history(url: &str) -> Result<pr_history::History> {
    let store = pr_feedback::Store::open(url)?;
    let records = store
        .history()?
        .into_iter()
        .enumerate()
        .map(|(i, r)| pr_history::Record {
            row: i + 1,
            id: Some(r.id),
            title: r.title,
            text: r.text,
            label: Some(r.label),
            // Trimmed, blank as none: as the history readers give a region column.
            region: Some(r.region.trim().to_string()).filter(|region| !region.is_empty()),
        })
        .collect();
    Ok(pr_history::History {
        path: PathBuf::from(store.name()),
        encoding: Encoding::Utf8,
        records,
        skipped: Vec::new(),
    })
}

impl HistoryArgs {
    /// What the history was read from, for messages and the model card.
    pub(crate) fn source(&self) -> String {
        match (&self.history, &self.history_store) {
            (Some(path), _) => path.display().to_string(),
            // The model card must not carry a password.
            (None, Some(url)) => format!("feedback store {}", pr_feedback::redact_url(url)),
            (None, None) => String::new(),
        }
    }
}

pub fn train(args: TrainArgs) -> Result<()> {
    // Read twice: once to report what the history holds, then as training goes, so that no
    // more than the features of a large history is ever in memory.
    if args.holdout && args.folds < 2 {
        bail!(
            "--holdout holds out one of --folds folds: give --folds 2 or more (10 holds out 10 %)"
        );
    }
    let summary = report_history(&args.history)?;
    let rows = labelled_rows(&args.history)?;
    let catalogue_dir = paths::catalogue(args.catalogue);
    let catalogue = Catalogue::load_dir(&catalogue_dir)?;
    let gazetteer = pr_locality::Gazetteer::shipped();
    let settings = catalogue.settings();
    let jurisdiction = settings.jurisdiction.or_else(|| {
        pr_router::infer_jurisdiction(
            gazetteer,
            summary.labels.iter().map(|(l, _)| l.as_str()),
            &settings.place_aliases,
        )
    });
    if let Some(j) = jurisdiction.and_then(|j| gazetteer.get(j)) {
        eprintln!(
            "jurisdiction: {} (declared by the catalogue, else where the labels' districts and towns lie)",
            j.name
        );
    }
    let (char_ngram_min, char_ngram_max) = parse_char_ngrams(&args.char_ngrams)?;
    let options = TrainOptions {
        params: TrainParams::new()
            .c(args.c)
            .class_weight(args.class_weight)
            .seed(args.seed)
            .min_df(args.min_df),
        features: FeatureConfig {
            hash_bits: args.hash_bits,
            word_ngrams: args.word_ngrams,
            char_ngram_min,
            char_ngram_max,
            ..FeatureConfig::default()
        },
        folds: args.folds,
        held_out_split: args.holdout,
        max_chars: EngineOptions::default().max_chars,
        // The file name only: directories may name people.
        history_file: match &args.history.history {
            Some(path) => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            None => args.history.source(),
        },
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        jurisdiction,
    };
    // Stages: features, each fold, calibration, final fit. Drawn only on a terminal.
    let steps = match (options.folds >= 2, options.held_out_split) {
        (false, _) => 2,
        (true, true) => 4,
        (true, false) => options.folds + 3,
    };
    let bar = indicatif::ProgressBar::new(steps as u64).with_style(
        indicatif::ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    let (mut model, report) =
        pr_router::train_with_progress(rows, &catalogue, &options, &|stage| {
            bar.inc(u64::from(stage != TrainStage::Features));
            bar.set_message(match stage {
                TrainStage::Features => "segmenting and hashing".to_string(),
                TrainStage::Fold { fold, folds } => {
                    format!("cross-validation fold {}/{folds}", fold + 1)
                }
                TrainStage::Calibration => "calibration and fusion".to_string(),
                TrainStage::FinalFit => "final fit on all rows".to_string(),
            });
        })?;
    bar.finish_and_clear();
    if !report.unknown_labels.is_empty() {
        eprintln!(
            "warning: {} label(s) are not known to any department of {}; each is kept as a routing target of its own: {}",
            report.unknown_labels.len(),
            catalogue_dir.display(),
            report.unknown_labels.join(", ")
        );
    }
    if !report.merged_labels.is_empty() {
        eprintln!(
            "{} label(s) name the same unit as another and are trained as one (name → unit):",
            report.merged_labels.len()
        );
        for (name, unit) in &report.merged_labels {
            eprintln!("  {name} → {unit}");
        }
    }
    model.save(&args.out)?;
    write_card(&args.out, &model)?;
    let card = model.card();
    eprintln!(
        "trained on {} rows, {} labels in {:.2} s; model {} (version {})",
        card.history.rows,
        model.labels().len(),
        card.train_seconds,
        args.out.display(),
        model.version()
    );
    if let Some(cv) = &card.cross_validation {
        eprintln!("{}, model + keywords fused:", cv.method());
        eprint!("{}", metrics_table(&cv.fused, "  "));
        eprintln!(
            "model alone: accuracy {:.4}, macro-F1 {:.4}, top-3 {:.4}; calibration error {:.4}",
            cv.model.accuracy, cv.model.macro_f1, cv.model.top3_accuracy, cv.calibration_error
        );
        if let Some(m) = &cv.model_in_hinted_district {
            eprintln!(
                "model alone, restricted to the hinted district's units and the city's: accuracy {:.4}, macro-F1 {:.4}, top-3 {:.4}",
                m.accuracy, m.macro_f1, m.top3_accuracy
            );
        }
    }
    Ok(())
}

/// Writes the model card as JSON and Markdown beside the model.
fn write_card(model_path: &Path, model: &Model) -> Result<()> {
    let card: &ModelCard = model.card();
    let json_path = model_path.with_extension("card.json");
    let mut json = serde_json::to_value(card)?;
    json["model_version"] = model.version().into();
    json["labels"] = model.labels().into();
    std::fs::write(&json_path, serde_json::to_string_pretty(&json)? + "\n")
        .with_context(|| format!("cannot write {}", json_path.display()))?;
    let md_path = model_path.with_extension("card.md");
    std::fs::write(&md_path, card_markdown(model))
        .with_context(|| format!("cannot write {}", md_path.display()))?;
    Ok(())
}

fn card_markdown(model: &Model) -> String {
    let c = model.card();
    let p = &c.params;
    let f = model.extractor().config();
    let mut s = format!(
        "# Model card: {}\n\n\
         - version (checksum): `{}`\n- trained: {} by petition-router {} in {:.2} s\n\
         - history: `{}`, {} rows, fingerprint `{}`\n- catalogue: `{}`\n\
         - labels ({}): {}\n\n## Parameters\n\n\
         - features: word n-grams 1-{}, character n-grams {}-{}, 2^{} hash buckets, jieba HMM {}\n\
         - solver: one-vs-rest L2-loss linear SVM (dual coordinate descent), C = {}, class weight {:?}, \
         min_df {}, seed {}, at most {} epochs, tolerance {}\n\
         - calibration: softmax temperature {:.3}; fusion layer {}\n",
        model.labels().len().to_string() + "-label petition router",
        model.version(),
        c.created_at,
        c.tool_version,
        c.train_seconds,
        c.history.file,
        c.history.rows,
        c.history.fingerprint,
        c.catalogue_version,
        model.labels().len(),
        model.labels().join(", "),
        f.word_ngrams,
        f.char_ngram_min,
        f.char_ngram_max,
        f.hash_bits,
        f.hmm,
        p.c,
        p.class_weight,
        p.min_df,
        p.seed,
        p.max_epochs,
        p.tolerance,
        model.calibration().temperature,
        if model.calibration().fusion.is_some() { "fitted on held-out folds" } else { "none" },
    );
    if let Some(h) = model.line_head() {
        s += &format!(
            "- line head: {} lines of duty, each trained on its units' rows at every place pooled; \
             softmax temperature {:.3}\n",
            h.labels.len(),
            h.temperature
        );
    }
    if let Some(cv) = &c.cross_validation {
        s += &format!(
            "\n## {}\n\n| | accuracy | macro-F1 | top-3 |\n|---|---|---|---|\n\
             | model alone | {:.4} | {:.4} | {:.4} |\n| model + keywords (as routed) | {:.4} | {:.4} | {:.4} |\n\n\
             Expected calibration error of the routed confidence: {:.4}. The fusion layer is fitted \
             on the same held-out predictions it is scored on ({} weights), so its row is slightly optimistic.\n\n\
             | label | precision | recall | F1 | support |\n|---|---|---|---|---|\n",
            cv.method(),
            cv.model.accuracy,
            cv.model.macro_f1,
            cv.model.top3_accuracy,
            cv.fused.accuracy,
            cv.fused.macro_f1,
            cv.fused.top3_accuracy,
            cv.calibration_error,
            model.calibration().fusion.as_ref().map_or(0, |f| f.weights.len()),
        );
        if let Some(m) = &cv.model_in_hinted_district {
            s += &format!(
                "Baseline with the region hint: the model alone restricted to the units of each row's \
                 hinted district and the city's own: accuracy {:.4}, macro-F1 {:.4}, top-3 {:.4}.\n\n",
                m.accuracy, m.macro_f1, m.top3_accuracy
            );
        }
        for l in &cv.fused.per_label {
            s += &format!(
                "| {} | {:.4} | {:.4} | {:.4} | {} |\n",
                l.label, l.precision, l.recall, l.f1, l.support
            );
        }
    }
    s
}

/// The metrics table: one summary line, then one line per label.
fn metrics_table(m: &Metrics, indent: &str) -> String {
    let mut t = format!(
        "{indent}rows {}  accuracy {:.4}  macro-F1 {:.4}  top-3 {:.4}\n{indent}{:<24} {:>9} {:>7} {:>7} {:>8}\n",
        m.n, m.accuracy, m.macro_f1, m.top3_accuracy, "label", "precision", "recall", "F1", "support"
    );
    for l in &m.per_label {
        t += &format!(
            "{indent}{:<24} {:>9.4} {:>7.4} {:>7.4} {:>8}\n",
            l.label, l.precision, l.recall, l.f1, l.support
        );
    }
    if !m.confused.is_empty() {
        t += &format!("{indent}most confused (true → predicted: rows):\n");
        for c in &m.confused {
            t += &format!("{indent}  {} → {}: {}\n", c.truth, c.predicted, c.count);
        }
    }
    t
}

pub fn eval(args: EvalArgs) -> Result<()> {
    let ModelOnHistory {
        model,
        history,
        catalogue,
    } = &args.target;
    report_history(history)?;
    let catalogue = paths::catalogue(catalogue.clone());
    let engine = load_engine(model, &catalogue)?;
    let baseline_engine = match &args.baseline {
        Some(path) => Some(load_engine(path, &catalogue)?),
        None => None,
    };
    let engines: Vec<&Engine> = std::iter::once(&engine)
        .chain(baseline_engine.as_ref())
        .collect();
    let mut evaluations =
        pr_router::evaluate(&engines, labelled_rows(history)?, !args.no_region_hint)?.into_iter();
    let evaluation = evaluations.next().expect("one evaluation per engine");
    let (Some(baseline_path), Some(baseline_engine), Some(baseline)) =
        (&args.baseline, &baseline_engine, evaluations.next())
    else {
        if args.json {
            let mut json = serde_json::to_value(&evaluation.metrics)?;
            json["locality_accuracy"] = evaluation.locality.accuracy().into();
            json["locality_n"] = evaluation.locality.n.into();
            println!("{json}");
        } else {
            println!(
                "model {} (version {}) on {}",
                model.display(),
                engine.model().version(),
                history.source()
            );
            print!("{}", metrics_table(&evaluation.metrics, ""));
            if let Some(a) = evaluation.locality.accuracy() {
                println!(
                    "locality: the petition's district is the true unit's in {a:.4} of the {} rows handled by a district or town unit",
                    evaluation.locality.n
                );
            }
        }
        return Ok(());
    };
    let comparison = mcnemar(&evaluation.top1_right, &baseline.top1_right, 0.05);
    let deltas = label_deltas(&evaluation.metrics, &baseline.metrics);
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "model": evaluation.metrics,
                "baseline": baseline.metrics,
                "comparison": comparison,
                "per_label_f1_delta": deltas,
            })
        );
        return Ok(());
    }
    for (name, path, e, version) in [
        ("new", model, &evaluation, engine.model().version()),
        (
            "baseline",
            baseline_path,
            &baseline,
            baseline_engine.model().version(),
        ),
    ] {
        println!("{name}: {} (version {version})", path.display());
        print!("{}", metrics_table(&e.metrics, "  "));
    }
    println!("F1 change by label (new − baseline), largest first:");
    for d in deltas.iter().take(15) {
        println!(
            "  {:<24} {:+.4}  ({:.4} → {:.4})",
            d.label, d.delta, d.baseline, d.new
        );
    }
    println!(
        "McNemar on {} rows: new right where baseline wrong {}, baseline right where new wrong {}, p = {:.4}",
        evaluation.top1_right.len(),
        comparison.new_only_right,
        comparison.baseline_only_right,
        comparison.p_value
    );
    println!(
        "verdict: {}",
        match comparison.verdict {
            Verdict::Better => "the new model is significantly better",
            Verdict::Worse => "the new model is significantly WORSE",
            Verdict::NoSignificantDifference => "no significant difference (p ≥ 0.05)",
        }
    );
    Ok(())
}

/// F1 change of one label between two evaluations.
#[derive(serde::Serialize)]
struct LabelDelta {
    label: String,
    new: f64,
    baseline: f64,
    delta: f64,
}

/// Per-label F1 changes, largest change first; a label missing on one side counts as 0.
fn label_deltas(new: &Metrics, baseline: &Metrics) -> Vec<LabelDelta> {
    let f1 = |m: &Metrics, label: &str| {
        m.per_label
            .iter()
            .find(|l| l.label == label)
            .map_or(0.0, |l| l.f1)
    };
    let mut labels: Vec<&str> = new
        .per_label
        .iter()
        .chain(&baseline.per_label)
        .map(|l| l.label.as_str())
        .collect();
    labels.sort_unstable();
    labels.dedup();
    let mut deltas: Vec<LabelDelta> = labels
        .into_iter()
        .map(|label| {
            let (n, b) = (f1(new, label), f1(baseline, label));
            LabelDelta {
                label: label.to_string(),
                new: n,
                baseline: b,
                delta: n - b,
            }
        })
        .collect();
    deltas.sort_by(|a, b| b.delta.abs().total_cmp(&a.delta.abs()));
    deltas
}
