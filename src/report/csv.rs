//! `--runs-csv`: one row per spot run, streamed to any writer.
//!
//! [`RunsCsv`] formats the rows block by block on the threads that simulate the runs
//! ([`crate::montecarlo::stream_blocks`]), which write them in run order: no run is held in
//! memory beyond its block.

use std::io::Write;

use crate::engine::RunRecord;
use crate::montecarlo::RunRows;

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

/// Writes the header line, `RUNS_CSV_HEADER`.
pub fn write_runs_csv_header<W: Write>(writer: W) -> std::io::Result<()> {
    let mut csv = ::csv::Writer::from_writer(writer);
    csv.write_record(RUNS_CSV_HEADER)?;
    csv.flush()
}

/// The rows of `--runs-csv`, formatted a block at a time (see the module documentation).
pub struct RunsCsv;

/// Bytes reserved per block: about 130 per row.
const BLOCK_BYTES: usize = 130 * crate::stats::accumulate::BLOCK_RUNS as usize;

impl RunRows for RunsCsv {
    type Block = ::csv::Writer<Vec<u8>>;

    fn start_block(&self) -> Self::Block {
        ::csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::with_capacity(BLOCK_BYTES))
    }

    #[inline]
    fn row(block: &mut Self::Block, run: u64, record: &RunRecord) -> std::io::Result<()> {
        block.serialize((
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
        Ok(())
    }

    fn finish_block(block: Self::Block) -> std::io::Result<Vec<u8>> {
        block.into_inner().map_err(csv::IntoInnerError::into_error)
    }
}

/// Writes `records` (run `i` at index `i`) as CSV with the header `RUNS_CSV_HEADER`: the
/// same bytes as the streamed rows.
pub fn write_runs_csv<W: Write>(records: &[RunRecord], mut writer: W) -> std::io::Result<()> {
    write_runs_csv_header(&mut writer)?;
    let mut block = RunsCsv.start_block();
    for (run, record) in records.iter().enumerate() {
        RunsCsv::row(&mut block, run as u64, record)?;
    }
    writer.write_all(&RunsCsv::finish_block(block)?)?;
    writer.flush()
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
            fallback: crate::engine::FallbackPart::default(),
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
