//! pandas' `str(df)`: column formatting (float precision, trimmed zeros,
//! pprinted cells), row and column truncation to the default display options,
//! as MLflow's error messages embed it.

use super::{ColData, Frame, Label, subset, values_to_json};
use crate::py::json::Json;
use crate::py::repr::py_str_repr;
use crate::value::Values;

impl Frame {
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
