//! The runtime and gRPC transport settings `serve` runs with, in one place so that the gRPC
//! floor benchmark's echo server (benches/grpc_floor.rs) is built exactly alike and cannot
//! drift from them: the benchmark's baseline is only a floor if nothing but the service differs.

use crate::pb::router_service_server::{RouterService, RouterServiceServer};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio_stream::wrappers::TcpListenerStream;
use tokio_stream::{Stream, StreamExt};
use tonic::transport::Server;

/// The largest gRPC message accepted or sent when `max_message_bytes` is not set.
pub const DEFAULT_MAX_MESSAGE_BYTES: u32 = 16 << 20;

/// The async runtime of the server (and of the other network commands): a worker per core.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
}

/// tonic's server builder with the HTTP/2 settings of `serve`.
pub fn server() -> Server {
    Server::builder().http2_keepalive_interval(Some(Duration::from_secs(30)))
}

/// `api` as a RouterService that accepts and sends messages of at most `max_message_bytes`.
pub fn router_service<T: RouterService>(api: T, max_message_bytes: u32) -> RouterServiceServer<T> {
    let max = max_message_bytes as usize;
    RouterServiceServer::new(api)
        .max_decoding_message_size(max)
        .max_encoding_message_size(max)
}

/// The connections `listener` accepts, with TCP_NODELAY set.
pub fn incoming(listener: TcpListener) -> impl Stream<Item = std::io::Result<TcpStream>> {
    TcpListenerStream::new(listener).map(|stream| {
        // Nagle's algorithm would hold small responses back for up to 40 ms.
        if let Ok(s) = &stream {
            let _ = s.set_nodelay(true);
        }
        stream
    })
}
