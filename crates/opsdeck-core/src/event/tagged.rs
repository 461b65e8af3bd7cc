//! Reading a [`Body`] from a stored event's `kind` and `payload` as they
//! are, without first building the `{"kind": …, "payload": …}` object the
//! adjacently tagged enum is written as (which copied every payload once
//! more on each replay of the journal).

use serde::Deserialize;
use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer};
use serde::de::{DeserializeSeed, MapAccess};

use super::Body;

/// `kind` and `payload` as the map `{"kind": kind, "payload": payload}`.
struct Tagged<'de> {
    kind: &'de str,
    payload: &'de serde_json::Value,
    /// Entries handed out so far (a key and its value count one each).
    at: u8,
}

impl<'de> MapAccess<'de> for Tagged<'de> {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Self::Error> {
        let key = match self.at {
            0 => "kind",
            2 => "payload",
            _ => return Ok(None),
        };
        self.at += 1;
        seed.deserialize(BorrowedStrDeserializer::new(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Self::Error> {
        self.at += 1;
        if self.at == 2 { seed.deserialize(BorrowedStrDeserializer::new(self.kind)) } else { seed.deserialize(self.payload) }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(usize::from(2 - self.at.min(4) / 2))
    }
}

/// The typed body of an event of `kind` with `payload`.
pub(super) fn body(kind: &str, payload: &serde_json::Value) -> Result<Body, serde_json::Error> {
    Body::deserialize(MapAccessDeserializer::new(Tagged { kind, payload, at: 0 }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_tagged_object_reads_and_fails_where_it_fails() {
        let body = Body::IncidentNote { incident: 3, text: "rolled back".into(), comms: true };
        let value = serde_json::to_value(&body).expect("encode");
        let (kind, payload) = (value["kind"].as_str().expect("kind"), &value["payload"]);
        assert_eq!(super::body(kind, payload).expect("decode"), body);
        assert!(super::body("incident.note", &serde_json::json!({"incident": "three"})).is_err());
        assert!(super::body("no.such.kind", payload).is_err());
    }
}
