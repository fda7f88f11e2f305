//! The command line's definition: the commands, their flags and the parsers of their values
//! (clap derive), from which `--help`, the man page and the completions are generated.

// The doc comments here are the help text users read, printed as written: Markdown backticks
// around key names would show up in `--help`.
#![allow(clippy::doc_markdown)]

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use spotsim::charts::ChartFormat;
use spotsim::stats::summary::Metric;
use spotsim::studies::sweep::SweepMetric;
use spotsim::units::clock::Timestamp;

/// Lifecycle simulator and cost estimator for SageMaker Managed Spot Training.
#[derive(Parser)]
#[command(
    name = "spotsim",
    version,
    about,
    long_about = None,
    after_help = "Example:\n  spotsim init > my-job.toml && spotsim run my-job.toml"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
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
        /// Worker threads (default: one per core; more than one per core are clamped to the core
        /// count). Results do not depend on it.
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
        /// Simulate only shard K of N (K from 1 to N): a contiguous slice of the months,
        /// written to `--out` as a part file for `spotsim merge` (docs/distributed.md).
        #[arg(long, value_name = "K/N", value_parser = parse_shard, group = "sharding",
              requires = "out", conflicts_with_all = ["charts", "format"])]
        shard: Option<spotsim::montecarlo::shard::Shard>,
        /// As `--shard K/N`, K taken from an array job's 0-based index (as `spotsim run`).
        #[arg(long, value_name = "N", group = "sharding", requires = "out",
              value_parser = clap::value_parser!(u64).range(1..),
              conflicts_with_all = ["charts", "format"])]
        shard_from_env: Option<u64>,
        /// The part file a shard writes (JSON, written atomically).
        #[arg(long, value_name = "PATH", requires = "sharding")]
        out: Option<PathBuf>,
    },
    /// Combine the part files of `spotsim run`, `fleet`, `sweep` or `compare --shard` into the
    /// output the command prints on one machine.
    #[command(
        long_about = "Combine the part files written by `spotsim run --shard K/N` (or \
                      --shard-from-env N; likewise `fleet`, `sweep` and `compare`) into the \
                      output the command prints on one machine for the same scenario and seed, \
                      byte for byte. Every part must come from the same \
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
        /// Output format on stdout (`csv`: a fleet's months, one row each).
        #[arg(long, value_enum, default_value_t = SweepFormat::Table)]
        format: SweepFormat,
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
        /// The share of jobs spot must complete for the review to recommend it, strictly
        /// between 0 and 1.
        #[arg(long, value_name = "SHARE", default_value_t = spotsim::studies::recommend::DEFAULT_TARGET,
              value_parser = parse_target, allow_negative_numbers = true)]
        target_completion: f64,
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
        /// The share of jobs a scenario must complete to be named best (by cost per completed
        /// job), strictly between 0 and 1.
        #[arg(long, value_name = "SHARE", default_value_t = spotsim::studies::recommend::DEFAULT_TARGET,
              value_parser = parse_target, allow_negative_numbers = true)]
        target_completion: f64,
        #[command(flatten)]
        sharding: StudyShardArgs,
    },
    /// Run a job in every region of the Spot Advisor feed that offers its instance type, with
    /// common random numbers, and rank the regions.
    #[command(
        long_about = "Run a scenario that reads the Spot Advisor feed (advisor = \"feed\", \
                      discount = \"feed\") in every region of the feed that lists its EC2 type, \
                      each with that region's bucket and discount, under one seed and run count \
                      (common random numbers), and rank the regions by real saving, then \
                      completed share, then p95 wall time, each with its 95 % interval. The \
                      scenario's own region comes first in the comparison and is marked.",
        after_help = "Examples:\n  spotsim regions scenarios/advisor-feed.toml\n  spotsim regions \
                      scenarios/advisor-feed.toml --region eu-west-1,us-east-1,ap-south-1 \
                      --runs 20000 --chart regions.png"
    )]
    Regions {
        /// The scenario file (TOML); it must read the Spot Advisor feed.
        scenario: PathBuf,
        /// Only these regions, comma-separated (the scenario's own is always run).
        #[arg(long, value_name = "REGION,...", value_delimiter = ',')]
        region: Vec<String>,
        #[command(flatten)]
        sim: SimulationArgs,
        /// Output format on stdout.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Also draw the expected cost per completed job in every region into this file, PNG
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
        /// What the best point minimises (completed: maximises), on spot when enabled
        /// [default: cost_usd, ranked per completed job under --target-completion]. Given
        /// alone, the best point is the raw metric's, whatever share of jobs it completes.
        #[arg(long, value_enum)]
        metric: Option<SweepMetricArg>,
        /// The best point is chosen among the points that complete this share of jobs
        /// (strictly between 0 and 1), by cost per completed job for the cost metric; when none
        /// does, the point that completes the most. [default: 0.99, unless --metric is given]
        #[arg(long, value_name = "SHARE", value_parser = parse_target, allow_negative_numbers = true)]
        target_completion: Option<f64>,
        #[command(flatten)]
        sim: SimulationArgs,
        /// Output format on stdout.
        #[arg(long, value_enum, default_value_t = SweepFormat::Table)]
        format: SweepFormat,
        /// Also draw the sweep into this .png or .svg file: a line chart with 95 % bands for
        /// one key, a heat map for two.
        #[arg(long, value_name = "FILE")]
        chart: Option<PathBuf>,
        #[command(flatten)]
        sharding: StudyShardArgs,
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
        after_help = "Examples:\n  spotsim recommend scenarios/quickstart.toml \
                      --target-completion 0.99 --runs 20000\n  spotsim recommend \
                      scenarios/deadline/v100-48h-us-east-1f.toml --deadline 52h"
    )]
    Recommend {
        /// The scenario file (TOML).
        scenario: PathBuf,
        /// The share of jobs that must complete, strictly between 0 and 1.
        #[arg(long, value_name = "SHARE", default_value_t = spotsim::studies::recommend::DEFAULT_TARGET,
              value_parser = parse_target, allow_negative_numbers = true)]
        target_completion: f64,
        /// Answer for a deadline instead: spot alone, spot with an on-demand fallback (which
        /// rule) or on-demand, for a job that must be done this long after its creation
        /// (e.g. 52h); the target completion is then the share of runs that must meet it.
        #[arg(long, value_name = "DURATION", value_parser = parse_deadline, allow_hyphen_values = true)]
        deadline: Option<f64>,
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
    /// Print spotsim's man page (roff), or a command's, or write every page into a folder;
    /// generated from the same definitions as --help.
    #[command(
        after_help = "Examples:\n  spotsim man > spotsim.1 && man ./spotsim.1\n  spotsim man run > \
                      spotsim-run.1\n  spotsim man --dir /usr/local/share/man/man1"
    )]
    Man {
        /// Write every page (spotsim.1, spotsim-run.1, …) into this existing folder.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// The command whose page to print (`run`, `fit trace`); none: spotsim's own page.
        #[arg(value_name = "COMMAND")]
        command: Vec<String>,
    },
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
pub(crate) enum FitCommand {
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
pub(crate) enum ImportCommand {
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
        /// The instance type's on-demand price in your region, USD per instance-hour. spotsim
        /// has no price list: without it, a type other than the template's gets a placeholder
        /// that `validate` and `run` refuse until you set it.
        #[arg(long, value_name = "USD")]
        price_per_hour: Option<f64>,
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
        /// The instance type's on-demand price in your region, USD per instance-hour (see
        /// `import create-training-job --help`).
        #[arg(long, value_name = "USD")]
        price_per_hour: Option<f64>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum TraceFormatArg {
    /// skypilot-org/spot-traces JSON: counts of available instances per tick.
    SpotTraces,
    /// SkyNomad converted JSON: 1 = preempted, 0 = available.
    Skynomad,
    /// Oobleck events CSV: time_ms,add|remove,node.
    Events,
}

impl TraceFormatArg {
    pub(crate) fn name(self) -> &'static str {
        match self {
            TraceFormatArg::SpotTraces => "spot-traces",
            TraceFormatArg::Skynomad => "skynomad",
            TraceFormatArg::Events => "events",
        }
    }

    pub(crate) fn format(self) -> spotsim::inputs::availability::TraceFormat {
        match self {
            TraceFormatArg::SpotTraces => spotsim::inputs::availability::TraceFormat::SpotTraces,
            TraceFormatArg::Skynomad => spotsim::inputs::availability::TraceFormat::Skynomad,
            TraceFormatArg::Events => spotsim::inputs::availability::TraceFormat::Events,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ReportFormat {
    /// One self-contained HTML page.
    Html,
    /// Markdown, charts as PNG files beside it.
    Md,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ChartFormatArg {
    /// PNG images, text drawn with the bundled font.
    Png,
    /// SVG images.
    Svg,
}

impl ChartFormatArg {
    pub(crate) fn format(self) -> ChartFormat {
        match self {
            ChartFormatArg::Png => ChartFormat::Png,
            ChartFormatArg::Svg => ChartFormat::Svg,
        }
    }
}

/// `--shard K/N`, `--shard-from-env N` and `--out PATH` of a study (`sweep`, `compare`): the
/// same run indices of every variant, split as `spotsim run --shard` splits them.
#[derive(Debug, Clone, Default, clap::Args)]
pub(crate) struct StudyShardArgs {
    /// Simulate only shard K of N (K from 1 to N): a contiguous slice of the run indices of
    /// every variant, written to `--out` as a part file for `spotsim merge`
    /// (docs/distributed.md).
    #[arg(long, value_name = "K/N", value_parser = parse_shard, group = "sharding",
          requires = "out", conflicts_with_all = ["chart", "format"])]
    pub(crate) shard: Option<spotsim::montecarlo::shard::Shard>,
    /// As `--shard K/N`, K taken from an array job's 0-based index (as `spotsim run`).
    #[arg(long, value_name = "N", group = "sharding", requires = "out",
          value_parser = clap::value_parser!(u64).range(1..),
          conflicts_with_all = ["chart", "format"])]
    pub(crate) shard_from_env: Option<u64>,
    /// The part file a shard writes (JSON, written atomically).
    #[arg(long, value_name = "PATH", requires = "sharding")]
    pub(crate) out: Option<PathBuf>,
}

impl StudyShardArgs {
    /// The shard asked for and its part file, if any: `--shard K/N`, or `--shard-from-env N`
    /// read from the environment.
    pub(crate) fn resolve(
        &self,
    ) -> Result<Option<(spotsim::montecarlo::shard::Shard, PathBuf)>, String> {
        let Some(out) = self.out.clone() else {
            return Ok(None);
        };
        let shard = match (self.shard, self.shard_from_env) {
            (Some(shard), _) => shard,
            (None, Some(count)) => {
                spotsim::montecarlo::shard::Shard::from_env(count, |name| std::env::var(name).ok())?
            }
            (None, None) => return Ok(None),
        };
        Ok(Some((shard, out)))
    }
}

/// `spotsim sweep --metric`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SweepMetricArg {
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
    pub(crate) fn metric(self) -> SweepMetric {
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
pub(crate) enum SweepFormat {
    Table,
    Json,
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum Format {
    Table,
    Json,
}

/// `spotsim recommend`'s output formats.
#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum RecommendFormat {
    /// Readable text.
    Table,
    /// JSON (shape in docs/output.md).
    Json,
}

/// The Monte Carlo settings of every command that simulates.
#[derive(clap::Args, Clone, Copy)]
pub(crate) struct SimulationArgs {
    /// Number of Monte Carlo runs (overrides the scenario's simulation.runs), 1 to
    /// 1,000,000,000.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=spotsim::scenario::MAX_RUNS))]
    pub(crate) runs: Option<u64>,
    /// Seed of every random stream (overrides the scenario's simulation.seed).
    #[arg(long)]
    pub(crate) seed: Option<u64>,
    /// Worker threads (default: one per core; more than one per core are clamped to the core
    /// count). Results do not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) threads: Option<u16>,
    /// No progress bar and no notes on stderr (warnings and errors still show).
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

/// `--shard K/N`.
fn parse_shard(text: &str) -> Result<spotsim::montecarlo::shard::Shard, String> {
    spotsim::montecarlo::shard::Shard::parse(text)
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

/// `--start`: an RFC 3339 time; clap names the flag and the value in front of the reason.
fn parse_start(text: &str) -> Result<Timestamp, String> {
    Timestamp::parse_rfc3339(text).map_err(|reason| format!("the time {reason}"))
}

/// `spotsim recommend --deadline`: a positive duration (`52h`, `2d 4h`, seconds when bare).
fn parse_deadline(text: &str) -> Result<f64, String> {
    let seconds = spotsim::units::duration::parse_duration_s(text)?;
    if seconds > 0.0 && seconds.is_finite() {
        Ok(seconds)
    } else {
        Err("must be a positive duration such as 52h".to_string())
    }
}

/// `spotsim recommend --target-completion`: a share strictly between 0 and 1.
fn parse_target(text: &str) -> Result<f64, String> {
    let target: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number: give a share such as 0.99"))?;
    spotsim::studies::recommend::check_target(target)?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

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
                .map(std::string::ToString::to_string)
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
