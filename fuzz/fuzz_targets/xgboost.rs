//! XGBoost models: UBJSON and JSON, as saved and as a pickled booster's state.
#![no_main]

#[path = "../harness/xgboost.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::run(data));
