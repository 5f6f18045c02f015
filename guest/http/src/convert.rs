//! Protocol batches and params to and from the imported `predictor`'s types,
//! from the protocol's one mapping (shared with the native host).

use crate::bindings::wasmflow::inference::predictor as w;

wasmflow_protocol::wit_conversions!(w);
