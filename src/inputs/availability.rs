//! Recorded spot markets: availability traces read from files, and the queries the engine asks
//! of them (when is capacity next available, when does it go).
//!
//! Three formats (`../shared/data` has real files of each):
//! - `spot-traces` (skypilot-org/spot-traces): JSON `{"metadata": {"gap_seconds": g},
//!   "data": [count, ...], "prices": [usd_per_hour, ...]?}`, `data[i]` = instances *available*
//!   during tick `i`, `[i·g, (i+1)·g)`.
//! - `skynomad` (SkyNomad's converted traces): the same JSON, but `data[i]` = 1 when spot was
//!   *preempted* (unavailable) and 0 when available.
//! - `events` (Oobleck): CSV lines `time_ms,add|remove,node`; the count of available nodes at t
//!   is the adds minus the removes up to t.
//!
//! A trace is a step function of the available count over `[0, period)`; it repeats after its
//! end (runs that outlast it wrap around). For a job of `n` instances, capacity is there while
//! the count is at least `n`: [`Availability`] keeps those intervals and answers in O(log k).

use std::io::Read;

use serde::Deserialize;

use crate::inputs::bounded::{FileKind, without_bom};
use crate::inputs::data::DataError;
use crate::units::duration::DAY_S;
use crate::units::format::{cut_for_message, format_quoted_number};

/// The longest a trace may cover, seconds: 100 Julian years. Real traces cover weeks; the bound
/// keeps every time a trace yields a meaningful number (a `1e300` time would make every run's
/// arithmetic lose its seconds).
pub const MAX_TRACE_S: f64 = 100.0 * 365.25 * DAY_S;

/// Which file format a trace is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceFormat {
    /// skypilot-org/spot-traces JSON: counts of available instances per tick.
    SpotTraces,
    /// SkyNomad converted JSON: 1 = preempted (unavailable), 0 = available, per tick.
    Skynomad,
    /// Oobleck events CSV: `time_ms,add|remove,node`.
    Events,
}

/// A recorded market: the count of available instances as a step function.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// Change points: from `steps[i].0` seconds the count is `steps[i].1`; `steps[0].0 == 0`.
    pub steps: Vec<(f64, u32)>,
    /// Length of the trace, seconds; it repeats after that.
    pub period_s: f64,
    /// Spot price per tick, USD per instance-hour, when the file has them.
    pub prices_usd_per_hour: Option<Vec<f64>>,
    /// The tick length of a ticked format, seconds.
    pub tick_s: Option<f64>,
}

#[derive(Deserialize)]
struct TickedFile {
    metadata: TickedMetadata,
    data: Vec<f64>,
    #[serde(default)]
    prices: Option<Vec<f64>>,
}

#[derive(Deserialize)]
struct TickedMetadata {
    gap_seconds: f64,
    #[serde(default)]
    price_info: Option<serde_json::Value>,
}

fn error(line: Option<u64>, message: impl Into<String>) -> DataError {
    DataError {
        line,
        message: message.into(),
    }
}

impl Trace {
    /// The step function as `(start_s, end_s, count)` pieces of positive length within one
    /// period, in time order.
    pub fn segments(&self) -> impl Iterator<Item = (f64, f64, u32)> + '_ {
        self.steps
            .iter()
            .enumerate()
            .map(|(index, &(start, count))| {
                let end = self
                    .steps
                    .get(index + 1)
                    .map_or(self.period_s, |next| next.0)
                    .min(self.period_s);
                (start, end, count)
            })
            .filter(|(start, end, _)| end > start)
    }

    /// A trace of per-tick counts of available instances, `tick_s` apart.
    pub fn from_ticks(counts: &[u32], tick_s: f64) -> Trace {
        let mut steps: Vec<(f64, u32)> = Vec::new();
        for (tick, &count) in counts.iter().enumerate() {
            if steps.last().is_none_or(|last| last.1 != count) {
                steps.push((tick as f64 * tick_s, count));
            }
        }
        Trace {
            steps,
            period_s: counts.len() as f64 * tick_s,
            prices_usd_per_hour: None,
            tick_s: Some(tick_s),
        }
    }
}

/// Reads a trace in `format`.
pub fn read_trace<R: Read>(reader: R, format: TraceFormat) -> Result<Trace, DataError> {
    match format {
        TraceFormat::SpotTraces | TraceFormat::Skynomad => {
            let mut text = String::new();
            reader
                .take(FileKind::Trace.cap_bytes() + 1)
                .read_to_string(&mut text)
                .map_err(|e| error(None, format!("cannot be read as text: {e}")))?;
            if text.len() as u64 > FileKind::Trace.cap_bytes() {
                return Err(error(
                    None,
                    format!(
                        "is larger than the {} MiB limit of a trace file",
                        FileKind::Trace.cap_bytes() >> 20
                    ),
                ));
            }
            let file: TickedFile = serde_json::from_str(without_bom(&text)).map_err(|e| {
                error(
                    Some(e.line() as u64),
                    format!(
                        "is not a {} trace: {e} (expected {{\"metadata\": {{\"gap_seconds\": ...}}, \"data\": [...]}})",
                        if format == TraceFormat::Skynomad { "skynomad" } else { "spot-traces" }
                    ),
                )
            })?;
            ticked_trace(file, format)
        }
        TraceFormat::Events => read_events(reader),
    }
}

fn ticked_trace(file: TickedFile, format: TraceFormat) -> Result<Trace, DataError> {
    let gap_s = file.metadata.gap_seconds;
    if !(gap_s.is_finite() && (0.001..=DAY_S).contains(&gap_s)) {
        return Err(error(
            None,
            format!(
                "metadata.gap_seconds ({}) must be a number of seconds from 0.001 to 86400 \
                 (one day)",
                format_quoted_number(gap_s)
            ),
        ));
    }
    if file.data.is_empty() {
        return Err(error(None, "has no ticks: `data` is empty"));
    }
    if let Some((index, bad)) = file.data.iter().enumerate().find(|(_, v)| {
        !(v.is_finite() && **v >= 0.0 && **v <= f64::from(u32::MAX) && v.fract() == 0.0)
    }) {
        return Err(error(
            None,
            format!(
                "`data[{index}]` holds {}: every tick must be a whole count from 0 to 4294967295",
                format_quoted_number(*bad)
            ),
        ));
    }
    let period_s = file.data.len() as f64 * gap_s;
    if period_s > MAX_TRACE_S {
        return Err(error(
            None,
            format!(
                "covers {} ({} ticks of {gap_s} s): a trace may cover at most 100 years",
                crate::units::duration::format_duration(period_s),
                file.data.len()
            ),
        ));
    }
    let counts: Vec<u32> = if format == TraceFormat::Skynomad {
        if file.data.iter().any(|v| *v > 1.0) {
            return Err(error(
                None,
                "`data` holds counts above 1, but a skynomad trace is 0/1 with 1 = preempted: \
                 this looks like a spot-traces file (counts of available instances); use \
                 format = \"spot-traces\"",
            ));
        }
        file.data.iter().map(|v| u32::from(*v == 0.0)).collect()
    } else {
        if file.metadata.price_info.is_some() {
            return Err(error(
                None,
                "has metadata.price_info, like SkyNomad's converted traces where 1 means \
                 preempted: the 0/1 convention is probably inverted; use format = \"skynomad\"",
            ));
        }
        file.data.iter().map(|v| *v as u32).collect()
    };
    if let Some(prices) = &file.prices {
        if prices.len() != counts.len() {
            return Err(error(
                None,
                format!(
                    "has {} prices for {} ticks: they must match",
                    prices.len(),
                    counts.len()
                ),
            ));
        }
        if let Some((index, bad)) = prices
            .iter()
            .enumerate()
            .find(|(_, p)| !crate::inputs::price::is_valid_price(**p))
        {
            return Err(error(
                None,
                format!(
                    "`prices[{index}]` holds {}, which {}",
                    format_quoted_number(*bad),
                    crate::inputs::price::PRICE_RULE
                ),
            ));
        }
    }
    Ok(Trace {
        prices_usd_per_hour: file.prices,
        ..Trace::from_ticks(&counts, gap_s)
    })
}

fn read_events<R: Read>(reader: R) -> Result<Trace, DataError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let mut changes: Vec<(f64, i64)> = Vec::new();
    let mut live: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for record in csv.records() {
        let record = record.map_err(|e| {
            error(
                e.position().map(csv::Position::line),
                format!("is not valid CSV: {e}"),
            )
        })?;
        let line = record.position().map(csv::Position::line);
        if record.len() < 2 {
            return Err(error(line, "needs `time_ms,add|remove,node` on every line"));
        }
        let time_ms: f64 = record[0].parse().map_err(|_| {
            error(
                line,
                format!(
                    "time \"{}\" is not a number of milliseconds",
                    cut_for_message(&record[0])
                ),
            )
        })?;
        if !(time_ms.is_finite() && time_ms >= 0.0 && time_ms / 1000.0 <= MAX_TRACE_S) {
            return Err(error(
                line,
                format!(
                    "time {} must be a number of ms from 0 to 100 years \
                     (3155760000000)",
                    format_quoted_number(time_ms)
                ),
            ));
        }
        if changes.last().is_some_and(|last| last.0 > time_ms / 1000.0) {
            return Err(error(line, "events must be in time order"));
        }
        let node = record.get(2).unwrap_or("").to_string();
        let delta = match &record[1] {
            "add" => {
                if !live.insert(node.clone()) {
                    return Err(error(
                        line,
                        format!("adds node \"{node}\", which is already there"),
                    ));
                }
                1
            }
            "remove" => {
                if !live.remove(&node) {
                    return Err(error(
                        line,
                        format!("removes node \"{node}\", which was never added"),
                    ));
                }
                -1
            }
            other => {
                return Err(error(
                    line,
                    format!("event \"{other}\" must be `add` or `remove`"),
                ));
            }
        };
        changes.push((time_ms / 1000.0, delta));
    }
    let Some(&(last_s, _)) = changes.last() else {
        return Err(error(None, "has no events"));
    };
    if last_s < 0.001 {
        return Err(error(
            None,
            "spans no time: every event is within the first millisecond",
        ));
    }
    let mut steps: Vec<(f64, u32)> = vec![(0.0, 0)];
    let mut count: i64 = 0;
    for (index, &(time_s, delta)) in changes.iter().enumerate() {
        count += delta;
        // Events at the same instant apply together: record the count after the last of them.
        let last_at_time = changes.get(index + 1).is_none_or(|next| next.0 > time_s);
        if last_at_time {
            if let Some(step) = steps.last_mut().filter(|s| s.0 == time_s) {
                step.1 = count as u32;
            } else if steps.last().is_some_and(|s| s.1 != count as u32) {
                steps.push((time_s, count as u32));
            }
        }
    }
    Ok(Trace {
        steps,
        period_s: last_s,
        prices_usd_per_hour: None,
        tick_s: None,
    })
}

/// When a job of `needed` instances has capacity in a trace: the available intervals of one
/// period, sorted and merged, queried with the trace repeating after its end.
#[derive(Debug, Clone, PartialEq)]
pub struct Availability {
    /// `[start, end)` intervals within `[0, period_s)`.
    up: Vec<(f64, f64)>,
    period_s: f64,
}

impl Availability {
    /// Capacity for `needed` instances in `trace`.
    pub fn new(trace: &Trace, needed: u32) -> Self {
        let mut up: Vec<(f64, f64)> = Vec::new();
        for (start, end, count) in trace.segments() {
            if count >= needed {
                match up.last_mut() {
                    Some(last) if last.1 == start => last.1 = end,
                    _ => up.push((start, end)),
                }
            }
        }
        Availability {
            up,
            period_s: trace.period_s,
        }
    }

    /// Capacity during the `[start, end)` intervals of `up` (ascending, disjoint, within
    /// `[0, period_s)`), repeating after `period_s`: a path of a market drawn elsewhere, such
    /// as the Markov market a fleet's jobs share.
    pub fn from_intervals(up: Vec<(f64, f64)>, period_s: f64) -> Self {
        debug_assert!(
            up.windows(2).all(|w| w[0].1 <= w[1].0),
            "ascending, disjoint"
        );
        Availability { up, period_s }
    }

    /// Share of the period with capacity.
    pub fn share(&self) -> f64 {
        self.up.iter().map(|(a, b)| b - a).sum::<f64>() / self.period_s
    }

    /// Mean length of an available stretch, seconds (`+inf` when capacity never goes, 0 when
    /// it never comes).
    pub fn mean_available_run_s(&self) -> f64 {
        if self.always() {
            return f64::INFINITY;
        }
        if self.up.is_empty() {
            return 0.0;
        }
        // A stretch that runs over the end of the period into its start counts once.
        let wraps = self.up.len() > 1
            && self.up[0].0 == 0.0
            && self.up[self.up.len() - 1].1 >= self.period_s;
        let stretches = self.up.len() - usize::from(wraps);
        self.share() * self.period_s / stretches as f64
    }

    /// Length of one period, seconds.
    pub fn period_s(&self) -> f64 {
        self.period_s
    }

    /// Whether capacity is there all the time.
    fn always(&self) -> bool {
        self.up.len() == 1 && self.up[0] == (0.0, self.period_s)
    }

    /// Rounding slack: a stretch of capacity shorter than this is treated as absent, so that a
    /// grant is never followed by a reclaim at the same instant. Without it, boundaries that are
    /// not exact in binary (ticks of 1.1 s, say) could make the two queries disagree by one
    /// rounding step at a wrap and replay a zero-length grant forever.
    fn slack_s(&self) -> f64 {
        self.period_s * 1e-9
    }

    /// `t_s` as (start of its period, offset within it), with the offset in `[0, period)`.
    fn locate(&self, t_s: f64) -> (f64, f64) {
        let mut cycles = (t_s / self.period_s).floor();
        let mut within = t_s - cycles * self.period_s;
        // Within the slack of the period's end is the next period's start: this keeps a time
        // computed as "start of the next period" from landing a rounding step before it.
        if within < 0.0 {
            cycles -= 1.0;
            within += self.period_s;
        }
        if within >= self.period_s - self.slack_s() {
            cycles += 1.0;
            within = (within - self.period_s).max(0.0);
        }
        (cycles * self.period_s, within)
    }

    /// The first time at or after `t_s` (trace time, any number of periods in) with capacity;
    /// `+inf` if the trace never has it.
    pub fn next_available_s(&self, t_s: f64) -> f64 {
        if self.up.is_empty() {
            return f64::INFINITY;
        }
        let (base, within) = self.locate(t_s);
        // The first interval with more than the slack left after `within`.
        let index = self
            .up
            .partition_point(|&(_, end)| end <= within + self.slack_s());
        match self.up.get(index) {
            Some(&(start, _)) => base + start.max(within),
            None => base + self.period_s + self.up[0].0,
        }
    }

    /// The time capacity goes, for a job that has it at `t_s`; `+inf` if it never goes, and
    /// `t_s` itself if there is none at `t_s`.
    pub fn available_until_s(&self, t_s: f64) -> f64 {
        if self.always() {
            return f64::INFINITY;
        }
        let (base, within) = self.locate(t_s);
        let index = self
            .up
            .partition_point(|&(_, end)| end <= within + self.slack_s());
        let Some(&(start, end)) = self.up.get(index) else {
            return t_s;
        };
        if start > within + self.slack_s() {
            return t_s;
        }
        let mut until = base + end;
        // Capacity at the end of the period continues into the next one if it starts there.
        if end >= self.period_s && self.up[0].0 == 0.0 {
            until += self.up[0].1;
        }
        until.max(t_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticked(data: &str, gap: f64) -> Trace {
        let json = format!("{{\"metadata\": {{\"gap_seconds\": {gap}}}, \"data\": {data}}}");
        read_trace(json.as_bytes(), TraceFormat::SpotTraces).unwrap()
    }

    #[test]
    fn reads_the_three_formats() {
        let trace = ticked("[1, 1, 0, 0, 1]", 60.0);
        assert_eq!(trace.steps, vec![(0.0, 1), (120.0, 0), (240.0, 1)]);
        assert_eq!(trace.period_s, 300.0);
        let json = "{\"metadata\": {\"gap_seconds\": 600, \"price_info\": {}}, \"data\": [1, 0, 0], \"prices\": [2.0, 2.0, 2.5]}";
        let trace = read_trace(json.as_bytes(), TraceFormat::Skynomad).unwrap();
        assert_eq!(trace.steps, vec![(0.0, 0), (600.0, 1)]);
        assert_eq!(trace.prices_usd_per_hour, Some(vec![2.0, 2.0, 2.5]));
        // Absurd values are refused, naming the index and the rule.
        let priced = |prices: &str| {
            let json = format!(
                "{{\"metadata\": {{\"gap_seconds\": 600}}, \"data\": [1, 0, 0], \"prices\": {prices}}}"
            );
            read_trace(json.as_bytes(), TraceFormat::Skynomad).map(|_| ())
        };
        assert_eq!(
            priced("[2.0, 1e308, 2.5]").unwrap_err().message,
            format!(
                "`prices[1]` holds 1e308, which {}",
                crate::inputs::price::PRICE_RULE
            )
        );
        assert!(priced("[2.0, -1, 2.5]").is_err());
        assert!(priced("[2.0, 0, 2.5]").is_err());
        let gap = |gap: &str| {
            let json = format!("{{\"metadata\": {{\"gap_seconds\": {gap}}}, \"data\": [1, 0]}}");
            read_trace(json.as_bytes(), TraceFormat::SpotTraces).map(|_| ())
        };
        assert!(
            gap("1e300")
                .unwrap_err()
                .message
                .contains("from 0.001 to 86400")
        );
        assert!(gap("0").is_err());
        assert!(gap("86400").is_ok());
        let big = "{\"metadata\": {\"gap_seconds\": 60}, \"data\": [1, 5e9]}";
        assert!(
            read_trace(big.as_bytes(), TraceFormat::SpotTraces)
                .unwrap_err()
                .message
                .starts_with("`data[1]` holds 5000000000")
        );
        let late = "1e300,add,a\n";
        assert!(
            read_trace(late.as_bytes(), TraceFormat::Events)
                .unwrap_err()
                .message
                .contains("from 0 to 100 years")
        );
        let events = "0,add,a\n0,add,b\n1000,remove,a\n1000,add,c\n5000,remove,b\n9000,add,d\n";
        let trace = read_trace(events.as_bytes(), TraceFormat::Events).unwrap();
        assert_eq!(trace.steps, vec![(0.0, 2), (5.0, 1), (9.0, 2)]);
        assert_eq!(trace.period_s, 9.0);
    }

    #[test]
    fn suspects_the_wrong_convention_and_bad_files() {
        let json = "{\"metadata\": {\"gap_seconds\": 600, \"price_info\": {}}, \"data\": [1, 0]}";
        let error = read_trace(json.as_bytes(), TraceFormat::SpotTraces).unwrap_err();
        assert!(
            error.message.contains("use format = \"skynomad\""),
            "{error}"
        );
        let json = "{\"metadata\": {\"gap_seconds\": 300}, \"data\": [4, 3, 0]}";
        let error = read_trace(json.as_bytes(), TraceFormat::Skynomad).unwrap_err();
        assert!(
            error.message.contains("use format = \"spot-traces\""),
            "{error}"
        );
        let error = read_trace("not json".as_bytes(), TraceFormat::SpotTraces).unwrap_err();
        assert!(
            error.message.contains("is not a spot-traces trace"),
            "{error}"
        );
        let json = "{\"metadata\": {\"gap_seconds\": 300}, \"data\": []}";
        assert!(read_trace(json.as_bytes(), TraceFormat::SpotTraces).is_err());
        let error = read_trace(
            "0,add,a\n5,remove,a\n9,remove,b\n".as_bytes(),
            TraceFormat::Events,
        )
        .unwrap_err();
        assert!(error.message.contains("never added"), "{error}");
        assert_eq!(error.line, Some(3));
        let error = read_trace("5,add,a\n1,add,b\n".as_bytes(), TraceFormat::Events).unwrap_err();
        assert_eq!(error.line, Some(2));
    }

    #[test]
    fn inexact_tick_lengths_never_grant_a_zero_stretch() {
        // 1.1 s ticks: 2.2 and 3.3 are not exact in binary; capacity must always last.
        for gap in [1.1, 0.7, 59.9, 100.3] {
            let a = Availability::new(&ticked("[1, 1, 0]", gap), 1);
            let mut t = 0.0;
            for _ in 0..1000 {
                let granted = a.next_available_s(t);
                let until = a.available_until_s(granted);
                assert!(
                    until > granted,
                    "gap {gap}: granted {granted}, until {until}"
                );
                t = until;
            }
            assert!(t > 300.0 * gap, "gap {gap}: only reached {t}");
        }
    }

    #[test]
    fn availability_answers_every_transition_case() {
        // Ticks of 10 s: up [0,20), down [20,40), up [40,50) — the last interval touches the end,
        // so capacity runs on into the next period's first interval.
        let a = Availability::new(&ticked("[1, 1, 0, 0, 1]", 10.0), 1);
        assert!((a.share() - 0.6).abs() < 1e-12);
        assert_eq!(a.next_available_s(5.0), 5.0); // already up
        assert_eq!(a.next_available_s(25.0), 40.0); // wait for it
        assert_eq!(a.next_available_s(20.0), 40.0); // at the instant it goes
        assert_eq!(a.available_until_s(5.0), 20.0);
        assert_eq!(a.available_until_s(45.0), 70.0); // wraps into [50, 70)
        assert_eq!(a.next_available_s(75.0), 90.0); // second period
        assert_eq!(a.available_until_s(1005.0), 1020.0);
        // Two instances needed: never there.
        let none = Availability::new(&ticked("[1, 1, 0, 0, 1]", 10.0), 2);
        assert_eq!(none.next_available_s(3.0), f64::INFINITY);
        // Always there: never goes.
        let all = Availability::new(&ticked("[2, 3, 2]", 10.0), 2);
        assert_eq!(all.available_until_s(12.0), f64::INFINITY);
        assert_eq!(all.next_available_s(12.0), 12.0);
    }
}
