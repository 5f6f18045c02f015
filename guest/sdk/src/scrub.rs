//! The guests' allocator: the standard one, which also zeroes what is freed
//! while a model loads under `snapshot.preload`.
//!
//! wizer's snapshot keeps every non-zero byte of linear memory. Loading a model
//! leaves the files it read and the buffers it parsed them with in freed blocks;
//! the allocator does not clear them, so they went into every `wasmflow build`
//! component (the iris random forest: about 0.6 MB of the flavor's 1 MB of
//! snapshotted memory). Zeroing on free during the preload drops them; outside
//! it, freeing costs one flag test. Hand-written: no allocator crate offers a
//! switchable zero-on-free, and this is a thin wrapper over `System`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set while `snapshot::preload` loads a model.
static SCRUB: AtomicBool = AtomicBool::new(false);

/// Runs `f` with freed memory zeroed.
pub(crate) fn scrubbing<T>(f: impl FnOnce() -> T) -> T {
    SCRUB.store(true, Ordering::Relaxed);
    let out = f();
    SCRUB.store(false, Ordering::Relaxed);
    out
}

/// `System`, zeroing freed blocks while [`scrubbing`].
#[cfg_attr(not(target_family = "wasm"), allow(dead_code, reason = "the global allocator of wasm guests only"))]
pub struct ScrubbingAllocator;

// SAFETY: every call is forwarded to `System` with the caller's arguments; the
// only addition writes zeros into a block its owner is giving up, before the
// block goes back to `System`.
unsafe impl GlobalAlloc for ScrubbingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded unchanged.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if SCRUB.load(Ordering::Relaxed) {
            // Volatile: a plain write into memory about to be freed is a dead store,
            // which the optimiser removes (it did: the snapshot kept the model files).
            for i in 0..layout.size() {
                // SAFETY: `ptr` is a live block of `layout.size()` bytes, being freed.
                unsafe { ptr.add(i).write_volatile(0) };
            }
        }
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if !SCRUB.load(Ordering::Relaxed) {
            // SAFETY: forwarded unchanged.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // Moved by hand, so that the old block is zeroed when it is freed.
        // SAFETY: the caller guarantees `new_size` with `layout.align()` is a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a non-zero size, as the caller guarantees.
        let new = unsafe { System.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are live and distinct; the copy fits both.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}
