//! `spotsim import`: a scenario from a SageMaker CreateTrainingJob request or a finished job's
//! DescribeTrainingJob document.

use std::path::Path;

use super::Failure;
use super::output::print_stdout;

/// `spotsim import`: the scenario on stdout; warnings and the assumed keys on stderr.
pub(crate) fn import_document(
    source: spotsim::import::Source,
    path: &Path,
    price_per_hour_usd: Option<f64>,
) -> Result<(), Failure> {
    if let Some(price) = price_per_hour_usd
        && !(price > 0.0 && price <= spotsim::scenario::keys::MAX_HOURLY_USD)
    {
        return Err(Failure::BadInput(format!(
            "--price-per-hour ({}) must be greater than zero and at most {} (USD per \
             instance-hour, as pricing.on_demand_hourly)",
            spotsim::units::format::format_quoted_number(price),
            spotsim::units::format::format_quoted_number(spotsim::scenario::keys::MAX_HOURLY_USD)
        )));
    }
    let imported = spotsim::import::import_file_priced(source, path, price_per_hour_usd)
        .map_err(|error| Failure::BadInput(error.to_string()))?;
    print_stdout(&imported.scenario_toml)?;
    for warning in &imported.warnings {
        eprintln!("warning: {}: {warning}", path.display());
    }
    eprint!("{}", spotsim::import::render_assumed_note(&imported));
    Ok(())
}
