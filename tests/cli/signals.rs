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

#[test]
fn two_ctrl_c_10_ms_apart_leave_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        project_dir().join("scenarios"),
        dir.path().join("scenarios"),
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_spotsim"))
        .current_dir(dir.path())
        .args([
            "run",
            "scenarios/reference.toml",
            "--runs",
            "50000000",
            "--runs-csv",
            "runs.csv",
            "--quiet",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while other_files(dir.path(), &["scenarios"]).is_empty() {
        assert!(started.elapsed() < Duration::from_secs(60), "never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    let pid = child.id().to_string();
    // The second signal ends the process at once: it must still remove the temporary file.
    for _ in 0..2 {
        assert!(
            Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .unwrap()
                .success()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    assert_eq!(
        other_files(dir.path(), &["scenarios"]),
        Vec::<String>::new(),
        "a temporary file was left behind"
    );
}

#[test]
fn ctrl_c_during_charts_into_a_new_folder_leaves_no_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(
        project_dir().join("scenarios"),
        dir.path().join("scenarios"),
    )
    .unwrap();
    // A signal at many moments of a short run with charts: whenever it lands (simulating,
    // drawing, writing), either the run finished and the folder holds its charts, or it was
    // interrupted and neither the folder nor a temporary file is left.
    for delay_ms in [50, 150, 300, 600, 1000] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_spotsim"))
            .current_dir(dir.path())
            .args([
                "run",
                "scenarios/quickstart.toml",
                "--runs",
                "20000",
                "--charts",
                "new",
                "--quiet",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let pid = child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let status = child.wait().unwrap();
        match status.code() {
            Some(0) => {
                assert!(dir.path().join("new").read_dir().unwrap().count() > 0);
                std::fs::remove_dir_all(dir.path().join("new")).unwrap();
            }
            Some(130) => assert_eq!(
                other_files(dir.path(), &["scenarios"]),
                Vec::<String>::new(),
                "{delay_ms} ms: something was left behind"
            ),
            other => panic!("{delay_ms} ms: exit {other:?}"),
        }
    }
}

/// A scenario whose single run takes many seconds (a billion events before its budget: ten
/// seconds in a release build, minutes in a debug one) but which the checker accepts: one
/// start, checkpoints every millisecond for 20 days.
const ONE_LONG_RUN: &str = "[job]\ntraining = \"20d\"\n\
    [stopping]\nmax_run = \"28d\"\nmax_wait = \"28d\"\n\
    [spot]\nenabled = true\ncapacity_wait = \"0s\"\n\
    time_to_interruption = { dist = \"exponential\", mean = \"10d\" }\ndiscount = 0.7\n\
    [checkpoint]\ninterval = 0.001\n\
    [pricing]\non_demand_hourly = 3.06\n\
    [simulation]\nruns = 1\n";

/// One workload of [`ONE_LONG_RUN`]'s job (with its instance type), a year of arrivals.
const LONG_FLEET: &str = "horizon = \"365d\"\nruns = 10000\nseed = 1\n\
    [[workload]]\nname = \"long\"\nscenario = \"long-typed.toml\"\n\
    arrivals = { per_day = 1000 }\n";

#[test]
fn ctrl_c_stops_a_command_within_one_long_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = super::write_file(dir.path(), "long.toml", ONE_LONG_RUN);
    super::write_file(
        dir.path(),
        "long-typed.toml",
        &ONE_LONG_RUN.replace("[job]\n", "[job]\ninstance_type = \"ml.p3.2xlarge\"\n"),
    );
    let path = path.to_str().unwrap();
    // A fleet month of about 1,000 twenty-day jobs a day: one month takes far longer than 1.5 s.
    let fleet = super::write_file(dir.path(), "fleet.toml", LONG_FLEET);
    let fleet = fleet.to_str().unwrap();
    let commands: [&[&str]; 6] = [
        &["fleet", fleet],
        &["run", path, "--threads", "1"],
        &["trace", "--run", "0", path],
        &["report", path, "-o", "review.md"],
        &["compare", path, path],
        &["recommend", path],
    ];
    for args in commands {
        let mut child = Command::new(env!("CARGO_BIN_EXE_spotsim"))
            .current_dir(dir.path())
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Well inside the first run: it has not ended, and no output exists.
        std::thread::sleep(Duration::from_millis(1500));
        assert!(
            child.try_wait().unwrap().is_none(),
            "{args:?} ended before the signal: the run is not long"
        );
        let sent = Instant::now();
        let status = Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let code = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status.code();
            }
            // Measured: about 20 ms (docs/reliability.md); 3 s leaves room for a loaded machine.
            assert!(
                sent.elapsed() < Duration::from_secs(3),
                "{args:?} did not stop within 3 s of one SIGINT"
            );
            std::thread::sleep(Duration::from_millis(5));
        };
        assert_eq!(code, Some(130), "{args:?}");
        assert!(!dir.path().join("review.md").exists());
    }
}

#[test]
fn ctrl_c_while_a_big_data_file_is_read_ends_at_once_writing_nothing() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    // 60 MB of empirical capacity waits: seconds to read and parse in a debug build, while the
    // stop flag is not polled by the reader.
    let mut csv =
        std::io::BufWriter::new(std::fs::File::create(dir.path().join("waits.csv")).unwrap());
    csv.write_all(b"wait_s\n").unwrap();
    for _ in 0..10_000_000 {
        csv.write_all(b"123.5\n").unwrap();
    }
    csv.flush().unwrap();
    drop(csv);
    std::fs::write(
        dir.path().join("s.toml"),
        "[job]\ntraining = \"1h\"\n[stopping]\nmax_wait = \"1d\"\n\
         [spot]\nenabled = true\ndiscount = 0.7\n\
         capacity_wait = { dist = \"empirical\", file = \"waits.csv\", column = \"wait_s\" }\n\
         time_to_interruption = { dist = \"exponential\", mean = \"3h\" }\n\
         [pricing]\non_demand_hourly = 1\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_spotsim"))
        .current_dir(dir.path())
        .args([
            "run",
            "s.toml",
            "--runs",
            "10",
            "-q",
            "--runs-csv",
            "runs.csv",
            "--charts",
            "new-folder",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(400));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the run ended before the signal: the data file is read too fast to test"
    );
    let sent = Instant::now();
    assert!(
        Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .unwrap()
            .success()
    );
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(3),
            "spotsim still reading 3 s after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    let output = child.wait_with_output().unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(output.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "spotsim: interrupted; no output was written"
    );
    assert_eq!(
        other_files(dir.path(), &["s.toml", "waits.csv"]),
        Vec::<String>::new()
    );
}
