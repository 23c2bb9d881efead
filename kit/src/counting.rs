//! A global allocator that counts: bytes allocated now and at the peak (process-wide), and the number of
//! allocations (`alloc` and `realloc` calls) of each thread, so that tests running side by side do not
//! count each other's. Used by `tests/memory.rs`, `tests/allocations.rs` and
//! `benches/allocations.rs`; each binary installs it (`#[global_allocator] static A: Counting = Counting;`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Counting;

pub static CURRENT: AtomicUsize = AtomicUsize::new(0);
pub static PEAK: AtomicUsize = AtomicUsize::new(0);
thread_local! {
    /// Allocations and reallocations of this thread.
    static CALLS: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

fn called(alloc: usize, realloc: usize) {
    // `try_with`: a thread being torn down may still allocate.
    let _ = CALLS.try_with(|c| {
        let (a, r) = c.get();
        c.set((a + alloc, r + realloc));
    });
}

fn grew(by: usize) {
    let now = CURRENT.fetch_add(by, Ordering::SeqCst) + by;
    PEAK.fetch_max(now, Ordering::SeqCst);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        called(1, 0);
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        called(1, 0);
        grew(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        called(0, 1);
        if new_size >= layout.size() {
            grew(new_size - layout.size());
        } else {
            CURRENT.fetch_sub(layout.size() - new_size, Ordering::SeqCst);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::SeqCst);
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Allocations and reallocations this thread makes while `f` runs.
pub fn count<T>(f: impl FnOnce() -> T) -> (T, usize, usize) {
    let (a, r) = CALLS.with(Cell::get);
    let out = f();
    let (a2, r2) = CALLS.with(Cell::get);
    (out, a2 - a, r2 - r)
}

/// The peak of bytes allocated while `f` runs, above what was allocated when it started.
pub fn peak_above_start<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Ordering::SeqCst);
    PEAK.store(base, Ordering::SeqCst);
    let out = f();
    (out, PEAK.load(Ordering::SeqCst).saturating_sub(base))
}
