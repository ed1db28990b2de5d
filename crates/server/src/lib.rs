//! The gRPC service: `RouterService` and `AdminService` over the routing engine, with request
//! limits, load shedding, hot reload (arc-swap), graceful shutdown, standard health and
//! reflection, and Prometheus metrics on a separate port.

mod admin;
mod config;
mod feedback;
mod live;
mod metrics;
mod router;
mod server;

/// Code generated from `proto/petition_router/v1`: messages, clients and servers.
pub mod pb {
    tonic::include_proto!("petition_router.v1");

    /// The encoded descriptors of the package, served by reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] =
        tonic::include_file_descriptor_set!("petition_router_v1_descriptor");
}

pub use config::{Config, ConfigError, LogFormat, Settings};
pub use live::{Live, LoadError, Loaded};
pub use server::{serve, Bound, ServeError};
