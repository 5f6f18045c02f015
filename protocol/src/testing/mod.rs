//! Recorded-case tests: answers recorded from a real `mlflow models serve`
//! and from MLflow's own scoring code, and numpy/pandas printouts from the
//! real libraries, replayed against this crate. [`recorded`] (the recordings
//! and the documented differences) is public under the `testing` feature for
//! the end-to-end replayer.

#[cfg(test)]
mod golden;
#[cfg(test)]
mod mlflow_cases;
pub mod recorded;
#[cfg(test)]
mod repr_fixtures;
