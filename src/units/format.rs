//! Number formats for people: money, prices, shares, standard errors and counts.

/// The most characters of a value read from a file that a message quotes.
pub const MAX_QUOTED_CHARS: usize = 60;

/// `text` as a message quotes a value read from a file: whole up to [`MAX_QUOTED_CHARS`]
/// characters, else its start and how long it is (`"12345…" (200,000,000 bytes)`), so that a
/// 200 MB cell does not become a 200 MB message.
pub fn cut_for_message(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        None => text.to_string(),
        Some((end, _)) => format!(
            "{}… ({} bytes)",
            &text[..end],
            group_thousands(text.len() as u64)
        ),
    }
}

/// A number read from a file, as a message quotes it: plainly when that is short (`2.5`,
/// `-1`), in scientific notation when it is huge or tiny (`1e308`, not 309 digits).
pub fn format_quoted_number(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude != 0.0 && !(1e-6..1e15).contains(&magnitude) {
        format!("{value:e}")
    } else {
        format!("{value}")
    }
}

/// `$5.12`, `$1,234.50`, `$0.0042`.
pub fn format_usd(usd: f64) -> String {
    if usd < 0.0 {
        return format!("-{}", format_usd(-usd));
    }
    if usd > 0.0 && usd < 0.01 {
        return format!("${usd:.4}");
    }
    let cents = (usd * 100.0).round() as u64;
    format!("${}.{:02}", group_thousands(cents / 100), cents % 100)
}

/// An hourly price with as many decimals as it was given (up to 4): `$3.825`, `$24.48`.
pub fn format_price(usd: f64) -> String {
    let text = format!("{usd:.4}");
    let trimmed = text.trim_end_matches('0');
    let decimals = trimmed.split('.').nth(1).map_or(0, str::len).max(2);
    format!("${usd:.decimals$}")
}

/// A standard error with two significant digits, so a small one does not print as zero.
pub fn format_std_err(value: f64) -> String {
    if value == 0.0 {
        return "0".to_string();
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (1 - magnitude).max(0) as usize;
    format!("{value:.decimals$}")
}

/// `97.81 %` with at least `decimals` places, and more where they are needed: a percentage
/// that is not exactly 0 or 100 never reads as `0.00 %` or `100.00 %` (a share of 99.997 %
/// beside its interval 99.993 – 99.9995 % must not print as a certainty). Past six places it
/// reads `< 0.000001 %` or `> 99.999999 %`.
pub fn format_pct(share_pct: f64, decimals: usize) -> String {
    const MAX_DECIMALS: usize = 6;
    let mut places = decimals;
    loop {
        let text = format!("{share_pct:.places$}");
        let number: f64 = text.parse().unwrap_or(share_pct);
        let reads_exact = |edge: f64| number == edge && share_pct != edge;
        if !(reads_exact(0.0) || reads_exact(100.0) || reads_exact(-100.0)) {
            return format!("{text} %");
        }
        if places >= MAX_DECIMALS {
            let tiny = format!("{:.MAX_DECIMALS$}", 10f64.powi(-(MAX_DECIMALS as i32)));
            return if number == 0.0 {
                format!("< {tiny} %")
            } else {
                format!(
                    "> {:.MAX_DECIMALS$} %",
                    100.0 - 10f64.powi(-(MAX_DECIMALS as i32))
                )
            };
        }
        places += 1;
    }
}

/// The decimal places for a percentage read beside an interval of half-width `half_pct`
/// percentage points: at least `min`, and down to the half-width's first significant digit (at
/// most six), so the value is never rounded coarser than its own ± and the interval's ends
/// print apart (`86.998 % (86.997–86.999)`, not `87.0 % (87.0–87.0)`).
pub fn pct_decimals_within(half_pct: f64, min: usize) -> usize {
    let half = half_pct.abs();
    if half == 0.0 || !half.is_finite() {
        return min;
    }
    // A hair above, so that a half-width of 0.001 computed as 0.000999… lands on its own digit.
    let magnitude = (half * (1.0 + 1e-9)).log10().floor() as i32;
    (-magnitude).clamp(0, 6).max(min as i32) as usize
}

/// A share (0 to 1) as a percentage with at least `decimals` places, by [`format_pct`]'s rule:
/// never `0 %` or `100 %` unless it is exactly that.
pub fn format_share(share: f64, decimals: usize) -> String {
    format_pct(share * 100.0, decimals)
}

/// A standard error or the half-width of an interval in dollars, as every `±` prints it:
/// cents from a cent up, two significant digits below (`$0.0051`), so a spread that is not zero
/// never reads as zero; a spread that is exactly zero reads `$0`, which no rounding prints.
pub fn format_usd_pm(half_usd: f64) -> String {
    if half_usd == 0.0 {
        "$0".to_string()
    } else if half_usd.abs() >= 0.01 {
        format_usd(half_usd)
    } else {
        format!("${}", format_std_err(half_usd))
    }
}

/// The decimal places for dollar figures read beside an interval of half-width `half_usd`: those
/// [`format_usd_pm`] gives the half-width itself (cents from a cent up, two significant digits
/// below, at most six), so the ends of an interval with a spread never print alike
/// (`+$0.0213 (95 % CI +$0.0183 – +$0.0243)`, not `+$0.02 (95 % CI +$0.02 – +$0.02)`).
pub fn usd_decimals_within(half_usd: f64) -> usize {
    let half = half_usd.abs();
    if half == 0.0 || !half.is_finite() || half >= 0.01 {
        return 2;
    }
    let magnitude = half.log10().floor() as i32;
    ((1 - magnitude).clamp(2, 6)) as usize
}

/// Dollars with `decimals` places and thousands grouped (`$1,021.1400`, `-$0.0213`); with two
/// places exactly as [`format_usd`] prints them.
pub fn format_usd_places(usd: f64, decimals: usize) -> String {
    if decimals <= 2 {
        return format_usd(usd);
    }
    if usd < 0.0 {
        format!("-${}", format_grouped(-usd, decimals))
    } else {
        format!("${}", format_grouped(usd, decimals))
    }
}

/// `$7.40 (95 % interval $7.397 – $7.403)`: a dollar mean and its interval with the cents, or
/// more places where the cents would print the three alike (up to four), so an interval never
/// reads as no spread at all when it has one.
pub fn format_usd_with_interval(mean: f64, lo: f64, hi: f64) -> String {
    let shown = |decimals: usize| {
        [mean, lo, hi].map(|v| {
            if v < 0.0 {
                format!("-${}", format_grouped(-v, decimals))
            } else {
                format!("${}", format_grouped(v, decimals))
            }
        })
    };
    let mut decimals = 2;
    let mut texts = shown(decimals);
    while decimals < 4 && lo < hi && texts[1] == texts[2] {
        decimals += 1;
        texts = shown(decimals);
    }
    if decimals == 2 {
        texts = [mean, lo, hi].map(format_usd);
    }
    let [mean, lo, hi] = texts;
    format!("{mean} (95 % interval {lo} – {hi})")
}

/// `1,234.5`: `value` with `decimals` places and its thousands grouped, as tables print
/// counts and money (chart axes use it so that `$1,000` reads the same on both).
pub fn format_grouped(value: f64, decimals: usize) -> String {
    let text = format!("{:.decimals$}", value.abs());
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let grouped = whole
        .parse::<u64>()
        .map_or_else(|_| whole.to_string(), group_thousands);
    let negative = value < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let sign = if negative { "-" } else { "" };
    if fraction.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped}.{fraction}")
    }
}

/// `100,000`.
pub fn format_count(count: u64) -> String {
    group_thousands(count)
}

fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_messages_stay_short() {
        assert_eq!(format_quoted_number(2.5), "2.5");
        assert_eq!(format_quoted_number(-1.0), "-1");
        assert_eq!(format_quoted_number(1e308), "1e308");
        assert_eq!(format_quoted_number(1e-300), "1e-300");
        assert_eq!(format_quoted_number(f64::NAN), "NaN");
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        assert_eq!(cut_for_message("12.5"), "12.5");
        let long = "9".repeat(200);
        assert_eq!(
            cut_for_message(&long),
            format!("{}… (200 bytes)", "9".repeat(MAX_QUOTED_CHARS))
        );
        // Cut on a character boundary.
        assert!(cut_for_message(&"é".repeat(100)).starts_with(&"é".repeat(MAX_QUOTED_CHARS)));
    }

    #[test]
    fn a_share_short_of_certain_never_reads_as_certain() {
        // The examples: 99.997 % completed, 16 runs of 100,000 stopped, 99.97 %.
        assert_eq!(format_share(0.99997, 2), "99.997 %");
        assert_eq!(format_share(16.0 / 100_000.0, 1), "0.02 %");
        assert_eq!(format_share(0.9997, 1), "99.97 %");
        assert_eq!(format_share(0.99995, 2), "99.995 %");
        assert_eq!(format_share(1e-12, 2), "< 0.000001 %");
        assert_eq!(format_share(1.0 - 1e-12, 2), "> 99.999999 %");
        assert_eq!(format_pct(-99.9999, 1), "-99.9999 %");
        assert_eq!(format_share(0.5, 1), "50.0 %");
    }

    /// Issue 15, item 12: a `±` never reads as zero unless it is, and numbers on chart axes
    /// group their thousands as tables do.
    #[test]
    fn spreads_and_axis_numbers_read_as_tables_print_them() {
        assert_eq!(format_usd_pm(0.0051), "$0.0051");
        assert_eq!(format_usd_pm(0.004_999), "$0.0050");
        assert_eq!(format_usd_pm(0.01), "$0.01");
        assert_eq!(format_usd_pm(1.234), "$1.23");
        assert_eq!(format_usd_pm(0.0), "$0");
        assert_eq!(format_grouped(1000.0, 0), "1,000");
        assert_eq!(format_grouped(1_234_567.891, 2), "1,234,567.89");
        assert_eq!(format_grouped(-1500.26, 1), "-1,500.3");
        assert_eq!(format_grouped(-0.001, 2), "0.00");
        assert_eq!(format_grouped(12.5, 3), "12.500");
        assert_eq!(
            format_usd_with_interval(304.16, 304.158, 304.162),
            "$304.160 (95 % interval $304.158 – $304.162)"
        );
        assert_eq!(
            format_usd_with_interval(1028.31, 1020.0, 1036.6),
            "$1,028.31 (95 % interval $1,020.00 – $1,036.60)"
        );
    }

    /// Issue 15 audit: a percentage gets the places its interval needs.
    #[test]
    fn percentage_intervals_get_the_places_they_need() {
        assert_eq!(pct_decimals_within(0.0011, 1), 3);
        assert_eq!(pct_decimals_within(0.05, 1), 2);
        assert_eq!(pct_decimals_within(0.2, 1), 1);
        assert_eq!(pct_decimals_within(3.0, 1), 1);
        assert_eq!(pct_decimals_within(0.0, 1), 1);
        assert_eq!(pct_decimals_within(1e-12, 0), 6);
        let places = pct_decimals_within((86.999 - 86.997) / 2.0, 1);
        assert_eq!(format_pct(86.998, places), "86.998 %");
        assert_ne!(
            format_pct(86.997, places),
            format_pct(86.999, places),
            "the ends print apart"
        );
    }

    /// Issue 15 audit: a money interval gets the places its half-width needs, by
    /// [`format_usd_pm`]'s rule.
    #[test]
    fn money_intervals_get_the_places_they_need() {
        assert_eq!(usd_decimals_within(0.003), 4);
        assert_eq!(usd_decimals_within(0.0051), 4);
        assert_eq!(usd_decimals_within(0.03), 2);
        assert_eq!(usd_decimals_within(0.0), 2);
        assert_eq!(usd_decimals_within(1e-12), 6);
        assert_eq!(format_usd_places(0.0213, 4), "$0.0213");
        assert_eq!(format_usd_places(-0.0213, 4), "-$0.0213");
        assert_eq!(format_usd_places(1021.14, 3), "$1,021.140");
        assert_eq!(format_usd_places(0.0042, 2), "$0.0042");
        // The half-width's own digits, as format_usd_pm prints it.
        let half = 0.0051;
        let pm = format_usd_pm(half);
        let places = pm.split('.').nth(1).map_or(0, str::len);
        assert_eq!(usd_decimals_within(half), places);
    }

    #[test]
    fn formats_money_shares_and_counts() {
        assert_eq!(format_usd(5.1249), "$5.12");
        assert_eq!(format_usd(1234.5), "$1,234.50");
        assert_eq!(format_usd(0.0042), "$0.0042");
        assert_eq!(format_usd(0.0), "$0.00");
        assert_eq!(format_price(3.825), "$3.825");
        assert_eq!(format_price(24.48), "$24.48");
        assert_eq!(format_price(3.0), "$3.00");
        assert_eq!(format_std_err(0.0029), "0.0029");
        assert_eq!(format_std_err(0.0), "0");
        assert_eq!(format_std_err(12.34), "12");
        assert_eq!(format_pct(97.8123, 2), "97.81 %");
        assert_eq!(format_count(100_000), "100,000");
        assert_eq!(format_count(999), "999");
        assert_eq!(format_share(1.0, 2), "100.00 %");
        assert_eq!(format_share(0.0, 1), "0.0 %");
        assert_eq!(format_count(1_000_000), "1,000,000");
    }
}
