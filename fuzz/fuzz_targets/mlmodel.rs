//! MLmodel files (YAML) and the signatures inside them.
#![no_main]

#[path = "../harness/mlmodel.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
