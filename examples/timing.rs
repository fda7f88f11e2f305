use std::time::Instant;
fn main() {
    let s = spotsim::load_scenario(std::path::Path::new("scenarios/reference.toml")).unwrap();
    let mut s = s;
    s.simulation.runs = 1_000_000;
    let t = Instant::now();
    let runs = spotsim::montecarlo::run_scenario(&s);
    let t1 = t.elapsed();
    let e = spotsim::montecarlo::Estimate::of(&runs);
    let t2 = t.elapsed();
    eprintln!(
        "runs {:?} stats {:?} {}",
        t1,
        t2 - t1,
        e.on_demand.metrics.wall_s.mean
    );
}
