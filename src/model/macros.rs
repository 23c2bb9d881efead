//! The macros that declare the model's types: [`model_struct!`] for an object of typed fields,
//! [`tagged_enum!`] for a `type`-tagged choice of them, and [`inline_tagged_enum!`] for a choice whose
//! variants hold their fields inline. Both keep every key they do not type in `extra` (or
//! in `Other`), so that writing a value back gives the object that arrived.

/// Declares a model struct: `req` fields must be present with the right type for the object to be typed,
/// `opt` fields are `Option`s. Generates `from_map` (giving the map back when a required field does not fit),
/// `write_fields` for serializers, and `Serialize`/`Deserialize` for the bare object.
///
/// ```text
/// model_struct! {
///     /// A tool call.
///     pub struct ToolCall {
///         req id: String,
///         opt cache: u64,
///     }
/// }
/// // Expands to (bodies elided):
/// #[derive(Debug, Clone, PartialEq)]
/// #[non_exhaustive]
/// pub struct ToolCall { pub id: String, pub cache: Option<u64>, pub extra: JsonObject }
/// impl ToolCall {
///     pub(crate) fn from_map<M: Members>(map: M) -> Result<Self, M>;      // `Err(map)` without a string `id`
///     pub(crate) fn write_fields<S: SerializeMap>(&self, out: &mut S) -> Result<(), S::Error>;
/// }
/// impl FromJsonText for ToolCall { .. }
/// impl Serialize for ToolCall { .. }          // {"id":..,"cache":..} then `extra`'s other keys
/// impl<'de> Deserialize<'de> for ToolCall { .. }
/// // So `{"id":"t1","cache":null,"x":1}` reads as `id: "t1"`, `cache: None`, and `extra` holding `cache`
/// // (its value `null`) and `x`, and is written back as it came.
/// ```
macro_rules! model_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( req $(#[$rmeta:meta])* $rfield:ident : $rty:ty, )*
            $( opt $(#[$ometa:meta])* $ofield:ident : $oty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[$rmeta])* pub $rfield: $rty, )*
            $( $(#[$ometa])* pub $ofield: Option<$oty>, )*
            /// Every other key of the object as it arrived (unknown keys, and known keys whose value was
            /// `null` or not of the expected shape).
            pub extra: $crate::model::object::JsonObject,
        }

        impl $name {
            /// Builds the typed object from a JSON object; gives the object back when a required field is
            /// missing or of another shape.
            #[allow(unused_mut)]
            pub(crate) fn from_map<M: $crate::model::fields::Members>(mut map: M) -> Result<Self, M> {
                $(
                    let Some($rfield) = $crate::model::fields::check_required::<$rty, M>(&map, stringify!($rfield)) else {
                        return Err(map);
                    };
                )*
                $( map.take(stringify!($rfield)); )*
                $( let $ofield = $crate::model::fields::take_optional::<$oty, M>(&mut map, stringify!($ofield)); )*
                Ok($name { $($rfield,)* $($ofield,)* extra: map.into_object() })
            }

            /// Writes the fields (typed first, then `extra`) into a map serializer.
            pub(crate) fn write_fields<S: serde::ser::SerializeMap>(&self, out: &mut S) -> Result<(), S::Error> {
                $( out.serialize_entry(stringify!($rfield), &self.$rfield)?; )*
                $(
                    if let Some(value) = &self.$ofield {
                        out.serialize_entry(stringify!($ofield), value)?;
                    }
                )*
                $crate::model::fields::serialize_extra(out, &self.extra, |key| {
                    let _ = key;
                    false $( || key == stringify!($rfield) )* $( || (key == stringify!($ofield) && self.$ofield.is_some()) )*
                })
            }
        }

        impl $crate::model::fields::FromJsonText for $name {
            fn from_json_text(raw: &str) -> Option<Self> {
                let map: $crate::model::fields::Borrowed<'_> = serde_json::from_str(raw).ok()?;
                $name::from_map(map).ok()
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut out = serializer.serialize_map(None)?;
                self.write_fields(&mut out)?;
                out.end()
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let map = $crate::model::object::JsonObject::deserialize(deserializer)?;
                $name::from_map(map).map_err(|_| {
                    serde::de::Error::custom(concat!(
                        "missing or mistyped required field of ", stringify!($name)
                    ))
                })
            }
        }
    };
}

/// Declares a `type`-tagged enum over model structs with an `Other` variant keeping unknown (or unfitting)
/// objects whole. Generates `from_map`, `type_name`, `Serialize` and `Deserialize`.
///
/// ```text
/// tagged_enum! {
///     /// A block.
///     pub enum Block {
///         /// Text.
///         Text(TextBlock) = "text",
///     }
/// }
/// // Expands to (bodies elided):
/// #[derive(Debug, Clone, PartialEq)]
/// #[non_exhaustive]
/// pub enum Block { Text(TextBlock), Other(JsonObject) }
/// impl Block {
///     pub fn from_map(map: JsonObject) -> Self;   // `type` "text" and fitting fields: `Text`; else `Other`
///     pub(crate) fn knows(tag: &str) -> bool;     // `tag == "text"`
///     pub(crate) fn type_tag(&self) -> Option<String>;   // decoded
///     pub fn type_name(&self) -> &str;
/// }
/// impl FromJsonText for Block { .. }
/// impl Serialize for Block { .. }                 // `{"type":"text", ..TextBlock's fields}`, or `Other` as it is
/// impl<'de> Deserialize<'de> for Block { .. }
/// impl TryFrom<serde_json::Value> for Block { .. }
/// ```
macro_rules! tagged_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident($inner:ty) = $tag:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant($inner), )*
            /// A type this version does not know, or a known type whose required fields did not fit: the
            /// whole JSON object as it arrived, `type` included.
            Other($crate::model::object::JsonObject),
        }

        impl $name {
            /// Types the JSON object by its `type` field.
            pub fn from_map(mut map: $crate::model::object::JsonObject) -> Self {
                let Some(tag) = map.get("type").and_then($crate::model::object::RawJson::as_string) else {
                    return $name::Other(map);
                };
                match tag.as_str() {
                    $(
                        $tag => {
                            let ty = map.take_at("type");
                            match <$inner>::from_map(map) {
                                Ok(inner) => $name::$variant(inner),
                                Err(mut map) => {
                                    if let Some((at, ty)) = ty {
                                        map.put_back(at, "type", ty);
                                    }
                                    $name::Other(map)
                                }
                            }
                        }
                    )*
                    _ => $name::Other(map),
                }
            }

            /// Whether this version types objects whose `type` is `tag`.
            #[allow(dead_code)] // generated for every tagged enum; the typing asks it of deltas
            pub(crate) fn knows(tag: &str) -> bool {
                [$($tag),*].contains(&tag)
            }

            /// The `type` tag, decoded (for `Other`, the object's `type` string; `None` when it has none).
            #[allow(dead_code)] // generated for every tagged enum; the fold asks it of blocks
            pub(crate) fn type_tag(&self) -> Option<String> {
                match self {
                    $( $name::$variant(_) => Some($tag.to_owned()), )*
                    $name::Other(map) => map.get("type").and_then($crate::model::object::RawJson::as_string),
                }
            }

            /// The `type` tag (for `Other`, the object's `type` string as written, escapes and all, or `""`
            /// when it has none).
            pub fn type_name(&self) -> &str {
                match self {
                    $( $name::$variant(_) => $tag, )*
                    $name::Other(map) => map.get("type").map_or("", $crate::model::fields::plain_string),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                match self {
                    $(
                        $name::$variant(inner) => {
                            let mut out = serializer.serialize_map(None)?;
                            out.serialize_entry("type", $tag)?;
                            inner.write_fields(&mut out)?;
                            out.end()
                        }
                    )*
                    $name::Other(map) => map.serialize(serializer),
                }
            }
        }

        $crate::model::macros::tagged_enum_reading!($name);
    };
}

/// Declares a `type`-tagged enum whose variants carry their fields inline (`req` and `opt` as in
/// [`model_struct!`], plus `extra`), with an `Other` variant keeping unknown (or unfitting) objects whole: for
/// small payloads, where a struct per variant would only name a field or two. Generates what
/// [`tagged_enum!`] does.
///
/// ```text
/// inline_tagged_enum! {
///     /// A change.
///     pub enum Change {
///         /// Text to append.
///         Text = "text_delta" {
///             req
///             /// The text.
///             text: String,
///         },
///     }
/// }
/// // Expands to (bodies elided):
/// #[derive(Debug, Clone, PartialEq)]
/// #[non_exhaustive]
/// pub enum Change {
///     Text { text: String, extra: JsonObject },
///     Other(JsonObject),
/// }
/// impl Change {
///     pub fn from_map(map: JsonObject) -> Self;   // `type` "text_delta" with a string `text`: `Text`; else `Other`
///     pub(crate) fn knows(tag: &str) -> bool;
///     pub(crate) fn type_tag(&self) -> Option<String>;   // decoded
///     pub fn type_name(&self) -> &str;
/// }
/// impl FromJsonText for Change { .. }
/// impl Serialize for Change { .. }               // `{"type":"text_delta","text":..}` then `extra`
/// impl<'de> Deserialize<'de> for Change { .. }
/// impl TryFrom<serde_json::Value> for Change { .. }
/// ```
macro_rules! inline_tagged_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])* $variant:ident = $tag:literal {
                    $( req $(#[$rmeta:meta])* $rfield:ident : $rty:ty, )*
                    $( opt $(#[$ometa:meta])* $ofield:ident : $oty:ty, )*
                },
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum $name {
            $(
                $(#[$vmeta])*
                #[non_exhaustive]
                $variant {
                    $( $(#[$rmeta])* $rfield: $rty, )*
                    $( $(#[$ometa])* $ofield: Option<$oty>, )*
                    /// Every other key of the object as it arrived (unknown keys, and known keys whose value
                    /// was `null` or not of the expected shape), `type` excepted.
                    extra: $crate::model::object::JsonObject,
                },
            )*
            /// A type this version does not know, or a known type whose required fields did not fit: the
            /// whole JSON object as it arrived, `type` included.
            Other($crate::model::object::JsonObject),
        }

        impl $name {
            /// Types the JSON object by its `type` field.
            #[allow(unused_mut)]
            pub fn from_map(mut map: $crate::model::object::JsonObject) -> Self {
                let Some(tag) = map.get("type").and_then($crate::model::object::RawJson::as_string) else {
                    return $name::Other(map);
                };
                match tag.as_str() {
                    $(
                        $tag => {
                            let ty = map.take_at("type");
                            $(
                                let Some($rfield) = $crate::model::fields::check_required::<$rty, _>(&map, stringify!($rfield)) else {
                                    if let Some((at, ty)) = ty {
                                        map.put_back(at, "type", ty);
                                    }
                                    return $name::Other(map);
                                };
                            )*
                            $( $crate::model::fields::Members::take(&mut map, stringify!($rfield)); )*
                            $( let $ofield = $crate::model::fields::take_optional::<$oty, _>(&mut map, stringify!($ofield)); )*
                            // The tag is the variant's; it is written back from it.
                            drop(ty);
                            $name::$variant { $($rfield,)* $($ofield,)* extra: map }
                        }
                    )*
                    _ => $name::Other(map),
                }
            }

            /// Whether this version types objects whose `type` is `tag`.
            #[allow(dead_code)] // generated for every tagged enum; the typing asks it of deltas
            pub(crate) fn knows(tag: &str) -> bool {
                [$($tag),*].contains(&tag)
            }

            /// The `type` tag, decoded (for `Other`, the object's `type` string; `None` when it has none).
            #[allow(dead_code)] // generated for every tagged enum; the fold asks it of blocks
            pub(crate) fn type_tag(&self) -> Option<String> {
                match self {
                    $( $name::$variant { .. } => Some($tag.to_owned()), )*
                    $name::Other(map) => map.get("type").and_then($crate::model::object::RawJson::as_string),
                }
            }

            /// The `type` tag (for `Other`, the object's `type` string as written, escapes and all, or `""`
            /// when it has none).
            pub fn type_name(&self) -> &str {
                match self {
                    $( $name::$variant { .. } => $tag, )*
                    $name::Other(map) => map.get("type").map_or("", $crate::model::fields::plain_string),
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                match self {
                    $(
                        $name::$variant { $($rfield,)* $($ofield,)* extra } => {
                            let mut out = serializer.serialize_map(None)?;
                            out.serialize_entry("type", $tag)?;
                            $( out.serialize_entry(stringify!($rfield), $rfield)?; )*
                            $(
                                if let Some(value) = $ofield {
                                    out.serialize_entry(stringify!($ofield), value)?;
                                }
                            )*
                            $crate::model::fields::serialize_extra(&mut out, extra, |key| {
                                let _ = key;
                                false $( || key == stringify!($rfield) )* $( || (key == stringify!($ofield) && $ofield.is_some()) )*
                            })?;
                            out.end()
                        }
                    )*
                    $name::Other(map) => map.serialize(serializer),
                }
            }
        }

        $crate::model::macros::tagged_enum_reading!($name);
    };
}

pub(crate) use inline_tagged_enum;
/// The reading both tagged-enum macros share, from `from_map`: `FromJsonText`, `Deserialize` and
/// `TryFrom<serde_json::Value>` (which gives back a value that is not an object).
///
/// ```text
/// tagged_enum_reading!(Delta);
/// // Expands to:
/// impl FromJsonText for Delta { .. }                   // through serde, then `from_map`
/// impl<'de> Deserialize<'de> for Delta { .. }          // a `JsonObject`, then `from_map`
/// impl TryFrom<serde_json::Value> for Delta { .. }
/// ```
macro_rules! tagged_enum_reading {
    ($name:ident) => {
        $crate::model::fields::from_json_text_by_serde!($name);

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Ok($name::from_map($crate::model::object::JsonObject::deserialize(deserializer)?))
            }
        }

        impl TryFrom<serde_json::Value> for $name {
            type Error = serde_json::Value;
            /// Types a JSON value; gives it back if it is not an object.
            fn try_from(value: serde_json::Value) -> Result<Self, Self::Error> {
                match value {
                    serde_json::Value::Object(map) => match $crate::model::object::JsonObject::try_from(map) {
                        Ok(map) => Ok($name::from_map(map)),
                        Err(_) => Err(serde_json::Value::Null),
                    },
                    other => Err(other),
                }
            }
        }
    };
}

pub(crate) use model_struct;
pub(crate) use tagged_enum;
pub(crate) use tagged_enum_reading;
