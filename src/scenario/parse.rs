//! TOML text → validated [`Scenario`], reporting every problem at once.
//!
//! The file is read into `toml`'s spanned document tree, then walked key by key: each key is
//! checked against its rule and each problem becomes a [`ScenarioError`] that names the file,
//! line, column, key, the value as written and the rule. Unknown keys are errors with the closest
//! valid key suggested. Nothing is built unless the whole file is valid.
//!
//! The keys each table accepts, the SDK v1 names accepted for some of them (with a note that
//! the scenario carries to the caller), the rule of each random duration and the defaults of
//! the boolean keys come from the registry in `super::keys`.

use std::fmt;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::advisor::{
    AdvisorSource, BUCKETS, Bound, FeedEntry, FeedUse, LookupError, bucket_rate, ec2_type,
    mean_time_to_interruption_s, read_feed, snapshot,
};
use super::keys::{self, MAX_DURATION_S, MAX_HOURLY_MULTIPLIER, MAX_HOURLY_USD, MAX_SIGMA, Sign};
use super::lint::Warning;
use super::{
    CheckpointSpec, DEFAULT_MAX_EVENTS, DEFAULT_MAX_RUN_S, DEFAULT_RUNS, DEFAULT_SEED,
    FallbackSpec, FallbackWhen, JobSpec, MAX_MAX_EVENTS, MAX_RUN_LIMIT_S, MAX_RUNS, MIN_MAX_EVENTS,
    MarketSpec, MaxRunCounting, PricingSpec, ProfileSpec, Reclaim, Scenario, SimulationSpec,
    SpotPriceSpec, SpotSpec, StartHour, StoppingSpec, TraceStart,
};
use crate::inputs::availability::{TraceFormat, read_trace};
use crate::inputs::bounded::{FileKind, read_bounded};
use crate::inputs::data::{Column, read_duration_column};
use crate::inputs::dist::{Dist, Empirical};
use crate::inputs::price::{PriceFilter, PriceSeries, read_aws_cli, read_series, read_tsv};
use crate::units::duration::{format_duration_exact, parse_duration_s};
use crate::units::text::edit_distance;

mod fleet;
pub use fleet::parse_fleet;

/// One problem in a scenario file, located at `file:line:column`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file name as the user gave it.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// `key (value) rule`.
    pub message: String,
    /// The dotted key the problem is about (`spot.max_wait`), when it is about one key; a
    /// syntax error or a rule across keys has none. Not shown: the message names it.
    pub key: Option<String>,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

/// Every problem found in one scenario file, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ScenarioErrors(pub Vec<ScenarioError>);

/// The most problems a message lists; the rest are counted ("… and 99,950 more problems"), so a
/// file of 100,000 unknown keys gives a screenful, not 100,000 lines.
pub const MAX_PRINTED_PROBLEMS: usize = 50;

impl fmt::Display for ScenarioErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, error) in self.0.iter().take(MAX_PRINTED_PROBLEMS).enumerate() {
            if index > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        if let Some(more) = self
            .0
            .len()
            .checked_sub(MAX_PRINTED_PROBLEMS)
            .filter(|&n| n > 0)
        {
            write!(
                f,
                "\n… and {} more problem{} (the first {MAX_PRINTED_PROBLEMS} are shown)",
                crate::units::format::format_count(more as u64),
                if more == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

/// Parses and validates a scenario. `file` is used only in messages.
pub fn parse_scenario(text: &str, file: &str) -> Result<Scenario, ScenarioErrors> {
    let (mut ctx, document) = Ctx::parse(text, file)?;
    let scenario = read_scenario(&mut ctx, &document);
    match scenario {
        Some(mut scenario) if ctx.errors.is_empty() => {
            scenario.notes = ctx.take_notes();
            let assumed = assumed_keys(text);
            if let Some(&(line, _)) = assumed.first() {
                let keys: Vec<&str> = assumed.iter().map(|(_, key)| key.as_str()).collect();
                let prices = keys.iter().any(|k| k.starts_with("pricing."));
                scenario.notes.insert(
                    0,
                    Warning {
                        message: format!(
                            "{file}:{line}: {} marked `# ASSUMED` (a placeholder, not your \
                             job's figure): {}; every cost and time printed rests on {}{}",
                            if keys.len() == 1 {
                                "1 key is".to_string()
                            } else {
                                format!("{} keys are", keys.len())
                            },
                            keys.join(", "),
                            if keys.len() == 1 { "it" } else { "them" },
                            if prices {
                                " (the price is another instance type's)"
                            } else {
                                ""
                            }
                        ),
                        hint: "replace each with your job's figure and delete its `# ASSUMED` \
                               comment (docs/import.md)"
                            .to_string(),
                    },
                );
            }
            Ok(scenario)
        }
        _ => Err(ctx.into_errors()),
    }
}

/// The keys a `# ASSUMED: …` comment stands above (as `spotsim import` writes them), each with
/// the 1-based line of its comment, in file order: `table.key`, or `key` at the top level.
pub fn assumed_keys(text: &str) -> Vec<(usize, String)> {
    let mut table = String::new();
    let mut pending: Option<usize> = None;
    let mut keys = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(rest) = trimmed.strip_prefix('#') {
            if rest.trim_start().starts_with("ASSUMED") && pending.is_none() {
                pending = Some(index + 1);
            }
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with('[') {
            table = trimmed
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            pending = None;
            continue;
        }
        if let Some(at) = pending.take()
            && let Some((key, _)) = trimmed.split_once('=')
        {
            let key = key.trim().trim_matches('"');
            keys.push((
                at,
                if table.is_empty() {
                    key.to_string()
                } else {
                    format!("{table}.{key}")
                },
            ));
        }
    }
    keys
}

/// Reports TOML syntax errors, naming the key of a duplicate.
fn report_syntax(ctx: &mut Ctx<'_>, syntax_errors: Vec<toml::de::Error>) {
    let text = ctx.text;
    for error in syntax_errors {
        let span = error.span().unwrap_or(0..0);
        let mut message = error.message().trim().replace('\n', " ");
        if message.contains("duplicate key") {
            // Name the key: the text at the error, up to `=` or the end of the header.
            let written = text.get(span.clone()).unwrap_or("");
            let key = written.split(['=', ']', '\n']).next().unwrap_or("").trim();
            if !key.is_empty() {
                message = format!("{message} `{}`", key.trim_start_matches('['));
            }
        }
        ctx.error(span, format!("TOML syntax error: {message}"));
    }
}

/// Collects errors and turns byte offsets into lines and columns.
struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
    /// The scenario's folder: data files are named relative to it.
    base_dir: std::path::PathBuf,
    errors: Vec<ScenarioError>,
    /// The byte offset where each line starts (the first is 0): the line index of
    /// [`Ctx::line_column`].
    line_starts: Vec<usize>,
    /// What a valid file should still be told about, e.g. an SDK v1 key name, with its line
    /// and column.
    notes: Vec<((usize, usize), Warning)>,
}

impl<'a> Ctx<'a> {
    /// A context for `text` read from `file` (data files it names are relative to its
    /// folder), with the text's document tree; every TOML syntax error when it has any.
    fn parse(
        text: &'a str,
        file: &'a str,
    ) -> Result<(Ctx<'a>, Spanned<DeTable<'a>>), ScenarioErrors> {
        let mut ctx = Ctx {
            file,
            text,
            base_dir: std::path::Path::new(file)
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default(),
            errors: Vec::new(),
            line_starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(at, _)| at + 1))
                .collect(),
            notes: Vec::new(),
        };
        let (document, syntax_errors) = DeTable::parse_recoverable(text);
        if !syntax_errors.is_empty() {
            report_syntax(&mut ctx, syntax_errors);
            return Err(ctx.into_errors());
        }
        Ok((ctx, document))
    }

    /// The notes of a valid file, in file order as errors are.
    fn take_notes(&mut self) -> Vec<Warning> {
        self.notes.sort_by_key(|(at, _)| *at);
        std::mem::take(&mut self.notes)
            .into_iter()
            .map(|(_, note)| note)
            .collect()
    }

    /// The 1-based line and column (characters) of a byte offset: a binary search in the line
    /// index, then the characters of that line only, so that 100,000 errors cost 100,000
    /// searches, not 100,000 scans of the file.
    fn line_column(&self, offset: usize) -> (usize, usize) {
        let start = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&at| at <= start);
        let line_start = self.line_starts[line - 1];
        let column = self
            .text
            .get(line_start..start)
            .map_or(0, |before| before.chars().count());
        (line, column + 1)
    }

    fn error(&mut self, span: Range<usize>, message: String) {
        self.error_at(span, None, message);
    }

    /// As [`Ctx::error`], about the one key `key`.
    fn error_at(&mut self, span: Range<usize>, key: Option<&str>, message: String) {
        let (line, column) = self.line_column(span.start);
        self.errors.push(ScenarioError {
            file: self.file.to_string(),
            line,
            column,
            message,
            key: key.map(str::to_string),
        });
    }

    /// A note for a valid file, located like an error: `file:line:column: message`.
    fn note(&mut self, span: Range<usize>, message: String, hint: String) {
        let (line, column) = self.line_column(span.start);
        let message = format!("{}:{line}:{column}: {message}", self.file);
        self.notes.push(((line, column), Warning { message, hint }));
    }

    /// The value as the user wrote it, shortened for messages.
    fn written(&self, span: &Range<usize>) -> String {
        let raw = self.text.get(span.clone()).unwrap_or("").trim();
        let raw = raw.lines().next().unwrap_or("");
        if raw.chars().count() > 40 {
            let cut: String = raw.chars().take(37).collect();
            format!("{cut}...")
        } else {
            raw.to_string()
        }
    }

    /// Reports `key (value) rule` at the value.
    fn bad(&mut self, key: &str, value: &Spanned<DeValue<'_>>, rule: impl fmt::Display) {
        let written = self.written(&value.span());
        self.error_at(value.span(), Some(key), format!("{key} ({written}) {rule}"));
    }

    fn into_errors(mut self) -> ScenarioErrors {
        // Stable: problems at one place keep the order they were found in.
        self.errors.sort_by_key(|e| (e.line, e.column));
        ScenarioErrors(self.errors)
    }
}

/// A table being read: hands out its values by key and reports the keys nobody asked for.
struct TableReader<'t, 'i> {
    /// The table's keys in the registry.
    def: &'static keys::Table,
    span: Range<usize>,
    /// The table's entries, an SDK v1 alias under the name of the key it stands for.
    entries: Vec<(&'t str, Range<usize>, &'t Spanned<DeValue<'i>>)>,
    /// Every name the table accepts, its aliases included.
    known: Vec<&'static str>,
}

impl<'t, 'i> TableReader<'t, 'i> {
    /// Reads `table` as the registry's `def`. An alias is taken as its key, with a note; an
    /// alias given together with its key is an error.
    fn new(
        ctx: &mut Ctx<'_>,
        def: &'static keys::Table,
        span: Range<usize>,
        table: &'t DeTable<'i>,
    ) -> Self {
        let mut entries = Vec::new();
        for (key, value) in table {
            let name: &'t str = key.get_ref().as_ref();
            let Some(alias) = def.alias(name) else {
                entries.push((name, key.span(), value));
                continue;
            };
            let (path, real) = (def.key_path(alias.name), def.key_path(alias.key));
            if table.iter().any(|(k, _)| k.get_ref().as_ref() == alias.key) {
                ctx.bad(
                    &path,
                    value,
                    format!(
                        "is the SageMaker Python SDK v1 name of {real}, which is also given: \
                         keep only {}",
                        alias.key
                    ),
                );
                continue;
            }
            // As the SDK warns about its renamed parameters, with the name spotsim uses.
            ctx.note(
                key.span(),
                format!(
                    "{path} is the SageMaker Python SDK v1 name; SDK v2 renamed it {}, and \
                     spotsim reads it as {real}",
                    alias.sdk_v2
                ),
                format!(
                    "write {} instead of {} in [{}]",
                    alias.key, alias.name, def.path
                ),
            );
            entries.push((alias.key, key.span(), value));
        }
        TableReader {
            def,
            span,
            entries,
            known: def.accepted_names(),
        }
    }

    fn get(&self, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        debug_assert!(
            self.def.key(key).is_some(),
            "the parser reads `{key}`, which the registry does not declare in [{}]",
            self.def.path
        );
        self.entries
            .iter()
            .find(|(name, _, _)| *name == key)
            .map(|(_, _, value)| *value)
    }

    fn key_path(&self, key: &str) -> String {
        self.def.key_path(key)
    }

    /// The registry's rule for the random-duration `key`.
    fn random_rule(&self, key: &str) -> keys::Random {
        if let Some(keys::Kind::Random(rule)) = self.def.key(key).map(|k| k.kind) {
            rule
        } else {
            debug_assert!(false, "{} is not a random duration", self.key_path(key));
            keys::Random::NON_NEGATIVE
        }
    }

    /// The registry's default of the boolean `key`.
    fn default_bool(&self, key: &str) -> bool {
        if let Some(keys::DefaultValue::Bool(default)) = self.def.key(key).and_then(|k| k.default) {
            default
        } else {
            debug_assert!(false, "{} has no boolean default", self.key_path(key));
            false
        }
    }

    /// Reports a missing required key at the table (its header, or the file start).
    fn missing(&self, ctx: &mut Ctx<'_>, key: &str, rule: &str) {
        let misspelt = self.entries.iter().any(|(name, _, _)| {
            !self.known.contains(name) && closest(name, &self.known) == Some(key)
        });
        if misspelt {
            // `finish` reports the misspelling with "did you mean"; one message is enough.
            return;
        }
        let path = self.key_path(key);
        ctx.error_at(
            self.span.clone(),
            Some(&path),
            format!("{path} is required: {rule}"),
        );
    }

    /// Reports every key that the table does not accept, with the closest one it does.
    fn finish(&self, ctx: &mut Ctx<'_>) {
        for (name, span, value) in &self.entries {
            if self.known.contains(name) {
                continue;
            }
            let path = self.key_path(name);
            let hint = match closest(name, &self.known) {
                Some(best) => format!("did you mean `{}`?", self.key_path(best)),
                None => format!(
                    "valid keys here: {}",
                    self.def
                        .key_names()
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let what = match (self.def.path.is_empty(), value.get_ref()) {
                (true, DeValue::Table(_)) => "table",
                (true, _) => "top-level key",
                (false, _) => "key",
            };
            ctx.error_at(
                span.clone(),
                Some(&path),
                format!("unknown {what} `{path}`: {hint}"),
            );
        }
    }
}

/// The known word with the smallest edit distance, if it is close enough to be a typo: at
/// most one edit per three letters of the known word (and at least one).
pub(crate) fn closest<'k>(word: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .map(|k| (edit_distance(word, k), *k))
        .filter(|(d, k)| *d <= (k.chars().count() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

const DURATION_FORMS: &str = "write seconds as a number or a string with units such as \"90s\", \
                              \"30m\", \"1h30m\"";

fn read_scenario(ctx: &mut Ctx<'_>, document: &Spanned<DeTable<'_>>) -> Option<Scenario> {
    read_scenario_table(ctx, 0..0, document.get_ref())
}

/// A scenario's tables: a whole file (`span` 0..0: missing tables are reported at its start)
/// or the tables a fleet file gives inline at `span`.
fn read_scenario_table(
    ctx: &mut Ctx<'_>,
    span: Range<usize>,
    document: &DeTable<'_>,
) -> Option<Scenario> {
    let top = TableReader::new(ctx, &keys::SCENARIO, span, document);
    top.finish(ctx);
    let empty = DeTable::default();

    let job = match sub_table(ctx, &top, "job") {
        Ok(Some((span, table))) => read_job(ctx, span, table),
        Ok(None) => {
            top.missing(
                ctx,
                "job",
                "add a [job] table with at least `training` (the compute the job needs)",
            );
            None
        }
        Err(()) => None,
    };

    let spot_table = sub_table(ctx, &top, "spot");
    let (spot_span, spot_values) = spot_table.ok().flatten().unwrap_or((0..0, &empty));
    let spot_reader = TableReader::new(ctx, &keys::SPOT, spot_span, spot_values);
    spot_reader.finish(ctx);
    // Some(true/false) when known; None when `enabled` is wrong, so that no rule that depends
    // on it reports a second, confusing problem.
    let spot_enabled = match spot_reader.get("enabled") {
        Some(value) => read_bool(ctx, "spot.enabled", value),
        None if spot_reader.entries.is_empty() => Some(false),
        None => {
            spot_reader.missing(
                ctx,
                "enabled",
                "[spot] has settings but does not say whether spot is used: set enabled = true \
                 for managed spot training (or false to run the job on-demand)",
            );
            None
        }
    };

    let stopping_table = sub_table(ctx, &top, "stopping");
    let (stopping_span, stopping_values) = stopping_table.ok().flatten().unwrap_or((0..0, &empty));
    let stopping = read_stopping(ctx, stopping_span, stopping_values, spot_enabled);

    let mut feed = FeedLookup {
        job: match top.get("job").map(Spanned::get_ref) {
            Some(DeValue::Table(table)) => Some(table),
            _ => None,
        },
        advisor_file: spot_reader.get("advisor_file"),
        done: None,
    };
    let spot = match spot_enabled {
        Some(true) => {
            let instance_type = job.as_ref().and_then(|j| j.instance_type.clone());
            let instance_count = job.as_ref().map_or(1, |j| j.instance_count);
            read_spot(
                ctx,
                &spot_reader,
                instance_type.as_deref(),
                instance_count,
                &mut feed,
            )
            .map(Some)
        }
        Some(false) => Some(None),
        None => None,
    };
    if let (Some(value), None) = (feed.advisor_file, &feed.done) {
        ctx.bad(
            "spot.advisor_file",
            value,
            "is read only by time_to_interruption = { advisor = \"feed\" } or discount = \"feed\", \
             and neither is used: remove it or use one of them",
        );
    }

    let checkpoint = match sub_table(ctx, &top, "checkpoint") {
        Ok(Some((span, table))) => read_checkpoint(ctx, span, table).map(Some),
        Ok(None) => Some(None),
        Err(()) => None,
    };

    let pricing = match sub_table(ctx, &top, "pricing") {
        Ok(Some((span, table))) => read_pricing(ctx, span, table),
        Err(()) => None,
        Ok(None) => {
            top.missing(
                ctx,
                "pricing",
                "add [pricing] with `on_demand_hourly` (USD per instance-hour)",
            );
            None
        }
    };

    let fallback = match sub_table(ctx, &top, "fallback") {
        Ok(Some((span, table))) => {
            let fallback = read_fallback(ctx, span, table);
            if let (Some(false), Some(value)) = (spot_enabled, top.get("fallback")) {
                ctx.bad(
                    "fallback",
                    value,
                    "needs managed spot ([spot] enabled = true): an on-demand job has \
                     nothing to fall back from",
                );
                None
            } else {
                if let (Some(Some(spec)), Some(job)) = (fallback, job.as_ref()) {
                    let checkpoint = checkpoint.as_ref().and_then(Option::as_ref);
                    check_fallback_deadline(ctx, &top, &spec, job, checkpoint);
                }
                fallback
            }
        }
        Ok(None) => Some(None),
        Err(()) => None,
    };

    let (simulation_span, simulation_values) = sub_table(ctx, &top, "simulation")
        .ok()
        .flatten()
        .unwrap_or((0..0, &empty));
    let simulation = read_simulation(ctx, simulation_span, simulation_values);

    let scenario = Scenario {
        job: job?,
        stopping: stopping?,
        spot: spot?,
        checkpoint: checkpoint?,
        fallback: fallback?,
        pricing: pricing?,
        simulation: simulation?,
        notes: Vec::new(),
        advisor_feed: feed.done.flatten(),
    };
    // Valid key by key, but runs that could not end: refused, with the estimate (issue 16).
    if let Some(reason) = super::lint::cannot_end(&scenario) {
        let at = top
            .get("spot")
            .map_or(top.span.clone(), toml::Spanned::span);
        ctx.error(at, reason);
        return None;
    }
    Some(scenario)
}

/// The Spot Advisor feed lookup that `advisor = "feed"` and `discount = "feed"` share: done at
/// most once, so that a missing region is reported once.
struct FeedLookup<'t, 'i> {
    /// The `[job]` table as written, for `instance_type` and `region`.
    job: Option<&'t DeTable<'i>>,
    /// `spot.advisor_file`, when given.
    advisor_file: Option<&'t Spanned<DeValue<'i>>>,
    /// `Some` once looked up: the use, or `None` after a reported problem.
    done: Option<Option<FeedUse>>,
}

impl FeedLookup<'_, '_> {
    /// The job's entry in the feed, for `key` (written `value`), reporting what is missing.
    fn entry(
        &mut self,
        ctx: &mut Ctx<'_>,
        key: &str,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<FeedEntry> {
        if self.done.is_none() {
            self.done = Some(self.look_up(ctx, key, value));
        }
        self.done.as_ref().and_then(|u| u.as_ref().map(|u| u.entry))
    }

    /// Marks what took the feed's figures.
    fn mark(&mut self, bucket: bool, discount: bool) {
        if let Some(Some(feed_use)) = &mut self.done {
            feed_use.bucket_used |= bucket;
            feed_use.discount_used |= discount;
        }
    }

    fn look_up(
        &self,
        ctx: &mut Ctx<'_>,
        key: &str,
        value: &Spanned<DeValue<'_>>,
    ) -> Option<FeedUse> {
        let job_value = |name: &str| self.job.and_then(|job| job.get(name));
        let feed = match self.advisor_file {
            Some(file_value) => {
                let file = read_string(ctx, "spot.advisor_file", file_value)?;
                let path = ctx.base_dir.join(&file);
                match read_feed(&path) {
                    Ok(feed) => std::sync::Arc::new(feed),
                    Err(problems) => {
                        for problem in problems {
                            ctx.bad("spot.advisor_file", file_value, problem);
                        }
                        return None;
                    }
                }
            }
            None => snapshot(),
        };
        let type_value = job_value("instance_type");
        let region_value = job_value("region");
        let instance_type = match type_value.map(Spanned::get_ref) {
            Some(DeValue::String(text)) => Some(text.to_string()),
            _ => None,
        };
        let region = match region_value.map(Spanned::get_ref) {
            Some(DeValue::String(text)) => Some(text.to_string()),
            _ => None,
        };
        let (Some(instance_type), Some(region)) = (instance_type, region) else {
            ctx.bad(
                key,
                value,
                "looks the job up in the Spot Advisor feed, which needs job.instance_type \
                 (e.g. \"ml.g5.2xlarge\") and job.region (e.g. \"eu-west-1\")",
            );
            return None;
        };
        let ec2 = ec2_type(&instance_type).to_string();
        match feed.lookup(&region, &ec2) {
            Ok(entry) => Some(FeedUse {
                region,
                ec2_type: ec2,
                entry,
                bucket_used: false,
                discount_used: false,
                feed,
            }),
            Err(LookupError::Region(message)) => {
                if let Some(v) = region_value {
                    ctx.bad(
                        "job.region",
                        v,
                        format!("{message} (read by {key} = \"feed\")"),
                    );
                }
                None
            }
            Err(LookupError::InstanceType(message)) => {
                if let Some(v) = type_value {
                    ctx.bad(
                        "job.instance_type",
                        v,
                        format!("{message} (read by {key} = \"feed\")"),
                    );
                }
                None
            }
        }
    }
}

/// Looks up a top-level table: `Ok(None)` when absent, `Err(())` (reported) when the key holds
/// something else.
#[allow(clippy::result_unit_err)]
fn sub_table<'t, 'i>(
    ctx: &mut Ctx<'_>,
    top: &TableReader<'t, 'i>,
    key: &str,
) -> Result<Option<(Range<usize>, &'t DeTable<'i>)>, ()> {
    let Some(value) = top.get(key) else {
        return Ok(None);
    };
    if let DeValue::Table(table) = value.get_ref() {
        Ok(Some((value.span(), table)))
    } else {
        ctx.bad(
            key,
            value,
            format!("must be a table: write [{key}] on its own line and the keys below it"),
        );
        Err(())
    }
}

fn read_job(ctx: &mut Ctx<'_>, span: Range<usize>, table: &DeTable<'_>) -> Option<JobSpec> {
    let reader = TableReader::new(ctx, &keys::JOB, span, table);
    reader.finish(ctx);
    let name = reader.get("name").map(|v| read_string(ctx, "job.name", v));
    let instance_type = reader
        .get("instance_type")
        .map(|v| read_string(ctx, "job.instance_type", v));
    let region = reader
        .get("region")
        .map(|v| read_string(ctx, "job.region", v));
    let instance_count = match reader.get("instance_count") {
        Some(value) => {
            read_integer(ctx, "job.instance_count", value, 1, i64::from(u32::MAX)).map(|n| n as u32)
        }
        None => Some(1),
    };
    let training = if let Some(value) = reader.get("training") {
        read_random(ctx, "job.training", value, reader.random_rule("training"))
    } else {
        reader.missing(
            ctx,
            "training",
            "the training compute the job needs with no interruption, e.g. training = \"4h\"",
        );
        None
    };
    let start_hour = match reader.get("start_hour") {
        None => Some(StartHour::Random),
        Some(value) => match value.get_ref() {
            DeValue::String(text) if text.as_ref() == "random" => Some(StartHour::Random),
            DeValue::Integer(_) | DeValue::Float(_) => read_number(ctx, "job.start_hour", value)
                .and_then(|hour| {
                    if (0.0..24.0).contains(&hour) {
                        Some(StartHour::Fixed(hour))
                    } else {
                        ctx.bad(
                            "job.start_hour",
                            value,
                            "must be from 0 to below 24, or \"random\"",
                        );
                        None
                    }
                }),
            _ => {
                ctx.bad(
                    "job.start_hour",
                    value,
                    "must be an hour of the day (0 to below 24) or \"random\"",
                );
                None
            }
        },
    };
    let provisioning = optional_random(ctx, &reader, "provisioning");
    let download = optional_random(ctx, &reader, "download");
    let upload = optional_random(ctx, &reader, "upload");
    Some(JobSpec {
        name: name.flatten(),
        instance_type: instance_type.flatten(),
        region: region.flatten(),
        instance_count: instance_count?,
        training: training?,
        provisioning: provisioning?,
        download: download?,
        upload: upload?,
        start_hour: start_hour?,
    })
}

/// A random duration that defaults to zero, read by the registry's rule for `key`.
fn optional_random(ctx: &mut Ctx<'_>, reader: &TableReader<'_, '_>, key: &str) -> Option<Dist> {
    match reader.get(key) {
        Some(value) => read_random(ctx, &reader.key_path(key), value, reader.random_rule(key)),
        None => Some(Dist::ZERO),
    }
}

fn read_stopping(
    ctx: &mut Ctx<'_>,
    span: Range<usize>,
    table: &DeTable<'_>,
    spot_enabled: Option<bool>,
) -> Option<StoppingSpec> {
    let reader = TableReader::new(ctx, &keys::STOPPING, span, table);
    reader.finish(ctx);
    let max_run_s = match reader.get("max_run") {
        Some(value) => read_whole_seconds(ctx, "stopping.max_run", value).and_then(|s| {
            if (1.0..=MAX_RUN_LIMIT_S).contains(&s) {
                Some(s)
            } else {
                ctx.bad(
                    "stopping.max_run",
                    value,
                    "must be between 1s and 28d (MaxRuntimeInSeconds: 1 to 2,419,200)",
                );
                None
            }
        }),
        None => Some(DEFAULT_MAX_RUN_S),
    };
    let max_wait_s = match (reader.get("max_wait"), spot_enabled) {
        // Whether max_wait is allowed depends on spot.enabled, which is itself wrong: check
        // the value alone.
        (Some(value), None | Some(true)) => {
            read_whole_seconds(ctx, "stopping.max_wait", value).map(Some)
        }
        (None, None | Some(false)) => Some(None),
        (Some(value), Some(false)) => {
            ctx.bad(
                "stopping.max_wait",
                value,
                "is only allowed with spot: the service rejects MaxWaitTimeInSeconds unless \
                 managed spot training is enabled; set spot.enabled = true or remove max_wait",
            );
            None
        }
        (None, Some(true)) => {
            reader.missing(
                ctx,
                "max_wait",
                "the service requires MaxWaitTimeInSeconds with spot: the wall-clock budget from \
                 job creation covering capacity waits, restarts and running time, at least max_run",
            );
            None
        }
    };
    if let (Some(run), Some(Some(wait)), Some(value)) =
        (max_run_s, max_wait_s, reader.get("max_wait"))
        && wait < run
    {
        ctx.bad(
            "stopping.max_wait",
            value,
            format!(
                "must be at least stopping.max_run ({}): MaxWait covers waiting plus running",
                format_duration_exact(run)
            ),
        );
    }
    let max_run_counts = match reader.get("max_run_counts") {
        Some(value) => match read_string(ctx, "stopping.max_run_counts", value).as_deref() {
            Some("all_attempts") => Some(MaxRunCounting::AllAttempts),
            Some("each_attempt") => Some(MaxRunCounting::EachAttempt),
            Some(_) => {
                ctx.bad(
                    "stopping.max_run_counts",
                    value,
                    "must be \"all_attempts\" or \"each_attempt\"",
                );
                None
            }
            None => None,
        },
        None => Some(MaxRunCounting::AllAttempts),
    };
    let max_run_includes_download = optional_bool(ctx, &reader, "max_run_includes_download");
    Some(StoppingSpec {
        max_run_s: max_run_s?,
        max_wait_s: max_wait_s?,
        max_run_counts: max_run_counts?,
        max_run_includes_download: max_run_includes_download?,
    })
}

fn read_spot(
    ctx: &mut Ctx<'_>,
    reader: &TableReader<'_, '_>,
    instance_type: Option<&str>,
    instance_count: u32,
    feed: &mut FeedLookup<'_, '_>,
) -> Option<SpotSpec> {
    let market = match reader.get("market") {
        Some(value) => {
            // The market model decides waits and reclaims: the independent keys cannot join it.
            for key in ["capacity_wait", "time_to_interruption"] {
                if let Some(other) = reader.get(key) {
                    ctx.bad(
                        &format!("spot.{key}"),
                        other,
                        "cannot be used with [spot.market]: the market model decides when \
                         capacity comes and goes; remove one of them",
                    );
                }
            }
            read_market(ctx, value, instance_count)
        }
        None => read_independent_market(ctx, reader, feed),
    };
    let trace_prices = match &market {
        Some(MarketSpec::Trace { trace, file, .. }) => trace
            .prices_usd_per_hour
            .clone()
            .zip(trace.tick_s)
            .map(|(prices, tick_s)| (file.clone(), PriceSeries::ticked(prices, tick_s))),
        _ => None,
    };
    let price = match (reader.get("discount"), reader.get("price")) {
        (Some(_), Some(price_value)) => {
            ctx.bad(
                "spot.price",
                price_value,
                "and spot.discount both set what spot costs: keep one",
            );
            None
        }
        (Some(value), None) if matches!(value.get_ref(), DeValue::String(t) if t.as_ref() == "feed") =>
        {
            // s / 100: EC2's savings figure taken as SageMaker's discount (docs/model.md).
            let entry = feed.entry(ctx, "spot.discount", value)?;
            feed.mark(false, true);
            if entry.savings_pct < 0 {
                ctx.bad(
                    "spot.discount",
                    value,
                    format!(
                        "takes the Spot Advisor feed's savings, {} % for this type and region: \
                         spot costs more than on-demand there, and a discount must be at least \
                         0; write the discount by hand or give spot.price",
                        entry.savings_pct
                    ),
                );
                return None;
            }
            Some(SpotPriceSpec::Discount(entry.discount()))
        }
        (Some(value), None) => read_number(ctx, "spot.discount", value).and_then(|d| {
            if (0.0..1.0).contains(&d) {
                Some(SpotPriceSpec::Discount(d))
            } else {
                ctx.bad(
                    "spot.discount",
                    value,
                    "must be at least 0 and below 1 (spot price = (1 - discount) x on-demand; \
                     0.70 means 70 % off)",
                );
                None
            }
        }),
        (None, Some(value)) => read_price_history(ctx, value, instance_type),
        (None, None) => {
            if let Some((file, series)) = trace_prices {
                // A trace with its own per-tick prices bills at them.
                Some(history_spec(format!("{file} (the trace's prices)"), series))
            } else {
                reader.missing(
                    ctx,
                    "discount",
                    "what spot costs: the discount off the on-demand price, e.g. discount = 0.70 \
                     (or a price history, spot.price = { file = ..., format = ... })",
                );
                None
            }
        }
    };
    let bill_interrupted_attempt = optional_bool(ctx, reader, "bill_interrupted_attempt");
    let profile = match reader.get("profile") {
        Some(value) if matches!(market, Some(MarketSpec::Trace { .. })) => {
            ctx.bad(
                "spot.profile",
                value,
                "cannot be used with a trace market: the trace already says when capacity is there",
            );
            None
        }
        Some(value) => read_profile(ctx, value).map(Some),
        None => Some(None),
    };
    let reclaim = match reader.get("reclaim") {
        None => Some(Reclaim::PerInstance),
        Some(value) if reader.get("market").is_some() => {
            ctx.bad(
                "spot.reclaim",
                value,
                "applies to time_to_interruption only: a Markov or trace market already takes \
                 capacity from the whole cluster at once; remove it",
            );
            None
        }
        Some(value) => match read_string(ctx, "spot.reclaim", value).as_deref() {
            Some("per_instance") => Some(Reclaim::PerInstance),
            Some("cluster") => Some(Reclaim::Cluster),
            Some(_) => {
                ctx.bad(
                    "spot.reclaim",
                    value,
                    "must be \"per_instance\" (each instance its own time to interruption, the \
                     default) or \"cluster\" (one for the whole cluster)",
                );
                None
            }
            None => None,
        },
    };
    Some(SpotSpec {
        reclaim: reclaim?,
        profile: profile?,
        market: market?,
        price: price?,
        bill_interrupted_attempt: bill_interrupted_attempt?,
    })
}

fn history_spec(source: String, series: PriceSeries) -> SpotPriceSpec {
    SpotPriceSpec::History {
        source,
        period_s: series.period_s(),
        mean_usd_per_hour: series.mean_usd_per_hour(),
        series: std::sync::Arc::new(series),
    }
}

/// `spot.price = { file, format, ... }`: a spot price history that billing follows.
fn read_price_history(
    ctx: &mut Ctx<'_>,
    value: &Spanned<DeValue<'_>>,
    job_instance_type: Option<&str>,
) -> Option<SpotPriceSpec> {
    let DeValue::Table(table) = value.get_ref() else {
        ctx.bad(
            "spot.price",
            value,
            "must be a table: spot.price = { file = \"...\", format = \"aws-cli\" | \"tsv\" | \"series\" }",
        );
        return None;
    };
    let reader = TableReader::new(ctx, &keys::PRICE, value.span(), table);
    reader.finish(ctx);
    let text = |ctx: &mut Ctx<'_>, key: &str| {
        reader
            .get(key)
            .and_then(|v| read_string(ctx, &format!("spot.price.{key}"), v))
    };
    let Some(file_value) = reader.get("file") else {
        reader.missing(
            ctx,
            "file",
            "the price history file, relative to the scenario file",
        );
        return None;
    };
    let Some(format_value) = reader.get("format") else {
        reader.missing(ctx, "format", "\"aws-cli\", \"tsv\" or \"series\"");
        return None;
    };
    let file = read_string(ctx, "spot.price.file", file_value)?;
    let format = read_string(ctx, "spot.price.format", format_value)?;
    // The EC2 type of an `ml.` SageMaker type: spot prices are published for EC2 types.
    let filter = PriceFilter {
        instance_type: text(ctx, "instance_type")
            .or_else(|| job_instance_type.map(str::to_string))
            .map(|t| t.trim_start_matches("ml.").to_string()),
        zone: text(ctx, "zone"),
        product: text(ctx, "product"),
    };
    let path = ctx.base_dir.join(&file);
    let bytes = match read_bounded(&path, FileKind::Price) {
        Ok(bytes) => bytes,
        Err(error) => {
            ctx.bad(
                "spot.price.file",
                file_value,
                format!("cannot be read ({}): {}", path.display(), error.detail()),
            );
            return None;
        }
    };
    let handle = bytes.as_slice();
    let (series, described) = match format.as_str() {
        "aws-cli" | "tsv" => {
            let series = if format == "tsv" {
                read_tsv(handle, &filter)
            } else {
                read_aws_cli(handle, &filter)
            };
            let described = [&filter.instance_type, &filter.zone, &filter.product]
                .iter()
                .filter_map(|v| v.as_deref())
                .collect::<Vec<_>>()
                .join(", ");
            (series, described)
        }
        "series" => {
            let Some(name) = text(ctx, "series") else {
                reader.missing(
                    ctx,
                    "series",
                    "the name of the price list in the JSON object",
                );
                return None;
            };
            let Some(tick_value) = reader.get("tick") else {
                reader.missing(ctx, "tick", "the time between prices, e.g. tick = \"195s\"");
                return None;
            };
            let tick_s = read_duration(ctx, "spot.price.tick", tick_value)?;
            if tick_s <= 0.0 {
                ctx.bad("spot.price.tick", tick_value, "must be greater than zero");
                return None;
            }
            (read_series(handle, &name, tick_s), name)
        }
        _ => {
            ctx.bad(
                "spot.price.format",
                format_value,
                "must be \"aws-cli\", \"tsv\" or \"series\"",
            );
            return None;
        }
    };
    match series {
        Ok(series) => Some(history_spec(
            format!("{file} ({format}, {described})"),
            series,
        )),
        Err(error) => {
            let at = error.line.map(|l| format!(":{l}")).unwrap_or_default();
            ctx.bad(
                "spot.price.file",
                file_value,
                format!("{}{at}: {}", path.display(), error.message),
            );
            None
        }
    }
}

/// `[spot.profile]`: 24 hourly multipliers on the interruption hazard.
fn read_profile(ctx: &mut Ctx<'_>, value: &Spanned<DeValue<'_>>) -> Option<ProfileSpec> {
    let DeValue::Table(table) = value.get_ref() else {
        ctx.bad(
            "spot.profile",
            value,
            "must be a table: [spot.profile] with hourly = [24 numbers]",
        );
        return None;
    };
    let reader = TableReader::new(ctx, &keys::PROFILE, value.span(), table);
    reader.finish(ctx);
    let scale_capacity_wait = optional_bool(ctx, &reader, "scale_capacity_wait");
    let Some(hourly_value) = reader.get("hourly") else {
        reader.missing(
            ctx,
            "hourly",
            "24 multipliers of the interruption hazard, one per hour from 00:00, e.g. \
             hourly = [1, 1, ..., 1]",
        );
        return None;
    };
    let rule = "must be a list of 24 numbers, one per hour from 00:00, each at least 0 and not \
                all 0";
    let DeValue::Array(items) = hourly_value.get_ref() else {
        ctx.bad("spot.profile.hourly", hourly_value, rule);
        return None;
    };
    if items.len() != 24 {
        ctx.bad(
            "spot.profile.hourly",
            hourly_value,
            format!("has {} numbers but {rule}", items.len()),
        );
        return None;
    }
    let mut hourly = [0.0; 24];
    let mut ok = true;
    for (hour, item) in items.iter().enumerate() {
        let key = format!("spot.profile.hourly[{hour}]");
        match read_number(ctx, &key, item) {
            Some(m) if (0.0..=MAX_HOURLY_MULTIPLIER).contains(&m) => hourly[hour] = m,
            Some(_) => {
                ctx.bad(
                    &key,
                    item,
                    "must be from 0 to 1000000 (a multiplier of the hazard)",
                );
                ok = false;
            }
            None => ok = false,
        }
    }
    if ok && hourly.iter().all(|m| *m == 0.0) {
        ctx.bad("spot.profile.hourly", hourly_value, rule);
        return None;
    }
    Some(ProfileSpec {
        hourly: ok.then_some(hourly)?,
        scale_capacity_wait: scale_capacity_wait?,
    })
}

/// `[spot.market]`: a model of capacity that replaces the two independent distributions.
fn read_market(
    ctx: &mut Ctx<'_>,
    value: &Spanned<DeValue<'_>>,
    instance_count: u32,
) -> Option<MarketSpec> {
    let DeValue::Table(table) = value.get_ref() else {
        ctx.bad(
            "spot.market",
            value,
            "must be a table: [spot.market] with model = \"markov\" and its keys",
        );
        return None;
    };
    let reader = TableReader::new(ctx, &keys::MARKET, value.span(), table);
    reader.finish(ctx);
    let Some(model_value) = reader.get("model") else {
        reader.missing(ctx, "model", "the market model, e.g. model = \"markov\"");
        return None;
    };
    match read_string(ctx, "spot.market.model", model_value)?.as_str() {
        "markov" => {
            for key in ["file", "format", "start", "windows"] {
                if let Some(value) = reader.get(key) {
                    ctx.bad(
                        &format!("spot.market.{key}"),
                        value,
                        "belongs to model = \"trace\"; a Markov market has only mean_available \
                         and mean_unavailable",
                    );
                }
            }
            let mut period = |name: &str, meaning: &str| {
                if let Some(v) = reader.get(name) {
                    let path = format!("spot.market.{name}");
                    let seconds = read_duration(ctx, &path, v)?;
                    if seconds > 0.0 {
                        Some(seconds)
                    } else {
                        ctx.bad(&path, v, "must be greater than zero");
                        None
                    }
                } else {
                    reader.missing(ctx, name, meaning);
                    None
                }
            };
            let mean_available_s = period(
                "mean_available",
                "the mean length of a period with capacity, e.g. mean_available = \"6h\"",
            );
            let mean_unavailable_s = period(
                "mean_unavailable",
                "the mean length of a period without capacity, e.g. mean_unavailable = \"45m\"",
            );
            Some(MarketSpec::Markov {
                mean_available_s: mean_available_s?,
                mean_unavailable_s: mean_unavailable_s?,
            })
        }
        "trace" => read_trace_market(ctx, &reader, instance_count),
        _ => {
            ctx.bad(
                "spot.market.model",
                model_value,
                "is not a market model spotsim knows: use \"markov\" or \"trace\" (or leave \
                 [spot.market] out and give capacity_wait and time_to_interruption)",
            );
            None
        }
    }
}

/// `model = "trace"`: a recorded availability series from `file` in `format`.
fn read_trace_market(
    ctx: &mut Ctx<'_>,
    reader: &TableReader<'_, '_>,
    instance_count: u32,
) -> Option<MarketSpec> {
    for key in ["mean_available", "mean_unavailable"] {
        if let Some(value) = reader.get(key) {
            ctx.bad(
                &format!("spot.market.{key}"),
                value,
                "belongs to model = \"markov\"; a trace decides the periods itself",
            );
        }
    }
    let start = match reader.get("start") {
        None => Some(TraceStart::Random),
        Some(value) => match value.get_ref() {
            DeValue::String(text) if text.as_ref() == "random" => Some(TraceStart::Random),
            DeValue::String(text) if text.as_ref() == "window" => {
                if let Some(windows) = reader.get("windows") {
                    read_integer(ctx, "spot.market.windows", windows, 1, 1_000_000)
                        .map(|n| TraceStart::Windows(n as u32))
                } else {
                    reader.missing(
                        ctx,
                        "windows",
                        "with start = \"window\": into how many equal windows to cut the trace; \
                     run i starts at the beginning of window i mod windows",
                    );
                    None
                }
            }
            _ => read_duration(ctx, "spot.market.start", value).map(TraceStart::At),
        },
    };
    if let (Some(value), Some(start)) = (reader.get("windows"), start)
        && !matches!(start, TraceStart::Windows(_))
    {
        ctx.bad(
            "spot.market.windows",
            value,
            "only goes with start = \"window\"",
        );
    }
    let Some(file_value) = reader.get("file") else {
        reader.missing(ctx, "file", "the trace file, relative to the scenario file");
        return None;
    };
    let Some(format_value) = reader.get("format") else {
        reader.missing(
            ctx,
            "format",
            "the trace's format: \"spot-traces\" (counts available), \"skynomad\" \
             (1 = preempted) or \"events\" (time_ms,add|remove,node)",
        );
        return None;
    };
    let file = read_string(ctx, "spot.market.file", file_value)?;
    let format_name = read_string(ctx, "spot.market.format", format_value)?;
    let format = match format_name.as_str() {
        "spot-traces" => TraceFormat::SpotTraces,
        "skynomad" => TraceFormat::Skynomad,
        "events" => TraceFormat::Events,
        _ => {
            ctx.bad(
                "spot.market.format",
                format_value,
                "must be \"spot-traces\", \"skynomad\" or \"events\"",
            );
            return None;
        }
    };
    let path = ctx.base_dir.join(&file);
    let trace = match read_bounded(&path, FileKind::Trace) {
        Ok(bytes) => read_trace(bytes.as_slice(), format),
        Err(error) => {
            ctx.bad(
                "spot.market.file",
                file_value,
                format!("cannot be read ({}): {}", path.display(), error.detail()),
            );
            return None;
        }
    };
    match trace {
        Ok(trace) => {
            let start = start?;
            if crate::inputs::availability::Availability::new(&trace, instance_count).share() == 0.0
            {
                let peak = trace.steps.iter().map(|s| s.1).max().unwrap_or(0);
                ctx.bad(
                    "spot.market.file",
                    file_value,
                    format!(
                        "{}: the trace never has the {instance_count} instance(s) the job needs \
                         (at most {peak} at once): every run would wait until MaxWait",
                        path.display()
                    ),
                );
                return None;
            }
            if let (TraceStart::At(start_s), Some(value)) = (start, reader.get("start"))
                && start_s >= trace.period_s
            {
                ctx.bad(
                    "spot.market.start",
                    value,
                    format!(
                        "must be within the trace, which is {} long (or \"random\")",
                        format_duration_exact(trace.period_s.floor())
                    ),
                );
                return None;
            }
            Some(MarketSpec::Trace {
                file,
                format: format_name,
                period_s: trace.period_s,
                start,
                trace: std::sync::Arc::new(trace),
            })
        }
        Err(error) => {
            let at = error.line.map(|l| format!(":{l}")).unwrap_or_default();
            ctx.bad(
                "spot.market.file",
                file_value,
                format!("{}{at}: {}", path.display(), error.message),
            );
            None
        }
    }
}

/// The market as two independent distributions, `capacity_wait` and `time_to_interruption`.
fn read_independent_market(
    ctx: &mut Ctx<'_>,
    reader: &TableReader<'_, '_>,
    feed: &mut FeedLookup<'_, '_>,
) -> Option<MarketSpec> {
    let capacity_wait = if let Some(value) = reader.get("capacity_wait") {
        read_random(
            ctx,
            "spot.capacity_wait",
            value,
            reader.random_rule("capacity_wait"),
        )
    } else {
        reader.missing(
            ctx,
            "capacity_wait",
            "how long the job waits for capacity before every (re)start, e.g. \
             capacity_wait = { dist = \"exponential\", mean = \"5m\" } (or \"0s\")",
        );
        None
    };
    let mut advisor_source = None;
    let time_to_interruption = match reader.get("time_to_interruption") {
        Some(value) if is_advisor_table(value) => read_advisor(ctx, value, feed).map(|source| {
            let mean_s = source.mean_time_to_interruption_s;
            advisor_source = Some(source);
            if mean_s.is_finite() {
                Dist::Exponential { mean_s }
            } else {
                Dist::Never
            }
        }),
        Some(value) => read_random(
            ctx,
            "spot.time_to_interruption",
            value,
            reader.random_rule("time_to_interruption"),
        ),
        None => {
            reader.missing(
                ctx,
                "time_to_interruption",
                "per instance, from capacity grant to reclaim, e.g. \
                 time_to_interruption = { dist = \"exponential\", mean = \"6h\" } (or \"never\")",
            );
            None
        }
    };
    Some(MarketSpec::Independent {
        capacity_wait: capacity_wait?,
        time_to_interruption: time_to_interruption?,
        time_to_interruption_advisor: advisor_source,
    })
}

fn read_checkpoint(
    ctx: &mut Ctx<'_>,
    span: Range<usize>,
    table: &DeTable<'_>,
) -> Option<CheckpointSpec> {
    let reader = TableReader::new(ctx, &keys::CHECKPOINT, span, table);
    reader.finish(ctx);
    let interval_s = if let Some(value) = reader.get("interval") {
        read_duration(ctx, "checkpoint.interval", value).and_then(|s| {
            if s > 0.0 {
                Some(s)
            } else {
                ctx.bad(
                    "checkpoint.interval",
                    value,
                    "must be greater than zero (remove [checkpoint] for a job that does not \
                 checkpoint)",
                );
                None
            }
        })
    } else {
        reader.missing(
            ctx,
            "interval",
            "the training progress between checkpoints, e.g. interval = \"30m\"",
        );
        None
    };
    let save = optional_random(ctx, &reader, "save");
    let restore = optional_random(ctx, &reader, "restore");
    let sync_s = match reader.get("sync") {
        Some(value) => {
            read_duration(ctx, "checkpoint.sync", value).and_then(|sync_s| match interval_s {
                Some(interval_s) if sync_s > interval_s => {
                    ctx.bad(
                        "checkpoint.sync",
                        value,
                        format!(
                            "must not exceed checkpoint.interval ({}): a checkpoint must reach S3 \
                             before the next one is written",
                            format_duration_exact(interval_s)
                        ),
                    );
                    None
                }
                _ => Some(sync_s),
            })
        }
        None => Some(0.0),
    };
    let on_notice = optional_bool(ctx, &reader, "on_notice");
    Some(CheckpointSpec {
        interval_s: interval_s?,
        save: save?,
        restore: restore?,
        sync_s: sync_s?,
        on_notice: on_notice?,
    })
}

/// `[fallback]`: the rule and the keys that go with it. `Some(None)` never: the table is
/// present, so the answer is a rule or a reported problem.
fn read_fallback(
    ctx: &mut Ctx<'_>,
    span: Range<usize>,
    table: &DeTable<'_>,
) -> Option<Option<FallbackSpec>> {
    let reader = TableReader::new(ctx, &keys::FALLBACK, span, table);
    reader.finish(ctx);
    let duration = |ctx: &mut Ctx<'_>, key: &str| {
        reader
            .get(key)
            .map(|value| read_duration(ctx, &reader.key_path(key), value))
    };
    let margin_s = duration(ctx, "margin").unwrap_or(Some(0.0));
    let reaction_s = duration(ctx, "reaction").unwrap_or(Some(0.0));
    let deadline_s = duration(ctx, "deadline");
    let waiting_s = duration(ctx, "waiting");
    let interruptions = reader.get("interruptions").map(|value| {
        read_integer(ctx, "fallback.interruptions", value, 1, i64::from(u32::MAX)).map(|n| n as u32)
    });
    let Some(when_value) = reader.get("when") else {
        reader.missing(
            ctx,
            "when",
            "when to go on-demand: \"deadline\", \"max_wait\", \"interruptions\" or \
             \"waiting\", e.g. when = \"deadline\" with deadline = \"52h\"",
        );
        return None;
    };
    let when_name = read_string(ctx, "fallback.when", when_value)?;
    // Each rule's own key; the others' keys are refused, so that no setting is silently ignored.
    let own: &[&str] = match when_name.as_str() {
        "deadline" => &["deadline", "margin"],
        "max_wait" => &[],
        "interruptions" => &["interruptions"],
        "waiting" => &["waiting"],
        _ => {
            ctx.bad(
                "fallback.when",
                when_value,
                "must be \"deadline\", \"max_wait\", \"interruptions\" or \"waiting\"",
            );
            return None;
        }
    };
    let mut ok = true;
    for key in ["deadline", "margin", "interruptions", "waiting"] {
        if let Some(value) = reader.get(key)
            && !own.contains(&key)
        {
            ctx.bad(
                &reader.key_path(key),
                value,
                format!("does not go with when = \"{when_name}\""),
            );
            ok = false;
        }
    }
    let positive =
        |ctx: &mut Ctx<'_>, key: &str, seconds: Option<Option<f64>>, example: &str| match seconds {
            Some(Some(s)) if s > 0.0 => Some(s),
            Some(Some(_)) => {
                let value = reader.get(key).expect("read from the table");
                ctx.bad(&reader.key_path(key), value, "must be greater than zero");
                None
            }
            Some(None) => None,
            None => {
                reader.missing(
                    ctx,
                    key,
                    &format!("with when = \"{when_name}\", e.g. {key} = {example}"),
                );
                None
            }
        };
    let when = match when_name.as_str() {
        "deadline" => FallbackWhen::Deadline {
            deadline_s: positive(ctx, "deadline", deadline_s, "\"52h\"")?,
            margin_s: margin_s?,
        },
        "max_wait" => FallbackWhen::MaxWait,
        "interruptions" => {
            if let Some(n) = interruptions {
                FallbackWhen::Interruptions { interruptions: n? }
            } else {
                reader.missing(
                    ctx,
                    "interruptions",
                    "with when = \"interruptions\": after how many interruptions to go \
                 on-demand, e.g. interruptions = 3",
                );
                return None;
            }
        }
        _ => FallbackWhen::Waiting {
            waiting_s: positive(ctx, "waiting", waiting_s, "\"2h\"")?,
        },
    };
    if !ok {
        return None;
    }
    Some(Some(FallbackSpec {
        when,
        reaction_s: reaction_s?,
    }))
}

/// A deadline the on-demand job alone cannot meet (its expected provisioning, download,
/// training, checkpoint saves and upload, plus the margin) is refused: no rule could keep it.
/// The saves are counted as the engine's deadline rule counts them
/// ([`super::regular_saves_left`] times the mean save), or a deadline the engine must miss
/// would pass.
fn check_fallback_deadline(
    ctx: &mut Ctx<'_>,
    top: &TableReader<'_, '_>,
    spec: &FallbackSpec,
    job: &JobSpec,
    checkpoint: Option<&CheckpointSpec>,
) {
    let FallbackWhen::Deadline {
        deadline_s,
        margin_s,
    } = spec.when
    else {
        return;
    };
    let training_s = job.training.mean_s();
    let saves_s = checkpoint.map_or(0.0, |c| {
        super::regular_saves_left(training_s, c.interval_s) * c.save.mean_s()
    });
    let needed_s = job.provisioning.mean_s()
        + job.download.mean_s()
        + training_s
        + saves_s
        + job.upload.mean_s()
        + margin_s;
    let Some(DeValue::Table(table)) = top.get("fallback").map(toml::Spanned::get_ref) else {
        return;
    };
    let Some(value) = table.get("deadline") else {
        return;
    };
    if needed_s > deadline_s {
        let parts = match (saves_s > 0.0, margin_s > 0.0) {
            (true, true) => format!(
                "provisioning, download, training, {} of checkpoint saves and upload, plus the \
                 margin {}",
                format_duration_exact(saves_s.round()),
                format_duration_exact(margin_s)
            ),
            (true, false) => format!(
                "provisioning, download, training, {} of checkpoint saves and upload",
                format_duration_exact(saves_s.round())
            ),
            (false, true) => format!(
                "provisioning, download, training and upload, plus the margin {}",
                format_duration_exact(margin_s)
            ),
            (false, false) => "provisioning, download, training and upload".to_string(),
        };
        ctx.bad(
            "fallback.deadline",
            value,
            format!(
                "is shorter than the on-demand job alone ({} expected: {parts}): no fallback can \
                 meet it",
                format_duration_exact(needed_s.round()),
            ),
        );
    }
}

fn read_pricing(ctx: &mut Ctx<'_>, span: Range<usize>, table: &DeTable<'_>) -> Option<PricingSpec> {
    let reader = TableReader::new(ctx, &keys::PRICING, span, table);
    reader.finish(ctx);
    let on_demand_hourly_usd = if let Some(value) = reader.get("on_demand_hourly") {
        if matches!(value.get_ref(), DeValue::String(_)) {
            // A text where the price goes: `spotsim import`'s placeholder for a type whose
            // price spotsim does not know, or a user's note. spotsim has no price list.
            ctx.bad(
                "pricing.on_demand_hourly",
                value,
                "must be a number, not text: set it to the on-demand price of your instance \
                 type in your region, in USD per instance-hour (e.g. on_demand_hourly = 3.825); \
                 spotsim has no price list, and `spotsim import ... --price-per-hour USD` \
                 writes it",
            );
            return None;
        }
        read_number(ctx, "pricing.on_demand_hourly", value).and_then(|p| {
            if p > 0.0 && p <= MAX_HOURLY_USD {
                Some(p)
            } else {
                ctx.bad(
                    "pricing.on_demand_hourly",
                    value,
                    "must be greater than zero and at most 100000 (USD per instance-hour)",
                );
                None
            }
        })
    } else {
        reader.missing(
            ctx,
            "on_demand_hourly",
            "the on-demand price in USD per instance-hour, e.g. on_demand_hourly = 3.825",
        );
        None
    };
    Some(PricingSpec {
        on_demand_hourly_usd: on_demand_hourly_usd?,
    })
}

fn read_simulation(
    ctx: &mut Ctx<'_>,
    span: Range<usize>,
    table: &DeTable<'_>,
) -> Option<SimulationSpec> {
    let reader = TableReader::new(ctx, &keys::SIMULATION, span, table);
    reader.finish(ctx);
    let runs = match reader.get("runs") {
        Some(value) => {
            read_integer(ctx, "simulation.runs", value, 1, MAX_RUNS as i64).map(|n| n as u64)
        }
        None => Some(DEFAULT_RUNS),
    };
    let seed = match reader.get("seed") {
        Some(value) => read_integer(ctx, "simulation.seed", value, 0, i64::MAX).map(|n| n as u64),
        None => Some(DEFAULT_SEED),
    };
    let max_events = match reader.get("max_events") {
        Some(value) => read_integer(
            ctx,
            "simulation.max_events",
            value,
            MIN_MAX_EVENTS as i64,
            MAX_MAX_EVENTS as i64,
        )
        .map(|n| n as u64),
        None => Some(DEFAULT_MAX_EVENTS),
    };
    Some(SimulationSpec {
        runs: runs?,
        seed: seed?,
        max_events: max_events?,
    })
}

/// An optional boolean key with its default from the registry.
fn optional_bool(ctx: &mut Ctx<'_>, reader: &TableReader<'_, '_>, key: &str) -> Option<bool> {
    match reader.get(key) {
        Some(value) => read_bool(ctx, &reader.key_path(key), value),
        None => Some(reader.default_bool(key)),
    }
}

fn read_bool(ctx: &mut Ctx<'_>, key: &str, value: &Spanned<DeValue<'_>>) -> Option<bool> {
    if let DeValue::Boolean(b) = value.get_ref() {
        Some(*b)
    } else {
        ctx.bad(key, value, "must be true or false");
        None
    }
}

fn read_string(ctx: &mut Ctx<'_>, key: &str, value: &Spanned<DeValue<'_>>) -> Option<String> {
    if let DeValue::String(s) = value.get_ref() {
        Some(s.to_string())
    } else {
        ctx.bad(key, value, "must be a string in quotes");
        None
    }
}

/// A TOML integer in `[min, max]`.
fn read_integer(
    ctx: &mut Ctx<'_>,
    key: &str,
    value: &Spanned<DeValue<'_>>,
    min: i64,
    max: i64,
) -> Option<i64> {
    let parsed = match value.get_ref() {
        DeValue::Integer(i) => {
            let digits = i.as_str().replace('_', "");
            let (sign, body) = match digits.strip_prefix('-') {
                Some(rest) => (-1, rest.to_string()),
                None => (1, digits.trim_start_matches('+').to_string()),
            };
            let body = body
                .strip_prefix("0x")
                .or_else(|| body.strip_prefix("0o"))
                .or_else(|| body.strip_prefix("0b"))
                .unwrap_or(&body);
            i64::from_str_radix(body, i.radix()).ok().map(|n| sign * n)
        }
        _ => None,
    };
    match parsed {
        Some(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            ctx.bad(
                key,
                value,
                format!("must be a whole number from {min} to {max}"),
            );
            None
        }
    }
}

/// A finite TOML number (integer or float).
fn read_number(ctx: &mut Ctx<'_>, key: &str, value: &Spanned<DeValue<'_>>) -> Option<f64> {
    let number = match value.get_ref() {
        DeValue::Integer(i) => i.as_str().replace('_', "").parse::<f64>().ok(),
        DeValue::Float(f) => f.as_str().replace('_', "").parse::<f64>().ok(),
        _ => {
            ctx.bad(key, value, "must be a number");
            return None;
        }
    };
    match number {
        Some(n) if n.is_finite() => Some(n),
        _ => {
            ctx.bad(key, value, "must be a finite number (not nan or inf)");
            None
        }
    }
}

/// A fixed, non-negative duration: a number of seconds or a string with units.
fn read_duration(ctx: &mut Ctx<'_>, key: &str, value: &Spanned<DeValue<'_>>) -> Option<f64> {
    let seconds = match value.get_ref() {
        DeValue::Integer(_) | DeValue::Float(_) => read_number(ctx, key, value)?,
        DeValue::String(text) => match parse_duration_s(text) {
            Ok(s) => s,
            Err(reason) => {
                ctx.bad(key, value, reason);
                return None;
            }
        },
        _ => {
            ctx.bad(key, value, format!("must be a duration: {DURATION_FORMS}"));
            return None;
        }
    };
    if seconds < 0.0 {
        ctx.bad(key, value, "must not be negative");
        return None;
    }
    if seconds > MAX_DURATION_S {
        ctx.bad(
            key,
            value,
            "must be at most 3650d (10 years): no SageMaker job lives past 30 days",
        );
        return None;
    }
    Some(seconds)
}

/// A duration in whole seconds, as the API's `...InSeconds` fields take.
fn read_whole_seconds(ctx: &mut Ctx<'_>, key: &str, value: &Spanned<DeValue<'_>>) -> Option<f64> {
    let seconds = read_duration(ctx, key, value)?;
    if seconds.fract() != 0.0 {
        ctx.bad(
            key,
            value,
            "must be a whole number of seconds (the API takes integer seconds)",
        );
        return None;
    }
    Some(seconds)
}

/// A random duration: a fixed duration, `"never"` where `rule` allows it, or a distribution
/// table of one of the registry's forms ([`keys::DIST_FORMS`]).
fn read_random(
    ctx: &mut Ctx<'_>,
    key: &str,
    value: &Spanned<DeValue<'_>>,
    rule: keys::Random,
) -> Option<Dist> {
    let sign = rule.sign;
    if let DeValue::String(text) = value.get_ref()
        && text.trim().eq_ignore_ascii_case("never")
    {
        if text.trim() != "never" {
            ctx.bad(key, value, "is written \"never\", in lower case");
            return None;
        }
        if rule.never {
            return Some(Dist::Never);
        }
        ctx.bad(key, value, "cannot be \"never\"");
        return None;
    }
    let DeValue::Table(table) = value.get_ref() else {
        let seconds = read_duration(ctx, key, value)?;
        if !sign.admits(seconds) {
            ctx.bad(key, value, sign.rule());
            return None;
        }
        return Some(Dist::constant(seconds));
    };
    let Some(kind_value) = table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == "dist")
        .map(|(_, v)| v)
    else {
        // A misspelt `dist` (or `advisor`) is named at the key, as in any other table.
        let mut heads = vec!["dist"];
        if rule.advisor {
            heads.push("advisor");
        }
        let misspelt = table.iter().find_map(|(name, _)| {
            let text: &str = name.get_ref().as_ref();
            closest(text, &heads).map(|best| (name, text, best))
        });
        match misspelt {
            Some((name, text, best)) => ctx.error(
                name.span(),
                format!("unknown key `{key}.{text}`: did you mean `{key}.{best}`?"),
            ),
            None => ctx.bad(
                key,
                value,
                "is a table without `dist`: write e.g. { dist = \"exponential\", mean = \"5m\" }",
            ),
        }
        return None;
    };
    let kind = if let DeValue::String(s) = kind_value.get_ref() {
        s.to_string()
    } else {
        ctx.bad(&format!("{key}.dist"), kind_value, "must be a string");
        return None;
    };
    let has = |name: &str| table.iter().any(|(k, _)| k.get_ref().as_ref() == name);
    let forms: Vec<&keys::DistForm> = keys::DIST_FORMS
        .iter()
        .filter(|form| form.dist == kind)
        .collect();
    if forms.is_empty() {
        let names = keys::dist_names();
        let (last, rest) = names.split_last().unwrap_or((&"", &[]));
        ctx.bad(
            &format!("{key}.dist"),
            kind_value,
            format!(
                "is not a known distribution: use {} or {last}",
                rest.join(", ")
            ),
        );
        return None;
    }
    // A distribution given in several forms (the lognormal) is told by its parameters: a form
    // is chosen by a parameter no other form of it has, the first form by default.
    let only_in = |form: &keys::DistForm, name: &str| {
        forms
            .iter()
            .filter(|other| other.params.iter().any(|p| p.name == name))
            .count()
            == 1
            && form.params.iter().any(|p| p.name == name)
    };
    let chosen: Vec<&keys::DistForm> = forms
        .iter()
        .copied()
        .filter(|form| {
            form.params
                .iter()
                .any(|p| has(p.name) && only_in(form, p.name))
        })
        .collect();
    if chosen.len() > 1 {
        let ways: Vec<String> = chosen
            .iter()
            .map(|form| form.param_names().join(" and "))
            .collect();
        ctx.bad(
            key,
            value,
            format!("gives a {kind} two ways: use either {}", ways.join(", or ")),
        );
        return None;
    }
    let form = chosen.first().copied().unwrap_or(forms[0]);
    let mut params = vec!["dist"];
    params.extend(form.param_names());
    let lognormal_by_moments = params.contains(&"std");
    let errors_before = ctx.errors.len();
    for (name, _) in table {
        let name_text: &str = name.get_ref().as_ref();
        if !params.contains(&name_text) {
            let hint = closest(name_text, &params).map_or_else(
                || {
                    let vowel = kind.starts_with(['a', 'e', 'i', 'o', 'u']);
                    let article = if vowel { "an" } else { "a" };
                    format!(
                        "{article} {kind} distribution takes {}",
                        params[1..].join(", ")
                    )
                },
                |p| format!("did you mean `{p}`?"),
            );
            ctx.error(
                name.span(),
                format!("unknown key `{key}.{name_text}` for dist = \"{kind}\": {hint}"),
            );
        }
    }
    let param = |ctx: &mut Ctx<'_>, name: &str| -> Option<&Spanned<DeValue<'_>>> {
        let found = table
            .iter()
            .find(|(k, _)| k.get_ref().as_ref() == name)
            .map(|(_, v)| v);
        if found.is_none() {
            let written = ctx.written(&value.span());
            ctx.error(
                value.span(),
                format!("{key} ({written}) needs `{name}` for dist = \"{kind}\""),
            );
        }
        found
    };
    // A duration parameter that must be positive (or non-negative where the sign allows zero).
    let duration_param = |ctx: &mut Ctx<'_>, name: &str, sign: Sign| -> Option<f64> {
        let v = param(ctx, name)?;
        let path = format!("{key}.{name}");
        let s = read_duration(ctx, &path, v)?;
        if !sign.admits(s) {
            ctx.bad(&path, v, sign.rule());
            return None;
        }
        Some(s)
    };
    // A plain positive number (a shape).
    let shape_param = |ctx: &mut Ctx<'_>| -> Option<f64> {
        let v = param(ctx, "shape")?;
        let path = format!("{key}.shape");
        let s = read_number(ctx, &path, v)?;
        if s <= 0.0 {
            ctx.bad(&path, v, "must be greater than zero");
            return None;
        }
        Some(s)
    };
    let dist = match kind.as_str() {
        "constant" => duration_param(ctx, "value", sign).map(Dist::constant),
        "lognormal" if lognormal_by_moments => {
            let mean_s = duration_param(ctx, "mean", Sign::Positive);
            let std_s = duration_param(ctx, "std", Sign::NonNegative);
            let (mean_s, std_s) = (mean_s?, std_s?);
            // ln X ~ N(mu, sigma²) with E[X] = mean, sd[X] = std: sigma² = ln(1 + std²/mean²),
            // median = e^mu = mean / sqrt(1 + std²/mean²).
            let ratio = 1.0 + (std_s / mean_s).powi(2);
            let sigma = ratio.ln().sqrt();
            if sigma > MAX_SIGMA {
                let v = param(ctx, "std")?;
                ctx.bad(
                    &format!("{key}.std"),
                    v,
                    "is too large for the mean (sigma above 10)",
                );
                return None;
            }
            Some(Dist::Lognormal {
                median_s: mean_s / ratio.sqrt(),
                sigma,
            })
        }
        "exponential" => {
            duration_param(ctx, "mean", Sign::Positive).map(|mean_s| Dist::Exponential { mean_s })
        }
        "lognormal" => {
            let median_s = duration_param(ctx, "median", Sign::Positive);
            let sigma = param(ctx, "sigma").and_then(|v| {
                let path = format!("{key}.sigma");
                let s = read_number(ctx, &path, v)?;
                if !(0.0..=MAX_SIGMA).contains(&s) {
                    ctx.bad(&path, v, "must be from 0 to 10 (the spread of ln X)");
                    return None;
                }
                Some(s)
            });
            Some(Dist::Lognormal {
                median_s: median_s?,
                sigma: sigma?,
            })
        }
        "weibull" => {
            let shape = shape_param(ctx);
            let scale_s = duration_param(ctx, "scale", Sign::Positive);
            Some(Dist::Weibull {
                shape: shape?,
                scale_s: scale_s?,
            })
        }
        "gamma" => {
            let shape = shape_param(ctx);
            let scale_s = duration_param(ctx, "scale", Sign::Positive);
            Some(Dist::Gamma {
                shape: shape?,
                scale_s: scale_s?,
            })
        }
        "empirical" => {
            let file_value = param(ctx, "file");
            let column_value = param(ctx, "column");
            read_empirical(ctx, key, value, file_value, column_value, sign)
        }
        "uniform" => {
            let min_s = duration_param(ctx, "min", Sign::NonNegative);
            let max_s = duration_param(ctx, "max", sign);
            match (min_s, max_s) {
                (Some(lo), Some(hi)) if hi < lo => {
                    let v = param(ctx, "max")?;
                    ctx.bad(&format!("{key}.max"), v, "must be at least min");
                    None
                }
                (Some(min_s), Some(max_s)) => Some(Dist::Uniform { min_s, max_s }),
                _ => None,
            }
        }
        // Every form of the registry is built above; a new one without a builder is refused
        // rather than trusted.
        _ => {
            ctx.bad(
                &format!("{key}.dist"),
                kind_value,
                "is not built by this version",
            );
            None
        }
    };
    if ctx.errors.len() > errors_before {
        return None;
    }
    dist
}

fn is_advisor_table(value: &Spanned<DeValue<'_>>) -> bool {
    matches!(value.get_ref(), DeValue::Table(t) if t.iter().any(|(k, _)| k.get_ref().as_ref() == "advisor"))
}

/// `{ advisor = "10-15%", bound = "upper" }`: a Spot Instance Advisor bucket, read as the share
/// of instances reclaimed within 30 days (see `scenario::advisor`).
fn read_advisor(
    ctx: &mut Ctx<'_>,
    value: &Spanned<DeValue<'_>>,
    feed: &mut FeedLookup<'_, '_>,
) -> Option<AdvisorSource> {
    const KEY: &str = "spot.time_to_interruption";
    let DeValue::Table(table) = value.get_ref() else {
        return None;
    };
    let reader = TableReader::new(ctx, &keys::ADVISOR, value.span(), table);
    reader.finish(ctx);
    let get = |name: &str| reader.get(name);
    let bucket_value = get("advisor")?;
    let buckets: Vec<String> = BUCKETS
        .iter()
        .map(|(name, _, _)| format!("\"{name}\""))
        .collect();
    let mut bucket = read_string(ctx, &format!("{KEY}.advisor"), bucket_value)?;
    if bucket.trim() == "feed" {
        // The bucket of job.instance_type in job.region, as if written by hand.
        bucket = feed
            .entry(ctx, &format!("{KEY}.advisor"), bucket_value)?
            .bucket
            .to_string();
        feed.mark(true, false);
    }
    let bound = match get("bound") {
        None => Bound::Upper,
        Some(bound_value) => match read_string(ctx, &format!("{KEY}.bound"), bound_value)?.as_str()
        {
            "lower" => Bound::Lower,
            "mid" => Bound::Mid,
            "upper" => Bound::Upper,
            _ => {
                ctx.bad(
                    &format!("{KEY}.bound"),
                    bound_value,
                    "must be \"lower\", \"mid\" or \"upper\" (the default, the conservative end)",
                );
                return None;
            }
        },
    };
    let Some(monthly_rate) = bucket_rate(bucket.trim(), bound) else {
        ctx.bad(
            &format!("{KEY}.advisor"),
            bucket_value,
            format!(
                "is not a Spot Instance Advisor bucket: use one of {}, or \"feed\" (the bucket \
                 of job.instance_type in job.region)",
                buckets.join(", ")
            ),
        );
        return None;
    };
    Some(AdvisorSource {
        bucket: bucket.trim().to_string(),
        bound,
        monthly_rate,
        mean_time_to_interruption_s: mean_time_to_interruption_s(monthly_rate),
    })
}

/// `{ dist = "empirical", file, column }`: observed durations from a CSV file, relative to the
/// scenario's folder; `column` is a header name or a 1-based number.
fn read_empirical(
    ctx: &mut Ctx<'_>,
    key: &str,
    value: &Spanned<DeValue<'_>>,
    file_value: Option<&Spanned<DeValue<'_>>>,
    column_value: Option<&Spanned<DeValue<'_>>>,
    sign: Sign,
) -> Option<Dist> {
    let (file_value, column_value) = (file_value?, column_value?);
    let file = read_string(ctx, &format!("{key}.file"), file_value)?;
    let column = match column_value.get_ref() {
        DeValue::String(name) => Column::Name(name.to_string()),
        DeValue::Integer(_) => {
            let number = read_integer(ctx, &format!("{key}.column"), column_value, 1, 10_000)?;
            Column::Number(number as usize)
        }
        _ => {
            ctx.bad(
                &format!("{key}.column"),
                column_value,
                "must be a column name in quotes or a column number from 1",
            );
            return None;
        }
    };
    let path = ctx.base_dir.join(&file);
    let values = match read_bounded(&path, FileKind::DataCsv) {
        Ok(bytes) => read_duration_column(bytes.as_slice(), &column),
        Err(error) => {
            ctx.bad(
                &format!("{key}.file"),
                file_value,
                format!("cannot be read ({}): {}", path.display(), error.detail()),
            );
            return None;
        }
    };
    let values = match values {
        Ok(values) => values,
        Err(error) => {
            let at = error.line.map(|l| format!(":{l}")).unwrap_or_default();
            ctx.bad(
                key,
                value,
                format!("{}{at}: {}", path.display(), error.message),
            );
            return None;
        }
    };
    if sign == Sign::Positive && values.contains(&0.0) {
        ctx.bad(
            key,
            value,
            format!(
                "{}: a zero value in column {column}, but this key must be greater than zero",
                path.display()
            ),
        );
        return None;
    }
    Some(Dist::Empirical(std::sync::Arc::new(Empirical::new(
        file,
        column.to_string(),
        values,
    ))))
}

#[cfg(test)]
mod tests {
    #[test]
    fn assumed_keys_are_found_under_their_comments_and_named_in_a_note() {
        let text = "# ASSUMED: at the top\nname = 1\n[job]\ntraining = \"6h\"\n# why\n\
                    # ASSUMED: a request does not say\n#   more words\ndownload = \"5m\"\n\
                    [pricing]\n# ASSUMED: another type's price\non_demand_hourly = 1.5\n";
        assert_eq!(
            super::assumed_keys(text),
            vec![
                (1, "name".to_string()),
                (6, "job.download".to_string()),
                (10, "pricing.on_demand_hourly".to_string())
            ]
        );
        let quickstart = include_str!("../../scenarios/quickstart.toml");
        assert!(super::assumed_keys(quickstart).is_empty());
        let marked = quickstart.replace(
            "on_demand_hourly = 3.825",
            "# ASSUMED: a placeholder\non_demand_hourly = 3.825",
        );
        let scenario = super::parse_scenario(&marked, "q.toml").unwrap();
        assert!(
            scenario.notes[0]
                .message
                .contains("1 key is marked `# ASSUMED`")
                && scenario.notes[0]
                    .message
                    .contains("pricing.on_demand_hourly"),
            "{:?}",
            scenario.notes
        );
    }

    use super::*;

    const MINIMAL: &str = r#"
[job]
training = "4h"

[pricing]
on_demand_hourly = 3.825
"#;

    fn errors_of(text: &str) -> Vec<String> {
        parse_scenario(text, "t.toml")
            .unwrap_err()
            .0
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn each_problem_names_its_key_when_it_is_about_one() {
        let text = "[job]\ntraining = \"-3h\"\nfoo = 1\n[spot]\nenabled = true\n";
        let errors = parse_scenario(text, "t.toml").unwrap_err().0;
        let keys: Vec<Option<&str>> = errors.iter().map(|e| e.key.as_deref()).collect();
        // `pricing` is missing, the training is negative, `job.foo` is unknown.
        assert!(keys.contains(&Some("pricing")), "{errors:?}");
        assert!(keys.contains(&Some("job.training")), "{errors:?}");
        assert!(keys.contains(&Some("job.foo")), "{errors:?}");
        // A syntax error is about no key.
        let syntax = parse_scenario("[job\n", "t.toml").unwrap_err().0;
        assert!(syntax.iter().all(|e| e.key.is_none()), "{syntax:?}");
    }

    #[test]
    fn minimal_on_demand_file_takes_documented_defaults() {
        let scenario = parse_scenario(MINIMAL, "t.toml").unwrap();
        assert_eq!(scenario.job.instance_count, 1);
        assert_eq!(scenario.job.training, Dist::constant(14_400.0));
        assert_eq!(scenario.job.download, Dist::ZERO);
        assert_eq!(scenario.stopping.max_run_s, 86_400.0);
        assert_eq!(scenario.stopping.max_wait_s, None);
        assert_eq!(
            scenario.stopping.max_run_counts,
            MaxRunCounting::AllAttempts
        );
        assert!(scenario.stopping.max_run_includes_download);
        assert!(scenario.spot.is_none());
        assert!(scenario.checkpoint.is_none());
        assert_eq!(scenario.simulation.runs, 100_000);
        assert_eq!(scenario.simulation.seed, 1);
    }

    #[test]
    fn reads_every_distribution_form() {
        let text = r#"
[job]
training = { dist = "lognormal", median = "3h", sigma = 0.25 }
provisioning = { dist = "uniform", min = "1m", max = "3m" }
download = { dist = "constant", value = 90 }
upload = { dist = "weibull", shape = 1.5, scale = "1m" }
[stopping]
max_run = "1d"
max_wait = "2d"
[spot]
enabled = true
capacity_wait = { dist = "exponential", mean = "5m" }
time_to_interruption = "never"
discount = 0.7
[pricing]
on_demand_hourly = 1
"#;
        let s = parse_scenario(text, "t.toml").unwrap();
        assert_eq!(
            s.job.training,
            Dist::Lognormal {
                median_s: 10_800.0,
                sigma: 0.25
            }
        );
        assert_eq!(
            s.job.provisioning,
            Dist::Uniform {
                min_s: 60.0,
                max_s: 180.0
            }
        );
        assert_eq!(s.job.download, Dist::constant(90.0));
        assert_eq!(
            s.job.upload,
            Dist::Weibull {
                shape: 1.5,
                scale_s: 60.0
            }
        );
        assert_eq!(
            s.spot.unwrap().market,
            MarketSpec::Independent {
                capacity_wait: Dist::Exponential { mean_s: 300.0 },
                time_to_interruption: Dist::Never,
                time_to_interruption_advisor: None,
            }
        );
        assert_eq!(s.stopping.max_wait_s, Some(172_800.0));
    }

    #[test]
    fn reports_every_problem_at_once_with_line_and_rule() {
        let text = r#"[job]
training = "0s"
instance_count = 0
trainnig = "1h"
[stopping]
max_run = "29d"
max_wait = "1h"
[spot]
discount = 1.5
[checkpoint]
interval = 0
[pricing]
on_demand_hourly = nan
[simulation]
runs = 0
"#;
        let errors = errors_of(text);
        let expected = [
            "t.toml:2:12: job.training (\"0s\") must be greater than zero",
            "t.toml:3:18: job.instance_count (0) must be a whole number from 1 to 4294967295",
            "t.toml:4:1: unknown key `job.trainnig`: did you mean `job.training`?",
            "t.toml:6:11: stopping.max_run (\"29d\") must be between 1s and 28d",
            "t.toml:8:1: spot.enabled is required: [spot] has settings",
            "t.toml:11:12: checkpoint.interval (0) must be greater than zero",
            "t.toml:13:20: pricing.on_demand_hourly (nan) must be a finite number",
            "t.toml:15:8: simulation.runs (0) must be a whole number from 1 to 1000000000",
        ];
        assert_eq!(errors.len(), expected.len(), "{errors:#?}");
        for (got, want) in errors.iter().zip(expected) {
            assert!(got.starts_with(want), "{got}\n  should start with\n{want}");
        }
    }

    #[test]
    fn spot_rules_follow_the_service() {
        let errors = errors_of(
            r#"[job]
training = "1h"
[stopping]
max_run = "2h"
max_wait = "1h"
[spot]
enabled = true
capacity_wait = "0s"
time_to_interruption = { dist = "exponential", mean = "0s" }
discount = 0.7
[pricing]
on_demand_hourly = 1
"#,
        );
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(errors[0].contains(
            "t.toml:5:12: stopping.max_wait (\"1h\") must be at least stopping.max_run (2h)"
        ));
        assert!(
            errors[1].contains("spot.time_to_interruption.mean (\"0s\") must be greater than zero")
        );

        let errors = errors_of(
            "[job]\ntraining = 60\n[spot]\nenabled = true\n[pricing]\non_demand_hourly = 1\n",
        );
        let joined = errors.join("\n");
        for needed in [
            "stopping.max_wait is required",
            "spot.capacity_wait is required",
            "spot.time_to_interruption is required",
            "spot.discount is required",
        ] {
            assert!(joined.contains(needed), "missing {needed:?} in\n{joined}");
        }
    }

    #[test]
    fn reads_gamma_lognormal_by_moments_and_empirical() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("waits.csv"),
            "job,wait\na,30\nb,\"2m\"\nc,90\n",
        )
        .unwrap();
        let file = dir.path().join("s.toml");
        let text = r#"[job]
training = { dist = "gamma", shape = 4, scale = "1h" }
download = { dist = "lognormal", mean = "2m", std = "1m" }
provisioning = { dist = "empirical", file = "waits.csv", column = "wait" }
upload = { dist = "empirical", file = "waits.csv", column = 2 }
[pricing]
on_demand_hourly = 1
"#;
        let s = parse_scenario(text, file.to_str().unwrap()).unwrap();
        assert_eq!(
            s.job.training,
            Dist::Gamma {
                shape: 4.0,
                scale_s: 3600.0
            }
        );
        // mean 120, std 60: sigma² = ln 1.25, median = 120 / sqrt(1.25).
        let Dist::Lognormal { median_s, sigma } = s.job.download else {
            panic!("{:?}", s.job.download)
        };
        assert!((sigma - 1.25f64.ln().sqrt()).abs() < 1e-15);
        assert!((median_s - 120.0 / 1.25f64.sqrt()).abs() < 1e-12);
        assert!((s.job.download.mean_s() - 120.0).abs() < 1e-9);
        assert!((s.job.download.variance_s2().sqrt() - 60.0).abs() < 1e-9);
        let Dist::Empirical(data) = &s.job.provisioning else {
            panic!("{:?}", s.job.provisioning)
        };
        assert_eq!(data.sorted_s, vec![30.0, 90.0, 120.0]);
        assert_eq!(s.job.provisioning.mean_s(), 80.0);
        let Dist::Empirical(by_number) = &s.job.upload else {
            panic!("{:?}", s.job.upload)
        };
        assert_eq!(
            (by_number.column.as_str(), &by_number.sorted_s),
            ("2", &data.sorted_s)
        );
    }

    #[test]
    fn empirical_problems_name_both_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad.csv"), "wait\n30\nsoon\n").unwrap();
        std::fs::write(dir.path().join("zero.csv"), "wait\n0\n30\n").unwrap();
        let file = dir.path().join("s.toml");
        let text = r#"[job]
training = { dist = "empirical", file = "zero.csv", column = "wait" }
download = { dist = "empirical", file = "bad.csv", column = "wait" }
upload = { dist = "empirical", file = "missing.csv", column = "wait" }
provisioning = { dist = "empirical", file = "bad.csv", column = "wiat" }
[pricing]
on_demand_hourly = 1
"#;
        let errors: Vec<String> = parse_scenario(text, file.to_str().unwrap())
            .unwrap_err()
            .0
            .iter()
            .map(ToString::to_string)
            .collect();
        let joined = errors.join("\n");
        assert_eq!(errors.len(), 4, "{joined}");
        assert!(joined.contains("s.toml:2:12: job.training ("), "{joined}");
        assert!(
            joined.contains("zero.csv: a zero value in column `wait`"),
            "{joined}"
        );
        assert!(
            joined.contains("bad.csv:3: value \"soon\" in column `wait`"),
            "{joined}"
        );
        assert!(
            joined.contains("job.upload.file (\"missing.csv\") cannot be read"),
            "{joined}"
        );
        assert!(
            joined.contains("bad.csv:1: has no column `wiat`; its columns are `wait`"),
            "{joined}"
        );
        let mixed = errors_of(
            "[job]\ntraining = { dist = \"lognormal\", mean = 60, sigma = 1 }\n[pricing]\non_demand_hourly = 1\n",
        );
        assert!(
            mixed[0].contains("use either median and sigma, or mean and std"),
            "{mixed:?}"
        );
    }

    #[test]
    fn advisor_buckets_become_exponential_interruptions() {
        let text = |tti: &str| {
            format!(
                "[job]\ntraining = \"4h\"\n[stopping]\nmax_wait = \"2d\"\n[spot]\n\
                 enabled = true\ncapacity_wait = 0\ntime_to_interruption = {tti}\n\
                 discount = 0.7\n[pricing]\non_demand_hourly = 1\n"
            )
        };
        let market = |text: &str| parse_scenario(text, "t.toml").unwrap().spot.unwrap().market;
        let MarketSpec::Independent {
            time_to_interruption,
            time_to_interruption_advisor: Some(source),
            ..
        } = market(&text("{ advisor = \"10-15%\" }"))
        else {
            panic!("an advisor bucket gives an independent market with its source")
        };
        assert_eq!((source.bound, source.monthly_rate), (Bound::Upper, 0.15));
        assert_eq!(
            time_to_interruption,
            Dist::Exponential {
                mean_s: mean_time_to_interruption_s(0.15)
            }
        );
        let lower = market(&text("{ advisor = \"<5%\", bound = \"lower\" }"));
        assert!(matches!(
            lower,
            MarketSpec::Independent {
                time_to_interruption: Dist::Never,
                ..
            }
        ));
        let errors = errors_of(&text("{ advisor = \"12%\", bound = \"worst\", extra = 1 }"));
        let joined = errors.join("\n");
        assert_eq!(errors.len(), 2, "{joined}");
        assert!(
            joined.contains("unknown key `spot.time_to_interruption.extra`"),
            "{joined}"
        );
        assert!(
            joined.contains("bound (\"worst\") must be \"lower\", \"mid\" or \"upper\""),
            "{joined}"
        );
    }

    #[test]
    fn a_markov_market_replaces_the_two_distributions() {
        let base = "[job]\ntraining = \"4h\"\n[stopping]\nmax_wait = \"2d\"\n[spot]\n\
                    enabled = true\ndiscount = 0.7\n";
        let s = parse_scenario(
            &format!(
                "{base}[spot.market]\nmodel = \"markov\"\nmean_available = \"6h\"\n\
                 mean_unavailable = \"45m\"\n[pricing]\non_demand_hourly = 1\n"
            ),
            "t.toml",
        )
        .unwrap();
        assert_eq!(
            s.spot.unwrap().market,
            MarketSpec::Markov {
                mean_available_s: 21_600.0,
                mean_unavailable_s: 2700.0
            }
        );
        let errors = errors_of(&format!(
            "{base}capacity_wait = \"5m\"\n[spot.market]\nmodel = \"markov\"\n\
             mean_available = 0\nmean_unavailabel = \"1h\"\n[pricing]\non_demand_hourly = 1\n"
        ));
        let joined = errors.join("\n");
        assert!(
            joined.contains("spot.capacity_wait (\"5m\") cannot be used with [spot.market]"),
            "{joined}"
        );
        assert!(
            joined.contains("spot.market.mean_available (0) must be greater than zero"),
            "{joined}"
        );
        assert!(
            joined.contains("did you mean `spot.market.mean_unavailable`?"),
            "{joined}"
        );
        assert_eq!(errors.len(), 3, "{joined}");
        let errors = errors_of(&format!(
            "{base}[spot.market]\nmodel = \"hmm\"\n[pricing]\non_demand_hourly = 1\n"
        ));
        assert!(
            errors[0].contains("spot.market.model (\"hmm\") is not a market model"),
            "{errors:?}"
        );
    }

    #[test]
    fn bad_distributions_are_explained() {
        let errors = errors_of(
            r#"[job]
training = { dist = "exponental", mean = "1h" }
download = { dist = "uniform", min = "3m", max = "1m" }
upload = { dist = "lognormal", median = "1m" }
provisioning = { dist = "weibull", shape = -1, scale = "1m", scael = 3 }
[pricing]
on_demand_hourly = 1
"#,
        );
        let joined = errors.join("\n");
        assert!(
            joined.contains("job.training.dist (\"exponental\") is not a known distribution"),
            "{joined}"
        );
        assert!(
            joined.contains("job.download.max (\"1m\") must be at least min"),
            "{joined}"
        );
        assert!(
            joined.contains("needs `sigma` for dist = \"lognormal\""),
            "{joined}"
        );
        assert!(
            joined.contains("job.provisioning.shape (-1) must be greater than zero"),
            "{joined}"
        );
        assert!(
            joined.contains(
                "unknown key `job.provisioning.scael` for dist = \"weibull\": did you mean `scale`?"
            ),
            "{joined}"
        );
    }

    #[test]
    fn thousands_of_problems_are_located_and_counted_not_all_printed() {
        let mut text = String::from(
            "[job]\ntraining = \"1h\"\n[pricing]\non_demand_hourly = 1\n[spot]\nenabled = false\n",
        );
        for index in 0..2_000 {
            text.push_str(&format!("  k{index} = 1\n"));
        }
        let errors = parse_scenario(&text, "many.toml").unwrap_err();
        assert_eq!(errors.0.len(), 2_000);
        // The line index places the last key on the file's last line, after its indent.
        let last = &errors.0[1_999];
        assert_eq!((last.line, last.column), (2_006, 3));
        let message = errors.to_string();
        assert_eq!(message.lines().count(), MAX_PRINTED_PROBLEMS + 1);
        assert!(
            message.starts_with("many.toml:7:3: unknown key `spot.k0`"),
            "{message}"
        );
        assert!(
            message.ends_with("\n… and 1,950 more problems (the first 50 are shown)"),
            "{message}"
        );
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let errors = errors_of("[job]\ntraining = \"4h\nfoo = 1\n");
        assert!(errors[0].starts_with("t.toml:2:"), "{errors:?}");
        assert!(errors[0].contains("TOML syntax error"), "{errors:?}");
        let errors = errors_of("[job]\ntraining = \"4h\"\ntraining = \"5h\"\n");
        assert!(errors[0].contains("duplicate key `training`"), "{errors:?}");
    }

    #[test]
    fn absurd_values_are_refused_with_their_bound() {
        let errors = errors_of(
            "[job]\ntraining = 1e308\n[checkpoint]\ninterval = \"1h\"\n\
             save = { dist = \"lognormal\", median = 1, sigma = 1e300 }\n\
             [pricing]\non_demand_hourly = 1e308\n[simulation]\nseed = 9223372036854775808\n",
        )
        .join("\n");
        for expected in [
            "job.training (1e308) must be at most 3650d",
            "checkpoint.save.sigma (1e300) must be from 0 to 10",
            "pricing.on_demand_hourly (1e308) must be greater than zero and at most 100000",
            "simulation.seed (9223372036854775808) must be a whole number from 0 to",
        ] {
            assert!(
                errors.contains(expected),
                "missing {expected:?} in\n{errors}"
            );
        }
    }

    #[test]
    fn one_misspelling_is_one_message() {
        let errors =
            errors_of("[job]\ntrainnig = \"4h\"\n[pricing]\non_demand_hourly = 1\nfoo = 2\n");
        assert_eq!(errors.len(), 2, "{errors:#?}");
        assert!(errors[0].contains("did you mean `job.training`?"));
        assert!(errors[1].contains("unknown key `pricing.foo`"));
        let errors = errors_of("foo = 1\n[job]\ntraining = 1\n[pricing]\non_demand_hourly = 1\n");
        assert!(
            errors[0].contains("unknown top-level key `foo`"),
            "{errors:?}"
        );
        let errors = errors_of(
            "[job]\ntraining = 1\n[stopping]\nmax_wait = \"1d\"\n[spot]\nenabled = true\n\
             capacity_wait = \"NEVER\"\ntime_to_interruption = \"never\"\ndiscount = 0.5\n\
             [pricing]\non_demand_hourly = 1\n",
        );
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].contains("is written \"never\", in lower case"),
            "{errors:?}"
        );
    }

    #[test]
    fn spot_settings_without_enabled_are_an_error_not_a_silent_on_demand_run() {
        let errors = errors_of(
            "[job]\ntraining = 60\n[stopping]\nmax_wait = \"2d\"\n[spot]\ndiscount = 0.7\n\
             [pricing]\non_demand_hourly = 1\n",
        );
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].contains("spot.enabled is required"), "{errors:?}");
        // A wrong `enabled` is reported once, without a knock-on max_wait error.
        let errors = errors_of(
            "[job]\ntraining = 60\n[stopping]\nmax_wait = \"2d\"\n[spot]\nenabled = \"yes\"\n\
             [pricing]\non_demand_hourly = 1\n",
        );
        assert_eq!(errors.len(), 1, "{errors:#?}");
        // An array of tables where a table belongs is one problem, not two.
        let errors = errors_of("[[job]]\ntraining = 60\n[pricing]\non_demand_hourly = 1\n");
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(errors[0].contains("job") && errors[0].contains("must be a table"));
    }

    #[test]
    fn wrong_types_are_named() {
        let errors = errors_of(
            "job = 3\n[spot]\nenabled = \"yes\"\n[pricing]\non_demand_hourly = \"3.8\"\n",
        );
        let joined = errors.join("\n");
        assert!(
            joined.contains("t.toml:1:7: job (3) must be a table"),
            "{joined}"
        );
        assert!(
            joined.contains("spot.enabled (\"yes\") must be true or false"),
            "{joined}"
        );
        assert!(
            joined.contains("pricing.on_demand_hourly (\"3.8\") must be a number"),
            "{joined}"
        );
    }

    #[test]
    fn sdk_v1_names_are_read_as_spotsims_keys_with_a_note() {
        let v2 = "[job]\ntraining = \"4h\"\n[stopping]\nmax_run = \"6h\"\nmax_wait = \"1d\"\n\
                  [spot]\nenabled = true\ncapacity_wait = 0\ntime_to_interruption = \"never\"\n\
                  discount = 0.7\n[pricing]\non_demand_hourly = 1\n";
        let v1 = v2
            .replace("max_run =", "train_max_run =")
            .replace("max_wait =", "train_max_wait =")
            .replace("enabled =", "train_use_spot_instances =");
        let expected = parse_scenario(v2, "t.toml").unwrap();
        assert!(expected.notes.is_empty());
        let mut read = parse_scenario(&v1, "t.toml").unwrap();
        let notes: Vec<(String, String)> =
            read.notes.drain(..).map(|n| (n.message, n.hint)).collect();
        assert_eq!(read, expected);
        assert_eq!(
            notes,
            [
                (
                    "t.toml:4:1: stopping.train_max_run is the SageMaker Python SDK v1 name; SDK \
                     v2 renamed it max_run, and spotsim reads it as stopping.max_run"
                        .to_string(),
                    "write max_run instead of train_max_run in [stopping]".to_string()
                ),
                (
                    "t.toml:5:1: stopping.train_max_wait is the SageMaker Python SDK v1 name; SDK \
                     v2 renamed it max_wait, and spotsim reads it as stopping.max_wait"
                        .to_string(),
                    "write max_wait instead of train_max_wait in [stopping]".to_string()
                ),
                (
                    "t.toml:7:1: spot.train_use_spot_instances is the SageMaker Python SDK v1 \
                     name; SDK v2 renamed it use_spot_instances, and spotsim reads it as \
                     spot.enabled"
                        .to_string(),
                    "write enabled instead of train_use_spot_instances in [spot]".to_string()
                ),
            ]
        );
        // A wrong value is reported under spotsim's key, at the v1 name's line.
        let errors = errors_of(&v1.replace("train_max_run = \"6h\"", "train_max_run = \"29d\""));
        assert_eq!(errors.len(), 1, "{errors:#?}");
        assert!(
            errors[0].starts_with("t.toml:4:17: stopping.max_run (\"29d\") must be between"),
            "{errors:?}"
        );
    }

    #[test]
    fn an_sdk_v1_name_with_its_key_is_an_error() {
        let errors = errors_of(
            "[job]\ntraining = \"4h\"\n[stopping]\nmax_run = \"6h\"\ntrain_max_run = \"7h\"\n\
             max_wait = \"1d\"\n[spot]\nenabled = true\ntrain_use_spot_instances = true\n\
             capacity_wait = 0\ntime_to_interruption = \"never\"\ndiscount = 0.7\n\
             [pricing]\non_demand_hourly = 1\n",
        );
        let joined = errors.join("\n");
        assert_eq!(errors.len(), 2, "{joined}");
        assert!(
            joined.contains(
                "t.toml:5:17: stopping.train_max_run (\"7h\") is the SageMaker Python SDK v1 name \
                 of stopping.max_run, which is also given: keep only max_run"
            ),
            "{joined}"
        );
        assert!(
            joined.contains("spot.train_use_spot_instances (true) is the SageMaker Python SDK v1 name of spot.enabled"),
            "{joined}"
        );
    }

    #[test]
    fn closest_suggests_a_near_key() {
        let top = keys::SCENARIO.key_names();
        let stopping = keys::STOPPING.key_names();
        assert_eq!(closest("foo", &top), None);
        assert_eq!(closest("jbo", &top), Some("job"));
        assert_eq!(closest("max_wiat", &stopping), Some("max_wait"));
        assert_eq!(closest("zzzzzz", &stopping), None);
    }
}
