//! The machinery behind every typed JSON object of the model: known keys go to typed fields, every other key
//! (and a known key whose value is `null` or not of the expected shape) stays in `extra`, so that nothing on
//! the wire is lost and re-serializing gives back the same object.

use serde::ser::SerializeMap;
use serde_json::{Map, Value};

/// A JSON object's keys and values, as `serde_json` holds them.
pub type JsonObject = Map<String, Value>;

/// Takes `key` out of `map` if it holds a non-null value of type `T`; otherwise leaves it where it is.
pub(crate) fn take_optional<T: serde::de::DeserializeOwned>(map: &mut JsonObject, key: &str) -> Option<T> {
    let value = map.get(key)?;
    if value.is_null() {
        return None;
    }
    let typed = T::deserialize(value).ok()?;
    map.remove(key);
    Some(typed)
}

/// `map`, or a new empty map when it is empty: a map emptied by taking its keys out still holds its storage
/// (hundreds of bytes), which a million small blocks would keep for nothing.
pub(crate) fn compact(map: JsonObject) -> JsonObject {
    if map.is_empty() {
        JsonObject::new()
    } else {
        map
    }
}

/// Whether `map` holds `key` with a value of type `T` (required fields are checked before any is taken).
pub(crate) fn check_required<T: serde::de::DeserializeOwned>(map: &JsonObject, key: &str) -> Option<T> {
    T::deserialize(map.get(key)?).ok()
}

/// Writes the entries of `extra` whose keys were not already written from typed fields.
pub(crate) fn serialize_extra<S: SerializeMap>(
    out: &mut S,
    extra: &JsonObject,
    written: impl Fn(&str) -> bool,
) -> Result<(), S::Error> {
    for (key, value) in extra {
        if !written(key) {
            out.serialize_entry(key, value)?;
        }
    }
    Ok(())
}

/// Declares a model struct: `req` fields must be present with the right type for the object to be typed,
/// `opt` fields are `Option`s. Generates `from_map` (giving the map back when a required field does not fit),
/// `write_fields` for serializers, and `Serialize`/`Deserialize` for the bare object.
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
            pub(crate) fn from_map(
                mut map: $crate::model::object::JsonObject,
            ) -> Result<Self, $crate::model::object::JsonObject> {
                $(
                    let Some($rfield) = $crate::model::object::check_required::<$rty>(&map, stringify!($rfield)) else {
                        return Err(map);
                    };
                )*
                $( map.remove(stringify!($rfield)); )*
                $( let $ofield = $crate::model::object::take_optional::<$oty>(&mut map, stringify!($ofield)); )*
                Ok($name { $($rfield,)* $($ofield,)* extra: $crate::model::object::compact(map) })
            }

            /// Writes the fields (typed first, then `extra`) into a map serializer.
            pub(crate) fn write_fields<S: serde::ser::SerializeMap>(&self, out: &mut S) -> Result<(), S::Error> {
                $( out.serialize_entry(stringify!($rfield), &self.$rfield)?; )*
                $(
                    if let Some(value) = &self.$ofield {
                        out.serialize_entry(stringify!($ofield), value)?;
                    }
                )*
                $crate::model::object::serialize_extra(out, &self.extra, |key| {
                    let _ = key;
                    false $( || key == stringify!($rfield) )* $( || (key == stringify!($ofield) && self.$ofield.is_some()) )*
                })
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
                let tag = match map.get("type") {
                    Some(serde_json::Value::String(tag)) => tag.as_str(),
                    _ => return $name::Other(map),
                };
                match tag {
                    $(
                        $tag => {
                            let ty = map.remove("type");
                            match <$inner>::from_map(map) {
                                Ok(inner) => $name::$variant(inner),
                                Err(mut map) => {
                                    if let Some(ty) = ty {
                                        map.insert("type".to_owned(), ty);
                                    }
                                    $name::Other(map)
                                }
                            }
                        }
                    )*
                    _ => $name::Other(map),
                }
            }

            /// The `type` tag (for `Other`, the object's `type` string, or `""` when it has none).
            pub fn type_name(&self) -> &str {
                match self {
                    $( $name::$variant(_) => $tag, )*
                    $name::Other(map) => map.get("type").and_then(serde_json::Value::as_str).unwrap_or(""),
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
                    serde_json::Value::Object(map) => Ok($name::from_map(map)),
                    other => Err(other),
                }
            }
        }
    };
}

pub(crate) use model_struct;
pub(crate) use tagged_enum;
