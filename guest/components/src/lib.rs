//! The flavor components, built for `wasm32-wasip2` by this crate's build
//! script and embedded as bytes: `by_flavor("onnx")` is what the host runs,
//! `HTTP_FRONT` what `wasmflow build` composes with it, `known_digest` their
//! SHA-256 (the host's compile-cache key) without hashing them again.

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

    #[test]
    fn known_digests_are_the_embedded_bytes_sha256_and_only_theirs() {
        use sha2::{Digest, Sha256};
        let embedded = [ONNX, SKLEARN, XGBOOST, PYTHON_FUNCTION, HTTP_FRONT, HTTP_FRONT_EMBEDDED, ONNX_HOST_KERNELS];
        for bytes in embedded {
            let expected: [u8; 32] = Sha256::digest(bytes).into();
            assert_eq!(known_digest(bytes), Some(expected));
        }
        // Equal bytes elsewhere are not recognised (the caller hashes them).
        let copy = SKLEARN.to_vec();
        assert_eq!(known_digest(&copy), None);
        assert_eq!(known_digest(&ONNX[1..]), None);
    }
}
