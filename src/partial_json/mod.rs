//! Tool input that may have been cut off, read as the Python SDK reads it (`jiter` in partial mode), kept as
//! exact JSON text.
//!
//! One incremental scanner serves every use: the final input of a block, the snapshot after any delta, and
//! [`parse`] on a whole text. It never builds a tree: it validates the text, remembers where the last complete
//! member of each open container ends, and gives back the text up to there plus the closing brackets. Numbers,
//! strings and key order therefore stay exactly as the model wrote them.
//!
//! * Complete JSON is read whole; bytes after a complete top-level value are ignored.
//! * Input that ends early keeps every complete member and drops the incomplete tail, however deep:
//!   `{"a": 1, "b": "hel` gives `{"a": 1}`, `{"a": [1, 2` gives `{"a": [1, 2]}`, `{"a": tr` gives `{}`.
//!   A number at the very end counts as complete if it is a valid number (`{"a": 12` gives `{"a": 12}`).
//!   With [`PartialMode::TrailingStrings`] an unfinished string value is kept (`{"a": 1, "b": "hel` gives
//!   `{"a": 1, "b": "hel"}`), minus an escape cut in the middle.
//! * Inside an object or array, something other than `,` or the closing bracket after a complete member
//!   ends the parse there, as if the input had been cut (`[1 2]` gives `[1]`), as `jiter` does.
//! * Where the SDK's reading differs from the text, the text is rewritten: a repeated key keeps its first
//!   place with the last value (`{"a":1,"b":2,"a":3}` gives `{"a":3,"b":2}`), and the integer `-0` becomes `0`.
//! * Errors: empty or whitespace-only input, a top-level scalar that is cut off, invalid tokens, bad
//!   escapes and lone surrogates, raw control characters in strings, trailing commas, non-string keys, and
//!   nesting deeper than [`MAX_DEPTH`].
//!
//! Differences from `jiter` that remain: it accepts `NaN`, `Infinity` and `-Infinity`, which are not JSON;
//! here they are errors.

mod exact;
mod hashing;
mod normalize;
mod parser;
pub(crate) mod plain;
pub(crate) mod reading;
mod repeats;
mod scanner;
pub(crate) mod tool_input;

pub use parser::{PartialJsonParser, parse, parse_with};
pub use reading::{MAX_DEPTH, PartialJsonError, PartialMode};
