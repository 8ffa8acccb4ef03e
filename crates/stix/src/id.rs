use std::fmt;

/// A STIX identifier, `type--uuid`, parsed once at the edge.
///
/// Invariants: the type part is a valid STIX type name (3 to 250 characters of `a-z`, `0-9` and
/// `-`, starting with a letter), the UUID part is a lowercase RFC 4122 UUID (8-4-4-4-12 hex digits).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Identifier(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    #[error("identifier '{0}' is not of the form type--uuid")]
    Form(String),
    #[error("identifier '{0}' has an invalid type part (3 to 250 characters of a-z, 0-9 and '-', starting with a letter)")]
    Type(String),
    #[error("identifier '{0}' has an invalid UUID part (an RFC 4122 UUID in lowercase hex is required)")]
    Uuid(String),
}

/// Whether `name` is a valid STIX type name (section 3.1 of STIX 2.1: 3 to 250 characters of `a-z`,
/// `0-9` and single hyphens, beginning with a letter; section 11.2.1 forbids `--`).
pub fn is_valid_type_name(name: &str) -> bool {
    (3..=250).contains(&name.len())
        && name.as_bytes()[0].is_ascii_lowercase()
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

fn is_valid_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 36 {
        return false;
    }
    for (i, &c) in b.iter().enumerate() {
        let ok = match i {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(&c),
        };
        if !ok {
            return false;
        }
    }
    true
}

impl Identifier {
    pub fn parse(s: &str) -> Result<Self, IdentifierError> {
        let Some((ty, uuid)) = s.split_once("--") else {
            return Err(IdentifierError::Form(s.to_owned()));
        };
        // The type part may itself not contain "--", so the split is unambiguous.
        if !is_valid_type_name(ty) {
            return Err(IdentifierError::Type(s.to_owned()));
        }
        if !is_valid_uuid(uuid) {
            return Err(IdentifierError::Uuid(s.to_owned()));
        }
        Ok(Identifier(s.to_owned()))
    }

    /// Builds a fresh random (UUIDv4) identifier of a type known to be valid.
    pub fn new_v4(ty: &str) -> Self {
        debug_assert!(is_valid_type_name(ty));
        Identifier(format!("{ty}--{}", uuid::Uuid::new_v4()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn object_type(&self) -> &str {
        self.0.split_once("--").map(|(t, _)| t).unwrap_or_default()
    }

    pub fn uuid_part(&self) -> &str {
        self.0.split_once("--").map(|(_, u)| u).unwrap_or_default()
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identifier({})", self.0)
    }
}

impl AsRef<str> for Identifier {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_valid_and_rejects_invalid() {
        let id = Identifier::parse("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").unwrap();
        assert_eq!(id.object_type(), "indicator");
        assert_eq!(id.uuid_part(), "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
        assert!(matches!(Identifier::parse("indicator-8e2e2d2b"), Err(IdentifierError::Form(_))));
        assert!(matches!(
            Identifier::parse("Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
            Err(IdentifierError::Type(_))
        ));
        assert!(matches!(
            Identifier::parse("indicator--8E2E2D2B-17d4-4cbf-938f-98ee46b3cd3f"),
            Err(IdentifierError::Uuid(_))
        ));
        assert!(matches!(Identifier::parse("x--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"), Err(IdentifierError::Type(_))));
        // Section 3.1: type names MUST begin with a letter.
        assert!(matches!(Identifier::parse("9ab--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"), Err(IdentifierError::Type(_))));
    }
}
