//! Ctrl-C, with a real signal: a long run stops promptly with exit code 130, leaves no partial
//! or temporary file behind, and an earlier good output is kept as it was.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::project_dir;

/// Files in `dir` other than `keep`, sorted.
fn other_files(dir: &std::path::Path, keep: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !keep.contains(&name.as_str()))
        .collect();
    names.sort();
    names
}

/// Starts `spotsim ARGS` in `dir`, waits until the temporary CSV shows up (the simulation is
/// under way), sends `signal` and returns the exit code and how long the process took to stop.
fn interrupt(dir: &std::path::Path, args: &[&str], signal: &str) -> (Option<i32>, Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_spotsim"))
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while other_files(dir, &["scenarios", "runs.csv"]).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run never started writing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Instant::now();
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), sent.elapsed());
        }
        assert!(
            sent.elapsed() < Duration::from_secs(30),
            "spotsim did not stop after {signal}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn ctrl_c_stops_a_long_run_and_keeps_the_earlier_output() {
    for signal in ["-INT", "-TERM"] {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(
            project_dir().join("scenarios"),
            dir.path().join("scenarios"),
        )
        .unwrap();
        std::fs::write(dir.path().join("runs.csv"), "an earlier, good file\n").unwrap();
        // 50 million runs take minutes even in a release build: the signal comes long before.
        let (code, took) = interrupt(
            dir.path(),
            &[
                "run",
                "scenarios/reference.toml",
                "--runs",
                "50000000",
                "--runs-csv",
                "runs.csv",
                "--quiet",
            ],
            signal,
        );
        assert_eq!(code, Some(130), "{signal}");
        assert!(took < Duration::from_secs(10), "{signal}: {took:?} to stop");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("runs.csv")).unwrap(),
            "an earlier, good file\n",
            "{signal}"
        );
        assert_eq!(
            other_files(dir.path(), &["scenarios", "runs.csv"]),
            Vec::<String>::new(),
            "{signal}: a temporary file was left behind"
        );
    }
}
