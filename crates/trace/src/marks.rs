//! Invisible text marks: a per-recipient code written in zero-width characters.
//!
//! A mark is U+2060 WORD JOINER, then 32 bits written most significant first as U+200B ZERO
//! WIDTH SPACE (0) or U+200C ZERO WIDTH NON-JOINER (1), then U+2060 again. The 32 bits are a
//! 24-bit recipient code followed by an 8-bit check (the first byte of SHA-256 of
//! `tearline-mark-v1` NUL and the code's three bytes), so stray zero-width characters in a text
//! almost never decode as a mark. None of these characters is alphanumeric: words, numbers and
//! names read (and extract) exactly as without the mark.

use sha2::{Digest, Sha256};

const FRAME: char = '\u{2060}';
const ZERO: char = '\u{200b}';
const ONE: char = '\u{200c}';
/// Codes are 24 bits.
pub const CODE_MASK: u32 = 0x00ff_ffff;

fn check(code: u32) -> u8 {
    let mut h = Sha256::new();
    h.update(b"tearline-mark-v1\0");
    h.update(&code.to_be_bytes()[1..]);
    h.finalize()[0]
}

/// The mark text for a 24-bit code.
pub fn encode(code: u32) -> String {
    let code = code & CODE_MASK;
    let word = (code << 8) | u32::from(check(code));
    let mut s = String::with_capacity(34 * 3);
    s.push(FRAME);
    for i in (0..32).rev() {
        s.push(if (word >> i) & 1 == 1 { ONE } else { ZERO });
    }
    s.push(FRAME);
    s
}

/// Every well-formed mark in a text, in order.
pub fn decode_all(text: &str) -> Vec<u32> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 34 <= chars.len() {
        if chars[i] == FRAME && chars[i + 33] == FRAME && chars[i + 1..i + 33].iter().all(|&c| c == ZERO || c == ONE) {
            let word = chars[i + 1..i + 33].iter().fold(0u32, |w, &c| (w << 1) | u32::from(c == ONE));
            let code = word >> 8;
            if check(code) == (word & 0xff) as u8 {
                out.push(code);
                i += 34;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// Whether a character belongs to the mark alphabet.
pub fn is_mark_char(c: char) -> bool {
    matches!(c, FRAME | ZERO | ONE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for code in [0, 1, 0x00ab_cdef, CODE_MASK] {
            let t = format!("The{} group is planning", encode(code));
            assert_eq!(decode_all(&t), vec![code]);
        }
        let two = format!("a{}b{}c", encode(7), encode(9));
        assert_eq!(decode_all(&two), vec![7, 9]);
    }

    #[test]
    fn damaged_marks_do_not_decode() {
        let mut m: Vec<char> = encode(12345).chars().collect();
        m[5] = if m[5] == ZERO { ONE } else { ZERO };
        let t: String = m.into_iter().collect();
        assert!(decode_all(&t).is_empty());
    }
}
