//! XGBoost and LightGBM model formats read into [`wasmflow_tree_engine::Forest`]s,
//! with each library's `predict` rules (objectives, base scores, iteration
//! ranges, label decoding): XGBoost's JSON and UBJSON documents (`xgboost`,
//! `ubjson`) and LightGBM's text models (`lightgbm`).
//!
//! A plain library with no component glue, so that both the `xgboost`/`lightgbm`
//! flavor (guest/trees) and the sklearn flavor (an `XGBClassifier` or
//! `LGBMRegressor` inside a pickle or skops file) link it: a crate that exports
//! the WIT interface cannot be a dependency of another component.

pub mod error;
pub mod json;
pub mod lightgbm;
pub mod output;
pub mod ubjson;
pub mod xgboost;
