//! Real-browser checks for self-contained HTML: [`render`] opens a file in headless Chromium,
//! driven over the Chrome DevTools Protocol (CDP) on a websocket, and tells what a reader's
//! browser sees: console errors, requests that leave the file, a screenshot at laptop size, and
//! how many A4 pages it prints on. [`check_report`] is the verdict a `spotsim report` file must
//! pass.
//!
//! Invariants: each render starts its own Chromium with a fresh profile in a temporary folder;
//! the [`Browser`] guard kills it and removes the profile when it drops, also when a test panics.
//! One render is bounded by [`TIMEOUT`] from launch to last answer, so a hung browser fails its
//! test instead of hanging CI. Chromium is Debian's (`.ci/run` installs it): where it is missing
//! the checks are skipped with a note, except under CI (`$CI` set), where they fail.

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::protocol::WebSocketConfig;
use tungstenite::{Message, WebSocket};

use super::write_file;

/// Longest one render may take, from launching Chromium to its last answer.
const TIMEOUT: Duration = Duration::from_secs(30);

/// A laptop's viewport, CSS pixels (width, height).
const VIEWPORT: (u32, u32) = (1366, 768);

/// A4 paper, inches (width, height), as `Page.printToPDF` takes it.
const A4_INCHES: (f64, f64) = (8.27, 11.69);

/// Tallest full-page screenshot, CSS pixels: a longer page is cut there, which keeps the PNG
/// (and the websocket message carrying it) to a few megabytes.
const MAX_SCREENSHOT_HEIGHT: u32 = 16_000;

/// Chromium's flags. The machine has no network: without the `--disable-*` networking flags
/// Chromium keeps trying to reach Google's services in the background, and `--no-sandbox` is
/// needed as root. `--remote-debugging-port=0` picks a free port and prints it on stderr.
const FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
    "--remote-debugging-port=0",
];

/// What a browser made of one HTML file.
#[derive(Debug)]
pub struct Rendered {
    /// Console errors and warnings, uncaught exceptions, and the browser's own error and warning
    /// log entries (a failed load, say), one line each, in the order they came.
    pub console_errors: Vec<String>,
    /// Every URL the page requested other than its own file and `data:` URLs, in request order.
    pub external_requests: Vec<String>,
    /// Full-page PNG screenshot at a 1366 px wide viewport (the file's stem, `.png`).
    pub screenshot_png: PathBuf,
    /// The page printed on A4 with backgrounds (the file's stem, `.pdf`).
    pub pdf: PathBuf,
    /// Number of A4 pages in [`Rendered::pdf`].
    pub pdf_pages: usize,
    /// `document.title`, as the browser has it.
    pub title: String,
}

/// The Chromium to drive: `$SPOTSIM_CHROMIUM` if set (set and empty: none, which skips the
/// browser checks), else Debian's `/usr/bin/chromium` if present.
pub fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("SPOTSIM_CHROMIUM") {
        return (!path.is_empty()).then(|| PathBuf::from(path));
    }
    let debian = Path::new("/usr/bin/chromium");
    debian.is_file().then(|| debian.to_path_buf())
}

/// The Chromium for a browser test, or `None` after a note that the test is skipped. Under CI
/// (`$CI` set) a missing Chromium fails the test instead: `.ci/run` installs it.
pub fn chromium_or_skip() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but Chromium is missing: .ci/run installs Debian's chromium \
             (/usr/bin/chromium); or set SPOTSIM_CHROMIUM"
        );
        eprintln!(
            "note: no Chromium (/usr/bin/chromium is absent, or SPOTSIM_CHROMIUM is empty): \
             browser checks skipped"
        );
    }
    found
}

/// Opens `html` in headless Chromium and waits for its load event; writes its screenshot and A4
/// PDF into `out_dir`. Errors name the step that failed and end with Chromium's last log lines.
pub fn render(html: &Path, out_dir: &Path) -> Result<Rendered, String> {
    let program = chromium().ok_or(
        "Chromium not found: install Debian's chromium (/usr/bin/chromium) or set \
         SPOTSIM_CHROMIUM",
    )?;
    let html = html
        .canonicalize()
        .map_err(|error| format!("{}: {error}", html.display()))?;
    let deadline = Instant::now() + TIMEOUT;
    let (browser, ws_url) = Browser::launch(&program, deadline)?;
    drive(&ws_url, &html, out_dir, deadline).map_err(|error| {
        format!(
            "{}: {error}\nChromium's log, last lines (D-Bus noise left out):\n{}",
            html.display(),
            browser.log_tail(20)
        )
    })
}

/// The checks a `spotsim report` file must pass in a real browser: it loads with no console
/// errors or warnings, requests nothing outside itself, has a title and prints on A4. The
/// screenshot is saved at `screenshot_to` and the A4 PDF beside it (extension `.pdf`), before the
/// checks, so a failure can be looked at. Returns what the browser saw, for more checks (the
/// number of pages, say), or `None` where Chromium is missing (not under CI: see
/// [`chromium_or_skip`]).
pub fn check_report(html: &Path, screenshot_to: &Path) -> Option<Rendered> {
    chromium_or_skip()?;
    let scratch = tempfile::tempdir().unwrap();
    let mut rendered = render(html, scratch.path()).unwrap_or_else(|error| panic!("{error}"));
    let pdf_to = screenshot_to.with_extension("pdf");
    for (from, to) in [
        (&rendered.screenshot_png, screenshot_to),
        (&rendered.pdf, &pdf_to),
    ] {
        std::fs::copy(from, to).unwrap_or_else(|error| panic!("{}: {error}", to.display()));
    }
    rendered.screenshot_png = screenshot_to.to_path_buf();
    rendered.pdf = pdf_to;
    let html = html.display();
    assert!(
        rendered.console_errors.is_empty(),
        "{html}: console errors:\n{}",
        rendered.console_errors.join("\n")
    );
    assert!(
        rendered.external_requests.is_empty(),
        "{html} is not self-contained: it requested\n{}",
        rendered.external_requests.join("\n")
    );
    assert!(!rendered.title.trim().is_empty(), "{html} has no <title>");
    assert!(rendered.pdf_pages >= 1, "{html} printed on no A4 page");
    Some(rendered)
}

/// A running Chromium and its profile folder: dropping it kills the browser (its helper
/// processes exit with it) and removes the folder.
struct Browser {
    child: Child,
    /// Chromium's stderr so far. A thread drains the pipe, so Chromium never blocks on it.
    log: Arc<Mutex<String>>,
    profile: Option<tempfile::TempDir>,
}

impl Browser {
    /// Starts `program` and returns it with the browser's DevTools websocket address, which it
    /// prints on stderr once it listens.
    fn launch(program: &Path, deadline: Instant) -> Result<(Browser, String), String> {
        let profile = tempfile::Builder::new()
            .prefix("spotsim-chromium-")
            .tempdir()
            .map_err(|error| format!("no profile folder for Chromium: {error}"))?;
        let mut child = Command::new(program)
            .args(FLAGS)
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            // Its crash reporter and caches would otherwise go to ~/.config and ~/.cache.
            .env("XDG_CONFIG_HOME", profile.path())
            .env("XDG_CACHE_HOME", profile.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", program.display()))?;
        let stderr = child.stderr.take().expect("stderr is piped");
        let log = Arc::new(Mutex::new(String::new()));
        let browser = Browser {
            child,
            log: Arc::clone(&log),
            profile: Some(profile),
        };
        let (address_tx, address_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("DevTools listening on ") {
                    let _ = address_tx.send(url.trim().to_owned());
                }
                let mut log = log
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                log.push_str(&line);
                log.push('\n');
            }
        });
        // The channel closes early if Chromium exits before it listens.
        let why = match address_rx.recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            Ok(url) => return Ok((browser, url)),
            Err(mpsc::RecvTimeoutError::Timeout) => format!("did not listen within {TIMEOUT:?}"),
            Err(mpsc::RecvTimeoutError::Disconnected) => "exited before it listened".to_owned(),
        };
        Err(format!(
            "{} {why}; its log, last lines (D-Bus noise left out):\n{}",
            program.display(),
            browser.log_tail(20)
        ))
    }

    /// The last `lines` lines of Chromium's stderr, without its D-Bus complaints (this machine
    /// has no D-Bus; Chromium logs a dozen of those at every start).
    fn log_tail(&self, lines: usize) -> String {
        let log = self
            .log
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let kept: Vec<&str> = log.lines().filter(|line| !line.contains("dbus/")).collect();
        kept[kept.len().saturating_sub(lines)..].join("\n")
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The helpers exit when the browser dies but may write to the profile for a moment
        // longer, so a failed removal is retried for up to a second.
        if let Some(profile) = self.profile.take() {
            let path = profile.path().to_path_buf();
            if profile.close().is_err() {
                for _ in 0..20 {
                    std::thread::sleep(Duration::from_millis(50));
                    if std::fs::remove_dir_all(&path).is_ok() || !path.exists() {
                        break;
                    }
                }
            }
        }
    }
}

/// One DevTools websocket to the browser, talking to one page through a flattened session.
struct Cdp {
    socket: WebSocket<TcpStream>,
    next_id: u64,
    /// The page's session once attached; commands go to the browser without one.
    session: Option<String>,
    /// Every event read so far, in arrival order (answers are not kept).
    events: Vec<Value>,
    deadline: Instant,
}

impl Cdp {
    fn connect(ws_url: &str, deadline: Instant) -> Result<Cdp, String> {
        // ws://127.0.0.1:PORT/devtools/browser/ID
        let address: SocketAddr = ws_url
            .strip_prefix("ws://")
            .and_then(|rest| rest.split('/').next())
            .and_then(|host_port| host_port.parse().ok())
            .ok_or_else(|| format!("unexpected DevTools address {ws_url}"))?;
        let left = deadline.saturating_duration_since(Instant::now());
        let stream = TcpStream::connect_timeout(&address, left.max(Duration::from_millis(1)))
            .map_err(|error| format!("cannot connect to {ws_url}: {error}"))?;
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .map_err(|error| format!("{ws_url}: {error}"))?;
        // Screenshots and PDFs come as one base64 message, often above the default frame limit.
        let config = WebSocketConfig::default()
            .max_message_size(None)
            .max_frame_size(None);
        let (socket, _) = tungstenite::client::client_with_config(ws_url, stream, Some(config))
            .map_err(|error| format!("DevTools handshake with {ws_url}: {error}"))?;
        Ok(Cdp {
            socket,
            next_id: 0,
            session: None,
            events: Vec::new(),
            deadline,
        })
    }

    /// Sends `method` and waits for its answer, keeping the events that come before it.
    fn call(&mut self, method: &str, params: Value) -> Result<Value, String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut command = json!({"id": id, "method": method, "params": params});
        if let Some(session) = &self.session {
            command["sessionId"] = json!(session);
        }
        let mut sent = self.socket.send(Message::text(command.to_string()));
        // The message is queued; a signal only interrupted the flush, so finish it.
        while matches!(&sent, Err(tungstenite::Error::Io(e)) if e.kind() == std::io::ErrorKind::Interrupted)
        {
            sent = self.socket.flush();
        }
        sent.map_err(|error| format!("{method}: cannot send: {error}"))?;
        loop {
            let mut message = self
                .next_message()
                .map_err(|error| format!("{method}: {error}"))?;
            if message["id"] != id {
                self.events.push(message);
            } else if let Some(error) = message.get("error") {
                return Err(format!("{method}: {error}"));
            } else {
                return Ok(message["result"].take());
            }
        }
    }

    /// The index in [`Cdp::events`] of the first event from index `from` on, read so far or to
    /// come, that `wanted` accepts.
    fn wait_for(
        &mut self,
        what: &str,
        from: usize,
        wanted: impl Fn(&Value) -> bool,
    ) -> Result<usize, String> {
        if let Some(at) = self.events.iter().skip(from).position(&wanted) {
            return Ok(from + at);
        }
        loop {
            let message = self
                .next_message()
                .map_err(|error| format!("waiting for {what}: {error}"))?;
            let found = wanted(&message);
            self.events.push(message);
            if found {
                return Ok(self.events.len() - 1);
            }
        }
    }

    /// The next JSON message, or an error once the deadline has passed.
    fn next_message(&mut self) -> Result<Value, String> {
        loop {
            let left = self.deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(format!("no answer from Chromium within {TIMEOUT:?}"));
            }
            self.socket
                .get_mut()
                .set_read_timeout(Some(left))
                .map_err(|error| error.to_string())?;
            match self.socket.read() {
                Ok(Message::Text(text)) => {
                    return serde_json::from_str(text.as_str())
                        .map_err(|error| format!("bad DevTools message: {error}"));
                }
                // Pings are answered by tungstenite; CDP sends nothing else we need.
                Ok(_) => {}
                // A timeout or a signal (EINTR, seen under load when a child process exits)
                // leaves the socket usable: read again until the deadline says otherwise.
                Err(tungstenite::Error::Io(error))
                    if matches!(
                        error.kind(),
                        std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::Interrupted
                    ) => {}
                Err(error) => return Err(format!("DevTools connection: {error}")),
            }
        }
    }

    /// The base64 `data` of an answer, decoded.
    fn data_of(answer: &Value, what: &str) -> Result<Vec<u8>, String> {
        let text = answer["data"]
            .as_str()
            .ok_or_else(|| format!("{what}: no data in the answer"))?;
        data_encoding::BASE64
            .decode(text.as_bytes())
            .map_err(|error| format!("{what}: bad base64: {error}"))
    }
}

/// Loads `html` in a new page and gathers everything [`Rendered`] holds.
fn drive(ws_url: &str, html: &Path, out_dir: &Path, deadline: Instant) -> Result<Rendered, String> {
    let url = file_url(html);
    let mut cdp = Cdp::connect(ws_url, deadline)?;
    let target = cdp.call("Target.createTarget", json!({"url": "about:blank"}))?;
    let attached = cdp.call(
        "Target.attachToTarget",
        json!({"targetId": target["targetId"], "flatten": true}),
    )?;
    let session = attached["sessionId"]
        .as_str()
        .ok_or("Target.attachToTarget: no sessionId")?;
    cdp.session = Some(session.to_owned());
    for domain in ["Runtime", "Log", "Network", "Page"] {
        cdp.call(&format!("{domain}.enable"), json!({}))?;
    }
    cdp.call(
        "Emulation.setDeviceMetricsOverride",
        json!({"width": VIEWPORT.0, "height": VIEWPORT.1, "deviceScaleFactor": 1, "mobile": false}),
    )?;
    let navigated = cdp.call("Page.navigate", json!({"url": url}))?;
    if let Some(error) = navigated.get("errorText") {
        return Err(format!("cannot open {url}: {error}"));
    }
    // The blank page the target opened with may have fired a load event already: wait for the
    // one after the file was committed to the page's frame.
    let frame_id = navigated["frameId"].clone();
    let committed = cdp.wait_for("the file to be committed", 0, |event| {
        event["method"] == "Page.frameNavigated"
            && event["params"]["frame"]["id"] == frame_id
            && event["params"]["frame"]["url"]
                .as_str()
                .is_some_and(|u| u.starts_with("file:"))
    })?;
    cdp.wait_for("the page's load event", committed, |event| {
        event["method"] == "Page.loadEventFired"
    })?;

    let title = cdp.call(
        "Runtime.evaluate",
        json!({"expression": "document.title", "returnByValue": true}),
    )?["result"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_owned();

    // Full page at the viewport's width (wider if the page overflows it).
    let metrics = cdp.call("Page.getLayoutMetrics", json!({}))?;
    let content = &metrics["cssContentSize"];
    let width = content["width"]
        .as_f64()
        .unwrap_or(0.0)
        .max(f64::from(VIEWPORT.0))
        .ceil();
    let height = content["height"]
        .as_f64()
        .unwrap_or(0.0)
        .clamp(f64::from(VIEWPORT.1), f64::from(MAX_SCREENSHOT_HEIGHT))
        .ceil();
    let shot = cdp.call(
        "Page.captureScreenshot",
        json!({
            "format": "png",
            "captureBeyondViewport": true,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        }),
    )?;
    let png = Cdp::data_of(&shot, "Page.captureScreenshot")?;

    let printed = cdp.call(
        "Page.printToPDF",
        json!({"paperWidth": A4_INCHES.0, "paperHeight": A4_INCHES.1, "printBackground": true}),
    )?;
    let pdf_bytes = Cdp::data_of(&printed, "Page.printToPDF")?;

    let stem = html.file_stem().unwrap_or_default().to_string_lossy();
    let screenshot_png = out_dir.join(format!("{stem}.png"));
    let pdf = out_dir.join(format!("{stem}.pdf"));
    for (path, bytes) in [(&screenshot_png, &png), (&pdf, &pdf_bytes)] {
        std::fs::write(path, bytes).map_err(|error| format!("{}: {error}", path.display()))?;
    }

    let (console_errors, external_requests) = complaints(&cdp.events, &url);
    Ok(Rendered {
        console_errors,
        external_requests,
        screenshot_png,
        pdf,
        pdf_pages: pdf_page_count(&pdf_bytes),
        title,
    })
}

/// Console errors and warnings, and requests other than `own_url` and `data:`, from the events.
fn complaints(events: &[Value], own_url: &str) -> (Vec<String>, Vec<String>) {
    let mut console_errors = Vec::new();
    let mut external_requests = Vec::new();
    for event in events {
        let params = &event["params"];
        match event["method"].as_str().unwrap_or_default() {
            "Runtime.consoleAPICalled" => {
                let kind = params["type"].as_str().unwrap_or_default();
                if matches!(kind, "error" | "warning" | "assert") {
                    let args: Vec<String> = params["args"]
                        .as_array()
                        .map(|args| args.iter().map(remote_object_text).collect())
                        .unwrap_or_default();
                    console_errors.push(format!("console.{kind}: {}", args.join(" ")));
                }
            }
            "Runtime.exceptionThrown" => {
                let details = &params["exceptionDetails"];
                let text = details["exception"]["description"]
                    .as_str()
                    .or(details["text"].as_str())
                    .unwrap_or("?");
                console_errors.push(format!("uncaught exception: {text}"));
            }
            "Log.entryAdded" => {
                let entry = &params["entry"];
                let level = entry["level"].as_str().unwrap_or_default();
                if matches!(level, "error" | "warning") {
                    console_errors.push(format!(
                        "{level} ({}): {} {}",
                        entry["source"].as_str().unwrap_or("?"),
                        entry["text"].as_str().unwrap_or("?"),
                        entry["url"].as_str().unwrap_or_default()
                    ));
                }
            }
            "Network.requestWillBeSent" => {
                let url = params["request"]["url"].as_str().unwrap_or_default();
                let own = percent_decoded(url.split('#').next().unwrap_or_default())
                    == percent_decoded(own_url);
                if !own && !url.starts_with("data:") && !external_requests.iter().any(|u| u == url)
                {
                    external_requests.push(url.to_owned());
                }
            }
            _ => {}
        }
    }
    (console_errors, external_requests)
}

/// A console argument as text: its value if it is a primitive, else its description.
fn remote_object_text(object: &Value) -> String {
    match &object["value"] {
        Value::String(text) => text.clone(),
        Value::Null => object["description"]
            .as_str()
            .unwrap_or("undefined")
            .to_owned(),
        value => value.to_string(),
    }
}

/// The `file://` URL of an absolute path, every byte but unreserved ones and `/` escaped.
fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for &byte in path.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

/// `url` with its `%XX` escapes undone, so that two spellings of one URL compare equal.
fn percent_decoded(url: &str) -> Vec<u8> {
    let bytes = url.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        if let Some(byte) = escaped {
            decoded.push(byte);
            i += 3;
        } else {
            decoded.push(bytes[i]);
            i += 1;
        }
    }
    decoded
}

/// Pages in a PDF: each page is one object of `/Type /Page`; the page tree's nodes are
/// `/Type /Pages`, which do not count. (Chromium's PDFs keep these dictionaries uncompressed.)
fn pdf_page_count(pdf: &[u8]) -> usize {
    [&b"/Type /Page"[..], b"/Type/Page"]
        .iter()
        .map(|pattern| {
            pdf.windows(pattern.len())
                .enumerate()
                .filter(|&(at, window)| {
                    window == *pattern
                        && !pdf
                            .get(at + pattern.len())
                            .is_some_and(u8::is_ascii_alphanumeric)
                })
                .count()
        })
        .sum()
}

/// A self-contained page: inline CSS, an inline SVG chart, two sections, one per A4 page.
const CLEAN: &str = r##"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Harness check</title>
<style>
  body { font-family: sans-serif; margin: 2em; color: #222; }
  h1 { color: #246; }
  section + section { break-before: page; }
</style>
</head>
<body>
<section>
  <h1>Page one</h1>
  <p>An inline chart:</p>
  <svg width="400" height="200" viewBox="0 0 400 200" xmlns="http://www.w3.org/2000/svg">
<rect x="0" y="0" width="400" height="200" fill="#f4f4f4"/>
<rect x="30" y="60" width="60" height="120" fill="#3a7"/>
<rect x="120" y="100" width="60" height="80" fill="#37a"/>
<polyline points="30,150 120,90 210,120 300,40 380,70" fill="none" stroke="#c33" stroke-width="3"/>
  </svg>
</section>
<section>
  <h1>Page two</h1>
  <p>Printed on its own A4 page.</p>
</section>
</body>
</html>
"##;

/// A fixture in a folder of its own, named with characters a file URL escapes.
fn page(dir: &Path, body: &str) -> PathBuf {
    let folder = dir.join("a report (draft)");
    std::fs::create_dir(&folder).unwrap();
    write_file(&folder, "page #1.html", body)
}

#[test]
fn a_clean_page_passes_the_report_checks() {
    if chromium_or_skip().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let html = page(dir.path(), CLEAN);
    let screenshot = dir.path().join("shot.png");
    let rendered = check_report(&html, &screenshot).expect("Chromium is there");
    assert_eq!(rendered.title, "Harness check");
    assert_eq!(rendered.pdf_pages, 2, "{}", rendered.pdf.display());
    assert_eq!(rendered.screenshot_png, screenshot);
    let png = std::fs::read(&screenshot).unwrap();
    assert_eq!(png[..8], *b"\x89PNG\r\n\x1a\n");
    // IHDR: width and height, big-endian, at bytes 16 and 20; the viewport is 1366 wide.
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), VIEWPORT);
    assert!(std::fs::read(&rendered.pdf).unwrap().starts_with(b"%PDF-"));
}

#[test]
fn an_external_image_is_reported() {
    if chromium_or_skip().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let html = page(
        dir.path(),
        "<!doctype html><title>External</title>\
         <img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\">\
         <img src=\"http://example.invalid/x.png\">",
    );
    let rendered = render(&html, dir.path()).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        rendered.external_requests,
        ["http://example.invalid/x.png"],
        "{rendered:?}"
    );
}

#[test]
fn a_console_error_is_reported() {
    if chromium_or_skip().is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let html = page(
        dir.path(),
        "<!doctype html><title>Noisy</title><script>console.error(\"boom\")</script>",
    );
    let rendered = render(&html, dir.path()).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        rendered.console_errors,
        ["console.error: boom"],
        "{rendered:?}"
    );
    assert!(rendered.external_requests.is_empty(), "{rendered:?}");
}

#[test]
fn file_urls_escape_and_compare_by_their_bytes() {
    let url = file_url(Path::new("/tmp/a report (draft)/page #1.html"));
    assert_eq!(url, "file:///tmp/a%20report%20%28draft%29/page%20%231.html");
    assert_eq!(
        percent_decoded(&url),
        percent_decoded("file:///tmp/a%20report%20(draft)/page%20%231.html")
    );
    assert_eq!(percent_decoded("100%"), b"100%");
}

#[test]
fn pdf_pages_are_counted_without_the_page_tree() {
    let pdf = b"<< /Type /Pages /Count 2 >> << /Type /Page >> <</Type/Page/Parent 1 0 R>>";
    assert_eq!(pdf_page_count(pdf), 2);
}
