//! Runs the server: load, bind, serve, reload on SIGHUP, drain on SIGTERM / Ctrl-C.

use crate::admin::{self, AdminApi};
use crate::auth::Access;
use crate::config::{Config, TlsFiles};
use crate::live::{EngineLoadError, Live, Loaded};
use crate::metrics::ServerMetrics;
use crate::pb;
use crate::pb::admin_service_server::AdminServiceServer;
use crate::pb::router_service_server::RouterServiceServer;
use crate::service::{RouterApi, Shared};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_stream::wrappers::TcpListenerStream;
use tokio_stream::StreamExt;
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
    let (model, catalogue) = (config.model.clone(), config.catalogue.clone());
    let loaded = tokio::task::spawn_blocking(move || Loaded::load(&model, &catalogue)).await??;
    let metrics = ServerMetrics::new();
    {
        let (m, c) = (loaded.engine.model(), loaded.engine.catalogue());
        metrics.serving(m.version(), c.version());
        tracing::info!(
            model_version = m.version(),
            catalogue_version = c.version(),
            model = %loaded.model_path.display(),
            catalogue = %loaded.catalogue_path.display(),
            departments = c.departments().len(),
            "model loaded"
        );
    }
    let feedback = match &config.feedback_store {
        Some(url) => {
            // Blocking (the PostgreSQL client runs its own runtime): off the async workers.
            let url = url.as_given();
            let store =
                tokio::task::spawn_blocking(move || pr_feedback::Store::open(&url)).await??;
            tracing::info!(retention = ?config.feedback_retention, "feedback store open");
            Some(crate::feedback::Feedback::start(
                store,
                config.feedback_retention,
                metrics.clone(),
            ))
        }
        None => None,
    };
    let shared = Arc::new(Shared {
        live: Arc::new(Live::new(loaded)),
        limits: config.limits,
        metrics: metrics.clone(),
        permits: Arc::new(Semaphore::new(config.limits.max_in_flight as usize)),
        cores: crate::cores::Cores::new(
            std::thread::available_parallelism().map_or(1, usize::from),
            config.limits.max_queued as usize,
        ),
        draining: AtomicBool::new(false),
        feedback,
    });

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

    let (health, health_service) = tonic_health::server::health_reporter();
    let max = config.limits.max_message_bytes as usize;
    let router_service = RouterServiceServer::new(RouterApi {
        shared: shared.clone(),
    })
    .max_decoding_message_size(max)
    .max_encoding_message_size(max);
    let access = Arc::new(Access::load(&config.access)?);
    // Health and reflection stay open; the two services check their callers' credentials.
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
    set_health(&health, ServingStatus::Serving).await;
    if let Some(feedback) = &shared.feedback {
        crate::feedback::report_health(feedback.healthy(), health.clone()).await;
    }

    let mut hangup = signal(tokio::signal::unix::SignalKind::hangup())?;
    let reload_shared = shared.clone();
    tokio::spawn(async move {
        while hangup.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading model and catalogue");
            // The outcome is logged and counted by `reload`.
            let _ = admin::reload(&reload_shared, None, None).await;
        }
    });

    let mut terminate = signal(tokio::signal::unix::SignalKind::terminate())?;
    let (stopping_tx, stopping_rx) = tokio::sync::oneshot::channel::<()>();
    let drain_delay = config.drain_delay;
    let drain_shared = shared.clone();
    let drain_health = health.clone();
    let shutdown = async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
            _ = tokio::signal::ctrl_c() => tracing::info!("interrupt: shutting down"),
        }
        drain_shared.draining.store(true, Ordering::SeqCst);
        set_health(&drain_health, ServingStatus::NotServing).await;
        // Load balancers see NOT_SERVING and stop sending before the listener closes.
        tokio::time::sleep(drain_delay).await;
        let _ = stopping_tx.send(());
    };

    let incoming = TcpListenerStream::new(grpc).map(|stream| {
        // Nagle's algorithm would hold small responses back for up to 40 ms.
        if let Ok(s) = &stream {
            let _ = s.set_nodelay(true);
        }
        stream
    });
    let mut builder = Server::builder();
    if let Some(tls) = &config.tls {
        builder = builder
            .tls_config(tls_config(tls)?)
            .map_err(|source| ServeError::Tls {
                cert: tls.cert.clone(),
                key: tls.key.clone(),
                source,
            })?;
    }
    let mut server = tokio::spawn(
        builder
            .http2_keepalive_interval(Some(std::time::Duration::from_secs(30)))
            .add_service(health_service)
            .add_service(reflection)
            .add_service(reflection_alpha)
            .add_service(router_service)
            .add_service(admin_service)
            .serve_with_incoming_shutdown(incoming, shutdown),
    );
    tracing::info!(
        grpc = %bound.grpc,
        metrics = ?bound.metrics,
        startup_ms = started.elapsed().as_millis() as u64,
        "serving"
    );
    on_ready(bound);

    tokio::select! {
        finished = &mut server => finished??,
        _ = stopping_rx => {
            match tokio::time::timeout(config.shutdown_timeout, &mut server).await {
                Ok(finished) => finished??,
                Err(_) => {
                    tracing::warn!(
                        timeout = ?config.shutdown_timeout,
                        "calls still in flight when the shutdown timeout ran out: stopping anyway"
                    );
                    server.abort();
                }
            }
        }
    }
    // Everything routed is committed before the process ends.
    let flushing = shared.clone();
    tokio::task::spawn_blocking(move || {
        if let Some(Err(lost)) = flushing.feedback.as_ref().map(|f| f.flush()) {
            tracing::error!(lost = lost.0, "{lost}");
        }
    })
    .await?;
    tracing::info!("stopped");
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
