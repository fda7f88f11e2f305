//! `spotsim validate`: checks a scenario or fleet file and prints what spotsim understood.

use std::path::Path;

use spotsim::load_scenario;
use spotsim::report::render_validation;

use super::Failure;
use super::load::{job_name, load_fleet_with_overrides};
use super::output::{print_stdout, print_warnings};

/// `spotsim validate`: a fleet file's summary, else the scenario's, with its warnings.
pub(crate) fn validate(path: &Path) -> Result<(), Failure> {
    if spotsim::inputs::bounded::read_bounded_text(path, spotsim::inputs::bounded::FileKind::Fleet)
        .is_ok_and(|text| spotsim::fleet::is_fleet_text(&text))
    {
        let fleet = load_fleet_with_overrides(path, None, None, false)?;
        return print_stdout(&spotsim::report::render_fleet_validation(
            &path.display().to_string(),
            &fleet,
        ));
    }
    let scenario = load_scenario(path)?;
    print_warnings(path, &scenario);
    let name = job_name(path, &scenario);
    print_stdout(&render_validation(
        &path.display().to_string(),
        &name,
        &scenario,
    ))
}
