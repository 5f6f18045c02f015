//! Row arithmetic of adaptive batching: which inputs can be merged (their
//! [`Layout`]), merging them along the first axis, and splitting a prediction
//! back by rows. A prediction that is not row-aligned with its input (another
//! row count, free-form JSON) cannot be split, and says so with `None`.

use wasmflow_protocol::value::{Batch, Column, DType, Tensor, Values};

/// What must be equal for two inputs to be merged: the kind of batch, and each
/// tensor's name, dtype and shape past the first axis, or each column's name and
/// dtype, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    Tensors(Vec<(Option<String>, DType, Vec<usize>)>),
    Table(Vec<(String, DType)>),
}

/// The layout and row count of `input`, or `None` when it has no rows to merge
/// by: free-form JSON, no tensors or columns, a scalar tensor, or tensors whose
/// first dimensions differ.
pub fn layout(input: &Batch) -> Option<(Layout, usize)> {
    match input {
        Batch::Tensors(tensors) => {
            let rows = tensors.first()?.shape.first().copied()?;
            let mut layout = Vec::with_capacity(tensors.len());
            for t in tensors {
                let (&first, rest) = t.shape.split_first()?;
                if first != rows {
                    return None;
                }
                layout.push((t.name.clone(), t.values.dtype(), rest.to_vec()));
            }
            Some((Layout::Tensors(layout), rows))
        }
        Batch::Table(columns) => {
            let rows = columns.first()?.values.len();
            if columns.iter().any(|c| c.values.len() != rows) {
                return None;
            }
            Some((Layout::Table(columns.iter().map(|c| (c.name.clone(), c.values.dtype())).collect()), rows))
        }
        Batch::Json(_) => None,
    }
}

/// Applies `$body` to the vector inside every variant of [`Values`], rebuilding
/// the same variant (hand-written: `Values` is the protocol's own enum).
macro_rules! each_values {
    ($values:expr, $v:ident => $body:expr) => {
        match $values {
            Values::F32($v) => Values::F32($body),
            Values::F64($v) => Values::F64($body),
            Values::I8($v) => Values::I8($body),
            Values::I16($v) => Values::I16($body),
            Values::I32($v) => Values::I32($body),
            Values::I64($v) => Values::I64($body),
            Values::U8($v) => Values::U8($body),
            Values::U16($v) => Values::U16($body),
            Values::U32($v) => Values::U32($body),
            Values::U64($v) => Values::U64($body),
            Values::Bool($v) => Values::Bool($body),
            Values::String($v) => Values::String($body),
            Values::Bytes($v) => Values::Bytes($body),
        }
    };
}

/// Appends `from` to `into` when both are the same variant; false otherwise.
fn extend(into: &mut Values, from: &Values) -> bool {
    macro_rules! same {
        ($($variant:ident),*) => {
            match (into, from) {
                $((Values::$variant(a), Values::$variant(b)) => {
                    a.extend_from_slice(b);
                    true
                })*
                _ => false,
            }
        };
    }
    same!(F32, F64, I8, I16, I32, I64, U8, U16, U32, U64, Bool, String, Bytes)
}

/// `parts` end to end; they all have one dtype (their layouts are equal).
fn concat(parts: &[&Values]) -> Values {
    let mut all = parts[0].clone();
    for part in &parts[1..] {
        let same = extend(&mut all, part);
        debug_assert!(same, "merged inputs have one layout");
    }
    all
}

/// The inputs, all of one [`Layout`], as one batch whose rows are theirs in order.
pub fn merge(inputs: &[&Batch]) -> Batch {
    match inputs[0] {
        Batch::Tensors(first) => Batch::Tensors(
            first
                .iter()
                .enumerate()
                .map(|(i, tensor)| {
                    let parts: Vec<&Tensor> = inputs
                        .iter()
                        .filter_map(|b| match b {
                            Batch::Tensors(ts) => ts.get(i),
                            _ => None,
                        })
                        .collect();
                    let mut shape = tensor.shape.clone();
                    shape[0] = parts.iter().map(|t| t.shape[0]).sum();
                    let values: Vec<&Values> = parts.iter().map(|t| &t.values).collect();
                    Tensor { name: tensor.name.clone(), shape, values: concat(&values) }
                })
                .collect(),
        ),
        Batch::Table(first) => Batch::Table(
            first
                .iter()
                .enumerate()
                .map(|(i, column)| {
                    let values: Vec<&Values> = inputs
                        .iter()
                        .filter_map(|b| match b {
                            Batch::Table(cs) => cs.get(i).map(|c| &c.values),
                            _ => None,
                        })
                        .collect();
                    Column { name: column.name.clone(), values: concat(&values) }
                })
                .collect(),
        ),
        Batch::Json(json) => Batch::Json(json.clone()),
    }
}

/// `values` cut into consecutive pieces of `sizes` elements (which sum to its length).
fn cut(values: Values, sizes: &[usize]) -> Vec<Values> {
    let mut pieces: Vec<Values> = Vec::with_capacity(sizes.len());
    let mut rest = values;
    for &size in &sizes[..sizes.len() - 1] {
        let tail = each_values!(&mut rest, v => v.split_off(size));
        pieces.push(std::mem::replace(&mut rest, tail));
    }
    pieces.push(rest);
    pieces
}

/// `output` split into one batch per entry of `rows` (the merged inputs' row
/// counts, in order); `None` unless every tensor's first dimension, or every
/// column's length, is the inputs' total.
pub fn split(output: Batch, rows: &[usize]) -> Option<Vec<Batch>> {
    let total: usize = rows.iter().sum();
    match output {
        Batch::Tensors(tensors) => {
            if tensors.is_empty() || tensors.iter().any(|t| t.shape.first() != Some(&total)) {
                return None;
            }
            let mut parts: Vec<Vec<Tensor>> = rows.iter().map(|_| Vec::with_capacity(tensors.len())).collect();
            for tensor in tensors {
                let row_len: usize = tensor.shape[1..].iter().product();
                if tensor.values.len() != total * row_len {
                    return None;
                }
                let sizes: Vec<usize> = rows.iter().map(|r| r * row_len).collect();
                for ((part, values), &r) in parts.iter_mut().zip(cut(tensor.values, &sizes)).zip(rows) {
                    let mut shape = tensor.shape.clone();
                    shape[0] = r;
                    part.push(Tensor { name: tensor.name.clone(), shape, values });
                }
            }
            Some(parts.into_iter().map(Batch::Tensors).collect())
        }
        Batch::Table(columns) => {
            if columns.is_empty() || columns.iter().any(|c| c.values.len() != total) {
                return None;
            }
            let mut parts: Vec<Vec<Column>> = rows.iter().map(|_| Vec::with_capacity(columns.len())).collect();
            for column in columns {
                for (part, values) in parts.iter_mut().zip(cut(column.values, rows)) {
                    part.push(Column { name: column.name.clone(), values });
                }
            }
            Some(parts.into_iter().map(Batch::Table).collect())
        }
        Batch::Json(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(name: &str, shape: &[usize], values: Values) -> Tensor {
        Tensor { name: Some(name.into()), shape: shape.to_vec(), values }
    }

    #[test]
    fn tensors_merge_and_split_back() {
        let a = Batch::Tensors(vec![tensor("x", &[1, 2], Values::F32(vec![1.0, 2.0]))]);
        let b = Batch::Tensors(vec![tensor("x", &[2, 2], Values::F32(vec![3.0, 4.0, 5.0, 6.0]))]);
        assert_eq!(layout(&a).unwrap().0, layout(&b).unwrap().0);
        let merged = merge(&[&a, &b]);
        assert_eq!(merged, Batch::Tensors(vec![tensor("x", &[3, 2], Values::F32(vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))]));
        assert_eq!(split(merged, &[1, 2]).unwrap(), vec![a, b]);
    }

    #[test]
    fn tables_merge_and_split_back() {
        let table = |xs: Vec<f64>, ss: Vec<&str>| {
            Batch::Table(vec![
                Column { name: "x".into(), values: Values::F64(xs) },
                Column { name: "s".into(), values: Values::String(ss.into_iter().map(String::from).collect()) },
            ])
        };
        let (a, b, c) = (table(vec![1.0], vec!["a"]), table(vec![2.0], vec!["b"]), table(vec![3.0], vec!["c"]));
        let merged = merge(&[&a, &b, &c]);
        assert_eq!(merged, table(vec![1.0, 2.0, 3.0], vec!["a", "b", "c"]));
        assert_eq!(split(merged, &[1, 1, 1]).unwrap(), vec![a, b, c]);
    }

    #[test]
    fn layouts_differ_by_dtype_name_and_trailing_shape() {
        let x =
            |name: &str, shape: &[usize], values| layout(&Batch::Tensors(vec![tensor(name, shape, values)])).unwrap().0;
        let base = x("x", &[1, 2], Values::F32(vec![0.0; 2]));
        assert_ne!(base, x("x", &[1, 2], Values::F64(vec![0.0; 2])));
        assert_ne!(base, x("y", &[1, 2], Values::F32(vec![0.0; 2])));
        assert_ne!(base, x("x", &[1, 1, 2], Values::F32(vec![0.0; 2])));
        assert!(layout(&Batch::Tensors(vec![tensor("x", &[], Values::F32(vec![0.0]))])).is_none());
    }

    #[test]
    fn outputs_not_aligned_with_the_rows_do_not_split() {
        let summary = Batch::Tensors(vec![tensor("mean", &[1], Values::F64(vec![0.5]))]);
        assert!(split(summary, &[1, 1]).is_none());
        let ragged = Batch::Tensors(vec![
            tensor("a", &[2], Values::I64(vec![1, 2])),
            tensor("b", &[3], Values::I64(vec![1, 2, 3])),
        ]);
        assert!(split(ragged, &[1, 1]).is_none());
    }
}
