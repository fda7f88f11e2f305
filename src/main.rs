//! The `spotsim` command: parses arguments, calls the library, prints, picks the exit code
//! (0 success, 1 runtime failure, 2 usage or bad input).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use anyhow::Context;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use rayon::prelude::*;
use spotsim::charts::{ChartFormat, ChartInput, ChartKind, TIMELINE_RUNS, charts_for, render};
use spotsim::montecarlo::cancel::Cancel;
use spotsim::montecarlo::precision::Precision;
use spotsim::montecarlo::timeline::first_runs;
use spotsim::montecarlo::{Estimate, NoRows, RunRows, stream_blocks, stream_to_target, total_runs};
use spotsim::report::{
    ReviewInput, RunReport, RunsCsv, TraceReport, build_review, render_json, render_review_html,
    render_review_md, render_table, render_trace_json, render_trace_table, render_validation,
    write_runs_csv_header,
};
use spotsim::scenario::{Scenario, lint};
use spotsim::stats::accumulate::ScenarioStats;
use spotsim::stats::summary::Metric;
use spotsim::studies::sweep::SweepMetric;
use spotsim::units::clock::Timestamp;
use spotsim::{LoadError, load_scenario, load_scenario_and_text};

/// Lifecycle simulator and cost estimator for SageMaker Managed Spot Training.
#[derive(Parser)]
#[command(
    name = "spotsim",
    version,
    about,
    long_about = None,
    after_help = "Example:\n  spotsim init > my-job.toml && spotsim run my-job.toml"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a scenario's job many times on spot and on-demand, and summarise.
    #[command(
        after_help = "Example:\n  spotsim run scenarios/quickstart.toml --runs 200000 --format json"
    )]
    Run {
        /// The scenario file (TOML).
        scenario: PathBuf,
        #[command(flatten)]
        sim: SimulationArgs,
        /// Output format on stdout.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Also write one CSV row per run of the scenario's job to this file.
        #[arg(long, value_name = "PATH")]
        runs_csv: Option<PathBuf>,
        /// Also draw the charts (cost, savings, completion, breakdown, timeline) into this
        /// folder, created if needed.
        #[arg(long, value_name = "DIR")]
        charts: Option<PathBuf>,
        /// Image format of `--charts`.
        #[arg(long, value_enum, default_value_t = ChartFormatArg::Png, requires = "charts")]
        chart_format: ChartFormatArg,
        /// Simulate only shard K of N (K from 1 to N): a contiguous slice of the run indices,
        /// written to `--out` as a part file for `spotsim merge` (docs/distributed.md).
        /// `--runs-csv` then holds the slice's rows.
        #[arg(long, value_name = "K/N", value_parser = parse_shard, group = "sharding",
              requires = "out", conflicts_with_all = ["charts", "format"])]
        shard: Option<spotsim::montecarlo::shard::Shard>,
        /// As `--shard K/N`, K taken from an array job's 0-based index: the first set of
        /// JOB_COMPLETION_INDEX (Kubernetes), AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch),
        /// SLURM_ARRAY_TASK_ID (Slurm, `--array=0-(N-1)`); index I is shard I+1.
        #[arg(long, value_name = "N", group = "sharding", requires = "out",
              value_parser = clap::value_parser!(u64).range(1..),
              conflicts_with_all = ["charts", "format"])]
        shard_from_env: Option<u64>,
        /// The part file a shard writes (JSON, written atomically).
        #[arg(long, value_name = "PATH", requires = "sharding")]
        out: Option<PathBuf>,
        /// Run until the mean cost (spot, else on-demand) has this relative standard error
        /// (s.e. / mean, strictly between 0 and 1), in blocks of 65,536 runs, at least two;
        /// the run count is then a cap: --runs if given, else 1,000,000,000 (simulation.runs
        /// in the file is not used).
        #[arg(long, value_name = "R", value_parser = parse_target_rse, allow_negative_numbers = true,
              conflicts_with = "sharding")]
        target_rse: Option<f64>,
    },
    /// Simulate a fleet: many jobs a month under shared quotas and spot markets, month after
    /// month (docs/fleet.md).
    #[command(
        long_about = "Simulate a fleet file: workloads (a scenario's job submitted by an arrival \
                      process) under quotas of concurrent instances per instance type, their spot \
                      jobs sharing one market per type. Each simulated month reports cost on spot \
                      against the same jobs all on-demand, instance-hours, concurrent instances \
                      against the quotas, queue waits and how jobs ended; the summary gives the \
                      mean, its standard error and percentiles over the months.",
        after_help = "Example:\n  spotsim fleet scenarios/fleets/team.toml\n  \
                      spotsim fleet scenarios/fleets/team.toml --no-quotas\n  \
                      spotsim fleet scenarios/fleets/team.toml --runs 200 --format json\n  \
                      spotsim fleet scenarios/fleets/team.toml --charts charts/"
    )]
    Fleet {
        /// The fleet file (TOML).
        fleet: PathBuf,
        /// Simulated months (overrides the file's runs), 1 to 100,000.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=spotsim::fleet::MAX_FLEET_RUNS))]
        runs: Option<u64>,
        /// Seed of every random stream (overrides the file's seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: one per core). Results do not depend on it.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
        /// No progress bar and no notes on stderr (warnings and errors still show).
        #[arg(long, short)]
        quiet: bool,
        /// Output format on stdout: `csv` is one row per simulated month.
        #[arg(long, value_enum, default_value_t = SweepFormat::Table)]
        format: SweepFormat,
        /// Ignore the file's quotas: how many instances the workloads would use at once with
        /// no limit, i.e. the quota to ask for.
        #[arg(long)]
        no_quotas: bool,
        /// Also draw the fleet charts (fleet-cost, fleet-concurrency-<pool> for each instance
        /// type × spot/on-demand, fleet-workloads) into this folder, created if needed.
        #[arg(long, value_name = "DIR")]
        charts: Option<PathBuf>,
        /// Image format of `--charts`.
        #[arg(long, value_enum, default_value_t = ChartFormatArg::Png, requires = "charts")]
        chart_format: ChartFormatArg,
    },
    /// Combine the part files of `spotsim run --shard` into the output one `spotsim run` prints.
    #[command(
        long_about = "Combine the part files written by `spotsim run --shard K/N` (or \
                      --shard-from-env N) into the output `spotsim run` prints for the same \
                      scenario and seed, byte for byte. Every part must come from the same \
                      spotsim version, scenario, seed, number of runs and of shards, and every \
                      shard must be given once; otherwise nothing is printed and the exit code \
                      is 2. The scenario is re-read from the text stored in the parts; its data \
                      files (traces, price histories) resolve relative to the scenario path the \
                      shards were given, from the current folder, unless --scenario names the \
                      file here.",
        after_help = "Example:\n  spotsim run scenarios/quickstart.toml --shard 1/2 --out part-1.json\n  \
                      spotsim run scenarios/quickstart.toml --shard 2/2 --out part-2.json\n  \
                      spotsim merge part-*.json --format json"
    )]
    Merge {
        /// The part files, in any order.
        #[arg(required = true, value_name = "PART")]
        parts: Vec<PathBuf>,
        /// Output format on stdout.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Re-read the scenario from this file (its data files relative to it) instead of the
        /// text stored in the parts; it must be the scenario the parts simulated.
        #[arg(long, value_name = "PATH")]
        scenario: Option<PathBuf>,
    },
    /// Write a capacity-planning review of a scenario or a fleet: one self-contained HTML page
    /// (or Markdown with the charts beside it).
    #[command(
        after_help = "Example:\n  spotsim report scenarios/quickstart.toml -o review.html\n  \
                      spotsim report scenarios/quickstart.toml --format md -o review.md\n  \
                      spotsim report scenarios/fleets/team.toml --runs 200 -o fleet-review.html"
    )]
    Report {
        /// The scenario file (TOML), or a fleet file (a file with `[[workload]]` tables,
        /// docs/fleet.md): the review of the fleet's months.
        scenario: PathBuf,
        /// The file to write.
        #[arg(short, long, value_name = "PATH")]
        output: PathBuf,
        /// `html`: one page with inline CSS and SVG. `md`: Markdown, with PNG charts in the
        /// folder `<name>-charts` beside it.
        #[arg(long, value_enum, default_value_t = ReportFormat::Html)]
        format: ReportFormat,
        #[command(flatten)]
        sim: SimulationArgs,
    },
    /// Run several scenarios with common random numbers and show them side by side, each paired
    /// run by run with the first.
    #[command(
        long_about = "Run several scenarios with the same seed and run count, so that run i of \
                      each draws from the same random streams (common random numbers), and show \
                      them side by side: expected costs with 95 % intervals, cost per completed \
                      job, wall times, outcomes, savings; then each scenario against the first \
                      (the baseline), run i against run i: the paired difference of cost, wall \
                      time and completed share, and how often its run i is the cheaper.",
        after_help = "Example:\n  spotsim compare scenarios/quickstart.toml \
                      scenarios/traces/v100-us-east-1f.toml --chart comparison.png"
    )]
    Compare {
        /// The scenario files (TOML), two or more; the first is the baseline, and its
        /// simulation.runs and seed apply to all unless --runs or --seed is given.
        #[arg(required = true, value_name = "SCENARIO")]
        scenarios: Vec<PathBuf>,
        #[command(flatten)]
        sim: SimulationArgs,
        /// Output format on stdout.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Also draw the expected cost per completed job of every scenario into this file, PNG
        /// or SVG by its extension (.png, .svg).
        #[arg(long, value_name = "FILE")]
        chart: Option<PathBuf>,
    },
    /// Replay one run as a DescribeTrainingJob document, or as the SageMaker SDK's log lines.
    #[command(
        long_about = "Replay one run of a scenario's job, status by status, as a \
                      DescribeTrainingJob-shaped JSON document (with a `spotsim` section for what \
                      the API does not show: work lost, checkpoints, cost) or as the SageMaker \
                      Python SDK's log lines.",
        after_help = "Example:\n  spotsim trace scenarios/quickstart.toml --run 17 --format table"
    )]
    Trace {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// The run index, from 0. Runs are independent, so any index is valid; when I is below
        /// the number of runs it is the very run written to row I of `spotsim run --runs-csv`
        /// (same seed).
        #[arg(long, value_name = "I")]
        run: u64,
        /// Seed of every random stream (overrides simulation.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// CreationTime of the job, RFC 3339 (e.g. 2026-01-01T09:00:00Z or
        /// 2026-01-01T10:00:00+01:00); timestamps are printed in UTC. Default:
        /// 2026-01-01T00:00:00Z plus the run's market clock (its time of day with a
        /// time-of-day profile, its start in the trace with a trace market).
        #[arg(long, value_name = "TIME", value_parser = parse_start)]
        start: Option<Timestamp>,
        /// Output format on stdout: the DescribeTrainingJob JSON document, or the SDK's log
        /// lines.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
    },
    /// Run a scenario at every point of a grid of one or two keys, with common random numbers,
    /// and find the best setting.
    #[command(
        long_about = "Run a scenario at every point of a grid of one or two keys and find the \
                      setting that is best for a metric. Every point runs the same run indices \
                      under the same seed (common random numbers), so the differences between \
                      points are measured run by run, with far less noise than the points \
                      themselves.",
        after_help = "SPEC is a list `a,b,c`, a range `lo..hi:n` (n points, equally spaced, both \
                      ends included) or `lo..hi:n:log` (constant ratio). Values are numbers or \
                      durations (`90s`, `30m`, `1h30m`); a bare number is seconds for a \
                      duration key.\n\nExamples:\n  spotsim sweep scenarios/reference.toml \
                      --set checkpoint.interval=5m..2h:24\n  spotsim sweep \
                      scenarios/quickstart.toml --set checkpoint.interval=10m..2h:8:log --set \
                      spot.discount=0.5,0.6,0.7 --metric wall_s --chart sweep.png"
    )]
    Sweep {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// A key to vary and its values, KEY=SPEC (give --set twice for a two-key grid).
        #[arg(long = "set", value_name = "KEY=SPEC", required = true)]
        set: Vec<String>,
        /// What the best point minimises (completed: maximises), on spot when enabled.
        #[arg(long, value_enum, default_value_t = SweepMetricArg::CostUsd)]
        metric: SweepMetricArg,
        #[command(flatten)]
        sim: SimulationArgs,
        /// Output format on stdout.
        #[arg(long, value_enum, default_value_t = SweepFormat::Table)]
        format: SweepFormat,
        /// Also draw the sweep into this .png or .svg file: a line chart with 95 % bands for
        /// one key, a heat map for two.
        #[arg(long, value_name = "FILE")]
        chart: Option<PathBuf>,
    },
    /// Recommend settings for a scenario: spot or on-demand, the checkpoint interval, and the
    /// smallest max_wait and max_run reaching a completion target, with 95 % intervals.
    #[command(
        long_about = "Recommend settings for a scenario, with 95 % intervals: whether spot is \
                      cheaper than on-demand (run i against run i), the checkpoint interval that \
                      minimises the mean cost and the one that minimises the p95 wall time (a \
                      sweep around Young's estimate), and the smallest max_wait and max_run that \
                      let the job complete with the target probability, checked by a re-run with \
                      a fresh seed. Warns about the classic mistakes.",
        after_help = "Example:\n  spotsim recommend scenarios/quickstart.toml \
                      --target-completion 0.99 --runs 20000"
    )]
    Recommend {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// The share of jobs that must complete, strictly between 0 and 1.
        #[arg(long, value_name = "SHARE", default_value_t = spotsim::studies::recommend::DEFAULT_TARGET,
              value_parser = parse_target, allow_negative_numbers = true)]
        target_completion: f64,
        #[command(flatten)]
        sim: SimulationArgs,
        /// Output format on stdout.
        #[arg(long, value_enum, default_value_t = RecommendFormat::Table)]
        format: RecommendFormat,
    },
    /// Calibrate a market from recorded data.
    #[command(
        after_help = "Example:\n  spotsim fit trace us-east-1f_v100_1.json\n  \
                            spotsim fit jobs past-jobs/*.json"
    )]
    Fit {
        #[command(subcommand)]
        what: FitCommand,
    },
    /// Turn a SageMaker CreateTrainingJob request, or a finished job's description, into a
    /// scenario (on stdout; what had to be assumed on stderr).
    #[command(
        after_help = "Example:\n  spotsim import create-training-job request.json > job.toml\n  \
                      spotsim import describe-training-job my-job.json > replay.toml"
    )]
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Print a commented scenario template to start from (a single-GPU job with checkpoints
    /// by default).
    #[command(after_help = "Example:\n  spotsim init > my-job.toml && spotsim run my-job.toml")]
    Init {
        /// A single-GPU job (the default).
        #[arg(long, conflicts_with = "cpu")]
        gpu: bool,
        /// A CPU job.
        #[arg(long)]
        cpu: bool,
    },
    /// Print a shell completion script for spotsim.
    #[command(
        after_help = "Example:\n  spotsim completions bash > ~/.local/share/bash-completion/completions/spotsim\n  \
                      spotsim completions zsh > ~/.zfunc/_spotsim\n  \
                      spotsim completions fish > ~/.config/fish/completions/spotsim.fish"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print spotsim's man page (roff), generated from the same definitions as --help.
    #[command(after_help = "Example:\n  spotsim man > spotsim.1 && man ./spotsim.1")]
    Man,
    /// Print a JSON Schema of the scenario format, for editors that complete and check TOML
    /// (Taplo / Even Better TOML).
    #[command(
        after_help = "Example:\n  spotsim schema > spotsim.schema.json\n\nThen start a scenario \
                      with the line `#:schema ./spotsim.schema.json` (Taplo / Even Better TOML)."
    )]
    Schema,
    /// Check a scenario or fleet file and print what spotsim understood from it.
    #[command(
        after_help = "Example:\n  spotsim validate scenarios/quickstart.toml\n  \
                            spotsim validate scenarios/fleets/team.toml"
    )]
    Validate {
        /// The scenario or fleet file (TOML).
        scenario: PathBuf,
    },
}

#[derive(Subcommand)]
enum FitCommand {
    /// Availability, interruption rate and period-length fits of a spot availability trace,
    /// with [spot.market] sections to paste.
    #[command(
        after_help = "Example:\n  spotsim fit trace us-east-1f_v100_1.json --trace-format spot-traces"
    )]
    Trace {
        /// The trace file.
        file: PathBuf,
        /// The trace's format (default: events for .csv, spot-traces otherwise).
        #[arg(long, value_enum)]
        trace_format: Option<TraceFormatArg>,
        /// Instances the job needs at once.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
        instances: u32,
        /// Output format on stdout.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Discount, interruption rate and phase durations from saved
    /// `aws sagemaker describe-training-job` JSON documents, and a scenario to start from.
    #[command(after_help = "Example:\n  spotsim fit jobs past-jobs/*.json")]
    Jobs {
        /// DescribeTrainingJob JSON files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format on stdout.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// A scenario from a CreateTrainingJob request (the JSON `aws sagemaker
    /// create-training-job --cli-input-json` takes), checked by the service's rules; what a
    /// request cannot say (training length, market, price) is a placeholder marked ASSUMED.
    #[command(
        after_help = "Example:\n  spotsim import create-training-job request.json > job.toml && \
                      spotsim validate job.toml"
    )]
    CreateTrainingJob {
        /// The request, JSON.
        file: PathBuf,
    },
    /// A scenario that replays a finished job, from the JSON `aws sagemaker
    /// describe-training-job` prints (or `spotsim trace` writes): its phase durations,
    /// interruptions, spot discount and limits.
    #[command(
        after_help = "Example:\n  aws sagemaker describe-training-job --training-job-name my-job \
                      > my-job.json\n  spotsim import describe-training-job my-job.json > \
                      replay.toml && spotsim run replay.toml"
    )]
    DescribeTrainingJob {
        /// The DescribeTrainingJob document, JSON.
        file: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum TraceFormatArg {
    /// skypilot-org/spot-traces JSON: counts of available instances per tick.
    SpotTraces,
    /// SkyNomad converted JSON: 1 = preempted, 0 = available.
    Skynomad,
    /// Oobleck events CSV: time_ms,add|remove,node.
    Events,
}

impl TraceFormatArg {
    fn name(self) -> &'static str {
        match self {
            TraceFormatArg::SpotTraces => "spot-traces",
            TraceFormatArg::Skynomad => "skynomad",
            TraceFormatArg::Events => "events",
        }
    }

    fn format(self) -> spotsim::inputs::availability::TraceFormat {
        match self {
            TraceFormatArg::SpotTraces => spotsim::inputs::availability::TraceFormat::SpotTraces,
            TraceFormatArg::Skynomad => spotsim::inputs::availability::TraceFormat::Skynomad,
            TraceFormatArg::Events => spotsim::inputs::availability::TraceFormat::Events,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ReportFormat {
    /// One self-contained HTML page.
    Html,
    /// Markdown, charts as PNG files beside it.
    Md,
}

#[derive(Clone, Copy, ValueEnum)]
enum ChartFormatArg {
    /// PNG images, text drawn with the bundled font.
    Png,
    /// SVG images.
    Svg,
}

impl ChartFormatArg {
    fn format(self) -> ChartFormat {
        match self {
            ChartFormatArg::Png => ChartFormat::Png,
            ChartFormatArg::Svg => ChartFormat::Svg,
        }
    }
}

/// `spotsim sweep --metric`.
#[derive(Clone, Copy, ValueEnum)]
enum SweepMetricArg {
    /// Mean cost per job.
    #[value(name = "cost_usd")]
    CostUsd,
    /// Mean wall-clock time per job.
    #[value(name = "wall_s")]
    WallS,
    /// 95th percentile of the wall-clock time.
    #[value(name = "p95_wall_s")]
    P95WallS,
    /// 95th percentile of the cost.
    #[value(name = "p95_cost_usd")]
    P95CostUsd,
    /// Share of jobs completed (maximised).
    #[value(name = "completed")]
    Completed,
}

impl SweepMetricArg {
    fn metric(self) -> SweepMetric {
        match self {
            SweepMetricArg::CostUsd => SweepMetric::Mean(Metric::CostUsd),
            SweepMetricArg::WallS => SweepMetric::Mean(Metric::WallS),
            SweepMetricArg::P95WallS => SweepMetric::P95(Metric::WallS),
            SweepMetricArg::P95CostUsd => SweepMetric::P95(Metric::CostUsd),
            SweepMetricArg::Completed => SweepMetric::Completed,
        }
    }
}

/// `spotsim sweep --format`.
#[derive(Clone, Copy, ValueEnum)]
enum SweepFormat {
    Table,
    Json,
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

/// The Monte Carlo settings of every command that simulates.
#[derive(clap::Args, Clone, Copy)]
struct SimulationArgs {
    /// Number of Monte Carlo runs (overrides the scenario's simulation.runs), 1 to
    /// 1,000,000,000 (compare, sweep and recommend: 50,000,000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=spotsim::scenario::MAX_RUNS))]
    runs: Option<u64>,
    /// Seed of every random stream (overrides the scenario's simulation.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads (default: one per core). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    threads: Option<u16>,
    /// No progress bar and no notes on stderr (warnings and errors still show).
    #[arg(long, short)]
    quiet: bool,
}

/// A failure and the exit code it deserves.
enum Failure {
    /// The user's input is wrong: exit 2.
    BadInput(String),
    /// Something failed at run time: exit 1.
    Runtime(anyhow::Error),
}

impl From<LoadError> for Failure {
    fn from(error: LoadError) -> Self {
        Failure::BadInput(error.to_string())
    }
}

/// The exit code after Ctrl-C or SIGTERM: 128 + SIGINT, the shell's convention.
const INTERRUPTED_EXIT: i32 = 130;

/// The process's stop request: the signal handler requests it, every simulation is passed it,
/// and nothing is written once it is requested.
static CANCEL: std::sync::LazyLock<Cancel> = std::sync::LazyLock::new(Cancel::new);

/// The error of an output refused because a stop was requested.
fn interrupted() -> anyhow::Error {
    anyhow::anyhow!("interrupted")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Ctrl-C (and SIGTERM from a batch system) stops the simulation within milliseconds; outputs
    // are written only after it, atomically, so nothing partial is left. A second signal ends the
    // process at once.
    let _ = ctrlc::set_handler(|| {
        if CANCEL.requested() {
            std::process::exit(INTERRUPTED_EXIT);
        }
        CANCEL.request();
    });
    let result = match cli.command {
        Command::Run {
            scenario,
            sim,
            runs_csv,
            shard,
            shard_from_env,
            out,
            ..
        } if shard.is_some() || shard_from_env.is_some() => run_shard(
            &scenario,
            sim,
            shard.ok_or(shard_from_env.unwrap_or(1)),
            out.as_deref().unwrap_or(Path::new("")),
            runs_csv.as_deref(),
        ),
        Command::Run {
            scenario,
            sim,
            format,
            runs_csv,
            charts,
            chart_format,
            target_rse,
            ..
        } => run(
            &scenario,
            RunOptions {
                sim,
                format,
                runs_csv: runs_csv.as_deref(),
                charts: charts.as_deref().map(|dir| (dir, chart_format.format())),
                target_rse,
            },
        ),
        Command::Merge {
            parts,
            format,
            scenario,
        } => merge(&parts, format, scenario.as_deref()),
        Command::Fleet {
            fleet,
            runs,
            seed,
            threads,
            quiet,
            format,
            no_quotas,
            charts,
            chart_format,
        } => run_fleet(
            &fleet,
            FleetOptions {
                runs,
                seed,
                threads,
                quiet,
                format,
                no_quotas,
                charts: charts.map(|dir| (dir, chart_format.format())),
            },
        ),
        Command::Validate { scenario } => validate(&scenario),
        Command::Init { cpu, .. } => print_stdout(if cpu {
            spotsim::import::templates::CPU
        } else {
            spotsim::import::templates::GPU
        }),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "spotsim", &mut script);
            print_stdout(&String::from_utf8_lossy(&script))
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut page)
                .context("cannot render the man page")
                .map_err(Failure::Runtime)
                .and_then(|()| print_stdout(&String::from_utf8_lossy(&page)))
        }
        Command::Schema => print_stdout(&spotsim::scenario::render_schema()),
        Command::Recommend {
            scenario,
            target_completion,
            sim,
            format,
        } => recommend(&scenario, target_completion, sim, format),
        Command::Report {
            scenario,
            output,
            format,
            sim,
        } => report(&scenario, &output, format, sim),
        Command::Compare {
            scenarios,
            sim,
            format,
            chart,
        } => compare_scenarios(
            &scenarios,
            CompareOptions {
                sim,
                format,
                chart: chart.as_deref(),
            },
        ),
        Command::Trace {
            scenario,
            run,
            seed,
            start,
            format,
        } => trace(&scenario, run, seed, start, format),
        Command::Sweep {
            scenario,
            set,
            metric,
            sim,
            format,
            chart,
        } => sweep(
            &scenario,
            &set,
            metric.metric(),
            sim,
            format,
            chart.as_deref(),
        ),
        Command::Fit {
            what:
                FitCommand::Trace {
                    file,
                    trace_format,
                    instances,
                    format,
                },
        } => fit_trace(&file, trace_format, instances, format),
        Command::Fit {
            what: FitCommand::Jobs { files, format },
        } => fit_jobs(&files, format),
        Command::Import { what } => match what {
            ImportCommand::CreateTrainingJob { file } => {
                import_document(spotsim::import::Source::CreateTrainingJob, &file)
            }
            ImportCommand::DescribeTrainingJob { file } => {
                import_document(spotsim::import::Source::DescribeTrainingJob, &file)
            }
        },
    };
    if CANCEL.requested() {
        // Whatever the command was doing, its results are incomplete: it wrote nothing after the
        // signal (`print_stdout` and `write_atomically` refuse), and earlier files are untouched.
        eprintln!("spotsim: interrupted; no output was written");
        return ExitCode::from(INTERRUPTED_EXIT as u8);
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(message)) => {
            eprintln!("{message}");
            ExitCode::from(2)
        }
        Err(Failure::Runtime(error)) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}

/// The display name: the job's `name`, else the file stem.
fn job_name(path: &Path, scenario: &Scenario) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "job".to_string());
    scenario.display_name(&stem).to_string()
}

/// The parser's notes (an SDK v1 key name), then the warnings of [`lint`].
fn print_warnings(path: &Path, scenario: &Scenario) {
    print_notes(scenario);
    for warning in lint(scenario) {
        eprintln!("warning: {}: {}", path.display(), warning.message);
        eprintln!("  hint: {}", warning.hint);
    }
}

/// The parser's notes on a valid file, located `file:line:column`: every command that loads a
/// scenario prints them, directly or through [`print_warnings`].
fn print_notes(scenario: &Scenario) {
    for note in &scenario.notes {
        eprintln!("warning: {}", note.message);
        eprintln!("  hint: {}", note.hint);
    }
}

/// `spotsim fleet`'s options.
struct FleetOptions {
    runs: Option<u64>,
    seed: Option<u64>,
    threads: Option<u16>,
    quiet: bool,
    format: SweepFormat,
    no_quotas: bool,
    charts: Option<(PathBuf, ChartFormat)>,
}

/// Loads a fleet file with the command line's `--runs` and `--seed`, printing its notes.
fn load_fleet_with_overrides(
    path: &Path,
    runs: Option<u64>,
    seed: Option<u64>,
    quiet: bool,
) -> Result<spotsim::fleet::Fleet, Failure> {
    let mut fleet = spotsim::load_fleet(path)?;
    if let Some(runs) = runs {
        fleet.runs = runs;
    }
    if let Some(seed) = seed {
        fleet.seed = seed;
    }
    if !quiet {
        for note in &fleet.notes {
            eprintln!("warning: {}", note.message);
            eprintln!("  hint: {}", note.hint);
        }
    }
    Ok(fleet)
}

/// Simulates the fleet's months on a pool of `threads`, with a progress bar of months.
fn simulate_fleet(
    path: &Path,
    fleet: &spotsim::fleet::Fleet,
    threads: Option<u16>,
    quiet: bool,
) -> Result<spotsim::fleet::FleetReport, Failure> {
    let pool = thread_pool(threads)?;
    let shown = path.display().to_string();
    let report = with_progress(quiet, fleet.runs, "simulated months", |done| {
        pool.install(|| spotsim::fleet::run_fleet_counted(fleet, &shown, done, &CANCEL))
    });
    report.ok_or_else(|| Failure::Runtime(interrupted()))
}

/// `spotsim fleet`.
fn run_fleet(path: &Path, options: FleetOptions) -> Result<(), Failure> {
    let mut fleet = load_fleet_with_overrides(path, options.runs, options.seed, options.quiet)?;
    if options.no_quotas {
        fleet.quotas.clear();
    }
    fleet.check_size().map_err(Failure::BadInput)?;
    if let Some((dir, _)) = &options.charts {
        check_chart_dir("--charts", dir)?;
    }
    let report = simulate_fleet(path, &fleet, options.threads, options.quiet)?;
    if let Some((dir, chart_format)) = &options.charts {
        let written = write_fleet_charts(dir, &report, *chart_format).map_err(Failure::Runtime)?;
        if !options.quiet {
            eprintln!("charts: {}", written.join(", "));
        }
    }
    let text = match options.format {
        SweepFormat::Table => spotsim::report::render_fleet_table(&report),
        SweepFormat::Json => spotsim::report::render_fleet_json(&report),
        SweepFormat::Csv => spotsim::report::render_fleet_csv(&report),
    };
    print_stdout(&text)
}

/// Renders every fleet chart of `report` as `format` bytes, in report order.
fn render_fleet_charts(
    report: &spotsim::fleet::FleetReport,
    format: ChartFormat,
) -> anyhow::Result<Vec<(spotsim::charts::FleetChart, Vec<u8>)>> {
    Ok(spotsim::charts::fleet_charts(report)
        .into_par_iter()
        .map(|chart| spotsim::charts::render_fleet(report, &chart, format).map(|b| (chart, b)))
        .collect::<Result<_, _>>()?)
}

/// Draws every fleet chart into `dir`, each file written atomically.
fn write_fleet_charts(
    dir: &Path,
    report: &spotsim::fleet::FleetReport,
    format: ChartFormat,
) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = Vec::new();
    for (chart, bytes) in render_fleet_charts(report, format)? {
        let path = dir.join(format!("{}.{}", chart.stem, format.extension()));
        write_atomically(&path, |file| file.write_all(&bytes))
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path.display().to_string());
    }
    Ok(written)
}

/// Whether `path` is a fleet file (a top-level `workload` array) rather than a scenario; a
/// file that cannot be read is left to the scenario loader to report.
fn is_fleet_file(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| spotsim::fleet::is_fleet_text(&text))
}

/// `spotsim report FLEET.toml`: the fleet review, HTML with inline SVG or Markdown with PNG
/// charts beside it.
fn report_fleet(
    path: &Path,
    output: &Path,
    format: ReportFormat,
    sim: SimulationArgs,
) -> Result<(), Failure> {
    let SimulationArgs {
        runs,
        seed,
        threads,
        quiet,
    } = sim;
    if let Some(runs) = runs.filter(|&r| r > spotsim::fleet::MAX_FLEET_RUNS) {
        return Err(Failure::BadInput(format!(
            "--runs {runs}: a fleet simulates at most {} months",
            spotsim::units::format::format_count(spotsim::fleet::MAX_FLEET_RUNS)
        )));
    }
    let fleet = load_fleet_with_overrides(path, runs, seed, quiet)?;
    fleet.check_size().map_err(Failure::BadInput)?;
    let fleet_text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {}", path.display()))
        .map_err(Failure::Runtime)?;
    check_writable_parent("--output", output)?;
    if format == ReportFormat::Md {
        check_chart_dir("--output's chart folder", &md_chart_dir(output).1)?;
    }
    let report = simulate_fleet(path, &fleet, threads, quiet)?;
    let shown_file = path.display().to_string();
    let mut command = format!(
        "spotsim report {} --runs {} --seed {}",
        shell_word(&shown_file),
        fleet.runs,
        fleet.seed
    );
    if format == ReportFormat::Md {
        command.push_str(" --format md");
    }
    command.push_str(&format!(
        " -o {}",
        shell_word(&output.display().to_string())
    ));
    let name = path
        .file_stem()
        .map_or_else(|| "fleet".to_string(), |s| s.to_string_lossy().into_owned());
    let chart_format = match format {
        ReportFormat::Html => ChartFormat::Svg,
        ReportFormat::Md => ChartFormat::Png,
    };
    let pool = thread_pool(threads)?;
    let rendered = pool
        .install(|| render_fleet_charts(&report, chart_format))
        .map_err(Failure::Runtime)?;
    let charts: Vec<_> = rendered.iter().map(|(chart, _)| chart.clone()).collect();
    let review = spotsim::report::build_fleet_review(&spotsim::report::FleetReviewInput {
        name: &name,
        report: &report,
        fleet_text: &fleet_text,
        command: &command,
        charts: &charts,
    });
    let bytes_of = |stem: &str| {
        rendered
            .iter()
            .find(|(chart, _)| chart.stem == stem)
            .map(|(_, bytes)| bytes.as_slice())
    };
    let text = match format {
        ReportFormat::Html => spotsim::report::render_figures_html(&review, &|stem| {
            bytes_of(stem)
                .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
                .unwrap_or_default()
        }),
        ReportFormat::Md => {
            let (dir_name, dir) = md_chart_dir(output);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))
                .map_err(Failure::Runtime)?;
            for (chart, bytes) in &rendered {
                write_file(&dir.join(format!("{}.png", chart.stem)), bytes)?;
            }
            spotsim::report::render_figures_md(&review, &|stem| format!("{dir_name}/{stem}.png"))
        }
    };
    write_file(output, text.as_bytes())?;
    if !quiet {
        eprintln!("report: {}", output.display());
    }
    Ok(())
}

/// `spotsim run`'s options.
struct RunOptions<'a> {
    sim: SimulationArgs,
    format: Format,
    runs_csv: Option<&'a Path>,
    charts: Option<(&'a Path, ChartFormat)>,
    target_rse: Option<f64>,
}

fn run(path: &Path, options: RunOptions<'_>) -> Result<(), Failure> {
    let RunOptions {
        sim:
            SimulationArgs {
                runs,
                seed,
                threads,
                quiet,
            },
        format,
        runs_csv,
        charts,
        target_rse,
    } = options;
    let mut scenario = load_with_overrides(path, runs, seed)?;
    if target_rse.is_some() && runs.is_none() {
        // A file's run count is chosen for a fixed-size run, often a quick look; with a
        // target the cap is --runs, else the largest simulation.
        scenario.simulation.runs = spotsim::scenario::MAX_RUNS;
    }
    if let Some(csv_path) = runs_csv {
        check_writable_parent("--runs-csv", csv_path)?;
    }
    if let Some((dir, _)) = charts {
        check_chart_dir("--charts", dir)?;
    }
    print_warnings(path, &scenario);
    let pool = thread_pool(threads)?;
    let stats = match runs_csv {
        // The rows are written as the runs are simulated, block by block.
        Some(csv_path) => {
            let mut streamed = None;
            write_atomically(csv_path, |file| {
                write_runs_csv_header(&mut *file)?;
                streamed = Some(simulate_with_rows(
                    &pool, &scenario, quiet, target_rse, &RunsCsv, file,
                )?);
                Ok(())
            })
            .with_context(|| format!("cannot write {}", csv_path.display()))
            .map_err(Failure::Runtime)?;
            streamed
                .context("the simulation wrote no rows")
                .map_err(Failure::Runtime)?
        }
        None => simulate_with_rows(
            &pool,
            &scenario,
            quiet,
            target_rse,
            &NoRows,
            &mut std::io::sink(),
        )
        .context("no rows, no write error")
        .map_err(Failure::Runtime)?,
    };
    let (stats, precision) = stats;
    let estimate = Estimate::of(&stats);
    if let Some(precision) = &precision {
        // Everything below (header, JSON, charts) describes the runs kept.
        scenario.simulation.runs = precision.runs;
        if let Some(warning) = precision.cap_warning() {
            print_warning(path, &warning);
        }
    }
    if let Some(spot) = &estimate.spot {
        let warning = spotsim::montecarlo::precision::rare_outcome_warning(
            spot,
            scenario.simulation.runs,
            target_rse.is_some(),
        );
        if let Some(warning) = warning {
            print_warning(path, &warning);
        }
    }

    let name = job_name(path, &scenario);
    if let Some((dir, chart_format)) = charts {
        let timelines = pool.install(|| first_runs(&scenario, TIMELINE_RUNS));
        let input = ChartInput {
            name: &name,
            scenario: &scenario,
            stats: &stats,
            estimate: &estimate,
            timelines: &timelines,
        };
        let written = write_charts(dir, &input, chart_format).map_err(Failure::Runtime)?;
        if !quiet {
            eprintln!("charts: {}", written.join(", "));
        }
    }
    let report = RunReport {
        name: &name,
        scenario: &scenario,
        estimate: &estimate,
        precision: precision.as_ref(),
    };
    print_stdout(&match format {
        Format::Table => render_table(&report),
        Format::Json => render_json(&report),
    })
}

/// `--shard K/N`.
fn parse_shard(text: &str) -> Result<spotsim::montecarlo::shard::Shard, String> {
    spotsim::montecarlo::shard::Shard::parse(text)
}

/// `spotsim run --shard K/N` (`shard` is `Ok`) or `--shard-from-env N` (`Err(N)`): simulates the
/// shard's blocks and writes its part to `out` (and its rows to `runs_csv`).
fn run_shard(
    path: &Path,
    sim: SimulationArgs,
    shard: Result<spotsim::montecarlo::shard::Shard, u64>,
    out: &Path,
    runs_csv: Option<&Path>,
) -> Result<(), Failure> {
    let SimulationArgs {
        runs,
        seed,
        threads,
        quiet,
    } = sim;
    let shard = match shard {
        Ok(shard) => shard,
        Err(count) => {
            spotsim::montecarlo::shard::Shard::from_env(count, |name| std::env::var(name).ok())
                .map_err(Failure::BadInput)?
        }
    };
    let (scenario, text) = load_with_overrides_and_text(path, runs, seed)?;
    check_writable_parent("--out", out)?;
    if let Some(csv_path) = runs_csv {
        check_writable_parent("--runs-csv", csv_path)?;
    }
    print_warnings(path, &scenario);
    let pool = thread_pool(threads)?;
    let blocks = shard.blocks(spotsim::stats::accumulate::block_count(
        scenario.simulation.runs,
    ));
    let slice = shard.runs(scenario.simulation.runs);
    let sides = total_runs(&scenario) / scenario.simulation.runs;
    let simulate_slice = |rows_out: &mut (dyn Write + Send), with_rows: bool| {
        with_progress(
            quiet,
            (slice.end - slice.start) * sides,
            sides_label(&scenario),
            |done| {
                pool.install(|| {
                    if with_rows {
                        stream_blocks(&scenario, blocks.clone(), done, &CANCEL, &RunsCsv, rows_out)
                    } else {
                        stream_blocks(&scenario, blocks.clone(), done, &CANCEL, &NoRows, rows_out)
                    }
                })
            },
        )
    };
    let stats = match runs_csv {
        Some(csv_path) => {
            let mut streamed = None;
            write_atomically(csv_path, |file| {
                write_runs_csv_header(&mut *file)?;
                streamed = Some(simulate_slice(file, true)?);
                Ok(())
            })
            .with_context(|| format!("cannot write {}", csv_path.display()))
            .map_err(Failure::Runtime)?;
            streamed
                .context("the simulation wrote no rows")
                .map_err(Failure::Runtime)?
        }
        None => simulate_slice(&mut std::io::sink(), false)
            .context("cannot simulate")
            .map_err(Failure::Runtime)?,
    };
    let name = job_name(path, &scenario);
    let part = spotsim::montecarlo::shard::Part::new(
        shard,
        &scenario,
        &name,
        &path.display().to_string(),
        &text,
        stats,
    );
    let json = part.to_json();
    write_file(out, json.as_bytes())?;
    if !quiet {
        eprintln!(
            "shard {shard}: runs {} to {} of {} ({} runs) -> {}",
            slice.start,
            slice.end.saturating_sub(1).max(slice.start),
            scenario.simulation.runs,
            slice.end - slice.start,
            out.display()
        );
    }
    Ok(())
}

/// `spotsim merge`: checks the parts, appends them in block order, prints what `spotsim run`
/// prints. On any problem, nothing on stdout and exit 2.
fn merge(files: &[PathBuf], format: Format, scenario_path: Option<&Path>) -> Result<(), Failure> {
    let mut parts = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        let shown = file.display().to_string();
        match std::fs::read_to_string(file) {
            Err(e) => problems.push(format!("{shown}: cannot read the part file: {e}")),
            Ok(text) => match spotsim::montecarlo::shard::Part::from_json(&text) {
                Ok(part) => parts.push((shown, part)),
                Err(reason) => problems.push(format!("{shown}: {reason}")),
            },
        }
    }
    if !problems.is_empty() {
        return Err(Failure::BadInput(problems.join("\n")));
    }
    let merged = spotsim::montecarlo::shard::merge_parts(parts).map_err(Failure::BadInput)?;
    let first = &merged.first;
    // The scenario as the shards ran it: re-read (its data files too), then checked against
    // the parts' hash.
    let (mut scenario, shown) = match scenario_path {
        Some(path) => (load_scenario(path)?, path.display().to_string()),
        None => (
            spotsim::scenario::parse_scenario(&first.scenario_text, &first.scenario_path).map_err(
                |errors| {
                    Failure::BadInput(format!(
                        "{errors}\n(the scenario is re-read from the text stored in the parts, \
                         its data files relative to {}; give --scenario PATH to read it from \
                         a file here)",
                        first.scenario_path
                    ))
                },
            )?,
            first.scenario_path.clone(),
        ),
    };
    scenario.simulation.runs = first.runs;
    scenario.simulation.seed = first.seed;
    if spotsim::montecarlo::shard::scenario_sha256(&scenario) != first.scenario_sha256 {
        return Err(Failure::BadInput(format!(
            "{shown}: the scenario read here (SHA-256 {}) is not the one the parts simulated \
             (SHA-256 {}): a value or a data file differs",
            spotsim::montecarlo::shard::scenario_sha256(&scenario),
            first.scenario_sha256
        )));
    }
    print_warnings(Path::new(&shown), &scenario);
    let estimate = Estimate::of(&merged.stats);
    if let Some(spot) = &estimate.spot
        && let Some(warning) = spotsim::montecarlo::precision::rare_outcome_warning(
            spot,
            scenario.simulation.runs,
            false,
        )
    {
        print_warning(Path::new(&shown), &warning);
    }
    let report = RunReport {
        name: &first.name,
        scenario: &scenario,
        estimate: &estimate,
        precision: None,
    };
    print_stdout(&match format {
        Format::Table => render_table(&report),
        Format::Json => render_json(&report),
    })
}

/// `spotsim run --target-rse`: a relative standard error strictly between 0 and 1.
fn parse_target_rse(text: &str) -> Result<f64, String> {
    let target: f64 = text.trim().parse().map_err(|_| {
        format!("`{text}` is not a number: give a relative standard error such as 0.001")
    })?;
    if target > 0.0 && target < 1.0 {
        Ok(target)
    } else {
        Err(format!(
            "{text} is not strictly between 0 and 1: give a relative standard error (s.e. / \
             mean) such as 0.001 for 0.1 %"
        ))
    }
}

/// A warning found after the runs, as [`print_warnings`] prints those of the scenario.
fn print_warning(path: &Path, warning: &spotsim::scenario::Warning) {
    eprintln!("warning: {}: {}", path.display(), warning.message);
    eprintln!("  hint: {}", warning.hint);
}

/// Writes `text` to standard output; a closed or full output is a failure at run time.
fn print_stdout(text: &str) -> Result<(), Failure> {
    if CANCEL.requested() {
        return Err(Failure::Runtime(interrupted()));
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to standard output")
        .map_err(Failure::Runtime)
}

/// Loads a scenario and applies the command line's `--runs` and `--seed`.
fn load_with_overrides(
    path: &Path,
    runs: Option<u64>,
    seed: Option<u64>,
) -> Result<Scenario, Failure> {
    load_with_overrides_and_text(path, runs, seed).map(|(scenario, _)| scenario)
}

/// As [`load_with_overrides`], with the file's text as read.
fn load_with_overrides_and_text(
    path: &Path,
    runs: Option<u64>,
    seed: Option<u64>,
) -> Result<(Scenario, String), Failure> {
    let (mut scenario, text) = load_scenario_and_text(path)?;
    if let Some(runs) = runs {
        scenario.simulation.runs = runs;
    }
    if let Some(seed) = seed {
        scenario.simulation.seed = seed;
    }
    Ok((scenario, text))
}

fn thread_pool(threads: Option<u16>) -> Result<rayon::ThreadPool, Failure> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = threads {
        pool = pool.num_threads(usize::from(threads));
    }
    pool.build()
        .context("cannot start worker threads")
        .map_err(Failure::Runtime)
}

/// Streams the scenario's runs on `pool`, with a progress bar on stderr when it is a terminal,
/// the run takes longer than about a second, and `quiet` is off.
fn simulate(pool: &rayon::ThreadPool, scenario: &Scenario, quiet: bool) -> ScenarioStats {
    match simulate_with_rows(pool, scenario, quiet, None, &NoRows, &mut std::io::sink()) {
        Ok((stats, _)) => stats,
        // No rows are written to a sink: nothing can fail.
        Err(_) => unreachable!("no rows, no write error"),
    }
}

/// As [`simulate`], writing each run's row formatted by `rows` to `out`, in run order; with a
/// `target` relative standard error, only until it is reached (the runs count is the cap).
fn simulate_with_rows<R: RunRows>(
    pool: &rayon::ThreadPool,
    scenario: &Scenario,
    quiet: bool,
    target: Option<f64>,
    rows: &R,
    out: &mut (dyn Write + Send),
) -> std::io::Result<(ScenarioStats, Option<Precision>)> {
    if let Some(target) = target {
        let label = format!("{} until RSE ≤ {target}", sides_label(scenario));
        return with_progress_to(quiet, total_runs(scenario), &label, true, |done| {
            pool.install(|| stream_to_target(scenario, target, done, &CANCEL, rows, out))
        })
        .map(|(stats, precision)| (stats, Some(precision)));
    }
    let blocks = 0..spotsim::stats::accumulate::block_count(scenario.simulation.runs);
    with_progress(quiet, total_runs(scenario), sides_label(scenario), |done| {
        pool.install(|| stream_blocks(scenario, blocks, done, &CANCEL, rows, out))
    })
    .map(|stats| (stats, None))
}

/// What the progress bar says is simulated.
fn sides_label(scenario: &Scenario) -> &'static str {
    if scenario.is_spot() {
        "spot and on-demand"
    } else {
        "on-demand"
    }
}

/// Runs `work`, which counts the runs it finishes into its counter, with a progress bar of
/// `total` runs on stderr when it is a terminal and `quiet` is off.
fn with_progress<T>(quiet: bool, total: u64, label: &str, work: impl FnOnce(&AtomicU64) -> T) -> T {
    with_progress_to(quiet, total, label, false, work)
}

/// As [`with_progress`]; when `capped`, `total` is only a cap the work may stop short of, and
/// the time left shown is an upper bound.
fn with_progress_to<T>(
    quiet: bool,
    total: u64,
    label: &str,
    capped: bool,
    work: impl FnOnce(&AtomicU64) -> T,
) -> T {
    let show_progress = !quiet && std::io::stderr().is_terminal();
    let done = AtomicU64::new(0);
    let finished = AtomicBool::new(false);
    std::thread::scope(|scope| {
        if show_progress {
            let (done, finished) = (&done, &finished);
            scope.spawn(move || show_progress_bar(done, finished, total, label, capped));
        }
        let result = work(&done);
        finished.store(true, Ordering::Release);
        result
    })
}

/// Draws runs done, rate and time left until `finished`; nothing for runs shorter than a second.
fn show_progress_bar(
    done: &AtomicU64,
    finished: &AtomicBool,
    total: u64,
    sides: &str,
    capped: bool,
) {
    let started = std::time::Instant::now();
    let tick = std::time::Duration::from_millis(100);
    while started.elapsed() < std::time::Duration::from_secs(1) {
        if finished.load(Ordering::Acquire) {
            return;
        }
        std::thread::sleep(tick);
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "simulating {prefix} [{bar:32}] {human_pos}/{human_len} runs · {msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(sides.to_string());
    // The rate from the start, not indicatif's estimate: the bar appears a second late, and
    // the jump from 0 to the runs already done would read as an absurd rate.
    while !finished.load(Ordering::Acquire) {
        let done_runs = done.load(Ordering::Relaxed).min(total);
        let rate = done_runs as f64 / started.elapsed().as_secs_f64();
        bar.set_position(done_runs);
        bar.set_message(if done_runs == total {
            "summarising".to_string()
        } else if rate > 0.0 {
            let left_s = ((total - done_runs) as f64 / rate).ceil();
            format!(
                "{} runs/s · {}{} left",
                spotsim::units::format::format_count(rate.round() as u64),
                if capped { "at most " } else { "" },
                spotsim::units::duration::format_duration(left_s)
            )
        } else {
            String::new()
        });
        std::thread::sleep(tick);
    }
    bar.finish_and_clear();
}

fn report(
    path: &Path,
    output: &Path,
    format: ReportFormat,
    sim: SimulationArgs,
) -> Result<(), Failure> {
    if is_fleet_file(path) {
        return report_fleet(path, output, format, sim);
    }
    let SimulationArgs {
        runs,
        seed,
        threads,
        quiet,
    } = sim;
    let (scenario, scenario_text) = load_with_overrides_and_text(path, runs, seed)?;
    check_writable_parent("--output", output)?;
    if format == ReportFormat::Md {
        check_chart_dir("--output's chart folder", &md_chart_dir(output).1)?;
    }
    let warnings = lint(&scenario);
    print_warnings(path, &scenario);
    let pool = thread_pool(threads)?;
    let stats = simulate(&pool, &scenario, quiet);
    let estimate = Estimate::of(&stats);
    let name = job_name(path, &scenario);
    let timelines = pool.install(|| first_runs(&scenario, TIMELINE_RUNS));
    let chart_input = ChartInput {
        name: &name,
        scenario: &scenario,
        stats: &stats,
        estimate: &estimate,
        timelines: &timelines,
    };
    let charts = charts_for(&chart_input);
    // The sample job: the first run with an interruption tells more than an uneventful one.
    let sample = timelines
        .iter()
        .find(|t| t.record.interruptions > 0)
        .or(timelines.first())
        .context("the scenario has no run")
        .map_err(Failure::Runtime)?;
    let shown_file = path.display().to_string();
    let mut command = format!(
        "spotsim report {} --runs {} --seed {}",
        shell_word(&shown_file),
        scenario.simulation.runs,
        scenario.simulation.seed
    );
    if format == ReportFormat::Md {
        command.push_str(" --format md");
    }
    command.push_str(&format!(
        " -o {}",
        shell_word(&output.display().to_string())
    ));
    let trace_command = format!(
        "spotsim trace {} --seed {} --run {} --format table",
        shell_word(&shown_file),
        scenario.simulation.seed,
        sample.run
    );
    let review = build_review(&ReviewInput {
        name: &name,
        file: &shown_file,
        scenario_text: &scenario_text,
        scenario: &scenario,
        stats: &stats,
        estimate: &estimate,
        sample,
        warnings: &warnings,
        command: &command,
        trace_command: &trace_command,
        charts: &charts,
    });
    let chart_format = match format {
        ReportFormat::Html => ChartFormat::Svg,
        ReportFormat::Md => ChartFormat::Png,
    };
    let rendered: Vec<(ChartKind, Vec<u8>)> = pool
        .install(|| {
            charts
                .par_iter()
                .map(|&kind| render(kind, &chart_input, chart_format).map(|bytes| (kind, bytes)))
                .collect::<Result<_, _>>()
        })
        .map_err(|e| Failure::Runtime(e.into()))?;
    let text = match format {
        ReportFormat::Html => render_review_html(&review, &|kind| {
            rendered
                .iter()
                .find(|(k, _)| *k == kind)
                .map(|(_, bytes)| String::from_utf8_lossy(bytes).into_owned())
                .unwrap_or_default()
        }),
        ReportFormat::Md => {
            let (dir_name, dir) = md_chart_dir(output);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))
                .map_err(Failure::Runtime)?;
            for (kind, bytes) in &rendered {
                let chart_path = dir.join(format!("{}.png", kind.file_stem()));
                write_file(&chart_path, bytes)?;
            }
            render_review_md(&review, &|kind| {
                format!("{dir_name}/{}.png", kind.file_stem())
            })
        }
    };
    write_file(output, text.as_bytes())?;
    if !quiet {
        eprintln!("report: {}", output.display());
    }
    Ok(())
}

/// `spotsim compare`'s options.
struct CompareOptions<'a> {
    sim: SimulationArgs,
    format: Format,
    chart: Option<&'a Path>,
}

fn compare_scenarios(paths: &[PathBuf], options: CompareOptions<'_>) -> Result<(), Failure> {
    let CompareOptions {
        sim:
            SimulationArgs {
                runs,
                seed,
                threads,
                quiet,
            },
        format,
        chart,
    } = options;
    if paths.len() < 2 {
        return Err(Failure::BadInput(format!(
            "spotsim compare needs at least two scenario files, got {}: the first is the \
             baseline the others are compared with\n\nUsage: spotsim compare A.toml B.toml \
             [C.toml ...] [--runs N] [--seed S]",
            paths.len()
        )));
    }
    // Every bad file (and a bad --chart) at once, before anything runs.
    let mut problems = Vec::new();
    let mut loaded = Vec::new();
    for path in paths {
        match load_scenario(path) {
            Ok(scenario) => loaded.push((path, scenario)),
            Err(error) => problems.push(error.to_string()),
        }
    }
    let chart_format = match chart {
        None => None,
        Some(path) => match chart_format_of(path) {
            Ok(format) => match check_writable_parent("--chart", path) {
                Ok(()) => Some((path, format)),
                Err(Failure::BadInput(message)) => {
                    problems.push(message);
                    None
                }
                Err(other) => return Err(other),
            },
            Err(message) => {
                problems.push(message);
                None
            }
        },
    };
    if !problems.is_empty() {
        return Err(Failure::BadInput(problems.join("\n")));
    }
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let settings = {
        let files: Vec<(&str, &Scenario)> = shown
            .iter()
            .zip(&loaded)
            .map(|(file, (_, scenario))| (file.as_str(), scenario))
            .collect();
        spotsim::studies::compare::common_settings(&files, runs, seed)
    };
    if let (Some(note), false) = (&settings.note, quiet) {
        eprintln!("note: {note}");
    }
    let names = spotsim::studies::compare::unique_names(
        &loaded
            .iter()
            .zip(&shown)
            .map(|((path, scenario), file)| (job_name(path, scenario), file.clone()))
            .collect::<Vec<_>>(),
    );
    let entries: Vec<spotsim::studies::compare::Entry> = loaded
        .into_iter()
        .zip(shown)
        .zip(names)
        .map(|(((path, mut scenario), file), name)| {
            scenario.simulation.runs = settings.runs;
            scenario.simulation.seed = settings.seed;
            print_warnings(path, &scenario);
            spotsim::studies::compare::Entry {
                name,
                file,
                scenario,
            }
        })
        .collect();
    let pool = thread_pool(threads)?;
    let scenarios: Vec<&Scenario> = entries.iter().map(|e| &e.scenario).collect();
    let total = spotsim::montecarlo::study::total_runs(&scenarios, settings.runs);
    let comparison = with_progress(quiet, total, "the comparison", |done| {
        pool.install(|| spotsim::studies::compare::compare_cancellable(entries, done, &CANCEL))
    })
    .map_err(|_| Failure::Runtime(interrupted()))?;
    if let Some((path, chart_format)) = chart_format {
        let bytes = pool
            .install(|| spotsim::charts::render_comparison(&comparison, chart_format))
            .map_err(|e| Failure::Runtime(e.into()))?;
        write_file(path, &bytes)?;
        if !quiet {
            eprintln!("chart: {}", path.display());
        }
    }
    print_stdout(&match format {
        Format::Table => spotsim::report::render_compare_table(&comparison),
        Format::Json => spotsim::report::render_compare_json(&comparison),
    })
}

/// A chart file's format from its extension: `.png` or `.svg`, in any case.
fn chart_format_of(path: &Path) -> Result<ChartFormat, String> {
    match path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .as_deref()
    {
        Some("png") => Ok(ChartFormat::Png),
        Some("svg") => Ok(ChartFormat::Svg),
        _ => Err(format!(
            "--chart {}: the file name must end in .png or .svg (the chart's format)",
            path.display()
        )),
    }
}

/// The folder of a Markdown review's charts: `<stem>-charts` beside it (name, path).
fn md_chart_dir(output: &Path) -> (String, PathBuf) {
    let stem = output.file_stem().map_or_else(
        || "review".to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    let dir_name = format!("{stem}-charts");
    let dir = output.with_file_name(&dir_name);
    (dir_name, dir)
}

/// `word` quoted for a POSIX shell when it needs it.
fn shell_word(word: &str) -> String {
    if !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=+,@".contains(c))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

fn validate(path: &Path) -> Result<(), Failure> {
    if std::fs::read_to_string(path).is_ok_and(|text| spotsim::fleet::is_fleet_text(&text)) {
        let fleet = load_fleet_with_overrides(path, None, None, false)?;
        return print_stdout(&spotsim::report::render_fleet_validation(
            &path.display().to_string(),
            &fleet,
        ));
    }
    let scenario = load_scenario(path)?;
    print_warnings(path, &scenario);
    let name = job_name(path, &scenario);
    print!(
        "{}",
        render_validation(&path.display().to_string(), &name, &scenario)
    );
    Ok(())
}

/// `--start`: an RFC 3339 time; clap names the flag and the value in front of the reason.
fn parse_start(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(text).map_err(|reason| format!("the time {reason}"))
}

fn trace(
    path: &Path,
    run: u64,
    seed: Option<u64>,
    start: Option<Timestamp>,
    format: Format,
) -> Result<(), Failure> {
    let scenario = load_with_overrides(path, None, seed)?;
    print_notes(&scenario);
    let name = job_name(path, &scenario);
    let report = TraceReport::new(&name, &scenario, scenario.simulation.seed, run, start);
    print_stdout(&match format {
        Format::Table => render_trace_table(&report),
        Format::Json => render_trace_json(&report),
    })
}

fn fit_trace(
    path: &Path,
    trace_format: Option<TraceFormatArg>,
    instances: u32,
    format: Format,
) -> Result<(), Failure> {
    let trace_format = trace_format.unwrap_or(
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            TraceFormatArg::Events
        } else {
            TraceFormatArg::SpotTraces
        },
    );
    let shown = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::BadInput(format!("{shown}: cannot read the trace: {e}")))?;
    let trace = spotsim::inputs::availability::read_trace(
        std::io::BufReader::new(file),
        trace_format.format(),
    )
    .map_err(|e| {
        let at = e.line.map(|l| format!(":{l}")).unwrap_or_default();
        Failure::BadInput(format!("{shown}{at}: {}", e.message))
    })?;
    let fit = spotsim::import::fit::fit_trace(&trace, instances);
    let text = match format {
        Format::Table => spotsim::report::render_trace_fit_table(&fit, &shown, trace_format.name()),
        Format::Json => spotsim::report::render_trace_fit_json(&fit, &shown, trace_format.name()),
    };
    print!("{text}");
    Ok(())
}

fn fit_jobs(files: &[PathBuf], format: Format) -> Result<(), Failure> {
    let mut jobs = Vec::new();
    let mut problems = Vec::new();
    for path in files {
        let shown = path.display().to_string();
        match std::fs::read_to_string(path) {
            Err(e) => problems.push(format!("{shown}: cannot read the job document: {e}")),
            Ok(text) => match serde_json::from_str::<spotsim::import::fit::DescribedJob>(&text) {
                Ok(job) if job.is_training_job() => jobs.push(job),
                Ok(_) => problems.push(format!(
                    "{shown}: not a DescribeTrainingJob document: it has no TrainingJobName or \
                     no SecondaryStatusTransitions"
                )),
                Err(e) => problems.push(format!(
                    "{shown}:{}:{}: not a DescribeTrainingJob document: {e}",
                    e.line(),
                    e.column()
                )),
            },
        }
    }
    if !problems.is_empty() {
        return Err(Failure::BadInput(problems.join("\n")));
    }
    let fit = spotsim::import::fit::fit_jobs(&jobs);
    let text = match format {
        Format::Table => spotsim::report::render_jobs_fit_table(&fit),
        Format::Json => spotsim::report::render_jobs_fit_json(&fit),
    };
    print!("{text}");
    Ok(())
}

/// `spotsim import`: the scenario on stdout; warnings and the assumed keys on stderr.
fn import_document(source: spotsim::import::Source, path: &Path) -> Result<(), Failure> {
    let imported = spotsim::import::import_file(source, path)
        .map_err(|error| Failure::BadInput(error.to_string()))?;
    print_stdout(&imported.scenario_toml)?;
    for warning in &imported.warnings {
        eprintln!("warning: {}: {warning}", path.display());
    }
    eprint!("{}", spotsim::import::render_assumed_note(&imported));
    Ok(())
}

/// Draws every chart that applies into `dir`, each file written atomically.
fn write_charts(
    dir: &Path,
    input: &ChartInput<'_>,
    format: ChartFormat,
) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let kinds = charts_for(input);
    let rendered: Vec<(ChartKind, Vec<u8>)> = kinds
        .par_iter()
        .map(|&kind| render(kind, input, format).map(|bytes| (kind, bytes)))
        .collect::<Result<_, _>>()?;
    let mut written = Vec::new();
    for (kind, bytes) in rendered {
        let path = dir.join(format!("{}.{}", kind.file_stem(), format.extension()));
        write_atomically(&path, |file| file.write_all(&bytes))
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path.display().to_string());
    }
    Ok(written)
}

/// The chart folder must be a folder (or not exist yet, inside one that does).
fn check_chart_dir(what: &str, dir: &Path) -> Result<(), Failure> {
    if dir.exists() {
        if dir.is_dir() {
            return Ok(());
        }
        return Err(Failure::BadInput(format!(
            "{what} {}: is a file; give a folder",
            dir.display()
        )));
    }
    let parent = match dir.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(Failure::BadInput(format!(
            "{what} {}: the folder {} does not exist",
            dir.display(),
            parent.display()
        )));
    }
    Ok(())
}

/// An output path whose folder does not exist is the user's mistake: say so before running.
fn check_writable_parent(flag: &str, path: &Path) -> Result<(), Failure> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(Failure::BadInput(format!(
            "{flag} {}: the folder {} does not exist",
            path.display(),
            parent.display()
        )));
    }
    if path.is_dir() {
        return Err(Failure::BadInput(format!(
            "{flag} {}: is a folder; give a file path",
            path.display()
        )));
    }
    Ok(())
}

/// Writes through a temporary file in the same folder, then renames it into place, so a failed
/// run never leaves a half-written file nor clobbers an earlier good one. A symbolic link is
/// followed (its target is replaced, the link stays); a path that exists and is not a regular
/// file (`/dev/stdout`, a named pipe, a device) is written directly, as renaming would replace
/// it.
/// Writes `bytes` to `path` atomically; a failure names the file.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    write_atomically(path, |file| file.write_all(bytes))
        .with_context(|| format!("cannot write {}", path.display()))
        .map_err(Failure::Runtime)
}

fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    match std::fs::metadata(path) {
        Ok(metadata) if !metadata.is_file() => {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .with_context(|| format!("cannot open {}", path.display()))?;
            let mut writer = std::io::BufWriter::new(file);
            write(&mut writer).context("cannot write")?;
            return writer.flush().context("cannot write");
        }
        Ok(_) if path.is_symlink() => {
            let target = std::fs::canonicalize(path)
                .with_context(|| format!("cannot follow the link {}", path.display()))?;
            return write_atomically(&target, write);
        }
        _ => {}
    }
    let file_name = path
        .file_name()
        .context("the path has no file name")?
        .to_string_lossy();
    let temp = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    let result = (|| -> anyhow::Result<()> {
        let file = std::fs::File::create(&temp)
            .with_context(|| format!("cannot create the temporary file {}", temp.display()))?;
        let mut writer = std::io::BufWriter::new(file);
        write(&mut writer).context("cannot write the rows")?;
        writer.flush().context("cannot write the rows")?;
        writer
            .get_ref()
            .sync_all()
            .context("cannot flush the file to disk")?;
        // Results computed after a stop request are placeholders: never put them in place.
        if CANCEL.requested() {
            return Err(interrupted());
        }
        std::fs::rename(&temp, path)
            .with_context(|| format!("cannot move {} into place", temp.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// `spotsim sweep`: every problem with the file and the `--set` flags is reported before
/// anything runs, and nothing is written then.
fn sweep(
    path: &Path,
    flags: &[String],
    metric: SweepMetric,
    sim: SimulationArgs,
    format: SweepFormat,
    chart: Option<&Path>,
) -> Result<(), Failure> {
    let SimulationArgs {
        runs,
        seed,
        threads,
        quiet,
    } = sim;
    let (base, text) = load_with_overrides_and_text(path, runs, seed)?;
    let shown = path.display().to_string();
    let (axes, points) = spotsim::studies::sweep::build_grid(&text, &shown, flags)
        .map_err(|errors| Failure::BadInput(errors.to_string()))?;
    let (runs, seed) = (base.simulation.runs, base.simulation.seed);
    let chart = match chart {
        Some(chart_path) => {
            let format = chart_format_of(chart_path).map_err(Failure::BadInput)?;
            check_writable_parent("--chart", chart_path)?;
            Some((chart_path, format))
        }
        None => None,
    };
    print_warnings(path, &base);
    let pool = thread_pool(threads)?;
    let total = spotsim::studies::sweep::total_runs(&points, runs);
    let result = with_progress(quiet, total, "the sweep", |done| {
        pool.install(|| {
            spotsim::studies::sweep::run_sweep_cancellable(
                &axes, &points, metric, runs, seed, done, &CANCEL,
            )
        })
    })
    .map_err(|_| Failure::Runtime(interrupted()))?;
    if !quiet {
        for note in result.notes() {
            eprintln!("note: {note}");
        }
    }
    let name = job_name(path, &base);
    if let Some((chart_path, chart_format)) = chart {
        let bytes = spotsim::charts::render_sweep(&name, &result, chart_format)
            .map_err(|e| Failure::Runtime(e.into()))?;
        write_file(chart_path, &bytes)?;
        if !quiet {
            eprintln!("chart: {}", chart_path.display());
        }
    }
    print_stdout(&match format {
        SweepFormat::Table => spotsim::report::render_sweep_table(&name, &result),
        SweepFormat::Json => spotsim::report::render_sweep_json(&name, &result),
        SweepFormat::Csv => spotsim::report::render_sweep_csv(&result),
    })
}

/// `spotsim recommend`'s output formats.
#[derive(Clone, Copy, ValueEnum)]
enum RecommendFormat {
    /// Readable text.
    Table,
    /// JSON (shape in docs/output.md).
    Json,
}

fn parse_target(text: &str) -> Result<f64, String> {
    let target: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number: give a share such as 0.99"))?;
    spotsim::studies::recommend::check_target(target)?;
    Ok(target)
}

fn recommend(
    path: &Path,
    target: f64,
    sim: SimulationArgs,
    format: RecommendFormat,
) -> Result<(), Failure> {
    let SimulationArgs {
        runs,
        seed,
        threads,
        quiet,
    } = sim;
    let (base, text) = load_with_overrides_and_text(path, runs, seed)?;
    print_notes(&base);
    let shown = path.display().to_string();
    let pool = thread_pool(threads)?;
    if !quiet {
        eprintln!(
            "recommend: simulating {} runs per setting (many settings: this takes a while)",
            base.simulation.runs
        );
    }
    let done = AtomicU64::new(0);
    let result = pool
        .install(|| {
            spotsim::studies::recommend::recommend_cancellable(
                &text, &shown, &base, target, &done, &CANCEL,
            )
        })
        .map_err(|error| match error {
            spotsim::studies::recommend::RecommendError::Invalid(message) => {
                Failure::BadInput(message)
            }
            spotsim::studies::recommend::RecommendError::Cancelled => {
                Failure::Runtime(interrupted())
            }
        })?;
    let name = job_name(path, &base);
    print_stdout(&match format {
        RecommendFormat::Table => spotsim::report::render_recommend_table(&name, &result),
        RecommendFormat::Json => spotsim::report::render_recommend_json(&name, &result),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `spotsim`, then every command under it, depth first, each with its full name.
    fn every_command() -> Vec<(String, clap::Command)> {
        fn walk(name: String, command: &clap::Command, out: &mut Vec<(String, clap::Command)>) {
            for sub in command.get_subcommands() {
                walk(format!("{name} {}", sub.get_name()), sub, out);
            }
            out.push((name, command.clone()));
        }
        let mut out = Vec::new();
        walk("spotsim".to_string(), &Cli::command(), &mut out);
        out
    }

    #[test]
    fn every_command_has_an_example_in_its_help() {
        let commands = every_command();
        let names: Vec<&str> = commands.iter().map(|(name, _)| name.as_str()).collect();
        for expected in [
            "spotsim fit trace",
            "spotsim fit jobs",
            "spotsim schema",
            "spotsim",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
        for (name, command) in &commands {
            let after = command
                .get_after_help()
                .map(|text| text.to_string())
                .unwrap_or_default();
            assert!(
                after.contains("Example") && after.contains("spotsim"),
                "`{name} --help` has no example: {after:?}"
            );
        }
    }

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
