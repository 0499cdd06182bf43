//! Result tables: printed for people, JSON for tools.

use serde_json::{Value, json};

/// One table of results.
pub(crate) struct Table {
    pub(crate) title: String,
    pub(crate) headers: Vec<String>,
    pub(crate) rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn new(title: &str, headers: &[&str]) -> Self {
        Table {
            title: title.to_string(),
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Markdown, so the output pastes into docs/BENCHMARKS.md as it is.
    pub(crate) fn print(&self) {
        println!("\n### {}\n", self.title);
        println!("| {} |", self.headers.join(" | "));
        let align: Vec<&str> = self
            .headers
            .iter()
            .enumerate()
            .map(|(i, _)| if i == 0 { "---" } else { "---:" })
            .collect();
        println!("|{}|", align.join("|"));
        for r in &self.rows {
            println!("| {} |", r.join(" | "));
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        json!({ "title": self.title, "headers": self.headers, "rows": self.rows })
    }
}

/// Median of samples (sorted in place).
pub(crate) fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    let n = samples.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2.0
    }
}

pub(crate) fn secs(s: f64) -> String {
    format!("{s:.3} s")
}

pub(crate) fn micros(s: f64) -> String {
    format!("{:.2} µs", s * 1e6)
}

pub(crate) fn ratio(x: f64) -> String {
    format!("{x:.2}×")
}

pub(crate) fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

pub(crate) fn count(x: f64) -> String {
    let n = x.round() as u64;
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
