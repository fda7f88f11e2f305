//! Fleet file TOML → validated [`Fleet`], every problem at once (`docs/fleet.md`).
//!
//! A fleet names scenarios (files, read with [`parse_scenario`], or tables given inline and
//! read by the scenario parser itself, so their problems are located in the fleet file), and
//! adds arrivals, quotas and shared markets. It lives beside the scenario parser because it
//! reads the same kinds of values by the same rules.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{
    Ctx, TableReader, closest, parse_scenario, read_duration, read_independent_market,
    read_integer, read_market, read_number, read_scenario_table, read_string,
};
use crate::inputs::bounded::{FileKind, read_bounded, read_bounded_text};
use crate::scenario::fleet::{
    Arrivals, DEFAULT_FLEET_RUNS, Fleet, MAX_FLEET_RUNS, MAX_HORIZON_S, MAX_JOBS_PER_MONTH, Quota,
    Workload, expected_jobs_per_month,
};
use crate::scenario::keys;
use crate::scenario::{DEFAULT_SEED, MarketSpec, ScenarioError, ScenarioErrors, Warning};
use crate::units::duration::{DAY_S, format_duration_exact};

/// Default horizon: 30 days.
const DEFAULT_HORIZON_S: f64 = 30.0 * DAY_S;
/// Default warm-up: 7 days (at most the horizon).
const DEFAULT_WARMUP_S: f64 = 7.0 * DAY_S;

/// Parses and validates a fleet file. `file` is used in messages and locates the scenario
/// and data files it names.
pub fn parse_fleet(text: &str, file: &str) -> Result<Fleet, ScenarioErrors> {
    let (mut ctx, document) = Ctx::parse(text, file)?;
    let mut read = FleetRead::default();
    let fleet = read_fleet(&mut ctx, &mut read, document.get_ref());
    match fleet {
        Some(mut fleet) if ctx.errors.is_empty() && read.file_errors.is_empty() => {
            let mut notes = ctx.take_notes();
            notes.extend(read.notes);
            fleet.notes = notes;
            Ok(fleet)
        }
        _ => {
            let mut errors = ctx.into_errors();
            errors.0.extend(read.file_errors);
            Err(errors)
        }
    }
}

/// What reading a fleet collects besides the fleet file's own problems.
#[derive(Default)]
struct FleetRead {
    /// Problems in the scenario files it names, located in those files.
    file_errors: Vec<ScenarioError>,
    /// Notes of those scenario files, and the fleet's own.
    notes: Vec<Warning>,
}

fn read_fleet(ctx: &mut Ctx<'_>, read: &mut FleetRead, document: &DeTable<'_>) -> Option<Fleet> {
    let top = TableReader::new(ctx, &keys::FLEET, 0..0, document);
    top.finish(ctx);
    let horizon_s = match top.get("horizon") {
        Some(value) => read_duration(ctx, "horizon", value).and_then(|s| {
            if s > 0.0 && s <= MAX_HORIZON_S {
                Some(s)
            } else {
                ctx.bad(
                    "horizon",
                    value,
                    "must be more than 0s and at most 366 days",
                );
                None
            }
        }),
        None => Some(DEFAULT_HORIZON_S),
    };
    let warmup_s = match (top.get("warmup"), horizon_s) {
        (Some(value), Some(horizon_s)) => read_duration(ctx, "warmup", value).and_then(|s| {
            if s <= horizon_s {
                Some(s)
            } else {
                ctx.bad(
                    "warmup",
                    value,
                    format!(
                        "must be at most the horizon ({}): the warm-up is the end of the \
                         month before",
                        format_duration_exact(horizon_s)
                    ),
                );
                None
            }
        }),
        (None, Some(horizon_s)) => Some(DEFAULT_WARMUP_S.min(horizon_s)),
        (_, None) => None,
    };
    let runs = match top.get("runs") {
        Some(value) => read_integer(ctx, "runs", value, 1, MAX_FLEET_RUNS as i64).map(|n| n as u64),
        None => Some(DEFAULT_FLEET_RUNS),
    };
    let seed = match top.get("seed") {
        Some(value) => read_integer(ctx, "seed", value, 0, i64::MAX).map(|n| n as u64),
        None => Some(DEFAULT_SEED),
    };

    let mut workloads: Vec<Option<(Workload, Range<usize>)>> = Vec::new();
    match top.get("workload") {
        Some(value) => match value.get_ref() {
            DeValue::Array(items) if !items.is_empty() => {
                for (index, item) in items.iter().enumerate() {
                    match item.get_ref() {
                        DeValue::Table(table) => workloads.push(
                            read_workload(ctx, read, index, item.span(), table, horizon_s)
                                .map(|w| (w, item.span())),
                        ),
                        _ => ctx.bad(
                            "workload",
                            item,
                            "must be a table: write [[workload]] and its keys below it",
                        ),
                    }
                }
            }
            _ => ctx.bad(
                "workload",
                value,
                "must be one or more [[workload]] tables (double brackets)",
            ),
        },
        None => top.missing(
            ctx,
            "workload",
            "add at least one [[workload]] with a scenario and its arrivals",
        ),
    }

    let quotas = match top.get("quota") {
        Some(value) => read_quotas(ctx, value),
        None => Some(BTreeMap::new()),
    };
    let max_count_of = |instance_type: &str| {
        workloads
            .iter()
            .flatten()
            .filter(|(w, _)| w.is_spot() && w.instance_type == instance_type)
            .map(|(w, _)| w.instance_count())
            .max()
            .unwrap_or(1)
    };
    let markets = match top.get("market") {
        Some(value) => read_markets(ctx, value, &max_count_of),
        None => Some(BTreeMap::new()),
    };
    if workloads.iter().any(Option::is_none) {
        return None;
    }
    let workloads: Vec<(Workload, Range<usize>)> = workloads.into_iter().flatten().collect();
    let (quotas, mut markets) = (quotas?, markets?);
    check_names(ctx, &workloads);
    check_types(
        ctx,
        &workloads,
        &quotas,
        &markets,
        top.get("quota"),
        top.get("market"),
    );
    check_quotas(ctx, &workloads, &quotas);
    share_scenario_markets(ctx, read, &workloads, &mut markets);
    let (horizon_s, warmup_s) = (horizon_s?, warmup_s?);
    let expected_jobs =
        expected_jobs_per_month(workloads.iter().map(|(w, _)| w), horizon_s, warmup_s);
    if expected_jobs > MAX_JOBS_PER_MONTH
        && let Some((_, span)) = workloads.first()
    {
        ctx.error(
            span.clone(),
            format!(
                "the workloads submit about {expected_jobs:.0} jobs a month with the warm-up, more \
                 than spotsim simulates ({MAX_JOBS_PER_MONTH:.0}); lower per_day, add count or \
                 shorten the horizon"
            ),
        );
    }
    Some(Fleet {
        horizon_s,
        warmup_s,
        runs: runs?,
        seed: seed?,
        workloads: workloads.into_iter().map(|(w, _)| w).collect(),
        quotas,
        markets,
        notes: Vec::new(),
    })
}

fn read_workload(
    ctx: &mut Ctx<'_>,
    read: &mut FleetRead,
    index: usize,
    span: Range<usize>,
    table: &DeTable<'_>,
    horizon_s: Option<f64>,
) -> Option<Workload> {
    let reader = TableReader::new(ctx, &keys::FLEET_WORKLOAD, span.clone(), table);
    reader.finish(ctx);
    let name = match reader.get("name") {
        Some(value) => read_string(ctx, "workload.name", value).map(Some),
        None => Some(None),
    };
    let scenario = if let Some(value) = reader.get("scenario") {
        match value.get_ref() {
            DeValue::String(path) => {
                let full = ctx.base_dir.join(path.as_ref());
                match read_bounded_text(&full, FileKind::Scenario) {
                    Ok(text) => match parse_scenario(&text, &full.display().to_string()) {
                        Ok(mut scenario) => {
                            read.notes.append(&mut scenario.notes);
                            Some((scenario, path.to_string(), value.span()))
                        }
                        Err(errors) => {
                            read.file_errors.extend(errors.0);
                            None
                        }
                    },
                    Err(error) => {
                        ctx.bad(
                            "workload.scenario",
                            value,
                            format!("cannot be read ({}): {}", full.display(), error.detail()),
                        );
                        None
                    }
                }
            }
            DeValue::Table(inline) => read_scenario_table(ctx, value.span(), inline)
                .map(|scenario| (scenario, "inline".to_string(), value.span())),
            _ => {
                ctx.bad(
                    "workload.scenario",
                    value,
                    "must be a scenario file in quotes, or the scenario's tables inline as \
                 [workload.scenario.job], [workload.scenario.pricing], ...",
                );
                None
            }
        }
    } else {
        reader.missing(
            ctx,
            "scenario",
            "the job: scenario = \"job.toml\" (relative to the fleet file), or its tables \
             inline as [workload.scenario.job], ...",
        );
        None
    };
    let instance_type = scenario.as_ref().and_then(|(scenario, _, at)| {
        let instance_type = scenario.job.instance_type.clone();
        if instance_type.is_none() {
            ctx.error(
                at.clone(),
                "workload.scenario: the job has no job.instance_type; quotas and markets are \
                 per instance type, so a fleet's jobs must name theirs"
                    .to_string(),
            );
        }
        instance_type
    });
    let arrivals = if let Some(value) = reader.get("arrivals") {
        read_arrivals(ctx, value, horizon_s)
    } else {
        reader.missing(
            ctx,
            "arrivals",
            "when jobs are submitted: arrivals = { per_day = 40 }, { at = [\"09:00\"] } or \
             { file = \"plan.csv\" }",
        );
        None
    };
    let count = match reader.get("count") {
        Some(value) => {
            read_integer(ctx, "workload.count", value, 1, 2_000_000).map(|n| Some(n as u64))
        }
        None => Some(None),
    };
    let (scenario, source, _) = scenario?;
    let name = name?.unwrap_or_else(|| {
        scenario.job.name.clone().unwrap_or_else(|| {
            std::path::Path::new(&source)
                .file_stem()
                .filter(|_| source != "inline")
                .map_or(format!("workload {}", index + 1), |s| {
                    s.to_string_lossy().into_owned()
                })
        })
    });
    Some(Workload {
        name,
        source,
        instance_type: instance_type?,
        scenario,
        arrivals: arrivals?,
        count: count?,
    })
}

fn read_arrivals(
    ctx: &mut Ctx<'_>,
    value: &Spanned<DeValue<'_>>,
    horizon_s: Option<f64>,
) -> Option<Arrivals> {
    let DeValue::Table(table) = value.get_ref() else {
        ctx.bad(
            "workload.arrivals",
            value,
            "must be a table: arrivals = { per_day = 40 }, { at = [\"09:00\"] } or { file = \
             \"plan.csv\" }",
        );
        return None;
    };
    let reader = TableReader::new(ctx, &keys::FLEET_ARRIVALS, value.span(), table);
    reader.finish(ctx);
    let given: Vec<&str> = ["per_day", "at", "file"]
        .into_iter()
        .filter(|key| reader.get(key).is_some())
        .collect();
    if given.len() > 1 {
        ctx.bad(
            "workload.arrivals",
            value,
            format!(
                "gives {}: keep exactly one way of submitting jobs",
                given.join(" and ")
            ),
        );
        return None;
    }
    if let Some(value) = reader.get("per_day") {
        let per_day = read_number(ctx, "workload.arrivals.per_day", value)?;
        if !(per_day > 0.0 && per_day <= 100_000.0) {
            ctx.bad(
                "workload.arrivals.per_day",
                value,
                "must be more than 0 and at most 100000 jobs a day",
            );
            return None;
        }
        return Some(Arrivals::Poisson { per_day });
    }
    if let Some(value) = reader.get("at") {
        let DeValue::Array(items) = value.get_ref() else {
            ctx.bad(
                "workload.arrivals.at",
                value,
                "must be a list of times of day, e.g. at = [\"09:00\", \"21:00\"]",
            );
            return None;
        };
        let mut times_s = Vec::new();
        let mut ok = !items.is_empty();
        if items.is_empty() {
            ctx.bad(
                "workload.arrivals.at",
                value,
                "must list at least one time of day",
            );
        }
        for item in items {
            if let DeValue::String(text) = item.get_ref() {
                if let Some(seconds) = parse_time_of_day_s(text) {
                    times_s.push(seconds);
                } else {
                    ctx.bad(
                        "workload.arrivals.at",
                        item,
                        "must be a time of day \"HH:MM\" or \"HH:MM:SS\" from 00:00 to 23:59:59",
                    );
                    ok = false;
                }
            } else {
                ctx.bad(
                    "workload.arrivals.at",
                    item,
                    "must be a time of day in quotes, \"HH:MM\"",
                );
                ok = false;
            }
        }
        times_s.sort_by(f64::total_cmp);
        return ok.then_some(Arrivals::Daily { times_s });
    }
    if let Some(value) = reader.get("file") {
        let file = read_string(ctx, "workload.arrivals.file", value)?;
        let path = ctx.base_dir.join(&file);
        let times_s = match read_plan(&path) {
            Ok(times_s) => times_s,
            Err(reason) => {
                ctx.bad("workload.arrivals.file", value, reason);
                return None;
            }
        };
        if let (Some(horizon_s), Some(last_s)) = (horizon_s, times_s.last())
            && *last_s >= horizon_s
        {
            ctx.bad(
                "workload.arrivals.file",
                value,
                format!(
                    "{}: plans a submission at {}, after the month's horizon ({})",
                    path.display(),
                    format_duration_exact(*last_s),
                    format_duration_exact(horizon_s)
                ),
            );
            return None;
        }
        return Some(Arrivals::Planned { file, times_s });
    }
    ctx.bad(
        "workload.arrivals",
        value,
        "is empty: give per_day = 40 (Poisson), at = [\"09:00\"] (daily) or file = \"plan.csv\"",
    );
    None
}

/// `HH:MM` or `HH:MM:SS` as seconds after midnight.
fn parse_time_of_day_s(text: &str) -> Option<f64> {
    let parts: Vec<&str> = text.trim().split(':').collect();
    if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.is_empty() || p.len() > 2) {
        return None;
    }
    let numbers: Option<Vec<u32>> = parts.iter().map(|p| p.parse::<u32>().ok()).collect();
    let numbers = numbers?;
    let (hours, minutes, seconds) = (numbers[0], numbers[1], numbers.get(2).copied().unwrap_or(0));
    (hours < 24 && minutes < 60 && seconds < 60)
        .then(|| f64::from(hours * 3_600 + minutes * 60 + seconds))
}

/// The submission times of a plan CSV: column `at`, durations from the month's start. A
/// problem as the key's message continues it: `cannot be read (PATH): reason`, as every data
/// file's, or `PATH: problem`.
fn read_plan(path: &std::path::Path) -> Result<Vec<f64>, String> {
    let bytes = read_bounded(path, FileKind::DataCsv)
        .map_err(|e| format!("cannot be read ({}): {}", path.display(), e.detail()))?;
    crate::inputs::data::read_submission_plan(bytes.as_slice())
        .map_err(|problem| format!("{}: {problem}", path.display()))
}

/// `[quota."<instance type>"]` tables.
fn read_quotas(ctx: &mut Ctx<'_>, value: &Spanned<DeValue<'_>>) -> Option<BTreeMap<String, Quota>> {
    let DeValue::Table(table) = value.get_ref() else {
        ctx.bad(
            "quota",
            value,
            "must be tables by instance type: [quota.\"ml.p3.2xlarge\"] with spot = 8",
        );
        return None;
    };
    let mut quotas = BTreeMap::new();
    let mut ok = true;
    for (type_key, value) in table {
        let instance_type = type_key.get_ref().to_string();
        let path = format!("quota.\"{instance_type}\"");
        let DeValue::Table(keys_table) = value.get_ref() else {
            ctx.bad(&path, value, "must be a table with spot and/or on_demand");
            ok = false;
            continue;
        };
        let mut quota = Quota::default();
        for (key, item) in keys_table {
            let name = key.get_ref().as_ref();
            let key_path = format!("{path}.{name}");
            match name {
                "spot" | "on_demand" => match read_integer(ctx, &key_path, item, 1, 1_000_000) {
                    Some(n) if name == "spot" => quota.spot = Some(n as u32),
                    Some(n) => quota.on_demand = Some(n as u32),
                    None => ok = false,
                },
                _ => {
                    ok = false;
                    let hint = if matches!(item.get_ref(), DeValue::Table(_)) {
                        "instance types have dots: put the type in quotes, \
                         [quota.\"ml.p3.2xlarge\"]"
                            .to_string()
                    } else {
                        match closest(name, &["spot", "on_demand"]) {
                            Some(best) => format!("did you mean `{path}.{best}`?"),
                            None => "valid keys here: spot, on_demand".to_string(),
                        }
                    };
                    ctx.error(
                        key.span(),
                        format!("{key_path} is not a key spotsim knows: {hint}"),
                    );
                }
            }
        }
        quotas.insert(instance_type, quota);
    }
    ok.then_some(quotas)
}

/// `[market."<instance type>"]` tables. `max_count_of` gives the most instances a spot job of
/// the type needs (a trace must have that many at some point).
fn read_markets(
    ctx: &mut Ctx<'_>,
    value: &Spanned<DeValue<'_>>,
    max_count_of: &dyn Fn(&str) -> u32,
) -> Option<BTreeMap<String, MarketSpec>> {
    let DeValue::Table(table) = value.get_ref() else {
        ctx.bad(
            "market",
            value,
            "must be tables by instance type: [market.\"ml.p3.2xlarge\"] with model = \"markov\"",
        );
        return None;
    };
    let mut markets = BTreeMap::new();
    let mut ok = true;
    for (type_key, value) in table {
        let instance_type = type_key.get_ref().to_string();
        let path = format!("market.\"{instance_type}\"");
        let DeValue::Table(market_table) = value.get_ref() else {
            ctx.bad(
                &path,
                value,
                "must be a table with model = \"independent\", \"markov\" or \"trace\"",
            );
            ok = false;
            continue;
        };
        let model = market_table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == "model")
            .map(|(_, v)| v);
        let first_error = ctx.errors.len();
        let market = match model.map(|v| (v, v.get_ref())) {
            Some((_, DeValue::String(name))) if name.as_ref() == "independent" => {
                let reader = TableReader::new(ctx, &keys::FLEET_MARKET, value.span(), market_table);
                reader.finish(ctx);
                for key in [
                    "mean_available",
                    "mean_unavailable",
                    "file",
                    "format",
                    "start",
                    "windows",
                ] {
                    if let Some(other) = reader.get(key) {
                        ctx.bad(
                            &format!("{path}.{key}"),
                            other,
                            "belongs to model = \"markov\" or \"trace\"; an independent market \
                             has capacity_wait and time_to_interruption",
                        );
                    }
                }
                // A fleet's market has no job of its own: "feed" is refused there.
                let mut feed = super::FeedLookup {
                    job: None,
                    advisor_file: None,
                    done: None,
                };
                read_independent_market(ctx, &reader, &mut feed)
            }
            Some((_, DeValue::String(name)))
                if name.as_ref() == "markov" || name.as_ref() == "trace" =>
            {
                read_market(ctx, value, max_count_of(&instance_type))
            }
            Some((model_value, _)) => {
                ctx.bad(
                    &format!("{path}.model"),
                    model_value,
                    "must be \"independent\", \"markov\" or \"trace\"",
                );
                None
            }
            None => {
                ctx.error(
                    value.span(),
                    format!("{path}.model is required: \"independent\", \"markov\" or \"trace\""),
                );
                None
            }
        };
        // The scenario readers name their keys as a scenario does: name them as the fleet does.
        for error in &mut ctx.errors[first_error..] {
            error.message = fleet_key_names(&error.message, &path);
        }
        match market {
            Some(market) => {
                markets.insert(instance_type, market);
            }
            None => ok = false,
        }
    }
    ok.then_some(markets)
}

/// `message` of the scenario readers with the key paths of a market table named as the fleet
/// file names them (`spot.market.file` → `market."ml.p3.2xlarge".file`), at the start of the
/// message or quoted in it.
fn fleet_key_names(message: &str, path: &str) -> String {
    let mut renamed = message.to_string();
    for prefix in ["spot.market.", "market.<instance type>.", "spot."] {
        if let Some(rest) = renamed.strip_prefix(prefix) {
            renamed = format!("{path}.{rest}");
        }
        renamed = renamed.replace(&format!("`{prefix}"), &format!("`{path}."));
    }
    renamed
}

/// Workload names are unique: outputs are keyed by them.
fn check_names(ctx: &mut Ctx<'_>, workloads: &[(Workload, Range<usize>)]) {
    for (index, (workload, span)) in workloads.iter().enumerate() {
        if workloads[..index]
            .iter()
            .any(|(w, _)| w.name == workload.name)
        {
            ctx.error(
                span.clone(),
                format!(
                    "workload.name: \"{}\" names two workloads; give each its own name",
                    workload.name
                ),
            );
        }
    }
}

/// Quotas and markets name instance types the workloads use: a misspelt type would silently
/// leave its jobs unlimited or in their own markets.
fn check_types(
    ctx: &mut Ctx<'_>,
    workloads: &[(Workload, Range<usize>)],
    quotas: &BTreeMap<String, Quota>,
    markets: &BTreeMap<String, MarketSpec>,
    quota_value: Option<&Spanned<DeValue<'_>>>,
    market_value: Option<&Spanned<DeValue<'_>>>,
) {
    let used: Vec<&str> = workloads
        .iter()
        .map(|(w, _)| w.instance_type.as_str())
        .collect();
    let spot_used: Vec<&str> = workloads
        .iter()
        .filter(|(w, _)| w.is_spot())
        .map(|(w, _)| w.instance_type.as_str())
        .collect();
    for (table, names, value, what) in [
        (
            "quota",
            quotas.keys().collect::<Vec<_>>(),
            quota_value,
            &used,
        ),
        (
            "market",
            markets.keys().collect::<Vec<_>>(),
            market_value,
            &spot_used,
        ),
    ] {
        let Some(value) = value else { continue };
        for name in names {
            if what.contains(&name.as_str()) {
                continue;
            }
            let hint = match closest(name, what) {
                Some(best) => format!("did you mean \"{best}\"?"),
                None if what.is_empty() => "no workload uses it".to_string(),
                None => format!("the workloads use {}", what.join(", ")),
            };
            let runs_on = if table == "market" {
                "spot workload"
            } else {
                "workload"
            };
            ctx.bad(
                &format!("{table}.\"{name}\""),
                value,
                format!("names an instance type no {runs_on} runs on: {hint}"),
            );
        }
    }
}

/// A job larger than its quota could never be created.
fn check_quotas(
    ctx: &mut Ctx<'_>,
    workloads: &[(Workload, Range<usize>)],
    quotas: &BTreeMap<String, Quota>,
) {
    for (workload, span) in workloads {
        let Some(quota) = quotas.get(&workload.instance_type) else {
            continue;
        };
        let (limit, side) = if workload.is_spot() {
            (quota.spot, "spot")
        } else {
            (quota.on_demand, "on_demand")
        };
        // A fallback's on-demand job needs the on-demand quota too.
        let fallback_limit = quota
            .on_demand
            .filter(|_| workload.is_spot() && workload.scenario.fallback.is_some());
        if let Some(limit) = fallback_limit
            && workload.instance_count() > limit
        {
            ctx.error(
                span.clone(),
                format!(
                    "workload \"{}\" needs {} instances per job but quota.\"{}\".on_demand is \
                     {limit}: the on-demand jobs of its [fallback] could never start",
                    workload.name,
                    workload.instance_count(),
                    workload.instance_type
                ),
            );
        }
        if let Some(limit) = limit
            && workload.instance_count() > limit
        {
            ctx.error(
                span.clone(),
                format!(
                    "workload \"{}\" needs {} instances per job but quota.\"{}\".{side} is {limit}: \
                     its jobs could never start (the service rejects them with \
                     ResourceLimitExceeded)",
                    workload.name,
                    workload.instance_count(),
                    workload.instance_type
                ),
            );
        }
    }
}

/// Spot workloads of a type without `[market."<type>"]` keep their scenarios' markets. A
/// Markov or trace market is one market, so it is shared, and the workloads of the type must
/// describe the same one; independent markets stay each job's own.
fn share_scenario_markets(
    ctx: &mut Ctx<'_>,
    read: &mut FleetRead,
    workloads: &[(Workload, Range<usize>)],
    markets: &mut BTreeMap<String, MarketSpec>,
) {
    type Members<'a> = Vec<(&'a Workload, &'a Range<usize>, &'a MarketSpec)>;
    let mut by_type: BTreeMap<&str, Members<'_>> = BTreeMap::new();
    for (workload, span) in workloads {
        if let Some(spot) = &workload.scenario.spot {
            by_type
                .entry(workload.instance_type.as_str())
                .or_default()
                .push((workload, span, &spot.market));
        }
    }
    for (instance_type, members) in by_type {
        if let Some(shared) = markets.get(instance_type) {
            let replaced: Vec<&str> = members
                .iter()
                .filter(|(_, _, market)| *market != shared)
                .map(|(w, _, _)| w.name.as_str())
                .collect();
            if !replaced.is_empty() {
                read.notes.push(Warning {
                    message: format!(
                        "{}: [market.\"{instance_type}\"] replaces the market of the scenarios \
                         of {}",
                        ctx.file,
                        replaced.join(", ")
                    ),
                    hint: "one market is shared by every spot job of an instance type".into(),
                });
            }
            continue;
        }
        let Some(&(_, _, first)) = members
            .iter()
            .find(|(_, _, m)| !matches!(m, MarketSpec::Independent { .. }))
        else {
            continue;
        };
        if let Some((other, span, _)) = members.iter().find(|(_, _, m)| *m != first) {
            ctx.error(
                (*span).clone(),
                format!(
                    "workload \"{}\" runs on {instance_type} like other spot workloads, but its \
                     scenario describes another market: one market is shared by every spot job \
                     of a type, so give [market.\"{instance_type}\"] to say which",
                    other.name
                ),
            );
            continue;
        }
        markets.insert(instance_type.to_string(), first.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn market_keys_are_named_as_the_fleet_names_them() {
        let path = "market.\"ml.p3.2xlarge\"";
        assert_eq!(
            fleet_key_names("spot.market.file (\"x\") cannot be read", path),
            "market.\"ml.p3.2xlarge\".file (\"x\") cannot be read"
        );
        assert_eq!(
            fleet_key_names(
                "unknown key `spot.market.capacity_wait`: valid keys here",
                path
            ),
            "unknown key `market.\"ml.p3.2xlarge\".capacity_wait`: valid keys here"
        );
        assert_eq!(
            fleet_key_names("spot.capacity_wait is required: how long", path),
            "market.\"ml.p3.2xlarge\".capacity_wait is required: how long"
        );
    }

    #[test]
    fn times_of_day() {
        assert_eq!(parse_time_of_day_s("09:00"), Some(32_400.0));
        assert_eq!(parse_time_of_day_s("23:59:59"), Some(86_399.0));
        assert_eq!(parse_time_of_day_s("24:00"), None);
        assert_eq!(parse_time_of_day_s("9"), None);
        assert_eq!(parse_time_of_day_s("09:60"), None);
    }
}
