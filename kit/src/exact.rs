//! An exact reader of JSON text, of the kit's own (so that the crate is not checked against itself): keys in
//! their order, integers as their digits, floats as their bits, int and float told apart as Python tells
//! them apart. Expected outputs of the oracle are read with it where a `serde_json::Value` would lose what is
//! compared.

/// A JSON value as the SDK holds it, order kept; numbers exact.
#[derive(Debug, PartialEq)]
pub enum Exact {
    Null,
    Bool(bool),
    /// An integer's digits, sign included.
    Int(String),
    /// A float's bits.
    Float(u64),
    Str(String),
    Array(Vec<Exact>),
    Object(Vec<(String, Exact)>),
}

/// Reads JSON text (plus Python's `Infinity` and `-Infinity`) into [`Exact`], the kit's own reader.
pub fn exact(text: &str) -> Exact {
    let mut reader = Reader { s: text.as_bytes(), i: 0 };
    let value = reader.value();
    reader.ws();
    assert_eq!(reader.i, text.len(), "trailing text in {text:?}");
    value
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && b" \t\n\r".contains(&self.s[self.i]) {
            self.i += 1;
        }
    }

    fn eat(&mut self, word: &str) -> bool {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            return true;
        }
        false
    }

    fn value(&mut self) -> Exact {
        self.ws();
        if self.eat("null") {
            return Exact::Null;
        }
        if self.eat("true") {
            return Exact::Bool(true);
        }
        if self.eat("false") {
            return Exact::Bool(false);
        }
        if self.eat("Infinity") {
            return Exact::Float(f64::INFINITY.to_bits());
        }
        if self.eat("-Infinity") {
            return Exact::Float(f64::NEG_INFINITY.to_bits());
        }
        match self.s[self.i] {
            b'"' => Exact::Str(self.string()),
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws();
                    if self.eat("]") {
                        return Exact::Array(items);
                    }
                    self.eat(",");
                    items.push(self.value());
                }
            }
            b'{' => {
                self.i += 1;
                let mut members = Vec::new();
                loop {
                    self.ws();
                    if self.eat("}") {
                        return Exact::Object(members);
                    }
                    self.eat(",");
                    self.ws();
                    let key = self.string();
                    self.ws();
                    assert!(self.eat(":"));
                    members.push((key, self.value()));
                }
            }
            _ => {
                let start = self.i;
                while self.i < self.s.len() && b"+-.0123456789eE".contains(&self.s[self.i]) {
                    self.i += 1;
                }
                let token = std::str::from_utf8(&self.s[start..self.i]).unwrap();
                if token.contains(['.', 'e', 'E']) {
                    Exact::Float(token.parse::<f64>().unwrap().to_bits())
                } else {
                    // Kept as written: the SDK's `-0` is the integer 0, which Python writes `0`, and ours must be
                    // written so too, or serde_json would read a float `-0.0`.
                    Exact::Int(token.to_owned())
                }
            }
        }
    }

    fn string(&mut self) -> String {
        let start = self.i;
        self.i += 1;
        while self.s[self.i] != b'"' {
            self.i += if self.s[self.i] == b'\\' { 2 } else { 1 };
        }
        self.i += 1;
        serde_json::from_slice(&self.s[start..self.i]).unwrap()
    }
}

/// The crate's own reader (`ToolInput::deserialize`) gives the same tree, but for integers beyond 64 bits,
/// which `deserialize_any` hands out as (correctly rounded) floats, as serde_json does.
impl<'de> serde::Deserialize<'de> for Exact {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Exact;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Exact, E> {
                Ok(Exact::Null)
            }
            fn visit_bool<E>(self, b: bool) -> Result<Exact, E> {
                Ok(Exact::Bool(b))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Exact, E> {
                Ok(Exact::Int(n.to_string()))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Exact, E> {
                Ok(Exact::Int(n.to_string()))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Exact, E> {
                Ok(Exact::Float(n.to_bits()))
            }
            fn visit_str<E>(self, s: &str) -> Result<Exact, E> {
                Ok(Exact::Str(s.to_owned()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Exact, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Exact::Array(items))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Exact, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Exact::Object(members))
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

/// `value` as the SDK's Python reading holds it: an object's repeated key keeps its first place with its
/// last value (a dict), and the integer `-0` is `0`.
pub fn as_the_sdk_reads(value: Exact) -> Exact {
    match value {
        Exact::Int(digits) if digits == "-0" => Exact::Int("0".to_owned()),
        Exact::Array(items) => Exact::Array(items.into_iter().map(as_the_sdk_reads).collect()),
        Exact::Object(members) => {
            let mut kept: Vec<(String, Exact)> = Vec::with_capacity(members.len());
            let mut places = std::collections::HashMap::new();
            for (key, value) in members {
                let value = as_the_sdk_reads(value);
                match places.get(&key) {
                    Some(&place) => kept[place] = (key, value),
                    None => {
                        places.insert(key.clone(), kept.len());
                        kept.push((key, value));
                    }
                }
            }
            Exact::Object(kept)
        }
        other => other,
    }
}
