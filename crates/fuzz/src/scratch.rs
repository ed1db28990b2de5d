//! Files for the targets whose parsers read paths: one directory per target and thread,
//! emptied before each input.

use std::path::{Path, PathBuf};

/// An empty directory for `target` on this thread, under the system's temporary directory.
pub fn dir(target: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pr-fuzz-{}-{target}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    // Emptied rather than kept: a file of the last input must not leak into this one.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    dir
}

/// Writes a scratch file; the temporary directory must be writable for fuzzing at all.
pub fn write(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).expect("scratch file");
}
