//! The flavor components, built for `wasm32-wasip2` by this crate's build
//! script and embedded as bytes: `by_flavor("onnx")` is what the host runs,
//! `HTTP_FRONT` what `wasmflow build` composes with it.

include!(concat!(env!("OUT_DIR"), "/gen.rs"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flavor_is_a_component() {
        for flavor in FLAVORS {
            let bytes = by_flavor(flavor).expect("listed flavors have bytes");
            // A component's preamble: magic, then version 0x0d with layer 1.
            assert_eq!(&bytes[..8], b"\0asm\x0d\0\x01\0", "{flavor} is not a component");
        }
        assert!(by_flavor("no-such-flavor").is_none());
        assert_eq!(&HTTP_FRONT[..8], b"\0asm\x0d\0\x01\0", "the front end is not a component");
    }
}
