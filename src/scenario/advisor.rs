//! Spot Instance Advisor "frequency of interruption" buckets → a time-to-interruption model.
//!
//! AWS describes a bucket as "the rate at which Spot has reclaimed capacity during the trailing
//! month" and does not define the statistic (spec §5, uncertain). spotsim reads a bucket's rate
//! `f` as the share of instances reclaimed within a 30-day month, with reclaims memoryless, so
//! `P(T <= 30 d) = f` for an exponential time to interruption `T`:
//! `mean T = 30 d / -ln(1 - f)`. The user picks which end of the bucket to use; the default,
//! the upper bound, is the conservative one (more interruptions).
//!
//! The feed behind the Advisor page (`spot-advisor-data.json`) gives, per region and EC2 type,
//! the bucket and the savings over on-demand. A snapshot ships inside the binary ([`snapshot`],
//! `data/spotinfo/`); a newer file is read with [`read_feed`]. `advisor = "feed"` and
//! `discount = "feed"` look the job's type up in it ([`Feed::lookup`]).

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use serde::Serialize;

use crate::units::duration::DAY_S;

/// The month a bucket's rate refers to, seconds.
pub const ADVISOR_MONTH_S: f64 = 30.0 * DAY_S;

/// The Advisor's buckets and the rates spotsim takes for their ends. AWS gives no upper end for
/// ">20%": spotsim takes 30 % (an assumption, documented in `docs/model.md`).
pub const BUCKETS: [(&str, f64, f64); 5] = [
    ("<5%", 0.0, 0.05),
    ("5-10%", 0.05, 0.10),
    ("10-15%", 0.10, 0.15),
    ("15-20%", 0.15, 0.20),
    (">20%", 0.20, 0.30),
];

/// Which end of a bucket to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    /// The lower end: fewest interruptions.
    Lower,
    /// The middle.
    Mid,
    /// The upper end: most interruptions (the default).
    Upper,
}

/// Where a time-to-interruption model came from, kept for `validate` and the JSON echo.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdvisorSource {
    /// The bucket as written, e.g. `10-15%`.
    pub bucket: String,
    /// Which end of it.
    pub bound: Bound,
    /// The monthly reclaim share used.
    pub monthly_rate: f64,
    /// The resulting mean time to interruption per instance, seconds (`inf` at a rate of 0).
    pub mean_time_to_interruption_s: f64,
}

/// The monthly rate for a bucket's end, or `None` for an unknown bucket.
pub fn bucket_rate(bucket: &str, bound: Bound) -> Option<f64> {
    let (_, low, high) = BUCKETS.iter().find(|(name, _, _)| *name == bucket)?;
    Some(match bound {
        Bound::Lower => *low,
        Bound::Mid => (low + high) / 2.0,
        Bound::Upper => *high,
    })
}

/// Mean time to interruption for a monthly reclaim share `rate` in [0, 1): `30 d / -ln(1 - rate)`.
pub fn mean_time_to_interruption_s(rate: f64) -> f64 {
    if rate <= 0.0 {
        return f64::INFINITY;
    }
    ADVISOR_MONTH_S / -(-rate).ln_1p()
}

/// The date of the feed snapshot shipped in the binary.
pub const SNAPSHOT_DATE: &str = "2025-06-28";

/// Where the shipped snapshot comes from, for reports.
pub const SNAPSHOT_ATTRIBUTION: &str = "AWS Spot Instance Advisor feed \
     (https://spot-bid-advisor.s3.amazonaws.com/spot-advisor-data.json), snapshot of 2025-06-28 \
     as kept by alexei-led/spotinfo (Apache-2.0); data/spotinfo/README.md";

/// The shipped snapshot, zstd-compressed (95 KB for 922 KB of JSON).
const SNAPSHOT_ZST: &[u8] = include_bytes!("../../data/spotinfo/spot-advisor-data.json.zst");

/// The largest feed file read: the 2025 feed is under 1 MB, so 64 MiB is far beyond any real
/// one and keeps a wrong path (a disk image, a log) from filling memory.
pub const MAX_FEED_BYTES: u64 = 64 << 20;

/// The lowest savings figure a feed may give, percent: spot at 11 times on-demand. (The 2025
/// feed's lowest is -62.)
pub const MIN_SAVINGS_PCT: i64 = -1000;

/// One (region, EC2 type) of the feed, Linux.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FeedEntry {
    /// The "frequency of interruption" bucket, one of [`BUCKETS`]' names.
    pub bucket: &'static str,
    /// `s`: savings over on-demand, percent (a whole number below 100; the 2025 feed has one
    /// negative entry, spot dearer than on-demand).
    pub savings_pct: i32,
}

impl FeedEntry {
    /// The discount spotsim takes from it: `s / 100` (a fraction below 1, negative when spot
    /// costs more than on-demand).
    pub fn discount(&self) -> f64 {
        f64::from(self.savings_pct) / 100.0
    }
}

/// A Spot Advisor feed: the Linux entries by region, then EC2 type.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    /// Where it was read from: the shipped snapshot's attribution, or the file.
    pub source: String,
    /// The snapshot date, when known (the feed itself carries none).
    pub date: Option<String>,
    regions: BTreeMap<String, BTreeMap<String, FeedEntry>>,
}

/// The EC2 type of a SageMaker instance type: `ml.g5.2xlarge` → `g5.2xlarge`.
pub fn ec2_type(instance_type: &str) -> &str {
    instance_type.strip_prefix("ml.").unwrap_or(instance_type)
}

/// The snapshot shipped in the binary, decompressed and read once.
///
/// # Panics
/// If the embedded snapshot does not read, which its unit test rules out.
pub fn snapshot() -> Arc<Feed> {
    static SNAPSHOT: OnceLock<Arc<Feed>> = OnceLock::new();
    SNAPSHOT
        .get_or_init(|| {
            let mut text = String::new();
            let mut decoder = ruzstd::decoding::StreamingDecoder::new(SNAPSHOT_ZST)
                .expect("the embedded snapshot is zstd");
            std::io::Read::read_to_string(&mut decoder, &mut text)
                .expect("the embedded snapshot is UTF-8");
            let mut feed = parse_feed(&text, SNAPSHOT_ATTRIBUTION)
                .expect("the embedded snapshot reads (unit test)");
            feed.date = Some(SNAPSHOT_DATE.to_string());
            Arc::new(feed)
        })
        .clone()
}

/// Reads a feed file of at most [`MAX_FEED_BYTES`] through the bounded reader (a device, FIFO
/// or directory is refused before it is opened); every problem found, at most 20 listed, each
/// as the key's message continues it: `cannot be read (PATH): reason`, as every data file's, or
/// `PATH: problem`.
pub fn read_feed(path: &std::path::Path) -> Result<Feed, Vec<String>> {
    use crate::inputs::bounded::{FileKind, read_bounded_text};
    debug_assert_eq!(FileKind::AdvisorFeed.cap_bytes(), MAX_FEED_BYTES);
    let shown = path.display();
    let text = read_bounded_text(path, FileKind::AdvisorFeed)
        .map_err(|e| vec![format!("cannot be read ({shown}): {}", e.detail())])?;
    parse_feed(&text, &shown.to_string()).map_err(|problems| {
        problems
            .into_iter()
            .map(|problem| format!("{shown}: {problem}"))
            .collect()
    })
}

/// Reads a feed's JSON text, checking every value: `ranges` labels must be the Advisor's five
/// buckets, each Linux entry's `r` an index of `ranges` and `s` a whole percent below 100.
/// `ranges[].max` (5, 11, 16, 22, 100 in 2025) is not used: the labels are the published
/// buckets, the maxima are the page's internal thresholds.
pub fn parse_feed(text: &str, source: &str) -> Result<Feed, Vec<String>> {
    use serde_json::Value;
    const SHOWN: usize = 20;
    let root: Value = serde_json::from_str(text).map_err(|e| {
        vec![format!(
            "is not JSON (line {}, column {}): {e}",
            e.line(),
            e.column()
        )]
    })?;
    let mut problems = Vec::new();
    let mut labels: BTreeMap<u64, &'static str> = BTreeMap::new();
    match root.get("ranges").and_then(Value::as_array) {
        None => problems.push("has no `ranges` list (the buckets)".to_string()),
        Some(ranges) => {
            for (i, range) in ranges.iter().enumerate() {
                let index = range.get("index").and_then(Value::as_u64);
                let label = range.get("label").and_then(Value::as_str);
                let bucket = label.and_then(|l| BUCKETS.iter().find(|(name, _, _)| *name == l));
                match (index, bucket) {
                    (Some(index), Some((name, _, _))) => {
                        labels.insert(index, name);
                    }
                    _ => problems.push(format!(
                        "ranges[{i}] = {range}: needs a whole `index` and a `label` among {}",
                        BUCKETS.map(|(name, _, _)| name).join(", ")
                    )),
                }
            }
        }
    }
    let mut regions: BTreeMap<String, BTreeMap<String, FeedEntry>> = BTreeMap::new();
    match root.get("spot_advisor").and_then(Value::as_object) {
        None => problems.push("has no `spot_advisor` object (region → OS → type)".to_string()),
        Some(by_region) => {
            for (region, systems) in by_region {
                let Some(linux) = systems.get("Linux") else {
                    continue;
                };
                let Some(linux) = linux.as_object() else {
                    problems.push(format!("spot_advisor.{region}.Linux is not an object"));
                    continue;
                };
                let entries = regions.entry(region.clone()).or_default();
                for (ec2_type, entry) in linux {
                    let at = format!("spot_advisor.{region}.Linux.{ec2_type}");
                    let savings = entry
                        .get("s")
                        .and_then(Value::as_i64)
                        .filter(|s| (MIN_SAVINGS_PCT..100).contains(s));
                    let bucket = entry
                        .get("r")
                        .and_then(Value::as_u64)
                        .and_then(|r| labels.get(&r));
                    match (savings, bucket) {
                        (Some(savings), Some(bucket)) => {
                            entries.insert(
                                ec2_type.clone(),
                                FeedEntry {
                                    bucket,
                                    savings_pct: savings as i32,
                                },
                            );
                        }
                        _ => problems.push(format!(
                            "{at} = {entry}: needs `s`, a whole percent from {MIN_SAVINGS_PCT} \
                             to 99, and `r`, an index of `ranges`"
                        )),
                    }
                }
            }
        }
    }
    if regions.values().all(BTreeMap::is_empty) && problems.is_empty() {
        problems.push("has no Linux entry in any region".to_string());
    }
    if problems.is_empty() {
        Ok(Feed {
            source: source.to_string(),
            date: None,
            regions,
        })
    } else {
        let total = problems.len();
        problems.truncate(SHOWN);
        if total > SHOWN {
            problems.push(format!("... and {} more problems", total - SHOWN));
        }
        Err(problems)
    }
}

/// The `n` words of `known` closest to `word` (fewest edits, then in order).
fn closest_n<'k>(word: &str, known: impl Iterator<Item = &'k str>, n: usize) -> Vec<&'k str> {
    let mut ranked: Vec<(usize, &str)> = known
        .map(|k| (crate::units::text::edit_distance(word, k), k))
        .collect();
    ranked.sort_unstable();
    ranked.into_iter().take(n).map(|(_, k)| k).collect()
}

/// Why a lookup failed: which of the two is missing, with the closest entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// The region is not in the feed.
    Region(String),
    /// The region is, but not this type in it.
    InstanceType(String),
}

impl Feed {
    /// A label for reports: the snapshot's date, or the file.
    pub fn label(&self) -> String {
        match &self.date {
            Some(date) => format!("the shipped snapshot of {date}"),
            None => self.source.clone(),
        }
    }

    /// The regions that list `ec2_type` (Linux), in name order.
    pub fn regions_offering(&self, ec2_type: &str) -> Vec<&str> {
        self.regions
            .iter()
            .filter(|(_, types)| types.contains_key(ec2_type))
            .map(|(region, _)| region.as_str())
            .collect()
    }

    /// The entry of `ec2_type` in `region`, or why there is none, naming the closest entries.
    pub fn lookup(&self, region: &str, ec2_type: &str) -> Result<FeedEntry, LookupError> {
        let Some(types) = self.regions.get(region) else {
            let near = closest_n(region, self.regions.keys().map(String::as_str), 3);
            return Err(LookupError::Region(format!(
                "region {region} is not in the Spot Advisor feed ({}); closest: {}",
                self.label(),
                near.join(", ")
            )));
        };
        if let Some(entry) = types.get(ec2_type) {
            return Ok(*entry);
        }
        let near = closest_n(ec2_type, types.keys().map(String::as_str), 3);
        let elsewhere = self.regions_offering(ec2_type);
        let elsewhere = if elsewhere.is_empty() {
            "no region of the feed lists it".to_string()
        } else {
            format!("regions that list it: {}", elsewhere.join(", "))
        };
        Err(LookupError::InstanceType(format!(
            "EC2 type {ec2_type} is not in the Spot Advisor feed ({}) for {region}; closest in \
             {region}: {}; {elsewhere}",
            self.label(),
            near.join(", ")
        )))
    }
}

/// What a scenario took from the feed, for `validate` and the review (not in the JSON echo:
/// a scenario from the feed and the same one written by hand are the same scenario).
#[derive(Debug, Clone, PartialEq)]
pub struct FeedUse {
    /// `job.region`.
    pub region: String,
    /// The EC2 type looked up (`job.instance_type` without `ml.`).
    pub ec2_type: String,
    /// The entry found.
    pub entry: FeedEntry,
    /// Whether `time_to_interruption` took the bucket.
    pub bucket_used: bool,
    /// Whether `discount` took the savings.
    pub discount_used: bool,
    /// The feed.
    pub feed: Arc<Feed>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_snapshot_is_the_documented_file() {
        use sha2::{Digest, Sha256};
        let mut text = Vec::new();
        let mut decoder = ruzstd::decoding::StreamingDecoder::new(SNAPSHOT_ZST).unwrap();
        std::io::Read::read_to_end(&mut decoder, &mut text).unwrap();
        let digest: String = Sha256::digest(&text)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .concat();
        // data/spotinfo/README.md.
        assert_eq!(
            digest,
            "06d25100fe665ce321f205bd210aceb00184034be46b9b204b9efa7d1bda481b"
        );
        let feed = snapshot();
        // The counts and examples of data/spotinfo/README.md.
        assert_eq!(feed.regions.len(), 33);
        assert_eq!(
            feed.regions.values().map(BTreeMap::len).sum::<usize>(),
            14_962
        );
        let p3 = FeedEntry {
            bucket: ">20%",
            savings_pct: 80,
        };
        assert_eq!(feed.lookup("us-east-1", "p3.2xlarge"), Ok(p3));
        assert_eq!(
            feed.lookup("us-west-2", "p3.2xlarge").unwrap().savings_pct,
            71
        );
        assert_eq!(feed.regions_offering("p3.2xlarge").len(), 11);
        let g5 = feed.lookup("eu-west-1", "g5.2xlarge").unwrap();
        assert_eq!((g5.bucket, g5.savings_pct), ("<5%", 54));
        assert_eq!(g5.discount(), 0.54);
    }

    #[test]
    fn lookups_name_the_closest_entries() {
        let feed = snapshot();
        let Err(LookupError::Region(message)) = feed.lookup("eu-west-9", "g5.2xlarge") else {
            panic!("no such region")
        };
        assert!(
            message.contains("closest: eu-west-1, eu-west-2, eu-west-3"),
            "{message}"
        );
        let Err(LookupError::InstanceType(message)) = feed.lookup("eu-west-1", "g5.2xlarg") else {
            panic!("no such type")
        };
        assert!(
            message.contains("closest in eu-west-1: g5.2xlarge"),
            "{message}"
        );
        assert_eq!(ec2_type("ml.g5.2xlarge"), "g5.2xlarge");
    }

    #[test]
    fn feed_files_are_checked_value_by_value() {
        let good = r#"{"ranges": [{"index": 0, "label": "<5%", "max": 5}],
            "spot_advisor": {"r1": {"Linux": {"t1": {"s": 70, "r": 0}}, "Windows": {}}}}"#;
        let feed = parse_feed(good, "f.json").unwrap();
        assert_eq!(feed.lookup("r1", "t1").unwrap().discount(), 0.7);
        let bad = r#"{"ranges": [{"index": 0, "label": "<5%"}, {"index": 1, "label": "7%"}],
            "spot_advisor": {"r1": {"Linux": {"t1": {"s": 170, "r": 0}, "t2": {"s": 5, "r": 3},
            "t3": {"s": 5.5, "r": 0}}}}}"#;
        let problems = parse_feed(bad, "f.json").unwrap_err();
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(problems[0].starts_with("ranges[1]"), "{problems:#?}");
        assert!(
            problems[1].starts_with("spot_advisor.r1.Linux.t1"),
            "{problems:#?}"
        );
        assert!(parse_feed("[1", "f.json").unwrap_err()[0].starts_with("is not JSON"));
        assert!(parse_feed("{}", "f.json").unwrap_err().len() == 2);
    }

    #[test]
    fn buckets_convert_to_mean_times() {
        assert_eq!(bucket_rate("10-15%", Bound::Upper), Some(0.15));
        assert_eq!(bucket_rate("10-15%", Bound::Lower), Some(0.10));
        assert!((bucket_rate("10-15%", Bound::Mid).unwrap() - 0.125).abs() < 1e-15);
        assert_eq!(bucket_rate("12%", Bound::Upper), None);
        // 15 % of instances within 30 days: mean = 720 h / -ln 0.85 = 4430.25 h (184.6 days).
        let mean_h = mean_time_to_interruption_s(0.15) / 3600.0;
        assert!((mean_h - 720.0 / -(0.85f64).ln()).abs() < 1e-9);
        assert!((mean_h - 4430.25).abs() < 0.01);
        // The conversion gives back the rate: P(T <= 30 d) = 1 - e^(-30 d / mean).
        for rate in [0.05, 0.2, 0.3] {
            let back = 1.0 - (-ADVISOR_MONTH_S / mean_time_to_interruption_s(rate)).exp();
            assert!((back - rate).abs() < 1e-12);
        }
        assert_eq!(mean_time_to_interruption_s(0.0), f64::INFINITY);
    }
}
