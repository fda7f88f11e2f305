//! Studies: questions answered by running a scenario many times under variations, all with
//! common random numbers (run `i` of every variant shares its random streams): a grid of
//! settings ([`sweep`]), several scenarios side by side ([`compare`]), "what should I set?"
//! ([`recommend`]), "spot alone, spot with a fallback, or on-demand for this deadline?"
//! ([`deadline`]), and the closed-form checkpoint advice shown beside them ([`advice`]).

pub mod advice;
pub mod compare;
pub mod deadline;
pub mod recommend;
pub mod regions;
pub mod sweep;
