//! Durations as people write and read them: `"1h30m"` in, `7h 12m` out.
//!
//! Parsing accepts a sequence of `<number><unit>` parts with units `d`, `h`, `m`, `s`
//! (optionally separated by spaces); every part must be finite and non-negative. Formatting shows
//! the two most significant units, so a figure stays short in tables.

/// Seconds in one minute, hour and day.
pub const MINUTE_S: f64 = 60.0;
/// Seconds in one hour.
pub const HOUR_S: f64 = 3600.0;
/// Seconds in one day.
pub const DAY_S: f64 = 86_400.0;

/// Parses a duration string such as `"90s"`, `"30m"`, `"1h30m"`, `"1.5h"` or `"2d 4h"` into
/// seconds. Returns a short reason on failure (the caller adds file, key and value).
pub fn parse_duration_s(text: &str) -> Result<f64, String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err("is empty; write a duration such as \"90s\", \"30m\" or \"1h30m\"".into());
    }
    if trimmed.starts_with('-') {
        return Err("must not be negative".into());
    }
    let bytes = trimmed.as_bytes();
    let mut total_s = 0.0;
    let mut pos = 0;
    let mut parts = 0;
    let mut last_unit_s = f64::INFINITY;
    while pos < bytes.len() {
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let number_start = pos;
        while pos < bytes.len() && (bytes[pos].is_ascii_digit() || bytes[pos] == b'.') {
            pos += 1;
        }
        if number_start == pos {
            return Err(format!(
                "is not a duration: expected a number at \"{}\"; write e.g. \"90s\", \"30m\", \"1h30m\"",
                &trimmed[number_start..]
            ));
        }
        let number: f64 = trimmed[number_start..pos]
            .parse()
            .map_err(|_| format!("has a malformed number \"{}\"", &trimmed[number_start..pos]))?;
        let unit_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_alphabetic() {
            pos += 1;
        }
        let unit_s = match &trimmed[unit_start..pos] {
            "s" => 1.0,
            "m" => MINUTE_S,
            "h" => HOUR_S,
            "d" => DAY_S,
            "" => {
                return Err(
                    "needs a unit after each number (s, m, h or d), e.g. \"90s\"; a bare number of \
                     seconds is written without quotes"
                        .into(),
                );
            }
            other => {
                return Err(format!(
                    "has an unknown unit \"{other}\"; use s, m, h or d (e.g. \"1h30m\")"
                ));
            }
        };
        if unit_s >= last_unit_s {
            return Err(
                "repeats a unit or puts a smaller one first; write units from days down, each \
                 once (e.g. \"1h30m\")"
                    .into(),
            );
        }
        last_unit_s = unit_s;
        total_s += number * unit_s;
        parts += 1;
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
    }
    if parts == 0 || !total_s.is_finite() {
        return Err("is not a finite duration".into());
    }
    Ok(total_s)
}

/// Formats seconds for a person: `7h 12m`, `3m 20s`, `45s`, `4.2s`, `2d 4h`.
/// The two most significant units are shown, rounded to the smaller one.
pub fn format_duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return if seconds > 0.0 {
            "never".into()
        } else {
            "-".into()
        };
    }
    if seconds < 0.0 {
        return format!("-{}", format_duration(-seconds));
    }
    if seconds >= 1000.0 * DAY_S {
        // Only reachable through the mean of a very heavy tail: days stop meaning anything.
        return format!("{seconds:.2e}s");
    }
    if seconds < 10.0 {
        let text = format!("{seconds:.2}");
        let text = text.trim_end_matches('0').trim_end_matches('.');
        return format!("{text}s");
    }
    if seconds.round() < MINUTE_S {
        return format!("{}s", seconds.round() as u64);
    }
    let units: [(u64, &str); 4] = [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")];
    for (index, &(unit, name)) in units.iter().enumerate().take(3) {
        let (small_unit, small_name) = units[index + 1];
        // Round in the smaller unit first, so 3599.6 s reads 1h rather than 60m.
        let total_small = (seconds / small_unit as f64).round() as u64;
        let per_big = unit / small_unit;
        if total_small >= per_big {
            let big = total_small / per_big;
            let small = total_small % per_big;
            return if small == 0 {
                format!("{big}{name}")
            } else {
                format!("{big}{name} {small}{small_name}")
            };
        }
    }
    unreachable!("seconds >= 60 always matches a unit")
}

/// As [`format_duration`], with as many smaller units as `resolution_s` asks for: the value is
/// rounded to the largest unit (day, hour, minute, second) not above `resolution_s`, so a figure
/// is never rounded coarser than its own ± or than a difference it is read beside (`1d 5h 12m
/// 7s` beside `± 51s`, not `1d 5h`). Never fewer units than [`format_duration`] shows; seconds
/// are the finest step above a minute. Finer than [`format_duration`]'s step, every unit from
/// the largest down to the step is written, zeros included (`21h 0m 59s`, `1d 12h 0m 54s`), so
/// that no figure reads as another and figures in one column line up.
pub fn format_duration_within(seconds: f64, resolution_s: f64) -> String {
    if !seconds.is_finite() || seconds.abs() < MINUTE_S || !resolution_s.is_finite() {
        return format_duration(seconds);
    }
    if seconds < 0.0 {
        return format!("-{}", format_duration_within(-seconds, resolution_s));
    }
    if seconds >= 1000.0 * DAY_S {
        return format_duration(seconds);
    }
    let units: [(f64, &str); 4] = [(DAY_S, "d"), (HOUR_S, "h"), (MINUTE_S, "m"), (1.0, "s")];
    let step = units
        .iter()
        .map(|&(unit, _)| unit)
        .find(|&unit| unit <= resolution_s.abs())
        .unwrap_or(1.0);
    // format_duration's step: the unit below the largest one the value reaches once rounded
    // (23h 59m 50s to the minute is 1d 0h 0m, beside 1d 0h 4m in the same column).
    let rounded = (seconds / step).round() * step;
    let largest = units
        .iter()
        .position(|&(unit, _)| rounded >= unit)
        .unwrap_or(3);
    let default_step = units[(largest + 1).min(3)].0;
    // Finer than format_duration's step, zero units are written down to the step; at that step
    // the value reads as format_duration reads it, bar the carry format_duration makes by
    // rounding in the larger unit first (23h 57m stays 23h 57m, not 1d).
    let fill_zeros = step < default_step;
    let step = step.min(default_step);
    let mut rest = ((seconds / step).round() * step) as u64;
    let mut parts = Vec::new();
    for (unit, name) in units {
        let unit = unit as u64;
        if unit < step as u64 {
            break;
        }
        // Once the largest unit is written, every unit down to the step is, zeros included:
        // `21h 0m 59s`, not `21h 59s`, which reads like 21h 59m.
        if rest >= unit || (fill_zeros && !parts.is_empty()) {
            parts.push(format!("{}{name}", rest / unit));
            rest %= unit;
        }
    }
    if parts.is_empty() {
        return "0s".into();
    }
    parts.join(" ")
}

/// Formats whole-second limits exactly, the way a user would write them: `1d`, `4h 30m`, `90s`.
pub fn format_duration_exact(seconds: f64) -> String {
    if seconds.fract() != 0.0 || seconds < 1.0 {
        return format_duration(seconds);
    }
    let mut rest = seconds as u64;
    let mut parts = Vec::new();
    for (unit, name) in [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")] {
        if rest >= unit {
            parts.push(format!("{}{name}", rest / unit));
            rest %= unit;
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_form() {
        assert_eq!(parse_duration_s("90s"), Ok(90.0));
        assert_eq!(parse_duration_s("30m"), Ok(1800.0));
        assert_eq!(parse_duration_s("4h"), Ok(14_400.0));
        assert_eq!(parse_duration_s("1h30m"), Ok(5400.0));
        assert_eq!(parse_duration_s("2d"), Ok(172_800.0));
        assert_eq!(parse_duration_s("1h 30m 15s"), Ok(5415.0));
        assert_eq!(parse_duration_s("1.5h"), Ok(5400.0));
        assert_eq!(parse_duration_s(" 0s "), Ok(0.0));
    }

    #[test]
    fn rejects_malformed_text_with_a_reason() {
        assert_eq!(parse_duration_s("1h\t30m"), Ok(5400.0));
        for bad in [
            "",
            "90",
            "5 minutes",
            "h",
            "1x",
            "-5m",
            "1..5h",
            "abc",
            "30m1h",
            "1h1h",
        ] {
            let err = parse_duration_s(bad).unwrap_err();
            assert!(!err.is_empty(), "{bad:?} gave an empty reason");
        }
        assert!(parse_duration_s("90").unwrap_err().contains("unit"));
        assert_eq!(parse_duration_s("-5m").unwrap_err(), "must not be negative");
        assert!(
            parse_duration_s("3w")
                .unwrap_err()
                .contains("unknown unit \"w\"")
        );
    }

    #[test]
    fn formats_two_significant_units() {
        assert_eq!(format_duration(0.0), "0s");
        assert_eq!(format_duration(4.25), "4.25s");
        assert_eq!(format_duration(0.5), "0.5s");
        assert_eq!(format_duration(45.4), "45s");
        assert_eq!(format_duration(200.0), "3m 20s");
        assert_eq!(format_duration(25_920.0), "7h 12m");
        assert_eq!(format_duration(3600.0), "1h");
        assert_eq!(format_duration(187_200.0), "2d 4h");
        assert_eq!(format_duration(3599.6), "1h");
        assert_eq!(format_duration(59.6), "1m");
        assert_eq!(format_duration(86_399.9), "1d");
        assert_eq!(format_duration(f64::INFINITY), "never");
        assert_eq!(format_duration(3.2e21), "3.20e21s");
    }

    /// Issue 15, item 4: a duration of a day or more keeps the units its ± asks for.
    #[test]
    fn formats_to_the_resolution_of_its_interval() {
        let wall = 86_400.0 + 5.0 * 3600.0 + 12.0 * 60.0 + 7.0;
        assert_eq!(format_duration(wall), "1d 5h");
        assert_eq!(format_duration_within(wall, 51.0), "1d 5h 12m 7s");
        assert_eq!(
            format_duration_within(wall, 14.0 * 60.0 + 29.0),
            "1d 5h 12m"
        );
        assert_eq!(format_duration_within(wall, 2.0 * 3600.0), "1d 5h");
        assert_eq!(format_duration_within(wall, 1e9), "1d 5h");
        assert_eq!(format_duration_within(25_920.0, 30.0), "7h 12m 0s");
        assert_eq!(format_duration_within(-wall, 51.0), "-1d 5h 12m 7s");
        assert_eq!(format_duration_within(45.4, 0.1), "45s");
        assert_eq!(format_duration_within(86_400.0 + 30.0, 1.0), "1d 0h 0m 30s");
    }

    /// Issue 15 audit: a zero unit between the largest and the step is written, so `21h 0m 59s`
    /// does not read as `21h 59s` (as if 21h 59m), and `6h 52m 0s` lines up with `6h 52m 1s`.
    #[test]
    fn keeps_zero_units_down_to_the_step() {
        assert_eq!(
            format_duration_within(21.0 * 3600.0 + 59.0, 1.0),
            "21h 0m 59s"
        );
        assert_eq!(
            format_duration_within(86_400.0 + 12.0 * 3600.0 + 54.0, 1.0),
            "1d 12h 0m 54s"
        );
        assert_eq!(
            format_duration_within(6.0 * 3600.0 + 52.0 * 60.0, 1.0),
            "6h 52m 0s"
        );
        assert_eq!(
            format_duration_within(6.0 * 3600.0 + 52.0 * 60.0 + 1.0, 1.0),
            "6h 52m 1s"
        );
        // To the minute: zero minutes kept, no seconds.
        assert_eq!(format_duration_within(86_400.0 + 20.0, 60.0), "1d 0h 0m");
        // Rounding that carries into a larger unit still writes every unit to the step.
        assert_eq!(format_duration_within(7199.6, 1.0), "2h 0m 0s");
        // ... into a day too, as its neighbours in a column read (`1d 0h 4m`).
        assert_eq!(format_duration_within(86_390.0, 60.0), "1d 0h 0m");
        // Never coarser than the step: 23h 57m to the minute is not `1d`.
        assert_eq!(format_duration(86_222.7), "1d");
        assert_eq!(format_duration_within(86_222.7, 250.0), "23h 57m");
        // At format_duration's own step nothing changes: `1d`, `7h 12m`.
        assert_eq!(format_duration_within(86_400.0, 3600.0), "1d");
        assert_eq!(format_duration_within(25_920.0, 60.0), "7h 12m");
    }

    #[test]
    fn formats_limits_exactly() {
        assert_eq!(format_duration_exact(86_400.0), "1d");
        assert_eq!(format_duration_exact(16_200.0), "4h 30m");
        assert_eq!(format_duration_exact(90_061.0), "1d 1h 1m 1s");
    }
}
