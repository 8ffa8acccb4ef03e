//! TAXII 2.1 URL query parameters (sections 3.4 and 3.5), parsed once at the edge.
//!
//! ```text
//! query      = param *( "&" param )
//! param      = name "=" value            ; form-urlencoded
//! name       = "added_after" | "limit" | "next"
//!            | "match[id]" | "match[type]" | "match[version]" | "match[spec_version]"
//! match[*]   = value *( "," value )      ; values of one field are OR-ed; fields are AND-ed
//! version    = "first" | "last" | "all" | timestamp
//! ```
//! A parameter given twice adds its values (OR). Unknown parameters are ignored, as other
//! TAXII servers and clients expect. Every malformed value of a known parameter is an error
//! naming the parameter and what it takes.

use tearline_stix::{Identifier, Timestamp};
use tearline_store::{Cursor, VersionFilter};

/// Bounds on one query.
#[derive(Debug, Clone, Copy)]
pub struct QueryLimits {
    pub default_page: usize,
    pub max_page: usize,
    /// Most values across all match[] parameters.
    pub max_values: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits { default_page: 100, max_page: 1000, max_values: 100 }
    }
}

/// The parsed parameters. `versions` is `None` when `match[version]` was not given, so each
/// endpoint applies its own default.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaxiiQuery {
    pub added_after: Option<Timestamp>,
    pub limit: usize,
    pub next: Option<Cursor>,
    pub ids: Vec<String>,
    pub types: Vec<String>,
    pub versions: Option<VersionFilter>,
    pub spec_versions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("'added_after' must be a timestamp such as 2024-01-31T12:00:00.000Z, not '{0}'")]
    AddedAfter(String),
    #[error("'limit' must be a whole number of at least 1, not '{0}'")]
    Limit(String),
    #[error("'next' is not a token this server issued; start again without it")]
    Next,
    #[error("'match[id]' must list STIX identifiers (type--uuid), not '{0}'")]
    Id(String),
    #[error("'match[type]' must list STIX type names, not '{0}'")]
    Type(String),
    #[error("'match[version]' takes first, last, all or timestamps, not '{0}'")]
    Version(String),
    #[error("'match[spec_version]' takes STIX versions such as 2.1, not '{0}'")]
    SpecVersion(String),
    #[error("'{0}' may be given only once")]
    Repeated(&'static str),
    #[error("the query lists more than {0} match values; split it into several requests")]
    TooManyValues(usize),
    #[error("the query string is not valid form-urlencoded UTF-8")]
    Encoding,
}

fn decode(s: &str) -> Result<String, QueryError> {
    let plus = s.replace('+', " ");
    percent_encoding::percent_decode_str(&plus).decode_utf8().map(|c| c.into_owned()).map_err(|_| QueryError::Encoding)
}

/// A STIX type name is valid exactly when it forms a valid identifier with some UUID.
fn is_type_name(name: &str) -> bool {
    !name.contains("--") && Identifier::parse(&format!("{name}--00000000-0000-4000-8000-000000000000")).is_ok()
}

fn set_once<T>(slot: &mut Option<T>, value: T, name: &'static str) -> Result<(), QueryError> {
    if slot.is_some() {
        return Err(QueryError::Repeated(name));
    }
    *slot = Some(value);
    Ok(())
}

impl TaxiiQuery {
    pub fn parse(raw: Option<&str>, limits: QueryLimits) -> Result<Self, QueryError> {
        let mut added_after = None;
        let mut limit = None;
        let mut next = None;
        let mut q = TaxiiQuery::default();
        let mut values = 0usize;
        for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(name)?;
            let value = decode(value)?;
            let mut list = || -> Result<Vec<String>, QueryError> {
                let items: Vec<String> = value.split(',').map(|v| v.trim().to_owned()).collect();
                values += items.len();
                if values > limits.max_values {
                    return Err(QueryError::TooManyValues(limits.max_values));
                }
                Ok(items)
            };
            match name.as_str() {
                "added_after" => {
                    let t = Timestamp::parse(&value).map_err(|_| QueryError::AddedAfter(value.clone()))?;
                    set_once(&mut added_after, t, "added_after")?;
                }
                "limit" => {
                    let n = value.parse::<usize>().ok().filter(|n| *n >= 1).ok_or_else(|| QueryError::Limit(value.clone()))?;
                    set_once(&mut limit, n, "limit")?;
                }
                "next" => {
                    let c = Cursor::decode(&value).ok_or(QueryError::Next)?;
                    set_once(&mut next, c, "next")?;
                }
                "match[id]" => {
                    for v in list()? {
                        Identifier::parse(&v).map_err(|_| QueryError::Id(v.clone()))?;
                        q.ids.push(v);
                    }
                }
                "match[type]" => {
                    for v in list()? {
                        if !is_type_name(&v) {
                            return Err(QueryError::Type(v));
                        }
                        q.types.push(v);
                    }
                }
                "match[version]" => {
                    let vf = q.versions.get_or_insert_with(VersionFilter::default);
                    for v in list()? {
                        match v.as_str() {
                            "first" => vf.first = true,
                            "last" => vf.last = true,
                            "all" => vf.all = true,
                            _ => vf.at.push(Timestamp::parse(&v).map_err(|_| QueryError::Version(v.clone()))?),
                        }
                    }
                }
                "match[spec_version]" => {
                    for v in list()? {
                        let ok = !v.is_empty() && v.len() <= 8 && v.bytes().all(|b| b.is_ascii_digit() || b == b'.');
                        if !ok {
                            return Err(QueryError::SpecVersion(v));
                        }
                        q.spec_versions.push(v);
                    }
                }
                _ => {}
            }
        }
        q.added_after = added_after;
        q.next = next;
        q.limit = limit.unwrap_or(limits.default_page).min(limits.max_page);
        Ok(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<TaxiiQuery, QueryError> {
        TaxiiQuery::parse(Some(s), QueryLimits::default())
    }

    #[test]
    fn parses_every_parameter() {
        let q = parse("added_after=2020-01-01T00:00:00Z&limit=5&match%5Btype%5D=indicator,malware&match[type]=tool&match[id]=indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f&match[version]=first,2020-02-01T00:00:00.000Z&match[spec_version]=2.1&unknown=1").unwrap();
        assert_eq!(q.added_after, Some(Timestamp::parse("2020-01-01T00:00:00Z").unwrap()));
        assert_eq!(q.limit, 5);
        assert_eq!(q.types, vec!["indicator", "malware", "tool"]);
        assert_eq!(q.ids.len(), 1);
        let v = q.versions.unwrap();
        assert!(v.first && !v.last && !v.all);
        assert_eq!(v.at.len(), 1);
        assert_eq!(q.spec_versions, vec!["2.1"]);
    }

    #[test]
    fn defaults_and_clamps() {
        let q = TaxiiQuery::parse(None, QueryLimits::default()).unwrap();
        assert_eq!(q.limit, 100);
        assert_eq!(q.versions, None);
        assert_eq!(parse("limit=1000000").unwrap().limit, 1000);
        let next = Cursor(77).encode();
        assert_eq!(parse(&format!("next={next}")).unwrap().next, Some(Cursor(77)));
    }

    #[test]
    fn rejects_malformed_values_by_name() {
        assert!(matches!(parse("added_after=yesterday"), Err(QueryError::AddedAfter(_))));
        assert!(matches!(parse("limit=0"), Err(QueryError::Limit(_))));
        assert!(matches!(parse("limit=-3"), Err(QueryError::Limit(_))));
        assert_eq!(parse("next=garbage"), Err(QueryError::Next));
        assert!(matches!(parse("match[id]=nope"), Err(QueryError::Id(_))));
        assert!(matches!(parse("match[type]=Bad_Type"), Err(QueryError::Type(_))));
        assert!(matches!(parse("match[version]=newest"), Err(QueryError::Version(_))));
        assert!(matches!(parse("match[spec_version]=abc"), Err(QueryError::SpecVersion(_))));
        assert_eq!(parse("limit=1&limit=2"), Err(QueryError::Repeated("limit")));
        assert_eq!(parse("match[type]=%FF"), Err(QueryError::Encoding));
        let many = vec!["indicator"; 101].join(",");
        assert_eq!(parse(&format!("match[type]={many}")), Err(QueryError::TooManyValues(100)));
    }
}
