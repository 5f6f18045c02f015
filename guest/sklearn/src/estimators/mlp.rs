//! `MLPClassifier` / `MLPRegressor`: `_forward_pass_fast` — each layer
//! `activation @ coefs_[i] + intercepts_[i]`, the hidden activation (identity,
//! tanh, logistic, relu) between layers and `out_activation_` (identity, logistic,
//! softmax) at the end; the classifier's labels as `LabelBinarizer` inverts them
//! (`p > 0.5` for one output, argmax otherwise). sklearn multiplies with BLAS
//! (`dgemm`), here the products are summed in order: equal to the last bits.

use super::linear::{expit, softmax};
use super::{Estimator, Method, argmax, attr, classes, features, short, take};
use crate::data::{Features, Matrix};
use crate::error::{Error, load};
use crate::npy::{Data, NdArray};
use crate::skops::Node;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Activation {
    Identity,
    Tanh,
    Logistic,
    Relu,
    Softmax,
}

impl Activation {
    fn parse(name: Option<&str>) -> Result<Activation, Error> {
        Ok(match name {
            Some("identity") => Activation::Identity,
            Some("tanh") => Activation::Tanh,
            Some("logistic") => Activation::Logistic,
            Some("relu") => Activation::Relu,
            Some("softmax") => Activation::Softmax,
            other => return Err(load(format!("MLP activation {other:?} is not supported"))),
        })
    }

    fn apply(self, row: &mut [f64]) {
        match self {
            Activation::Identity => {}
            Activation::Tanh => row.iter_mut().for_each(|v| *v = v.tanh()),
            Activation::Logistic => row.iter_mut().for_each(|v| *v = expit(*v)),
            Activation::Relu => row.iter_mut().for_each(|v| *v = v.max(0.0)),
            Activation::Softmax => {
                let p = softmax(row);
                row.copy_from_slice(&p);
            }
        }
    }
}

/// One dense layer: `inputs × outputs` weights, row-major, and biases.
#[derive(Debug, Clone)]
struct Layer {
    weights: Vec<f64>,
    bias: Vec<f64>,
}

/// A fitted multi-layer perceptron.
#[derive(Debug, Clone)]
pub struct Mlp {
    pub features: Features,
    layers: Vec<Layer>,
    hidden: Activation,
    output: Activation,
    pub classes: Option<NdArray>,
}

impl Mlp {
    pub fn build(node: &Node) -> Result<Mlp, Error> {
        let class = short(node.class().unwrap_or("?")).to_string();
        let bad = |what: &str| load(format!("{class}: {what}"));
        let list = |name: &str| attr(node, name)?.as_list().ok_or_else(|| bad(&format!("{name} is not a list")));
        let (coefs, intercepts) = (list("coefs_")?, list("intercepts_")?);
        if coefs.is_empty() || coefs.len() != intercepts.len() {
            return Err(bad("coefs_ and intercepts_ do not match"));
        }
        let mut features = features(node);
        let mut width = None;
        let mut layers = Vec::with_capacity(coefs.len());
        for (c, b) in coefs.iter().zip(intercepts) {
            let (Some(NdArray { shape, data: Data::F64(w) }), Some(NdArray { data: Data::F64(bias), .. })) =
                (c.as_array(), b.as_array())
            else {
                return Err(bad("a layer is not float64 arrays"));
            };
            let [inputs, outputs] = shape.as_slice() else { return Err(bad("a layer is not 2-D")) };
            if width.is_some_and(|w| w != *inputs) || bias.len() != *outputs {
                return Err(bad("layer sizes do not chain"));
            }
            if width.is_none() {
                features.count.get_or_insert(*inputs);
                if features.count != Some(*inputs) {
                    return Err(bad("coefs_[0] does not match n_features_in_"));
                }
            }
            width = Some(*outputs);
            layers.push(Layer { weights: w.clone(), bias: bias.clone() });
        }
        let hidden = Activation::parse(attr(node, "activation")?.as_str())?;
        let output = Activation::parse(attr(node, "out_activation_")?.as_str())?;
        let classes = if class == "MLPClassifier" {
            let c = classes(node)?;
            let expected = if c.len() == 2 { 1 } else { c.len() };
            if width != Some(expected) || !matches!(output, Activation::Logistic | Activation::Softmax) {
                return Err(bad("only single-label classifiers are supported"));
            }
            Some(c)
        } else {
            None
        };
        Ok(Mlp { features, layers, hidden, output, classes })
    }

    /// `_forward_pass_fast`: `rows × outputs`.
    fn forward(&self, x: &Matrix) -> (Vec<f64>, usize) {
        let mut act = x.data.clone();
        let mut width = x.cols;
        for (n, layer) in self.layers.iter().enumerate() {
            let outputs = layer.bias.len();
            let mut next = vec![0.0; x.rows * outputs];
            for i in 0..x.rows {
                let row = &act[i * width..(i + 1) * width];
                let out = &mut next[i * outputs..(i + 1) * outputs];
                for (j, o) in out.iter_mut().enumerate() {
                    let dot: f64 = row.iter().enumerate().map(|(r, v)| v * layer.weights[r * outputs + j]).sum();
                    *o = dot + layer.bias[j];
                }
                let f = if n + 1 == self.layers.len() { self.output } else { self.hidden };
                f.apply(out);
            }
            act = next;
            width = outputs;
        }
        (act, width)
    }
}

impl Estimator for Mlp {
    fn features(&self) -> &Features {
        &self.features
    }

    fn has(&self, method: Method) -> bool {
        method == Method::Predict || self.classes.is_some()
    }

    fn predict(&self, x: &Matrix) -> Result<NdArray, Error> {
        let (y, width) = self.forward(x);
        let Some(classes) = &self.classes else {
            let shape = if width == 1 { vec![x.rows] } else { vec![x.rows, width] };
            return Ok(NdArray { shape, data: Data::F64(y) });
        };
        let picks: Vec<usize> = if width == 1 {
            y.iter().map(|&p| usize::from(p > 0.5)).collect()
        } else {
            y.chunks(width).map(argmax).collect()
        };
        Ok(take(classes, &picks))
    }

    fn predict_proba(&self, x: &Matrix) -> Result<NdArray, Error> {
        let (y, width) = self.forward(x);
        let out = if width == 1 { y.iter().flat_map(|&p| [1.0 - p, p]).collect() } else { y };
        Ok(NdArray { shape: vec![x.rows, width.max(2)], data: Data::F64(out) })
    }
}
