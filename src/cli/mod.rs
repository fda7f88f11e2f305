//! The commands of the `spotsim` binary: the dispatch from the parsed command line to one
//! function per command (a module each), and the failure that picks the exit code (0 success,
//! 1 runtime failure, 2 usage or bad input, 130 interrupted).

mod args;
mod compare;
mod fit;
mod fleet;
mod import;
mod load;
mod merge;
mod output;
mod recommend;
mod regions;
mod report;
mod run;
mod sweep;
mod tooling;
mod trace;
mod validate;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU8, Ordering};

use spotsim::LoadError;
use spotsim::montecarlo::cancel::Cancel;

pub(crate) use args::Cli;
use args::{Command, FitCommand, ImportCommand, SweepFormat, SweepMetricArg};

/// A failure and the exit code it deserves.
pub(crate) enum Failure {
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

/// The process's stop request: the signal handler requests it, every simulation is passed it,
/// and nothing is written once it is requested.
pub(crate) static CANCEL: std::sync::LazyLock<Cancel> = std::sync::LazyLock::new(Cancel::new);

/// The phase of the command a signal finds: still [`READING`] its inputs (a signal ends the
/// process at once), [`WORKING`] (simulating or writing: a signal requests [`CANCEL`] and the
/// command stops cleanly), or [`EXITING`] (a signal during the reading phase is ending it).
static PHASE: AtomicU8 = AtomicU8::new(READING);
const READING: u8 = 0;
const WORKING: u8 = 1;
const EXITING: u8 = 2;

/// Marks the end of the reading phase: called before any simulation is handed [`CANCEL`] and
/// before any output (file, folder, standard output) is written. From then on a signal stops the
/// command through [`CANCEL`] instead of ending the process at once. Fails when a signal already
/// ended the reading phase: the process is exiting, and nothing may be created.
pub(crate) fn begin_work() -> anyhow::Result<()> {
    match PHASE.compare_exchange(READING, WORKING, Ordering::SeqCst, Ordering::SeqCst) {
        Ok(_) | Err(WORKING) => Ok(()),
        Err(_) => Err(interrupted()),
    }
}

/// The stop token to hand a simulation: [`CANCEL`], once the reading phase is over
/// ([`begin_work`]). If a signal is already ending the process, the token is requested, so the
/// simulation returns at once.
pub(crate) fn cancel_token() -> &'static Cancel {
    if begin_work().is_err() {
        CANCEL.request();
    }
    &CANCEL
}

/// The exit code after Ctrl-C or SIGTERM: 128 + SIGINT, the shell's convention.
const INTERRUPTED_EXIT: i32 = 130;

/// The error of an output refused because a stop was requested.
fn interrupted() -> anyhow::Error {
    anyhow::anyhow!("interrupted")
}

/// Runs the command the command line names; Ctrl-C and SIGTERM stop it cleanly.
pub(crate) fn run(cli: Cli) -> Result<(), Failure> {
    // Ctrl-C (and SIGTERM from a batch system) stops the simulation within milliseconds; outputs
    // are written only after it, atomically, so nothing partial is left. A second signal ends the
    // process at once.
    let _ = ctrlc::set_handler(|| {
        if PHASE
            .compare_exchange(READING, EXITING, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            // Still reading the inputs: nothing was written nor created (every output and every
            // simulation starts through `begin_work`, which this exchange now refuses), so the
            // process can end at once instead of waiting for a long read or parse to finish.
            CANCEL.request();
            eprintln!("spotsim: interrupted; no output was written");
            std::process::exit(INTERRUPTED_EXIT);
        }
        if CANCEL.requested() {
            // At once, but not leaving a temporary file or an empty new folder behind.
            output::remove_in_progress();
            std::process::exit(INTERRUPTED_EXIT);
        }
        CANCEL.request();
    });
    refuse_outputs_over_inputs(&cli.command)?;
    match cli.command {
        Command::Run {
            scenario,
            sim,
            runs_csv,
            shard,
            shard_from_env,
            out,
            ..
        } if shard.is_some() || shard_from_env.is_some() => run::run_shard(
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
        } => run::run(
            &scenario,
            run::RunOptions {
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
        } => merge::merge(&parts, format, scenario.as_deref()),
        Command::Fleet {
            fleet,
            runs,
            seed,
            threads,
            quiet,
            no_quotas,
            shard,
            shard_from_env,
            out: Some(out),
            ..
        } if shard.is_some() || shard_from_env.is_some() => fleet::run_fleet_shard(
            &fleet,
            fleet::FleetOptions {
                runs,
                seed,
                threads,
                quiet,
                format: SweepFormat::Table,
                no_quotas,
                charts: None,
            },
            shard.ok_or(shard_from_env.unwrap_or(1)),
            &out,
        ),
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
            ..
        } => fleet::run_fleet(
            &fleet,
            fleet::FleetOptions {
                runs,
                seed,
                threads,
                quiet,
                format,
                no_quotas,
                charts: charts.map(|dir| (dir, chart_format.format())),
            },
        ),
        Command::Validate { scenario } => validate::validate(&scenario),
        Command::Init { cpu, .. } => tooling::init(cpu),
        Command::Completions { shell } => tooling::completions(shell),
        Command::Man { dir, command } => tooling::man(dir.as_deref(), &command),
        Command::Schema => tooling::schema(),
        Command::Recommend {
            scenario,
            target_completion,
            deadline: Some(deadline_s),
            sim,
            format,
        } => recommend::recommend_deadline(&scenario, deadline_s, target_completion, sim, format),
        Command::Recommend {
            scenario,
            target_completion,
            deadline: None,
            sim,
            format,
        } => recommend::recommend(&scenario, target_completion, sim, format),
        Command::Report {
            scenario,
            output,
            format,
            sim,
            target_completion,
        } => report::report(&scenario, &output, format, sim, target_completion),
        Command::Compare {
            scenarios,
            sim,
            format,
            chart,
            sharding,
            target_completion,
        } => compare::compare_scenarios(
            &scenarios,
            compare::CompareOptions {
                sim,
                format,
                chart: chart.as_deref(),
                sharding,
                target_completion,
            },
        ),
        Command::Regions {
            scenario,
            region,
            sim,
            format,
            chart,
        } => regions::regions(
            &scenario,
            &region,
            compare::CompareOptions {
                sim,
                format,
                chart: chart.as_deref(),
                sharding: args::StudyShardArgs::default(),
                target_completion: spotsim::studies::recommend::DEFAULT_TARGET,
            },
        ),
        Command::Trace {
            scenario,
            run,
            seed,
            start,
            format,
        } => trace::trace(&scenario, run, seed, start, format),
        Command::Sweep {
            scenario,
            set,
            metric,
            target_completion,
            sim,
            format,
            chart,
            sharding,
        } => sweep::sweep(
            &scenario,
            &set,
            metric.unwrap_or(SweepMetricArg::CostUsd),
            // The raw metric when asked for by name alone; a completion target otherwise.
            match (metric, target_completion) {
                (_, Some(target)) => Some(target),
                (None, None) => Some(spotsim::studies::recommend::DEFAULT_TARGET),
                (Some(_), None) => None,
            },
            sim,
            format,
            chart.as_deref(),
            &sharding,
        ),
        Command::Fit {
            what:
                FitCommand::Trace {
                    file,
                    trace_format,
                    instances,
                    format,
                },
        } => fit::fit_trace(&file, trace_format, instances, format),
        Command::Fit {
            what: FitCommand::Jobs { files, format },
        } => fit::fit_jobs(&files, format),
        Command::Import { what } => match what {
            ImportCommand::CreateTrainingJob {
                file,
                price_per_hour,
            } => import::import_document(
                spotsim::import::Source::CreateTrainingJob,
                &file,
                price_per_hour,
            ),
            ImportCommand::DescribeTrainingJob {
                file,
                price_per_hour,
            } => import::import_document(
                spotsim::import::Source::DescribeTrainingJob,
                &file,
                price_per_hour,
            ),
        },
    }
}

/// Refuses a command whose output path is one of its input files (`run s.toml --runs-csv
/// s.toml`, `report s.toml -o s.toml`), which would overwrite the input with the output: exit 2
/// before anything is read. Paths are compared canonicalized, so `./s.toml`, `dir/../s.toml` and
/// a link to `s.toml` are all `s.toml`; an output that does not exist yet is no input.
fn refuse_outputs_over_inputs(command: &Command) -> Result<(), Failure> {
    let (inputs, outputs) = inputs_and_outputs(command);
    if outputs.iter().all(|(_, output)| output.is_none()) {
        return Ok(());
    }
    // The data files the scenarios name (traces, prices, empirical columns, the advisor feed,
    // a fleet's scenarios and plans) are inputs too.
    let mut data_files = Vec::new();
    for input in &inputs {
        named_data_files(input, 2, &mut data_files);
    }
    let inputs: Vec<(&Path, PathBuf)> = inputs
        .into_iter()
        .filter_map(|input| Some((input, std::fs::canonicalize(input).ok()?)))
        .collect();
    for (option, output) in outputs {
        let Some(output) = output else { continue };
        let Ok(canonical) = std::fs::canonicalize(output) else {
            continue;
        };
        if let Some((input, _)) = inputs.iter().find(|(_, c)| *c == canonical) {
            return Err(Failure::BadInput(format!(
                "{option} {}: is the input file {}: writing the output would overwrite it; \
                 choose another path",
                output.display(),
                input.display()
            )));
        }
        if let Some(named) = data_files
            .iter()
            .find(|named| std::fs::canonicalize(&named.path).is_ok_and(|c| c == canonical))
        {
            return Err(Failure::BadInput(format!(
                "{option} {}: is the data file {} named by {} in {}: writing the output would \
                 overwrite it; choose another path",
                output.display(),
                named.path.display(),
                named.key,
                named.named_in.display()
            )));
        }
    }
    Ok(())
}

/// The input files a command names on its command line, and each of its output paths with
/// its flag. The match names every command, and a unit test
/// (`every_output_flag_is_checked_against_the_inputs`) walks every path-valued flag of the
/// command-line definition, so an output flag added later cannot be left out unnoticed.
fn inputs_and_outputs(command: &Command) -> (Vec<&Path>, Vec<(&'static str, Option<&Path>)>) {
    match command {
        Command::Run {
            scenario,
            runs_csv,
            charts,
            out,
            ..
        } => (
            vec![scenario.as_path()],
            vec![
                ("--runs-csv", runs_csv.as_deref()),
                ("--charts", charts.as_deref()),
                ("--out", out.as_deref()),
            ],
        ),
        Command::Fleet {
            fleet, charts, out, ..
        } => (
            vec![fleet.as_path()],
            vec![("--charts", charts.as_deref()), ("--out", out.as_deref())],
        ),
        Command::Report {
            scenario, output, ..
        } => (
            vec![scenario.as_path()],
            vec![("--output", Some(output.as_path()))],
        ),
        Command::Compare {
            scenarios,
            chart,
            sharding,
            ..
        } => (
            scenarios.iter().map(PathBuf::as_path).collect(),
            vec![
                ("--chart", chart.as_deref()),
                ("--out", sharding.out.as_deref()),
            ],
        ),
        Command::Sweep {
            scenario,
            chart,
            sharding,
            ..
        } => (
            vec![scenario.as_path()],
            vec![
                ("--chart", chart.as_deref()),
                ("--out", sharding.out.as_deref()),
            ],
        ),
        Command::Regions {
            scenario, chart, ..
        } => (
            vec![scenario.as_path()],
            vec![("--chart", chart.as_deref())],
        ),
        // Commands that read files and print on stdout only, and `man --dir`, which writes
        // pages into a folder but reads no file.
        Command::Man { .. }
        | Command::Merge { .. }
        | Command::Validate { .. }
        | Command::Recommend { .. }
        | Command::Trace { .. }
        | Command::Fit { .. }
        | Command::Import { .. }
        | Command::Init { .. }
        | Command::Completions { .. }
        | Command::Schema => (Vec::new(), Vec::new()),
    }
}

/// A data file named inside a scenario or fleet file.
struct NamedFile {
    /// The file named in, as given.
    named_in: PathBuf,
    /// The key that names it (`spot.market.file`, `workload.scenario`, ...).
    key: String,
    /// The data file, relative to the folder of `named_in`.
    path: PathBuf,
}

/// Collects into `found` every file that the TOML file `input` names by a key `file`,
/// `advisor_file` or `scenario` (a fleet's workload), at any depth; for `depth` > 1, the
/// files that the named TOML files name in turn. A file that cannot be read or parsed names
/// nothing here: the command reports it properly once it reads it.
fn named_data_files(input: &Path, depth: u32, found: &mut Vec<NamedFile>) {
    use spotsim::inputs::bounded::{FileKind, read_bounded_text};
    let Ok(text) = read_bounded_text(input, FileKind::Scenario) else {
        return;
    };
    let Ok(table) = text.parse::<toml::Table>() else {
        return;
    };
    let base = input.parent().unwrap_or(Path::new(""));
    let mut named = Vec::new();
    walk_for_files(&toml::Value::Table(table), "", &mut named);
    for (key, file) in named {
        let path = base.join(&file);
        if depth > 1 && key.ends_with("scenario") {
            named_data_files(&path, depth - 1, found);
        }
        found.push(NamedFile {
            named_in: input.to_path_buf(),
            key,
            path,
        });
    }
}

/// The `(key path, file)` pairs of `value`'s string keys `file`, `advisor_file` and
/// `scenario`, in tables and arrays of tables.
fn walk_for_files(value: &toml::Value, path: &str, named: &mut Vec<(String, String)>) {
    match value {
        toml::Value::Table(table) => {
            for (key, item) in table {
                let key_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match item {
                    toml::Value::String(file)
                        if matches!(key.as_str(), "file" | "advisor_file" | "scenario") =>
                    {
                        named.push((key_path, file.clone()));
                    }
                    _ => walk_for_files(item, &key_path, named),
                }
            }
        }
        toml::Value::Array(items) => {
            for item in items {
                walk_for_files(item, path, named);
            }
        }
        _ => {}
    }
}

/// The exit code of a command's `result`, its failure printed on stderr; after a stop request,
/// [`INTERRUPTED_EXIT`] whatever the result.
pub(crate) fn exit_code(result: Result<(), Failure>) -> ExitCode {
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

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    /// `"COMMAND --flag"` for every flag (not a positional argument) of every command whose value
    /// is a path: clap derives a path hint from the `PathBuf` type.
    fn path_flags() -> Vec<String> {
        fn walk(name: &str, command: &clap::Command, out: &mut Vec<String>) {
            for sub in command.get_subcommands() {
                let sub_name = if name.is_empty() {
                    sub.get_name().to_string()
                } else {
                    format!("{name} {}", sub.get_name())
                };
                walk(&sub_name, sub, out);
            }
            for arg in command.get_arguments() {
                if let Some(long) = arg.get_long()
                    && arg.get_value_hint() == clap::ValueHint::AnyPath
                {
                    out.push(format!("{name} --{long}"));
                }
            }
        }
        let mut out = Vec::new();
        walk("", &Cli::command(), &mut out);
        out.sort();
        out
    }

    #[test]
    fn every_output_flag_is_checked_against_the_inputs() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("s.toml");
        std::fs::write(&input, "").unwrap();
        let s = input.to_str().unwrap();
        // Every path-valued flag, with a command line that points it at the command's input;
        // `None` for a flag that is no output over an input.
        let cases: Vec<(&str, Option<Vec<&str>>)> = vec![
            ("run --runs-csv", Some(vec!["run", s, "--runs-csv", s])),
            ("run --charts", Some(vec!["run", s, "--charts", s])),
            (
                "run --out",
                Some(vec!["run", s, "--shard", "1/1", "--out", s]),
            ),
            ("fleet --charts", Some(vec!["fleet", s, "--charts", s])),
            (
                "fleet --out",
                Some(vec!["fleet", s, "--shard", "1/1", "--out", s]),
            ),
            ("report --output", Some(vec!["report", s, "-o", s])),
            ("compare --chart", Some(vec!["compare", s, s, "--chart", s])),
            (
                "compare --out",
                Some(vec!["compare", s, s, "--shard", "1/1", "--out", s]),
            ),
            (
                "sweep --chart",
                Some(vec!["sweep", s, "--set", "a=1", "--chart", s]),
            ),
            (
                "sweep --out",
                Some(vec![
                    "sweep", s, "--set", "a=1", "--shard", "1/1", "--out", s,
                ]),
            ),
            ("regions --chart", Some(vec!["regions", s, "--chart", s])),
            // An input: the scenario the parts simulated.
            ("merge --scenario", None),
            // Pages written into a folder by a command that reads no file.
            ("man --dir", None),
        ];
        let mut listed: Vec<String> = cases.iter().map(|(flag, _)| (*flag).to_string()).collect();
        listed.sort();
        assert_eq!(
            path_flags(),
            listed,
            "a path-valued flag was added or removed: list it here, and in \
             inputs_and_outputs if it is an output"
        );
        for (flag, argv) in cases {
            let Some(argv) = argv else { continue };
            let cli = Cli::try_parse_from(std::iter::once("spotsim").chain(argv))
                .unwrap_or_else(|e| panic!("{flag}: {e}"));
            match refuse_outputs_over_inputs(&cli.command) {
                Err(Failure::BadInput(message)) => {
                    let option = flag.split_once(' ').unwrap().1;
                    assert!(
                        message.starts_with(option) && message.contains("is the input file"),
                        "{flag}: {message}"
                    );
                }
                _ => panic!("{flag}: an output over the input was not refused"),
            }
        }
    }
}
