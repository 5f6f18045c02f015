//! Class labels of a classifier (`classlabels_int64s`/`_ints` or
//! `classlabels_strings`) and the label tensor of winning class indices.

use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::op::tensor;

/// Integer or string class labels.
#[derive(Debug, Clone)]
pub enum Labels {
    Int(Vec<i64>),
    Str(Vec<String>),
}

impl Labels {
    /// Reads the labels from whichever of the two attributes is set.
    pub fn from_node(node: &NodeProto, ints: &str, strings: &str) -> TractResult<Labels> {
        let i: Option<Vec<i64>> = node.get_attr_opt_vec(ints)?;
        let s: Option<Vec<String>> = node.get_attr_opt_vec(strings)?;
        match (i, s) {
            (Some(i), None) => Ok(Labels::Int(i)),
            (None, Some(s)) => Ok(Labels::Str(s)),
            (Some(i), Some(s)) if s.is_empty() => Ok(Labels::Int(i)),
            (Some(i), Some(s)) if i.is_empty() => Ok(Labels::Str(s)),
            (None, None) => bail!("neither {ints} nor {strings} is set"),
            _ => bail!("both {ints} and {strings} are set"),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Labels::Int(v) => v.len(),
            Labels::Str(v) => v.len(),
        }
    }

    pub fn datum_type(&self) -> DatumType {
        match self {
            Labels::Int(_) => DatumType::I64,
            Labels::Str(_) => DatumType::String,
        }
    }

    /// The labels of class indices, as a `[rows]` tensor.
    pub fn pick(&self, winners: &[usize], rows: usize) -> TractResult<TValue> {
        let missing = |i: usize| format_err!("class index {i} past the {} labels", self.len());
        match self {
            Labels::Int(v) => tensor(
                &[rows],
                winners.iter().map(|&i| v.get(i).copied().ok_or_else(|| missing(i))).collect::<TractResult<_>>()?,
            ),
            Labels::Str(v) => tensor(
                &[rows],
                winners.iter().map(|&i| v.get(i).cloned().ok_or_else(|| missing(i))).collect::<TractResult<_>>()?,
            ),
        }
    }

    /// onnxruntime's labels for a one-score classifier without two class labels:
    /// the literal positive (1, "1") and negative (0, "0") labels.
    pub fn binary_default(&self, winners: &[usize], rows: usize) -> TractResult<TValue> {
        match self {
            Labels::Int(_) => tensor(&[rows], winners.iter().map(|&i| i as i64).collect()),
            Labels::Str(_) => tensor(&[rows], winners.iter().map(|i| i.to_string()).collect()),
        }
    }
}
