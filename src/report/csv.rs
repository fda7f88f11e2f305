//! `--runs-csv`: one row per spot run, streamed to any writer.

use std::io::Write;

use crate::engine::RunRecord;

/// The CSV header, in column order.
pub const RUNS_CSV_HEADER: [&str; 9] = [
    "run",
    "outcome",
    "wall_s",
    "training_s",
    "billable_s",
    "cost_usd",
    "interruptions",
    "waiting_s",
    "lost_work_s",
];

/// Writes `records` (run `i` at index `i`) as CSV with the header `RUNS_CSV_HEADER`.
pub fn write_runs_csv<W: Write>(records: &[RunRecord], writer: W) -> std::io::Result<()> {
    let mut csv = ::csv::Writer::from_writer(writer);
    csv.write_record(RUNS_CSV_HEADER)?;
    for (run, record) in records.iter().enumerate() {
        csv.serialize((
            run,
            record.outcome.as_str(),
            record.wall_s,
            record.training_s,
            record.billable_s,
            record.cost_usd,
            record.interruptions,
            record.waiting_s,
            record.lost_work_s,
        ))?;
    }
    csv.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Outcome;

    #[test]
    fn writes_header_and_rows_in_run_order() {
        let record = RunRecord {
            outcome: Outcome::MaxWaitTimeExceeded,
            wall_s: 3600.0,
            training_s: 874.0,
            billable_s: 262.2,
            cost_usd: 0.25,
            interruptions: 2,
            waiting_s: 100.5,
            lost_work_s: 30.0,
            work_required_s: 800.0,
            work_done_s: 500.0,
            billed: crate::engine::BilledTime::default(),
            billed_redone_s: 0.0,
        };
        let mut out = Vec::new();
        write_runs_csv(&[record, record], &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "run,outcome,wall_s,training_s,billable_s,cost_usd,interruptions,waiting_s,lost_work_s\n\
             0,MaxWaitTimeExceeded,3600.0,874.0,262.2,0.25,2,100.5,30.0\n\
             1,MaxWaitTimeExceeded,3600.0,874.0,262.2,0.25,2,100.5,30.0\n"
        );
    }
}
