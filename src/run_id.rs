//! Run directories: every `connbench run` and `connbench kernel` writes into a
//! new subdirectory of its output directory, named by the run's UTC time, so
//! runs never mix and `connbench report` can find the newest.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// A new run directory under `out` (not created yet).
pub fn new_run_dir(out: &Path) -> PathBuf {
    out.join(run_id(SystemTime::now()))
}

/// A run id: the UTC time as `20261203T161500Z`.
fn run_id(now: SystemTime) -> String {
    let secs = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use std::time::UNIX_EPOCH;

    #[test]
    fn run_id_is_the_utc_time() {
        let t = UNIX_EPOCH + Duration::from_secs(1_796_314_500);
        assert_eq!(run_id(t), "20261203T161500Z");
        assert_eq!(
            run_id(UNIX_EPOCH + Duration::from_secs(951_782_400)),
            "20000229T000000Z"
        );
    }
}
