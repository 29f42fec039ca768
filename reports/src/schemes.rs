//! Scheme order and colours, the same in every chart and table.
//!
//! # Order
//!
//! The models in the suite's fixed order, then `linux` (the host kernel, a
//! reference rather than a candidate), then any id the report does not know,
//! alphabetically, so a scheme added later still shows up.
//!
//! # Colours
//!
//! Tableau 10, which stays distinguishable for the common colour-vision
//! deficiencies; `linux` is near-black so the kernel never reads as a model.

use std::cmp::Ordering;

use plotters::style::RGBColor;

/// The id of the host kernel's results (`connbench kernel`).
pub const LINUX: &str = "linux";

/// Known ids in report order, each with its colour.
const KNOWN: [(&str, RGBColor); 10] = [
    ("keep", RGBColor(0x9c, 0x75, 0x5f)),
    ("srcu", RGBColor(0x4e, 0x79, 0xa7)),
    ("srcu-fast", RGBColor(0x76, 0xb7, 0xb2)),
    ("rcu", RGBColor(0x59, 0xa1, 0x4f)),
    ("hazard", RGBColor(0xe1, 0x57, 0x59)),
    ("refcount", RGBColor(0xf2, 0x8e, 0x2b)),
    ("epoch", RGBColor(0xb0, 0x7a, 0xa1)),
    ("hyaline", RGBColor(0xc9, 0xa4, 0x00)),
    ("haphazard", RGBColor(0xff, 0x7f, 0xa0)),
    (LINUX, RGBColor(0x22, 0x22, 0x22)),
];

/// Colours for ids the report does not know, cycled by name.
const UNKNOWN: [RGBColor; 3] = [
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0xbc, 0xbd, 0x22),
];

fn rank(id: &str) -> Option<usize> {
    KNOWN.iter().position(|(known, _)| *known == id)
}

/// Compares two scheme ids in report order.
pub fn cmp(a: &str, b: &str) -> Ordering {
    match (rank(a), rank(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.cmp(b),
    }
}

/// Sorts ids in report order and removes duplicates.
pub fn sort(ids: &mut Vec<String>) {
    ids.sort_by(|a, b| cmp(a, b));
    ids.dedup();
}

/// The colour of a scheme, the same in every chart.
pub fn colour(id: &str) -> RGBColor {
    match rank(id) {
        Some(i) => KNOWN[i].1,
        None => {
            let hash = id
                .bytes()
                .fold(0usize, |h, b| h.wrapping_mul(31) + b as usize);
            UNKNOWN[hash % UNKNOWN.len()]
        }
    }
}

/// The colour as CSS `#rrggbb`.
pub fn css_colour(id: &str) -> String {
    let RGBColor(r, g, b) = colour(id);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Whether the id is a model that the decision may recommend (not the kernel).
pub fn is_candidate(id: &str) -> bool {
    id != LINUX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ids_in_suite_order_then_linux_then_unknown_alphabetically() {
        let mut ids: Vec<String> = [
            "zeta",
            "linux",
            "epoch",
            "alpha",
            "keep",
            "srcu-fast",
            "srcu",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        sort(&mut ids);
        assert_eq!(
            ids,
            [
                "keep",
                "srcu",
                "srcu-fast",
                "epoch",
                "linux",
                "alpha",
                "zeta"
            ]
        );
    }

    #[test]
    fn colours_are_distinct_for_known_ids() {
        let mut seen: Vec<String> = KNOWN.iter().map(|(id, _)| css_colour(id)).collect();
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), KNOWN.len());
    }
}
