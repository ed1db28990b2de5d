//! Prometheus metrics, served as text on a separate HTTP port.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::Arc;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    method: &'static str,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DepartmentLabels {
    department: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RiskLabels {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabels {
    model_version: String,
    catalogue_version: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RoutingOutcomeLabels {
    model_version: String,
    /// The department suggested first.
    department: String,
    top1: &'static str,
    top3: &'static str,
    returned: &'static str,
}

/// Registers `metric` under `name` and hands it back, to keep in the struct.
fn registered<M: prometheus_client::registry::Metric + Clone>(
    registry: &mut Registry,
    name: &str,
    help: &str,
    metric: M,
) -> M {
    registry.register(name, help, metric.clone());
    metric
}

/// Every metric the server exports.
pub struct ServerMetrics {
    registry: Registry,
    calls: Family<CallLabels, Counter>,
    route_seconds: Histogram,
    top_suggestions: Family<DepartmentLabels, Counter>,
    routed: Counter,
    needs_review: Counter,
    risk_flags: Family<RiskLabels, Counter>,
    model_info: Family<VersionLabels, Gauge>,
    reloads: Family<OutcomeLabels, Counter>,
    feedback_dropped: Counter,
    feedback_lost: Counter,
    feedback_store_up: Gauge,
    outcomes: Family<RoutingOutcomeLabels, Counter>,
    outcomes_without_routing: Counter,
}

impl ServerMetrics {
    pub fn new() -> Arc<ServerMetrics> {
        let mut registry = Registry::with_prefix("petition_router");
        let r = &mut registry;
        // Registered in this order, which is the order of /metrics.
        let metrics = ServerMetrics {
            calls: registered(r, "calls", "gRPC calls (and batch or stream items) by method and status code", Family::<CallLabels, Counter>::default()),
            // 10 µs .. ~80 ms: routing is tens of microseconds, long petitions a few milliseconds.
            route_seconds: registered(r, "route_seconds", "Time spent routing one petition inside the server", Histogram::new(
            prometheus_client::metrics::histogram::exponential_buckets(1e-5, 2.0, 14),
        )),
            top_suggestions: registered(r, "top_suggestions", "Petitions routed, by the department suggested first", Family::<DepartmentLabels, Counter>::default()),
            routed: registered(r, "routed", "Petitions routed", Counter::default()),
            needs_review: registered(r, "needs_review", "Petitions routed with needs_review set (divide by routed for the rate)", Counter::default()),
            risk_flags: registered(r, "risk_flags", "Risk flags raised by the analysis stage, by kind (a petition may raise several)", Family::<RiskLabels, Counter>::default()),
            model_info: registered(r, "model", "The model and catalogue serving now (value 1)", Family::<VersionLabels, Gauge>::default()),
            reloads: registered(r, "reloads", "Model reloads by outcome", Family::<OutcomeLabels, Counter>::default()),
            outcomes: registered(r, "outcomes", "Recorded outcomes by model version and first-suggested department: whether the first \
             (top1) or one of the first three (top3) suggestions was the final department, and \
             whether the department sent the case back (returned, 退单)", Family::<RoutingOutcomeLabels, Counter>::default()),
            outcomes_without_routing: registered(r, "outcomes_without_routing", "Recorded outcomes whose routing the store did not keep (routed by another replica, \
             never routed with that id, or past retention): stored, not counted in outcomes", Counter::default()),
            feedback_dropped: registered(r, "feedback_dropped", "Routed petitions not kept for their outcome because the store's queue was full", Counter::default()),
            feedback_lost: registered(r, "feedback_lost", "Routed petitions not kept for their outcome because the store refused them after \
             retries (or their queue was full): their outcomes are refused with UNAVAILABLE", Counter::default()),
            feedback_store_up: registered(r, "feedback_store_up", "1 while the feedback store takes writes, 0 after a write failed until one succeeds", Gauge::default()),
            registry,
        };
        Arc::new(metrics)
    }

    /// Counts a call (or an item of a batch or stream) with its gRPC status.
    pub fn call(&self, method: &'static str, code: tonic::Code) {
        self.calls
            .get_or_create(&CallLabels {
                method,
                status: code_name(code),
            })
            .inc();
    }

    /// Counts a call by its result, and hands the result back.
    pub fn counted<T>(
        &self,
        method: &'static str,
        result: Result<T, tonic::Status>,
    ) -> Result<T, tonic::Status> {
        self.call(method, crate::service::status_code(&result));
        result
    }

    /// Records one routed petition.
    pub fn routed(&self, seconds: f64, top_department: Option<&str>, needs_review: bool) {
        self.route_seconds.observe(seconds);
        self.routed.inc();
        if needs_review {
            self.needs_review.inc();
        }
        if let Some(d) = top_department {
            self.top_suggestions
                .get_or_create(&DepartmentLabels {
                    department: d.to_string(),
                })
                .inc();
        }
    }

    /// Counts the risk flags of one routed petition.
    pub fn risks(&self, kinds: impl Iterator<Item = &'static str>) {
        for kind in kinds {
            self.risk_flags.get_or_create(&RiskLabels { kind }).inc();
        }
    }

    /// Marks the versions now serving (the previous ones go away).
    pub fn serving(&self, model_version: &str, catalogue_version: &str) {
        self.model_info.clear();
        self.model_info
            .get_or_create(&VersionLabels {
                model_version: model_version.to_string(),
                catalogue_version: catalogue_version.to_string(),
            })
            .set(1);
    }

    /// Counts a recorded outcome against the routing it belongs to, when that is kept.
    pub fn outcome(&self, routed: Option<&pr_feedback::Recorded>, outcome: &pr_feedback::Outcome) {
        let Some(routed) = routed else {
            self.outcomes_without_routing.inc();
            return;
        };
        let right = |yes: bool| if yes { "right" } else { "wrong" };
        let final_department = outcome.final_department.as_str();
        self.outcomes
            .get_or_create(&RoutingOutcomeLabels {
                model_version: routed.model_version.clone(),
                department: routed.first().unwrap_or_default().to_string(),
                top1: right(routed.first() == Some(final_department)),
                top3: right(
                    routed
                        .suggested
                        .iter()
                        .take(3)
                        .any(|s| s == final_department),
                ),
                returned: if outcome.returned { "true" } else { "false" },
            })
            .inc();
    }

    pub fn feedback_dropped(&self) {
        self.feedback_dropped.inc();
    }

    pub fn feedback_lost(&self) {
        self.feedback_lost.inc();
    }

    pub fn feedback_store_up(&self, up: bool) {
        self.feedback_store_up.set(i64::from(up));
    }

    pub fn reload(&self, ok: bool) {
        self.reloads
            .get_or_create(&OutcomeLabels {
                outcome: if ok { "ok" } else { "refused" },
            })
            .inc();
    }

    /// The text exposition format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "OK",
        Cancelled => "CANCELLED",
        Unknown => "UNKNOWN",
        InvalidArgument => "INVALID_ARGUMENT",
        DeadlineExceeded => "DEADLINE_EXCEEDED",
        NotFound => "NOT_FOUND",
        AlreadyExists => "ALREADY_EXISTS",
        PermissionDenied => "PERMISSION_DENIED",
        ResourceExhausted => "RESOURCE_EXHAUSTED",
        FailedPrecondition => "FAILED_PRECONDITION",
        Aborted => "ABORTED",
        OutOfRange => "OUT_OF_RANGE",
        Unimplemented => "UNIMPLEMENTED",
        Internal => "INTERNAL",
        Unavailable => "UNAVAILABLE",
        DataLoss => "DATA_LOSS",
        Unauthenticated => "UNAUTHENTICATED",
    }
}
