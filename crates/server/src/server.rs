//! Runs the server: load, bind, serve, reload on SIGHUP, drain on SIGTERM / Ctrl-C.

use crate::admin::{self, AdminApi};
use crate::auth::Access;
use crate::config::{Config, TlsFiles};
use crate::live::{Live, Loaded};
use crate::metrics::ServerMetrics;
use crate::pb;
use crate::pb::admin_service_server::AdminServiceServer;
use crate::repeats::Repeats;
use crate::service::{RouterApi, Shared};
use pr_router::EngineLoadError;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};
use tonic_health::ServingStatus;

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The model or keyword lists given at start-up are refused.
    #[error("cannot load the model and catalogue")]
    Load(#[from] EngineLoadError),
    /// The gRPC or metrics address cannot be listened on (in use, not local, no permission).
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// `--feedback-store` is configured but cannot be opened.
    #[error("cannot open the feedback store")]
    Feedback(#[from] pr_feedback::FeedbackError),
    /// The SIGHUP / SIGTERM handlers cannot be installed.
    #[error("cannot handle signals: {0}")]
    Signals(std::io::Error),
    /// The reflection service cannot be built from the descriptor set.
    #[error("cannot build the reflection service")]
    Reflection(#[from] tonic_reflection::server::Error),
    /// tonic's server stopped with an error.
    #[error("the gRPC server failed")]
    Transport(#[from] tonic::transport::Error),
    /// A task of the server panicked: loading the engine, opening the feedback store, the
    /// gRPC server itself or the final flush of the feedback store.
    #[error("the server task failed")]
    Task(#[from] tokio::task::JoinError),
    /// A TLS certificate, key or CA file cannot be read.
    #[error("cannot read TLS file {path}")]
    TlsFile {
        /// The PEM file.
        path: std::path::PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The certificate and key were read but rustls refuses them (not PEM, not a pair, …).
    #[error("TLS certificate {cert} with key {key} cannot be used")]
    Tls {
        /// The certificate chain file.
        cert: std::path::PathBuf,
        /// The private key file.
        key: std::path::PathBuf,
        /// tonic's TLS error.
        source: tonic::transport::Error,
    },
    /// A token file or the model directory cannot be used.
    #[error("cannot set up access control")]
    Access(#[from] crate::auth::AccessError),
}

/// Where a started server listens.
#[derive(Debug, Clone, Copy)]
pub struct Bound {
    /// The gRPC address actually bound (the real port when port 0 was asked for).
    pub grpc: SocketAddr,
    /// The metrics address actually bound; `None` when metrics are off.
    pub metrics: Option<SocketAddr>,
}

/// Serves until SIGTERM or Ctrl-C, then drains. `on_ready` is called once the model is loaded,
/// both ports listen and health reports SERVING.
pub async fn serve(config: Config, on_ready: impl FnOnce(Bound)) -> Result<(), ServeError> {
    let started = Instant::now();
    let metrics = ServerMetrics::new();
    let loaded = load_engine(&config, &metrics).await?;
    let (feedback, repeats, refresh_store) = open_feedback(&config, &metrics).await?;
    let shared = shared_state(&config, loaded, metrics.clone(), feedback, repeats);
    if let Some(store) = refresh_store {
        refresh_repeats(Arc::downgrade(&shared), store, config.repeat_refresh);
    }
    let (grpc, bound) = bind_listeners(&config, &metrics, &shared).await?;

    let (health, health_service) = tonic_health::server::health_reporter();
    let routes = routes(&config, &shared, crate::transport::server())?.add_service(health_service);
    set_health(&health, ServingStatus::Serving).await;
    if let Some(feedback) = &shared.feedback {
        crate::feedback::report_health(feedback.healthy(), health.clone()).await;
    }
    reload_on_hangup(shared.clone())?;

    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let shutdown = drain_on_signal(&config, shared.clone(), health, stopping_tx)?;
    let incoming = crate::transport::incoming(grpc);
    let server = tokio::spawn(routes.serve_with_incoming_shutdown(incoming, shutdown));
    tracing::info!(
        grpc = %bound.grpc,
        metrics = ?bound.metrics,
        startup_ms = started.elapsed().as_millis() as u64,
        "serving"
    );
    on_ready(bound);

    wait_until_stopped(server, stopping_rx, config.shutdown_timeout).await?;
    flush_feedback(shared).await?;
    tracing::info!("stopped");
    Ok(())
}

/// Loads the model and keyword lists (blocking: off the async workers) and logs their versions.
async fn load_engine(config: &Config, metrics: &ServerMetrics) -> Result<Loaded, ServeError> {
    let sources = config.engine.clone();
    let loaded = tokio::task::spawn_blocking(move || Loaded::load(&sources)).await??;
    let (m, c) = (loaded.engine.model(), loaded.engine.catalogue());
    metrics.serving(m.version(), c.version());
    tracing::info!(
        model_version = m.version(),
        catalogue_version = c.version(),
        model = %loaded.sources.model,
        catalogue = %loaded.sources.catalogue,
        channel_lists = %loaded.sources.lists.channels,
        risk_lists = %loaded.sources.lists.risks,
        departments = c.departments().len(),
        "model loaded"
    );
    Ok(loaded)
}

/// What a configured feedback store gives the server: the writer, the repeat window read
/// from it, and a second connection that keeps the window up to date.
type Opened = (
    Option<crate::feedback::Feedback>,
    Option<Repeats>,
    Option<pr_feedback::Store>,
);

/// Opens the feedback store, if one is configured, reads the repeat window's petitions from
/// it and starts its writer.
async fn open_feedback(
    config: &Config,
    metrics: &Arc<ServerMetrics>,
) -> Result<Opened, ServeError> {
    let Some(url) = &config.feedback_store else {
        return Ok((None, None, None));
    };
    // Blocking (the PostgreSQL client runs its own runtime): off the async workers.
    let url = url.clone();
    let window = config.repeat_window;
    let (store, repeats, refresh_store) = tokio::task::spawn_blocking(move || {
        let store = pr_feedback::Store::open(&url)?;
        let refresh_store = pr_feedback::Store::open(&url)?;
        let repeats = Repeats::load(&refresh_store, window, crate::feedback::now())?;
        Ok::<_, pr_feedback::FeedbackError>((store, repeats, refresh_store))
    })
    .await??;
    tracing::info!(retention = ?config.feedback_retention, repeat_window = ?config.repeat_window, petitions_in_window = repeats.len(), "feedback store open");
    let feedback =
        crate::feedback::Feedback::start(store, config.feedback_retention, metrics.clone());
    Ok((Some(feedback), Some(repeats), Some(refresh_store)))
}

/// Every `interval`, adds to the repeat window what other replicas kept in the store, until
/// the server is gone. A failed read is logged and tried again at the next tick.
fn refresh_repeats(
    shared: std::sync::Weak<Shared>,
    store: pr_feedback::Store,
    interval: std::time::Duration,
) {
    let spawned = std::thread::Builder::new()
        .name("repeat-refresh".into())
        .spawn(move || loop {
            std::thread::sleep(interval);
            let Some(shared) = shared.upgrade() else {
                return;
            };
            let Some(repeats) = &shared.repeats else {
                return;
            };
            match repeats.refresh(&store, crate::feedback::now()) {
                Ok(0) => {}
                Ok(added) => tracing::debug!(added, "repeat window refreshed"),
                Err(e) => tracing::warn!(error = %e, "cannot refresh the repeat window"),
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "cannot start the repeat window's refresh: other replicas' petitions are seen from the next start");
    }
}

/// What every call shares: the live engine, the limits, admission and the routing threads.
fn shared_state(
    config: &Config,
    loaded: Loaded,
    metrics: Arc<ServerMetrics>,
    feedback: Option<crate::feedback::Feedback>,
    repeats: Option<Repeats>,
) -> Arc<Shared> {
    Arc::new(Shared {
        live: Arc::new(Live::new(loaded)),
        limits: config.limits,
        metrics,
        permits: Arc::new(Semaphore::new(config.limits.max_in_flight as usize)),
        cores: crate::cores::Cores::new(
            std::thread::available_parallelism().map_or(1, usize::from),
            config.limits.max_queued as usize,
        ),
        draining: AtomicBool::new(false),
        feedback,
        repeats,
        store_raw_text: config.store_raw_text,
    })
}

/// Binds the gRPC port and, when configured, the metrics port (served at once).
async fn bind_listeners(
    config: &Config,
    metrics: &Arc<ServerMetrics>,
    shared: &Arc<Shared>,
) -> Result<(TcpListener, Bound), ServeError> {
    let grpc = bind(config.addr).await?;
    let metrics_listener = match config.metrics_addr {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    let bound = Bound {
        grpc: grpc.local_addr().map_err(|source| ServeError::Bind {
            addr: config.addr,
            source,
        })?,
        metrics: metrics_listener.as_ref().and_then(|l| l.local_addr().ok()),
    };
    if let Some(listener) = metrics_listener {
        tokio::spawn(serve_metrics(listener, metrics.clone(), shared.clone()));
    }
    Ok((grpc, bound))
}

/// RouterService and AdminService behind their credential checks, and reflection, on
/// `builder` (the transport's settings); health and reflection stay open.
fn routes(
    config: &Config,
    shared: &Arc<Shared>,
    mut builder: Server,
) -> Result<tonic::transport::server::Router, ServeError> {
    let router_service = crate::transport::router_service(
        RouterApi {
            shared: shared.clone(),
        },
        config.limits.max_message_bytes,
    );
    let access = Arc::new(Access::load(&config.access)?);
    let router_service = InterceptedService::new(router_service, access.router_gate());
    let admin_service = InterceptedService::new(
        AdminServiceServer::new(AdminApi {
            shared: shared.clone(),
            access: access.clone(),
        }),
        access.admin_gate(),
    );
    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(pb::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    if let Some(tls) = &config.tls {
        builder = builder
            .tls_config(tls_config(tls)?)
            .map_err(|source| ServeError::Tls {
                cert: tls.cert.clone(),
                key: tls.key.clone(),
                source,
            })?;
    }
    Ok(builder
        .add_service(reflection)
        .add_service(reflection_alpha)
        .add_service(router_service)
        .add_service(admin_service))
}

/// Reloads the model and keyword lists on SIGHUP.
fn reload_on_hangup(shared: Arc<Shared>) -> Result<(), ServeError> {
    let mut hangup = signal(tokio::signal::unix::SignalKind::hangup())?;
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading model and catalogue");
            // The outcome is logged and counted by `reload`.
            let _ = admin::reload(&shared, None, None).await;
        }
    });
    Ok(())
}

/// The server's shutdown future: on SIGTERM or Ctrl-C, health turns NOT_SERVING, and after
/// the drain delay the listener closes and `stopping` is told.
fn drain_on_signal(
    config: &Config,
    shared: Arc<Shared>,
    health: tonic_health::server::HealthReporter,
    stopping: tokio::sync::oneshot::Sender<()>,
) -> Result<impl std::future::Future<Output = ()>, ServeError> {
    let mut terminate = signal(tokio::signal::unix::SignalKind::terminate())?;
    let drain_delay = config.drain_delay;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
            _ = tokio::signal::ctrl_c() => tracing::info!("interrupt: shutting down"),
        }
        shared.draining.store(true, Ordering::SeqCst);
        set_health(&health, ServingStatus::NotServing).await;
        // Load balancers see NOT_SERVING and stop sending before the listener closes.
        tokio::time::sleep(drain_delay).await;
        let _ = stopping.send(());
    })
}

/// Waits for the server to end; once draining has begun, calls in flight get at most
/// `shutdown_timeout` to finish.
async fn wait_until_stopped(
    mut server: tokio::task::JoinHandle<Result<(), tonic::transport::Error>>,
    stopping: tokio::sync::oneshot::Receiver<()>,
    shutdown_timeout: std::time::Duration,
) -> Result<(), ServeError> {
    tokio::select! {
        finished = &mut server => finished??,
        _ = stopping => {
            match tokio::time::timeout(shutdown_timeout, &mut server).await {
                Ok(finished) => finished??,
                Err(_) => {
                    tracing::warn!(
                        timeout = ?shutdown_timeout,
                        "calls still in flight when the shutdown timeout ran out: stopping anyway"
                    );
                    server.abort();
                }
            }
        }
    }
    Ok(())
}

/// Commits everything routed before the process ends.
async fn flush_feedback(shared: Arc<Shared>) -> Result<(), ServeError> {
    tokio::task::spawn_blocking(move || {
        if let Some(Err(lost)) = shared.feedback.as_ref().map(|f| f.flush()) {
            tracing::error!(lost = lost.0, "{lost}");
        }
    })
    .await?;
    Ok(())
}

/// The gRPC port's TLS: the server's identity, and with a client CA, mutual TLS (a client
/// without a certificate signed by it cannot connect).
fn tls_config(tls: &TlsFiles) -> Result<ServerTlsConfig, ServeError> {
    let read = |path: &std::path::Path| {
        std::fs::read(path).map_err(|source| ServeError::TlsFile {
            path: path.to_path_buf(),
            source,
        })
    };
    let mut config =
        ServerTlsConfig::new().identity(Identity::from_pem(read(&tls.cert)?, read(&tls.key)?));
    if let Some(ca) = &tls.client_ca {
        config = config.client_ca_root(Certificate::from_pem(read(ca)?));
    }
    Ok(config)
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })
}

fn signal(
    kind: tokio::signal::unix::SignalKind,
) -> Result<tokio::signal::unix::Signal, ServeError> {
    tokio::signal::unix::signal(kind).map_err(ServeError::Signals)
}

/// Sets the overall status ("") and each service's.
async fn set_health(health: &tonic_health::server::HealthReporter, status: ServingStatus) {
    for service in [
        "",
        "petition_router.v1.RouterService",
        "petition_router.v1.AdminService",
    ] {
        health.set_service_status(service, status).await;
    }
}

/// `/metrics` for Prometheus, and `/healthz` for probes that cannot speak gRPC over TLS
/// (Kubernetes' native gRPC probes are plaintext): 200 while serving, 503 once draining.
async fn serve_metrics(listener: TcpListener, metrics: Arc<ServerMetrics>, shared: Arc<Shared>) {
    use axum::http::StatusCode;
    let app = axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(move || {
                let metrics = metrics.clone();
                async move {
                    (
                        [(
                            axum::http::header::CONTENT_TYPE,
                            "application/openmetrics-text; version=1.0.0; charset=utf-8",
                        )],
                        metrics.encode(),
                    )
                }
            }),
        )
        .route(
            "/healthz",
            axum::routing::get(move || {
                let draining = shared.draining.load(Ordering::Relaxed);
                async move {
                    match draining {
                        false => (StatusCode::OK, "SERVING\n"),
                        true => (StatusCode::SERVICE_UNAVAILABLE, "NOT_SERVING\n"),
                    }
                }
            }),
        );
    if let Err(e) = axum::serve(listener, app).await {
        tracing::error!(error = %e, "metrics endpoint stopped");
    }
}
