//! The `spotsim` command: parses arguments, calls the library, prints, picks the exit code
//! (0 success, 1 runtime failure, 2 usage or bad input).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

use spotsim::clock::Timestamp;
use spotsim::montecarlo::{Estimate, run_scenario};
use spotsim::report::{
    RunReport, TraceReport, render_json, render_table, render_trace_json, render_trace_table,
    render_validation, write_runs_csv,
};
use spotsim::scenario::{Scenario, lint};
use spotsim::{LoadError, load_scenario};

/// Lifecycle simulator and cost estimator for SageMaker Managed Spot Training.
#[derive(Parser)]
#[command(name = "spotsim", version, about, long_about = None)]
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
        /// Number of Monte Carlo runs (overrides simulation.runs), 1 to 50,000,000.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..=spotsim::scenario::MAX_RUNS))]
        runs: Option<u64>,
        /// Seed of every random stream (overrides simulation.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Worker threads (default: one per core). Results do not depend on it.
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
        /// Output format on stdout.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Also write one CSV row per run of the scenario's job to this file.
        #[arg(long, value_name = "PATH")]
        runs_csv: Option<PathBuf>,
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
    /// Calibrate a market from recorded data.
    Fit {
        #[command(subcommand)]
        what: FitCommand,
    },
    /// Check a scenario file and print what spotsim understood from it.
    #[command(after_help = "Example:\n  spotsim validate scenarios/quickstart.toml")]
    Validate {
        /// The scenario file (TOML).
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

    fn format(self) -> spotsim::trace::TraceFormat {
        match self {
            TraceFormatArg::SpotTraces => spotsim::trace::TraceFormat::SpotTraces,
            TraceFormatArg::Skynomad => spotsim::trace::TraceFormat::Skynomad,
            TraceFormatArg::Events => spotsim::trace::TraceFormat::Events,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            scenario,
            runs,
            seed,
            threads,
            format,
            runs_csv,
        } => run(&scenario, runs, seed, threads, format, runs_csv.as_deref()),
        Command::Validate { scenario } => validate(&scenario),
        Command::Trace {
            scenario,
            run,
            seed,
            start,
            format,
        } => trace(&scenario, run, seed, start, format),
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
    };
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

fn print_warnings(path: &Path, scenario: &Scenario) {
    for warning in lint(scenario) {
        eprintln!("warning: {}: {}", path.display(), warning.message);
        eprintln!("  hint: {}", warning.hint);
    }
}

fn run(
    path: &Path,
    runs: Option<u64>,
    seed: Option<u64>,
    threads: Option<u16>,
    format: Format,
    runs_csv: Option<&Path>,
) -> Result<(), Failure> {
    let mut scenario = load_scenario(path)?;
    if let Some(runs) = runs {
        scenario.simulation.runs = runs;
    }
    if let Some(seed) = seed {
        scenario.simulation.seed = seed;
    }
    if let Some(csv_path) = runs_csv {
        check_writable_parent(csv_path)?;
    }
    print_warnings(path, &scenario);

    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = threads {
        pool = pool.num_threads(usize::from(threads));
    }
    let pool = pool
        .build()
        .context("cannot start worker threads")
        .map_err(Failure::Runtime)?;
    let (runs, estimate) = pool.install(|| {
        let runs = run_scenario(&scenario);
        let estimate = Estimate::of(&runs);
        (runs, estimate)
    });

    if let Some(csv_path) = runs_csv {
        let records = runs.spot.as_deref().unwrap_or(&runs.on_demand);
        write_atomically(csv_path, |file| write_runs_csv(records, file))
            .with_context(|| format!("cannot write {}", csv_path.display()))
            .map_err(Failure::Runtime)?;
    }

    let name = job_name(path, &scenario);
    let report = RunReport {
        name: &name,
        scenario: &scenario,
        estimate: &estimate,
    };
    let text = match format {
        Format::Table => render_table(&report),
        Format::Json => render_json(&report),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to standard output")
        .map_err(Failure::Runtime)
}

fn validate(path: &Path) -> Result<(), Failure> {
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
    let mut scenario = load_scenario(path)?;
    if let Some(seed) = seed {
        scenario.simulation.seed = seed;
    }
    let name = job_name(path, &scenario);
    let report = TraceReport::new(&name, &scenario, scenario.simulation.seed, run, start);
    let text = match format {
        Format::Table => render_trace_table(&report),
        Format::Json => render_trace_json(&report),
    };
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to standard output")
        .map_err(Failure::Runtime)
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
    let trace = spotsim::trace::read_trace(std::io::BufReader::new(file), trace_format.format())
        .map_err(|e| {
            let at = e.line.map(|l| format!(":{l}")).unwrap_or_default();
            Failure::BadInput(format!("{shown}{at}: {}", e.message))
        })?;
    let fit = spotsim::fit::fit_trace(&trace, instances);
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
            Ok(text) => match serde_json::from_str::<spotsim::fit::DescribedJob>(&text) {
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
    let fit = spotsim::fit::fit_jobs(&jobs);
    let text = match format {
        Format::Table => spotsim::report::render_jobs_fit_table(&fit),
        Format::Json => spotsim::report::render_jobs_fit_json(&fit),
    };
    print!("{text}");
    Ok(())
}

/// An output path whose folder does not exist is the user's mistake: say so before running.
fn check_writable_parent(path: &Path) -> Result<(), Failure> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    if !parent.is_dir() {
        return Err(Failure::BadInput(format!(
            "--runs-csv {}: the folder {} does not exist",
            path.display(),
            parent.display()
        )));
    }
    if path.is_dir() {
        return Err(Failure::BadInput(format!(
            "--runs-csv {}: is a folder; give a file path",
            path.display()
        )));
    }
    Ok(())
}

/// Writes through a temporary file in the same folder, then renames it into place, so a failed
/// run never leaves a half-written file nor clobbers an earlier good one.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> anyhow::Result<()> {
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
        std::fs::rename(&temp, path)
            .with_context(|| format!("cannot move {} into place", temp.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
