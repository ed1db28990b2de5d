//! `health`: asks a server's standard gRPC health service; exits 0 only when it is SERVING.

use crate::runtime::{self, Workers};
use anyhow::{Context, Result};
use clap::Args;
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Args)]
pub struct HealthArgs {
    /// Server to ask.
    #[arg(long, default_value = "127.0.0.1:50051")]
    addr: SocketAddr,
    /// Service to ask about; empty asks about the server as a whole.
    #[arg(long, default_value = "")]
    service: String,
    /// The server speaks TLS: trust this CA certificate (PEM).
    #[arg(long)]
    tls_ca: Option<PathBuf>,
    /// The name the server's certificate carries [default: the address' IP].
    #[arg(long, requires = "tls_ca")]
    tls_domain: Option<String>,
}

/// Asks the standard gRPC health service; succeeds only when it answers SERVING.
pub fn health(args: HealthArgs) -> Result<()> {
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::{health_check_response::ServingStatus, HealthCheckRequest};
    runtime::block_on(Workers::One, async {
        let scheme = if args.tls_ca.is_some() {
            "https"
        } else {
            "http"
        };
        let mut endpoint =
            tonic::transport::Endpoint::from_shared(format!("{scheme}://{}", args.addr))?
                .connect_timeout(std::time::Duration::from_secs(2))
                .timeout(std::time::Duration::from_secs(2));
        if let Some(ca) = &args.tls_ca {
            let pem = std::fs::read(ca)
                .with_context(|| format!("cannot read the CA certificate {}", ca.display()))?;
            let domain = args.tls_domain.clone();
            let tls = tonic::transport::ClientTlsConfig::new()
                .ca_certificate(tonic::transport::Certificate::from_pem(pem))
                .domain_name(domain.unwrap_or_else(|| args.addr.ip().to_string()));
            endpoint = endpoint.tls_config(tls)?;
        }
        let channel = endpoint
            .connect()
            .await
            .with_context(|| format!("cannot connect to {}", args.addr))?;
        let status = HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: args.service.clone(),
            })
            .await
            .with_context(|| format!("health check of {} failed", args.addr))?
            .into_inner()
            .status();
        println!("{}", status.as_str_name());
        anyhow::ensure!(
            status == ServingStatus::Serving,
            "{} is {}",
            args.addr,
            status.as_str_name()
        );
        Ok(())
    })?
}
