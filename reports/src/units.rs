//! Units of the figures and how a person reads them.

/// What a figure counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Nanoseconds.
    Ns,
    /// Seconds.
    S,
    /// Bytes.
    Bytes,
    /// A count of things (operations, connectors, objects).
    Count,
    /// Operations per second.
    OpsPerS,
    /// A ratio per operation (allocations per op, bytes per op).
    PerOp,
}

impl Unit {
    /// The unit's short name, as written in CSV and table headers.
    pub fn name(self) -> &'static str {
        match self {
            Unit::Ns => "ns",
            Unit::S => "s",
            Unit::Bytes => "bytes",
            Unit::Count => "count",
            Unit::OpsPerS => "ops/s",
            Unit::PerOp => "per op",
        }
    }
}

/// Formats a value in its unit for a person: `1.23 µs`, `4.5 MiB`, `12,345`.
pub fn human(value: f64, unit: Unit) -> String {
    match unit {
        Unit::Ns => duration_ns(value),
        Unit::S => format!("{} s", sig3(value)),
        Unit::Bytes => bytes(value),
        Unit::Count => count(value),
        Unit::OpsPerS => format!("{}/s", si(value)),
        Unit::PerOp => sig3(value),
    }
}

/// A duration given in nanoseconds, in the unit that keeps it short.
pub fn duration_ns(ns: f64) -> String {
    let (v, unit) = if ns >= 1e9 {
        (ns / 1e9, "s")
    } else if ns >= 1e6 {
        (ns / 1e6, "ms")
    } else if ns >= 1e3 {
        (ns / 1e3, "µs")
    } else {
        (ns, "ns")
    };
    format!("{} {unit}", sig3(v))
}

/// A byte count with a binary prefix.
pub fn bytes(b: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b;
    let mut i = 0;
    while v.abs() >= 1024.0 && i + 1 < UNITS.len() {
        v /= 1024.0;
        i += 1;
    }
    if i == 0 {
        format!("{} B", v.round())
    } else {
        format!("{} {}", sig3(v), UNITS[i])
    }
}

/// A count with thousands separators when whole, three significant digits
/// otherwise.
pub fn count(v: f64) -> String {
    if v.fract() != 0.0 || v.abs() >= 1e15 {
        return sig3(v);
    }
    let digits = format!("{}", v.abs() as u64);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// A number with an SI prefix (`12.3k`, `4.56M`).
pub fn si(v: f64) -> String {
    let (x, p) = if v.abs() >= 1e9 {
        (v / 1e9, "G")
    } else if v.abs() >= 1e6 {
        (v / 1e6, "M")
    } else if v.abs() >= 1e3 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    format!("{}{p}", sig3(x))
}

/// Three significant digits, without trailing zeros.
pub fn sig3(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_read_as_a_person_writes_them() {
        assert_eq!(duration_ns(950.0), "950 ns");
        assert_eq!(duration_ns(1234.0), "1.23 µs");
        assert_eq!(duration_ns(2.5e7), "25 ms");
        assert_eq!(bytes(512.0), "512 B");
        assert_eq!(bytes(3.0 * 1024.0 * 1024.0), "3 MiB");
        assert_eq!(count(1234567.0), "1,234,567");
        assert_eq!(count(0.5), "0.5");
        assert_eq!(si(2_345_000.0), "2.35M");
        assert_eq!(sig3(0.012345), "0.0123");
        assert_eq!(human(1.0, Unit::PerOp), "1");
    }
}
