//! `RouterService`: validation, load shedding and the conversion between the wire messages
//! and the engine.

use crate::config::{Limits, MAX_ID_CHARS};
use crate::feedback::KeptRouting;
use crate::live::{Live, Loaded};
use crate::metrics::ServerMetrics;
use crate::pb;
use crate::pb::router_service_server::RouterService;
use crate::status::CallError;
use pr_router::{HandlingRole, Level, LocalitySource, Petition, RepeatOf, Routing, UnitRule};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_stream::{Stream, StreamExt};
use tonic::{Code, Request, Response, Status, Streaming};

/// Suggestions returned when the request leaves top_k at 0.
const DEFAULT_TOP_K: u32 = 3;

/// What every service of one server shares.
pub struct Shared {
    pub live: Arc<Live>,
    pub limits: Limits,
    pub metrics: Arc<ServerMetrics>,
    /// One permit per petition admitted, from its arrival to its answer (a stream holds one
    /// while it is open).
    pub permits: Arc<Semaphore>,
    /// The routing threads, and the bounded queue of calls waiting for them.
    pub cores: crate::cores::Cores,
    /// Set when shutdown begins: new calls are refused.
    pub draining: AtomicBool,
    /// Where routed petitions wait for their outcomes, if configured.
    pub feedback: Option<crate::feedback::Feedback>,
    /// The repeat window's petitions, when there is a feedback store.
    pub repeats: Option<crate::repeats::Repeats>,
    /// Keep petitions in the store as written instead of masked (`--store-raw-text`).
    pub store_raw_text: bool,
}

impl Shared {
    /// Admits `n` petitions, or refuses the call: shutting down, or too much in flight.
    fn admit(&self, n: u32) -> Result<OwnedSemaphorePermit, Status> {
        if self.draining.load(Ordering::Relaxed) {
            return Err(Status::unavailable(
                "the server is shutting down: retry on another replica",
            ));
        }
        self.permits.clone().try_acquire_many_owned(n).map_err(|_| {
            Status::resource_exhausted(format!(
                "more than {} petitions in flight: retry with backoff, or add replicas",
                self.limits.max_in_flight
            ))
        })
    }

    /// Checks one request against the limits.
    fn check(&self, r: &pb::RouteRequest) -> Result<(), Status> {
        let invalid = |m: String| Err(Status::invalid_argument(m));
        if r.content.trim().is_empty() {
            return invalid("content is empty: send the petition text in `content`".into());
        }
        let chars = r.content.chars().count();
        if chars > self.limits.max_content_chars as usize {
            return invalid(format!(
                "content has {chars} characters, more than the limit of {}: shorten it or split the petition",
                self.limits.max_content_chars
            ));
        }
        if r.title.chars().count() > self.limits.max_content_chars as usize {
            return invalid(format!(
                "title is longer than {} characters",
                self.limits.max_content_chars
            ));
        }
        if r.top_k > self.limits.max_top_k {
            return invalid(format!(
                "top_k is {}, at most {} departments can be suggested",
                r.top_k, self.limits.max_top_k
            ));
        }
        for (field, value) in [
            ("request_id", &r.request_id),
            ("region_hint", &r.region_hint),
            ("petitioner_key", &r.petitioner_key),
        ] {
            if value.chars().count() > MAX_ID_CHARS {
                return invalid(format!("{field} is longer than {MAX_ID_CHARS} characters"));
            }
        }
        if reads_as_personal_number(&r.petitioner_key) {
            return invalid(
                "petitioner_key reads as a phone, ID or bank card number: send a hash of it (e.g. hex HMAC-SHA-256 with your secret), never the number".into(),
            );
        }
        if pb::Channel::try_from(r.channel).is_err() {
            return invalid(format!(
                "channel {} is unknown: use one of the Channel values",
                r.channel
            ));
        }
        Ok(())
    }

    /// Routes one checked request with `loaded`, recording metrics and a span without text.
    fn route_one(
        &self,
        loaded: &Loaded,
        r: &pb::RouteRequest,
        method: &'static str,
    ) -> Result<pb::RouteResponse, Status> {
        let span = tracing::debug_span!(
            "route",
            method,
            request_id = %r.request_id,
            content_bytes = r.content.len(),
            region_hint_bytes = r.region_hint.len(),
            department = tracing::field::Empty,
            needs_review = tracing::field::Empty,
            us = tracing::field::Empty,
        );
        let _entered = span.enter();
        let result = self.check(r).and_then(|()| {
            let stored = self.stored_form(r, loaded.engine.analyser());
            let similar = stored.as_ref().map_or_else(Vec::new, |s| s.similar(r));
            let earlier = crate::repeats::handled_before(&similar);
            let start = Instant::now();
            let top_k = if r.top_k == 0 { DEFAULT_TOP_K } else { r.top_k };
            let routing = loaded
                .engine
                .route(
                    Petition {
                        title: &r.title,
                        content: &r.content,
                        region: &r.region_hint,
                        analyse: r.analyse.unwrap_or(true),
                        repeat_of: earlier.map(|e| RepeatOf {
                            request_id: &e.request_id,
                            unit: &e.final_department,
                        }),
                    },
                    top_k as usize,
                )
                .map_err(CallError::from)?;
            let elapsed = start.elapsed();
            let top = routing.suggestions.first().map(|s| s.code.as_str());
            span.record("department", top.unwrap_or(""));
            span.record("needs_review", routing.needs_review);
            span.record("us", elapsed.as_micros() as u64);
            self.metrics
                .routed(elapsed.as_secs_f64(), top, routing.needs_review);
            if let Some(stored) = stored {
                self.keep(r, stored, &routing);
            }
            if let Some(analysis) = &routing.analysis {
                self.metrics
                    .risks(analysis.risks.iter().map(|r| r.kind.as_str()));
            }
            let mut answer = response(r, routing, elapsed);
            answer.repeat = crate::repeats::is_repeat(&similar);
            answer.similar = similar.into_iter().map(similar_petition).collect();
            Ok(answer)
        });
        let result = self.metrics.counted(method, result);
        tracing::debug!(status = ?status_code(&result), "routed");
        result
    }

    /// Routes one request on a routing thread, or refuses it at once (counted under
    /// `method`) when too many calls already wait for one.
    async fn route_queued(
        self: &Arc<Self>,
        r: pb::RouteRequest,
        method: &'static str,
    ) -> Result<pb::RouteResponse, Status> {
        let shared = self.clone();
        let routed = self.cores.run(move || {
            let loaded = shared.live.current();
            shared.route_one(&loaded, &r, method)
        });
        routed
            .await
            .inspect_err(|s| self.metrics.call(method, s.code()))?
    }

    /// Runs `work` on the feedback store off the async workers (it blocks on disk or on the
    /// database); store errors become statuses.
    pub(crate) async fn with_feedback<T: Send + 'static>(
        self: &Arc<Self>,
        work: impl FnOnce(&Shared, &crate::feedback::Feedback) -> Result<T, pr_feedback::FeedbackError>
            + Send
            + 'static,
    ) -> Result<T, Status> {
        if self.feedback.is_none() {
            return Err(CallError::NoStore.into());
        }
        let shared = self.clone();
        let stored = tokio::task::spawn_blocking(move || {
            let feedback = shared.feedback.as_ref().expect("checked above");
            work(&shared, feedback)
        })
        .await
        .map_err(CallError::from)?;
        Ok(stored.map_err(CallError::from)?)
    }

    /// With a feedback store: the petition as the store keeps it, to compare with the
    /// repeat window. Unless `--store-raw-text`, the text is kept with personal data masked,
    /// and compared as kept.
    fn stored_form<'a>(
        &'a self,
        r: &pb::RouteRequest,
        analyser: Option<&pr_analysis::Analyser>,
    ) -> Option<Stored<'a>> {
        let (Some(feedback), Some(repeats)) = (&self.feedback, &self.repeats) else {
            return None;
        };
        let title = self.stored_text(&r.title, analyser);
        let content = self.stored_text(&r.content, analyser);
        Some(Stored {
            signature: repeats.signature(&title, &content),
            title,
            content,
            feedback,
            repeats,
        })
    }

    /// Queues a routed petition (when it has a request id) for its outcome, and adds it to
    /// the repeat window for the petitions after it.
    fn keep(&self, r: &pb::RouteRequest, stored: Stored, routing: &Routing) {
        if r.request_id.is_empty() {
            return;
        }
        let suggested: Vec<String> = routing.suggestions.iter().map(|s| s.code.clone()).collect();
        let routed_at = crate::feedback::now();
        let earlier = crate::repeats::Earlier {
            request_id: r.request_id.clone(),
            department: suggested.first().cloned().unwrap_or_default(),
            final_department: String::new(),
            petitioner_key: r.petitioner_key.clone(),
        };
        stored
            .repeats
            .remember(earlier, routed_at, stored.signature);
        let kept = stored.feedback.routed(pr_feedback::Routed {
            request_id: r.request_id.clone(),
            routed_at,
            title: stored.title,
            content: stored.content,
            suggested,
            model_version: routing.model_version.clone(),
            // The intake desk's district, for training with the hint as it was given.
            region: r.region_hint.trim().to_string(),
            petitioner_key: r.petitioner_key.clone(),
        });
        if kept.is_err() {
            self.metrics.feedback_dropped();
            warn_dropped(&r.request_id);
        }
    }
}

/// A petition as the feedback store keeps it, and where it goes.
struct Stored<'a> {
    title: String,
    content: String,
    signature: pr_similar::Signature,
    feedback: &'a crate::feedback::Feedback,
    repeats: &'a crate::repeats::Repeats,
}

impl Stored<'_> {
    /// The earlier petitions of the repeat window like this one.
    fn similar(&self, r: &pb::RouteRequest) -> Vec<crate::repeats::Similar> {
        self.repeats
            .similar(&self.signature, &r.request_id, &r.petitioner_key)
    }
}

impl Shared {
    /// `text` as the feedback store keeps it: masked, unless `--store-raw-text`. An engine
    /// without an analyser (never built by `serve`) keeps nothing rather than raw text.
    fn stored_text(&self, text: &str, analyser: Option<&pr_analysis::Analyser>) -> String {
        match (self.store_raw_text, analyser) {
            (true, _) => text.to_string(),
            (false, Some(a)) => a.mask(text),
            (false, None) => String::new(),
        }
    }
}

/// Petitions dropped since the last warning, and when (Unix seconds) it was logged.
static DROPPED_SINCE_WARNING: AtomicU64 = AtomicU64::new(0);
static LAST_DROP_WARNING: AtomicU64 = AtomicU64::new(0);

/// Under overload thousands of petitions a second can find the feedback queue full: one
/// warning every 10 s at most, with how many were dropped (all are counted in the metrics).
fn warn_dropped(request_id: &str) {
    DROPPED_SINCE_WARNING.fetch_add(1, Ordering::Relaxed);
    let now = crate::feedback::now().max(0) as u64;
    let last = LAST_DROP_WARNING.load(Ordering::Relaxed);
    let due = now >= last + 10;
    if due
        && LAST_DROP_WARNING
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        let dropped = DROPPED_SINCE_WARNING.swap(0, Ordering::Relaxed);
        tracing::warn!(
            request_id,
            dropped,
            "feedback queue full: petitions not kept for their outcome (the latest id shown; at most one such warning every 10 s)"
        );
    }
}

/// Whether a petitioner key is a raw number (a phone, ID or bank card number, spaces and
/// dashes aside; an ID number may end in X): keys are to be hashed by the caller, and the
/// store keeps them.
fn reads_as_personal_number(key: &str) -> bool {
    let kept: Vec<char> = key.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
    let Some((last, digits)) = kept.split_last() else {
        return false;
    };
    kept.len() >= 7
        && digits.iter().all(char::is_ascii_digit)
        && (last.is_ascii_digit() || matches!(last, 'X' | 'x'))
}

fn similar_petition(s: crate::repeats::Similar) -> pb::SimilarPetition {
    pb::SimilarPetition {
        request_id: s.earlier.request_id,
        similarity: s.similarity,
        department_code: s.earlier.department,
        final_department: s.earlier.final_department,
        same_petitioner: s.same_petitioner,
    }
}

fn response(r: &pb::RouteRequest, routing: Routing, elapsed: Duration) -> pb::RouteResponse {
    pb::RouteResponse {
        request_id: r.request_id.clone(),
        suggestions: routing
            .suggestions
            .into_iter()
            .map(|s| pb::Suggestion {
                department_code: s.code,
                department_name: s.name,
                confidence: s.confidence,
                label: s.label,
                matched_keywords: s
                    .keywords
                    .into_iter()
                    .map(|k| pb::MatchedKeyword {
                        keyword: k.keyword,
                        weight: k.weight,
                    })
                    .collect(),
                model_terms: s
                    .terms
                    .into_iter()
                    .map(|t| pb::ModelTerm {
                        term: t.term,
                        weight: t.weight,
                    })
                    .collect(),
                level: level(s.level) as i32,
                place: s.place,
                place_code: s.place_code,
                rule: unit_rule(s.rule) as i32,
                role: handling_role(s.role) as i32,
                repeat_of: s.repeat_of.unwrap_or_default(),
            })
            .collect(),
        category: routing.category,
        needs_review: routing.needs_review,
        model_version: routing.model_version,
        catalogue_version: routing.catalogue_version,
        routing_time_us: elapsed.as_micros() as u64,
        analysed_chars: routing.analysed_chars as u32,
        truncated: routing.truncated,
        region_hint: r.region_hint.clone(),
        locality: Some(locality(routing.locality)),
        warnings: routing.warnings,
        analysis: routing.analysis.map(crate::analysis::analysis),
        // Filled in by the caller, which holds the repeat window.
        similar: Vec::new(),
        repeat: false,
    }
}

fn level(level: Level) -> pb::Level {
    match level {
        Level::City => pb::Level::City,
        Level::District => pb::Level::District,
        Level::Town => pb::Level::Town,
    }
}

fn handling_role(role: HandlingRole) -> pb::HandlingRole {
    match role {
        HandlingRole::Sole => pb::HandlingRole::Sole,
        HandlingRole::Lead => pb::HandlingRole::Lead,
        HandlingRole::CoHandler => pb::HandlingRole::CoHandler,
        HandlingRole::Alternative => pb::HandlingRole::Alternative,
    }
}

fn unit_rule(rule: UnitRule) -> pb::UnitRule {
    match rule {
        UnitRule::Direct => pb::UnitRule::Direct,
        UnitRule::LocalUnit => pb::UnitRule::LocalUnit,
        UnitRule::PlaceGovernment => pb::UnitRule::PlaceGovernment,
        UnitRule::CityDepartment => pb::UnitRule::CityDepartment,
        UnitRule::Repeat => pb::UnitRule::Repeat,
    }
}

fn locality(l: pr_router::Locality) -> pb::Locality {
    let offset = |o: usize| u32::try_from(o).unwrap_or(u32::MAX);
    pb::Locality {
        province: l.place.province,
        city: l.place.city,
        district: l.place.district,
        town: l.place.town,
        code: l.place.code,
        source: match l.source {
            LocalitySource::None => pb::LocalitySource::Unspecified,
            LocalitySource::Hint => pb::LocalitySource::Hint,
            LocalitySource::Text => pb::LocalitySource::Text,
            LocalitySource::Model => pb::LocalitySource::Model,
        } as i32,
        evidence: l
            .evidence
            .into_iter()
            .map(|e| pb::PlaceSpan {
                text: e.text,
                start: offset(e.start),
                end: offset(e.end),
                code: e.code,
            })
            .collect(),
        candidates: l
            .candidates
            .into_iter()
            .map(|p| pb::Place {
                province: p.province,
                city: p.city,
                district: p.district,
                town: p.town,
                code: p.code,
            })
            .collect(),
    }
}

/// The outcome of one petition of a batch or stream.
fn result(request_id: &str, outcome: Result<pb::RouteResponse, Status>) -> pb::RouteResult {
    pb::RouteResult {
        request_id: request_id.to_string(),
        outcome: Some(match outcome {
            Ok(r) => pb::route_result::Outcome::Response(r),
            Err(s) => pb::route_result::Outcome::Error(pb::RouteError {
                code: s.code() as i32,
                message: s.message().to_string(),
            }),
        }),
    }
}

pub(crate) fn status_code<T>(result: &Result<T, Status>) -> Code {
    result.as_ref().map_or_else(Status::code, |_| Code::Ok)
}

/// Checks an outcome's fields.
fn check_outcome(r: &pb::RecordOutcomeRequest) -> Result<(), Status> {
    if r.request_id.trim().is_empty() {
        return Err(Status::invalid_argument(
            "request_id is empty: give the id the petition was routed with",
        ));
    }
    if r.final_department.trim().is_empty() {
        return Err(Status::invalid_argument(
            "final_department is empty: give the code of the department that handled the petition",
        ));
    }
    if r.note.chars().count() > 1_000 || r.request_id.chars().count() > MAX_ID_CHARS {
        return Err(Status::invalid_argument(format!(
            "note is limited to 1,000 characters and request_id to {MAX_ID_CHARS}"
        )));
    }
    Ok(())
}

/// The client's deadline, from the `grpc-timeout` header. The value is the client's to choose:
/// the gRPC spec allows at most 8 digits, and more (or a malformed unit) is refused instead of
/// overflowing the clock.
fn deadline<T>(request: &Request<T>) -> Result<Option<Instant>, Status> {
    let Some(value) = request.metadata().get("grpc-timeout") else {
        return Ok(None);
    };
    let invalid = || {
        Status::invalid_argument(
            "the grpc-timeout header is invalid: at most 8 digits and a unit (H, M, S, m, u or n), as the gRPC spec says",
        )
    };
    let value = value.to_str().map_err(|_| invalid())?;
    let (digits, unit) = value.split_at(value.len().checked_sub(1).ok_or_else(invalid)?);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    let n: u64 = digits.parse().map_err(|_| invalid())?;
    let timeout = match unit {
        "H" => Duration::from_secs(n * 3600),
        "M" => Duration::from_secs(n * 60),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return Err(invalid()),
    };
    // Eight digits of hours are 11,000 years: past the clock's range on some platforms, where
    // the call simply has no deadline.
    Ok(Instant::now().checked_add(timeout))
}

/// The RouterService implementation.
pub struct RouterApi {
    pub shared: Arc<Shared>,
}

type ResultStream = Pin<Box<dyn Stream<Item = Result<pb::RouteResult, Status>> + Send>>;

#[tonic::async_trait]
impl RouterService for RouterApi {
    async fn route(
        &self,
        request: Request<pb::RouteRequest>,
    ) -> Result<Response<pb::RouteResponse>, Status> {
        let shared = &self.shared;
        let _permit = shared
            .admit(1)
            .inspect_err(|s| shared.metrics.call("Route", s.code()))?;
        shared
            .route_queued(request.into_inner(), "Route")
            .await
            .map(Response::new)
    }

    async fn route_batch(
        &self,
        request: Request<pb::RouteBatchRequest>,
    ) -> Result<Response<pb::RouteBatchResponse>, Status> {
        let shared = self.shared.clone();
        let count = request.get_ref().requests.len();
        let refuse = |s: Status| {
            shared.metrics.call("RouteBatch", s.code());
            Err(s)
        };
        if count == 0 {
            return refuse(Status::invalid_argument(
                "the batch is empty: send at least one request",
            ));
        }
        if count > shared.limits.max_batch as usize {
            return refuse(Status::invalid_argument(format!(
                "the batch has {count} requests, more than the limit of {}: split it",
                shared.limits.max_batch
            )));
        }
        let permit = match shared.admit(count as u32) {
            Ok(p) => p,
            Err(s) => return refuse(s),
        };
        let deadline = match deadline(&request) {
            Ok(d) => d,
            Err(s) => return refuse(s),
        };
        let requests = request.into_inner().requests;
        let span = tracing::debug_span!("route_batch", count);
        // The batch waits for a routing thread as one call.
        let routing = shared.clone();
        let routed = shared.cores.run(move || {
            let (shared, _permit) = (routing, permit);
            let _entered = span.enter();
            let loaded = shared.live.current();
            requests
                .iter()
                .map(|r| {
                    let outcome = if deadline.is_some_and(|d| Instant::now() >= d) {
                        shared
                            .metrics
                            .call("RouteBatch.item", Code::DeadlineExceeded);
                        Err(Status::deadline_exceeded(
                            "the call's deadline passed before this petition was routed: allow more time or send smaller batches",
                        ))
                    } else {
                        shared.route_one(&loaded, r, "RouteBatch.item")
                    };
                    result(&r.request_id, outcome)
                })
                .collect()
        });
        let results = match routed.await {
            Ok(results) => results,
            Err(s) => return refuse(s),
        };
        self.shared.metrics.call("RouteBatch", Code::Ok);
        Ok(Response::new(pb::RouteBatchResponse { results }))
    }

    type RouteStreamStream = ResultStream;

    async fn route_stream(
        &self,
        request: Request<Streaming<pb::RouteRequest>>,
    ) -> Result<Response<Self::RouteStreamStream>, Status> {
        let shared = self.shared.clone();
        // The stream counts as one call in flight while it is open.
        let permit = shared
            .admit(1)
            .inspect_err(|s| shared.metrics.call("RouteStream", s.code()))?;
        let inbound = request.into_inner();
        // Each petition waits for a routing thread; one refused gets its error in place.
        let outbound = inbound.then(move |item| {
            let _held = &permit;
            let shared = shared.clone();
            async move {
                let r = item?;
                let request_id = r.request_id.clone();
                let routed = shared.route_queued(r, "RouteStream.item").await;
                Ok(result(&request_id, routed))
            }
        });
        Ok(Response::new(Box::pin(outbound) as Self::RouteStreamStream))
    }

    async fn record_outcome(
        &self,
        request: Request<pb::RecordOutcomeRequest>,
    ) -> Result<Response<pb::RecordOutcomeResponse>, Status> {
        let shared = &self.shared;
        let r = request.into_inner();
        let request_id = r.request_id.clone();
        let result = async {
            check_outcome(&r)?;
            let stored = pr_feedback::Outcome {
                request_id: r.request_id,
                final_department: r.final_department.trim().to_string(),
                returned: r.returned,
                note: r.note,
                recorded_at: crate::feedback::now(),
            };
            // Committed to disk before the answer.
            let routing = shared
                .with_feedback(move |shared, feedback| {
                    let routing = feedback.outcome(&stored)?;
                    if let Some(repeats) = &shared.repeats {
                        repeats.outcome(&stored.request_id, &stored.final_department);
                    }
                    match &routing {
                        KeptRouting::Known(recorded) => shared.metrics.outcome(Some(recorded), &stored),
                        KeptRouting::Unknown => shared.metrics.outcome(None, &stored),
                        KeptRouting::Lost => {}
                    }
                    Ok(routing)
                })
                .await?;
            match routing {
                KeptRouting::Known(_) => Ok(true),
                KeptRouting::Unknown => Ok(false),
                KeptRouting::Lost => Err(Status::unavailable(
                    "the feedback store failed when this petition was routed, so its routing was not kept and the outcome was not stored: route the petition again with the same request_id, then record its outcome",
                )),
            }
        }
        .await;
        let result = shared.metrics.counted("RecordOutcome", result);
        tracing::debug!(request_id = %request_id, status = ?status_code(&result), routing_known = ?result.as_ref().ok(), "outcome");
        result.map(|routing_known| Response::new(pb::RecordOutcomeResponse { routing_known }))
    }

    async fn list_departments(
        &self,
        _request: Request<pb::ListDepartmentsRequest>,
    ) -> Result<Response<pb::ListDepartmentsResponse>, Status> {
        let loaded = self.shared.live.current();
        let catalogue = loaded.engine.catalogue();
        let analyser = loaded.engine.analyser();
        let (channels, risk_kinds) = analyser.map(crate::analysis::kinds).unwrap_or_default();
        let limits = self.shared.limits;
        self.shared.metrics.call("ListDepartments", Code::Ok);
        Ok(Response::new(pb::ListDepartmentsResponse {
            departments: catalogue
                .departments()
                .iter()
                .map(|d| pb::Department {
                    code: d.code.clone(),
                    name: d.name.clone(),
                    aliases: d.aliases.clone(),
                    categories: d.categories.clone(),
                    summary: d.summary.clone(),
                    keyword_count: d.keywords.len() as u32,
                })
                .collect(),
            catalogue_version: catalogue.version().to_string(),
            channels,
            risk_kinds,
            analysis_lists_version: analyser.map_or(String::new(), |a| a.version().to_string()),
            limits: Some(pb::Limits {
                max_content_chars: limits.max_content_chars,
                max_batch: limits.max_batch,
                max_top_k: limits.max_top_k,
                max_in_flight: limits.max_in_flight,
            }),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_timeout(value: &str) -> Request<()> {
        let mut r = Request::new(());
        r.metadata_mut()
            .insert("grpc-timeout", value.parse().unwrap());
        r
    }

    #[test]
    fn reads_the_clients_deadline_in_every_unit() {
        let now = Instant::now();
        let within = |r: Request<()>, d: Duration| {
            let deadline = deadline(&r).unwrap().expect("a deadline");
            deadline >= now + d && deadline <= Instant::now() + d
        };
        assert!(within(with_timeout("1500m"), Duration::from_millis(1500)));
        assert!(within(with_timeout("2S"), Duration::from_secs(2)));
        assert!(within(with_timeout("250u"), Duration::from_micros(250)));
        assert!(within(with_timeout("1M"), Duration::from_secs(60)));
        assert!(within(
            with_timeout("99999999H"),
            Duration::from_secs(99_999_999 * 3600)
        ));
        assert!(deadline(&Request::new(())).unwrap().is_none());
    }

    #[test]
    fn a_timeout_outside_the_grpc_spec_is_refused_not_overflowed() {
        for value in [
            "9999999999999999999S",
            "123456789m",
            "12x",
            "S",
            "-5S",
            "+5S",
        ] {
            let e = deadline(&with_timeout(value)).unwrap_err();
            assert_eq!(e.code(), Code::InvalidArgument, "{value}");
            assert!(e.message().contains("8 digits"), "{value}: {e}");
        }
    }
}
