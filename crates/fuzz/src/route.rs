//! Normalise + route on the shipped model and keyword lists: any title, content and region
//! hint is routed or refused as empty, by the one emptiness rule; normalisation keeps its
//! promises (its length cap, one space between words, no space at either end).

use crate::corpus::{workspace, Data};
use crate::input::{self, join};
use pr_catalogue::Catalogue;
use pr_model::Model;
use pr_router::{petition_text, Engine, EngineOptions, Petition, RouteError};
use pr_text::{is_blank, normalise, normalise_into};
use std::sync::OnceLock;

/// A petition every engine must route.
const PROBE: &str = "小区楼下饭店油烟直排，投诉多次没人管";

/// The shipped model and keyword lists, loaded once.
fn shipped() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let root = workspace();
        let model = Model::load(&root.join("models/default.model")).expect("shipped model");
        let catalogue = Catalogue::load_dir(&root.join("keyword-lists")).expect("shipped lists");
        Engine::new(model, catalogue, EngineOptions::default()).expect("shipped engine")
    })
}

/// Flags: the length cap of normalisation and `top_k`. Parts: content, title, region hint.
pub fn run(data: &[u8]) {
    let (flags, body) = input::flags(data);
    let parts = input::parts(body);
    let part = |i: usize| parts.get(i).map_or("".into(), |p| input::text(p));
    let (content, title, region) = (part(0), part(1), part(2));
    check_normalise(&content, usize::from(flags));
    let petition = Petition {
        title: &title,
        content: &content,
        region: &region,
        analyse: true,
        repeat_of: None,
    };
    check_route(shipped(), petition, usize::from(flags % 24));
}

fn check_normalise(raw: &str, cap: usize) {
    let full = normalise(raw);
    assert_eq!(
        is_blank(raw),
        full.is_empty(),
        "is_blank disagrees: {raw:?}"
    );
    assert!(
        !full.starts_with(' ') && !full.ends_with(' ') && !full.contains("  "),
        "spaces left: {full:?}"
    );
    let mut capped = String::new();
    let n = normalise_into(raw, cap, &mut capped);
    assert_eq!(n.chars, capped.chars().count(), "{raw:?}");
    assert!(
        n.chars <= cap,
        "{} characters over the cap of {cap}",
        n.chars
    );
    assert_eq!(n.truncated, capped != full, "{raw:?} capped at {cap}");
    assert!(
        full.starts_with(&capped),
        "capped {capped:?} is no prefix of {full:?}"
    );
}

/// Routes `petition` with `engine` and checks the answer: refused exactly when blank, at most
/// `top_k` suggestions, confidences that are probabilities.
pub(crate) fn check_route(engine: &Engine, petition: Petition, top_k: usize) {
    let blank = is_blank(&petition_text(petition.title, petition.content));
    match engine.route(petition, top_k) {
        Err(RouteError::EmptyText) => assert!(blank, "refused as empty: {petition:?}"),
        Ok(routing) => {
            assert!(!blank, "routed a blank petition: {petition:?}");
            assert!(routing.suggestions.len() <= top_k.max(1));
            for s in &routing.suggestions {
                assert!(
                    (0.0..=1.0001).contains(&s.confidence),
                    "confidence {} for {}",
                    s.confidence,
                    s.code
                );
            }
            for e in &routing.locality.evidence {
                assert!(e.start <= e.end, "{e:?}");
            }
        }
    }
    if let Ok(ranked) = engine.rank_labels(petition) {
        assert!(ranked.labels.iter().all(|(_, p)| p.is_finite()));
    }
}

/// Assembles an engine from a model that loaded, with the shipped keyword lists, and routes
/// with it; an engine may refuse the model, but must not panic.
pub(crate) fn check_engine(model: Model) {
    let catalogue = Catalogue::load_dir(&workspace().join("keyword-lists")).expect("shipped lists");
    check_assembled(model, catalogue);
}

/// Routes the probe with an engine of `model` and `catalogue`, if they assemble.
pub(crate) fn check_assembled(model: Model, catalogue: Catalogue) {
    if let Ok(engine) = Engine::new(model, catalogue, EngineOptions::default()) {
        for region in ["", "甘井子区", "金普新区"] {
            let petition = Petition {
                title: "",
                content: PROBE,
                region,
                analyse: true,
                repeat_of: None,
            };
            check_route(&engine, petition, 3);
        }
    }
}

/// Real petitions with their region, and the same with markup and zero-width characters.
pub fn seeds(data: &Data, n: usize) -> Vec<Vec<u8>> {
    let mut seeds: Vec<Vec<u8>> = data
        .petitions(n.div_ceil(2))
        .iter()
        .flat_map(|p| {
            let region = if p.region.is_empty() {
                "甘井子区"
            } else {
                &p.region
            };
            let marked = format!("<p>{}&nbsp;</p>\u{200b}", p.text);
            [
                [
                    &[3u8][..],
                    &join(&[p.text.as_str(), p.title.as_str(), region]),
                ]
                .concat(),
                [&[200u8][..], &join(&[marked.as_str(), "", ""])].concat(),
            ]
        })
        .collect();
    seeds.push([&[5u8][..], &join(&["<p>&nbsp;</p>", "\u{200b}", ""])].concat());
    seeds.truncate(n);
    seeds
}
