//! A real `petition-router serve` process on ephemeral ports, and gRPC clients to it.

use pr_server::pb::admin_service_client::AdminServiceClient;
use pr_server::pb::router_service_client::RouterServiceClient;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Stdio};
use tonic::transport::Channel;

/// A running server; killed when dropped.
pub struct Server {
    pub child: Child,
    pub grpc: String,
    pub metrics: String,
    stderr: Option<std::thread::JoinHandle<String>>,
}

impl Server {
    /// Starts `serve` with `args` (ports 0 unless given) and waits for its "listening" line.
    pub fn start(args: &[&str]) -> Server {
        let mut command = super::binary();
        command
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--metrics-addr",
                "127.0.0.1:0",
            ])
            .args(args)
            .env("RUST_LOG", "debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("the server starts");
        let mut stderr = child.stderr.take().unwrap();
        // Drain standard error so the server never blocks on it; the tests read it at the end.
        let stderr = Some(std::thread::spawn(move || {
            let mut s = String::new();
            let _ = stderr.read_to_string(&mut s);
            s
        }));
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(
            line.starts_with("listening "),
            "server did not start: {line:?}"
        );
        let field = |name: &str| {
            line.split_whitespace()
                .find_map(|f| f.strip_prefix(name))
                .unwrap()
                .to_string()
        };
        Server {
            grpc: field("grpc="),
            metrics: field("metrics="),
            child,
            stderr,
        }
    }

    pub async fn channel(&self) -> Channel {
        Channel::from_shared(format!("http://{}", self.grpc))
            .unwrap()
            .connect()
            .await
            .expect("connects to the server")
    }

    pub async fn router(&self) -> RouterServiceClient<Channel> {
        RouterServiceClient::new(self.channel().await)
    }

    pub async fn admin(&self) -> AdminServiceClient<Channel> {
        AdminServiceClient::new(self.channel().await)
    }

    /// What the server is serving now (GetModelInfo).
    pub async fn model_info(&self) -> pr_server::pb::ModelInfo {
        let mut admin = self.admin().await;
        let info = admin.get_model_info(pr_server::pb::GetModelInfoRequest {});
        info.await.expect("GetModelInfo answers").into_inner()
    }

    /// Sends a Unix signal to the server.
    pub fn signal(&self, name: &str) {
        let ok = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name} failed");
    }

    /// Waits for the server to exit; returns whether it exited successfully and its log.
    pub fn wait(mut self) -> (bool, String) {
        let status = self.child.wait().unwrap();
        let log = self.stderr.take().unwrap().join().unwrap();
        (status.success(), log)
    }

    /// GET /metrics over plain HTTP/1.1.
    pub fn metrics_text(&self) -> String {
        use std::io::Write;
        let mut stream = std::net::TcpStream::connect(&self.metrics).unwrap();
        write!(
            stream,
            "GET /metrics HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.metrics
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        response
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Asserts a gRPC error's code and that its message mentions `mentions` (what to fix).
pub fn assert_status(status: &tonic::Status, code: tonic::Code, mentions: &str) {
    assert_eq!(status.code(), code, "{status}");
    assert!(
        status.message().contains(mentions),
        "{:?} should mention {mentions:?}",
        status.message()
    );
}
