//! Integration tests: run the real `spotsim` binary on real files, check outputs and exit codes.

mod absurd;
mod advisor;
mod browser;
mod compare;
mod docs;
mod errors;
mod fit;
mod fleet;
mod fleet_report;
mod hostile;
mod import;
mod precision;
mod recommend;
mod regions;
mod report;
mod run;
mod schema;
mod shard;
mod shell;
mod signals;
mod sweep;
mod trace;
mod validate;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The project folder: shipped scenarios are given relative to it, as a user would type them.
pub fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `spotsim` started in the project folder.
pub fn spotsim() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_spotsim"));
    command.current_dir(project_dir());
    command
}

/// Writes `text` to `name` in `dir` and returns its path.
pub fn write_file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Calls `outputs` once per thread count (given as `--threads` takes it), asserts that every
/// call gives what the first gave, and returns that: the project's promise that the same seed
/// gives the same bytes whatever the thread count.
pub fn same_for_thread_counts<T: PartialEq + std::fmt::Debug>(
    threads: &[&str],
    mut outputs: impl FnMut(&str) -> T,
) -> T {
    let first = outputs(threads[0]);
    for count in &threads[1..] {
        assert!(
            outputs(count) == first,
            "--threads {count} gave other output than --threads {}",
            threads[0]
        );
    }
    first
}

/// Standard output of a successful command, as text.
pub fn stdout_of(command: &mut Command) -> String {
    let output = command.assert().success().get_output().stdout.clone();
    String::from_utf8(output).unwrap()
}
