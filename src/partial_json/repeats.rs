//! Where the scanner saw a key repeat: the starts of those objects ([`Repeats`]), lent to the rewrite as a
//! [`RepeatsView`].

/// The starts of the objects in which a repeated key was seen, in order. Four bytes an object, since an
/// input with millions of small such objects must not cost more than its own size. Past 4 GiB of text (64
/// times the default limit) every object is read ahead instead, and nested objects are skipped again at each
/// level: as correct, up to a pass per level slower.
#[derive(Debug, Clone, Default)]
pub(crate) struct Repeats {
    starts: Vec<u32>,
    beyond_u32: bool,
}

impl Repeats {
    pub(super) fn insert(&mut self, start: usize) {
        let Ok(start) = u32::try_from(start) else {
            self.beyond_u32 = true;
            return;
        };
        // Objects are flagged when their repeated key is read, so an object is flagged after the ones inside it
        // that were flagged before: it goes before them. Each start moves once per enclosing object at most.
        let at = self.starts.partition_point(|&s| s < start);
        self.starts.insert(at, start);
    }

    /// These starts as seen from a text that begins at `base`.
    pub(super) fn from(&self, base: usize) -> RepeatsView<'_> {
        RepeatsView { starts: &self.starts, base, all: self.beyond_u32 }
    }
}

/// [`Repeats`] lent to the rewrite.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RepeatsView<'a> {
    starts: &'a [u32],
    base: usize,
    all: bool,
}

impl RepeatsView<'_> {
    /// Where in the starts the object at `at` (in the viewed text) is, if a repeated key may be in it.
    /// `Some(None)` when it may be but has no place (text beyond 4 GiB).
    pub(super) fn find(&self, at: usize) -> Option<Option<usize>> {
        let found = u32::try_from(at + self.base).ok().and_then(|at| self.starts.binary_search(&at).ok());
        match found {
            Some(index) => Some(Some(index)),
            None if self.all => Some(None),
            None => None,
        }
    }

    /// How many starts there are.
    pub(super) fn len(&self) -> usize {
        self.starts.len()
    }
}
