//! LightGBM text models.
#![no_main]

#[path = "../harness/lightgbm.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
