//! Which WebAssembly component serves which MLflow flavor: the built-in ones
//! (embedded in the binary), plus any given on the command line with
//! `--flavor-component NAME=PATH` (a custom flavor, or a replacement).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;

/// The flavor → component table.
#[derive(Debug, Clone, Default)]
pub struct FlavorComponents {
    custom: BTreeMap<String, PathBuf>,
}

impl FlavorComponents {
    /// The built-in components plus `custom` ones (which win on a name clash).
    pub fn new(custom: impl IntoIterator<Item = (String, PathBuf)>) -> Self {
        Self { custom: custom.into_iter().collect() }
    }

    /// Whether some component serves `flavor`.
    pub fn serves(&self, flavor: &str) -> bool {
        self.custom.contains_key(flavor) || wasmflow_components::by_flavor(flavor).is_some()
    }

    /// The `--flavor-component` file that serves `flavor`, if one does.
    pub fn custom_path(&self, flavor: &str) -> Option<&std::path::Path> {
        self.custom.get(flavor).map(PathBuf::as_path)
    }

    /// Every flavor served, for error messages.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = wasmflow_components::FLAVORS.iter().map(|f| f.to_string()).collect();
        names.extend(self.custom.keys().cloned());
        names.sort();
        names.dedup();
        names
    }

    /// The component bytes for `flavor`.
    pub fn bytes(&self, flavor: &str) -> anyhow::Result<Cow<'static, [u8]>> {
        if let Some(path) = self.custom.get(flavor) {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read component {}", path.display()))?;
            return Ok(Cow::Owned(bytes));
        }
        wasmflow_components::by_flavor(flavor)
            .map(Cow::Borrowed)
            .with_context(|| format!("no component serves the {flavor} flavor"))
    }
}

/// Parses `NAME=PATH` (the `--flavor-component` syntax).
pub fn parse_flavor_component(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => Ok((name.to_string(), PathBuf::from(path))),
        _ => Err(format!("expected NAME=PATH, got '{text}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_and_custom_flavors_are_served() {
        let components = FlavorComponents::new([("mine".to_string(), PathBuf::from("/nonexistent.wasm"))]);
        assert!(components.serves("onnx") && components.serves("mine") && !components.serves("no_such_flavor"));
        assert!(components.names().contains(&"mine".to_string()) && components.names().contains(&"onnx".to_string()));
        assert!(components.bytes("onnx").is_ok());
        assert!(components.bytes("mine").unwrap_err().to_string().contains("/nonexistent.wasm"));
    }

    #[test]
    fn flavor_component_syntax() {
        assert_eq!(parse_flavor_component("a=b.wasm").unwrap(), ("a".into(), PathBuf::from("b.wasm")));
        assert!(parse_flavor_component("a").is_err());
        assert!(parse_flavor_component("=b").is_err());
    }
}
