//! Links the front end's `predictor` import to the flavor's export with
//! wasm-compose (wasm-tools' component composer), into one component.

use anyhow::Context;

/// The front end with its `predictor` import satisfied by `flavor`.
pub fn compose(front: &[u8], flavor: &[u8]) -> anyhow::Result<Vec<u8>> {
    // wasm-compose reads components from files; names must be kebab-case.
    let dir = tempfile::tempdir().context("cannot create a temporary directory")?;
    let dir = dir.path();
    let front_path = dir.join("front.wasm");
    let flavor_path = dir.join("flavor.wasm");
    std::fs::write(&front_path, front)?;
    std::fs::write(&flavor_path, flavor)?;
    let config =
        wasm_compose::config::Config { dir: dir.to_path_buf(), definitions: vec![flavor_path], ..Default::default() };
    wasm_compose::composer::ComponentComposer::new(&front_path, &config)
        .compose()
        .map_err(|e| anyhow::anyhow!("{e:#}"))
        .context("cannot compose the front end with the flavor")
}
