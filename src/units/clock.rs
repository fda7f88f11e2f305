//! Calendar time for `spotsim trace`: RFC 3339 in, AWS-style timestamps out.
//!
//! A [`Timestamp`] is a whole number of microseconds since 1970-01-01T00:00:00Z (UTC, no leap
//! seconds, as Unix time counts). Microseconds are the precision the AWS CLI v2 prints
//! (`2026-01-01T00:00:00.000000+00:00`), and an `i64` of them spans ±292,000 years, so
//! simulated seconds are rounded to the microsecond once, when they are added to a timestamp:
//! equal simulated times give equal timestamps, and later times never give earlier ones.
//!
//! Dates are converted with Howard Hinnant's `days_from_civil` and `civil_from_days`
//! ("chrono-Compatible Low-Level Date Algorithms", 2013,
//! <https://howardhinnant.github.io/date_algorithms.html>): exact for every proleptic Gregorian
//! date, with no tables and no loops.

use std::fmt;

/// Microseconds in one second.
const MICROS_PER_S: i64 = 1_000_000;
/// Microseconds in one day.
const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_S;

/// A UTC instant, in microseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    micros: i64,
}

impl Timestamp {
    /// `spotsim trace`'s default job creation time: 2026-01-01T00:00:00Z.
    pub const DEFAULT_START: Timestamp = Timestamp {
        micros: 1_767_225_600 * MICROS_PER_S,
    };

    /// The instant `micros` microseconds after 1970-01-01T00:00:00Z.
    pub const fn from_micros(micros: i64) -> Timestamp {
        Timestamp { micros }
    }

    /// Microseconds since 1970-01-01T00:00:00Z.
    pub const fn micros(self) -> i64 {
        self.micros
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub fn as_unix_s(self) -> f64 {
        self.micros as f64 / MICROS_PER_S as f64
    }

    /// This instant plus `seconds` (finite, of either sign), rounded to the nearest microsecond.
    #[must_use]
    pub fn plus_s(self, seconds: f64) -> Timestamp {
        Timestamp {
            micros: self.micros + (seconds * MICROS_PER_S as f64).round() as i64,
        }
    }

    /// This instant rounded to the nearest whole second (halves up), as `spotsim trace` dates
    /// its log lines: the same rule as the durations printed beside them, so `18:42:41.88`
    /// reads `18:42:42` next to `18h 42m 42s`.
    #[must_use]
    pub fn rounded_to_second(self) -> Timestamp {
        Timestamp {
            micros: (self.micros + MICROS_PER_S / 2).div_euclid(MICROS_PER_S) * MICROS_PER_S,
        }
    }

    /// Seconds from `earlier` to this instant.
    pub fn seconds_since(self, earlier: Timestamp) -> f64 {
        (self.micros - earlier.micros) as f64 / MICROS_PER_S as f64
    }

    /// The civil date and time in UTC.
    fn civil(self) -> Civil {
        let days = self.micros.div_euclid(MICROS_PER_DAY);
        let in_day = self.micros.rem_euclid(MICROS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        let second_of_day = in_day / MICROS_PER_S;
        Civil {
            year,
            month,
            day,
            hour: second_of_day / 3600,
            minute: second_of_day / 60 % 60,
            second: second_of_day % 60,
            micro: in_day % MICROS_PER_S,
        }
    }

    /// As the AWS CLI v2 prints a timestamp, in UTC: `2026-01-01T09:30:00.250000+00:00`.
    pub fn to_aws(self) -> String {
        let c = self.civil();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00",
            c.year, c.month, c.day, c.hour, c.minute, c.second, c.micro
        )
    }

    /// As the SageMaker Python SDK prints a status line's time (`%Y-%m-%d %H:%M:%S`, UTC,
    /// fractions dropped): `2026-01-01 09:30:00`.
    pub fn to_log(self) -> String {
        let c = self.civil();
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }

    /// Parses an RFC 3339 date-time: `2026-01-01T00:00:00Z`, `2026-01-01T09:00:00+02:00`,
    /// `2026-01-01T00:00:00.5Z`. `T` may be `t` or a space, `Z` may be `z`; seconds are
    /// required, a fraction has at most 6 digits, and the zone (`Z` or `±HH:MM`) is required.
    /// On failure, returns the rule the text breaks, to follow the text in a message.
    pub fn parse_rfc3339(text: &str) -> Result<Timestamp, String> {
        const EXAMPLE: &str = "write e.g. 2026-01-01T00:00:00Z";
        let shape = || format!("is not an RFC 3339 date and time; {EXAMPLE}");
        let b = text.as_bytes();
        let digits = |range: std::ops::Range<usize>| -> Option<i64> {
            let part = b.get(range)?;
            if part.iter().all(u8::is_ascii_digit) {
                Some(part.iter().fold(0, |n, &d| n * 10 + i64::from(d - b'0')))
            } else {
                None
            }
        };
        let separators_ok = b.len() >= 19
            && b[4] == b'-'
            && b[7] == b'-'
            && matches!(b[10], b'T' | b't' | b' ')
            && b[13] == b':'
            && b[16] == b':';
        if !separators_ok {
            return Err(shape());
        }
        let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
            digits(0..4),
            digits(5..7),
            digits(8..10),
            digits(11..13),
            digits(14..16),
            digits(17..19),
        ) else {
            return Err(shape());
        };
        let mut pos = 19;
        let mut micro = 0;
        if b.get(pos) == Some(&b'.') {
            let start = pos + 1;
            let mut end = start;
            while b.get(end).is_some_and(u8::is_ascii_digit) {
                end += 1;
            }
            let count = end - start;
            if count == 0 {
                return Err(shape());
            }
            if count > 6 {
                return Err(format!(
                    "has {count} digits after the seconds' point; spotsim keeps microseconds \
                     (at most 6)"
                ));
            }
            micro = digits(start..end).ok_or_else(shape)? * 10_i64.pow(6 - count as u32);
            pos = end;
        }
        let offset_s = match &b[pos..] {
            [] => {
                return Err(format!(
                    "has no time zone; end it with Z for UTC or an offset such as +02:00 \
                     ({EXAMPLE})"
                ));
            }
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let (Some(hours), Some(minutes)) =
                    (digits(pos + 1..pos + 3), digits(pos + 4..pos + 6))
                else {
                    return Err(shape());
                };
                if hours > 23 || minutes > 59 {
                    return Err(format!(
                        "has the offset {}; offsets run from -23:59 to +23:59",
                        &text[pos..]
                    ));
                }
                let magnitude = hours * 3600 + minutes * 60;
                if *sign == b'-' { -magnitude } else { magnitude }
            }
            _ => return Err(shape()),
        };
        if !(1..=12).contains(&month) {
            return Err(format!("has month {month:02}; months run from 01 to 12"));
        }
        let month_days = days_in_month(year, month);
        if !(1..=month_days).contains(&day) {
            return Err(format!(
                "has day {day:02}, but {} {year:04} has {month_days} days",
                MONTH_NAMES[(month - 1) as usize]
            ));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(format!(
                "has the time {hour:02}:{minute:02}:{second:02}; hours run to 23, minutes and seconds to 59 \
                 (leap seconds are not accepted)"
            ));
        }
        let seconds =
            days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second
                - offset_s;
        Ok(Timestamp {
            micros: seconds * MICROS_PER_S + micro,
        })
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_aws())
    }
}

/// A broken-down UTC time.
struct Civil {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    micro: i64,
}

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Whether `year` is a Gregorian leap year.
pub fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in `month` (1 to 12) of `year`.
pub fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap_year(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the proleptic Gregorian date `year-month-day` (month 1 to 12, day 1
/// to 31). Hinnant's `days_from_civil`: March-based years put the leap day last, so the day of
/// the year is a linear formula of the month; 400-year eras of 146,097 days repeat exactly.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400; // [0, 399]
    let day_of_year = (153 * (month + if month > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The proleptic Gregorian `(year, month, day)` of the day `days` after 1970-01-01: Hinnant's
/// `civil_from_days`, the inverse of [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097; // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153; // March = 0
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Timestamp {
        Timestamp::parse_rfc3339(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    /// Issue 15 audit: log times round as durations do.
    #[test]
    fn rounds_to_the_nearest_second() {
        let start = Timestamp::DEFAULT_START;
        let at = |s: f64| start.plus_s(s).rounded_to_second().to_log();
        assert_eq!(
            at(18.0 * 3600.0 + 42.0 * 60.0 + 41.88),
            "2026-01-01 18:42:42"
        );
        assert_eq!(
            at(18.0 * 3600.0 + 42.0 * 60.0 + 41.49),
            "2026-01-01 18:42:41"
        );
        assert_eq!(at(0.5), "2026-01-01 00:00:01");
        assert_eq!(at(59.9), "2026-01-01 00:01:00");
        assert_eq!(
            Timestamp::from_micros(-1_500_000).rounded_to_second(),
            Timestamp::from_micros(-1_000_000)
        );
    }

    #[test]
    fn known_instants() {
        assert_eq!(parse("1970-01-01T00:00:00Z").micros(), 0);
        assert_eq!(parse("2026-01-01T00:00:00Z"), Timestamp::DEFAULT_START);
        assert_eq!(
            Timestamp::DEFAULT_START.to_aws(),
            "2026-01-01T00:00:00.000000+00:00"
        );
        // `date -u -d 2024-02-29T12:34:56Z +%s` = 1709210096.
        assert_eq!(parse("2024-02-29T12:34:56Z").as_unix_s(), 1_709_210_096.0);
        assert_eq!(
            Timestamp::from_micros(-1).to_aws(),
            "1969-12-31T23:59:59.999999+00:00"
        );
        assert_eq!(
            Timestamp::from_micros(951_782_400 * MICROS_PER_S).to_log(),
            "2000-02-29 00:00:00"
        );
    }

    #[test]
    fn every_day_round_trips_across_leap_years_and_centuries() {
        // 1600-03-01 to 2401-03-01: leap 1600, 2000 and 2400, not 1700, 1800, 1900, 2100.
        let first = days_from_civil(1600, 3, 1);
        let last = days_from_civil(2401, 3, 1);
        let (mut year, mut month, mut day) = (1600, 3, 1);
        for days in first..=last {
            assert_eq!(civil_from_days(days), (year, month, day), "day {days}");
            assert_eq!(days_from_civil(year, month, day), days);
            day += 1;
            if day > days_in_month(year, month) {
                day = 1;
                month += 1;
                if month > 12 {
                    month = 1;
                    year += 1;
                }
            }
        }
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2100, 2), 28);
        assert_eq!(days_in_month(2028, 2), 29);
    }

    #[test]
    fn formatting_and_parsing_round_trip() {
        for text in [
            "2026-01-01T00:00:00.000000+00:00",
            "2024-02-29T23:59:59.999999+00:00",
            "2100-03-01T00:00:00.000001+00:00",
            "1999-12-31T12:00:00.500000+00:00",
        ] {
            assert_eq!(parse(text).to_aws(), text);
        }
        let start = Timestamp::DEFAULT_START;
        // 59 days of 2028 reach February 29th.
        let leap = parse("2028-01-01T00:00:00Z").plus_s(59.0 * 86_400.0 + 0.25);
        assert_eq!(leap.to_aws(), "2028-02-29T00:00:00.250000+00:00");
        assert_eq!(leap.to_log(), "2028-02-29 00:00:00");
        assert_eq!(start.plus_s(1e-7), start);
        assert_eq!(start.plus_s(3723.0000006).seconds_since(start), 3723.000001);
    }

    #[test]
    fn offsets_fractions_and_separators() {
        let utc = parse("2026-01-01T07:00:00Z");
        assert_eq!(parse("2026-01-01T09:00:00+02:00"), utc);
        assert_eq!(parse("2026-01-01T02:30:00-04:30"), utc);
        assert_eq!(parse("2026-01-01t07:00:00z"), utc);
        assert_eq!(parse("2026-01-01 07:00:00Z"), utc);
        assert_eq!(parse("2026-01-01T07:00:00.25Z").seconds_since(utc), 0.25);
        assert_eq!(
            parse("2026-01-01T07:00:00.000001Z").micros() - utc.micros(),
            1
        );
    }

    #[test]
    fn rejects_bad_times_with_the_rule() {
        let reason = |text: &str| Timestamp::parse_rfc3339(text).unwrap_err();
        assert!(reason("2026-01-01").contains("not an RFC 3339"));
        assert!(reason("yesterday").contains("not an RFC 3339"));
        assert!(reason("2026-1-01T00:00:00Z").contains("not an RFC 3339"));
        assert!(reason("2026-01-01T00:00Z").contains("not an RFC 3339"));
        assert!(reason("2026-01-01T00:00:00").contains("no time zone"));
        assert!(reason("2026-01-01T00:00:00+0200").contains("not an RFC 3339"));
        assert!(reason("2026-01-01T00:00:00.Z").contains("not an RFC 3339"));
        assert!(reason("2026-01-01T00:00:00Zjunk").contains("not an RFC 3339"));
        assert_eq!(
            reason("2026-13-01T00:00:00Z"),
            "has month 13; months run from 01 to 12"
        );
        assert_eq!(
            reason("2026-02-29T00:00:00Z"),
            "has day 29, but February 2026 has 28 days"
        );
        assert!(Timestamp::parse_rfc3339("2028-02-29T00:00:00Z").is_ok());
        assert!(reason("2026-04-31T00:00:00Z").contains("April 2026 has 30 days"));
        assert!(reason("2026-01-01T24:00:00Z").contains("hours run to 23"));
        assert!(reason("2026-06-30T23:59:60Z").contains("leap seconds"));
        assert!(reason("2026-01-01T00:00:00+24:00").contains("offsets run"));
        assert!(reason("2026-01-01T00:00:00.1234567Z").contains("at most 6"));
    }
}
