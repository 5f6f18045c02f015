//! A minimal pandas DataFrame: built from `dataframe_split`, `dataframe_records`
//! or CSV the way pandas builds it (column labels, inferred dtypes, pandas'
//! error messages), cast with `astype`, and printed like `str(df)` for
//! MLflow's error messages.

use crate::py::json::Json;
use crate::py::numpy::{self, CastMode};
use crate::py::repr::py_str_repr;
use crate::value::{DType, Values};

mod print;

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

    /// True when the label's name is `name` (without building the name).
    pub fn is(&self, name: &str) -> bool {
        match self {
            Label::Str(s) => s == name,
            Label::Int(i) => itoa::Buffer::new().format(*i) == name,
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
        self.columns.iter().find(|c| c.label.is(name))
    }

    /// `df[col].astype(dtype)` for every column (MLflow's lenient parse cast).
    pub fn astype_column(&mut self, i: usize, dtype: DType) -> Result<(), String> {
        // A numeric column cast to its own dtype or to float64 (the common
        // signatures) needs no detour through Python values: the same numbers.
        if let ColData::Typed(values) = &self.columns[i].data {
            let widened = match values {
                // (Bytes go through their text, as pandas' object cells do.)
                _ if values.dtype() == dtype && dtype != DType::Bytes => return Ok(()),
                Values::I64(v) if dtype == DType::F64 => Values::F64(v.iter().map(|x| *x as f64).collect()),
                Values::F64(v) if dtype == DType::F32 => Values::F32(v.iter().map(|x| *x as f32).collect()),
                _ => return self.astype_via_cells(i, dtype),
            };
            self.columns[i].data = ColData::Typed(widened);
            return Ok(());
        }
        self.astype_via_cells(i, dtype)
    }

    /// `astype` element by element, through the Python values.
    fn astype_via_cells(&mut self, i: usize, dtype: DType) -> Result<(), String> {
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

#[cfg(test)]
mod tests;
