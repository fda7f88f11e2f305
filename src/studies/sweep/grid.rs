//! A sweep's grid: which scenario keys a sweep may vary, typed axes of their values ([`Axis`]:
//! read from `--set KEY=SPEC` flags by [`parse_axes`], the one place that reads them, or set in
//! code by [`Axis::new`], as `recommend` does), and the scenario at each grid point ([`grid`]).
//!
//! A grid point is built by setting the swept keys in the scenario file's TOML document and
//! running the result through [`parse_scenario`] again, so every rule of the scenario format
//! applies to every point (a `max_run` swept past `max_wait` is refused like the same value
//! written in the file). Problems name the `--set` flag, the key, the value and the rule; all
//! of them are collected before anything runs.
//!
//! SPEC forms (values are numbers, or durations with units as in the scenario format):
//! - a list, `a,b,c`, kept in the order given;
//! - a linear range, `lo..hi:n`: `n` points from `lo` to `hi` inclusive, equally spaced;
//! - a log range, `lo..hi:n:log`: `n` points with a constant ratio (`lo > 0`).
//!
//! Generated durations are rounded to the millisecond (to whole seconds for `max_run` and
//! `max_wait`, which the API takes in whole seconds) and numbers to 12 significant digits, so a
//! point reads as the value it is meant to be (`0.6`, not `0.6000000000000001`).

use std::fmt;

use serde::Serialize;
use toml::{Table, Value};

use crate::scenario::{Scenario, closest, parse_scenario};
use crate::units::duration::{format_duration, format_duration_exact, parse_duration_s};

/// Most points one `--set` may give.
pub const MAX_AXIS_POINTS: usize = 1000;
/// Most grid points in a sweep (the product over the keys).
pub const MAX_GRID_POINTS: usize = 10_000;
/// Most keys swept at once.
pub const MAX_KEYS: usize = 2;

/// What a swept key holds, which decides how its values are read, rounded and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// Seconds; written `90s`, `30m`, `1h30m` or as a bare number of seconds.
    Duration,
    /// Whole seconds (`max_run`, `max_wait`: the API's `...InSeconds`).
    WholeSeconds,
    /// A plain number (a discount, a price, a sigma).
    Number,
    /// A whole number (`instance_count`).
    Integer,
}

impl ValueKind {
    /// True for the kinds measured in seconds.
    pub fn is_duration(self) -> bool {
        matches!(self, ValueKind::Duration | ValueKind::WholeSeconds)
    }

    /// A value for people: `30m`, `1h 30m`, `0.5s`, `0.7`, `4`.
    pub fn show(self, value: f64) -> String {
        match self {
            ValueKind::Duration | ValueKind::WholeSeconds => {
                if value.fract() == 0.0 && value >= 1.0 {
                    format_duration_exact(value)
                } else {
                    format_duration(value)
                }
            }
            ValueKind::Number | ValueKind::Integer => format!("{value}"),
        }
    }
}

/// Keys with a single value that a sweep may set, and what they hold. The `bool` marks random
/// durations, which may instead be a distribution table whose parameters are swept.
const SCALAR_KEYS: &[(&str, ValueKind, bool)] = &[
    ("job.instance_count", ValueKind::Integer, false),
    ("job.start_hour", ValueKind::Number, false),
    ("job.training", ValueKind::Duration, true),
    ("job.provisioning", ValueKind::Duration, true),
    ("job.download", ValueKind::Duration, true),
    ("job.upload", ValueKind::Duration, true),
    ("stopping.max_run", ValueKind::WholeSeconds, false),
    ("stopping.max_wait", ValueKind::WholeSeconds, false),
    ("spot.discount", ValueKind::Number, false),
    ("spot.capacity_wait", ValueKind::Duration, true),
    ("spot.time_to_interruption", ValueKind::Duration, true),
    ("spot.market.mean_available", ValueKind::Duration, false),
    ("spot.market.mean_unavailable", ValueKind::Duration, false),
    ("checkpoint.interval", ValueKind::Duration, false),
    ("checkpoint.save", ValueKind::Duration, true),
    ("checkpoint.restore", ValueKind::Duration, true),
    ("checkpoint.sync", ValueKind::Duration, false),
    ("fallback.deadline", ValueKind::Duration, false),
    ("fallback.margin", ValueKind::Duration, false),
    ("fallback.interruptions", ValueKind::Integer, false),
    ("fallback.waiting", ValueKind::Duration, false),
    ("fallback.reaction", ValueKind::Duration, false),
    ("pricing.on_demand_hourly", ValueKind::Number, false),
];

/// Parameters of a distribution table, and what they hold.
const DIST_PARAMS: &[(&str, ValueKind)] = &[
    ("value", ValueKind::Duration),
    ("mean", ValueKind::Duration),
    ("std", ValueKind::Duration),
    ("median", ValueKind::Duration),
    ("sigma", ValueKind::Number),
    ("shape", ValueKind::Number),
    ("scale", ValueKind::Duration),
    ("min", ValueKind::Duration),
    ("max", ValueKind::Duration),
];

/// Every problem with a sweep's `--set` flags, one message each.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SweepErrors(pub Vec<String>);

impl fmt::Display for SweepErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.join("\n"))
    }
}

/// One swept key and its values, typed: what [`grid`] builds points from. Read from a
/// `--set KEY=SPEC` flag by [`parse_axes`], or set in code by [`Axis::new`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Axis {
    /// The dotted key, e.g. `checkpoint.interval`.
    pub key: String,
    /// What it holds.
    pub kind: ValueKind,
    /// The SPEC as written.
    pub spec: String,
    /// The values, in seconds for durations, in SPEC order.
    pub values: Vec<f64>,
    /// Whether the SPEC was a log range (charts use a log axis then).
    pub log: bool,
    /// The axis as written, `KEY=SPEC` (the `--set` flag's text), for messages.
    #[serde(skip)]
    pub written: String,
}

/// A value of a SPEC as written: a bare number, or a duration with units.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Written {
    Number(f64),
    Duration(f64),
}

fn read_value(text: &str) -> Result<Written, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("has an empty value".into());
    }
    let lower = text.to_ascii_lowercase();
    if lower.contains("inf") || lower.contains("nan") {
        return Err(format!("`{text}` is not a finite number"));
    }
    if let Ok(number) = text.parse::<f64>() {
        return Ok(Written::Number(number));
    }
    match parse_duration_s(text) {
        Ok(seconds) => Ok(Written::Duration(seconds)),
        Err(reason) => {
            if text.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '-') {
                Err(format!("`{text}` {reason}"))
            } else {
                Err(format!(
                    "`{text}` is not a number or a duration (write e.g. 0.7, 1800, \"30m\", \
                     \"1h30m\")"
                ))
            }
        }
    }
}

/// The value of `written` for a key of `kind`: durations are refused for plain numbers.
fn value_for(key: &str, kind: ValueKind, written: Written, text: &str) -> Result<f64, String> {
    match (written, kind) {
        (Written::Duration(_), ValueKind::Number | ValueKind::Integer) => Err(format!(
            "{key} takes a number, not a duration (`{}`)",
            text.trim()
        )),
        (Written::Duration(v) | Written::Number(v), _) => Ok(v),
    }
}

/// Rounds a generated point so that it reads as meant (see the module docs).
fn tidy(kind: ValueKind, value: f64) -> f64 {
    match kind {
        ValueKind::WholeSeconds => value.round(),
        ValueKind::Duration => (value * 1000.0).round() / 1000.0,
        ValueKind::Integer => value,
        ValueKind::Number => {
            if value == 0.0 {
                0.0
            } else {
                format!("{value:.11e}").parse().unwrap_or(value)
            }
        }
    }
}

/// Parses a SPEC for `key` of `kind` into its values. The reason names the rule broken.
pub fn parse_spec(key: &str, kind: ValueKind, spec: &str) -> Result<(Vec<f64>, bool), String> {
    let spec = spec.trim();
    if spec.is_empty() {
        return Err("gives no values: write a list a,b,c or a range lo..hi:n".into());
    }
    let (values, log) = match spec.split_once("..") {
        None => {
            let mut values = Vec::new();
            for text in spec.split(',') {
                let written = read_value(text)?;
                values.push(value_for(key, kind, written, text)?);
            }
            (values, false)
        }
        Some((lo_text, rest)) => {
            let mut parts = rest.split(':');
            let hi_text = parts.next().unwrap_or("");
            let Some(n_text) = parts.next() else {
                return Err(format!(
                    "range `{spec}` needs a number of points: write lo..hi:n (e.g. 5m..2h:24) or \
                     lo..hi:n:log"
                ));
            };
            let log = match parts.next() {
                None => false,
                Some("log") => true,
                Some(other) => {
                    return Err(format!(
                        "range `{spec}` ends with `:{other}`; the only step option is `:log` \
                         (lo..hi:n:log)"
                    ));
                }
            };
            if let Some(extra) = parts.next() {
                return Err(format!("range `{spec}` has an extra part `:{extra}`"));
            }
            let lo = value_for(key, kind, read_value(lo_text)?, lo_text)?;
            let hi = value_for(key, kind, read_value(hi_text)?, hi_text)?;
            let n: usize = n_text.trim().parse().map_err(|_| {
                format!(
                    "range `{spec}`: the number of points `{}` is not a whole number",
                    n_text.trim()
                )
            })?;
            if !(2..=MAX_AXIS_POINTS).contains(&n) {
                return Err(format!(
                    "range `{spec}`: the number of points must be from 2 to {MAX_AXIS_POINTS}"
                ));
            }
            if lo >= hi {
                return Err(format!(
                    "range `{spec}` must go upwards: lo ({}) must be below hi ({})",
                    kind.show(lo),
                    kind.show(hi)
                ));
            }
            if log && lo <= 0.0 {
                return Err(format!(
                    "log range `{spec}` needs lo above zero (it steps by a constant ratio)"
                ));
            }
            let last = (n - 1) as f64;
            let values: Vec<f64> = (0..n)
                .map(|i| {
                    let t = i as f64 / last;
                    let raw = if i == 0 {
                        lo
                    } else if i == n - 1 {
                        hi
                    } else if log {
                        (lo.ln() + (hi.ln() - lo.ln()) * t).exp()
                    } else {
                        lo + (hi - lo) * t
                    };
                    tidy(kind, raw)
                })
                .collect();
            if kind == ValueKind::Integer {
                if !log && let Some(v) = values.iter().find(|v| v.fract() != 0.0) {
                    return Err(format!(
                        "range `{spec}` gives {v}, but {key} takes whole numbers: choose n so \
                         that the step is whole (e.g. 1..8:8) or give a list"
                    ));
                }
                let rounded: Vec<f64> = values.iter().map(|v| v.round()).collect();
                (rounded, log)
            } else {
                (values, log)
            }
        }
    };
    if values.len() > MAX_AXIS_POINTS {
        return Err(format!(
            "gives {} values; at most {MAX_AXIS_POINTS} per key",
            values.len()
        ));
    }
    if kind == ValueKind::Integer
        && let Some(v) = values.iter().find(|v| v.fract() != 0.0)
    {
        return Err(format!("gives {v}, but {key} takes whole numbers"));
    }
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            return Err(format!(
                "gives {} twice; every point must differ{}",
                kind.show(*v),
                if spec.contains("..") {
                    " (after rounding: use fewer points)"
                } else {
                    ""
                }
            ));
        }
    }
    Ok((values, log))
}

/// Splits `KEY=SPEC`.
pub fn split_set(flag: &str) -> Result<(&str, &str), String> {
    match flag.split_once('=') {
        Some((key, spec)) if !key.trim().is_empty() => Ok((key.trim(), spec.trim())),
        _ => Err(format!(
            "--set {flag}: write KEY=SPEC, e.g. --set checkpoint.interval=5m..2h:24"
        )),
    }
}

/// The value at a dotted path, if every table on the way exists.
fn lookup<'a>(document: &'a Table, path: &[&str]) -> Option<&'a Value> {
    let (last, tables) = path.split_last()?;
    let mut table = document;
    for name in tables {
        table = table.get(*name)?.as_table()?;
    }
    table.get(*last)
}

/// Every key a sweep of `document` may name: the scalar keys, and the parameters of the
/// distributions the file gives.
fn sweepable_keys(document: &Table) -> Vec<String> {
    let mut keys: Vec<String> = SCALAR_KEYS.iter().map(|(k, ..)| k.to_string()).collect();
    for (key, _, random) in SCALAR_KEYS {
        let path: Vec<&str> = key.split('.').collect();
        if let (true, Some(Value::Table(table))) = (*random, lookup(document, &path)) {
            for (param, _) in DIST_PARAMS {
                if table.contains_key(*param) {
                    keys.push(format!("{key}.{param}"));
                }
            }
        }
    }
    keys
}

/// Checks that `key` may be swept in `document` and says what it holds.
pub fn resolve_key(document: &Table, key: &str) -> Result<ValueKind, String> {
    if key == "simulation.runs" || key == "simulation.seed" {
        return Err(format!(
            "{key} is not swept: give --runs or --seed (every point runs the same runs and \
             seed, for common random numbers)"
        ));
    }
    let path: Vec<&str> = key.split('.').collect();
    if let Some((_, kind, random)) = SCALAR_KEYS.iter().find(|(k, ..)| *k == key) {
        let parent = &path[..path.len() - 1];
        if lookup(document, parent).and_then(Value::as_table).is_none() {
            let table = parent.join(".");
            return Err(format!(
                "{key} cannot be swept: the scenario has no [{table}] table; add it to the file \
                 (with the value of {key} to start from)"
            ));
        }
        if let Some(Value::Table(table)) = lookup(document, &path) {
            let params: Vec<String> = DIST_PARAMS
                .iter()
                .filter(|(p, _)| table.contains_key(*p))
                .map(|(p, _)| format!("{key}.{p}"))
                .collect();
            let what = table
                .get("dist")
                .and_then(Value::as_str)
                .map_or_else(String::new, |d| format!(" ({d})"));
            return Err(if *random && !params.is_empty() {
                format!(
                    "{key} is a distribution{what} in the scenario, not one value: sweep one of \
                     its parameters: {}",
                    params.join(", ")
                )
            } else {
                format!("{key} is a table in the scenario{what}: it has no value to sweep")
            });
        }
        return Ok(*kind);
    }
    // A distribution's parameter: `<random key>.<param>`.
    if let Some((owner, param)) = key.rsplit_once('.')
        && let Some(_) = SCALAR_KEYS.iter().find(|(k, _, r)| *k == owner && *r)
        && let Some((_, kind)) = DIST_PARAMS.iter().find(|(p, _)| *p == param)
    {
        let owner_path: Vec<&str> = owner.split('.').collect();
        return match lookup(document, &owner_path) {
            Some(Value::Table(table)) if table.contains_key(param) => Ok(*kind),
            Some(Value::Table(table)) => {
                let present: Vec<String> = DIST_PARAMS
                    .iter()
                    .filter(|(p, _)| table.contains_key(*p))
                    .map(|(p, _)| format!("{owner}.{p}"))
                    .collect();
                Err(format!(
                    "{owner} has no `{param}` in the scenario; its parameters are {}",
                    if present.is_empty() {
                        "not numbers".to_string()
                    } else {
                        present.join(", ")
                    }
                ))
            }
            Some(_) => Err(format!(
                "{owner} is one value in the scenario, not a distribution: sweep {owner} itself"
            )),
            None => Err(format!(
                "{owner} is not in the scenario: there is no distribution to take `{param}` from"
            )),
        };
    }
    let known = sweepable_keys(document);
    let known_refs: Vec<&str> = known.iter().map(String::as_str).collect();
    let hint = if key.contains('.') {
        closest(key, &known_refs).map(|k| format!("did you mean `{k}`?"))
    } else {
        let ending = format!(".{key}");
        known_refs
            .iter()
            .find(|k| k.ends_with(&ending))
            .map(|k| format!("did you mean `{k}`? (keys are written with their table)"))
    };
    Err(format!(
        "unknown key `{key}`: {}",
        hint.unwrap_or_else(|| format!("keys that can be swept: {}", known_refs.join(", ")))
    ))
}

/// The TOML value a swept value is written as: durations with units where exact (so messages
/// read `"30m"`), whole numbers as integers.
fn toml_value(kind: ValueKind, value: f64) -> Value {
    let whole = value.fract() == 0.0 && value.abs() < 1e15;
    match kind {
        ValueKind::Duration | ValueKind::WholeSeconds if whole && value >= 1.0 => {
            Value::String(format_duration_exact(value))
        }
        _ if whole => Value::Integer(value as i64),
        _ => Value::Float(value),
    }
}

/// Sets the dotted `key` (whose tables exist, see [`resolve_key`]) to `value`, in place of any
/// SDK v1 name of it.
pub fn set_key(document: &mut Table, key: &str, kind: ValueKind, value: f64) {
    let path: Vec<&str> = key.split('.').collect();
    let (last, tables) = path.split_last().expect("a key has at least one part");
    let mut table = document;
    for name in tables {
        // resolve_key checked the tables; a missing one is created rather than panicking.
        if !matches!(table.get(*name), Some(Value::Table(_))) {
            table.insert((*name).to_string(), Value::Table(Table::new()));
        }
        let Some(Value::Table(inner)) = table.get_mut(*name) else {
            return;
        };
        table = inner;
    }
    table.insert((*last).to_string(), toml_value(kind, value));
    // An SDK v1 name of the key (`train_max_run`) would now give it twice: the set value wins.
    for alias in crate::scenario::keys::aliases_of(key) {
        table.remove(alias);
    }
}

/// One grid point: the swept values (in axis order) and the scenario they give.
#[derive(Debug, Clone)]
pub struct GridPoint {
    /// One value per axis, in seconds for durations.
    pub values: Vec<f64>,
    /// The validated scenario at this point.
    pub scenario: Scenario,
}

/// Reads the `--set` flags against the scenario file's text and builds every grid point:
/// [`parse_axes`], then [`grid`]. `file` is the path as given (for messages and data files named
/// relative to it).
pub fn build_grid(
    text: &str,
    file: &str,
    flags: &[String],
) -> Result<(Vec<Axis>, Vec<GridPoint>), SweepErrors> {
    let document = read_document(text, file)?;
    let axes = parse_axes(&document, flags)?;
    grid(text, file, axes)
}

/// The scenario file's TOML document.
fn read_document(text: &str, file: &str) -> Result<Table, SweepErrors> {
    text.parse()
        .map_err(|e: toml::de::Error| SweepErrors(vec![format!("{file}: {}", e.message())]))
}

/// The `--set KEY=SPEC` flags as typed axes: every key checked against the scenario's
/// `document` (what it holds decides how its values read), every SPEC read into its values.
/// The one place that reads `--set`; every problem of every flag is reported at once.
pub fn parse_axes(document: &Table, flags: &[String]) -> Result<Vec<Axis>, SweepErrors> {
    let mut errors = Vec::new();
    let mut axes: Vec<Axis> = Vec::new();
    if flags.is_empty() {
        errors.push(
            "a sweep needs at least one --set KEY=SPEC, e.g. --set checkpoint.interval=5m..2h:24"
                .to_string(),
        );
    }
    if flags.len() > MAX_KEYS {
        errors.push(format!(
            "--set is given {} times; a sweep varies one or two keys at once",
            flags.len()
        ));
    }
    for flag in flags {
        let (key, spec) = match split_set(flag) {
            Ok(parts) => parts,
            Err(message) => {
                errors.push(message);
                continue;
            }
        };
        if axes.iter().any(|a| a.key == key) {
            errors.push(format!(
                "--set {flag}: {key} is swept twice; give each key once"
            ));
            continue;
        }
        let kind = match resolve_key(document, key) {
            Ok(kind) => kind,
            Err(reason) => {
                errors.push(format!("--set {flag}: {reason}"));
                continue;
            }
        };
        match parse_spec(key, kind, spec) {
            Ok((values, log)) => axes.push(Axis {
                key: key.to_string(),
                kind,
                spec: spec.to_string(),
                values,
                log,
                written: flag.clone(),
            }),
            Err(reason) => errors.push(format!("--set {flag}: {key} {reason}")),
        }
    }
    if errors.is_empty() {
        Ok(axes)
    } else {
        Err(SweepErrors(errors))
    }
}

impl Axis {
    /// An axis set in code: `values` of `key` (seconds for durations), which holds `kind`, in
    /// the order given; [`grid`] checks them as it checks a `--set` list.
    pub fn new(key: &str, kind: ValueKind, values: Vec<f64>) -> Axis {
        let spec = values
            .iter()
            .map(|&v| kind.show(v))
            .collect::<Vec<_>>()
            .join(",");
        Axis {
            key: key.to_string(),
            kind,
            written: format!("{key}={spec}"),
            spec,
            values,
            log: false,
        }
    }

    /// Why the axis cannot be swept in `document`, if it cannot: the key's rules (as
    /// [`resolve_key`]), what it holds, and the values' count, wholeness and distinctness (as
    /// [`parse_spec`]).
    fn check(&self, document: &Table) -> Result<(), String> {
        let kind = resolve_key(document, &self.key)?;
        if kind != self.kind {
            return Err(format!(
                "{} holds {kind:?} values, not {:?}",
                self.key, self.kind
            ));
        }
        if self.values.is_empty() || self.values.len() > MAX_AXIS_POINTS {
            return Err(format!(
                "{} gives {} values: from 1 to {MAX_AXIS_POINTS} per key",
                self.key,
                self.values.len()
            ));
        }
        if let Some(v) = self.values.iter().find(|v| !v.is_finite()) {
            return Err(format!(
                "{} gives {v}, which is not a finite number",
                self.key
            ));
        }
        if kind == ValueKind::Integer
            && let Some(v) = self.values.iter().find(|v| v.fract() != 0.0)
        {
            return Err(format!("{} gives {v}, but takes whole numbers", self.key));
        }
        for (i, v) in self.values.iter().enumerate() {
            if self.values[..i].contains(v) {
                return Err(format!("{} gives {} twice", self.key, kind.show(*v)));
            }
        }
        Ok(())
    }
}

/// Every grid point of `axes` (one or two, typed: from [`parse_axes`] or [`Axis::new`]) in the
/// scenario file's `text`, each validated by the scenario parser; the axes are returned as
/// given. `file` is the path as given (for messages and data files named relative to it).
pub fn grid(
    text: &str,
    file: &str,
    axes: Vec<Axis>,
) -> Result<(Vec<Axis>, Vec<GridPoint>), SweepErrors> {
    let document = read_document(text, file)?;
    let mut errors: Vec<String> = axes
        .iter()
        .filter_map(|axis| axis.check(&document).err())
        .collect();
    if axes.is_empty() || axes.len() > MAX_KEYS {
        errors.push(format!(
            "a sweep varies one or two keys at once, not {}",
            axes.len()
        ));
    }
    for (i, axis) in axes.iter().enumerate() {
        if axes[..i].iter().any(|a| a.key == axis.key) {
            errors.push(format!("{} is swept twice; give each key once", axis.key));
        }
    }
    if !errors.is_empty() {
        return Err(SweepErrors(errors));
    }
    let total: usize = axes.iter().map(|a| a.values.len()).product();
    if total > MAX_GRID_POINTS {
        return Err(SweepErrors(vec![format!(
            "the sweep has {total} points; at most {MAX_GRID_POINTS}: use fewer points per key"
        )]));
    }
    let combinations = grid_indices(&axes);
    let mut points = Vec::with_capacity(total);
    // Problems by message, with the points that have them: a value that is wrong whatever the
    // other key is gets one message, not one per point.
    let mut bad_points: Vec<(String, Vec<String>)> = Vec::new();
    for indices in &combinations {
        let values: Vec<f64> = axes
            .iter()
            .zip(indices)
            .map(|(axis, &i)| axis.values[i])
            .collect();
        let mut point_document = document.clone();
        for (axis, &value) in axes.iter().zip(&values) {
            set_key(&mut point_document, &axis.key, axis.kind, value);
        }
        let point_text = toml::to_string(&point_document).unwrap_or_default();
        match parse_scenario(&point_text, file) {
            Ok(scenario) => points.push(GridPoint { values, scenario }),
            Err(problems) => {
                let message = problems
                    .0
                    .iter()
                    .map(|p| p.message.clone())
                    .collect::<Vec<_>>()
                    .join("; ");
                let point = describe_point(&axes, &values);
                match bad_points.iter_mut().find(|(m, _)| *m == message) {
                    Some((_, at)) => at.push(point),
                    None => bad_points.push((message, vec![point])),
                }
            }
        }
    }
    if !bad_points.is_empty() {
        const SHOWN: usize = 5;
        let flags_text = axes
            .iter()
            .map(|a| format!("--set {}", a.written))
            .collect::<Vec<_>>()
            .join(" ");
        let invalid: usize = bad_points.iter().map(|(_, at)| at.len()).sum();
        let mut messages: Vec<String> = bad_points
            .iter()
            .take(SHOWN)
            .map(|(message, at)| match at.len() {
                1 => format!(
                    "{flags_text}: the point {} makes the scenario invalid: {message}",
                    at[0]
                ),
                n => format!(
                    "{flags_text}: {n} points make the scenario invalid (the first: {}): \
                     {message}",
                    at[0]
                ),
            })
            .collect();
        if bad_points.len() > SHOWN {
            messages.push(format!(
                "{flags_text}: ... and more ({invalid} of {total} points are invalid in all)"
            ));
        }
        return Err(SweepErrors(messages));
    }
    // A key that changes nothing the simulation uses (e.g. a spot key of an on-demand
    // scenario) would give a flat sweep that looks like an answer.
    for (a, axis) in axes.iter().enumerate() {
        if axis.values.len() < 2 {
            continue;
        }
        let stride: usize = axes[a + 1..].iter().map(|x| x.values.len()).product();
        if points[0].scenario == points[stride].scenario {
            errors.push(format!(
                "--set {}={}: changing {} changes nothing the simulation uses (is it a spot key \
                 of a scenario without spot?)",
                axis.key, axis.spec, axis.key
            ));
        }
    }
    if !errors.is_empty() {
        return Err(SweepErrors(errors));
    }
    Ok((axes, points))
}

/// Every combination of axis indices, the first axis outermost.
fn grid_indices(axes: &[Axis]) -> Vec<Vec<usize>> {
    let mut combinations = vec![Vec::new()];
    for axis in axes {
        combinations = combinations
            .into_iter()
            .flat_map(|prefix| {
                (0..axis.values.len()).map(move |i| {
                    let mut next = prefix.clone();
                    next.push(i);
                    next
                })
            })
            .collect();
    }
    combinations
}

/// `checkpoint.interval = 30m, spot.discount = 0.7`.
pub fn describe_point(axes: &[Axis], values: &[f64]) -> String {
    axes.iter()
        .zip(values)
        .map(|(axis, &v)| format!("{} = {}", axis.key, axis.kind.show(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE: &str = include_str!("../../../scenarios/reference.toml");

    fn values(key: &str, kind: ValueKind, spec: &str) -> Vec<f64> {
        parse_spec(key, kind, spec).unwrap().0
    }

    #[test]
    fn lists_keep_their_order_and_read_durations() {
        let d = ValueKind::Duration;
        assert_eq!(values("k", d, "30m,5m,1h30m"), [1800.0, 300.0, 5400.0]);
        assert_eq!(values("k", d, "90, 1.5h"), [90.0, 5400.0]);
        assert_eq!(
            values("k", ValueKind::Number, "0.5,0.6,0.7"),
            [0.5, 0.6, 0.7]
        );
        assert_eq!(values("k", ValueKind::Integer, "1,2,4"), [1.0, 2.0, 4.0]);
    }

    #[test]
    fn linear_ranges_include_both_ends() {
        let v = values("checkpoint.interval", ValueKind::Duration, "5m..2h:24");
        assert_eq!(v.len(), 24);
        assert_eq!((v[0], v[1], v[23]), (300.0, 600.0, 7200.0));
        assert!(v.windows(2).all(|w| (w[1] - w[0] - 300.0).abs() < 1e-9));
        // Numbers read as meant, not with binary noise.
        assert_eq!(
            values("spot.discount", ValueKind::Number, "0.5..0.8:4"),
            [0.5, 0.6, 0.7, 0.8]
        );
        assert_eq!(
            values("job.instance_count", ValueKind::Integer, "1..8:8"),
            [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
        );
    }

    #[test]
    fn log_ranges_step_by_a_constant_ratio() {
        let v = values("k", ValueKind::Duration, "1m..16m:5:log");
        assert_eq!(v, [60.0, 120.0, 240.0, 480.0, 960.0]);
        let v = values("job.instance_count", ValueKind::Integer, "1..64:7:log");
        assert_eq!(v, [1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]);
        // Whole seconds for the API's limits.
        let v = values("stopping.max_wait", ValueKind::WholeSeconds, "1h..1d:4:log");
        assert!(v.iter().all(|s| s.fract() == 0.0), "{v:?}");
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        let d = ValueKind::Duration;
        let err = |kind, spec: &str| parse_spec("key.x", kind, spec).unwrap_err();
        assert!(err(d, "").contains("no values"));
        assert!(err(d, "5m..2h").contains("needs a number of points"));
        assert!(err(d, "5m..2h:1").contains("from 2 to 1000"));
        assert!(err(d, "5m..2h:x").contains("not a whole number"));
        assert!(err(d, "2h..5m:3").contains("must go upwards"));
        assert!(err(d, "0..1h:3:log").contains("above zero"));
        assert!(err(d, "5m..1h:3:lin").contains("only step option is `:log`"));
        assert!(err(d, "5m,abc").contains("`abc` is not a number or a duration"));
        assert!(err(d, "5m,5x").contains("unknown unit"));
        assert!(err(d, "5m,300").contains("gives 5m twice"));
        assert!(err(d, "1,inf").contains("not a finite number"));
        assert!(err(ValueKind::Number, "0.5,5m").contains("takes a number, not a duration"));
        assert!(err(ValueKind::Integer, "1..8:5").contains("whole numbers"));
        assert!(err(ValueKind::Integer, "1,2.5").contains("whole numbers"));
        assert!(err(ValueKind::WholeSeconds, "1s..3s:10").contains("after rounding"));
    }

    #[test]
    fn keys_are_checked_against_the_scenario() {
        let document: Table = REFERENCE.parse().unwrap();
        assert_eq!(
            resolve_key(&document, "checkpoint.interval"),
            Ok(ValueKind::Duration)
        );
        assert_eq!(
            resolve_key(&document, "spot.time_to_interruption.mean"),
            Ok(ValueKind::Duration)
        );
        assert_eq!(
            resolve_key(&document, "stopping.max_run"),
            Ok(ValueKind::WholeSeconds)
        );
        let err = |key| resolve_key(&document, key).unwrap_err();
        assert!(err("checkpoint.intervall").contains("did you mean `checkpoint.interval`?"));
        assert!(err("interval").contains("did you mean `checkpoint.interval`?"));
        assert!(err("spot.time_to_interruption").contains("spot.time_to_interruption.mean"));
        assert!(err("job.training.mean").contains("sweep job.training itself"));
        assert!(err("spot.capacity_wait.median").contains("spot.capacity_wait.mean"));
        assert!(err("simulation.runs").contains("--runs"));
        assert!(err("spot.market.mean_available").contains("no [spot.market] table"));
        assert!(err("zzz.qqq").contains("keys that can be swept"));
    }

    #[test]
    fn overrides_replace_the_value_and_keep_the_rest() {
        let mut document: Table = REFERENCE.parse().unwrap();
        set_key(
            &mut document,
            "checkpoint.interval",
            ValueKind::Duration,
            900.0,
        );
        set_key(
            &mut document,
            "spot.time_to_interruption.mean",
            ValueKind::Duration,
            7200.5,
        );
        set_key(&mut document, "spot.discount", ValueKind::Number, 0.5);
        let text = toml::to_string(&document).unwrap();
        assert!(text.contains("interval = \"15m\""), "{text}");
        let scenario = parse_scenario(&text, "reference.toml").unwrap();
        let base = parse_scenario(REFERENCE, "reference.toml").unwrap();
        assert_eq!(scenario.checkpoint.as_ref().unwrap().interval_s, 900.0);
        assert_eq!(
            scenario
                .spot
                .as_ref()
                .unwrap()
                .market
                .mean_first_reclaim_s(1),
            7200.5
        );
        assert_eq!(
            scenario.spot.as_ref().unwrap().price,
            crate::scenario::SpotPriceSpec::Discount(0.5)
        );
        assert_eq!(scenario.job, base.job);
        assert_eq!(scenario.stopping, base.stopping);
    }

    #[test]
    fn swept_keys_are_keys_of_the_format() {
        let paths = crate::scenario::keys::key_paths();
        for (key, _, _) in SCALAR_KEYS {
            assert!(paths.iter().any(|p| p == key), "{key}");
        }
        for (param, _) in DIST_PARAMS {
            assert!(
                crate::scenario::keys::DIST_FORMS
                    .iter()
                    .any(|form| form.param_names().contains(param)),
                "{param}"
            );
        }
    }

    #[test]
    fn a_swept_key_replaces_its_sdk_v1_name() {
        let text = REFERENCE
            .replace("max_run =", "train_max_run =")
            .replace("max_wait =", "train_max_wait =");
        assert!(text.contains("train_max_run"), "{text}");
        let flags = vec!["stopping.max_run=1d,2d".to_string()];
        let (_, points) = build_grid(&text, "reference.toml", &flags).unwrap();
        assert_eq!(points[1].scenario.stopping.max_run_s, 172_800.0);
        assert!(points[1].scenario.stopping.max_wait_s.is_some());
    }

    #[test]
    fn grids_are_built_point_by_point_with_the_file_rules() {
        let flags = vec![
            "checkpoint.interval=10m,20m".to_string(),
            "spot.discount=0.5..0.7:3".to_string(),
        ];
        let (axes, points) = build_grid(REFERENCE, "reference.toml", &flags).unwrap();
        assert_eq!(axes.len(), 2);
        assert_eq!(points.len(), 6);
        assert_eq!(points[1].values, [600.0, 0.6]);
        assert_eq!(points[3].values, [1200.0, 0.5]);

        let flags = vec!["stopping.max_run=10d..30d:3".to_string()];
        let errors = build_grid(REFERENCE, "reference.toml", &flags).unwrap_err();
        assert_eq!(errors.0.len(), 1, "{errors}");
        assert!(
            errors.0[0].contains(
                "the point stopping.max_run = 30d makes the scenario invalid: stopping.max_run"
            ),
            "{errors}"
        );

        let flags = vec!["checkpoint.interval=0,10m".to_string()];
        let errors = build_grid(REFERENCE, "reference.toml", &flags).unwrap_err();
        assert!(
            errors.0[0].contains("must be greater than zero"),
            "{errors}"
        );

        let on_demand = REFERENCE.replace("enabled = true", "enabled = false");
        let on_demand = on_demand.replace("max_wait = \"28d\"", "");
        let flags = vec!["spot.discount=0.5,0.6".to_string()];
        let errors = build_grid(&on_demand, "od.toml", &flags).unwrap_err();
        assert!(errors.0[0].contains("changes nothing"), "{errors}");
    }
}
