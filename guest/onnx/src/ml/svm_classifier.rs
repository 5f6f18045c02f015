//! `ai.onnx.ml.SVMClassifier` (scikit-learn's SVC and NuSVC) with onnxruntime's
//! semantics (`svmclassifier.cc`): one-vs-one decision values over the support
//! vectors, summed in float64 as onnxruntime sums them, a vote per pair, the
//! label of the most votes (the first on ties); with `prob_a`/`prob_b`, Platt's
//! pairwise probabilities coupled into class probabilities (libsvm's
//! `multiclass_probability`, onnxruntime's float32 version); then the
//! `post_transform`. Without support vectors the node is a linear model
//! (`coefficients` per class, plus `rho[0]`).

use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;

use super::labels::Labels;
use super::op::{ClassifierKernel, MlOp, matrix, tensor};
use super::svm::SvmKernel;
use super::transform::{Post, logistic, probit};

#[derive(Debug)]
enum Mode {
    /// `coefficients` as `[classes, features]`, every score plus `rho[0]`.
    Linear { coefficients: Vec<f32>, rho: f32 },
    /// Support vectors `[vectors, features]` grouped by class; `coefficients`
    /// as `[classes - 1, vectors]`; one `rho` per pair of classes.
    Svc { vectors: Vec<f32>, per_class: Vec<usize>, starts: Vec<usize>, coefficients: Vec<f32>, rho: Vec<f32> },
}

#[derive(Debug)]
struct SvmClassifier {
    kernel: SvmKernel,
    mode: Mode,
    labels: Labels,
    prob_a: Vec<f32>,
    prob_b: Vec<f32>,
    post: Post,
    weights_all_positive: bool,
}

pub fn classifier(node: &NodeProto) -> TractResult<Box<dyn InferenceOp>> {
    let labels = Labels::from_node(node, "classlabels_ints", "classlabels_strings")?;
    let classes = labels.len();
    ensure!(classes >= 1, "SVMClassifier without class labels");
    let coefficients: Vec<f32> = node.get_attr_vec("coefficients")?;
    ensure!(!coefficients.is_empty(), "SVMClassifier without coefficients");
    let rho: Vec<f32> = node.get_attr_vec("rho")?;
    let prob_a: Vec<f32> = node.get_attr_opt_vec("prob_a")?.unwrap_or_default();
    let prob_b: Vec<f32> = node.get_attr_opt_vec("prob_b")?.unwrap_or_default();
    ensure!(prob_a.len() == prob_b.len(), "prob_a and prob_b differ in length");
    let per_class: Vec<usize> = node.get_attr_opt_vec("vectors_per_class")?.unwrap_or_default();
    let vectors: Vec<f32> = node.get_attr_opt_vec("support_vectors")?.unwrap_or_default();
    let n_vectors: usize = per_class.iter().sum();
    let pairs = classes * (classes - 1) / 2;
    let weights_all_positive = coefficients.iter().all(|&c| c >= 0.0);
    let mode = if n_vectors > 0 {
        ensure!(per_class.len() == classes, "{} vectors_per_class for {classes} classes", per_class.len());
        ensure!(vectors.len().is_multiple_of(n_vectors), "support_vectors do not form {n_vectors} rows");
        ensure!(coefficients.len() >= (classes - 1) * n_vectors, "too few coefficients for {n_vectors} vectors");
        ensure!(rho.len() >= pairs, "{} rho for {pairs} pairs of classes", rho.len());
        ensure!(prob_a.is_empty() || prob_a.len() >= pairs, "{} prob_a for {pairs} pairs", prob_a.len());
        let starts = per_class.iter().scan(0, |at, &n| Some(std::mem::replace(at, *at + n))).collect();
        Mode::Svc { vectors, per_class, starts, coefficients, rho }
    } else {
        ensure!(coefficients.len().is_multiple_of(classes), "coefficients do not form {classes} rows");
        Mode::Linear { coefficients, rho: rho.first().copied().unwrap_or(0.0) }
    };
    let post = Post::parse(node.get_attr_opt::<String>("post_transform")?.as_deref().unwrap_or("NONE"))?;
    let kernel = SvmKernel::from_node(node)?;
    Ok(MlOp::boxed(SvmClassifier { kernel, mode, labels, prob_a, prob_b, post, weights_all_positive }))
}

impl SvmClassifier {
    fn classes(&self) -> usize {
        self.labels.len()
    }

    /// Columns of the scores output, as onnxruntime sizes it.
    fn width(&self) -> usize {
        match self.mode {
            Mode::Svc { .. } if self.prob_a.is_empty() && self.classes() > 2 => {
                self.classes() * (self.classes() - 1) / 2
            }
            Mode::Svc { .. } if self.prob_a.is_empty() => 2,
            _ => self.classes(),
        }
    }

    fn features(&self) -> usize {
        match &self.mode {
            Mode::Linear { coefficients, .. } => coefficients.len() / self.classes(),
            Mode::Svc { vectors, per_class, .. } => vectors.len() / per_class.iter().sum::<usize>(),
        }
    }

    /// One row: the winning class index and the row of scores.
    fn row(&self, x: &[f32]) -> (usize, Vec<f32>) {
        match &self.mode {
            Mode::Linear { coefficients, rho } => {
                let scores: Vec<f32> = coefficients
                    .chunks(x.len().max(1))
                    .map(|w| x.iter().zip(w).fold(0f32, |s, (a, b)| s + a * b) + rho)
                    .collect();
                let best = first_max(&scores);
                (self.linear_winner(best, scores[best]), self.finish(scores))
            }
            Mode::Svc { vectors, per_class, starts, coefficients, rho } => {
                let n_vectors: usize = per_class.iter().sum();
                let kernels: Vec<f32> =
                    vectors.chunks(x.len().max(1)).take(n_vectors).map(|v| self.kernel.eval(x, v)).collect();
                let classes = self.classes();
                let mut votes = vec![0usize; classes];
                let mut scores = Vec::with_capacity(classes * (classes - 1) / 2);
                for i in 0..classes {
                    for j in i + 1..classes {
                        // Class i's vectors weighted by row j - 1, class j's by row i.
                        let part = |row: usize, class: usize| -> f64 {
                            let at = row * n_vectors + starts[class];
                            let n = per_class[class];
                            coefficients[at..at + n]
                                .iter()
                                .zip(&kernels[starts[class]..starts[class] + n])
                                .fold(0f64, |s, (c, k)| s + (c * k) as f64)
                        };
                        let sum = part(j - 1, i) + part(i, j) + rho[scores.len()] as f64;
                        votes[if sum > 0.0 { i } else { j }] += 1;
                        scores.push(sum as f32);
                    }
                }
                let winner = first_max(&votes);
                let row = if self.prob_a.is_empty() { scores } else { self.probabilities(&scores) };
                (winner, self.finish(row))
            }
        }
    }

    /// onnxruntime's `ChooseClass` for two classes without votes (linear mode).
    fn linear_winner(&self, best: usize, max_weight: f32) -> usize {
        if self.classes() != 2 || !self.prob_a.is_empty() {
            return best;
        }
        if (self.weights_all_positive && max_weight >= 0.5) || (max_weight > 0.0 && !self.weights_all_positive) {
            1
        } else {
            best
        }
    }

    /// Platt's probability of each pair, clamped, then coupled over the classes.
    fn probabilities(&self, scores: &[f32]) -> Vec<f32> {
        let k = self.classes();
        let mut r = vec![0f32; k * k];
        let mut index = 0;
        for i in 0..k {
            for j in i + 1..k {
                let p = 1.0 - logistic(scores[index] * self.prob_a[index] + self.prob_b[index]);
                let p = p.clamp(1.0e-7, 1.0 - 1.0e-7);
                r[i * k + j] = p;
                r[j * k + i] = 1.0 - p;
                index += 1;
            }
        }
        multiclass_probability(k, &r)
    }

    /// The post-transform on a row (`batched_update_scores_inplace`): a row of
    /// one pair's score (two classes, no probabilities) becomes two columns.
    fn finish(&self, mut row: Vec<f32>) -> Vec<f32> {
        let binary_svc = matches!(self.mode, Mode::Svc { .. }) && self.prob_a.is_empty() && self.classes() <= 2;
        if !binary_svc {
            if row.len() > 1 {
                self.post.apply(&mut row);
            } else if self.post == Post::Probit {
                row.iter_mut().for_each(|s| *s = probit(*s));
            }
            return row;
        }
        let s = row[0];
        match self.post {
            // onnxruntime writes only the first column; the second is left as allocated.
            Post::Probit => vec![probit(s), 0.0],
            Post::None => vec![-s, s],
            _ => vec![1.0 - s, s],
        }
    }
}

/// The index of the first largest value (`std::max_element`).
fn first_max<T: PartialOrd>(values: &[T]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

/// libsvm's pairwise coupling (Wu, Lin and Weng, method 2) as onnxruntime's
/// `multiclass_probability` computes it, in float32: `r[i*k + j]` is the
/// probability of class i against class j. (The sklearn flavor has libsvm's
/// float64 version in `guest/sklearn/src/estimators/svm.rs`; matching
/// onnxruntime needs its float32 arithmetic, and the two guests share no crate
/// where one generic version could live.)
fn multiclass_probability(k: usize, r: &[f32]) -> Vec<f32> {
    let mut q = vec![0f32; k * k];
    let mut qp = vec![0f32; k];
    let mut p = vec![1.0 / k as f32; k];
    let eps = 0.005 / k as f32;
    for i in 0..k {
        for j in 0..i {
            q[i * k + i] += r[j * k + i] * r[j * k + i];
            q[i * k + j] = q[j * k + i];
        }
        for j in i + 1..k {
            q[i * k + i] += r[j * k + i] * r[j * k + i];
            q[i * k + j] = -r[j * k + i] * r[i * k + j];
        }
    }
    for _ in 0..100 {
        let mut pqp = 0f32;
        for i in 0..k {
            qp[i] = (0..k).fold(0f32, |s, j| s + q[i * k + j] * p[j]);
            pqp += p[i] * qp[i];
        }
        let max_error = qp.iter().fold(0f32, |m, &v| m.max((v - pqp).abs()));
        if max_error < eps {
            break;
        }
        for i in 0..k {
            let diff = (-qp[i] + pqp) / q[i * k + i];
            p[i] += diff;
            pqp = (pqp + diff * (diff * q[i * k + i] + 2.0 * qp[i])) / (1.0 + diff) / (1.0 + diff);
            for j in 0..k {
                qp[j] = (qp[j] + diff * q[i * k + j]) / (1.0 + diff);
                p[j] /= 1.0 + diff;
            }
        }
    }
    p
}

impl ClassifierKernel for SvmClassifier {
    fn name(&self) -> &'static str {
        "SVMClassifier"
    }

    fn labels(&self) -> DatumType {
        self.labels.datum_type()
    }

    fn width(&self) -> usize {
        Self::width(self)
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let (rows, cols, x) = matrix::<f32>(&inputs[0])?;
        let features = self.features();
        ensure!(cols == features, "rows of {cols} features for a model of {features}");
        let mut winners = Vec::with_capacity(rows);
        let mut scores = Vec::with_capacity(rows * self.width());
        for row in x.chunks(cols.max(1)).take(rows) {
            let (winner, row_scores) = self.row(row);
            winners.push(winner);
            scores.extend(row_scores);
        }
        Ok(tvec!(self.labels.pick(&winners, rows)?, tensor(&[rows, self.width()], scores)?))
    }
}
