//! The observers' wakers: those that wait for the report, and one that wakes them all.

#[cfg(feature = "tokio")]
use std::sync::Arc;
use std::sync::Mutex;
use std::task::Waker;

/// The observers' wakers, one per observer that waits.
#[derive(Default)]
pub(super) struct Wakers(Vec<(usize, Waker)>);

pub(super) fn lock(wakers: &Mutex<Wakers>) -> std::sync::MutexGuard<'_, Wakers> {
    wakers.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A waker that wakes every observer waiting (see [`Observed::poll_report`]).
#[cfg(feature = "tokio")]
pub(super) struct FanOut(pub(super) Arc<Mutex<Wakers>>);

#[cfg(feature = "tokio")]
impl std::task::Wake for FanOut {
    fn wake(self: Arc<Self>) {
        // Taken out first: a waker's `wake` is not run while the list is locked.
        let wakers = std::mem::take(&mut lock(&self.0).0);
        for (_, waker) in wakers {
            waker.wake();
        }
    }
}

impl Wakers {
    pub(super) fn register(&mut self, id: usize, waker: &Waker) {
        match self.0.iter_mut().find(|(i, _)| *i == id) {
            Some((_, w)) if w.will_wake(waker) => {}
            Some((_, w)) => w.clone_from(waker),
            None => self.0.push((id, waker.clone())),
        }
    }

    pub(super) fn forget(&mut self, id: usize) {
        self.0.retain(|(i, _)| *i != id);
    }

    pub(super) fn wake_all(&mut self) {
        for (_, waker) in self.0.drain(..) {
            waker.wake();
        }
    }
}
