//! Articles and their metadata: plain text with optional TOML front matter (between `+++`
//! lines) and/or a TOML sidecar (`ARTICLE.meta.toml`). Format: `data/osint/README.md`.

use serde::{Deserialize, Serialize};

use crate::date::Day;

/// What is known about an article besides its text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    /// Caller-chosen id (e.g. the file name); a content hash is used when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outlet: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// BCP 47 language tag; only English is analysed today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Publication date (the anchor for relative dates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<Day>,
    /// The publication time as given (RFC 3339 or a date), kept for the STIX report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_raw: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Sources the article retells, as stated by the publisher or an analyst.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributed_to: Vec<String>,
}

/// An article to analyse.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Article {
    pub text: String,
    pub meta: Meta,
}

impl Article {
    pub fn new(text: impl Into<String>, meta: Meta) -> Article {
        Article {
            text: text.into(),
            meta,
        }
    }
}

/// Errors in article metadata.
#[derive(Debug, thiserror::Error)]
pub enum ArticleError {
    #[error("metadata is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("metadata field '{0}': {1}")]
    Field(&'static str, String),
    #[error("front matter opened with '+++' is not closed")]
    Unclosed,
}

fn apply(meta: &mut Meta, t: &toml::Table) -> Result<(), ArticleError> {
    let s = |k: &'static str| -> Result<Option<String>, ArticleError> {
        match t.get(k) {
            None => Ok(None),
            Some(toml::Value::String(v)) => Ok(Some(v.clone())),
            Some(other) => Err(ArticleError::Field(
                k,
                format!("expected a string, found {}", other.type_str()),
            )),
        }
    };
    if let Some(v) = s("id")? {
        meta.id = Some(v);
    }
    if let Some(v) = s("outlet")? {
        meta.outlet = Some(v);
    }
    if let Some(v) = s("url")? {
        meta.url = Some(v);
    }
    if let Some(v) = s("language")? {
        meta.language = Some(v);
    }
    if let Some(v) = s("title")? {
        meta.title = Some(v);
    }
    if let Some(v) = t.get("published") {
        let raw = match v {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            other => {
                return Err(ArticleError::Field(
                    "published",
                    format!("expected a date, found {}", other.type_str()),
                ));
            }
        };
        let day = Day::parse(&raw).ok_or_else(|| {
            ArticleError::Field(
                "published",
                format!("'{raw}' is not YYYY-MM-DD[THH:MM:SSZ]"),
            )
        })?;
        meta.published = Some(day);
        meta.published_raw = Some(raw);
    }
    match t.get("attributed_to") {
        None => {}
        Some(toml::Value::String(v)) => meta.attributed_to = vec![v.clone()],
        Some(toml::Value::Array(a)) => {
            meta.attributed_to = a
                .iter()
                .map(|x| {
                    x.as_str().map(str::to_owned).ok_or_else(|| {
                        ArticleError::Field("attributed_to", "expected strings".into())
                    })
                })
                .collect::<Result<_, _>>()?
        }
        Some(other) => {
            return Err(ArticleError::Field(
                "attributed_to",
                format!("expected a list of strings, found {}", other.type_str()),
            ));
        }
    }
    Ok(())
}

/// Parses an article: optional TOML front matter between `+++` lines at the very top, then the
/// text; then the optional sidecar TOML, whose fields win over the front matter's. Unknown
/// fields are ignored.
pub fn parse_article(text: &str, sidecar_toml: Option<&str>) -> Result<Article, ArticleError> {
    let mut meta = Meta::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut body = text;
    let first = text.lines().next().unwrap_or("");
    if first.trim_end() == "+++" {
        let after = &text[first.len()..];
        let after = after
            .strip_prefix("\r\n")
            .or_else(|| after.strip_prefix('\n'))
            .unwrap_or(after);
        let mut end = None;
        let mut pos = 0;
        for line in after.split_inclusive('\n') {
            if line.trim_end() == "+++" {
                end = Some((pos, pos + line.len()));
                break;
            }
            pos += line.len();
        }
        let (fm_end, body_start) = end.ok_or(ArticleError::Unclosed)?;
        let table: toml::Table = toml::from_str(&after[..fm_end])?;
        apply(&mut meta, &table)?;
        body = &after[body_start..];
    }
    if let Some(sc) = sidecar_toml {
        let table: toml::Table = toml::from_str(sc)?;
        apply(&mut meta, &table)?;
    }
    Ok(Article {
        text: body.trim_start_matches(['\n', '\r']).to_owned(),
        meta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_and_sidecar() {
        let a = parse_article(
            "+++\noutlet = \"A\"\npublished = 2025-01-25\n+++\nBody.",
            Some("url = \"https://x\"\noutlet = \"B\""),
        )
        .unwrap();
        assert_eq!(a.text, "Body.");
        assert_eq!(a.meta.outlet.as_deref(), Some("B"));
        assert_eq!(a.meta.url.as_deref(), Some("https://x"));
        assert_eq!(a.meta.published, Day::from_ymd(2025, 1, 25));
        let b = parse_article(
            "No front matter.",
            Some("published = \"2025-01-25T08:00:00Z\"\nattributed_to = \"The Washington Post\""),
        )
        .unwrap();
        assert_eq!(b.meta.published, Day::from_ymd(2025, 1, 25));
        assert_eq!(
            b.meta.attributed_to,
            vec!["The Washington Post".to_string()]
        );
        assert!(parse_article("+++\noutlet = \"A\"\nBody", None).is_err());
        assert!(parse_article("x", Some("published = \"yesterday\"")).is_err());
    }
}
