//! `/invocations` bodies: the first byte picks the content type (JSON, CSV,
//! parquet, garbage), the rest is the body, parsed without a signature and
//! against a tensor and a column signature.
#![no_main]

#[path = "../harness/request_body.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
