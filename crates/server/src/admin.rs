//! `AdminService`: what is serving, hot reload, and hotspots.

use crate::auth::Access;
use crate::hotspots::{find_hotspots, Dated};
use crate::live::Loaded;
use crate::pb;
use crate::pb::admin_service_server::AdminService;
use crate::service::Shared;
use crate::status::CallError;
use std::path::PathBuf;
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// The AdminService implementation.
pub struct AdminApi {
    pub shared: Arc<Shared>,
    /// Where ReloadModel may load from.
    pub access: Arc<Access>,
}

/// The description of a loaded model and catalogue.
pub fn model_info(loaded: &Loaded) -> pb::ModelInfo {
    let model = loaded.engine.model();
    let card = model.card();
    let catalogue = loaded.engine.catalogue();
    pb::ModelInfo {
        model_version: model.version().to_string(),
        model_path: loaded.sources.model.to_string(),
        labels: model.labels().to_vec(),
        catalogue_version: catalogue.version().to_string(),
        catalogue_path: loaded.sources.catalogue.to_string(),
        department_count: catalogue.departments().len() as u32,
        trained_at: card.created_at.clone(),
        tool_version: card.tool_version.clone(),
        history_file: card.history.file.clone(),
        history_rows: card.history.rows as u32,
        history_fingerprint: card.history.fingerprint.clone(),
        training_metrics: card
            .cross_validation
            .as_ref()
            .map(|cv| pb::TrainingMetrics {
                folds: cv.folds as u32,
                held_out_split: cv.held_out_split,
                n: cv.fused.n as u32,
                accuracy: cv.fused.accuracy,
                macro_f1: cv.fused.macro_f1,
                top3_accuracy: cv.fused.top3_accuracy,
                calibration_error: cv.calibration_error,
            }),
        loaded_at: loaded.loaded_at.clone(),
        online: None,
        online_by_department: Vec::new(),
    }
}

/// Online accuracy summed over some (version, department) groups.
fn online<'a>(groups: impl Iterator<Item = &'a pr_feedback::OnlineAccuracy>) -> pb::OnlineAccuracy {
    let (mut n, mut top1, mut top3, mut returned) = (0u64, 0u64, 0u64, 0u64);
    for g in groups {
        n += g.outcomes;
        top1 += g.top1_right;
        top3 += g.top3_right;
        returned += g.returned;
    }
    let share = |k: u64| if n == 0 { 0.0 } else { k as f64 / n as f64 };
    pb::OnlineAccuracy {
        outcomes: n,
        top1_accuracy: share(top1),
        top3_accuracy: share(top3),
        returned_rate: share(returned),
    }
}

/// Reloads, logs and counts the outcome; shared by ReloadModel and SIGHUP.
pub async fn reload(
    shared: &Shared,
    model: Option<PathBuf>,
    catalogue: Option<PathBuf>,
) -> Result<(Arc<Loaded>, Arc<Loaded>), Status> {
    match shared.live.reload(model, catalogue).await {
        Ok((previous, loaded)) => {
            let (m, c) = (loaded.engine.model(), loaded.engine.catalogue());
            shared.metrics.reload(true);
            shared.metrics.serving(m.version(), c.version());
            tracing::info!(
                previous = previous.engine.model().version(),
                model_version = m.version(),
                catalogue_version = c.version(),
                model = %loaded.sources.model,
                "model reloaded"
            );
            Ok((previous, loaded))
        }
        Err(e) => {
            shared.metrics.reload(false);
            let serving = shared.live.current();
            let reason = with_causes(&e);
            tracing::warn!(error = %reason, still_serving = serving.engine.model().version(), "reload refused");
            Err(CallError::ReloadRefused {
                serving: serving.engine.model().version().to_string(),
                reason,
            }
            .into())
        }
    }
}

#[tonic::async_trait]
impl AdminService for AdminApi {
    async fn get_model_info(
        &self,
        _request: Request<pb::GetModelInfoRequest>,
    ) -> Result<Response<pb::ModelInfo>, Status> {
        let shared = &self.shared;
        let result = async {
            let mut info = model_info(&shared.live.current());
            if shared.feedback.is_some() {
                let version = info.model_version.clone();
                let by_department = shared
                    .with_feedback(move |_, feedback| feedback.online_accuracy(&version))
                    .await?;
                info.online = Some(online(by_department.iter()));
                info.online_by_department = by_department
                    .iter()
                    .map(|a| pb::DepartmentAccuracy {
                        department_code: a.department.clone(),
                        accuracy: Some(online(std::iter::once(a))),
                    })
                    .collect();
            }
            Ok(Response::new(info))
        }
        .await;
        shared.metrics.counted("GetModelInfo", result)
    }

    async fn reload_model(
        &self,
        request: Request<pb::ReloadModelRequest>,
    ) -> Result<Response<pb::ReloadModelResponse>, Status> {
        let r = request.into_inner();
        let path = |s: String| -> Result<Option<PathBuf>, Status> {
            match s.trim() {
                "" => Ok(None),
                given => self
                    .access
                    .reloadable(std::path::Path::new(given))
                    .map(Some),
            }
        };
        let outcome = match (path(r.model_path), path(r.catalogue_path)) {
            (Ok(model), Ok(catalogue)) => reload(&self.shared, model, catalogue).await,
            (Err(refused), _) | (_, Err(refused)) => Err(refused),
        };
        let (previous, loaded) = self.shared.metrics.counted("ReloadModel", outcome)?;
        Ok(Response::new(pb::ReloadModelResponse {
            previous_model_version: previous.engine.model().version().to_string(),
            loaded: Some(model_info(&loaded)),
        }))
    }

    async fn hotspots(
        &self,
        request: Request<pb::HotspotsRequest>,
    ) -> Result<Response<pb::HotspotsResponse>, Status> {
        let result = hotspots(&self.shared, request.into_inner()).await;
        self.shared
            .metrics
            .counted("Hotspots", result.map(Response::new))
    }
}

/// Petitions read back by a Hotspots call that names no lookback.
const DEFAULT_LOOKBACK_DAYS: u32 = 90;
/// The longest lookback: ten years of petitions is more than any store keeps.
const MAX_LOOKBACK_DAYS: u32 = 3660;
/// Hotspots returned when the call names no limit.
const DEFAULT_HOTSPOTS: u32 = 50;

/// Hotspots over the stored petitions of the lookback, as the request asks.
async fn hotspots(
    shared: &Arc<Shared>,
    r: pb::HotspotsRequest,
) -> Result<pb::HotspotsResponse, Status> {
    let or = |given: u32, default: u32| if given == 0 { default } else { given };
    let lookback = or(r.lookback_days, DEFAULT_LOOKBACK_DAYS);
    if lookback > MAX_LOOKBACK_DAYS {
        return Err(Status::invalid_argument(format!(
            "lookback_days = {lookback}: read at most {MAX_LOOKBACK_DAYS} days (0 means {DEFAULT_LOOKBACK_DAYS})"
        )));
    }
    let limit = or(r.limit, DEFAULT_HOTSPOTS) as usize;
    let params = pr_hotspots::Params::default()
        .window_days(or(r.window_days, 7))
        .min_count(or(r.min_count, 3) as usize)
        .max_hotspots(usize::MAX)
        .check()
        .map_err(|e| Status::invalid_argument(e.to_string()))?;
    let since = crate::feedback::now() - i64::from(lookback) * 86_400;
    let rows = shared
        .with_feedback(move |_, feedback| feedback.recent(since))
        .await?;
    let engine = shared.live.current();
    let place = r.place.trim().to_string();
    // One blocking thread: a report must not take the cores Route runs on.
    let found = tokio::task::spawn_blocking(move || {
        let read = rows.len();
        // Stored petitions were routed once, so they have text; the store may still hold
        // one blank after masking, which cannot join a cluster anyway.
        let dated: Vec<Dated> = rows
            .into_iter()
            .map(Dated::from_store)
            .filter(|d| !pr_text::is_blank(&d.title) || !pr_text::is_blank(&d.text))
            .collect();
        let (petitions, mut hotspots) = find_hotspots(&engine.engine, dated, &params, false)?;
        hotspots.retain(|h| place.is_empty() || h.place == place);
        hotspots.truncate(limit);
        let html = r.html.then(|| {
            let map = pr_hotspots::HeatMap::new(&petitions, &params);
            pr_hotspots::report_html(&hotspots, &map, "信访热点 (聚集性风险)")
        });
        Ok::<_, crate::hotspots::Unroutable>((read, hotspots, html))
    })
    .await
    .map_err(CallError::from)?
    .map_err(|e| Status::internal(e.to_string()))?;
    let (read, hotspots, html) = found;
    Ok(pb::HotspotsResponse {
        hotspots: hotspots.into_iter().map(hotspot).collect(),
        petitions: read as u32,
        html: html.unwrap_or_default(),
    })
}

fn hotspot(h: pr_hotspots::Hotspot) -> pb::Hotspot {
    let counts = |counts: Vec<pr_hotspots::Count>| {
        counts
            .into_iter()
            .map(|c| pb::NamedCount {
                name: c.name,
                petitions: c.count as u32,
            })
            .collect()
    };
    pb::Hotspot {
        place: h.place,
        start_date: h.start_date,
        end_date: h.end_date,
        count: h.count as u32,
        previous_count: h.previous_count as u32,
        growth: h.growth,
        petitioners: h.petitioners.map(|n| n as u32),
        top_terms: h.top_terms,
        title: h.title,
        title_request_id: h.title_id,
        departments: counts(h.departments),
        risks: counts(h.risks),
        request_ids: h.ids,
        heat: h.heat,
    }
}

/// An error and its causes on one line.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}
