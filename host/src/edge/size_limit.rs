//! `wasmflow build --max-size`: the size a platform accepts for one component,
//! by name or in bytes, and the warning printed when a build is past it.
//!
//! Platforms count differently: Cloudflare Workers and Fastly Compute limit the
//! compressed upload, Fermyon Cloud the application package as stored. The
//! figures are each platform's documented limits (2026).

use std::fmt;
use std::str::FromStr;

use super::Built;

/// Which size a limit applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Raw,
    Gzipped,
}

/// A size limit for built components.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeLimit {
    /// What the limit is called in the warning (a platform, or the size given).
    pub name: String,
    pub bytes: usize,
    pub measure: Measure,
}

const MB: usize = 1_000_000;

/// Known platforms: name, description, bytes, what is counted.
const PLATFORMS: &[(&str, &str, usize, Measure)] = &[
    ("cloudflare-free", "Cloudflare Workers' free plan", 3 * MB, Measure::Gzipped),
    ("cloudflare", "Cloudflare Workers' paid plan", 10 * MB, Measure::Gzipped),
    ("fastly", "Fastly Compute", 100 * MB, Measure::Gzipped),
    ("fermyon-cloud", "Fermyon Cloud", 100 * MB, Measure::Raw),
];

impl FromStr for SizeLimit {
    type Err = String;

    /// A platform name (`cloudflare-free`, `cloudflare`, `fastly`,
    /// `fermyon-cloud`) or a raw size such as `2MB`, `500KB` or `2000000`.
    fn from_str(text: &str) -> Result<Self, String> {
        if let Some((_, description, bytes, measure)) = PLATFORMS.iter().find(|p| p.0 == text) {
            return Ok(SizeLimit { name: (*description).to_string(), bytes: *bytes, measure: *measure });
        }
        let upper = text.trim().to_ascii_uppercase();
        let (digits, unit) = match upper.find(|c: char| !c.is_ascii_digit() && c != '.') {
            Some(at) => upper.split_at(at),
            None => (upper.as_str(), ""),
        };
        let scale = match unit.trim() {
            "" | "B" => 1.0,
            "KB" => 1e3,
            "MB" => 1e6,
            "GB" => 1e9,
            _ => return Err(unknown(text)),
        };
        let value: f64 = digits.parse().map_err(|_| unknown(text))?;
        if !value.is_finite() || value <= 0.0 {
            return Err(unknown(text));
        }
        Ok(SizeLimit { name: format!("--max-size {text}"), bytes: (value * scale) as usize, measure: Measure::Raw })
    }
}

fn unknown(text: &str) -> String {
    let names: Vec<&str> = PLATFORMS.iter().map(|p| p.0).collect();
    format!("{text:?} is neither a size (e.g. 2MB) nor a platform ({})", names.join(", "))
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Measure::Raw => "",
            Measure::Gzipped => " gzipped",
        })
    }
}

impl SizeLimit {
    /// The warning for `built`, if it is past the limit.
    pub fn exceeded_by(&self, built: &Built) -> Option<String> {
        let size = match self.measure {
            Measure::Raw => built.size,
            Measure::Gzipped => built.gzip_size,
        };
        let mb = |bytes: usize| bytes as f64 / MB as f64;
        (size > self.bytes).then(|| {
            format!(
                "the component is {:.1} MB{m}, past the limit of {} ({:.1} MB{m})",
                mb(size),
                self.name,
                mb(self.bytes),
                m = self.measure
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(size: usize, gzip_size: usize) -> Built {
        Built { size, gzip_size, seconds: 0.0 }
    }

    #[test]
    fn platforms_count_what_they_document() {
        let free: SizeLimit = "cloudflare-free".parse().unwrap();
        assert_eq!((free.bytes, free.measure), (3 * MB, Measure::Gzipped));
        // 21 MB raw, 4.8 MB gzipped: the iris ONNX component.
        let onnx = built(21_100_000, 4_800_000);
        let warning = free.exceeded_by(&onnx).unwrap();
        assert_eq!(
            warning,
            "the component is 4.8 MB gzipped, past the limit of Cloudflare Workers' free plan (3.0 MB gzipped)"
        );
        assert_eq!("cloudflare".parse::<SizeLimit>().unwrap().exceeded_by(&onnx), None);
        assert_eq!("fermyon-cloud".parse::<SizeLimit>().unwrap().exceeded_by(&onnx), None);
    }

    #[test]
    fn sizes_parse_with_units() {
        assert_eq!("2MB".parse::<SizeLimit>().unwrap().bytes, 2 * MB);
        assert_eq!("1.5mb".parse::<SizeLimit>().unwrap().bytes, 1_500_000);
        assert_eq!("500KB".parse::<SizeLimit>().unwrap().bytes, 500_000);
        assert_eq!("4096".parse::<SizeLimit>().unwrap().bytes, 4096);
        let limit: SizeLimit = "2MB".parse().unwrap();
        assert!(limit.exceeded_by(&built(2_000_001, 1)).unwrap().contains("--max-size 2MB (2.0 MB)"));
        assert_eq!(limit.exceeded_by(&built(2_000_000, 1)), None);
        for bad in ["", "MB", "-1MB", "2TB", "cloudflare-paid", "0"] {
            let error = bad.parse::<SizeLimit>().unwrap_err();
            assert!(error.contains("cloudflare-free"), "{bad}: {error}");
        }
    }
}
