//! A global allocator that counts, for each thread: the bytes it holds now and at the peak, and the number of
//! allocations (`alloc` and `realloc` calls), so that tests running side by side do not count each other's
//! (and need not run one at a time). Memory a thread frees that another allocated counts against the one
//! that frees it: a measured piece of code allocates and frees on its own thread. Used by `tests/memory.rs`, `tests/allocations.rs` and
//! `benches/allocations.rs`; each binary installs it (`#[global_allocator] static A: Counting = Counting;`).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

pub struct Counting;

thread_local! {
    /// Allocations and reallocations of this thread.
    static CALLS: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
    /// Bytes this thread holds now, and the most it held since the last [`reset_peak`].
    static BYTES: Cell<(isize, isize)> = const { Cell::new((0, 0)) };
}

fn called(alloc: usize, realloc: usize) {
    // `try_with`: a thread being torn down may still allocate.
    let _ = CALLS.try_with(|c| {
        let (a, r) = c.get();
        c.set((a + alloc, r + realloc));
    });
}

fn grew(by: usize) {
    let _ = BYTES.try_with(|b| {
        let (now, peak) = b.get();
        let now = now + by as isize;
        b.set((now, peak.max(now)));
    });
}

fn shrank(by: usize) {
    let _ = BYTES.try_with(|b| {
        let (now, peak) = b.get();
        b.set((now - by as isize, peak));
    });
}

/// Bytes this thread holds now (allocated by it, less what it freed).
pub fn current() -> usize {
    BYTES.with(|b| b.get().0.max(0) as usize)
}

/// Starts a new peak at what this thread holds now, and returns that.
pub fn reset_peak() -> usize {
    BYTES.with(|b| {
        let (now, _) = b.get();
        b.set((now, now));
        now.max(0) as usize
    })
}

/// The most this thread held since the last [`reset_peak`].
pub fn peak() -> usize {
    BYTES.with(|b| b.get().1.max(0) as usize)
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
            shrank(layout.size() - new_size);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        shrank(layout.size());
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

/// The peak of bytes this thread held while `f` runs, above what it held when it started.
pub fn peak_above_start<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = reset_peak();
    let out = f();
    (out, peak().saturating_sub(base))
}
