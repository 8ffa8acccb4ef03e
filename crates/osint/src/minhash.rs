//! MinHash signatures over word shingles, and the LSH banding used to find near-duplicate
//! articles (syndicated copies, light edits) without comparing all pairs.

use crate::hash::{hash_str, mix64};
use crate::text::Token;

/// Number of hash functions in a signature.
pub const NUM_HASHES: usize = 64;
/// LSH bands × rows = NUM_HASHES. 16 × 4 finds pairs of Jaccard 0.5 with p ≈ 0.64 and of
/// Jaccard 0.7 with p ≈ 0.998.
pub const BANDS: usize = 16;
pub const ROWS: usize = NUM_HASHES / BANDS;
/// Words per shingle.
pub const SHINGLE: usize = 4;

/// A MinHash signature (empty for texts shorter than one shingle).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MinHash(pub Vec<u32>);

fn coeffs() -> &'static [(u64, u64); NUM_HASHES] {
    static C: std::sync::OnceLock<[(u64, u64); NUM_HASHES]> = std::sync::OnceLock::new();
    C.get_or_init(|| {
        let mut c = [(0u64, 0u64); NUM_HASHES];
        for (i, x) in c.iter_mut().enumerate() {
            *x = (mix64(i as u64 * 2 + 1) | 1, mix64(i as u64 * 2 + 2));
        }
        c
    })
}

/// Signature of a token stream (normalised words, ignoring sentence boundaries).
pub fn signature(tokens: &[Token]) -> MinHash {
    if tokens.len() < SHINGLE {
        return MinHash(Vec::new());
    }
    let words: Vec<u64> = tokens.iter().map(|t| hash_str(&t.norm, 0x5eed)).collect();
    let c = coeffs();
    let mut sig = [u32::MAX; NUM_HASHES];
    for w in words.windows(SHINGLE) {
        let mut h = 0u64;
        for &x in w {
            h = (h.rotate_left(17) ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        let h = mix64(h);
        for (s, &(a, b)) in sig.iter_mut().zip(c.iter()) {
            let v = (h.wrapping_mul(a).wrapping_add(b) >> 32) as u32;
            if v < *s {
                *s = v;
            }
        }
    }
    MinHash(sig.to_vec())
}

impl MinHash {
    /// Estimated Jaccard similarity of the two shingle sets.
    pub fn similarity(&self, other: &MinHash) -> f64 {
        if self.0.is_empty() || other.0.len() != self.0.len() {
            return 0.0;
        }
        let same = self.0.iter().zip(&other.0).filter(|(a, b)| a == b).count();
        same as f64 / self.0.len() as f64
    }

    /// The LSH band keys (one per band).
    pub fn bands(&self) -> impl Iterator<Item = u64> + '_ {
        self.0.chunks(ROWS).enumerate().map(|(i, ch)| {
            let mut h = i as u64;
            for &v in ch {
                h = mix64(h ^ u64::from(v));
            }
            h
        })
    }
}
