//! ISO 8601 datetimes as pandas (`Series.astype("datetime64[ns]")`) and numpy
//! (`np.array(..., dtype="datetime64[ns]")`) read them for MLflow's `datetime`
//! columns: the usual forms (`2024-01-02`, `2024-01-02 10:30`,
//! `2024-01-02T10:30:00.5`), checked against the calendar by chrono, printed
//! back as pandas' `Timestamp.isoformat()`, and each library's error message
//! for impossible dates and clock times.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// Why a text is not a datetime; the first field out of range is named, in the
/// order pandas and numpy check them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatetimeError {
    /// Not an ISO 8601 form.
    Format,
    Month,
    Day,
    Hour,
    Minute,
    Second,
}

impl DatetimeError {
    /// The message of pandas' `DateParseError` for `text`.
    pub fn pandas_message(self, text: &str) -> String {
        let reason = match self {
            DatetimeError::Format => "Unknown datetime string format, unable to parse",
            DatetimeError::Month => "month must be in 1..12",
            DatetimeError::Day => "day is out of range for month",
            DatetimeError::Hour => "hour must be in 0..23",
            DatetimeError::Minute => "minute must be in 0..59",
            DatetimeError::Second => "second must be in 0..59",
        };
        format!("{reason}: {text}")
    }

    /// numpy's `ValueError` message for `text` (numpy names the offset of a
    /// format error inside the string; 0 for text that is no date at all).
    pub fn numpy_message(self, text: &str) -> String {
        let field = match self {
            DatetimeError::Format => return format!("Error parsing datetime string \"{text}\" at position 0"),
            DatetimeError::Month => "Month",
            DatetimeError::Day => "Day",
            DatetimeError::Hour => "Hours",
            DatetimeError::Minute => "Minutes",
            DatetimeError::Second => "Seconds",
        };
        format!("{field} out of range in datetime string \"{text}\"")
    }
}

/// Reads `YYYY-MM-DD[(T| )HH[:MM[:SS[.fffffffff]]]]` (surrounding blanks ignored).
pub fn parse_iso(s: &str) -> Result<NaiveDateTime, DatetimeError> {
    let s = s.trim();
    let (date, time) = match s.split_once(['T', ' ']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let digits = |x: &str, n: usize| x.len() == n && x.bytes().all(|b| b.is_ascii_digit());
    let number = |x: &str| x.parse::<u32>().map_err(|_| DatetimeError::Format);
    let d: Vec<&str> = date.split('-').collect();
    if d.len() != 3 || !digits(d[0], 4) || !digits(d[1], 2) || !digits(d[2], 2) {
        return Err(DatetimeError::Format);
    }
    let year = number(d[0])? as i32;
    let (month, day) = (number(d[1])?, number(d[2])?);
    let (mut hms, mut nanos) = ([0u32; 3], 0u32);
    if let Some(t) = time {
        let (clock, frac) = t.split_once('.').unwrap_or((t, ""));
        let parts: Vec<&str> = clock.split(':').collect();
        if parts.len() > 3 || !parts.iter().all(|p| digits(p, 2)) {
            return Err(DatetimeError::Format);
        }
        if frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DatetimeError::Format);
        }
        for (slot, part) in hms.iter_mut().zip(&parts) {
            *slot = number(part)?;
        }
        if !frac.is_empty() {
            nanos = number(&format!("{frac:0<9}"))?;
        }
    }
    if !(1..=12).contains(&month) {
        return Err(DatetimeError::Month);
    }
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(DatetimeError::Day)?;
    let [h, m, sec] = hms;
    let limits = [(h, 23, DatetimeError::Hour), (m, 59, DatetimeError::Minute), (sec, 59, DatetimeError::Second)];
    if let Some((_, _, err)) = limits.into_iter().find(|(v, max, _)| v > max) {
        return Err(err);
    }
    let time = NaiveTime::from_hms_nano_opt(h, m, sec, nanos).ok_or(DatetimeError::Second)?;
    Ok(date.and_time(time))
}

/// pandas' `Timestamp.isoformat()`: microseconds when the fraction fits them,
/// nanoseconds otherwise, none when it is zero.
pub fn isoformat(dt: &NaiveDateTime) -> String {
    let nanos = dt.nanosecond();
    let fraction = if nanos == 0 {
        ""
    } else if nanos.is_multiple_of(1000) {
        "%.6f"
    } else {
        "%.9f"
    };
    dt.format(&format!("%Y-%m-%dT%H:%M:%S{fraction}")).to_string()
}

/// `pd.Timestamp(s).isoformat()` for the ISO forms [`parse_iso`] reads.
pub fn iso_datetime(s: &str) -> Result<String, DatetimeError> {
    parse_iso(s).map(|dt| isoformat(&dt))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_forms_print_as_pandas_does() {
        let cases = [
            ("2024-01-02", "2024-01-02T00:00:00"),
            (" 2024-01-02 10:30 ", "2024-01-02T10:30:00"),
            ("2024-01-02T10", "2024-01-02T10:00:00"),
            ("2024-01-02 10:30:00.5", "2024-01-02T10:30:00.500000"),
            ("2024-01-02T10:30:00.000001", "2024-01-02T10:30:00.000001"),
            ("2024-01-02T10:30:00.123456789", "2024-01-02T10:30:00.123456789"),
            ("2024-01-02T10:30:00.1234567", "2024-01-02T10:30:00.123456700"),
            ("2024-01-02T10:30:00.000", "2024-01-02T10:30:00"),
            ("2024-02-29", "2024-02-29T00:00:00"),
        ];
        for (text, want) in cases {
            assert_eq!(iso_datetime(text).as_deref(), Ok(want), "{text:?}");
        }
    }

    #[test]
    fn impossible_dates_and_times_are_named_as_pandas_and_numpy_name_them() {
        use DatetimeError::*;
        let cases = [
            ("2024-02-31", Day),
            ("2023-02-29", Day),
            ("2024-13-01", Month),
            ("2024-00-10", Month),
            ("2024-01-00", Day),
            ("2024-01-02 25:61", Hour),
            ("2024-01-02T24:00:00", Hour),
            ("2024-01-02T10:61", Minute),
            ("2024-01-02T23:59:60", Second),
            ("not a date", Format),
            ("2024-1-02", Format),
            ("2024-01-02T10:30:00.1234567891", Format),
            ("2024-01-02T1:30", Format),
            ("", Format),
        ];
        for (text, want) in cases {
            assert_eq!(iso_datetime(text), Err(want), "{text:?}");
        }
        assert_eq!(Day.pandas_message("2024-02-31"), "day is out of range for month: 2024-02-31");
        assert_eq!(
            Hour.numpy_message("2024-01-02 25:61"),
            "Hours out of range in datetime string \"2024-01-02 25:61\""
        );
        assert_eq!(Format.numpy_message("x"), "Error parsing datetime string \"x\" at position 0");
    }
}
