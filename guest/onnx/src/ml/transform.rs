//! onnxruntime's score post-transforms (`ml_common.h`), in float32:
//! LOGISTIC, SOFTMAX, SOFTMAX_ZERO and PROBIT (its `ErfInv` approximation).

use tract_onnx::tract_hir::internal::*;

/// A `post_transform` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Post {
    None,
    Logistic,
    Softmax,
    SoftmaxZero,
    Probit,
}

impl Post {
    /// From the string attribute (opsets 1–3).
    pub fn parse(s: &str) -> TractResult<Post> {
        Ok(match s {
            "NONE" => Post::None,
            "LOGISTIC" => Post::Logistic,
            "SOFTMAX" => Post::Softmax,
            "SOFTMAX_ZERO" => Post::SoftmaxZero,
            "PROBIT" => Post::Probit,
            other => bail!("unknown post_transform {other:?}"),
        })
    }

    /// Applies the transform to one row of two scores or more.
    pub fn apply(self, scores: &mut [f32]) {
        match self {
            Post::None => {}
            Post::Logistic => scores.iter_mut().for_each(|s| *s = logistic(*s)),
            Post::Probit => scores.iter_mut().for_each(|s| *s = probit(*s)),
            Post::Softmax => softmax(scores),
            Post::SoftmaxZero => softmax_zero(scores),
        }
    }
}

pub fn logistic(v: f32) -> f32 {
    let e = 1.0 / (1.0 + (-v.abs()).exp());
    if v < 0.0 { 1.0 - e } else { e }
}

/// onnxruntime's approximation (its constants, not the exact ones).
#[allow(clippy::approx_constant, clippy::excessive_precision)]
fn erf_inv(x: f32) -> f32 {
    let sgn = if x < 0.0 { -1.0f32 } else { 1.0 };
    let x = (1.0 - x) * (1.0 + x);
    let log = x.ln();
    let v = 2.0 / (3.14159 * 0.147) + 0.5 * log;
    let v2 = 1.0 / 0.147 * log;
    let v3 = -v + (v * v - v2).sqrt();
    sgn * v3.sqrt()
}

#[allow(clippy::approx_constant, clippy::excessive_precision)]
pub fn probit(v: f32) -> f32 {
    1.41421356 * erf_inv(2.0 * v - 1.0)
}

fn softmax(values: &mut [f32]) {
    let max = values.iter().fold(-f32::MAX, |m, &v| if v > m { v } else { m });
    let mut sum = 0f32;
    for v in values.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    values.iter_mut().for_each(|v| *v /= sum);
}

fn softmax_zero(values: &mut [f32]) {
    let max = values.iter().fold(-f32::MAX, |m, &v| if v > m { v } else { m });
    let exp_neg_max = (-max).exp();
    let mut sum = 0f32;
    for v in values.iter_mut() {
        if *v > 0.000_000_1 || *v < -0.000_000_1 {
            *v = (*v - max).exp();
            sum += *v;
        } else {
            *v *= exp_neg_max;
        }
    }
    values.iter_mut().for_each(|v| *v /= sum);
}
