//! The gRPC service: `RouterService` and `AdminService` over the routing engine, with request
//! limits, load shedding, TLS and access control, hot reload (arc-swap), graceful shutdown,
//! standard health and reflection, and Prometheus metrics on a separate port.

mod admin;
mod auth;
mod config;
mod cores;
mod feedback;
mod live;
mod metrics;
mod server;
mod service;

/// Code generated from `proto/petition_router/v1`: messages, clients and servers.
pub mod pb {
    tonic::include_proto!("petition_router.v1");

    /// The encoded descriptors of the package, served by reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        tonic::include_file_descriptor_set!("petition_router_v1_descriptor");
}

pub use auth::AccessError;
pub use config::{AccessFiles, Config, ConfigError, LogFormat, Settings, TlsFiles};
pub use live::{EngineLoadError, Live, Loaded};
pub use server::{serve, Bound, ServeError};
