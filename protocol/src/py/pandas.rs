//! A minimal pandas DataFrame: built from `dataframe_split`, `dataframe_records`
//! or CSV the way pandas builds it (column labels, inferred dtypes, pandas'
//! error messages), cast with `astype`, and printed like `str(df)` for
//! MLflow's error messages.

use crate::py::json::{Json, py_str_repr};
use crate::py::numpy::{self, CastMode};
use crate::value::{DType, Values};

/// A column label: pandas uses ints for positional columns.
#[derive(Debug, Clone, PartialEq)]
pub enum Label {
    Str(String),
    Int(i64),
}

impl Label {
    /// The label as a column name.
    pub fn name(&self) -> String {
        match self {
            Label::Str(s) => s.clone(),
            Label::Int(i) => i.to_string(),
        }
    }

    /// Python `repr()` (`'c0'` or `0`).
    pub fn repr(&self) -> String {
        match self {
            Label::Str(s) => py_str_repr(s),
            Label::Int(i) => i.to_string(),
        }
    }
}

/// A column's data: a numpy dtype, or `object` (Python values).
#[derive(Debug, Clone, PartialEq)]
pub enum ColData {
    Typed(Values),
    Object(Vec<Json>),
}

/// One column.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameColumn {
    pub label: Label,
    pub data: ColData,
}

/// A DataFrame.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Frame {
    pub columns: Vec<FrameColumn>,
    pub nrows: usize,
    /// Row labels, when given (`dataframe_split`'s `index`).
    pub index: Option<Vec<Json>>,
}

/// Python values of typed data.
pub fn values_to_json(values: &Values) -> Vec<Json> {
    match values {
        Values::F32(v) => v.iter().map(|x| Json::Float(*x as f64)).collect(),
        Values::F64(v) => v.iter().map(|x| Json::Float(*x)).collect(),
        Values::I8(v) => v.iter().map(|x| Json::Int(*x as i128)).collect(),
        Values::I16(v) => v.iter().map(|x| Json::Int(*x as i128)).collect(),
        Values::I32(v) => v.iter().map(|x| Json::Int(*x as i128)).collect(),
        Values::I64(v) => v.iter().map(|x| Json::Int(*x as i128)).collect(),
        Values::U8(v) => v.iter().map(|x| Json::Int(*x as i128)).collect(),
        Values::U16(v) => v.iter().map(|x| Json::Int(*x as i128)).collect(),
        Values::U32(v) => v.iter().map(|x| Json::Int(*x as i128)).collect(),
        Values::U64(v) => v.iter().map(|x| Json::Int(*x as i128)).collect(),
        Values::Bool(v) => v.iter().map(|x| Json::Bool(*x)).collect(),
        Values::String(v) => v.iter().map(|x| Json::Str(x.clone())).collect(),
        Values::Bytes(v) => v.iter().map(|x| Json::Str(String::from_utf8_lossy(x).into_owned())).collect(),
    }
}

/// What pandas infers for a column of Python values.
pub fn infer_column(cells: Vec<Json>) -> ColData {
    let all = |f: fn(&Json) -> bool| cells.iter().all(f);
    if cells.is_empty() {
        return ColData::Object(cells);
    }
    if all(|c| matches!(c, Json::Bool(_))) {
        let v = cells.iter().map(|c| matches!(c, Json::Bool(true))).collect();
        return ColData::Typed(Values::Bool(v));
    }
    if all(|c| matches!(c, Json::Int(i) if i64::try_from(*i).is_ok())) {
        let v = cells
            .iter()
            .map(|c| match c {
                Json::Int(i) => *i as i64,
                _ => 0,
            })
            .collect();
        return ColData::Typed(Values::I64(v));
    }
    if all(|c| matches!(c, Json::Int(_) | Json::Float(_) | Json::Null))
        && cells.iter().any(|c| !matches!(c, Json::Null))
    {
        let v = cells
            .iter()
            .map(|c| match c {
                Json::Int(i) => *i as f64,
                Json::Float(f) => *f,
                _ => f64::NAN,
            })
            .collect();
        return ColData::Typed(Values::F64(v));
    }
    ColData::Object(cells)
}

impl ColData {
    /// The Python values.
    pub fn cells(&self) -> Vec<Json> {
        match self {
            ColData::Typed(v) => values_to_json(v),
            ColData::Object(c) => c.clone(),
        }
    }

    /// True when the column holds lists (multi-dimensional cells).
    pub fn has_list_cells(&self) -> bool {
        matches!(self, ColData::Object(c) if c.first().is_some_and(|x| matches!(x, Json::List(_))))
    }
}

/// How a DataFrame failed to build: pandas' message.
pub type FrameError = String;

fn labels_from(columns: &Json) -> Result<Vec<Label>, FrameError> {
    match columns {
        Json::List(items) => Ok(items
            .iter()
            .map(|c| match c {
                Json::Int(i) => Label::Int(*i as i64),
                other => Label::Str(other.py_str()),
            })
            .collect()),
        other => {
            Err(format!("Index(...) must be called with a collection of some kind, {} was passed", other.py_repr()))
        }
    }
}

impl Frame {
    /// `pd.DataFrame(data=rows, columns=columns, index=index)`.
    pub fn from_split(data: &Json, columns: Option<&Json>, index: Option<&Json>) -> Result<Frame, FrameError> {
        let rows: Vec<Json> = match data {
            Json::List(rows) => rows.clone(),
            Json::Dict(_) => return Frame::from_records(data),
            Json::Null => Vec::new(),
            other => {
                return Err(format!("DataFrame constructor not properly called! Got {}", other.py_repr()));
            }
        };
        let labels = columns.map(labels_from).transpose()?;
        let nrows = rows.len();
        // 1-D data: one column.
        let two_d = rows.iter().any(|r| matches!(r, Json::List(_)));
        let width = if two_d {
            rows.iter()
                .map(|r| match r {
                    Json::List(items) => items.len(),
                    _ => 1,
                })
                .max()
                .unwrap_or(0)
        } else if nrows > 0 {
            1
        } else {
            labels.as_ref().map_or(0, Vec::len)
        };
        let labels = match labels {
            Some(l) => {
                if nrows > 0 && l.len() != width {
                    return Err(format!("{} columns passed, passed data had {} columns", l.len(), width));
                }
                l
            }
            None => (0..width as i64).map(Label::Int).collect(),
        };
        let mut cols: Vec<Vec<Json>> = vec![Vec::with_capacity(nrows); labels.len()];
        for row in &rows {
            match row {
                Json::List(items) if two_d => {
                    for (j, col) in cols.iter_mut().enumerate() {
                        col.push(items.get(j).cloned().unwrap_or(Json::Null));
                    }
                }
                other => {
                    if let Some(col) = cols.first_mut() {
                        col.push(other.clone());
                    }
                }
            }
        }
        let index = match index {
            None | Some(Json::Null) => None,
            Some(Json::List(idx)) => {
                if idx.len() != nrows && !(nrows == 0 && labels.is_empty()) {
                    return Err(format!("Length of values ({nrows}) does not match length of index ({})", idx.len()));
                }
                Some(idx.clone())
            }
            Some(other) => {
                return Err(format!(
                    "Index(...) must be called with a collection of some kind, {} was passed",
                    other.py_repr()
                ));
            }
        };
        Ok(Frame {
            columns: labels
                .into_iter()
                .zip(cols)
                .map(|(label, cells)| FrameColumn { label, data: infer_column(cells) })
                .collect(),
            nrows,
            index,
        })
    }

    /// `pd.DataFrame(data=records)`: a list of dicts (columns by first
    /// appearance, missing cells NaN) or a list of rows.
    pub fn from_records(data: &Json) -> Result<Frame, FrameError> {
        match data {
            Json::List(rows) if rows.iter().all(|r| matches!(r, Json::Dict(_))) => {
                // One pass: columns in order of first appearance, gaps are NaN.
                let mut position: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
                let mut labels: Vec<&str> = Vec::new();
                let mut cols: Vec<Vec<Json>> = Vec::new();
                for (r, row) in rows.iter().enumerate() {
                    let Json::Dict(entries) = row else { continue };
                    for (k, v) in entries {
                        let j = *position.entry(k.as_str()).or_insert_with(|| {
                            labels.push(k.as_str());
                            cols.push(vec![Json::Null; r]);
                            cols.len() - 1
                        });
                        cols[j].push(v.clone());
                    }
                    for col in &mut cols {
                        if col.len() < r + 1 {
                            col.push(Json::Null);
                        }
                    }
                }
                let columns = labels
                    .into_iter()
                    .zip(cols)
                    .map(|(name, cells)| FrameColumn { label: Label::Str(name.to_string()), data: infer_column(cells) })
                    .collect();
                Ok(Frame { columns, nrows: rows.len(), index: None })
            }
            Json::List(_) => Frame::from_split(data, None, None),
            Json::Dict(entries) => {
                // pd.DataFrame(dict): columns of lists, or one row of scalars
                // (pandas refuses all-scalar dicts without an index).
                let all_scalar = entries.iter().all(|(_, v)| !matches!(v, Json::List(_)));
                if all_scalar && !entries.is_empty() {
                    return Err("If using all scalar values, you must pass an index".into());
                }
                let mut nrows = None;
                let mut columns = Vec::new();
                for (k, v) in entries {
                    let cells = match v {
                        Json::List(items) => items.clone(),
                        other => vec![other.clone()],
                    };
                    if let Some(n) = nrows
                        && n != cells.len()
                        && cells.len() != 1
                    {
                        return Err("All arrays must be of the same length".into());
                    }
                    nrows.get_or_insert(cells.len());
                    columns.push(FrameColumn { label: Label::Str(k.clone()), data: infer_column(cells) });
                }
                let nrows = nrows.unwrap_or(0);
                // Scalars broadcast to the common length.
                for c in &mut columns {
                    let cells = c.data.cells();
                    if cells.len() == 1 && nrows > 1 {
                        c.data = infer_column(vec![cells[0].clone(); nrows]);
                    }
                }
                Ok(Frame { columns, nrows, index: None })
            }
            other => Err(format!("DataFrame constructor not properly called! Got {}", other.py_repr())),
        }
    }

    /// A one-row frame from a dict of scalars (MLflow's dict → DataFrame rule).
    pub fn one_row(entries: &[(String, Json)]) -> Frame {
        Frame {
            columns: entries
                .iter()
                .map(|(k, v)| FrameColumn { label: Label::Str(k.clone()), data: infer_column(vec![v.clone()]) })
                .collect(),
            nrows: 1,
            index: None,
        }
    }

    /// Finds a column by name.
    pub fn column(&self, name: &str) -> Option<&FrameColumn> {
        self.columns.iter().find(|c| c.label.name() == name)
    }

    /// `str(df)` as pandas 3 prints it with its default display options
    /// outside IPython: at most 60 rows (else 5 + 5), columns dropped from the
    /// middle until lines fit 80 characters, cells cut at 50 characters.
    pub fn pd_str(&self) -> String {
        if self.columns.is_empty() || self.nrows == 0 {
            let cols: Vec<String> = self.columns.iter().map(|c| c.label.name()).collect();
            return format!(
                "Empty DataFrame\nColumns: [{}]\nIndex: [{}]",
                cols.join(", "),
                self.index_labels().join(", ")
            );
        }
        let rows_cut = self.nrows > 60;
        let row_ids: Vec<usize> =
            if rows_cut { (0..5).chain(self.nrows - 5..self.nrows).collect() } else { (0..self.nrows).collect() };

        // Index column: blank header, labels left-justified.
        let idx = self.index_labels();
        let mut idx_col: Vec<String> = vec![String::new()];
        idx_col.extend(row_ids.iter().map(|i| idx[*i].clone()));
        let w = width_of(&idx_col);
        let mut strcols: Vec<Vec<String>> = vec![idx_col.iter().map(|s| format!("{s:<w$}")).collect()];

        // A RangeIndex of column labels is left-justified to a common width.
        let range_w = self
            .columns
            .iter()
            .filter_map(|c| match c.label {
                Label::Int(i) => Some(i.to_string().len()),
                Label::Str(_) => None,
            })
            .max()
            .unwrap_or(0);
        for c in &self.columns {
            let mut label = match &c.label {
                Label::Int(i) => format!("{i:<range_w$}"),
                Label::Str(s) => s.clone(),
            };
            if matches!(c.data, ColData::Typed(_)) {
                label.insert(0, ' ');
            }
            let mut vals = format_column(&subset(&c.data, &row_ids));
            if width_of(&vals) > 50 {
                for v in &mut vals {
                    if v.chars().count() > 50 {
                        *v = format!("{}...", v.chars().take(47).collect::<String>());
                    }
                }
            }
            let w = width_of(&vals).max(label.chars().count());
            let mut col = vec![format!("{label:>w$}")];
            col.extend(vals.iter().map(|v| format!("{v:>w$}")));
            strcols.push(col);
        }
        if rows_cut {
            for (k, col) in strcols.iter_mut().enumerate() {
                let w = width_of(col);
                let dots = if w > 3 { "..." } else { ".." };
                let cell = if k == 0 { format!("{dots:<w$}") } else { format!("{dots:>w$}") };
                col.insert(6, cell);
            }
        }
        let (mut out, cols_cut) = fit_to_width(strcols, 80);
        if rows_cut || cols_cut {
            out.push_str(&format!("\n\n[{} rows x {} columns]", self.nrows, self.columns.len()));
        }
        out
    }

    fn index_labels(&self) -> Vec<String> {
        match &self.index {
            Some(idx) => idx.iter().map(Json::py_str).collect(),
            None => (0..self.nrows).map(|i| i.to_string()).collect(),
        }
    }

    /// `df[col].astype(dtype)` for every column (MLflow's lenient parse cast).
    pub fn astype_column(&mut self, i: usize, dtype: DType) -> Result<(), String> {
        let cells = self.columns[i].data.cells();
        let refs: Vec<&Json> = cells.iter().collect();
        let values = numpy::cast(&refs, dtype, CastMode::Astype)?;
        self.columns[i].data = ColData::Typed(values);
        Ok(())
    }
}

/// The rows `ids` of a column.
fn subset(data: &ColData, ids: &[usize]) -> ColData {
    match data {
        ColData::Typed(v) => ColData::Typed(numpy::select(v, ids)),
        ColData::Object(c) => ColData::Object(ids.iter().map(|i| c[*i].clone()).collect()),
    }
}

fn width_of(col: &[String]) -> usize {
    col.iter().map(|s| s.chars().count()).max().unwrap_or(0)
}

/// pandas' `adjoin(1, ...)`: columns side by side, one space apart.
fn adjoin(cols: &[Vec<String>]) -> String {
    let nrows = cols.first().map_or(0, Vec::len);
    let widths: Vec<usize> = cols.iter().map(|c| width_of(c)).collect();
    (0..nrows)
        .map(|r| {
            let mut line = String::new();
            for (k, col) in cols.iter().enumerate() {
                let w = widths[k];
                line.push_str(&format!("{:<w$}", col[r]));
                if k + 1 < cols.len() {
                    line.push(' ');
                }
            }
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// pandas' `_fit_strcols_to_terminal_width`: drops middle columns until the
/// lines fit, then shows a ` ...` column. Returns the text and whether
/// columns were dropped.
fn fit_to_width(strcols: Vec<Vec<String>>, width: usize) -> (String, bool) {
    let mut col_lens: Vec<usize> = strcols.iter().map(|c| width_of(c)).collect();
    let total = col_lens.iter().sum::<usize>() + col_lens.len() - 1;
    let mut adj_dif = total as i64 - width as i64 + 1;
    if adj_dif <= 0 {
        return (adjoin(&strcols), false);
    }
    adj_dif += 5;
    let mut n_cols = col_lens.len();
    while adj_dif > 0 && n_cols > 1 {
        // Python's round(): halves to even.
        let half = n_cols as f64 / 2.0;
        let mid = if half.fract() == 0.5 && (half.floor() as usize).is_multiple_of(2) {
            half.floor() as usize
        } else {
            half.round() as usize
        };
        adj_dif -= col_lens.remove(mid) as i64 + 1;
        n_cols -= 1;
    }
    let fitted = (n_cols - 1).max(2);
    if fitted >= strcols.len() - 1 {
        return (adjoin(&strcols), false);
    }
    let keep = fitted / 2;
    let rows = strcols[0].len();
    let mut kept: Vec<Vec<String>> = strcols[..keep + 1].to_vec();
    kept.push(vec![" ...".to_string(); rows]);
    kept.extend(strcols[strcols.len() - keep..].iter().cloned());
    (adjoin(&kept), true)
}

/// pandas' `pprint_thing`: strings unquoted, sequences and dicts recursively.
fn pprint(v: &Json) -> String {
    match v {
        Json::Str(s) => s.replace('\t', "\\t").replace('\r', "\\r").replace('\n', "\\n"),
        Json::List(items) => {
            let parts: Vec<String> = items.iter().take(100).map(pprint).collect();
            let more = if items.len() > 100 { ", ..." } else { "" };
            format!("[{}{more}]", parts.join(", "))
        }
        Json::Dict(entries) => {
            let parts: Vec<String> = entries.iter().map(|(k, v)| format!("{k}: {}", pprint(v))).collect();
            format!("{{{}}}", parts.join(", "))
        }
        other => other.py_str(),
    }
}

/// Python's `format(x, " .6e")`: `" 1.000000e+09"`.
fn sci6(f: f64) -> String {
    let s = format!("{:.6e}", f.abs());
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    let sign = if f.is_sign_negative() { '-' } else { ' ' };
    format!("{sign}{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.unsigned_abs())
}

/// Python's `format(x, " .6f")`.
fn fixed6(f: f64) -> String {
    if f.is_infinite() {
        return if f > 0.0 { " inf" } else { "-inf" }.to_string();
    }
    let s = format!("{:.6}", f.abs());
    format!("{}{s}", if f.is_sign_negative() { '-' } else { ' ' })
}

/// pandas' `_trim_zeros_float`: drop trailing zeros common to all plain
/// decimal numbers, keeping one digit after the point.
fn trim_zeros(mut strs: Vec<String>) -> Vec<String> {
    let is_num = |x: &str| {
        let t = x.trim_start().trim_start_matches(['+', '-']);
        match t.split_once('.') {
            Some((i, f)) => {
                !i.is_empty() && i.bytes().all(|b| b.is_ascii_digit()) && f.bytes().all(|b| b.is_ascii_digit())
            }
            None => false,
        }
    };
    loop {
        let nums: Vec<&String> = strs.iter().filter(|x| is_num(x)).collect();
        if nums.is_empty() || !nums.iter().all(|x| x.ends_with('0')) {
            break;
        }
        for x in strs.iter_mut() {
            if is_num(x) {
                x.pop();
            }
        }
    }
    strs.into_iter().map(|x| if is_num(&x) && x.ends_with('.') { x + "0" } else { x }).collect()
}

/// pandas' `FloatArrayFormatter` (precision 6, leading space for the sign).
fn format_floats(v: &[f64]) -> Vec<String> {
    let fixed = trim_zeros(v.iter().map(|f| if f.is_nan() { "NaN".into() } else { fixed6(*f) }).collect());
    let too_long = width_of(&fixed) > 12;
    let large = v.iter().any(|f| f.abs() > 1e6);
    let small = v.iter().any(|f| f.abs() < 1e-6 && *f != 0.0);
    if small || (too_long && large) {
        return v
            .iter()
            .map(|f| {
                if f.is_nan() {
                    "NaN".into()
                } else if f.is_infinite() {
                    fixed6(*f)
                } else {
                    sci6(*f)
                }
            })
            .collect();
    }
    fixed
}

/// pandas' per-column text (before justification).
fn format_column(data: &ColData) -> Vec<String> {
    match data {
        ColData::Typed(Values::F32(v)) => format_floats(&v.iter().map(|x| *x as f64).collect::<Vec<_>>()),
        ColData::Typed(Values::F64(v)) => format_floats(v),
        ColData::Typed(Values::Bool(v)) => v.iter().map(|b| if *b { " True" } else { " False" }.to_string()).collect(),
        ColData::Typed(Values::String(v)) => v.iter().map(|s| format!(" {}", pprint(&Json::Str(s.clone())))).collect(),
        ColData::Typed(Values::Bytes(v)) => {
            v.iter().map(|b| format!(" b{}", py_str_repr(&String::from_utf8_lossy(b)))).collect()
        }
        ColData::Typed(ints) => values_to_json(ints)
            .iter()
            .map(|j| match j {
                Json::Int(i) if *i < 0 => i.to_string(),
                other => format!(" {}", other.py_str()),
            })
            .collect(),
        ColData::Object(cells) => {
            // pandas 3 stores all-string columns as `str`, whose missing value is NaN.
            let is_str = cells.iter().any(|c| matches!(c, Json::Str(_)))
                && cells.iter().all(|c| matches!(c, Json::Str(_) | Json::Null));
            cells
                .iter()
                .map(|c| match c {
                    Json::Null if is_str => " NaN".to_string(),
                    Json::Null => " None".to_string(),
                    Json::Float(f) if f.is_nan() => " NaN".to_string(),
                    other => format!(" {}", pprint(other)),
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::py::json::parse;

    #[test]
    fn split_builds_like_pandas() {
        let f = Frame::from_split(&parse("[[5.1, 3.5, 1.4]]").unwrap(), None, None).unwrap();
        assert_eq!(f.nrows, 1);
        assert_eq!(f.columns.len(), 3);
        assert_eq!(f.columns[2].label, Label::Int(2));
        assert_eq!(f.pd_str(), "     0    1    2\n0  5.1  3.5  1.4");
        let e = Frame::from_split(&parse("[[1, 2], [3, 4], [5, 6]]").unwrap(), None, Some(&parse("[0, 1]").unwrap()))
            .unwrap_err();
        assert_eq!(e, "Length of values (3) does not match length of index (2)");
        let e = Frame::from_split(&parse("[[1, 2]]").unwrap(), Some(&parse(r#"["a", "b", "c"]"#).unwrap()), None)
            .unwrap_err();
        assert_eq!(e, "3 columns passed, passed data had 2 columns");
    }

    #[test]
    fn records_build_like_pandas() {
        let f = Frame::from_records(&parse(r#"[{"a": 1, "b": "x"}, {"c": 2.5, "a": 2}]"#).unwrap()).unwrap();
        let labels: Vec<String> = f.columns.iter().map(|c| c.label.name()).collect();
        assert_eq!(labels, vec!["a", "b", "c"]);
        assert_eq!(f.columns[0].data, ColData::Typed(Values::I64(vec![1, 2])));
        assert!(matches!(f.columns[1].data, ColData::Object(_)));
        let ColData::Typed(Values::F64(c)) = &f.columns[2].data else { panic!() };
        assert!(c[0].is_nan());
    }

    #[test]
    fn pandas_str_matches() {
        let f = Frame::from_split(
            &parse("[[0.154, 0.214, -1.143], [-0.433, 1.168, -0.421], [0.973, -0.627, -1.57]]").unwrap(),
            Some(&parse(r#"["c0", "c1", "c2"]"#).unwrap()),
            None,
        )
        .unwrap();
        assert_eq!(
            f.pd_str(),
            "      c0     c1     c2\n0  0.154  0.214 -1.143\n1 -0.433  1.168 -0.421\n2  0.973 -0.627 -1.570"
        );
        // Wide and long frames: see testdata/repr_fixtures.json.
        let f = Frame::from_records(&parse(r#"[{"a": 1, "s": "x"}, {"a": 22, "s": "yy"}]"#).unwrap()).unwrap();
        assert_eq!(f.pd_str(), "    a   s\n0   1   x\n1  22  yy");
    }

    #[test]
    fn astype_is_lenient() {
        let mut f = Frame::from_records(
            &parse(r#"[{"i": 9007199254740991.0, "s": 1, "b": 1.5}, {"i": 1.0, "s": 2, "b": 0}]"#).unwrap(),
        )
        .unwrap();
        f.astype_column(0, DType::I32).unwrap();
        f.astype_column(1, DType::String).unwrap();
        f.astype_column(2, DType::Bool).unwrap();
        assert_eq!(f.columns[0].data, ColData::Typed(Values::I32(vec![-2147483648, 1])));
        assert_eq!(f.columns[1].data, ColData::Typed(Values::String(vec!["1".into(), "2".into()])));
        assert_eq!(f.columns[2].data, ColData::Typed(Values::Bool(vec![true, false])));
    }
}
