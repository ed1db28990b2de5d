//! `train`: a model from labelled history, with its model card beside it.

use crate::history_source::HistoryArgs;
use crate::model_files;
use anyhow::{bail, Context, Result};
use clap::Args;
use pr_catalogue::{Catalogue, CatalogueSource};
use pr_locality::{Code, Gazetteer};
use pr_model::{ClassWeight, Model, TrainParams};
use pr_router::{EngineOptions, TrainOptions, TrainReport, TrainStage};
use pr_text::FeatureConfig;
use std::path::{Path, PathBuf};

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
    /// Label weights each feature keeps: the K furthest from its median (0 keeps them all).
    /// Only models of more than 2·K labels are pruned, so that memory and routing time do not
    /// grow with the number of units.
    #[arg(long, default_value_t = 8)]
    label_weights: u32,
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

pub fn train(args: TrainArgs) -> Result<()> {
    // Read twice: once to report what the history holds, then as training goes, so that no
    // more than the features of a large history is ever in memory.
    if args.holdout && args.folds < 2 {
        bail!(
            "--holdout holds out one of --folds folds: give --folds 2 or more (10 holds out 10 %)"
        );
    }
    let summary = args.history.report()?;
    let rows = args.history.labelled_rows()?;
    let catalogue_source = model_files::catalogue(args.catalogue.clone());
    let catalogue = Catalogue::load(&catalogue_source)?;
    let jurisdiction = jurisdiction(&catalogue, summary.labels.iter().map(|(l, _)| l.as_str()));
    let options = train_options(&args, jurisdiction)?;
    let bar = progress_bar(&options);
    let (mut model, report) =
        pr_router::train_with_progress(rows, &catalogue, &options, &|stage| {
            bar.inc(u64::from(stage != TrainStage::Features));
            bar.set_message(stage_message(stage));
        })?;
    bar.finish_and_clear();
    warn_about_labels(&report, &catalogue_source);
    model.save(&args.out)?;
    model.save_card(&args.out)?;
    print_summary(&model, &args.out);
    Ok(())
}

/// The catalogue's jurisdiction, else the city where the labels' districts and towns lie.
fn jurisdiction<'a>(catalogue: &Catalogue, labels: impl Iterator<Item = &'a str>) -> Option<Code> {
    let gazetteer = Gazetteer::shipped();
    let settings = catalogue.settings();
    let jurisdiction = settings
        .jurisdiction
        .or_else(|| pr_router::infer_jurisdiction(gazetteer, labels, &settings.place_aliases));
    if let Some(j) = jurisdiction.and_then(|j| gazetteer.get(j)) {
        eprintln!(
            "jurisdiction: {} (declared by the catalogue, else where the labels' districts and towns lie)",
            j.name
        );
    }
    jurisdiction
}

fn train_options(args: &TrainArgs, jurisdiction: Option<Code>) -> Result<TrainOptions> {
    let (char_ngram_min, char_ngram_max) = parse_char_ngrams(&args.char_ngrams)?;
    Ok(TrainOptions {
        params: TrainParams::new()
            .c(args.c)
            .class_weight(args.class_weight)
            .seed(args.seed)
            .min_df(args.min_df)
            .label_weights(args.label_weights),
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
        history_file: args.history.card_name(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        jurisdiction,
    })
}

/// Stages: features, each fold, calibration, final fit. Drawn only on a terminal.
fn progress_bar(options: &TrainOptions) -> indicatif::ProgressBar {
    let steps = match (options.folds >= 2, options.held_out_split) {
        (false, _) => 2,
        (true, true) => 4,
        (true, false) => options.folds + 3,
    };
    indicatif::ProgressBar::new(steps as u64).with_style(
        indicatif::ProgressStyle::with_template("{elapsed:>4} [{bar:30}] {pos}/{len} {msg}")
            .expect("a valid template")
            .progress_chars("=> "),
    )
}

fn stage_message(stage: TrainStage) -> String {
    match stage {
        TrainStage::Features => "segmenting and hashing".to_string(),
        TrainStage::Fold { fold, folds } => format!("cross-validation fold {}/{folds}", fold + 1),
        TrainStage::Calibration => "calibration and fusion".to_string(),
        TrainStage::FinalFit => "final fit on all rows".to_string(),
    }
}

fn warn_about_labels(report: &TrainReport, catalogue: &CatalogueSource) {
    if !report.unknown_labels.is_empty() {
        eprintln!(
            "warning: {} label(s) are not known to any department of {}; each is kept as a routing target of its own: {}",
            report.unknown_labels.len(),
            catalogue,
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
    if !report.demand_types.is_empty() {
        eprintln!(
            "the kind column teaches the demand type: {}",
            report.demand_types.join(", ")
        );
    }
    if !report.unknown_kinds.is_empty() {
        let kinds: Vec<String> = report
            .unknown_kinds
            .iter()
            .map(|(k, n)| format!("{k} ({n} rows)"))
            .collect();
        eprintln!(
            "warning: {} kind(s) of the kind column name no demand type and teach it nothing: {}",
            kinds.len(),
            kinds.join(", ")
        );
    }
}

fn print_summary(model: &Model, out: &Path) {
    let card = model.card();
    eprintln!(
        "trained on {} rows, {} labels in {:.2} s; model {} (version {})",
        card.history.rows,
        model.labels().len(),
        card.train_seconds,
        out.display(),
        model.version()
    );
    if let Some(cv) = &card.cross_validation {
        eprintln!("{}, model + keywords fused:", cv.method());
        eprint!("{}", cv.fused.table("  "));
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
}
