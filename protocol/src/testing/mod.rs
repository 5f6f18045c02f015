//! Recorded-case tests: answers recorded from a real `mlflow models serve`
//! and from MLflow's own scoring code, and numpy/pandas printouts from the
//! real libraries, replayed against this crate.

mod golden;
mod mlflow_cases;
mod repr_fixtures;
