//! The `Content-Type` rules of MLflow's `/invocations`: which header values are
//! accepted, and the 415 answer for the others.

use crate::error::ScoringError;

/// The request body formats `/invocations` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestFormat {
    /// `application/json`.
    Json,
    /// `text/csv`.
    Csv,
    /// `application/vnd.apache.parquet` (MLflow 3 accepts it; we answer 501).
    Parquet,
}

/// Checks a `Content-Type` header the way MLflow does: split on `;`, parts
/// stripped; `charset` (default utf-8, case-insensitive) must be utf-8; no other
/// parameters; mime exactly `application/json`, `text/csv` or
/// `application/vnd.apache.parquet` (case-sensitive).
pub fn parse_content_type(header: Option<&str>) -> Result<RequestFormat, ScoringError> {
    let header = header.ok_or(ScoringError::MissingContentType)?;
    let mut parts = header.split(';').map(str::trim);
    let mime = parts.next().unwrap_or("");
    // A Python dict: later keys override earlier ones, order of first insertion kept.
    let mut params: Vec<(&str, &str)> = Vec::new();
    for part in parts {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        if let Some(slot) = params.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = value;
        } else {
            params.push((key, value));
        }
    }
    let charset = params.iter().find(|(k, _)| *k == "charset").map_or("utf-8".to_string(), |(_, v)| v.to_lowercase());
    if charset != "utf-8" {
        return Err(ScoringError::UnsupportedCharset);
    }
    let unknown: Vec<String> = params.iter().map(|(k, _)| *k).filter(|k| *k != "charset").map(str::to_string).collect();
    // MLflow tests `any(unknown)`: an empty name (a trailing `;`) does not count.
    if unknown.iter().any(|k| !k.is_empty()) {
        return Err(ScoringError::UnrecognizedContentTypeParams(unknown));
    }
    match mime {
        "application/json" => Ok(RequestFormat::Json),
        "text/csv" => Ok(RequestFormat::Csv),
        "application/vnd.apache.parquet" => Ok(RequestFormat::Parquet),
        _ => Err(ScoringError::UnsupportedContentType(header.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_type_table() {
        use RequestFormat::*;
        let ok: &[(&str, RequestFormat)] = &[
            ("application/json", Json),
            ("text/csv", Csv),
            ("application/json; charset=UTF-8", Json),
            ("application/json;charset=utf-8", Json),
            ("text/csv; charset=Utf-8", Csv),
            ("application/vnd.apache.parquet", Parquet),
            (" application/json ", Json),
            ("application/json;", Json),
            ("application/json; charset=latin1; charset=utf-8", Json),
        ];
        for (h, want) in ok {
            assert_eq!(parse_content_type(Some(h)), Ok(*want), "{h}");
        }
        let bad: &[(Option<&str>, ScoringError)] = &[
            (None, ScoringError::MissingContentType),
            (Some("application/json; charset=latin-1"), ScoringError::UnsupportedCharset),
            (Some("text/csv; charset=ascii"), ScoringError::UnsupportedCharset),
            (
                Some("application/json; format=pandas-split"),
                ScoringError::UnrecognizedContentTypeParams(vec!["format".into()]),
            ),
            (
                Some("application/json; something=something"),
                ScoringError::UnrecognizedContentTypeParams(vec!["something".into()]),
            ),
            (
                Some("not_a_supported_content_type"),
                ScoringError::UnsupportedContentType("not_a_supported_content_type".into()),
            ),
            (Some("Application/JSON"), ScoringError::UnsupportedContentType("Application/JSON".into())),
            (
                Some("application/x-www-form-urlencoded"),
                ScoringError::UnsupportedContentType("application/x-www-form-urlencoded".into()),
            ),
            (Some(""), ScoringError::UnsupportedContentType(String::new())),
        ];
        for (h, want) in bad {
            assert_eq!(parse_content_type(*h).as_ref(), Err(want), "{h:?}");
            assert_eq!(want.status(), 415);
        }
    }

    #[test]
    fn charset_is_checked_before_unknown_params() {
        assert_eq!(
            parse_content_type(Some("text/plain; format=x; charset=ascii")),
            Err(ScoringError::UnsupportedCharset)
        );
        assert_eq!(
            parse_content_type(Some("text/plain; format=x")),
            Err(ScoringError::UnrecognizedContentTypeParams(vec!["format".into()]))
        );
    }
}
