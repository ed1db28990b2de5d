//! The request handlers: the server's validation and routing, driven in-process through its
//! public API (`pr_server::serve` on a loopback port) with raw protobuf messages, so that
//! mutations reach the decoder, the limits and the engine alike, and with any `grpc-timeout`.
//! A handler that panics on a server thread is caught by the panic hook of the fuzzer; the
//! target also requires that no call ends with UNKNOWN (a handler that died) and that the
//! server still answers afterwards.

use crate::corpus::{workspace, Data};
use crate::input;
use pr_server::pb;
use prost::bytes::{Buf, BufMut};
use prost::Message;
use std::sync::OnceLock;
use std::time::Duration;
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::codegen::tokio_stream;
use tonic::metadata::MetadataValue;
use tonic::transport::Channel;
use tonic::{Code, Request, Status};

/// The RouterService methods, by the flags' low bits.
const METHODS: [&str; 5] = [
    "Route",
    "RouteBatch",
    "RouteStream",
    "RecordOutcome",
    "ListDepartments",
];

/// A server on a loopback port and a runtime for the client, started once per process.
struct Harness {
    runtime: tokio::runtime::Runtime,
    channel: Channel,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let root = workspace();
        let settings = pr_server::Settings {
            addr: Some(([127, 0, 0, 1], 0).into()),
            metrics_addr: Some(pr_server::OrOff::Off),
            ..pr_server::Settings::default()
        };
        let config = settings
            .resolve(pr_router::EngineSources {
                model: pr_model::ModelSource::File(root.join("models/default.model")),
                catalogue: pr_catalogue::CatalogueSource::Dir(root.join("keyword-lists")),
                lists: pr_analysis::ListSources {
                    channels: pr_analysis::ListSource::Dir(root.join("channel-lists")),
                    risks: pr_analysis::ListSource::Dir(root.join("risk-lists")),
                },
            })
            .expect("server settings");
        let (ready, bound) = std::sync::mpsc::channel();
        runtime.spawn(async move {
            let served = pr_server::serve(config, move |b| {
                let _ = ready.send(b);
            })
            .await;
            panic!("the server stopped: {served:?}");
        });
        let bound = bound
            .recv_timeout(Duration::from_secs(120))
            .expect("server ready");
        let channel = runtime
            .block_on(
                Channel::from_shared(format!("http://{}", bound.grpc))
                    .expect("uri")
                    .connect(),
            )
            .expect("connect");
        Harness { runtime, channel }
    })
}

/// Flags: the method (low bits), whether to send a `grpc-timeout` (bit 3; its value is the
/// first part). Parts: the encoded messages (a stream sends each).
pub fn run(data: &[u8]) {
    let (flags, body) = input::flags(data);
    let mut parts = input::parts(body);
    let timeout =
        (flags & 8 != 0 && parts.len() > 1).then(|| input::text(parts.remove(0)).into_owned());
    let method = METHODS[usize::from(flags) % METHODS.len()];
    let h = harness();
    let outcome = h
        .runtime
        .block_on(call(h.channel.clone(), method, parts, timeout.as_deref()));
    if let Err(status) = &outcome {
        assert_ne!(status.code(), Code::Unknown, "{method}: {status:?}");
        assert_ne!(status.code(), Code::Unimplemented, "{method}: {status:?}");
    }
    // Whatever the call did, the server still routes.
    let probe = pb::RouteRequest {
        content: "小区停水三天无人通知".into(),
        ..Default::default()
    };
    let alive = h.runtime.block_on(call(
        h.channel.clone(),
        "Route",
        vec![&probe.encode_to_vec()],
        None,
    ));
    assert!(
        alive.is_ok(),
        "the server stopped routing after {method}: {alive:?}"
    );
}

/// Calls `method` with raw messages: the last of them for a unary method, all for a stream.
async fn call(
    channel: Channel,
    method: &str,
    messages: Vec<&[u8]>,
    timeout: Option<&str>,
) -> Result<(), Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready()
        .await
        .map_err(|e| Status::unavailable(e.to_string()))?;
    let path = format!("/petition_router.v1.RouterService/{method}");
    let path = PathAndQuery::try_from(path).expect("method path");
    let mut metadata = tonic::metadata::MetadataMap::new();
    if let Some(value) = timeout.and_then(|t| MetadataValue::try_from(t).ok()) {
        metadata.insert("grpc-timeout", value);
    }
    let owned: Vec<Vec<u8>> = messages.iter().map(|m| m.to_vec()).collect();
    // A bound on the client's side too: a call the server never answers is a hang.
    let no_answer = |_| Status::deadline_exceeded("no answer in 30 s");
    let within = Duration::from_secs(30);
    if method == "RouteStream" {
        let mut request = Request::new(tokio_stream::iter(owned));
        *request.metadata_mut() = metadata;
        let answer = tokio::time::timeout(within, grpc.streaming(request, path, Raw));
        let mut stream = answer.await.map_err(no_answer)??.into_inner();
        while stream.message().await?.is_some() {}
        Ok(())
    } else {
        let mut request = Request::new(owned.last().cloned().unwrap_or_default());
        *request.metadata_mut() = metadata;
        let answer = tokio::time::timeout(within, grpc.unary(request, path, Raw));
        answer.await.map_err(no_answer)?.map(|_| ())
    }
}

/// Sends bytes as they are and reads answers as bytes.
#[derive(Clone, Copy)]
struct Raw;

impl Codec for Raw {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = Raw;
    type Decoder = Raw;

    fn encoder(&mut self) -> Raw {
        Raw
    }

    fn decoder(&mut self) -> Raw {
        Raw
    }
}

impl Encoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn encode(&mut self, item: Vec<u8>, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        dst.put_slice(&item);
        Ok(())
    }
}

impl Decoder for Raw {
    type Item = Vec<u8>;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Vec<u8>>, Status> {
        Ok(Some(src.copy_to_bytes(src.remaining()).to_vec()))
    }
}

/// Real petitions as requests of every method, with and without a `grpc-timeout`.
pub fn seeds(data: &Data, n: usize) -> Vec<Vec<u8>> {
    let requests: Vec<pb::RouteRequest> = data
        .petitions(n)
        .into_iter()
        .enumerate()
        .map(|(i, p)| pb::RouteRequest {
            request_id: format!("fuzz-{i}"),
            title: p.title,
            content: p.text,
            region_hint: if i % 2 == 0 {
                "甘井子区".into()
            } else {
                p.region
            },
            top_k: (i % 5) as u32,
            channel: (i % 3) as i32,
            analyse: (i % 4 != 3).then_some(i % 2 == 0),
            // Hashed by the caller: a hex digest-like key, sometimes none.
            petitioner_key: if i % 3 == 0 {
                String::new()
            } else {
                format!("{:032x}", (i as u128).wrapping_mul(0x9e37_79b9_7f4a_7c15))
            },
        })
        .collect();
    let mut seeds = Vec::new();
    for (i, r) in requests.iter().enumerate() {
        let one = r.encode_to_vec();
        let batch = pb::RouteBatchRequest {
            requests: requests.iter().skip(i).take(3).cloned().collect(),
        }
        .encode_to_vec();
        let outcome = pb::RecordOutcomeRequest {
            request_id: r.request_id.clone(),
            final_department: "housing_construction".into(),
            ..Default::default()
        }
        .encode_to_vec();
        seeds.push([&[0u8][..], &one].concat());
        seeds.push([&[1u8][..], &batch].concat());
        seeds.push([&[2u8][..], &input::join(&[one.as_slice(), &one])].concat());
        seeds.push([&[8u8][..], &input::join(&["100m".as_bytes(), &one])].concat());
        seeds.push([&[9u8][..], &input::join(&["99999999S".as_bytes(), &batch])].concat());
        seeds.push([&[3u8][..], &outcome].concat());
    }
    seeds.push(vec![4]);
    seeds.truncate(n);
    seeds
}
