//! Everything the commands put out: stdout and the warnings on stderr, the progress bar, the
//! checks of output paths before anything runs, atomic file writes, and the one flow that
//! draws a scenario's or a fleet's charts into a folder (`--charts`) or into a review
//! (`spotsim report`). Also the worker thread pool the commands simulate and draw on.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use anyhow::Context;
use rayon::prelude::*;
use spotsim::charts::{ChartError, ChartFormat, ChartInput, ChartKind, render};
use spotsim::report::{Review, render_figures_html, render_figures_md};
use spotsim::scenario::{Scenario, lint};

use super::args::ReportFormat;
use super::{Failure, interrupted};

/// The parser's notes on a valid file, located `file:line:column`: every command that loads a
/// scenario prints them, directly or through [`print_warnings`].
pub(crate) fn print_notes(scenario: &Scenario) {
    for note in &scenario.notes {
        eprintln!("warning: {}", note.message);
        eprintln!("  hint: {}", note.hint);
    }
}

/// The parser's notes (an SDK v1 key name), then the warnings of [`lint`].
pub(crate) fn print_warnings(path: &Path, scenario: &Scenario) {
    print_notes(scenario);
    for warning in lint(scenario) {
        eprintln!("warning: {}: {}", path.display(), warning.message);
        eprintln!("  hint: {}", warning.hint);
    }
}

/// A warning found after the runs, as [`print_warnings`] prints those of the scenario.
pub(crate) fn print_warning(path: &Path, warning: &spotsim::scenario::Warning) {
    eprintln!("warning: {}: {}", path.display(), warning.message);
    eprintln!("  hint: {}", warning.hint);
}

/// Writes `text` to standard output; a closed or full output is a failure at run time.
pub(crate) fn print_stdout(text: &str) -> Result<(), Failure> {
    super::begin_work().map_err(Failure::Runtime)?;
    if super::CANCEL.requested() {
        return Err(Failure::Runtime(interrupted()));
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to standard output")
        .map_err(Failure::Runtime)
}

/// The worker threads of a command: `threads` of them, else one per core, and never more than
/// one per core: the runs are pure computation, so threads beyond the cores only add switching
/// (`--threads 10000` made 1,000 runs take a minute). Results do not depend on the count, so the
/// clamp is silent (`docs/reliability.md`).
pub(crate) fn thread_pool(threads: Option<u16>) -> Result<rayon::ThreadPool, Failure> {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = threads.filter(|&t| t > 0) {
        pool = pool.num_threads(usize::from(threads).min(cores));
    }
    pool.build()
        .context("cannot start worker threads")
        .map_err(Failure::Runtime)
}

/// What a progress bar counts: `total` as the work counts it (a spot run and its on-demand
/// twin are two), shown as `shown` of `unit` (scenario runs, months), the count the user asked
/// for.
#[derive(Clone, Copy)]
pub(crate) struct Count<'a> {
    pub(crate) total: u64,
    pub(crate) shown: u64,
    pub(crate) unit: &'a str,
}

impl Count<'_> {
    /// Scenario runs: `runs` asked for, `total` simulated (both sides).
    pub(crate) fn runs(total: u64, runs: u64) -> Count<'static> {
        Count {
            total,
            shown: runs,
            unit: "runs",
        }
    }

    /// `counted` of the work's total, as the count shown.
    fn as_shown(self, counted: u64) -> u64 {
        (u128::from(counted) * u128::from(self.shown) / u128::from(self.total.max(1))) as u64
    }
}

/// Runs `work`, which counts what it finishes into its counter, with a progress bar on stderr
/// when it is a terminal and `quiet` is off.
pub(crate) fn with_progress<T>(
    quiet: bool,
    count: Count<'_>,
    work: impl FnOnce(&AtomicU64) -> T,
) -> T {
    with_progress_to(quiet, count, false, work)
}

/// As [`with_progress`]; when `capped`, the total is only a cap the work may stop short of, and
/// the time left shown is an upper bound.
pub(crate) fn with_progress_to<T>(
    quiet: bool,
    count: Count<'_>,
    capped: bool,
    work: impl FnOnce(&AtomicU64) -> T,
) -> T {
    let show_progress = !quiet && std::io::stderr().is_terminal();
    let done = AtomicU64::new(0);
    let finished = AtomicBool::new(false);
    std::thread::scope(|scope| {
        if show_progress {
            let (done, finished) = (&done, &finished);
            scope.spawn(move || show_progress_bar(done, finished, count, capped));
        }
        let result = work(&done);
        finished.store(true, Ordering::Release);
        result
    })
}

/// Draws runs done, rate and time left until `finished`; nothing for runs shorter than a second.
/// Everything but the bar fits in about 70 columns, and the bar takes what the terminal has
/// left, so the line does not wrap in an 80-column terminal.
fn show_progress_bar(done: &AtomicU64, finished: &AtomicBool, count: Count<'_>, capped: bool) {
    let Count { total, shown, unit } = count;
    let started = std::time::Instant::now();
    let tick = std::time::Duration::from_millis(100);
    while started.elapsed() < std::time::Duration::from_secs(1) {
        if finished.load(Ordering::Acquire) {
            return;
        }
        std::thread::sleep(tick);
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(shown),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{human_pos}/{human_len} {prefix} [{wide_bar}] {msg}",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_prefix(unit.to_string());
    // The rate from the start, not indicatif's estimate: the bar appears a second late, and
    // the jump from 0 to the runs already done would read as an absurd rate.
    while !finished.load(Ordering::Acquire) {
        let done_runs = count.as_shown(done.load(Ordering::Relaxed).min(total));
        let rate = done_runs as f64 / started.elapsed().as_secs_f64();
        bar.set_position(done_runs);
        bar.set_message(progress_message(done_runs, shown, rate, capped));
        std::thread::sleep(tick);
    }
    bar.finish_and_clear();
}

/// The progress bar's words after the bar: rate and time left.
fn progress_message(done: u64, shown: u64, rate: f64, capped: bool) -> String {
    if done == shown {
        "summarising".to_string()
    } else if rate > 0.0 {
        let left_s = ((shown - done) as f64 / rate).ceil();
        format!(
            "{}/s · {}{} left",
            spotsim::units::format::format_count(rate.round() as u64),
            if capped { "≤ " } else { "" },
            spotsim::units::duration::format_duration(left_s)
        )
    } else {
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 15, item 10: the bar counts scenario runs (not spot and on-demand runs together),
    /// and at the largest counts its words leave room for a bar in 80 columns.
    #[test]
    fn the_progress_line_counts_scenario_runs_and_fits_80_columns() {
        let count = Count::runs(40_000_000, 20_000_000);
        assert_eq!(count.as_shown(40_000_000), 20_000_000);
        assert_eq!(count.as_shown(2), 1);
        let big = spotsim::units::format::format_count(1_000_000_000);
        let message = progress_message(1, 1_000_000_000, 12_345_678.0, true);
        let words = format!("{big}/{big} runs [] {message}");
        assert!(
            words.chars().count() <= 72,
            "{} columns: {words}",
            words.chars().count()
        );
    }
}

/// An output path whose folder does not exist is the user's mistake: say so before running.
pub(crate) fn check_writable_parent(flag: &str, path: &Path) -> Result<(), Failure> {
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

/// The chart folder must be a folder (or not exist yet, inside one that does).
pub(crate) fn check_chart_dir(what: &str, dir: &Path) -> Result<(), Failure> {
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

/// Checks a review's output before anything runs: its folder, and with Markdown the folder of
/// its charts.
pub(crate) fn check_review_output(output: &Path, format: ReportFormat) -> Result<(), Failure> {
    check_writable_parent("--output", output)?;
    if format == ReportFormat::Md {
        check_chart_dir("--output's chart folder", &md_chart_dir(output).1)?;
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically; a failure names the file.
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    write_atomically(path, |file| file.write_all(bytes))
        .with_context(|| format!("cannot write {}", path.display()))
        .map_err(Failure::Runtime)
}

/// Writes through a temporary file in the same folder, then renames it into place, so a failed
/// run never leaves a half-written file nor clobbers an earlier good one. A symbolic link is
/// followed (its target is replaced, the link stays); a path that exists and is not a regular
/// file (`/dev/stdout`, a named pipe, a device) is written directly, as renaming would replace
/// it.
pub(crate) fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    // Nothing is created while a Ctrl-C would end the process at once (`begin_work`).
    super::begin_work()?;
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
        let file = {
            // Registered and created under one lock: a second Ctrl-C, which removes every
            // registered file before exiting, cannot slip between the two.
            let mut in_progress = lock_in_progress();
            if super::CANCEL.requested() {
                return Err(interrupted());
            }
            in_progress.push(temp.clone());
            std::fs::File::create(&temp)
                .with_context(|| format!("cannot create the temporary file {}", temp.display()))?
        };
        let mut writer = std::io::BufWriter::new(file);
        write(&mut writer).context("cannot write the rows")?;
        writer.flush().context("cannot write the rows")?;
        writer
            .get_ref()
            .sync_all()
            .context("cannot flush the file to disk")?;
        // Results computed after a stop request are placeholders: never put them in place.
        if super::CANCEL.requested() {
            return Err(interrupted());
        }
        std::fs::rename(&temp, path)
            .with_context(|| format!("cannot move {} into place", temp.display()))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    lock_in_progress().retain(|p| p != &temp);
    result
}

/// Temporary files being written and folders created for this command's outputs, newest last:
/// what [`remove_in_progress`] deletes when a second Ctrl-C ends the process at once.
static IN_PROGRESS: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn lock_in_progress() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    // A panic while the lock was held leaves a list that is still a list.
    IN_PROGRESS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Deletes every temporary file being written and every output folder this command created that
/// is still empty, newest first: the last thing done before exiting on a second Ctrl-C.
pub(crate) fn remove_in_progress() {
    let mut in_progress = lock_in_progress();
    while let Some(path) = in_progress.pop() {
        if path.is_dir() {
            // Only an empty folder goes: never anything the user put there.
            let _ = std::fs::remove_dir(&path);
        } else {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// Creates `dir` and its missing parents, registering each one created (outermost first), so
/// that an interrupted or failed command removes them again if they are still empty.
fn create_output_dir(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    super::begin_work()?;
    let mut missing: Vec<PathBuf> = dir
        .ancestors()
        .filter(|a| !a.as_os_str().is_empty())
        .take_while(|a| !a.exists())
        .map(Path::to_path_buf)
        .collect();
    missing.reverse();
    let mut in_progress = lock_in_progress();
    if super::CANCEL.requested() {
        return Err(interrupted());
    }
    let mut created = Vec::new();
    for folder in missing {
        match std::fs::create_dir(&folder) {
            Ok(()) => {
                in_progress.push(folder.clone());
                created.push(folder);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                drop(in_progress);
                remove_created_dirs(&created);
                return Err(e).with_context(|| format!("cannot create {}", folder.display()));
            }
        }
    }
    Ok(created)
}

/// Removes the folders [`create_output_dir`] created, innermost first, if they are empty, and
/// forgets them.
fn remove_created_dirs(created: &[PathBuf]) {
    for folder in created.iter().rev() {
        let _ = std::fs::remove_dir(folder);
    }
    lock_in_progress().retain(|p| !created.contains(p));
}

/// A chart file's format from its extension: `.png` or `.svg`, in any case.
pub(crate) fn chart_format_of(path: &Path) -> Result<ChartFormat, String> {
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

/// The charts of a scenario's runs or of a fleet's months, with what they are drawn from: what
/// `--charts` writes (`spotsim run`, `spotsim fleet`) and a review shows (`spotsim report`).
#[derive(Clone, Copy)]
pub(crate) enum Charts<'a> {
    /// A scenario's charts: those of [`spotsim::charts::charts_for`] its input.
    Scenario(&'a ChartInput<'a>, &'a [ChartKind]),
    /// A fleet's charts: those of [`spotsim::charts::fleet_charts`] its report.
    Fleet(
        &'a spotsim::fleet::FleetReport,
        &'a [spotsim::charts::FleetChart],
    ),
}

/// A chart drawn: the file stem it is saved under (`cost`, `fleet-cost`) and its bytes.
pub(crate) struct DrawnChart {
    pub(crate) stem: String,
    pub(crate) bytes: Vec<u8>,
}

impl Charts<'_> {
    /// Draws every chart as `format` bytes, in parallel on the current thread pool, in order.
    pub(crate) fn draw(self, format: ChartFormat) -> Result<Vec<DrawnChart>, ChartError> {
        match self {
            Charts::Scenario(input, kinds) => kinds
                .par_iter()
                .map(|&kind| {
                    render(kind, input, format).map(|bytes| DrawnChart {
                        stem: kind.file_stem().to_string(),
                        bytes,
                    })
                })
                .collect(),
            Charts::Fleet(report, charts) => charts
                .par_iter()
                .map(|chart| {
                    spotsim::charts::render_fleet(report, chart, format).map(|bytes| DrawnChart {
                        stem: chart.stem.clone(),
                        bytes,
                    })
                })
                .collect(),
        }
    }
}

/// Draws `charts` into `dir`, created first if needed, each file `<stem>.<extension>` written
/// atomically: the paths written, in chart order.
pub(crate) fn write_charts(
    dir: &Path,
    charts: Charts<'_>,
    format: ChartFormat,
) -> anyhow::Result<Vec<String>> {
    let created = create_output_dir(dir)?;
    let result = (|| {
        let mut written = Vec::new();
        for chart in charts.draw(format)? {
            let path = dir.join(format!("{}.{}", chart.stem, format.extension()));
            write_atomically(&path, |file| file.write_all(&chart.bytes))
                .with_context(|| format!("cannot write {}", path.display()))?;
            written.push(path.display().to_string());
        }
        Ok(written)
    })();
    if result.is_err() {
        // A failed or interrupted command leaves no empty folder behind.
        remove_created_dirs(&created);
    } else {
        lock_in_progress().retain(|p| !created.contains(p));
    }
    result
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

/// Writes `review` to `output` with its `charts` drawn on `pool`: HTML with every chart's SVG
/// inline, or Markdown with the charts as PNG files in the folder `<stem>-charts` beside it.
pub(crate) fn write_review(
    review: &Review,
    charts: Charts<'_>,
    format: ReportFormat,
    output: &Path,
    pool: &rayon::ThreadPool,
    quiet: bool,
) -> Result<(), Failure> {
    let text = match format {
        ReportFormat::Html => {
            let drawn = pool
                .install(|| charts.draw(ChartFormat::Svg))
                .map_err(|e| Failure::Runtime(e.into()))?;
            render_figures_html(review, &|stem| {
                drawn
                    .iter()
                    .find(|chart| chart.stem == stem)
                    .map(|chart| String::from_utf8_lossy(&chart.bytes).into_owned())
                    .unwrap_or_default()
            })
        }
        ReportFormat::Md => {
            let (dir_name, dir) = md_chart_dir(output);
            pool.install(|| write_charts(&dir, charts, ChartFormat::Png))
                .map_err(Failure::Runtime)?;
            render_figures_md(review, &|stem| format!("{dir_name}/{stem}.png"))
        }
    };
    write_file(output, text.as_bytes())?;
    if !quiet {
        eprintln!("report: {}", output.display());
    }
    Ok(())
}

/// The command that writes the review again ([`spotsim::report::review_command`]).
pub(crate) fn review_command(
    file: &str,
    runs: u64,
    seed: u64,
    format: ReportFormat,
    output: &Path,
) -> String {
    spotsim::report::review_command(
        file,
        runs,
        seed,
        format == ReportFormat::Md,
        &output.display().to_string(),
    )
}

/// `word` quoted for a POSIX shell when it needs it ([`spotsim::report::shell_word`]).
pub(crate) fn shell_word(word: &str) -> String {
    spotsim::report::shell_word(word)
}
