//! Builds the shipped model, keyword lists, channel lists and risk lists into the binary, so that a copied binary or
//! `cargo install` routes without the source tree: `$OUT_DIR/shipped.rs`, included by
//! `src/model_files.rs`.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = root.join("models/default.model");
    println!("cargo:rerun-if-changed={}", model.display());
    let mut out = format!(
        "/// models/default.model\npub const MODEL: &[u8] = include_bytes!({:?});\n",
        model.display().to_string()
    );
    for (constant, dir) in [
        ("KEYWORD_LISTS", "keyword-lists"),
        ("CHANNEL_LISTS", "channel-lists"),
        ("RISK_LISTS", "risk-lists"),
    ] {
        embed_dir(&mut out, constant, &root.join(dir));
    }
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("shipped.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

/// `pub const CONSTANT: &[(&str, &str)]`: file name and text of each `*.toml` file of `dir`,
/// sorted by name.
fn embed_dir(out: &mut String, constant: &str, dir: &Path) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{} is readable: {e}", dir.display()))
        .map(|e| e.expect("the directory is readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let name = dir.file_name().unwrap().to_string_lossy();
    writeln!(
        out,
        "/// {name}/*.toml: file name and text.\npub const {constant}: &[(&str, &str)] = &["
    )
    .unwrap();
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let file = path.file_name().unwrap().to_string_lossy();
        writeln!(
            out,
            "    ({file:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
}
