//! `ai.onnx.ml.LinearRegressor` and `LinearClassifier`: `x·Wᵀ + b` in float32,
//! then onnxruntime's post-transform, argmax label and binary second column.

use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::labels::Labels;
use super::op::{ClassifierKernel, Kernel, MlOp, matrix, row_fact, row_output, tensor};
use super::transform::{Post, logistic};

#[derive(Debug)]
struct Linear {
    coefficients: Vec<f32>,
    intercepts: Vec<f32>,
    targets: usize,
    post: Post,
}

impl Linear {
    /// Scores `[rows, targets]` of the input.
    fn scores(&self, x: &Tensor) -> TractResult<(usize, Vec<f32>)> {
        let (rows, cols, x) = matrix::<f32>(x)?;
        ensure!(
            self.coefficients.len() == self.targets * cols,
            "{} coefficients for {} targets and {cols} features",
            self.coefficients.len(),
            self.targets
        );
        let mut out = Vec::with_capacity(rows * self.targets);
        for row in x.chunks(cols.max(1)).take(rows) {
            for t in 0..self.targets {
                let w = &self.coefficients[t * cols..(t + 1) * cols];
                let dot = row.iter().zip(w).fold(0f32, |s, (a, b)| s + a * b);
                out.push(dot + self.intercepts.get(t).copied().unwrap_or(0.0));
            }
        }
        Ok((rows, out))
    }
}

pub fn regressor(node: &NodeProto) -> TractResult<Box<dyn InferenceOp>> {
    let targets: usize = node.get_attr_opt("targets")?.unwrap_or(1);
    let post = Post::parse(&node.get_attr_opt::<String>("post_transform")?.unwrap_or_else(|| "NONE".into()))?;
    Ok(MlOp::boxed(Regressor(Linear {
        coefficients: node.get_attr_vec("coefficients")?,
        intercepts: node.get_attr_opt_vec("intercepts")?.unwrap_or_default(),
        targets,
        post,
    })))
}

#[derive(Debug)]
struct Regressor(Linear);

impl Kernel for Regressor {
    fn name(&self) -> &'static str {
        "LinearRegressor"
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 1)?;
        row_output(s, &inputs[0], &outputs[0], DatumType::F32, Some(self.0.targets))
    }

    fn output_facts(&self, inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(row_fact(inputs[0], DatumType::F32, Some(self.0.targets))))
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let (rows, mut scores) = self.0.scores(&inputs[0])?;
        if self.0.targets >= 2 || self.0.post == Post::Probit {
            scores.chunks_mut(self.0.targets.max(1)).for_each(|row| self.0.post.apply(row));
        }
        Ok(tvec!(tensor(&[rows, self.0.targets], scores)?))
    }
}

pub fn classifier(node: &NodeProto) -> TractResult<Box<dyn InferenceOp>> {
    let labels = Labels::from_node(node, "classlabels_ints", "classlabels_strings")?;
    let intercepts: Vec<f32> = node.get_attr_opt_vec("intercepts")?.unwrap_or_default();
    let coefficients: Vec<f32> = node.get_attr_vec("coefficients")?;
    let targets = if intercepts.is_empty() { labels.len() } else { intercepts.len() };
    ensure!(targets > 0, "LinearClassifier without classes");
    let post = Post::parse(&node.get_attr_opt::<String>("post_transform")?.unwrap_or_else(|| "NONE".into()))?;
    Ok(MlOp::boxed(Classifier { linear: Linear { coefficients, intercepts, targets, post }, labels }))
}

#[derive(Debug)]
struct Classifier {
    linear: Linear,
    labels: Labels,
}

impl Classifier {
    /// One score column and two labels: onnxruntime writes `[1 - p, p]`.
    fn second_class(&self) -> bool {
        self.linear.targets == 1 && self.labels.len() == 2
    }

    fn width(&self) -> usize {
        if self.second_class() { 2 } else { self.linear.targets }
    }
}

impl ClassifierKernel for Classifier {
    fn name(&self) -> &'static str {
        "LinearClassifier"
    }

    fn labels(&self) -> DatumType {
        self.labels.datum_type()
    }

    fn width(&self) -> usize {
        Self::width(self)
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let (rows, scores) = self.linear.scores(&inputs[0])?;
        let targets = self.linear.targets;
        let mut winners = Vec::with_capacity(rows);
        let mut out = Vec::with_capacity(rows * self.width());
        for row in scores.chunks(targets) {
            if targets == 1 {
                winners.push(if row[0] > 0.0 { 1 } else { 0 });
            } else {
                let mut best = 0;
                for (j, &v) in row.iter().enumerate() {
                    if v > row[best] {
                        best = j;
                    }
                }
                winners.push(best);
            }
            if self.second_class() {
                let p = match self.linear.post {
                    Post::Logistic => logistic(row[0]),
                    _ => row[0],
                };
                out.extend([1.0 - p, p]);
            } else {
                let mut row = row.to_vec();
                self.linear.post.apply(&mut row);
                out.extend(row);
            }
        }
        let labels = if targets == 1 && self.labels.len() != 2 {
            self.labels.binary_default(&winners, rows)?
        } else {
            self.labels.pick(&winners, rows)?
        };
        Ok(tvec!(labels, tensor(&[rows, self.width()], out)?))
    }
}
