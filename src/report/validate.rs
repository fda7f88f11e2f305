//! `spotsim validate`: what spotsim understood from a scenario file, in plain words.

use super::layout::render_list;
use crate::engine::ClusterReclaim;
use crate::scenario::advisor::Bound;
use crate::scenario::{
    FallbackSpec, FallbackWhen, MarketSpec, MaxRunCounting, Scenario, SpotPriceSpec, StartHour,
    TraceStart, regular_saves_left,
};
use crate::units::duration::format_duration_exact;
use crate::units::format::{format_count, format_pct, format_price};

fn row(label: &str, value: String) -> Vec<String> {
    vec![format!("  {label}"), value]
}

fn heading(text: &str) -> Vec<String> {
    vec![text.to_string()]
}

/// Describes a valid scenario, key by key, with defaults filled in.
pub fn render_validation(file: &str, name: &str, scenario: &Scenario) -> String {
    let mut out = format!("{file}: valid\n\n");
    out.push_str(&render_list(&scenario_rows(name, scenario)));
    out
}

/// What spotsim understood, as rows: a one-cell row is a section heading (`[job] …`), a
/// two-cell row a key (indented by two spaces) and its meaning.
pub fn scenario_rows(name: &str, scenario: &Scenario) -> Vec<Vec<String>> {
    let job = &scenario.job;
    let stopping = &scenario.stopping;
    let mut rows = vec![
        heading(&format!(
            "[job] {name} · {} × {}{}",
            job.instance_type
                .as_deref()
                .unwrap_or("instance type not given"),
            job.instance_count,
            job.region
                .as_deref()
                .map(|region| format!(" in {region}"))
                .unwrap_or_default()
        )),
        row("training", job.training.describe()),
        row("provisioning (not billed)", job.provisioning.describe()),
        row("download (billed, every start)", job.download.describe()),
        row("upload (billed)", job.upload.describe()),
        heading("[stopping]"),
        row(
            "max_run",
            format!(
                "{} (MaxRuntimeInSeconds {})",
                format_duration_exact(stopping.max_run_s),
                stopping.max_run_s
            ),
        ),
    ];
    rows.push(row(
        "max_wait",
        match stopping.max_wait_s {
            Some(wait) => format!(
                "{} (MaxWaitTimeInSeconds {wait}): wall clock from creation, waits included",
                format_duration_exact(wait)
            ),
            None => "none (on-demand)".to_string(),
        },
    ));
    rows.push(row(
        "MaxRuntime counts",
        format!(
            "{}, {} downloads and restores",
            match stopping.max_run_counts {
                MaxRunCounting::AllAttempts => "running time summed over all attempts",
                MaxRunCounting::EachAttempt => "each attempt's running time on its own",
            },
            if stopping.max_run_includes_download {
                "including"
            } else {
                "excluding"
            }
        ),
    ));
    match &scenario.spot {
        Some(spot) => {
            rows.push(heading("[spot] managed spot training enabled"));
            if let Some(feed) = &scenario.advisor_feed {
                let took = match (feed.bucket_used, feed.discount_used) {
                    (true, true) => "its bucket and its savings as the discount",
                    (true, false) => "its bucket",
                    _ => "its savings as the discount",
                };
                rows.push(row(
                    "Spot Advisor feed",
                    format!(
                        "{} in {}: bucket {}, savings {} % ({}); took {took}",
                        feed.ec2_type,
                        feed.region,
                        feed.entry.bucket,
                        feed.entry.savings_pct,
                        feed.feed.label()
                    ),
                ));
            }
            match &spot.market {
                MarketSpec::Independent {
                    capacity_wait,
                    time_to_interruption,
                    time_to_interruption_advisor,
                } => {
                    rows.push(row("capacity wait (each start)", capacity_wait.describe()));
                    rows.push(row(
                        "time to interruption",
                        format!("{} per instance", time_to_interruption.describe()),
                    ));
                    if let Some(source) = time_to_interruption_advisor {
                        rows.push(row(
                            "  from Spot Advisor",
                            format!(
                                "bucket {}, {} end: {} of instances reclaimed within 30 days",
                                source.bucket,
                                match source.bound {
                                    Bound::Lower => "lower",
                                    Bound::Mid => "middle",
                                    Bound::Upper => "upper (conservative)",
                                },
                                format_pct(source.monthly_rate * 100.0, 1)
                            ),
                        ));
                    }
                    if job.instance_count > 1 && scenario.reclaiming_instances() == 1 {
                        rows.push(row(
                            "reclaim of the cluster",
                            format!(
                                "one time to interruption for all {} instances (spot.reclaim = \
                                 \"cluster\")",
                                job.instance_count
                            ),
                        ));
                    } else if job.instance_count > 1 {
                        let first = match ClusterReclaim::new(
                            time_to_interruption.clone(),
                            job.instance_count,
                        ) {
                            ClusterReclaim::Closed(dist) => dist.describe(),
                            ClusterReclaim::ByInversion {
                                per_instance,
                                count,
                            } => format!(
                                "mean {}",
                                crate::units::duration::format_duration(
                                    per_instance.min_mean_s(count)
                                )
                            ),
                        };
                        rows.push(row(
                            "first reclaim of the cluster",
                            format!("{first} (the first of {} instances)", job.instance_count),
                        ));
                    }
                }
                MarketSpec::Trace {
                    file,
                    format,
                    period_s,
                    trace,
                    start,
                } => {
                    let availability =
                        crate::inputs::availability::Availability::new(trace, job.instance_count);
                    rows.push(row(
                        "market",
                        format!(
                            "trace {file} ({format}), {} long; each run starts {} and wraps \
                             around at its end",
                            crate::units::duration::format_duration(*period_s),
                            match start {
                                TraceStart::Random => "at a random moment of it".to_string(),
                                TraceStart::At(s) => format!(
                                    "{} into it",
                                    crate::units::duration::format_duration(*s)
                                ),
                                TraceStart::Windows(n) => format!(
                                    "at the beginning of one of {n} equal windows (run i in window i mod {n})"
                                ),
                            }
                        ),
                    ));
                    rows.push(row(
                        "capacity for the cluster",
                        format!(
                            "{} of the time ({} or more instances available); stretches of {} \
                             on average",
                            format_pct(availability.share() * 100.0, 1),
                            job.instance_count,
                            crate::units::duration::format_duration(
                                availability.mean_available_run_s()
                            )
                        ),
                    ));
                }
                MarketSpec::Markov {
                    mean_available_s,
                    mean_unavailable_s,
                } => {
                    let available_share =
                        mean_available_s / (mean_available_s + mean_unavailable_s);
                    rows.push(row(
                        "market",
                        format!(
                            "Markov: capacity for {} on average, then none for {} (exponential \
                             periods); available {} of the time",
                            crate::units::duration::format_duration(*mean_available_s),
                            crate::units::duration::format_duration(*mean_unavailable_s),
                            format_pct(available_share * 100.0, 1)
                        ),
                    ));
                    rows.push(row(
                        "first wait (at creation)",
                        format!(
                            "none with probability {}, else exponential, mean {}",
                            format_pct(available_share * 100.0, 1),
                            crate::units::duration::format_duration(*mean_unavailable_s)
                        ),
                    ));
                    rows.push(row(
                        "after an interruption",
                        format!(
                            "wait exponential, mean {}; running until reclaim: exponential, mean {}",
                            crate::units::duration::format_duration(*mean_unavailable_s),
                            crate::units::duration::format_duration(*mean_available_s)
                        ),
                    ));
                }
            }
            if let Some(profile) = &spot.profile {
                let hours: Vec<String> = profile.hourly.iter().map(|m| format!("{m}")).collect();
                rows.push(row(
                    "time of day",
                    format!("reclaim hazard × [{}] by hour from 00:00", hours.join(" ")),
                ));
                rows.push(row(
                    "  capacity waits",
                    if profile.scale_capacity_wait {
                        "stretched by the same multipliers (longer in busy hours)".to_string()
                    } else {
                        "not affected by the hour".to_string()
                    },
                ));
                rows.push(row(
                    "  job created at",
                    match job.start_hour {
                        StartHour::Random => "a random time of day".to_string(),
                        StartHour::Fixed(hour) => format!(
                            "{:02}:{:02}",
                            hour.floor() as u32,
                            ((hour.fract() * 60.0).round() as u32).min(59)
                        ),
                    },
                ));
            }
            match &spot.price {
                SpotPriceSpec::Discount(discount) => rows.push(row(
                    "discount",
                    format!(
                        "{} → spot {}/h per instance",
                        format_pct(discount * 100.0, 1),
                        format_price((1.0 - discount) * scenario.pricing.on_demand_hourly_usd)
                    ),
                )),
                SpotPriceSpec::History {
                    source,
                    period_s,
                    mean_usd_per_hour,
                    ..
                } => rows.push(row(
                    "spot price",
                    format!(
                        "history {source}, {} long, mean {}/h ({} off on-demand); each billed \
                         second at the price in force",
                        crate::units::duration::format_duration(*period_s),
                        format_price(*mean_usd_per_hour),
                        format_pct(
                            (1.0 - mean_usd_per_hour / scenario.pricing.on_demand_hourly_usd)
                                * 100.0,
                            1
                        )
                    ),
                )),
            }
            rows.push(row(
                "interrupted attempts",
                if spot.bill_interrupted_attempt {
                    "billed up to the interruption".to_string()
                } else {
                    "not billed".to_string()
                },
            ));
        }
        None => rows.push(heading("[spot] not enabled: the job runs on-demand")),
    }
    match &scenario.checkpoint {
        Some(checkpoint) => {
            rows.push(heading("[checkpoint]"));
            rows.push(row(
                "interval",
                format!(
                    "every {} of training progress",
                    format_duration_exact(checkpoint.interval_s)
                ),
            ));
            rows.push(row("save (training pauses)", checkpoint.save.describe()));
            rows.push(row(
                "restore (after download)",
                checkpoint.restore.describe(),
            ));
            rows.push(row(
                "sync to S3",
                if checkpoint.sync_s > 0.0 {
                    format!(
                        "durable {} after a save ends; unsynced saves die with the instance",
                        crate::units::duration::format_duration(checkpoint.sync_s)
                    )
                } else {
                    "durable as soon as the save ends".to_string()
                },
            ));
            rows.push(row(
                "on interruption notice",
                if checkpoint.on_notice {
                    "save a checkpoint when EC2's two-minute notice comes".to_string()
                } else {
                    "nothing (the notice is not used)".to_string()
                },
            ));
        }
        None if scenario.is_spot() => rows.push(heading(
            "[checkpoint] none: an interruption restarts training from zero",
        )),
        None => rows.push(heading("[checkpoint] none")),
    }
    rows.push(heading("[pricing]"));
    rows.push(row(
        "on-demand",
        format!(
            "{}/h per instance, {}/h for the cluster",
            format_price(scenario.pricing.on_demand_hourly_usd),
            format_price(scenario.pricing.on_demand_hourly_usd * f64::from(job.instance_count))
        ),
    ));
    if let Some(fallback) = &scenario.fallback {
        fallback_rows(&mut rows, scenario, fallback);
    }
    rows.push(heading("[simulation]"));
    rows.push(row(
        "runs",
        format!(
            "{}, seed {}",
            format_count(scenario.simulation.runs),
            scenario.simulation.seed
        ),
    ));
    rows
}

/// A figure of seconds computed from means, to the second.
fn seconds(value_s: f64) -> String {
    format_duration_exact(value_s.round())
}

/// `[fallback]`: the rule as written, and the switch it makes in words, with the figures the
/// engine's rule uses ([`crate::engine::FallbackModel`]: the same lead and saves).
fn fallback_rows(rows: &mut Vec<Vec<String>>, scenario: &Scenario, fallback: &FallbackSpec) {
    rows.push(heading(
        "[fallback] a scheduler outside SageMaker (which has none) finishes the job on-demand",
    ));
    let stop = "stops the spot job (it ends Stopped, its artifacts uploaded)";
    match fallback.when {
        FallbackWhen::Deadline {
            deadline_s,
            margin_s,
        } => {
            rows.push(row(
                "when = \"deadline\"",
                format!(
                    "deadline {} from the spot job's creation, margin {}",
                    format_duration_exact(deadline_s),
                    format_duration_exact(margin_s)
                ),
            ));
            rows.push(row(
                "switch rule",
                format!(
                    "the scheduler {stop} when the remaining training from the last durable \
                     checkpoint, plus its checkpoint saves, plus the on-demand overhead and the \
                     margin reaches the time left to the deadline"
                ),
            ));
            if let Some(model) = crate::engine::JobModel::spot(scenario)
                .and_then(|m| m.fallback)
                .as_deref()
            {
                let od = &model.on_demand;
                let restore_s = od.checkpoint.as_ref().map_or(0.0, |c| c.restore.mean_s());
                rows.push(row(
                    "  overhead + margin",
                    format!(
                        "{} (means): the spot job's stop upload {}, reaction {}, then the \
                         on-demand job's provisioning {}, download {}, restore {} and upload {}; \
                         margin {}",
                        seconds(model.lead_s),
                        seconds(od.upload.mean_s()),
                        format_duration_exact(fallback.reaction_s),
                        seconds(od.provisioning.mean_s()),
                        seconds(od.download.mean_s()),
                        seconds(restore_s),
                        seconds(od.upload.mean_s()),
                        format_duration_exact(margin_s)
                    ),
                ));
                if model.interval_s.is_finite() {
                    rows.push(row(
                        "  saves counted",
                        format!(
                            "one per {} of remaining training, none at the end, {} each (mean)",
                            format_duration_exact(model.interval_s),
                            seconds(model.save_s)
                        ),
                    ));
                }
                let training_s = scenario.job.training.mean_s();
                let saves = regular_saves_left(training_s, model.interval_s);
                let latest_s = deadline_s - model.lead_s - training_s - saves * model.save_s;
                rows.push(row(
                    "  before any checkpoint",
                    if latest_s > 0.0 {
                        format!(
                            "switch {} after creation at the latest (mean training {}, {} saves)",
                            seconds(latest_s),
                            seconds(training_s),
                            format_count(saves as u64)
                        )
                    } else {
                        format!(
                            "switch at once: the mean training {} and its {} saves leave no \
                             time for spot",
                            seconds(training_s),
                            format_count(saves as u64)
                        )
                    },
                ));
            }
        }
        FallbackWhen::MaxWait => {
            rows.push(row(
                "when = \"max_wait\"",
                format!(
                    "when SageMaker ends the spot job with MaxWaitTimeExceeded ({} after its \
                     creation), the scheduler creates the on-demand job",
                    scenario
                        .stopping
                        .max_wait_s
                        .map_or_else(|| "max_wait".to_string(), format_duration_exact)
                ),
            ));
        }
        FallbackWhen::Interruptions { interruptions } => {
            rows.push(row(
                "when = \"interruptions\"",
                format!(
                    "at the spot job's interruption number {interruptions}, the scheduler {stop}"
                ),
            ));
        }
        FallbackWhen::Waiting { waiting_s } => {
            rows.push(row(
                "when = \"waiting\"",
                format!(
                    "when one wait for spot capacity reaches {}, the scheduler {stop}",
                    format_duration_exact(waiting_s)
                ),
            ));
        }
    }
    rows.push(row(
        "reaction",
        format!(
            "{} from the spot job's end to the on-demand job's creation",
            format_duration_exact(fallback.reaction_s)
        ),
    ));
    rows.push(row(
        "on-demand job",
        format!(
            "a new training job with the same checkpoint S3 URI: restores the last durable \
             checkpoint and finishes; its own MaxRuntime {}, no MaxWait, {}/h per instance",
            format_duration_exact(scenario.stopping.max_run_s),
            format_price(scenario.pricing.on_demand_hourly_usd)
        ),
    ));
}
