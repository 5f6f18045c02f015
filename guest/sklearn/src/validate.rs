//! scikit-learn's input validation (`validate_data` / `check_array`), with its
//! messages, so that a request sklearn refuses is refused here the same way:
//! the feature-name check of a model fitted on a DataFrame, the finite check per
//! estimator (`allow_nan` tags; trees check the float32 copy they predict on),
//! and the minimum of one row. MLflow answers each of these `ValueError`s with
//! 400 `BAD_REQUEST` (the flavor's `evaluation` error).

use crate::data::Matrix;
use crate::error::Error;

/// What an estimator's `validate_data` checks besides names and width.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// Nothing (`FunctionTransformer(validate=False)`, a `ColumnTransformer`'s selection).
    Nothing,
    /// At least one row; any value (`ensure_all_finite=False`).
    Rows,
    /// At least one row; no infinity, and no NaN unless `allow_nan`. `dtype` is
    /// the array checked, as the message names it (`float32` for trees).
    Finite { allow_nan: bool, dtype: &'static str },
}

impl Check {
    /// The check sklearn 1.9's `class` makes at predict / transform time.
    pub fn of(class: &str) -> Check {
        let finite = |allow_nan, dtype| Check::Finite { allow_nan, dtype };
        match class {
            "HistGradientBoostingClassifier" | "HistGradientBoostingRegressor" | "IsolationForest" => Check::Rows,
            "DecisionTreeClassifier"
            | "DecisionTreeRegressor"
            | "ExtraTreeClassifier"
            | "ExtraTreeRegressor"
            | "RandomForestClassifier"
            | "RandomForestRegressor"
            | "ExtraTreesClassifier"
            | "ExtraTreesRegressor" => finite(true, "float32"),
            "GradientBoostingClassifier" | "GradientBoostingRegressor" => finite(false, "float32"),
            "StandardScaler" | "MinMaxScaler" | "RobustScaler" | "MaxAbsScaler" | "SimpleImputer" => {
                finite(true, "float64")
            }
            "FunctionTransformer" | "ColumnTransformer" | "OneHotEncoder" | "OrdinalEncoder" => Check::Nothing,
            _ => finite(false, "float64"),
        }
    }

    /// Checks a matrix as `check_array` does: finite values first, then rows.
    pub fn matrix(self, m: &Matrix, class: &str) -> Result<(), Error> {
        if let Check::Finite { allow_nan, dtype } = self {
            finite(&m.data, allow_nan, dtype, Some(class))?;
        }
        if self != Check::Nothing && m.rows == 0 {
            return Err(Error::Evaluation(format!(
                "Found array with 0 sample(s) (shape=(0, {})) while a minimum of 1 is required by {class}.",
                m.cols
            )));
        }
        Ok(())
    }
}

/// `_assert_all_finite`: NaN is named before infinity. `estimator` is set for a
/// model's `X` (the message then says `Input X` and adds the NaN advice).
pub fn finite(values: &[f64], allow_nan: bool, dtype: &str, estimator: Option<&str>) -> Result<(), Error> {
    let nan = !allow_nan && values.iter().any(|v| v.is_nan());
    if !nan && !values.iter().any(|v| v.is_infinite()) {
        return Ok(());
    }
    let input = if estimator.is_some() { "Input X" } else { "Input" };
    let mut message = if nan {
        format!("{input} contains NaN.")
    } else {
        format!("{input} contains infinity or a value too large for dtype('{dtype}').")
    };
    if let (true, Some(name)) = (nan, estimator) {
        message.push_str(&format!(
            "\n{name} does not accept missing values encoded as NaN natively. For supervised learning, you might \
             want to consider sklearn.ensemble.HistGradientBoostingClassifier and Regressor which accept missing \
             values encoded as NaNs natively. Alternatively, it is possible to preprocess the data, for instance by \
             using an imputer transformer in a pipeline or drop samples with missing values. See \
             https://scikit-learn.org/stable/modules/impute.html You can find a list of all estimators that handle \
             NaN values at the following page: \
             https://scikit-learn.org/stable/modules/impute.html#estimators-that-handle-nan-values"
        ));
    }
    Err(Error::Evaluation(message))
}

/// The per-column check of the encoders (`_check_X`): at least one row.
pub fn column_rows(rows: usize) -> Result<(), Error> {
    if rows == 0 {
        return Err(Error::Evaluation(
            "Found array with 0 sample(s) (shape=(0,)) while a minimum of 1 is required.".into(),
        ));
    }
    Ok(())
}

/// `_check_feature_names`: a frame's column names must be the fitted ones, in order.
pub fn feature_names(fitted: &[String], given: &[String]) -> Result<(), Error> {
    if fitted == given {
        return Ok(());
    }
    let mut unexpected: Vec<&String> = given.iter().filter(|n| !fitted.contains(n)).collect();
    let mut missing: Vec<&String> = fitted.iter().filter(|n| !given.contains(n)).collect();
    unexpected.sort();
    unexpected.dedup();
    missing.sort();
    missing.dedup();
    let list = |names: &[&String]| {
        let mut out = String::new();
        for (i, name) in names.iter().enumerate() {
            if i >= 5 {
                out.push_str("- ...\n");
                break;
            }
            out.push_str(&format!("- {name}\n"));
        }
        out
    };
    let mut message = String::from("The feature names should match those that were passed during fit.\n");
    if !unexpected.is_empty() {
        message.push_str(&format!("Feature names unseen at fit time:\n{}", list(&unexpected)));
    }
    if !missing.is_empty() {
        message.push_str(&format!("Feature names seen at fit time, yet now missing:\n{}", list(&missing)));
    }
    if unexpected.is_empty() && missing.is_empty() {
        message.push_str("Feature names must be in the same order as they were in fit.\n");
    }
    Err(Error::Evaluation(message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_as_sklearn_does() {
        let fitted: Vec<String> = ["a", "b"].map(String::from).to_vec();
        assert!(feature_names(&fitted, &fitted).is_ok());
        let reordered: Vec<String> = ["b", "a"].map(String::from).to_vec();
        let Err(Error::Evaluation(m)) = feature_names(&fitted, &reordered) else { panic!() };
        assert!(m.ends_with("Feature names must be in the same order as they were in fit.\n"), "{m}");
        let renamed: Vec<String> = ["x", "b"].map(String::from).to_vec();
        let Err(Error::Evaluation(m)) = feature_names(&fitted, &renamed) else { panic!() };
        assert!(
            m.ends_with("unseen at fit time:\n- x\nFeature names seen at fit time, yet now missing:\n- a\n"),
            "{m}"
        );
    }

    #[test]
    fn nan_is_named_before_infinity() {
        let Err(Error::Evaluation(m)) = finite(&[f64::INFINITY, f64::NAN], false, "float64", Some("Ridge")) else {
            panic!()
        };
        assert!(m.starts_with("Input X contains NaN.\nRidge does not accept"), "{m}");
        let Err(Error::Evaluation(m)) = finite(&[f64::INFINITY, f64::NAN], true, "float32", None) else { panic!() };
        assert_eq!(m, "Input contains infinity or a value too large for dtype('float32').");
        assert!(finite(&[f64::NAN], true, "float64", None).is_ok());
    }
}
