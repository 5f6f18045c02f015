//! The restricted pickle reader (every global allowed, so the fuzzer reaches
//! the object-building code; nothing is ever called either way).
#![no_main]

#[path = "../harness/pickle.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
