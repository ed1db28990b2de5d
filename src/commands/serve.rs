//! `serve`: RouterService, AdminService, health and reflection over gRPC, metrics over HTTP.

use crate::model_files;
use crate::runtime::{self, Workers};
use anyhow::Result;
use clap::Args;
use pr_server::{LogFormat, Settings};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Settings given on the command line win over the environment, which wins over the
/// configuration file, which wins over the built-in defaults.
#[derive(Args)]
pub struct ServeArgs {
    /// gRPC listen address [default: 127.0.0.1:50051].
    #[arg(long, env = "PETITION_ROUTER_ADDR")]
    addr: Option<SocketAddr>,
    /// Prometheus metrics address (HTTP, /metrics), or off [default: 127.0.0.1:9464].
    #[arg(long, env = "PETITION_ROUTER_METRICS_ADDR")]
    metrics_addr: Option<String>,
    /// Model file [default: the shipped models/default.model].
    #[arg(long, env = "PETITION_ROUTER_MODEL")]
    model: Option<PathBuf>,
    /// Keyword-list directory [default: the shipped keyword-lists/].
    #[arg(long, env = "PETITION_ROUTER_CATALOGUE")]
    catalogue: Option<PathBuf>,
    /// TOML file with any of these settings (same names, with underscores).
    #[arg(long, env = "PETITION_ROUTER_CONFIG")]
    config: Option<PathBuf>,
    /// Longest accepted petition content, in characters [default: 32768].
    #[arg(long, env = "PETITION_ROUTER_MAX_CONTENT_CHARS")]
    max_content_chars: Option<u32>,
    /// Most petitions in one RouteBatch [default: 256].
    #[arg(long, env = "PETITION_ROUTER_MAX_BATCH")]
    max_batch: Option<u32>,
    /// Most petitions in the server at once before calls get RESOURCE_EXHAUSTED [default: 1024].
    #[arg(long, env = "PETITION_ROUTER_MAX_IN_FLIGHT")]
    max_in_flight: Option<u32>,
    /// Most calls waiting for a routing thread before new ones get RESOURCE_EXHAUSTED at once
    /// [default: 64].
    #[arg(long, env = "PETITION_ROUTER_MAX_QUEUED")]
    max_queued: Option<u32>,
    /// Largest gRPC message, in bytes [default: 16 MiB].
    #[arg(long, env = "PETITION_ROUTER_MAX_MESSAGE_BYTES")]
    max_message_bytes: Option<u32>,
    /// On shutdown, how long health says NOT_SERVING before the listener closes [default: 1s].
    #[arg(long, env = "PETITION_ROUTER_DRAIN_DELAY")]
    drain_delay: Option<String>,
    /// On shutdown, how long calls in flight may take to finish [default: 20s].
    #[arg(long, env = "PETITION_ROUTER_SHUTDOWN_TIMEOUT")]
    shutdown_timeout: Option<String>,
    /// Log format: text or json [default: text]; the level comes from RUST_LOG [default: info].
    #[arg(long, env = "PETITION_ROUTER_LOG_FORMAT")]
    log_format: Option<LogFormat>,
    /// Keep routed petitions with a request id for RecordOutcome: sqlite:PATH,
    /// postgres://USER@HOST/DATABASE, or off [default: off].
    #[arg(long, env = "PETITION_ROUTER_FEEDBACK_STORE")]
    feedback_store: Option<String>,
    /// How long routed petitions are kept for their outcome [default: 180days].
    #[arg(long, env = "PETITION_ROUTER_FEEDBACK_RETENTION")]
    feedback_retention: Option<String>,
    /// TLS on the gRPC port: certificate chain (PEM); needs --tls-key.
    #[arg(long, env = "PETITION_ROUTER_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, env = "PETITION_ROUTER_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// Mutual TLS: only clients with a certificate signed by this CA (PEM) may connect.
    #[arg(long, env = "PETITION_ROUTER_TLS_CLIENT_CA")]
    tls_client_ca: Option<PathBuf>,
    /// Bearer tokens for AdminService, one per line [default: AdminService answers local
    /// callers only].
    #[arg(long, env = "PETITION_ROUTER_ADMIN_TOKEN_FILE")]
    admin_token_file: Option<PathBuf>,
    /// Under mutual TLS, client certificate common names (CN) that may call AdminService
    /// without a token (comma-separated).
    #[arg(
        long,
        env = "PETITION_ROUTER_ADMIN_CLIENT_NAMES",
        value_delimiter = ','
    )]
    admin_client_names: Option<Vec<String>>,
    /// Bearer tokens RouterService requires, one per line [default: RouterService is open].
    #[arg(long, env = "PETITION_ROUTER_CLIENT_TOKEN_FILE")]
    client_token_file: Option<PathBuf>,
    /// Directory ReloadModel may load model files and keyword lists from [default: none;
    /// ReloadModel only re-reads the files being served].
    #[arg(long, env = "PETITION_ROUTER_MODEL_DIR")]
    model_dir: Option<PathBuf>,
}

pub fn serve(args: ServeArgs) -> Result<()> {
    let file = match &args.config {
        Some(path) => Settings::from_file(path)?,
        None => Settings::default(),
    };
    let given = Settings {
        addr: args.addr,
        metrics_addr: args.metrics_addr,
        model: args.model,
        catalogue: args.catalogue,
        max_content_chars: args.max_content_chars,
        max_batch: args.max_batch,
        max_in_flight: args.max_in_flight,
        max_queued: args.max_queued,
        max_message_bytes: args.max_message_bytes,
        drain_delay: args.drain_delay,
        shutdown_timeout: args.shutdown_timeout,
        log_format: args.log_format,
        feedback_store: args.feedback_store,
        feedback_retention: args.feedback_retention,
        tls_cert: args.tls_cert,
        tls_key: args.tls_key,
        tls_client_ca: args.tls_client_ca,
        admin_token_file: args.admin_token_file,
        admin_client_names: args.admin_client_names,
        client_token_file: args.client_token_file,
        model_dir: args.model_dir,
    };
    let config = given
        .or(file)
        .resolve(model_files::model(None), model_files::catalogue(None))?;
    init_logging(config.log_format);
    runtime::block_on(
        Workers::PerCore,
        pr_server::serve(config, |bound| {
            // One line on standard output, for scripts and tests that start the server on port 0.
            let metrics = bound.metrics.map_or("off".to_string(), |a| a.to_string());
            println!("listening grpc={} metrics={metrics}", bound.grpc);
        }),
    )??;
    Ok(())
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"))
        // The PostgreSQL client logs statement parameters (petition text) at debug: never let
        // RUST_LOG turn that on.
        .add_directive("tokio_postgres=info".parse().expect("a valid directive"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
