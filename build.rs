//! Builds the shipped model and keyword lists into the binary, so that a copied binary or
//! `cargo install` routes without the source tree: `$OUT_DIR/shipped.rs`, included by
//! `src/model_files.rs`.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = root.join("models/default.model");
    let lists = root.join("keyword-lists");
    println!("cargo:rerun-if-changed={}", model.display());
    println!("cargo:rerun-if-changed={}", lists.display());
    let mut files: Vec<_> = std::fs::read_dir(&lists)
        .expect("keyword-lists/ is readable")
        .map(|e| e.expect("keyword-lists/ is readable").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut out = format!(
        "/// models/default.model\npub const MODEL: &[u8] = include_bytes!({:?});\n\
         /// keyword-lists/*.toml: file name and text.\npub const KEYWORD_LISTS: &[(&str, &str)] = &[\n",
        model.display().to_string()
    );
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().unwrap().to_string_lossy();
        writeln!(
            out,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("shipped.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
