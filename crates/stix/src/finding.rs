use std::fmt;

/// How serious a validation finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// A SHOULD-level rule was not followed: the object is accepted, the finding reported.
    Warning,
    /// A MUST-level rule was broken: the object is rejected.
    Error,
}

/// One rule an object breaks, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// Property path the finding is about (`created`, `external_references.[0].url`), if any.
    pub property: Option<String>,
    /// Short stable code of the rule (`id-format`, `required-property`, ...).
    pub rule: &'static str,
    /// Human-readable explanation, lowercase, no trailing period.
    pub message: String,
}

impl Finding {
    pub fn error(property: impl Into<Option<String>>, rule: &'static str, message: impl Into<String>) -> Self {
        Finding { severity: Severity::Error, property: property.into(), rule, message: message.into() }
    }

    pub fn warning(property: impl Into<Option<String>>, rule: &'static str, message: impl Into<String>) -> Self {
        Finding { severity: Severity::Warning, property: property.into(), rule, message: message.into() }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.property {
            Some(p) => write!(f, "property '{p}': {} [{}]", self.message, self.rule),
            None => write!(f, "{} [{}]", self.message, self.rule),
        }
    }
}
