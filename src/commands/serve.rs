//! `serve`: RouterService, AdminService, health and reflection over gRPC, metrics over HTTP.

use crate::model_files;
use crate::runtime::{self, Workers};
use anyhow::Result;
use clap::Args;
use pr_server::{LogFormat, Settings};
use std::path::PathBuf;

/// Settings given on the command line win over the environment, which wins over the
/// configuration file, which wins over the built-in defaults.
#[derive(Args)]
pub struct ServeArgs {
    /// TOML file with any of these settings (same names, with underscores).
    #[arg(long, env = "PETITION_ROUTER_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    settings: Settings,
}

pub fn serve(args: ServeArgs) -> Result<()> {
    let file = match &args.config {
        Some(path) => Settings::from_file(path)?,
        None => Settings::default(),
    };
    let config = args.settings.or(file).resolve(model_files::shipped())?;
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
