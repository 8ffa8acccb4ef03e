//! Lexical formats of STIX property values: addresses, URLs, language tags, encodings.
//!
//! Each function answers one question about one string and allocates nothing.

/// A dotted-quad IPv4 address, optionally with a CIDR prefix (`/0` to `/32`); no leading zeros.
pub fn is_ipv4_or_cidr(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    let octets: Vec<&str> = addr.split('.').collect();
    octets.len() == 4
        && octets.iter().all(|o| decimal_in_range(o, 255))
        && prefix.is_none_or(|p| decimal_in_range(p, 32))
}

/// An IPv6 address (RFC 4291 text forms), optionally with a CIDR prefix (`/0` to `/128`).
pub fn is_ipv6_or_cidr(s: &str) -> bool {
    let (addr, prefix) = match s.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (s, None),
    };
    addr.parse::<std::net::Ipv6Addr>().is_ok() && prefix.is_none_or(|p| decimal_in_range(p, 128))
}

/// A decimal number without sign or leading zeros, at most `max`.
fn decimal_in_range(s: &str, max: u32) -> bool {
    !s.is_empty()
        && s.len() <= 3
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'))
        && s.parse::<u32>().is_ok_and(|n| n <= max)
}

/// A colon-delimited, lowercase MAC-48 address with leading zeros (`00:0a:...`).
pub fn is_mac48(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 17
        && b.iter().enumerate().all(|(i, &c)| {
            if i % 3 == 2 { c == b':' } else { c.is_ascii_digit() || (b'a'..=b'f').contains(&c) }
        })
}

/// An absolute URI (RFC 3986): a scheme, a colon, and no whitespace or control characters.
pub fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut sc = scheme.bytes();
    sc.next().is_some_and(|c| c.is_ascii_alphabetic())
        && sc.all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
        && !rest.is_empty()
        && !rest.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '\\' | '^' | '`' | '{' | '|' | '}'))
}

/// An RFC 5322 `addr-spec` (`local@domain`), without display name or angle brackets.
pub fn is_addr_spec(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    let atext = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c) || !c.is_ascii();
    let dot_atom = |p: &str| !p.is_empty() && p.split('.').all(|w| !w.is_empty() && w.chars().all(atext));
    let quoted = |p: &str| p.len() >= 2 && p.starts_with('"') && p.ends_with('"');
    let domain_ok = if domain.starts_with('[') {
        domain.ends_with(']') && domain.len() > 2 && !domain[1..domain.len() - 1].contains(['[', ']', '\\', ' '])
    } else {
        !domain.is_empty()
            && domain.split('.').all(|l| {
                !l.is_empty() && l.chars().all(|c| c.is_alphanumeric() || c == '-') && !l.starts_with('-') && !l.ends_with('-')
            })
    };
    (dot_atom(local) || quoted(local)) && domain_ok
}

/// Standard base64 (RFC 4648 section 4) with correct padding.
pub fn is_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if !b.len().is_multiple_of(4) {
        return false;
    }
    let pad = b.iter().rev().take_while(|&&c| c == b'=').count();
    if pad > 2 {
        return false;
    }
    b[..b.len() - pad].iter().all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}

/// Hexadecimal octets (an even number of hex digits).
pub fn is_hex(s: &str) -> bool {
    s.len().is_multiple_of(2) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A well-formed RFC 5646 language tag (section 2.1 syntax; registry membership is not checked).
pub fn is_language_tag(s: &str) -> bool {
    const IRREGULAR: &[&str] = &[
        "en-gb-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux", "i-mingo",
        "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-be-fr", "sgn-be-nl", "sgn-ch-de",
    ];
    if IRREGULAR.iter().any(|g| g.eq_ignore_ascii_case(s)) {
        return true;
    }
    let parts: Vec<&str> = s.split('-').collect();
    if parts.iter().any(|p| p.is_empty() || p.len() > 8 || !p.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return false;
    }
    let alpha = |p: &str| p.bytes().all(|b| b.is_ascii_alphabetic());
    let digit = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let mut i = 0;
    if parts[0].eq_ignore_ascii_case("x") {
        return parts.len() > 1;
    }
    // language
    let lang = parts[0];
    if !alpha(lang) || lang.len() < 2 {
        return false;
    }
    i += 1;
    if lang.len() <= 3 {
        let mut ext = 0;
        while ext < 3 && i < parts.len() && parts[i].len() == 3 && alpha(parts[i]) {
            i += 1;
            ext += 1;
        }
    }
    if i < parts.len() && parts[i].len() == 4 && alpha(parts[i]) {
        i += 1; // script
    }
    if i < parts.len() && ((parts[i].len() == 2 && alpha(parts[i])) || (parts[i].len() == 3 && digit(parts[i]))) {
        i += 1; // region
    }
    while i < parts.len() {
        let p = parts[i];
        let variant = (5..=8).contains(&p.len()) || (p.len() == 4 && p.as_bytes()[0].is_ascii_digit());
        if !variant {
            break;
        }
        i += 1;
    }
    while i < parts.len() && parts[i].len() == 1 && !parts[i].eq_ignore_ascii_case("x") {
        i += 1;
        let start = i;
        while i < parts.len() && parts[i].len() >= 2 {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    if i < parts.len() && parts[i].eq_ignore_ascii_case("x") {
        return parts.len() > i + 1;
    }
    i == parts.len()
}

/// ISO 639-1 two-letter language codes, to tell a registered primary language subtag.
const ISO_639_1: &str = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy \
da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik \
io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my \
na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr \
ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

/// Whether a well-formed tag's two-letter primary language subtag is an ISO 639-1 code (tags
/// with longer primary subtags are not judged).
pub fn primary_language_known(tag: &str) -> bool {
    let primary = tag.split('-').next().unwrap_or_default();
    if primary.len() != 2 {
        return true;
    }
    let lower = primary.to_ascii_lowercase();
    ISO_639_1.split(' ').any(|c| c == lower)
}

/// A CPE 2.3 formatted string (NISTIR 7695 section 6.2).
pub fn is_cpe23(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("cpe:2.3:") else {
        return false;
    };
    // Split on unescaped colons.
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                cur.push(c);
                match chars.next() {
                    Some(n) => cur.push(n),
                    None => return false,
                }
            }
            ':' => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    if parts.len() != 11 || !matches!(parts[0].as_str(), "a" | "o" | "h" | "*" | "-") {
        return false;
    }
    parts[1..].iter().all(|p| cpe_component(p))
}

fn cpe_component(p: &str) -> bool {
    if p == "*" || p == "-" {
        return true;
    }
    let body = p.trim_start_matches('?');
    let lead = p.len() - body.len();
    let body = if lead == 0 { body.strip_prefix('*').unwrap_or(body) } else { body };
    let core = body.trim_end_matches('?');
    let trail = body.len() - core.len();
    let core = if trail == 0 { core.strip_suffix('*').unwrap_or(core) } else { core };
    if core.is_empty() {
        return false;
    }
    let mut chars = core.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) if n.is_ascii_punctuation() => {}
                _ => return false,
            },
            c if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') => {}
            _ => return false,
        }
    }
    true
}

/// An IANA media type of the form `type/subtype` with a registered top-level type.
pub fn is_media_type(s: &str) -> bool {
    let Some((top, sub)) = s.split_once('/') else {
        return false;
    };
    matches!(top, "application" | "audio" | "font" | "example" | "haptics" | "image" | "message" | "model" | "multipart" | "text" | "video")
        && !sub.is_empty()
        && sub.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'_' | b'-' | b'!' | b'#' | b'$' | b'&' | b'^'))
}

/// Character-set names as the IANA registry spells them (`UTF-8`, `ISO-8859-1`, `windows-1252`,
/// `ANSI_X3.4-1968`): letters, digits and `- _ . : ( ) +`, starting with a letter or digit.
pub fn is_charset_name(s: &str) -> bool {
    (1..=40).contains(&s.len())
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':' | b'(' | b')' | b'+'))
}

/// Commonly used IANA character sets; others are accepted with a warning.
pub fn is_common_charset(s: &str) -> bool {
    const COMMON: &[&str] = &[
        "utf-8", "utf-16", "utf-16be", "utf-16le", "utf-32", "utf-32be", "utf-32le", "us-ascii", "iso-8859-1",
        "iso-8859-2", "iso-8859-3", "iso-8859-4", "iso-8859-5", "iso-8859-6", "iso-8859-7", "iso-8859-8", "iso-8859-9",
        "iso-8859-10", "iso-8859-13", "iso-8859-14", "iso-8859-15", "iso-8859-16", "windows-1250", "windows-1251",
        "windows-1252", "windows-1253", "windows-1254", "windows-1255", "windows-1256", "windows-1257", "windows-1258",
        "koi8-r", "koi8-u", "shift_jis", "euc-jp", "iso-2022-jp", "euc-kr", "gb2312", "gbk", "gb18030", "big5",
        "ibm437", "ibm850", "ibm866", "macintosh", "tis-620", "utf-7", "cesu-8", "ansi_x3.4-1968",
    ];
    let lower = s.to_ascii_lowercase();
    COMMON.contains(&lower.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        for ok in ["198.51.100.3", "0.0.0.0", "10.0.0.0/8", "255.255.255.255/32"] {
            assert!(is_ipv4_or_cidr(ok), "{ok}");
        }
        for bad in ["192.168.0.1/", "192.168.0.1/01", "192.168.0.1/33", "192.168.0.1/a", "999.999.999.999", "foo", "01.2.3.4"] {
            assert!(!is_ipv4_or_cidr(bad), "{bad}");
        }
        assert!(is_ipv6_or_cidr("2001:0db8:85a3:0000:0000:8a2e:0370:7334"));
        assert!(is_ipv6_or_cidr("::1/128"));
        for bad in ["fe80::1/", "fe80::1/00", "fe80::1/03", "fe80::1/129", "fe80::1/a", "foo"] {
            assert!(!is_ipv6_or_cidr(bad), "{bad}");
        }
        assert!(is_mac48("d2:fb:49:24:37:18"));
        assert!(!is_mac48("D2:FB:49:24:37:18"));
        assert!(is_addr_spec("jdoe@example.com"));
        assert!(!is_addr_spec("John Doe <jdoe@example.com>"));
        assert!(is_uri("http://example.com/a?b=c"));
        assert!(!is_uri("www.g.com") && !is_uri("foo"));
    }

    #[test]
    fn encodings() {
        assert!(is_base64("VBORw0KGgoAAAANSUhEUgAAADI==") && is_base64("aGVsbG8="));
        assert!(!is_base64("failing test"));
        assert!(is_hex("0aFF") && !is_hex("abc"));
        for ok in ["en", "en-US", "zh-Hant-TW", "sr-Latn-RS", "de-CH-1901", "x-klingon", "es-419", "en-a-bbb-x-a-ccc"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in ["español", "en_US", "e", "en--us", "123"] {
            assert!(!is_language_tag(bad), "{bad}");
        }
        assert!(primary_language_known("en-GB") && !primary_language_known("qq"));
        assert!(is_cpe23("cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*"));
        assert!(!is_cpe23("invalid") && !is_cpe23("cpe:2.3:q:a:b:c:*:*:*:*:*:*:*"));
        assert!(is_media_type("application/zip") && !is_media_type("bla/blabla"));
    }
}
