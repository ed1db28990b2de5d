//! libFuzzer's entry point for the target named by `PR_FUZZ_TARGET` (see `benches/fuzz.sh`):
//! one binary for all targets, so that one instrumented build serves every run.

#![no_main]

use std::sync::OnceLock;

fn selected() -> &'static pr_fuzz::Target {
    static TARGET: OnceLock<&'static pr_fuzz::Target> = OnceLock::new();
    TARGET.get_or_init(|| {
        let name = std::env::var("PR_FUZZ_TARGET").unwrap_or_default();
        pr_fuzz::target(&name).unwrap_or_else(|| {
            let names: Vec<&str> = pr_fuzz::TARGETS.iter().map(|t| t.name).collect();
            eprintln!("set PR_FUZZ_TARGET to one of {}", names.join(", "));
            std::process::exit(2)
        })
    })
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| (selected().run)(data));
