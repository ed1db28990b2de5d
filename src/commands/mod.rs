//! One module per command: each parses its arguments, calls the library crates and prints.

pub mod bench;
pub mod catalogue;
pub mod eval;
pub mod eval_analysis;
pub mod eval_repeats;
pub mod export_history;
pub mod health;
pub mod hotspots;
pub mod promote;
pub mod rollback;
pub mod route;
pub mod serve;
pub mod train;
