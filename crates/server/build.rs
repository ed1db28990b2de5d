//! Generates the gRPC code from proto/ at build time. protoc comes from the
//! protoc-bin-vendored crate, so a build needs nothing but the crate registry.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let proto_root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../proto");
    let protos = [
        proto_root.join("petition_router/v1/router.proto"),
        proto_root.join("petition_router/v1/admin.proto"),
    ];
    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    let mut config = tonic_prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    tonic_prost_build::configure()
        // Reflection serves this set, so that grpcurl and other clients need no .proto files.
        .file_descriptor_set_path(out_dir.join("petition_router_v1_descriptor.bin"))
        .compile_with_config(config, &protos, &[proto_root])?;
    for p in &protos {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    Ok(())
}
