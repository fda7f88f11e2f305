//! `spotsim compare`: several scenarios run with common random numbers, side by side and
//! paired run by run with the first.

use std::path::{Path, PathBuf};

use spotsim::scenario::Scenario;

use super::Failure;
use super::args::{Format, SimulationArgs, StudyShardArgs};
use super::load::job_name;
use super::output::{
    chart_format_of, check_writable_parent, print_stdout, print_warnings, thread_pool,
    with_progress, write_file,
};

/// `spotsim compare`'s options.
pub(crate) struct CompareOptions<'a> {
    pub(crate) sim: SimulationArgs,
    pub(crate) format: Format,
    pub(crate) chart: Option<&'a Path>,
    pub(crate) sharding: StudyShardArgs,
    pub(crate) target_completion: f64,
}

/// `spotsim compare`: every bad file is reported at once, before anything runs.
pub(crate) fn compare_scenarios(
    paths: &[PathBuf],
    options: CompareOptions<'_>,
) -> Result<(), Failure> {
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
        sharding,
        target_completion,
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
    let mut texts = Vec::new();
    for path in paths {
        match spotsim::load_scenario_and_text(path) {
            Ok((scenario, text)) => {
                loaded.push((path, scenario));
                texts.push(text);
            }
            Err(error) => problems.push(error.to_string()),
        }
    }
    let shard = match sharding.resolve() {
        Ok(shard) => shard,
        Err(message) => {
            problems.push(message);
            None
        }
    };
    if let Some((_, out)) = &shard {
        match check_writable_parent("--out", out) {
            Ok(()) => {}
            Err(Failure::BadInput(message)) => problems.push(message),
            Err(other) => return Err(other),
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
    let scenarios: Vec<&spotsim::scenario::Scenario> =
        entries.iter().map(|e| &e.scenario).collect();
    if let Some((shard, out)) = shard {
        let blocks = shard.blocks(spotsim::stats::accumulate::block_count(settings.runs));
        let slice = shard.runs(settings.runs);
        let total = spotsim::montecarlo::study::total_runs(&scenarios, slice.end - slice.start);
        let count =
            super::output::Count::runs(total, (slice.end - slice.start) * scenarios.len() as u64);
        let study = with_progress(quiet, count, |done| {
            pool.install(|| {
                spotsim::studies::compare::compare_shard(
                    &entries,
                    blocks.clone(),
                    done,
                    super::cancel_token(),
                )
            })
        })
        .map_err(|_| Failure::Runtime(super::interrupted()))?;
        let stored: Vec<(&Scenario, spotsim::parts::StoredScenario)> = entries
            .iter()
            .zip(texts)
            .map(|(entry, text)| {
                (
                    &entry.scenario,
                    spotsim::parts::StoredScenario {
                        path: entry.file.clone(),
                        text,
                    },
                )
            })
            .collect();
        let part = spotsim::parts::Part::of_study(
            "compare",
            shard,
            &entries[0].name,
            &stored,
            vec![
                "--target-completion".to_string(),
                target_completion.to_string(),
            ],
            (settings.runs, settings.seed),
            blocks,
            study,
        );
        write_file(&out, part.to_json().as_bytes())?;
        if !quiet {
            eprintln!(
                "shard {shard}: runs {} to {} of {} ({} runs) of {} scenarios -> {}",
                slice.start,
                slice.end.saturating_sub(1).max(slice.start),
                settings.runs,
                slice.end - slice.start,
                entries.len(),
                out.display()
            );
        }
        return Ok(());
    }
    let total = spotsim::montecarlo::study::total_runs(&scenarios, settings.runs);
    let count = super::output::Count::runs(total, settings.runs * scenarios.len() as u64);
    let comparison = with_progress(quiet, count, |done| {
        pool.install(|| {
            spotsim::studies::compare::compare_cancellable(entries, done, super::cancel_token())
        })
    })
    .map_err(|_| Failure::Runtime(super::interrupted()))?;
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
        Format::Table => spotsim::report::render_compare_table(&comparison, target_completion),
        Format::Json => spotsim::report::render_compare_json(&comparison, target_completion),
    })
}

/// `spotsim merge` of a comparison's parts: every scenario re-read from the text the parts
/// carry (data files relative to the paths the shards were given) and checked against their
/// hash, the appended statistics summarised and printed as `spotsim compare` does.
pub(crate) fn merge_comparison(
    first: &spotsim::parts::Part,
    study: spotsim::montecarlo::study::StudyPart,
    format: Format,
) -> Result<(), Failure> {
    let files = std::iter::once((first.scenario_path.clone(), first.scenario_text.clone())).chain(
        first
            .more_scenarios
            .iter()
            .map(|stored| (stored.path.clone(), stored.text.clone())),
    );
    let mut problems = Vec::new();
    let mut loaded = Vec::new();
    for (file, text) in files {
        match spotsim::scenario::parse_scenario(&text, &file) {
            Ok(mut scenario) => {
                scenario.simulation.runs = first.runs;
                scenario.simulation.seed = first.seed;
                loaded.push((file, scenario));
            }
            Err(errors) => problems.push(format!(
                "{errors}\n(the scenario is re-read from the text stored in the parts, its data \
                 files relative to {file})"
            )),
        }
    }
    if !problems.is_empty() {
        return Err(Failure::BadInput(problems.join("\n")));
    }
    let scenarios: Vec<&Scenario> = loaded.iter().map(|(_, s)| s).collect();
    let sha = spotsim::parts::scenarios_sha256(&scenarios);
    if sha != first.scenario_sha256 {
        return Err(Failure::BadInput(format!(
            "the scenarios read here (SHA-256 {sha}) are not the ones the parts simulated \
             (SHA-256 {}): a value or a data file differs",
            first.scenario_sha256
        )));
    }
    let names = spotsim::studies::compare::unique_names(
        &loaded
            .iter()
            .map(|(file, scenario)| (job_name(Path::new(file), scenario), file.clone()))
            .collect::<Vec<_>>(),
    );
    let entries = loaded
        .into_iter()
        .zip(names)
        .map(|((file, scenario), name)| {
            print_warnings(Path::new(&file), &scenario);
            spotsim::studies::compare::Entry {
                name,
                file,
                scenario,
            }
        })
        .collect();
    let comparison =
        spotsim::studies::compare::finish_comparison(entries, study).map_err(Failure::BadInput)?;
    let target = match first.options.as_slice() {
        [flag, value] if flag == "--target-completion" => value.parse::<f64>().ok(),
        _ => None,
    }
    .ok_or_else(|| {
        Failure::BadInput(format!(
            "the parts carry options {:?}, not `--target-completion SHARE`",
            first.options
        ))
    })?;
    print_stdout(&match format {
        Format::Table => spotsim::report::render_compare_table(&comparison, target),
        Format::Json => spotsim::report::render_compare_json(&comparison, target),
    })
}
