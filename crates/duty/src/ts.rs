//! Serde helpers: [`crate::Micros`] as STIX timestamp strings in JSON.

pub mod opt {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(t) => s.serialize_str(&tearline_stix::Timestamp::from_micros(*t).to_stix_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        let v: Option<String> = Option::deserialize(d)?;
        v.map(|s| tearline_stix::Timestamp::parse(&s).map(|t| t.as_micros()).map_err(serde::de::Error::custom)).transpose()
    }
}
