//! Spot prices over time: price histories read from files, as a piecewise-constant function
//! that billing integrates over each billed interval.
//!
//! Formats:
//! - `aws-cli`: the JSON `aws ec2 describe-spot-price-history` prints,
//!   `{"SpotPriceHistory": [{"AvailabilityZone", "InstanceType", "ProductDescription",
//!   "SpotPrice", "Timestamp"}, ...]}`.
//! - `tsv`: Eric Pauley's archive rows `az_id, instance_type, product, price, timestamp`
//!   (tab-separated, no header), plain or zstd-compressed.
//! - `series`: a JSON object of per-tick price lists, `{"name": [usd_per_hour, ...]}`, with the
//!   tick length given by the scenario (SkyNomad's `v100_spot_prices.json`).
//!
//! A price takes effect at its timestamp and holds until the next one; time 0 is the first
//! timestamp, and the history repeats after its last one (documented in `docs/model.md`).

use std::io::Read;

use serde::Deserialize;

use crate::inputs::bounded::{FileKind, decompress_zstd_bounded, is_zstd, read_capped};
use crate::inputs::data::DataError;
use crate::units::format::{cut_for_message, format_quoted_number};

/// The highest price a price file may hold, USD per instance-hour: the bound of
/// `pricing.on_demand_hourly` (the most expensive instance costs about $100 an hour).
pub const MAX_PRICE_USD_PER_HOUR: f64 = 100_000.0;

/// Whether `price` is a price a file may hold: above zero, as `pricing.on_demand_hourly` must
/// be (a zero spot price would make spot free, "100 % cheaper"), and at most
/// [`MAX_PRICE_USD_PER_HOUR`]. No real price history holds a zero price.
pub fn is_valid_price(price: f64) -> bool {
    price.is_finite() && price > 0.0 && price <= MAX_PRICE_USD_PER_HOUR
}

/// The rule [`is_valid_price`] checks, as messages state it.
pub const PRICE_RULE: &str = "must be a price above 0 and at most 100000 USD per hour (the bound of pricing.on_demand_hourly)";

/// `price` if it is a price a file may hold, else the rule it breaks.
fn check_price(price: f64) -> Result<f64, String> {
    if is_valid_price(price) {
        Ok(price)
    } else {
        Err(PRICE_RULE.to_string())
    }
}

/// Which rows of a price history to keep.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceFilter {
    /// EC2 instance type, e.g. `p3.2xlarge`.
    pub instance_type: Option<String>,
    /// Availability zone (name or id).
    pub zone: Option<String>,
    /// Product description, e.g. `Linux/UNIX`.
    pub product: Option<String>,
}

/// A price history: `prices[i]` (USD per instance-hour) holds from `times_s[i]` to the next.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceSeries {
    times_s: Vec<f64>,
    prices: Vec<f64>,
    /// Length of the history, seconds; it repeats after that.
    period_s: f64,
    /// `∫ price dt` from 0 to `times_s[i]`, USD-hours × 3600.
    cumulative: Vec<f64>,
}

impl PriceSeries {
    /// A series from change points; `times_s` ascending, starting at 0, and `period_s` beyond
    /// the last change (for a single price, any positive period).
    pub fn new(times_s: Vec<f64>, prices: Vec<f64>, period_s: f64) -> Self {
        assert!(!prices.is_empty() && times_s.len() == prices.len());
        assert!(times_s[0] == 0.0 && period_s > *times_s.last().unwrap_or(&0.0));
        let mut cumulative = Vec::with_capacity(times_s.len());
        let mut total = 0.0;
        for index in 0..times_s.len() {
            cumulative.push(total);
            let end = times_s.get(index + 1).copied().unwrap_or(period_s);
            total += prices[index] * (end - times_s[index]);
        }
        PriceSeries {
            times_s,
            prices,
            period_s,
            cumulative,
        }
    }

    /// A per-tick series.
    pub fn ticked(prices: Vec<f64>, tick_s: f64) -> Self {
        let times = (0..prices.len()).map(|i| i as f64 * tick_s).collect();
        let period_s = prices.len() as f64 * tick_s;
        PriceSeries::new(times, prices, period_s)
    }

    /// Length of one period, seconds.
    pub fn period_s(&self) -> f64 {
        self.period_s
    }

    /// Time-weighted mean price, USD per instance-hour.
    pub fn mean_usd_per_hour(&self) -> f64 {
        self.integral_to(self.period_s) / self.period_s
    }

    /// `∫₀ᵗ price` for `t` in `[0, period]`.
    fn integral_to(&self, t_s: f64) -> f64 {
        let index = self.times_s.partition_point(|&start| start <= t_s).max(1) - 1;
        self.cumulative[index] + self.prices[index] * (t_s - self.times_s[index])
    }

    /// `∫ price dt` over `[from_s, to_s]` of the repeating history, USD-seconds per hour.
    pub fn integral(&self, from_s: f64, to_s: f64) -> f64 {
        let whole = self.integral_to(self.period_s);
        let at = |t: f64| {
            let cycles = (t / self.period_s).floor();
            cycles * whole + self.integral_to(t - cycles * self.period_s)
        };
        at(to_s) - at(from_s)
    }
}

fn error(line: Option<u64>, message: impl Into<String>) -> DataError {
    DataError {
        line,
        message: message.into(),
    }
}

/// Seconds since 1970 of an ISO 8601 UTC timestamp such as `2022-05-31T21:18:00+00:00`,
/// `2022-05-31T21:18:00Z` or `2022-05-31T21:18:00.000Z`; lenient, for data files (see
/// [`crate::units::clock::Timestamp::parse_rfc3339`] for the strict form).
pub fn parse_timestamp_s(text: &str) -> Option<f64> {
    let text = text.trim();
    let (date, time) = text.split_once(['T', ' '])?;
    let mut date_parts = date.split('-');
    let year: i64 = date_parts.next()?.parse().ok()?;
    let month: i64 = date_parts.next()?.parse().ok()?;
    let day: i64 = date_parts.next()?.parse().ok()?;
    let (clock, zone_s) = if let Some(clock) = time.strip_suffix('Z') {
        (clock, 0)
    } else if let Some(index) = time.rfind(['+', '-']) {
        let (clock, zone) = time.split_at(index);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (hours, minutes) = zone[1..].split_once(':').unwrap_or((&zone[1..], "0"));
        let (hours, minutes) = (hours.parse::<i64>().ok()?, minutes.parse::<i64>().ok()?);
        // Real offsets lie within ±14:00; anything else is not a time zone (and could overflow).
        if !(0..=14).contains(&hours) || !(0..60).contains(&minutes) {
            return None;
        }
        (clock, sign * (hours * 3600 + minutes * 60))
    } else {
        (time, 0)
    };
    let mut clock_parts = clock.split(':');
    let hour: f64 = clock_parts.next()?.parse().ok()?;
    let minute: f64 = clock_parts.next()?.parse().ok()?;
    let second: f64 = clock_parts.next().unwrap_or("0").parse().ok()?;
    // Years of four digits, and clock fields in their ranges (a leap second allowed): other
    // values are typos, and huge ones would overflow the day count.
    if !(0..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || !(0.0..=24.0).contains(&hour)
        || !(0.0..60.0).contains(&minute)
        || !(0.0..61.0).contains(&second)
    {
        return None;
    }
    let days = crate::units::clock::days_from_civil(year, month, day);
    Some(days as f64 * 86_400.0 + hour * 3600.0 + minute * 60.0 + second - zone_s as f64)
}

/// One price row of a history.
struct Row {
    zone: String,
    instance_type: String,
    product: String,
    price: f64,
    time_s: f64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AwsHistory {
    spot_price_history: Vec<AwsRow>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AwsRow {
    availability_zone: String,
    instance_type: String,
    product_description: String,
    spot_price: String,
    timestamp: String,
}

/// Reads the JSON of `aws ec2 describe-spot-price-history`, keeping the rows `filter` selects.
pub fn read_aws_cli<R: Read>(reader: R, filter: &PriceFilter) -> Result<PriceSeries, DataError> {
    let history: AwsHistory = serde_json::from_reader(reader).map_err(|e| {
        error(
            Some(e.line() as u64),
            format!("is not describe-spot-price-history JSON: {e}"),
        )
    })?;
    let mut rows = Vec::new();
    for (index, row) in history.spot_price_history.into_iter().enumerate() {
        let price = row
            .spot_price
            .trim()
            .parse::<f64>()
            .map_err(|_| "is not a number".to_string())
            .and_then(check_price)
            .map_err(|rule| {
                error(
                    None,
                    format!(
                        "SpotPrice \"{}\" of entry {} {rule}",
                        cut_for_message(&row.spot_price),
                        index + 1
                    ),
                )
            })?;
        let time_s = parse_timestamp_s(&row.timestamp).ok_or_else(|| {
            error(
                None,
                format!(
                    "Timestamp \"{}\" of entry {} is not ISO 8601",
                    cut_for_message(&row.timestamp),
                    index + 1
                ),
            )
        })?;
        rows.push(Row {
            zone: row.availability_zone,
            instance_type: row.instance_type,
            product: row.product_description,
            price,
            time_s,
        });
    }
    series_from_rows(rows, filter)
}

/// Reads a TSV price archive (`az_id, instance_type, product, price, timestamp`), plain or
/// zstd-compressed, keeping the rows `filter` selects.
pub fn read_tsv<R: Read>(reader: R, filter: &PriceFilter) -> Result<PriceSeries, DataError> {
    let cap_bytes = FileKind::Price.cap_bytes();
    let mut bytes = read_capped(reader, cap_bytes)
        .map_err(|e| error(None, format!("cannot be read: {e}")))?
        .ok_or_else(|| {
            error(
                None,
                format!(
                    "is larger than the {} MiB limit of a price file",
                    cap_bytes >> 20
                ),
            )
        })?;
    if is_zstd(&bytes) {
        // Stopped at the same cap: a small archive must not inflate to gigabytes.
        bytes = decompress_zstd_bounded(&bytes, FileKind::Price).map_err(|e| error(None, e))?;
    }
    let text = String::from_utf8(bytes).map_err(|_| error(None, "is not UTF-8 text"))?;
    let mut rows = Vec::new();
    for (index, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line_number = Some(index as u64 + 1);
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() < 5 {
            return Err(error(
                line_number,
                "needs 5 tab-separated fields: az_id, instance_type, product, price, timestamp",
            ));
        }
        let price = fields[3]
            .trim()
            .parse::<f64>()
            .map_err(|_| "is not a number".to_string())
            .and_then(check_price)
            .map_err(|rule| {
                error(
                    line_number,
                    format!("price \"{}\" {rule}", cut_for_message(fields[3])),
                )
            })?;
        let time_s = parse_timestamp_s(fields[4]).ok_or_else(|| {
            error(
                line_number,
                format!(
                    "timestamp \"{}\" is not ISO 8601",
                    cut_for_message(fields[4])
                ),
            )
        })?;
        rows.push(Row {
            zone: fields[0].to_string(),
            instance_type: fields[1].to_string(),
            product: fields[2].to_string(),
            price,
            time_s,
        });
    }
    series_from_rows(rows, filter)
}

/// Reads one named per-tick list from a JSON object of lists.
pub fn read_series<R: Read>(reader: R, name: &str, tick_s: f64) -> Result<PriceSeries, DataError> {
    let all: std::collections::BTreeMap<String, Vec<f64>> = serde_json::from_reader(reader)
        .map_err(|e| {
            error(
                Some(e.line() as u64),
                format!("is not a JSON object of price lists: {e}"),
            )
        })?;
    let Some(prices) = all.get(name) else {
        let names: Vec<&String> = all.keys().take(12).collect();
        return Err(error(
            None,
            format!("has no series \"{name}\"; it has {names:?}"),
        ));
    };
    if prices.is_empty() {
        return Err(error(None, format!("series \"{name}\" is empty")));
    }
    for (index, &price) in prices.iter().enumerate() {
        check_price(price).map_err(|rule| {
            error(
                None,
                format!(
                    "series \"{name}\" holds {} at index {index}, which {rule}",
                    format_quoted_number(price)
                ),
            )
        })?;
    }
    Ok(PriceSeries::ticked(prices.clone(), tick_s))
}

fn series_from_rows(rows: Vec<Row>, filter: &PriceFilter) -> Result<PriceSeries, DataError> {
    let total = rows.len();
    // What the file has, to name in an error: a few types and zones.
    let choices = {
        let mut types: Vec<&str> = rows.iter().map(|r| r.instance_type.as_str()).collect();
        types.sort_unstable();
        types.dedup();
        let mut zones: Vec<&str> = rows.iter().map(|r| r.zone.as_str()).collect();
        zones.sort_unstable();
        zones.dedup();
        let some = |v: &[&str]| {
            let shown: Vec<&str> = v.iter().take(6).copied().collect();
            format!(
                "{}{}",
                shown.join(", "),
                if v.len() > 6 { ", ..." } else { "" }
            )
        };
        format!(
            "{} types such as {}; {} zones such as {}",
            types.len(),
            some(&types),
            zones.len(),
            some(&zones)
        )
    };
    let keep = |value: &str, wanted: &Option<String>| wanted.as_deref().is_none_or(|w| w == value);
    let mut kept: Vec<Row> = rows
        .into_iter()
        .filter(|r| keep(&r.instance_type, &filter.instance_type))
        .filter(|r| keep(&r.zone, &filter.zone))
        .filter(|r| keep(&r.product, &filter.product))
        .collect();
    if kept.is_empty() {
        return Err(error(
            None,
            format!(
                "has no prices for instance type {:?}, zone {:?}, product {:?} ({total} rows in \
                 all; it has {})",
                filter.instance_type.as_deref().unwrap_or("any"),
                filter.zone.as_deref().unwrap_or("any"),
                filter.product.as_deref().unwrap_or("any"),
                choices
            ),
        ));
    }
    // One history only: several zones or products would interleave unrelated prices.
    for (what, values) in [
        (
            "zones",
            kept.iter().map(|r| r.zone.as_str()).collect::<Vec<_>>(),
        ),
        (
            "products",
            kept.iter().map(|r| r.product.as_str()).collect(),
        ),
        (
            "instance types",
            kept.iter().map(|r| r.instance_type.as_str()).collect(),
        ),
    ] {
        let mut distinct = values.clone();
        distinct.sort_unstable();
        distinct.dedup();
        if distinct.len() > 1 {
            let shown: Vec<&str> = distinct.iter().take(8).copied().collect();
            return Err(error(
                None,
                format!(
                    "has prices for {} {what} ({}): choose one with the filter keys \
                     (instance_type, zone, product)",
                    distinct.len(),
                    shown.join(", ")
                ),
            ));
        }
    }
    kept.sort_by(|a, b| a.time_s.total_cmp(&b.time_s));
    kept.dedup_by(|later, earlier| later.time_s == earlier.time_s);
    let start_s = kept[0].time_s;
    let last_s = kept[kept.len() - 1].time_s - start_s;
    // The last price holds as long as the average gap between changes (or an hour if alone).
    let tail_s = if kept.len() > 1 {
        last_s / (kept.len() - 1) as f64
    } else {
        3600.0
    };
    let times: Vec<f64> = kept.iter().map(|r| r.time_s - start_s).collect();
    let prices: Vec<f64> = kept.iter().map(|r| r.price).collect();
    Ok(PriceSeries::new(times, prices, last_s + tail_s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_parse_to_epoch_seconds() {
        assert_eq!(parse_timestamp_s("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(
            parse_timestamp_s("2022-05-31T21:18:00+00:00"),
            Some(1_654_031_880.0)
        );
        assert_eq!(
            parse_timestamp_s("2022-05-31T23:18:00+02:00"),
            Some(1_654_031_880.0)
        );
        assert_eq!(
            parse_timestamp_s("2024-02-29T12:00:00.500Z"),
            Some(1_709_208_000.5)
        );
        assert_eq!(parse_timestamp_s("yesterday"), None);
        // Found by the `price` fuzz target: an offset of 22222222222022 hours overflowed.
        assert_eq!(
            parse_timestamp_s("2022-05-31T18:20:41+22222222222022:00"),
            None
        );
        for out_of_range in [
            "2022-05-31T18:20:41+15:00",
            "2022-05-31T18:20:41+01:60",
            "99999999999999-05-31T18:20:41Z",
            "-1-05-31T18:20:41Z",
            "2022-05-31T25:00:00Z",
            "2022-05-31T18:60:00Z",
            "2022-05-31T18:20:61Z",
            "2022-05-31T-1:20:00Z",
        ] {
            assert_eq!(parse_timestamp_s(out_of_range), None, "{out_of_range}");
        }
        assert_eq!(
            parse_timestamp_s("2022-05-31T18:20:41-14:00"),
            Some(1_654_021_241.0 + 14.0 * 3600.0)
        );
    }

    #[test]
    fn integrates_a_piecewise_constant_price_with_wrap_around() {
        // $1/h for 100 s, $3/h for 50 s, $2/h for 50 s; period 200 s.
        let series = PriceSeries::new(vec![0.0, 100.0, 150.0], vec![1.0, 3.0, 2.0], 200.0);
        assert_eq!(series.integral(0.0, 100.0), 100.0);
        assert_eq!(series.integral(50.0, 125.0), 50.0 + 75.0);
        assert_eq!(series.integral(0.0, 200.0), 350.0);
        assert_eq!(series.integral(190.0, 210.0), 20.0 + 10.0); // wraps
        assert_eq!(series.integral(0.0, 600.0), 3.0 * 350.0);
        assert!((series.mean_usd_per_hour() - 1.75).abs() < 1e-12);
    }

    #[test]
    fn reads_and_filters_the_aws_cli_json() {
        let json = r#"{"SpotPriceHistory": [
            {"AvailabilityZone": "us-east-1a", "InstanceType": "p3.2xlarge", "ProductDescription": "Linux/UNIX", "SpotPrice": "1.000000", "Timestamp": "2022-05-31T20:00:00+00:00"},
            {"AvailabilityZone": "us-east-1a", "InstanceType": "p3.2xlarge", "ProductDescription": "Linux/UNIX", "SpotPrice": "2.000000", "Timestamp": "2022-05-31T21:00:00+00:00"},
            {"AvailabilityZone": "us-east-1b", "InstanceType": "p3.2xlarge", "ProductDescription": "Linux/UNIX", "SpotPrice": "9.000000", "Timestamp": "2022-05-31T20:30:00+00:00"}
        ]}"#;
        let error = read_aws_cli(json.as_bytes(), &PriceFilter::default()).unwrap_err();
        assert!(error.message.contains("2 zones"), "{error}");
        let filter = PriceFilter {
            zone: Some("us-east-1a".into()),
            ..PriceFilter::default()
        };
        let series = read_aws_cli(json.as_bytes(), &filter).unwrap();
        // $1/h for an hour, then $2/h for an hour (the last price holds one average gap).
        assert_eq!(series.period_s(), 7200.0);
        assert_eq!(series.integral(0.0, 7200.0), 3600.0 + 7200.0);
        let none = PriceFilter {
            instance_type: Some("g5.xlarge".into()),
            ..PriceFilter::default()
        };
        let error = read_aws_cli(json.as_bytes(), &none).unwrap_err();
        assert!(
            error
                .message
                .contains("has no prices for instance type \"g5.xlarge\""),
            "{error}"
        );
    }

    #[test]
    fn reads_tsv_rows_and_named_series() {
        let tsv = "use1-az6\tp3.2xlarge\tLinux/UNIX\t0.918000\t2022-05-31T21:18:00+00:00\n\
                   use1-az6\tp3.2xlarge\tLinux/UNIX\t0.950000\t2022-05-31T21:48:00+00:00\n";
        let series = read_tsv(tsv.as_bytes(), &PriceFilter::default()).unwrap();
        assert_eq!(series.period_s(), 3600.0);
        let error = read_tsv("a\tb\n".as_bytes(), &PriceFilter::default()).unwrap_err();
        assert_eq!(error.line, Some(1));
        let json = r#"{"us-east-1a_v100_1": [1.0, 2.0], "other": [5.0]}"#;
        let series = read_series(json.as_bytes(), "us-east-1a_v100_1", 195.0).unwrap();
        assert_eq!(series.integral(0.0, 390.0), 195.0 * 3.0);
        assert!(read_series(json.as_bytes(), "missing", 195.0).is_err());
    }

    #[test]
    fn refuses_prices_that_are_not_money() {
        let row = |price: &str| {
            format!("use1-az6\tp3.2xlarge\tLinux/UNIX\t{price}\t2022-05-31T21:18:00+00:00\n")
        };
        for bad in ["NaN", "inf", "-inf", "-0.5", "1e308", "0", "0.0000"] {
            let error = read_tsv(row(bad).as_bytes(), &PriceFilter::default()).unwrap_err();
            assert_eq!(error.line, Some(1));
            assert_eq!(error.message, format!("price \"{bad}\" {PRICE_RULE}"));
        }
        let json = r#"{"SpotPriceHistory": [{"AvailabilityZone": "a", "InstanceType": "t",
            "ProductDescription": "p", "SpotPrice": "NaN", "Timestamp": "2022-05-31T20:00:00Z"}]}"#;
        let error = read_aws_cli(json.as_bytes(), &PriceFilter::default()).unwrap_err();
        assert_eq!(
            error.message,
            format!("SpotPrice \"NaN\" of entry 1 {PRICE_RULE}")
        );
        let json = r#"{"s": [0.0, 1.0]}"#;
        let error = read_series(json.as_bytes(), "s", 60.0).unwrap_err();
        assert_eq!(
            error.message,
            format!("series \"s\" holds 0 at index 0, which {PRICE_RULE}")
        );
        let json = r#"{"s": [1.0, 1e300]}"#;
        let error = read_series(json.as_bytes(), "s", 60.0).unwrap_err();
        assert_eq!(
            error.message,
            format!("series \"s\" holds 1e300 at index 1, which {PRICE_RULE}")
        );
        // A 200 MB cell is not echoed whole.
        let huge = row(&"7".repeat(1_000_000));
        let error = read_tsv(huge.as_bytes(), &PriceFilter::default()).unwrap_err();
        assert!(error.message.len() < 200, "{}", error.message);
    }
}
