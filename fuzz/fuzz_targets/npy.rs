//! `.npy` arrays (skops entries, joblib's arrays after a pickle).
#![no_main]

#[path = "../harness/npy.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
