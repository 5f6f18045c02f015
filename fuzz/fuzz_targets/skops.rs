//! skops archives: the zip, `schema.json` and the `.npy` entries it names.
#![no_main]

#[path = "../harness/skops.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
