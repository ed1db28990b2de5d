//! The server on a shared network: TLS and mutual TLS, bearer tokens for each service, the
//! model directory ReloadModel is confined to, and numbers a client controls.

mod common;

use common::server::{assert_status, Server};
use pr_server::pb;
use pr_server::pb::admin_service_client::AdminServiceClient;
use pr_server::pb::router_service_client::RouterServiceClient;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use std::path::{Path, PathBuf};
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Identity};
use tonic::Code;

const WAGES: &str =
    "公司拖欠我们三十多名工人半年工资共计四十多万元，老板失联，请求劳动监察部门帮助追讨。";

fn petition(content: &str) -> pb::RouteRequest {
    pb::RouteRequest {
        request_id: String::new(),
        content: content.into(),
        ..Default::default()
    }
}

/// A test CA and certificates it signs, written as PEM files into a directory.
struct Pki {
    dir: tempfile::TempDir,
    ca: Issuer<'static, KeyPair>,
}

impl Pki {
    fn new() -> Pki {
        let dir = tempfile::tempdir().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "test CA");
        let key = KeyPair::generate().unwrap();
        let cert = params.self_signed(&key).unwrap();
        std::fs::write(dir.path().join("ca.pem"), cert.pem()).unwrap();
        Pki {
            dir,
            ca: Issuer::new(params, key),
        }
    }

    fn ca(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// A certificate for `name` (also its subject CN), signed by the CA: `(cert, key)`.
    fn issue(&self, name: &str) -> (PathBuf, PathBuf) {
        let mut params = CertificateParams::new(vec![name.to_string()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca).unwrap();
        let (cert_path, key_path) = (
            self.dir.path().join(format!("{name}.pem")),
            self.dir.path().join(format!("{name}.key")),
        );
        std::fs::write(&cert_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        (cert_path, key_path)
    }

    fn path_args<'a>(&self, pairs: &'a [(&'a str, &'a Path)]) -> Vec<String> {
        pairs
            .iter()
            .flat_map(|(flag, path)| [flag.to_string(), path.display().to_string()])
            .collect()
    }
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// A TLS channel to `server` trusting `ca`, presenting `client` (cert, key) if given.
async fn tls_channel(
    server: &Server,
    ca: &Path,
    client: Option<&(PathBuf, PathBuf)>,
) -> Result<Channel, tonic::transport::Error> {
    let port = server.grpc.rsplit(':').next().unwrap();
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(std::fs::read(ca).unwrap()))
        .domain_name("localhost");
    if let Some((cert, key)) = client {
        let (cert, key) = (std::fs::read(cert).unwrap(), std::fs::read(key).unwrap());
        tls = tls.identity(Identity::from_pem(cert, key));
    }
    Channel::from_shared(format!("https://localhost:{port}"))
        .unwrap()
        .tls_config(tls)?
        .connect()
        .await
}

fn http_get(addr: &str, path: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// An admin and a client token file holding one token each: `(admin, client)`.
fn token_files(dir: &Path, admin: &str, client: &str) -> (PathBuf, PathBuf) {
    let write = |name: &str, token: &str| {
        let path = dir.join(name);
        std::fs::write(&path, format!("{token}\n")).unwrap();
        path
    };
    (write("admin", admin), write("client", client))
}

fn with_token<T>(message: T, token: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    let value = format!("Bearer {token}").parse().unwrap();
    request.metadata_mut().insert("authorization", value);
    request
}

#[tokio::test]
async fn tls_serves_routing_and_refuses_plaintext() {
    let pki = Pki::new();
    let (cert, key) = pki.issue("localhost");
    let args = pki.path_args(&[("--tls-cert", &cert), ("--tls-key", &key)]);
    let server = Server::start(&strs(&args));
    let channel = tls_channel(&server, &pki.ca(), None).await.unwrap();
    let answer = RouterServiceClient::new(channel)
        .route(petition(WAGES))
        .await
        .expect("routes over TLS")
        .into_inner();
    assert!(!answer.suggestions.is_empty());
    // The health command checks a TLS server given its CA.
    let ca = pki.ca();
    let checked = common::run_ok(&[
        "health",
        "--addr",
        &server.grpc,
        "--tls-ca",
        ca.to_str().unwrap(),
        "--tls-domain",
        "localhost",
    ]);
    assert_eq!(checked.trim(), "SERVING");
    // Probes that cannot speak gRPC over TLS read /healthz on the metrics port.
    let health = http_get(&server.metrics, "/healthz");
    assert!(
        health.starts_with("HTTP/1.1 200") && health.ends_with("SERVING\n"),
        "{health}"
    );
    // A plaintext client gets no answer from the TLS port.
    let plain = Channel::from_shared(format!("http://{}", server.grpc))
        .unwrap()
        .connect()
        .await;
    if let Ok(plain) = plain {
        let e = RouterServiceClient::new(plain)
            .route(petition(WAGES))
            .await
            .unwrap_err();
        assert_ne!(e.code(), Code::Ok);
    }
}

#[tokio::test]
async fn mutual_tls_lets_listed_certificates_administer_and_keeps_others_out() {
    let pki = Pki::new();
    let (cert, key) = pki.issue("localhost");
    let ops = pki.issue("ops-console");
    let clerk = pki.issue("clerk-desk");
    let ca = pki.ca();
    let mut args = pki.path_args(&[
        ("--tls-cert", &cert),
        ("--tls-key", &key),
        ("--tls-client-ca", &ca),
    ]);
    args.extend(["--admin-client-names".into(), "ops-console".into()]);
    let server = Server::start(&strs(&args));

    let as_ops = tls_channel(&server, &ca, Some(&ops)).await.unwrap();
    AdminServiceClient::new(as_ops)
        .get_model_info(pb::GetModelInfoRequest {})
        .await
        .expect("a listed certificate administers without a token");

    let as_clerk = tls_channel(&server, &ca, Some(&clerk)).await.unwrap();
    RouterServiceClient::new(as_clerk.clone())
        .route(petition(WAGES))
        .await
        .expect("any certificate of the CA routes");
    let e = AdminServiceClient::new(as_clerk)
        .get_model_info(pb::GetModelInfoRequest {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), Code::PermissionDenied, "{e}");

    // Without a client certificate the handshake fails (or the first call does).
    if let Ok(anonymous) = tls_channel(&server, &ca, None).await {
        let e = RouterServiceClient::new(anonymous)
            .route(petition(WAGES))
            .await
            .unwrap_err();
        // The server's TLS alert (or the closed connection) reaches the client as a transport
        // error, never as an answer of the service.
        assert!(
            matches!(
                e.code(),
                Code::Unknown | Code::Cancelled | Code::Unavailable
            ),
            "{e:?}"
        );
        assert!(format!("{e:?}").contains("transport"), "{e:?}");
    }
}

#[tokio::test]
async fn tokens_guard_each_service_and_never_reach_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let (admin_file, client_file) = token_files(dir.path(), "admin-7f3e9c", "clerk-51d0aa");
    let server = Server::start(&[
        "--admin-token-file",
        admin_file.to_str().unwrap(),
        "--client-token-file",
        client_file.to_str().unwrap(),
    ]);
    let mut router = server.router().await;
    let mut admin = server.admin().await;

    let e = router.route(petition(WAGES)).await.unwrap_err();
    assert_status(&e, Code::Unauthenticated, "Bearer");
    let e = router
        .route(with_token(petition(WAGES), "clerk-wrong"))
        .await
        .unwrap_err();
    assert_status(&e, Code::Unauthenticated, "not valid");
    router
        .route(with_token(petition(WAGES), "clerk-51d0aa"))
        .await
        .expect("the client token routes");

    let e = admin
        .get_model_info(pb::GetModelInfoRequest {})
        .await
        .unwrap_err();
    assert_status(&e, Code::Unauthenticated, "admin token");
    let e = admin
        .reload_model(with_token(
            pb::ReloadModelRequest::default(),
            "clerk-51d0aa",
        ))
        .await
        .unwrap_err();
    assert_status(&e, Code::PermissionDenied, "admin token");
    admin
        .get_model_info(with_token(pb::GetModelInfoRequest {}, "admin-7f3e9c"))
        .await
        .expect("the admin token administers");

    // Health stays open for load balancers.
    use tonic_health::pb::{health_client::HealthClient, HealthCheckRequest};
    let health = HealthClient::new(server.channel().await)
        .check(HealthCheckRequest::default())
        .await
        .expect("health needs no token")
        .into_inner();
    assert_eq!(health.status, 1);

    server.signal("TERM");
    let (_, log) = server.wait();
    for secret in ["admin-7f3e9c", "clerk-51d0aa", "clerk-wrong"] {
        assert!(!log.contains(secret), "the log holds a token");
    }
    assert!(log.contains("call refused"), "refusals are logged");
}

#[tokio::test]
async fn reload_loads_only_from_the_model_directory_and_hides_other_paths() {
    let root = tempfile::tempdir().unwrap();
    let models = root.path().join("models");
    std::fs::create_dir(&models).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/default.model");
    std::fs::copy(&shipped, models.join("v2.model")).unwrap();
    let server = Server::start(&["--model-dir", models.to_str().unwrap()]);
    let mut admin = server.admin().await;
    let reload = |model: &str| pb::ReloadModelRequest {
        model_path: model.to_string(),
        catalogue_path: String::new(),
    };
    admin
        .reload_model(reload("v2.model"))
        .await
        .expect("a file in the model directory loads, named relative to it");
    let existing = admin
        .reload_model(reload(shipped.to_str().unwrap()))
        .await
        .unwrap_err();
    let missing = admin
        .reload_model(reload("/etc/no-such-file"))
        .await
        .unwrap_err();
    assert_status(&existing, Code::FailedPrecondition, "--model-dir");
    assert_eq!(existing.message(), missing.message());
    assert!(!existing.message().contains("default.model"));

    // Without a model directory only the served files can be read again.
    let server = Server::start(&[]);
    let mut admin = server.admin().await;
    admin
        .reload_model(pb::ReloadModelRequest::default())
        .await
        .expect("the served files reload");
    let e = admin
        .reload_model(reload(shipped.to_str().unwrap()))
        .await
        .unwrap_err();
    assert_status(&e, Code::FailedPrecondition, "no model directory");
}

#[tokio::test]
async fn a_timeout_header_beyond_the_grpc_spec_gets_a_status_not_a_crash() {
    let server = Server::start(&[]);
    let mut router = server.router().await;
    let mut batch = tonic::Request::new(pb::RouteBatchRequest {
        requests: vec![petition(WAGES)],
    });
    let huge = "9999999999999999999S".parse().unwrap();
    batch.metadata_mut().insert("grpc-timeout", huge);
    let e = router.route_batch(batch).await.unwrap_err();
    assert_status(&e, Code::InvalidArgument, "grpc-timeout");
    // The longest timeout the spec allows works, and the server is still there.
    let mut batch = tonic::Request::new(pb::RouteBatchRequest {
        requests: vec![petition(WAGES)],
    });
    batch
        .metadata_mut()
        .insert("grpc-timeout", "99999999H".parse().unwrap());
    let answer = router.route_batch(batch).await.unwrap().into_inner();
    assert_eq!(answer.results.len(), 1);
}

/// Whether Python's grpcio and grpcio-tools are installed. CI installs them and sets
/// PETITION_ROUTER_TEST_PYTHON, so that there the test runs or fails, never skips.
fn python_grpc() -> bool {
    let found = std::process::Command::new("python3")
        .args(["-c", "import grpc, grpc_tools"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("PETITION_ROUTER_TEST_PYTHON").is_none(),
            "PETITION_ROUTER_TEST_PYTHON is set but python3 cannot import grpc and grpc_tools"
        );
        eprintln!(
            "skipped: python3 has no grpcio / grpcio-tools (pip install grpcio grpcio-tools)"
        );
    }
    found
}

#[test]
fn a_python_grpcio_client_routes_over_tls_and_cannot_administer_without_the_token() {
    if !python_grpc() {
        return;
    }
    let pki = Pki::new();
    let (cert, key) = pki.issue("localhost");
    let dir = tempfile::tempdir().unwrap();
    let (admin_file, client_file) = token_files(dir.path(), "admin-0c4b2e", "desk-93af10");
    let args = pki.path_args(&[
        ("--tls-cert", &cert),
        ("--tls-key", &key),
        ("--admin-token-file", &admin_file),
        ("--client-token-file", &client_file),
    ]);
    let server = Server::start(&strs(&args));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3")
        .arg(root.join("tests/python/route_over_tls.py"))
        .arg(&server.grpc)
        .arg(pki.ca())
        .arg("desk-93af10")
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("routed "), "{stdout}");
    assert!(stdout.contains("admin refused UNAUTHENTICATED"), "{stdout}");
}

#[test]
fn promote_reloads_a_server_that_wants_an_admin_token_only_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let model = common::trained(dir.path());
    let history = dir.path().join("history.jsonl");
    let registry = dir.path().join("registry");
    let token = dir.path().join("admin.token");
    std::fs::write(&token, "admin-5be1d7\n").unwrap();
    let server = Server::start(&["--admin-token-file", token.to_str().unwrap()]);
    let promote = |extra: &[&str]| {
        let mut args = vec![
            "promote",
            "--registry",
            registry.to_str().unwrap(),
            "--model",
            &model,
            "--history",
            history.to_str().unwrap(),
            "--force",
            "--reload",
            &server.grpc,
        ];
        args.extend(extra);
        common::run(&args)
    };
    let refused = promote(&[]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(stderr.contains("refused the reload"), "{stderr}");
    let reloaded = promote(&["--admin-token-file", token.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&reloaded.stdout);
    assert!(reloaded.status.success(), "{stdout}");
    assert!(stdout.contains("now serves model"), "{stdout}");
}
