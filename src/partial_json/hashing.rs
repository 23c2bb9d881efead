//! Finding a repeated key among many: sets of key hashes (the scanner's and the rewrite's) and the hasher
//! of hashes already made.

/// Objects with at most this many keys look for a repeated key in a list; larger ones use a set.
pub(crate) const LIST_KEYS: usize = 16;

/// The names of an object with many keys, as a set of their hashes (keyed at random, so that no input can
/// be built to collide): eight bytes a key and the set's spare room, where a set of the names themselves
/// costs an allocation each. What a hash's match means is each reader's business: the scanner has the text
/// rewritten, the rewrite compares the names themselves.
#[derive(Debug, Clone, Default)]
pub(crate) struct KeyHashes {
    hashes: HashSet64,
    state: std::hash::RandomState,
}

impl KeyHashes {
    /// Records `name`; `false` when a name with its hash was recorded before.
    pub(crate) fn insert(&mut self, name: &[u8]) -> bool {
        use std::hash::BuildHasher;
        self.hashes.insert(self.state.hash_one(name))
    }
}

/// A set of hashes keyed at random that grows in parts. Below [`HashSet64::SPLIT_AT`] hashes it is one set,
/// which holds its old and new tables while it grows (for that moment, up to about 31 bytes a hash, under a
/// megabyte in all). Once that set is full past that size it stops growing: later hashes go to
/// [`HashSet64::PARTS`] sets, by six bits of the hash that no set uses for itself, each growing on its own, one
/// at a time. Nothing is copied at the change, and the whole costs at most about 21 bytes a hash (every part
/// just grown, at 16 bytes a slot for nine bytes a hash).
#[derive(Debug, Clone, Default)]
pub(crate) struct HashSet64 {
    one: std::collections::HashSet<u64, Prehashed>,
    parts: Vec<std::collections::HashSet<u64, Prehashed>>,
}

impl HashSet64 {
    const SPLIT_AT: usize = 1 << 14;
    const PARTS: usize = 64;

    /// Records `hash`; `false` when it was recorded before.
    pub(crate) fn insert(&mut self, hash: u64) -> bool {
        if self.parts.is_empty() {
            // Not yet full past the size: the one set takes it (and may grow).
            if self.one.len() < Self::SPLIT_AT || self.one.len() < self.one.capacity() {
                return self.one.insert(hash);
            }
            self.parts = (0..Self::PARTS).map(|_| std::collections::HashSet::with_hasher(Prehashed)).collect();
        }
        if self.one.contains(&hash) {
            return false;
        }
        let part = Self::part(hash);
        self.parts[part].insert(hash)
    }

    /// The part of `hash`: bits the sets leave alone (they take a bucket from the lowest bits and a tag from
    /// the highest seven).
    fn part(hash: u64) -> usize {
        (hash >> 40) as usize % Self::PARTS
    }
}

/// Hashing for sets and maps whose keys are already hashes keyed at random: the key is its own hash, not
/// hashed a second time.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Prehashed;

/// The hasher of [`Prehashed`].
#[derive(Debug, Default)]
pub(crate) struct PrehashedHasher(u64);

impl std::hash::BuildHasher for Prehashed {
    type Hasher = PrehashedHasher;
    fn build_hasher(&self) -> PrehashedHasher {
        PrehashedHasher(0)
    }
}

impl std::hash::Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
    /// Only `u64`s are hashed here; anything else is folded in all the same rather than refused.
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The set in parts says what one set says: each hash new once, before and after the parts begin,
    /// whichever part a hash falls in.
    #[test]
    fn a_set_in_parts_finds_every_hash_again() {
        use std::hash::BuildHasher;
        let state = std::hash::RandomState::new();
        let hashes: Vec<u64> = (0..3 * HashSet64::SPLIT_AT as u64).map(|n| state.hash_one(n)).collect();
        let mut set = HashSet64::default();
        for (n, &hash) in hashes.iter().enumerate() {
            assert!(set.insert(hash), "hash {n} is new");
            if n % 97 == 0 {
                // Something recorded long ago, and something just recorded.
                assert!(!set.insert(hashes[n / 2]) && !set.insert(hash), "hash {n} was recorded");
            }
        }
        assert!(!set.parts.is_empty(), "the parts began");
        assert!(set.parts.iter().all(|part| !part.is_empty()), "every part took hashes");
        assert!(hashes.iter().all(|&hash| !set.insert(hash)), "every hash is found again");
        assert_eq!(set.one.len() + set.parts.iter().map(|part| part.len()).sum::<usize>(), hashes.len());
    }
}
