//! Number formats for people: money, prices, shares, standard errors and counts.

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

/// `97.81 %` with `decimals` places.
pub fn format_pct(share_pct: f64, decimals: usize) -> String {
    format!("{share_pct:.decimals$} %")
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
        assert_eq!(format_count(1_000_000), "1,000,000");
    }
}
