//! The model card beside a model file: JSON for tools, Markdown for people.

use crate::{Model, ModelError};
use std::path::Path;

impl Model {
    /// Writes the model card beside the model: `NAME.card.json` and `NAME.card.md`.
    pub fn save_card(&self, model_path: &Path) -> Result<(), ModelError> {
        let write = |path: &Path, text: String| {
            std::fs::write(path, text).map_err(|error| ModelError::Io {
                path: path.to_path_buf(),
                error,
            })
        };
        let json = serde_json::to_string_pretty(&self.card_json())
            .expect("a model card serialises to JSON");
        write(&model_path.with_extension("card.json"), json + "\n")?;
        write(&model_path.with_extension("card.md"), self.card_markdown())
    }

    /// The model card as JSON, with the model's version and labels.
    pub fn card_json(&self) -> serde_json::Value {
        let mut json = serde_json::to_value(self.card()).expect("a model card serialises to JSON");
        json["model_version"] = self.version().into();
        json["labels"] = self.labels().into();
        json
    }

    /// The model card as Markdown, for people: parameters, cross-validated figures by label.
    pub fn card_markdown(&self) -> String {
        let model = self;
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
            p.c(),
            p.class_weight(),
            p.min_df(),
            p.seed(),
            p.max_epochs(),
            p.tolerance(),
            model.calibration().temperature,
            if model.calibration().fusion.is_some() { "fitted on held-out folds" } else { "none" },
        );
        s += &match model.classifier().sparse_columns() {
            Some(sparse) => format!(
                "- label weights: each feature keeps its {} furthest from its median in each of the groups of {:?} columns (labels, then the line head; the cross-validated figures are those of the pruned model)\n",
                sparse.per_row(),
                sparse.groups()
            ),
            None => "- label weights: all kept (dense)\n".to_string(),
        };
        if let Some(h) = model.line_head() {
            s += &format!(
                "- line head: {} lines of duty, each trained on its units' rows at every place pooled; \
                 softmax temperature {:.3}\n",
                h.labels.len(),
                h.temperature
            );
        }
        if let Some(h) = model.demand_head() {
            s += &format!(
                "- demand head: the types {} of the history's kind column; softmax temperature {:.3}\n",
                h.labels.join(", "),
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
            if let Some(d) = &cv.demand_type {
                s += &format!(
                    "Demand type on the {} held-out rows with a kind: the demand head {:.4}, the cue words \
                     alone {:.4} (accuracy).\n\n",
                    d.rows, d.model_accuracy, d.rules_accuracy
                );
            }
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
}
