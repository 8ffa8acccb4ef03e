//! Syntax of STIX 2.1 patterns (section 9), as used by indicators with `pattern_type` `stix`.
//!
//! ```text
//! pattern      := obs_or (FOLLOWEDBY obs_or)*
//! obs_or       := obs_and (OR obs_and)*
//! obs_and      := obs (AND obs)*
//! obs          := '[' cmp_or ']' qualifier* | '(' pattern ')' qualifier*
//! qualifier    := START t'..' STOP t'..' | WITHIN number SECONDS | REPEATS int TIMES
//! cmp_or       := cmp_and (OR cmp_and)*
//! cmp_and      := test (AND test)*
//! test         := '(' cmp_or ')' | EXISTS path | path NOT? op literal
//! op           := = == != <> < <= > >= IN LIKE MATCHES ISSUBSET ISSUPERSET
//! path         := type ':' (ident | 'str') ('.' (ident | 'str') | '[' (int | '*') ']')*
//! literal      := int | float | 'str' | b'base64' | h'hex' | t'timestamp' | true | false | '(' literals ')'
//! ```
//!
//! Only the syntax and the names are checked (type names and property names must be valid STIX
//! names); whether a pattern matches anything is for a patterning engine.

use std::fmt;

/// Why a pattern is not valid STIX patterning, with the byte offset where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset {})", self.message, self.offset)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LBracket,
    RBracket,
    LParen,
    RParen,
    Colon,
    Dot,
    Comma,
    Star,
    Op,
    Word(String),
    Str,
    Int,
    Float,
    Bin,
    Hex,
    Time(String),
    End,
}

fn lex(s: &str) -> Result<Vec<(usize, Tok)>, PatternError> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let err = |offset: usize, message: String| PatternError { offset, message };
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let tok = match c {
            b'[' => {
                i += 1;
                Tok::LBracket
            }
            b']' => {
                i += 1;
                Tok::RBracket
            }
            b'(' => {
                i += 1;
                Tok::LParen
            }
            b')' => {
                i += 1;
                Tok::RParen
            }
            b':' => {
                i += 1;
                Tok::Colon
            }
            b',' => {
                i += 1;
                Tok::Comma
            }
            b'*' => {
                i += 1;
                Tok::Star
            }
            b'=' => {
                i += if b.get(i + 1) == Some(&b'=') { 2 } else { 1 };
                Tok::Op
            }
            b'!' if b.get(i + 1) == Some(&b'=') => {
                i += 2;
                Tok::Op
            }
            b'<' | b'>' => {
                i += if matches!(b.get(i + 1), Some(b'=') | Some(b'>')) && !(c == b'>' && b[i + 1] == b'>') { 2 } else { 1 };
                Tok::Op
            }
            b'\'' => {
                i = string_end(b, i + 1).ok_or_else(|| err(start, "unterminated string literal".into()))?;
                Tok::Str
            }
            b'.' if !b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                Tok::Dot
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => {
                let mut j = i;
                if matches!(b[j], b'+' | b'-') {
                    j += 1;
                }
                let int_start = j;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                let int_digits = j - int_start;
                if j < b.len() && b[j] == b'.' {
                    j += 1;
                    let f = j;
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                    if j == f {
                        return Err(err(start, "a number needs digits after the decimal point".into()));
                    }
                    i = j;
                    Tok::Float
                } else {
                    if int_digits == 0 {
                        return Err(err(start, "a sign must be followed by a number".into()));
                    }
                    if int_digits > 1 && b[int_start] == b'0' {
                        return Err(err(start, "integers must not have leading zeros".into()));
                    }
                    i = j;
                    Tok::Int
                }
            }
            b'b' | b'h' | b't' if b.get(i + 1) == Some(&b'\'') => {
                let end = string_end(b, i + 2).ok_or_else(|| err(start, "unterminated literal".into()))?;
                let body = &s[i + 2..end - 1];
                i = end;
                match c {
                    b'b' if super::formats::is_base64(body) => Tok::Bin,
                    b'h' if super::formats::is_hex(body) => Tok::Hex,
                    b't' => Tok::Time(body.to_owned()),
                    b'b' => return Err(err(start, format!("b'{body}' is not base64"))),
                    _ => return Err(err(start, format!("h'{body}' is not hex octets"))),
                }
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'-') {
                    j += 1;
                }
                let w = &s[i..j];
                i = j;
                Tok::Word(w.to_owned())
            }
            _ => {
                let ch = s[i..].chars().next().unwrap_or('?');
                return Err(err(start, format!("unexpected character '{ch}'")));
            }
        };
        out.push((start, tok));
    }
    out.push((s.len(), Tok::End));
    Ok(out)
}

/// The index after the closing quote of a single-quoted literal whose body starts at `i`.
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'\\' => {
                if !matches!(b.get(i + 1), Some(b'\'') | Some(b'\\')) {
                    return None;
                }
                i += 2;
            }
            b'\'' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

struct P<'s> {
    toks: Vec<(usize, Tok)>,
    pos: usize,
    src: &'s str,
    depth: usize,
}

const MAX_DEPTH: usize = 64;

impl P<'_> {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].1
    }

    fn offset(&self) -> usize {
        self.toks[self.pos].0
    }

    fn bump(&mut self) -> Tok {
        let t = self.toks[self.pos].1.clone();
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
        }
        t
    }

    fn fail<T>(&self, message: impl Into<String>) -> Result<T, PatternError> {
        Err(PatternError { offset: self.offset(), message: message.into() })
    }

    fn unexpected<T>(&self, expected: &str) -> Result<T, PatternError> {
        let found = match self.peek() {
            Tok::End => "the end of the pattern".to_owned(),
            _ => {
                let start = self.offset();
                let end = self.toks.get(self.pos + 1).map_or(self.src.len(), |t| t.0);
                format!("'{}'", self.src[start..end].trim())
            }
        };
        self.fail(format!("expected {expected}, found {found}"))
    }

    fn keyword(&self, k: &str) -> bool {
        matches!(self.peek(), Tok::Word(w) if w == k)
    }

    fn expect(&mut self, t: Tok, what: &str) -> Result<(), PatternError> {
        if *self.peek() == t { self.bump(); Ok(()) } else { self.unexpected(what) }
    }

    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH { self.fail("pattern nested too deeply") } else { Ok(()) }
    }

    fn pattern(&mut self) -> Result<(), PatternError> {
        self.enter()?;
        self.obs_or()?;
        while self.keyword("FOLLOWEDBY") {
            self.bump();
            self.obs_or()?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn obs_or(&mut self) -> Result<(), PatternError> {
        self.obs_and()?;
        while self.keyword("OR") {
            self.bump();
            self.obs_and()?;
        }
        Ok(())
    }

    fn obs_and(&mut self) -> Result<(), PatternError> {
        self.obs()?;
        while self.keyword("AND") {
            self.bump();
            self.obs()?;
        }
        Ok(())
    }

    fn obs(&mut self) -> Result<(), PatternError> {
        match self.peek() {
            Tok::LBracket => {
                self.bump();
                self.cmp_or()?;
                self.expect(Tok::RBracket, "']' or a boolean operator")?;
            }
            Tok::LParen => {
                self.bump();
                self.pattern()?;
                self.expect(Tok::RParen, "')'")?;
            }
            _ => return self.unexpected("'[' or '(' to start an observation expression"),
        }
        self.qualifiers()
    }

    fn qualifiers(&mut self) -> Result<(), PatternError> {
        loop {
            if self.keyword("START") {
                self.bump();
                self.timestamp()?;
                if !self.keyword("STOP") {
                    return self.unexpected("STOP");
                }
                self.bump();
                self.timestamp()?;
            } else if self.keyword("WITHIN") {
                self.bump();
                match self.peek() {
                    Tok::Int | Tok::Float => {
                        self.bump();
                    }
                    _ => return self.unexpected("a number of seconds"),
                }
                if !self.keyword("SECONDS") {
                    return self.unexpected("SECONDS");
                }
                self.bump();
            } else if self.keyword("REPEATS") {
                self.bump();
                self.expect(Tok::Int, "a number of repetitions")?;
                if !self.keyword("TIMES") {
                    return self.unexpected("TIMES");
                }
                self.bump();
            } else {
                return Ok(());
            }
        }
    }

    fn timestamp(&mut self) -> Result<(), PatternError> {
        match self.bump() {
            Tok::Time(t) => match crate::Timestamp::parse(&t) {
                Ok(_) => Ok(()),
                Err(e) => self.fail(e.to_string()),
            },
            _ => self.fail("expected a timestamp literal t'YYYY-MM-DDTHH:MM:SSZ'"),
        }
    }

    fn cmp_or(&mut self) -> Result<(), PatternError> {
        self.enter()?;
        self.cmp_and()?;
        while self.keyword("OR") {
            self.bump();
            self.cmp_and()?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn cmp_and(&mut self) -> Result<(), PatternError> {
        self.test()?;
        while self.keyword("AND") {
            self.bump();
            self.test()?;
        }
        Ok(())
    }

    fn test(&mut self) -> Result<(), PatternError> {
        if *self.peek() == Tok::LParen {
            self.bump();
            self.cmp_or()?;
            return self.expect(Tok::RParen, "')'");
        }
        if self.keyword("EXISTS") {
            self.bump();
            return self.path();
        }
        self.path()?;
        if self.keyword("NOT") {
            self.bump();
        }
        match self.peek().clone() {
            Tok::Op => {
                self.bump();
                self.literal()
            }
            Tok::Word(w) if w == "IN" => {
                self.bump();
                self.set()
            }
            Tok::Word(w) if matches!(w.as_str(), "LIKE" | "MATCHES" | "ISSUBSET" | "ISSUPERSET") => {
                self.bump();
                self.expect(Tok::Str, "a string literal")
            }
            _ => self.unexpected("a comparison operator"),
        }
    }

    fn path(&mut self) -> Result<(), PatternError> {
        let ty = match self.bump() {
            Tok::Word(w) => w,
            _ => {
                self.pos -= 1;
                return self.unexpected("an object path such as file:name");
            }
        };
        let ty_offset = self.toks[self.pos - 1].0;
        if !crate::id::is_valid_type_name(&ty) {
            return Err(PatternError { offset: ty_offset, message: format!("'{ty}' is not a valid object type name") });
        }
        self.expect(Tok::Colon, "':' after the object type")?;
        let first_offset = self.offset();
        match self.bump() {
            Tok::Word(w) => {
                let ok = w == "id" || super::common::is_property_name(&w);
                if !ok {
                    return Err(PatternError { offset: first_offset, message: format!("'{w}' is not a valid property name") });
                }
            }
            Tok::Str => {}
            _ => {
                self.pos -= 1;
                return self.unexpected("a property name");
            }
        }
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.bump();
                    match self.bump() {
                        Tok::Word(w) if !w.contains('-') => {}
                        Tok::Str => {}
                        _ => {
                            self.pos -= 1;
                            return self.unexpected("a property name or quoted key after '.'");
                        }
                    }
                }
                Tok::LBracket => {
                    self.bump();
                    match self.bump() {
                        Tok::Int | Tok::Star => {}
                        _ => {
                            self.pos -= 1;
                            return self.unexpected("a list index or '*'");
                        }
                    }
                    self.expect(Tok::RBracket, "']'")?;
                }
                _ => return Ok(()),
            }
        }
    }

    fn literal(&mut self) -> Result<(), PatternError> {
        match self.bump() {
            Tok::Int | Tok::Float | Tok::Str | Tok::Bin | Tok::Hex => Ok(()),
            Tok::Time(t) => match crate::Timestamp::parse(&t) {
                Ok(_) => Ok(()),
                Err(e) => self.fail(e.to_string()),
            },
            Tok::Word(w) if w == "true" || w == "false" => Ok(()),
            _ => {
                self.pos -= 1;
                self.unexpected("a literal value")
            }
        }
    }

    fn set(&mut self) -> Result<(), PatternError> {
        self.expect(Tok::LParen, "'(' to start a set")?;
        if *self.peek() == Tok::RParen {
            self.bump();
            return Ok(());
        }
        loop {
            self.literal()?;
            match self.bump() {
                Tok::Comma => {}
                Tok::RParen => return Ok(()),
                _ => {
                    self.pos -= 1;
                    return self.unexpected("',' or ')'");
                }
            }
        }
    }
}

/// Checks that `pattern` is a syntactically valid STIX 2.1 pattern.
pub fn check_pattern(pattern: &str) -> Result<(), PatternError> {
    let toks = lex(pattern)?;
    let mut p = P { toks, pos: 0, src: pattern, depth: 0 };
    p.pattern()?;
    if *p.peek() != Tok::End {
        return p.unexpected("the end of the pattern");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_pattern;

    #[test]
    fn accepts_spec_examples() {
        for p in [
            "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
            "[email-message:from_ref.value MATCHES '.+\\\\@example\\\\.com$' AND email-message:body_multipart[*].body_raw_ref.name LIKE 'pdf%']",
            "[ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32'] FOLLOWEDBY [domain-name:value = 'example.com'] WITHIN 600 SECONDS",
            "([file:name = 'foo.dll'] AND [process:name = 'x']) REPEATS 5 TIMES",
            "[network-traffic:dst_port IN (80, 443) AND network-traffic:src_ref.value NOT = '10.0.0.1']",
            "[file:size > 1024] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
            "[x509-certificate:issuer = 'CN=x' AND EXISTS windows-registry-key:values[0].data]",
            "[artifact:payload_bin = b'aGVsbG8=' AND file:magic_number_hex = h'ffd8']",
            "[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
        ] {
            assert_eq!(check_pattern(p), Ok(()), "{p}");
        }
    }

    #[test]
    fn rejects_broken_patterns() {
        for p in [
            "",
            "file:name = 'x'",
            "[file:hashes.\"SHA-256\" = 'x']",
            "[file:name = 'x'",
            "[ab:name = 'x']",
            "[file:n = 'x']",
            "[file:name == ]",
            "[file:name = 'x'] WITHIN SECONDS",
            "[file:name = 'x'] START t'2016-13-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
            "[file:name = 'x' AND]",
            "[file:size > 01]",
        ] {
            assert!(check_pattern(p).is_err(), "{p}");
        }
    }
}
