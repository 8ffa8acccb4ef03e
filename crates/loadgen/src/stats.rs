//! Latency percentiles and result rows (human table and JSON).

use serde_json::{Map, Value};
use std::time::Duration;

#[derive(Default, Clone)]
pub struct Latencies(Vec<u64>); // microseconds

impl Latencies {
    pub fn push(&mut self, d: Duration) {
        self.0.push(d.as_micros() as u64);
    }
    pub fn extend(&mut self, other: Latencies) {
        self.0.extend(other.0);
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// Nearest-rank percentile in milliseconds.
    pub fn pct_ms(&mut self, p: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        self.0.sort_unstable();
        let rank = ((p / 100.0) * self.0.len() as f64).ceil() as usize;
        let idx = rank.clamp(1, self.0.len()) - 1;
        self.0[idx] as f64 / 1000.0
    }
    pub fn max_ms(&mut self) -> f64 {
        self.0.iter().copied().max().map_or(f64::NAN, |m| m as f64 / 1000.0)
    }
}

/// An ordered list of (metric, value, unit) rows for one run.
pub struct Report {
    pub title: String,
    rows: Vec<(String, Value, String)>,
}

impl Report {
    pub fn new(title: impl Into<String>) -> Self {
        Report {
            title: title.into(),
            rows: Vec::new(),
        }
    }
    pub fn add(&mut self, key: &str, value: impl Into<Value>, unit: &str) {
        self.rows.push((key.to_string(), value.into(), unit.to_string()));
    }
    pub fn addf(&mut self, key: &str, value: f64, unit: &str) {
        let v = if value.is_finite() {
            Value::from((value * 1000.0).round() / 1000.0)
        } else {
            Value::Null
        };
        self.rows.push((key.to_string(), v, unit.to_string()));
    }
    pub fn json(&self) -> Value {
        let mut m = Map::new();
        m.insert("run".into(), Value::from(self.title.clone()));
        for (k, v, _) in &self.rows {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }
    pub fn print_table(&self) {
        println!("{}", self.title);
        let w = self.rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        for (k, v, unit) in &self.rows {
            let vs = match v {
                Value::String(s) => s.clone(),
                Value::Number(n) if n.is_f64() => {
                    let f = n.as_f64().unwrap_or(0.0);
                    if f >= 100.0 { format!("{f:.0}") } else { format!("{f:.3}") }
                }
                other => other.to_string(),
            };
            println!("  {k:<w$}  {vs:>14} {unit}");
        }
    }
}
