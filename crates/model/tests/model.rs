//! Training, prediction and the model file, on small fixtures written here.

use linfa::dataset::DatasetBase;
use linfa::traits::{Fit, Predict};
use ndarray::Array1;
use pr_model::{
    Calibration, ClassWeight, DocScores, HistoryInfo, LinearClassifier, Model, ModelCard,
    ModelError, ParamGuard, SparseDocs, TrainParams,
};
use pr_text::{normalise, FeatureConfig, FeatureExtractor};

const LABELS: [&str; 3] = ["劳动和社会保障", "城乡建设", "环境保护"];

/// Short invented petitions, three labels.
fn fixture() -> Vec<(&'static str, usize)> {
    vec![
        ("公司拖欠农民工工资半年，至今不发", 0),
        ("单位不给缴纳社保，要求补缴养老保险", 0),
        ("工地老板欠薪跑路，工人讨薪无门", 0),
        ("辞职后公司扣押工资和押金", 0),
        ("失业保险金怎么申领，社保卡丢了", 0),
        ("小区电梯经常故障，物业不维修", 1),
        ("楼道堆放杂物，物业管理混乱", 1),
        ("房屋漏水多年，开发商拒绝维修", 1),
        ("老旧小区改造迟迟不开工", 1),
        ("小区违章搭建阳光房，无人查处", 1),
        ("工厂夜间排放废气，气味刺鼻", 2),
        ("河道被排污，污水直排发黑发臭", 2),
        ("搅拌站粉尘污染严重，噪音扰民", 2),
        ("垃圾焚烧厂烟气超标排放", 2),
        ("养殖场粪污直排，污染水源", 2),
    ]
}

fn config() -> FeatureConfig {
    FeatureConfig {
        hash_bits: 16,
        ..FeatureConfig::default()
    }
}

fn dataset() -> (FeatureExtractor, DatasetBase<SparseDocs, Array1<usize>>) {
    let extractor = FeatureExtractor::new(config(), ["农民工工资"]).unwrap();
    let mut docs = SparseDocs::new(extractor.dimension());
    let mut targets = Vec::new();
    for (text, label) in fixture() {
        docs.push(&extractor.extract(&normalise(text)));
        targets.push(label);
    }
    (extractor, DatasetBase::new(docs, Array1::from(targets)))
}

fn card() -> ModelCard {
    ModelCard {
        created_at: "2026-11-23T00:00:00Z".into(),
        tool_version: "test".into(),
        history: HistoryInfo {
            file: "fixture.jsonl".into(),
            rows: 15,
            fingerprint: "0".into(),
            label_counts: Default::default(),
        },
        params: TrainParams::new().check().unwrap(),
        catalogue_version: "none".into(),
        cross_validation: None,
        train_seconds: 0.0,
    }
}

fn trained_model() -> Model {
    let (_, data) = dataset();
    model_of(TrainParams::new().c(1.0).fit(&data).unwrap())
}

/// The fixture's model with its labels pruned to one weight per feature.
fn pruned_model() -> Model {
    let (_, data) = dataset();
    let classifier: LinearClassifier = TrainParams::new().fit(&data).unwrap();
    model_of(classifier.prune_columns(&[3], 1).unwrap())
}

fn model_of(classifier: LinearClassifier) -> Model {
    Model::new(
        LABELS.iter().map(|s| s.to_string()).collect(),
        config(),
        vec!["农民工工资".into()],
        classifier,
        Calibration {
            temperature: 2.0,
            fusion: None,
        },
        card(),
    )
    .unwrap()
}

fn predict(model: &Model, text: &str) -> usize {
    let doc = model.extractor().extract(&normalise(text));
    let mut scored = DocScores::default();
    model.score(&doc, &mut scored);
    pr_model::argmax(&scored.scores)
}

#[test]
fn learns_the_fixture_and_generalises_to_new_wording() {
    let (_, data) = dataset();
    let classifier: LinearClassifier = TrainParams::new().fit(&data).unwrap();
    // linfa's Predict works on our sparse records.
    let predicted: Array1<usize> = classifier.predict(&data);
    assert_eq!(predicted, data.targets);
    let model = trained_model();
    assert_eq!(predict(&model, "老板拖欠工资不给"), 0);
    assert_eq!(predict(&model, "物业不管电梯"), 1);
    assert_eq!(predict(&model, "化工厂排放废气污染"), 2);
}

#[test]
fn same_seed_same_model_bit_for_bit() {
    let (_, data) = dataset();
    let a: LinearClassifier = TrainParams::new().seed(7).fit(&data).unwrap();
    let b: LinearClassifier = TrainParams::new().seed(7).fit(&data).unwrap();
    assert_eq!(a, b);
}

#[test]
fn class_weighting_and_params_are_checked() {
    let (_, data) = dataset();
    let r: Result<LinearClassifier, ModelError> = TrainParams::new().c(-1.0).fit(&data);
    assert!(r.unwrap_err().to_string().contains("c is -1"));
    let r: Result<LinearClassifier, ModelError> = TrainParams::new().min_df(0).fit(&data);
    assert!(r.unwrap_err().to_string().contains("min_df"));
    let uniform: LinearClassifier = TrainParams::new()
        .class_weight(ClassWeight::Uniform)
        .fit(&data)
        .unwrap();
    assert_eq!(uniform.n_labels(), 3);
}

#[test]
fn one_class_history_is_refused() {
    let (_, data) = dataset();
    let one = DatasetBase::new(data.records.clone(), Array1::zeros(data.targets.len()));
    let r: Result<LinearClassifier, ModelError> = TrainParams::new().fit(&one);
    assert!(r.unwrap_err().to_string().contains("at least two"));
}

#[test]
fn saves_and_loads_identically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.model");
    let mut model = trained_model();
    model.save(&path).unwrap();
    let loaded = Model::load(&path).unwrap();
    assert_eq!(loaded.version(), model.version());
    assert_eq!(loaded.labels(), model.labels());
    assert_eq!(loaded.classifier(), model.classifier());
    assert_eq!(loaded.card(), model.card());
    assert_eq!(predict(&loaded, "物业不管电梯"), 1);
}

#[test]
fn a_pruned_model_saves_loads_and_routes_like_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let (dense, sparse) = (dir.path().join("d.model"), dir.path().join("s.model"));
    trained_model().save(&dense).unwrap();
    let mut model = pruned_model();
    model.save(&sparse).unwrap();
    let loaded = Model::load(&sparse).unwrap();
    assert_eq!(loaded.classifier(), model.classifier());
    assert_eq!(loaded.version(), model.version());
    for text in ["老板拖欠工资不给", "物业不管电梯", "化工厂排放废气污染"] {
        assert_eq!(predict(&loaded, text), predict(&model, text), "{text}");
    }
    // Format 1, which builds before sparse columns wrote, has the same layout without them.
    let mut v1 = std::fs::read(&dense).unwrap();
    v1[8..12].copy_from_slice(&1u32.to_le_bytes());
    let body = v1.len() - 4;
    let checksum = crc32fast::hash(&v1[..body]);
    v1[body..].copy_from_slice(&checksum.to_le_bytes());
    let old = Model::from_bytes(&v1, &dense).unwrap();
    assert_eq!(old.classifier(), trained_model().classifier());
    // One weight per feature instead of three: a smaller file.
    let size = |path| std::fs::metadata(path).unwrap().len();
    assert!(size(&sparse) < size(&dense));
}

#[test]
fn a_pruned_model_with_a_pair_outside_its_labels_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.model");
    pruned_model().save(&path).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    // The last pair's column sits before the 3 biases and the checksum.
    let column = bytes.len() - 4 - 3 * 4 - 8;
    bytes[column..column + 4].copy_from_slice(&7u32.to_le_bytes());
    let body = bytes.len() - 4;
    let checksum = crc32fast::hash(&bytes[..body]);
    bytes[body..].copy_from_slice(&checksum.to_le_bytes());
    let e = refusal(&bytes);
    assert!(e.contains("sparse columns do not fit"), "{e}");
}

fn refusal(bytes: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.model");
    std::fs::write(&path, bytes).unwrap();
    let e = Model::load(&path).unwrap_err().to_string();
    assert!(e.contains("bad.model"), "error must name the file: {e}");
    e
}

#[test]
fn corrupt_truncated_or_foreign_files_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.model");
    trained_model().save(&path).unwrap();
    let good = std::fs::read(&path).unwrap();

    let e = refusal(&good[..good.len() - 10]);
    assert!(e.contains("truncated"), "{e}");

    let mut flipped = good.clone();
    let last_weight = flipped.len() - 8;
    flipped[last_weight] ^= 0x40;
    let e = refusal(&flipped);
    assert!(e.contains("checksum mismatch"), "{e}");

    let e = refusal(b"PK\x03\x04 this is a zip file, not a model");
    assert!(e.contains("not a petition-router model"), "{e}");

    let mut future = good.clone();
    future[8] = 99;
    let e = refusal(&future);
    assert!(e.contains("format version 99"), "{e}");

    let e = refusal(&good[..30]);
    assert!(e.contains("truncated"), "{e}");

    // A device would be read without end: refused before reading.
    let device = std::path::Path::new("/dev/zero");
    if device.exists() {
        let e = Model::load(device).unwrap_err().to_string();
        assert!(
            e.contains("/dev/zero") && e.contains("not a regular file"),
            "{e}"
        );
    }

    let missing = Model::load(&dir.path().join("nope.model"))
        .unwrap_err()
        .to_string();
    assert!(missing.contains("nope.model"), "{missing}");
}

#[test]
fn top_terms_explain_the_decision() {
    let model = trained_model();
    let text = normalise("公司拖欠工资，还不缴社保");
    let doc = model.extractor().extract(&text);
    let mut scored = DocScores::default();
    model.score(&doc, &mut scored);
    let terms = model.top_terms(&doc, &scored, &text, 0, 3);
    assert!(!terms.is_empty());
    assert!(terms.windows(2).all(|w| w[0].weight >= w[1].weight));
    assert!(terms.iter().all(|t| text.contains(&t.term)));
}
