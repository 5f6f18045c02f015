//! onnxruntime's tree-ensemble aggregators (`tree_ensemble_aggregator.h`): how
//! the summed (or min/max) leaf scores of a row become the outputs — base
//! values, averaging, post-transforms, and the classifier's label and binary
//! special cases — reproduced rule for rule, in float32.

use super::transform::{Post, logistic, probit};

/// How leaf values combine across trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    Sum,
    Average,
    Min,
    Max,
}

/// Regression outputs of one row from its aggregated `scores` (`has[j]`: some
/// tree gave target `j` a value).
pub fn regression(scores: &mut [f32], has: &[bool], aggregate: Aggregate, n_trees: usize, base: &[f32], post: Post) {
    let n = scores.len();
    if n == 1 {
        let origin = if base.len() == 1 { base[0] } else { 0.0 };
        let s = match aggregate {
            Aggregate::Sum => scores[0] + origin,
            Aggregate::Average => scores[0] / n_trees as f32 + origin,
            Aggregate::Min | Aggregate::Max => {
                if has[0] {
                    scores[0] + origin
                } else {
                    origin
                }
            }
        };
        scores[0] = if post == Post::Probit { probit(s) } else { s };
        return;
    }
    let use_base = base.len() == n;
    for (j, s) in scores.iter_mut().enumerate() {
        let b = if use_base { base[j] } else { 0.0 };
        *s = match aggregate {
            Aggregate::Sum => *s + b,
            Aggregate::Average => *s / n_trees as f32 + b,
            Aggregate::Min | Aggregate::Max => b + if has[j] { *s } else { 0.0 },
        };
    }
    post.apply(scores);
}

/// What the classifier knows of its leaves.
#[derive(Debug, Clone)]
pub struct ClassifierShape {
    /// Two classes and leaves that only ever weigh one of them.
    pub binary_case: bool,
    /// No negative leaf weight.
    pub weights_all_positive: bool,
}

/// The buffers [`classification`] works in, kept from row to row (two
/// allocations a row were a tenth of a 100-row iris forest's time in the guest).
#[derive(Debug, Default)]
pub struct Scratch {
    scores: Vec<f32>,
    has: Vec<bool>,
}

/// The winning class of one row (an index into the labels, or `Literal` for
/// onnxruntime's literal 0/1 labels) and its `width` probabilities, from summed
/// class `scores` (`has[c]`: leaves weigh class `c`).
pub fn classification(
    scores: &[f32],
    has: &[bool],
    base: &[f32],
    post: Post,
    shape: &ClassifierShape,
    out: &mut Vec<f32>,
    scratch: &mut Scratch,
) -> Winner {
    let n = scores.len();
    let Scratch { scores: s, has: own_has } = scratch;
    s.clear();
    s.extend_from_slice(scores);
    own_has.clear();
    own_has.extend_from_slice(has);
    let has = own_has;
    if n > 2 {
        for (k, &b) in base.iter().enumerate().take(n) {
            if has[k] {
                s[k] += b;
            } else {
                has[k] = true;
                s[k] = b;
            }
        }
        let mut best: Option<usize> = None;
        for k in 0..n {
            if has[k] && best.is_none_or(|b| s[k] > s[b]) {
                best = Some(k);
            }
        }
        post.apply(s);
        out.extend_from_slice(s);
        return Winner::Class(best.unwrap_or(0));
    }
    // Two classes (n == 1 is treated as two with one missing).
    s.resize(2, 0.0);
    has.resize(2, false);
    let mut add_second = -1;
    match base.len() {
        2 => {
            if has[1] {
                s[1] = base[1] + s[0];
                s[0] = -s[1];
            } else {
                s[1] += base[1];
                s[0] += base[0];
            }
        }
        1 => {
            s[0] += base[0];
            if !has[1] {
                s.pop();
            }
        }
        0 => {
            add_second = 3;
            if !has[1] {
                s.pop();
            }
        }
        _ => {}
    }
    let pos = if s.len() == 2 && has[1] {
        s[1]
    } else if has[0] {
        s[0]
    } else {
        0.0
    };
    let winner = if shape.binary_case {
        if shape.weights_all_positive {
            if pos > 0.5 {
                add_second = 0;
                Winner::Class(1)
            } else {
                add_second = 1;
                Winner::Class(0)
            }
        } else if pos > 0.0 {
            add_second = 2;
            Winner::Class(1)
        } else {
            add_second = 3;
            Winner::Class(0)
        }
    } else {
        Winner::Literal(pos > 0.0)
    };
    write_scores(s, post, add_second);
    s.resize(2, 0.0);
    out.extend_from_slice(s);
    winner
}

/// A classifier's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Winner {
    /// Index of the winning class label.
    Class(usize),
    /// onnxruntime's literal positive (`true`: 1) or negative (0) label.
    Literal(bool),
}

/// onnxruntime's `write_scores`: transforms two scores or more, or completes a
/// single score into two columns as `add_second` says.
fn write_scores(s: &mut Vec<f32>, post: Post, add_second: i32) {
    if s.len() >= 2 {
        post.apply(s);
        return;
    }
    let Some(&v) = s.first() else { return };
    if post == Post::Probit {
        s[0] = probit(v);
        return;
    }
    let pair = match add_second {
        0 | 1 => [1.0 - v, v],
        2 | 3 if post == Post::Logistic => [logistic(-v), logistic(v)],
        2 => [-v, v],
        3 => [v, -v],
        _ => return,
    };
    s.clear();
    s.extend_from_slice(&pair);
}
