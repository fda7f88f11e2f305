//! Reading data files that scenarios and fleets point to: observed durations in a CSV column, a
//! fleet's submission plan.
//!
//! Readers take any `Read`, so they are tested on in-memory text; the scenario parser opens the
//! file (relative to the scenario's folder) and turns a [`DataError`] into a message that names
//! both the scenario key and the data file's line.

use std::io::Read;

use crate::units::duration::{DAY_S, parse_duration_s};
use crate::units::format::{cut_for_message, format_count};

/// The longest duration a data file may hold, seconds: 10 years, the bound the scenario puts on
/// every duration key.
pub const MAX_DATA_DURATION_S: f64 = 3650.0 * DAY_S;

/// Which column of a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    /// By its header.
    Name(String),
    /// By its 1-based position.
    Number(usize),
}

impl std::fmt::Display for Column {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Column::Name(name) => write!(f, "`{}`", cut_for_message(name)),
            Column::Number(number) => write!(f, "{number}"),
        }
    }
}

/// What is wrong with a data file; `line` is 1-based in the data file, when known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", line.map(|l| format!("line {l}: ")).unwrap_or_default())]
pub struct DataError {
    /// The line of the data file, when the problem has one.
    pub line: Option<u64>,
    /// What is wrong.
    pub message: String,
}

fn data_error(line: Option<u64>, message: impl Into<String>) -> DataError {
    DataError {
        line,
        message: message.into(),
    }
}

/// The most column names a message lists.
const MAX_LISTED_NAMES: usize = 10;

/// A header row's names for a message, each between `quote`s and cut
/// ([`cut_for_message`]), the first [`MAX_LISTED_NAMES`] of them and a count of the rest: a
/// million-column header or a 200 MB cell must not become a message of that size.
fn listed_names(headers: &csv::StringRecord, quote: &str) -> String {
    let mut listed: Vec<String> = headers
        .iter()
        .take(MAX_LISTED_NAMES)
        .map(|name| format!("{quote}{}{quote}", cut_for_message(name)))
        .collect();
    if headers.len() > MAX_LISTED_NAMES {
        listed.push(format!(
            "… and {} more",
            format_count((headers.len() - MAX_LISTED_NAMES) as u64)
        ));
    }
    listed.join(", ")
}

/// Reads a fleet's submission plan (`workload.arrivals.file`): CSV text with a header row and
/// a column `at`, one submission per row as a duration from the month's start (`"2d 9h"`).
/// Returns the times sorted, seconds; at least one is required.
pub fn read_submission_plan<R: Read>(reader: R) -> Result<Vec<f64>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = reader
        .headers()
        .map_err(|e| format!("is not CSV: {e}"))?
        .clone();
    let column = headers.iter().position(|h| h == "at").ok_or_else(|| {
        format!(
            "has no column `at` (its columns: {}); write one submission per row as a \
             duration from the month's start, e.g. \"2d 9h\"",
            listed_names(&headers, "")
        )
    })?;
    let mut times_s = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let line = row + 2;
        let record = record.map_err(|e| format!("line {line}: {e}"))?;
        let text = record.get(column).unwrap_or("");
        let seconds = parse_duration_s(text)
            .map_err(|reason| format!("line {line}: `at` ({}) {reason}", cut_for_message(text)))?;
        times_s.push(seconds);
    }
    if times_s.is_empty() {
        return Err("plans no submission".into());
    }
    times_s.sort_by(f64::total_cmp);
    Ok(times_s)
}

/// Reads one column of durations from CSV text with a header row. Cells are seconds as numbers
/// (`90`, `1.5e3`) or durations with units (`"90s"`, `"1h30m"`); empty cells are skipped. At
/// least one value is required; every value must be finite and non-negative.
pub fn read_duration_column<R: Read>(reader: R, column: &Column) -> Result<Vec<f64>, DataError> {
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(reader);
    let headers = csv
        .headers()
        .map_err(|e| data_error(Some(1), format!("cannot read the header row: {e}")))?
        .clone();
    let index = match column {
        Column::Name(name) => headers.iter().position(|h| h == name).ok_or_else(|| {
            data_error(
                Some(1),
                format!(
                    "has no column {column}; its columns are {}",
                    listed_names(&headers, "`")
                ),
            )
        })?,
        Column::Number(number) if *number >= 1 && *number <= headers.len() => number - 1,
        Column::Number(number) => {
            return Err(data_error(
                Some(1),
                format!(
                    "has {} columns, so there is no column {number}",
                    headers.len()
                ),
            ));
        }
    };
    let mut values = Vec::new();
    for record in csv.records() {
        let record = record.map_err(|e| {
            data_error(
                e.position().map(csv::Position::line),
                format!("is not valid CSV: {e}"),
            )
        })?;
        let line = record.position().map(csv::Position::line);
        let Some(cell) = record.get(index) else {
            continue;
        };
        if cell.is_empty() {
            continue;
        }
        let seconds = match cell.parse::<f64>() {
            Ok(number) => number,
            Err(_) => parse_duration_s(cell).map_err(|reason| {
                data_error(
                    line,
                    format!(
                        "value \"{}\" in column {column} {reason}",
                        cut_for_message(cell)
                    ),
                )
            })?,
        };
        if !(seconds.is_finite() && (0.0..=MAX_DATA_DURATION_S).contains(&seconds)) {
            return Err(data_error(
                line,
                format!(
                    "value \"{}\" in column {column} must be a duration from 0 to 3650d \
                     (10 years)",
                    cut_for_message(cell)
                ),
            ));
        }
        values.push(seconds);
    }
    if values.is_empty() {
        return Err(data_error(
            None,
            format!("has no values in column {column}"),
        ));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_column_by_name_or_number() {
        let text = "job,wait_s,note\na,30,x\nb,\"2m\",y\nc,,z\nd, 1.5e2 ,w\n";
        let by_name = read_duration_column(text.as_bytes(), &Column::Name("wait_s".into()));
        assert_eq!(by_name, Ok(vec![30.0, 120.0, 150.0]));
        let by_number = read_duration_column(text.as_bytes(), &Column::Number(2));
        assert_eq!(by_number, Ok(vec![30.0, 120.0, 150.0]));
    }

    #[test]
    fn names_the_line_and_the_problem() {
        let text = "wait_s\n30\nabc\n";
        let error = read_duration_column(text.as_bytes(), &Column::Name("wait_s".into()));
        assert_eq!(
            error.unwrap_err().to_string().split(':').next(),
            Some("line 3")
        );
        let error = read_duration_column("a,b\n1,2\n".as_bytes(), &Column::Name("c".into()));
        assert_eq!(
            error.unwrap_err().to_string(),
            "line 1: has no column `c`; its columns are `a`, `b`"
        );
        let error = read_duration_column("a\n-5\n".as_bytes(), &Column::Number(1));
        assert_eq!(
            error.unwrap_err().message,
            "value \"-5\" in column 1 must be a duration from 0 to 3650d (10 years)"
        );
        // Absurd values are refused like negative ones, and a huge cell is cut in the message.
        let error = read_duration_column("a\n1e300\n".as_bytes(), &Column::Number(1));
        assert!(error.unwrap_err().message.contains("from 0 to 3650d"));
        let huge = format!("a\n{}x\n", "9".repeat(100_000));
        let message = read_duration_column(huge.as_bytes(), &Column::Number(1))
            .unwrap_err()
            .message;
        assert!(message.len() < 300, "{message}");
        assert!(message.contains("(100,001 bytes)"), "{message}");
        // A missing column's message lists at most ten names, each cut.
        let wide = format!(
            "{}\n",
            (0..1_000_000)
                .map(|i| format!("c{i}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        let message = read_duration_column(wide.as_bytes(), &Column::Name("zz".into()))
            .unwrap_err()
            .message;
        assert!(message.ends_with("`c9`, … and 999,990 more"), "{message}");
        let long_cell = format!("{}\n1\n", "h".repeat(1_000_000));
        let message = read_duration_column(long_cell.as_bytes(), &Column::Name("zz".into()))
            .unwrap_err()
            .message;
        assert!(
            message.len() < 300 && message.contains("(1,000,000 bytes)"),
            "{message}"
        );
        let message = read_submission_plan(wide.as_bytes()).unwrap_err();
        assert!(message.contains("c9, … and 999,990 more)"), "{message}");
        let message = read_submission_plan(long_cell.as_bytes()).unwrap_err();
        assert!(message.len() < 300, "{message}");
        let error = read_duration_column("a\n\n".as_bytes(), &Column::Number(1));
        assert_eq!(error.unwrap_err().to_string(), "has no values in column 1");
        let error = read_duration_column("a\n1\n".as_bytes(), &Column::Number(3));
        assert!(error.unwrap_err().message.contains("no column 3"));
    }
}
