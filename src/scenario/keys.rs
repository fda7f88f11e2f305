//! The scenario format's keys, declared once: every table, every key with its kind, bounds,
//! default and a one-sentence description, the SDK v1 names accepted for three of them, and the
//! forms a random duration takes.
//!
//! The parser takes from here the keys each table accepts (so "did you mean" suggests from the
//! same list), the aliases, the rule of every random duration and the defaults of its boolean
//! keys; `spotsim schema` builds its JSON Schema from here (`super::schema`). Tests check that
//! the parser keeps every bound and default declared here, and that `docs/scenario-format.md`
//! documents exactly these keys, so the parser, the schema and the doc cannot drift apart.

use super::{DEFAULT_RUNS, DEFAULT_SEED, MAX_RUN_LIMIT_S, MAX_RUNS};

/// The longest duration a scenario may give (10 years): far beyond the 30-day life of any job,
/// and small enough that every sum and product of durations stays finite.
pub const MAX_DURATION_S: f64 = 3650.0 * 86_400.0;

/// The highest on-demand price accepted, USD per instance-hour: far above any instance type.
pub const MAX_HOURLY_USD: f64 = crate::inputs::price::MAX_PRICE_USD_PER_HOUR;

/// The largest lognormal sigma accepted: e^10 is four orders of magnitude per standard deviation.
pub const MAX_SIGMA: f64 = 10.0;

/// The largest hour-of-day multiplier of `[spot.profile]`.
pub const MAX_HOURLY_MULTIPLIER: f64 = 1e6;

/// The Spot Instance Advisor buckets `time_to_interruption = { advisor }` accepts (the names of
/// `advisor::BUCKETS`, which a test keeps equal).
pub const ADVISOR_BUCKETS: &[&str] = &["<5%", "5-10%", "10-15%", "15-20%", ">20%"];

/// One end of a number's range.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// No bound on this side.
    None,
    /// The value itself is allowed.
    Inclusive(f64),
    /// Values up to, not including, this one.
    Exclusive(f64),
}

/// Whether a duration may be zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    /// Zero or more.
    NonNegative,
    /// More than zero.
    Positive,
}

impl Sign {
    /// True when `seconds` has this sign.
    pub fn admits(self, seconds: f64) -> bool {
        match self {
            Sign::NonNegative => seconds >= 0.0,
            Sign::Positive => seconds > 0.0,
        }
    }

    /// The rule, for messages.
    pub fn rule(self) -> &'static str {
        match self {
            Sign::NonNegative => "must not be negative",
            Sign::Positive => "must be greater than zero",
        }
    }

    /// The lower bound of a duration of this sign, seconds.
    pub fn min_s(self) -> Limit {
        match self {
            Sign::NonNegative => Limit::Inclusive(0.0),
            Sign::Positive => Limit::Exclusive(0.0),
        }
    }
}

/// What a random-duration key accepts besides a fixed duration and a distribution table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Random {
    /// Whether a fixed value (and a constant's `value`, a uniform's `max`) may be zero.
    pub sign: Sign,
    /// Whether `"never"` is accepted.
    pub never: bool,
    /// Whether a Spot Instance Advisor bucket `{ advisor, bound }` is accepted.
    pub advisor: bool,
}

impl Random {
    /// A non-negative random duration, without `"never"`: most random keys.
    pub const NON_NEGATIVE: Random = Random {
        sign: Sign::NonNegative,
        never: false,
        advisor: false,
    };
}

/// What a key holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A fixed duration: seconds as a number, or a string with units such as `"1h30m"`. Every
    /// duration is also at most [`MAX_DURATION_S`].
    Duration {
        /// Lower bound, seconds.
        min_s: Limit,
        /// Upper bound, seconds.
        max_s: Limit,
        /// Whether it must come to whole seconds (the API's `...InSeconds`).
        whole_seconds: bool,
    },
    /// A distribution's duration parameter whose lower bound is the sign of the random key
    /// that holds the distribution (a constant's `value`, a uniform's `max`).
    KeySignDuration,
    /// A random duration: a fixed duration or a distribution table (see [`DIST_FORMS`]).
    Random(Random),
    /// A TOML number (integer or float), finite.
    Number {
        /// Lower bound.
        min: Limit,
        /// Upper bound.
        max: Limit,
    },
    /// A TOML integer in `min..=max`.
    Integer {
        /// Smallest value.
        min: i64,
        /// Largest value.
        max: i64,
    },
    /// `true` or `false`.
    Bool,
    /// Any string.
    String,
    /// One of these strings.
    Enum(&'static [&'static str]),
    /// A list of exactly `len` items of one kind.
    List {
        /// Number of items.
        len: usize,
        /// What each item holds.
        item: &'static Kind,
    },
    /// Any one of these kinds.
    OneOf(&'static [Kind]),
    /// A table with its own keys.
    Table(&'static Table),
}

/// A default value, as the scenario would write it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DefaultValue {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Integer(i64),
    /// A string (a duration with units, or one of an enum's strings).
    Str(&'static str),
}

/// Whether a key must be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// Always, whenever its table is there.
    Required,
    /// Never: it has a default or is informational.
    Optional,
    /// In some cases only, which its description says (e.g. `max_wait` with spot).
    Conditional,
}

/// One key of a table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Key {
    /// The key as written in the file.
    pub name: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Whether it must be given.
    pub presence: Presence,
    /// Its value when absent, if it has one.
    pub default: Option<DefaultValue>,
    /// One sentence on what it means, with its unit.
    pub description: &'static str,
}

/// Another name accepted for a key, with a warning: the SageMaker Python SDK v1 names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Alias {
    /// The name accepted, e.g. `train_max_run`.
    pub name: &'static str,
    /// The key it stands for in the same table, e.g. `max_run`.
    pub key: &'static str,
    /// What SDK v2 calls the parameter, e.g. `max_run`.
    pub sdk_v2: &'static str,
}

/// A table of the scenario file and its keys.
#[derive(Debug, PartialEq)]
pub struct Table {
    /// Its dotted path (`""` for the whole file).
    pub path: &'static str,
    /// One sentence on what it describes.
    pub description: &'static str,
    /// Its keys, in the order the docs give them.
    pub keys: &'static [Key],
    /// Other names accepted for some of its keys.
    pub aliases: &'static [Alias],
}

impl Table {
    /// The key named `name` (not an alias), if the table has it.
    pub fn key(&self, name: &str) -> Option<&'static Key> {
        self.keys.iter().find(|k| k.name == name)
    }

    /// The alias named `name`, if the table accepts it.
    pub fn alias(&self, name: &str) -> Option<&'static Alias> {
        self.aliases.iter().find(|a| a.name == name)
    }

    /// The key names the table accepts (not its aliases), in order.
    pub fn key_names(&self) -> Vec<&'static str> {
        self.keys.iter().map(|k| k.name).collect()
    }

    /// Every name the table accepts: its keys, then its aliases.
    pub fn accepted_names(&self) -> Vec<&'static str> {
        let mut names = self.key_names();
        names.extend(self.aliases.iter().map(|a| a.name));
        names
    }

    /// `path.name`, or `name` for the whole file.
    pub fn key_path(&self, name: &str) -> String {
        if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        }
    }
}

/// One form of a distribution table, `{ dist = "...", params }`.
#[derive(Debug, PartialEq)]
pub struct DistForm {
    /// The value of `dist`.
    pub dist: &'static str,
    /// Its parameters, every one required.
    pub params: &'static [Key],
    /// One sentence on the distribution.
    pub description: &'static str,
}

impl DistForm {
    /// The parameter names, in order.
    pub fn param_names(&self) -> Vec<&'static str> {
        self.params.iter().map(|p| p.name).collect()
    }
}

const fn key(
    name: &'static str,
    kind: Kind,
    presence: Presence,
    default: Option<DefaultValue>,
    description: &'static str,
) -> Key {
    Key {
        name,
        kind,
        presence,
        default,
        description,
    }
}

/// A non-negative duration up to the global limit.
const DURATION: Kind = Kind::Duration {
    min_s: Limit::Inclusive(0.0),
    max_s: Limit::None,
    whole_seconds: false,
};

/// A positive duration up to the global limit.
const POSITIVE_DURATION: Kind = Kind::Duration {
    min_s: Limit::Exclusive(0.0),
    max_s: Limit::None,
    whole_seconds: false,
};

/// A required key without a default.
const fn required(name: &'static str, kind: Kind, description: &'static str) -> Key {
    key(name, kind, Presence::Required, None, description)
}

/// Every form a distribution table takes, in the order messages list them. Two forms share `dist =
/// "lognormal"`: the parser tells them apart by their parameters.
pub static DIST_FORMS: &[DistForm] = &[
    DistForm {
        dist: "constant",
        params: &[required(
            "value",
            Kind::KeySignDuration,
            "The value, every draw.",
        )],
        description: "Always the same value.",
    },
    DistForm {
        dist: "exponential",
        params: &[required("mean", POSITIVE_DURATION, "The mean, > 0.")],
        description: "Exponential (memoryless) with this mean.",
    },
    DistForm {
        dist: "lognormal",
        params: &[
            required("median", POSITIVE_DURATION, "The median, e^mu, > 0."),
            required(
                "sigma",
                Kind::Number {
                    min: Limit::Inclusive(0.0),
                    max: Limit::Inclusive(MAX_SIGMA),
                },
                "The standard deviation of ln X, a plain number from 0 to 10.",
            ),
        ],
        description: "Lognormal: ln X ~ Normal(ln median, sigma²).",
    },
    DistForm {
        dist: "lognormal",
        params: &[
            required("mean", POSITIVE_DURATION, "The mean, > 0."),
            required("std", DURATION, "The standard deviation, >= 0."),
        ],
        description: "Lognormal with this mean and standard deviation.",
    },
    DistForm {
        dist: "weibull",
        params: &[
            required(
                "shape",
                Kind::Number {
                    min: Limit::Exclusive(0.0),
                    max: Limit::None,
                },
                "The shape k, a plain number > 0: below 1 a falling hazard, above 1 wear-out.",
            ),
            required("scale", POSITIVE_DURATION, "The scale lambda, > 0."),
        ],
        description: "Weibull: P(X > x) = exp(-(x/lambda)^k).",
    },
    DistForm {
        dist: "gamma",
        params: &[
            required(
                "shape",
                Kind::Number {
                    min: Limit::Exclusive(0.0),
                    max: Limit::None,
                },
                "The shape k, a plain number > 0.",
            ),
            required("scale", POSITIVE_DURATION, "The scale theta, > 0."),
        ],
        description: "Gamma with shape k and scale theta: mean k·theta.",
    },
    DistForm {
        dist: "uniform",
        params: &[
            required("min", DURATION, "The smallest value, >= 0."),
            required("max", Kind::KeySignDuration, "The largest value, >= min."),
        ],
        description: "Uniform between min and max.",
    },
    DistForm {
        dist: "empirical",
        params: &[
            required(
                "file",
                Kind::String,
                "A CSV file with a header row, relative to the scenario file's folder.",
            ),
            required(
                "column",
                Kind::OneOf(&[
                    Kind::String,
                    Kind::Integer {
                        min: 1,
                        max: 10_000,
                    },
                ]),
                "The column: its header name in quotes, or its number from 1.",
            ),
        ],
        description: "One of the observed values, each with probability 1/N (the bootstrap).",
    },
];

/// The distribution names, each once, in the order messages list them.
pub fn dist_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for form in DIST_FORMS {
        if !names.contains(&form.dist) {
            names.push(form.dist);
        }
    }
    names
}

/// `spot.time_to_interruption = { advisor, bound }`: a Spot Instance Advisor bucket.
pub static ADVISOR: Table = Table {
    path: "spot.time_to_interruption",
    description: "A Spot Instance Advisor \"frequency of interruption\" bucket, read as \
                  exponential interruptions.",
    keys: &[
        required(
            "advisor",
            Kind::OneOf(&[Kind::Enum(ADVISOR_BUCKETS), Kind::Enum(&["feed"])]),
            "The bucket, read as the share of instances reclaimed within 30 days; \"feed\" \
             takes the bucket of job.instance_type in job.region from the Spot Advisor feed.",
        ),
        key(
            "bound",
            Kind::Enum(&["lower", "mid", "upper"]),
            Presence::Optional,
            Some(DefaultValue::Str("upper")),
            "Which end of the bucket to use; the upper end, the default, is the conservative one.",
        ),
    ],
    aliases: &[],
};

/// `[job]`.
pub static JOB: Table = Table {
    path: "job",
    description: "The training job: what it computes and how long each phase takes.",
    keys: &[
        key(
            "name",
            Kind::String,
            Presence::Optional,
            None,
            "A name for the reports; the file name without its extension if absent.",
        ),
        key(
            "instance_type",
            Kind::String,
            Presence::Optional,
            None,
            "ResourceConfig.InstanceType, e.g. \"ml.p3.2xlarge\": informational, and the EC2 \
             type a spot price history is filtered by.",
        ),
        key(
            "region",
            Kind::String,
            Presence::Conditional,
            None,
            "The AWS region, e.g. \"eu-west-1\": informational, and where advisor = \"feed\" \
             and discount = \"feed\" look the type up; required by them.",
        ),
        key(
            "instance_count",
            Kind::Integer {
                min: 1,
                max: u32::MAX as i64,
            },
            Presence::Optional,
            Some(DefaultValue::Integer(1)),
            "ResourceConfig.InstanceCount: a reclaim of any instance interrupts the whole job.",
        ),
        required(
            "training",
            Kind::Random(Random {
                sign: Sign::Positive,
                never: false,
                advisor: false,
            }),
            "The training compute the job needs with no interruption (drawn once per run).",
        ),
        key(
            "provisioning",
            Kind::Random(Random::NON_NEGATIVE),
            Presence::Optional,
            Some(DefaultValue::Integer(0)),
            "Starting after capacity is granted, before every (re)start; not billed.",
        ),
        key(
            "download",
            Kind::Random(Random::NON_NEGATIVE),
            Presence::Optional,
            Some(DefaultValue::Integer(0)),
            "Downloading at every (re)start; billed.",
        ),
        key(
            "upload",
            Kind::Random(Random::NON_NEGATIVE),
            Presence::Optional,
            Some(DefaultValue::Integer(0)),
            "Uploading at the end and after a timeout stop; billed.",
        ),
        key(
            "start_hour",
            Kind::OneOf(&[
                Kind::Number {
                    min: Limit::Inclusive(0.0),
                    max: Limit::Exclusive(24.0),
                },
                Kind::Enum(&["random"]),
            ]),
            Presence::Optional,
            Some(DefaultValue::Str("random")),
            "The hour of the day the job is created (0 to below 24), or \"random\"; used only \
             with [spot.profile].",
        ),
    ],
    aliases: &[],
};

/// `[stopping]`.
pub static STOPPING: Table = Table {
    path: "stopping",
    description: "The StoppingCondition: MaxRuntimeInSeconds and MaxWaitTimeInSeconds.",
    keys: &[
        key(
            "max_run",
            Kind::Duration {
                min_s: Limit::Inclusive(1.0),
                max_s: Limit::Inclusive(MAX_RUN_LIMIT_S),
                whole_seconds: true,
            },
            Presence::Optional,
            Some(DefaultValue::Str("1d")),
            "MaxRuntimeInSeconds (SDK max_run): running time allowed, whole seconds from 1s \
             to 28d.",
        ),
        key(
            "max_wait",
            Kind::Duration {
                // At least max_run, so at least 1 s.
                min_s: Limit::Inclusive(1.0),
                max_s: Limit::None,
                whole_seconds: true,
            },
            Presence::Conditional,
            None,
            "MaxWaitTimeInSeconds (SDK max_wait): the wall-clock budget from job creation, \
             waits included; required with spot, forbidden without, at least max_run.",
        ),
        key(
            "max_run_counts",
            Kind::Enum(&["all_attempts", "each_attempt"]),
            Presence::Optional,
            Some(DefaultValue::Str("all_attempts")),
            "How MaxRuntime adds up running time across restarts (uncertain in the service).",
        ),
        key(
            "max_run_includes_download",
            Kind::Bool,
            Presence::Optional,
            Some(DefaultValue::Bool(true)),
            "Whether Downloading and checkpoint restore count toward MaxRuntime (uncertain in \
             the service).",
        ),
    ],
    aliases: &[
        Alias {
            name: "train_max_run",
            key: "max_run",
            sdk_v2: "max_run",
        },
        Alias {
            name: "train_max_wait",
            key: "max_wait",
            sdk_v2: "max_wait",
        },
    ],
};

/// `[spot.market]`.
pub static MARKET: Table = Table {
    path: "spot.market",
    description: "A model of spot capacity that replaces capacity_wait and \
                  time_to_interruption.",
    keys: &[
        required(
            "model",
            Kind::Enum(&["markov", "trace"]),
            "The market model: \"markov\" (alternating periods) or \"trace\" (a recorded \
             availability series).",
        ),
        key(
            "mean_available",
            POSITIVE_DURATION,
            Presence::Conditional,
            None,
            "For model = \"markov\": the mean length of a period with capacity.",
        ),
        key(
            "mean_unavailable",
            POSITIVE_DURATION,
            Presence::Conditional,
            None,
            "For model = \"markov\": the mean length of a period without capacity.",
        ),
        key(
            "file",
            Kind::String,
            Presence::Conditional,
            None,
            "For model = \"trace\": the trace file, relative to the scenario file's folder.",
        ),
        key(
            "format",
            Kind::Enum(&["spot-traces", "skynomad", "events"]),
            Presence::Conditional,
            None,
            "For model = \"trace\": the trace's format.",
        ),
        key(
            "start",
            Kind::OneOf(&[DURATION, Kind::Enum(&["random", "window"])]),
            Presence::Optional,
            Some(DefaultValue::Str("random")),
            "For model = \"trace\": where in the trace each run starts: a uniform moment \
             (\"random\"), a fixed offset, or window by window (\"window\").",
        ),
        key(
            "windows",
            Kind::Integer {
                min: 1,
                max: 1_000_000,
            },
            Presence::Conditional,
            None,
            "With start = \"window\": into how many equal windows the trace is cut; run i \
             starts at window i mod windows.",
        ),
    ],
    aliases: &[],
};

/// `[spot.profile]`.
pub static PROFILE: Table = Table {
    path: "spot.profile",
    description: "Hour-of-day multipliers on the interruption hazard.",
    keys: &[
        required(
            "hourly",
            Kind::List {
                len: 24,
                item: &Kind::Number {
                    min: Limit::Inclusive(0.0),
                    max: Limit::Inclusive(MAX_HOURLY_MULTIPLIER),
                },
            },
            "24 multipliers of the interruption hazard, one per hour from 00:00, not all 0.",
        ),
        key(
            "scale_capacity_wait",
            Kind::Bool,
            Presence::Optional,
            Some(DefaultValue::Bool(false)),
            "Whether capacity waits stretch by the same multipliers.",
        ),
    ],
    aliases: &[],
};

/// `spot.price = { file, format, ... }`.
pub static PRICE: Table = Table {
    path: "spot.price",
    description: "A spot price history that billing follows instead of a constant discount.",
    keys: &[
        required(
            "file",
            Kind::String,
            "The price file, relative to the scenario file's folder.",
        ),
        required(
            "format",
            Kind::Enum(&["aws-cli", "tsv", "series"]),
            "The file's format: describe-spot-price-history JSON, a TSV archive, or a JSON \
             object of per-tick price lists.",
        ),
        key(
            "instance_type",
            Kind::String,
            Presence::Optional,
            None,
            "Keep this EC2 type (default: job.instance_type without its ml. prefix).",
        ),
        key(
            "zone",
            Kind::String,
            Presence::Conditional,
            None,
            "Keep this availability zone, as the file writes it; required when the file holds \
             several.",
        ),
        key(
            "product",
            Kind::String,
            Presence::Conditional,
            None,
            "Keep this product description; required when the file holds several.",
        ),
        key(
            "series",
            Kind::String,
            Presence::Conditional,
            None,
            "For format = \"series\": the name of the price list.",
        ),
        key(
            "tick",
            POSITIVE_DURATION,
            Presence::Conditional,
            None,
            "For format = \"series\": the time between prices.",
        ),
    ],
    aliases: &[],
};

/// `[spot]`.
pub static SPOT: Table = Table {
    path: "spot",
    description: "Managed spot training and the market it meets.",
    keys: &[
        key(
            "enabled",
            Kind::Bool,
            Presence::Conditional,
            Some(DefaultValue::Bool(false)),
            "EnableManagedSpotTraining (SDK use_spot_instances); required when [spot] has any \
             other key.",
        ),
        key(
            "capacity_wait",
            Kind::Random(Random {
                sign: Sign::NonNegative,
                never: true,
                advisor: false,
            }),
            Presence::Conditional,
            None,
            "The wait for the whole cluster's spot capacity before every (re)start; not billed. \
             Required with spot unless [spot.market] is given.",
        ),
        key(
            "time_to_interruption",
            Kind::Random(Random {
                sign: Sign::Positive,
                never: true,
                advisor: true,
            }),
            Presence::Conditional,
            None,
            "Per instance, from capacity grant to reclaim. Required with spot unless \
             [spot.market] is given.",
        ),
        key(
            "discount",
            Kind::OneOf(&[
                Kind::Number {
                    min: Limit::Inclusive(0.0),
                    max: Limit::Exclusive(1.0),
                },
                Kind::Enum(&["feed"]),
            ]),
            Presence::Conditional,
            None,
            "The spot discount as a fraction: spot price = (1 - discount) x on-demand; \
             \"feed\" takes the Spot Advisor feed's savings for job.instance_type in \
             job.region, s / 100. Required with spot unless price is given or the trace has \
             prices.",
        ),
        key(
            "advisor_file",
            Kind::String,
            Presence::Optional,
            None,
            "A Spot Advisor feed file (spot-advisor-data.json) read by \"feed\" instead of \
             the snapshot shipped in the binary, relative to the scenario file's folder.",
        ),
        key(
            "price",
            Kind::Table(&PRICE),
            Presence::Optional,
            None,
            "A spot price history that billing follows; not with discount.",
        ),
        key(
            "bill_interrupted_attempt",
            Kind::Bool,
            Presence::Optional,
            Some(DefaultValue::Bool(true)),
            "Whether the part of an attempt cut short by an interruption is billed (uncertain \
             in the service).",
        ),
        key(
            "market",
            Kind::Table(&MARKET),
            Presence::Optional,
            None,
            "A market model (Markov or a trace) instead of capacity_wait and \
             time_to_interruption.",
        ),
        key(
            "profile",
            Kind::Table(&PROFILE),
            Presence::Optional,
            None,
            "Hour-of-day multipliers on the interruption hazard.",
        ),
        key(
            "reclaim",
            Kind::Enum(&["per_instance", "cluster"]),
            Presence::Optional,
            Some(DefaultValue::Str("per_instance")),
            "Whether time_to_interruption is drawn per instance (the first reclaim interrupts \
             the job) or once for the whole cluster (one hazard, as a market reclaims a pool); \
             not with [spot.market].",
        ),
    ],
    aliases: &[Alias {
        name: "train_use_spot_instances",
        key: "enabled",
        sdk_v2: "use_spot_instances",
    }],
};

/// `[checkpoint]`.
pub static CHECKPOINT: Table = Table {
    path: "checkpoint",
    description: "The training script's checkpoints; without this table the job does not \
                  checkpoint.",
    keys: &[
        required(
            "interval",
            POSITIVE_DURATION,
            "Training progress between checkpoints (fixed, > 0).",
        ),
        key(
            "save",
            Kind::Random(Random::NON_NEGATIVE),
            Presence::Optional,
            Some(DefaultValue::Integer(0)),
            "Training pauses while a checkpoint is written.",
        ),
        key(
            "restore",
            Kind::Random(Random::NON_NEGATIVE),
            Presence::Optional,
            Some(DefaultValue::Integer(0)),
            "After Downloading, on a restart that has a checkpoint.",
        ),
        key(
            "sync",
            DURATION,
            Presence::Optional,
            Some(DefaultValue::Integer(0)),
            "From the end of a save until the checkpoint is durable in S3, at most interval \
             (uncertain in the service).",
        ),
        key(
            "on_notice",
            Kind::Bool,
            Presence::Optional,
            Some(DefaultValue::Bool(false)),
            "Whether the job saves a checkpoint on EC2's two-minute interruption notice \
             (uncertain in the service).",
        ),
    ],
    aliases: &[],
};

/// `[fallback]`.
pub static FALLBACK: Table = Table {
    path: "fallback",
    description: "An on-demand fallback scripted outside SageMaker: a scheduler stops the spot \
                  job and creates an on-demand job with the same checkpoint URI, which restores \
                  the last durable checkpoint and finishes; spot only.",
    keys: &[
        required(
            "when",
            Kind::Enum(&["deadline", "max_wait", "interruptions", "waiting"]),
            "When the scheduler gives up on spot: at the last moment an on-demand job can still \
             meet `deadline`, when the spot job ends with MaxWaitTimeExceeded, after \
             `interruptions` interruptions, or when one wait for capacity passes `waiting`.",
        ),
        key(
            "deadline",
            POSITIVE_DURATION,
            Presence::Conditional,
            None,
            "With when = \"deadline\" (and only then): wall-clock budget from the spot job's \
             creation.",
        ),
        key(
            "margin",
            DURATION,
            Presence::Optional,
            Some(DefaultValue::Integer(0)),
            "With when = \"deadline\": extra safety before the last possible moment.",
        ),
        key(
            "interruptions",
            Kind::Integer {
                min: 1,
                max: u32::MAX as i64,
            },
            Presence::Conditional,
            None,
            "With when = \"interruptions\" (and only then): the interruption after which the \
             job goes on-demand.",
        ),
        key(
            "waiting",
            POSITIVE_DURATION,
            Presence::Conditional,
            None,
            "With when = \"waiting\" (and only then): the longest single wait for capacity \
             tolerated.",
        ),
        key(
            "reaction",
            DURATION,
            Presence::Optional,
            Some(DefaultValue::Integer(0)),
            "From the spot job's final status (Stopped) to the on-demand job's creation: the \
             scheduler's reaction.",
        ),
    ],
    aliases: &[],
};

/// `[pricing]`.
pub static PRICING: Table = Table {
    path: "pricing",
    description: "Prices.",
    keys: &[required(
        "on_demand_hourly",
        Kind::Number {
            min: Limit::Exclusive(0.0),
            max: Limit::Inclusive(MAX_HOURLY_USD),
        },
        "The on-demand price, USD per instance-hour.",
    )],
    aliases: &[],
};

/// `[simulation]`.
pub static SIMULATION: Table = Table {
    path: "simulation",
    description: "Monte Carlo settings.",
    keys: &[
        key(
            "runs",
            Kind::Integer {
                min: 1,
                max: MAX_RUNS as i64,
            },
            Presence::Optional,
            Some(DefaultValue::Integer(DEFAULT_RUNS as i64)),
            "Number of Monte Carlo runs (streamed: exact percentiles up to 131,072 runs, within a relative 1/8193 beyond).",
        ),
        key(
            "seed",
            Kind::Integer {
                min: 0,
                max: i64::MAX,
            },
            Presence::Optional,
            Some(DefaultValue::Integer(DEFAULT_SEED as i64)),
            "Seed of every random stream: one file gives the same results every time.",
        ),
    ],
    aliases: &[],
};

/// The whole file.
pub static SCENARIO: Table = Table {
    path: "",
    description: "A spotsim scenario: one SageMaker training job, its StoppingCondition, \
                  managed spot settings and market, checkpoints, price and Monte Carlo \
                  settings.",
    keys: &[
        key(
            "job",
            Kind::Table(&JOB),
            Presence::Required,
            None,
            "The training job.",
        ),
        key(
            "stopping",
            Kind::Table(&STOPPING),
            Presence::Optional,
            None,
            "The StoppingCondition.",
        ),
        key(
            "spot",
            Kind::Table(&SPOT),
            Presence::Optional,
            None,
            "Managed spot training; absent or empty means on-demand.",
        ),
        key(
            "checkpoint",
            Kind::Table(&CHECKPOINT),
            Presence::Optional,
            None,
            "Checkpoints; absent means none.",
        ),
        key(
            "fallback",
            Kind::Table(&FALLBACK),
            Presence::Optional,
            None,
            "An on-demand fallback after spot; absent means spot alone.",
        ),
        key(
            "pricing",
            Kind::Table(&PRICING),
            Presence::Required,
            None,
            "Prices.",
        ),
        key(
            "simulation",
            Kind::Table(&SIMULATION),
            Presence::Optional,
            None,
            "Monte Carlo settings.",
        ),
    ],
    aliases: &[],
};

/// Every table of the format, the whole file first, each before the tables inside it, the
/// advisor form last.
pub fn tables() -> Vec<&'static Table> {
    fn walk(table: &'static Table, out: &mut Vec<&'static Table>) {
        out.push(table);
        for key in table.keys {
            if let Kind::Table(inner) = key.kind {
                walk(inner, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(&SCENARIO, &mut out);
    out.push(&ADVISOR);
    out
}

/// Every key's full dotted path (`stopping.max_run`, `spot.market.model`, and the aliases, e.g.
/// `stopping.train_max_run`), in declaration order. Distribution parameters are not listed: a
/// distribution table belongs to whichever random key holds it (see [`DIST_FORMS`]).
pub fn key_paths() -> Vec<String> {
    tables()
        .into_iter()
        .flat_map(|table| {
            table
                .accepted_names()
                .into_iter()
                .map(move |name| table.key_path(name))
        })
        .collect()
}

/// The aliases of the key at dotted `path` (e.g. `["train_max_run"]` for `stopping.max_run`).
pub fn aliases_of(path: &str) -> Vec<&'static str> {
    let (table_path, name) = path.rsplit_once('.').unwrap_or(("", path));
    tables()
        .into_iter()
        .filter(|t| t.path == table_path)
        .flat_map(|t| t.aliases.iter().filter(|a| a.key == name).map(|a| a.name))
        .collect()
}

#[cfg(test)]
mod tests {
    //! The parser against the registry: every key, bound, default, enum value, random rule and
    //! misspelling, table by table; then `docs/scenario-format.md` against the registry.

    use super::*;
    use crate::scenario::{Scenario, parse_scenario};
    use toml::Value;

    /// A spot job with checkpoints: every rule that depends on spot applies.
    const SPOT_BASE: &str = r#"
[job]
training = "4h"
instance_type = "ml.p3.2xlarge"
region = "us-east-1"
[stopping]
max_run = "1d"
max_wait = "2d"
[spot]
enabled = true
capacity_wait = "5m"
time_to_interruption = { dist = "exponential", mean = "6h" }
discount = 0.7
[checkpoint]
interval = "30m"
[pricing]
on_demand_hourly = 1
"#;

    /// A folder with the data files the bases name, and the scenario file's path in it.
    struct Fixture {
        dir: tempfile::TempDir,
    }

    impl Fixture {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text);
            write("trace.csv", "0,add,a\n3600000,remove,a\n7200000,add,a\n").unwrap();
            write("prices.json", "{\"p\": [1.0, 1.2]}").unwrap();
            write("waits.csv", "wait\n30\n90\n").unwrap();
            Fixture { dir }
        }

        /// A valid scenario in which the key at `path` is read: spot on, with the market, price
        /// or profile table its table needs.
        fn base(path: &str) -> toml::Table {
            let mut doc: toml::Table = SPOT_BASE.parse().unwrap();
            let table_path = path.rsplit_once('.').map_or("", |(table, _)| table);
            if path == "spot.enabled" {
                // The default, `false`, is what a file without [spot] means.
                doc.remove("spot");
                set(&mut doc, "stopping.max_wait", None);
                return doc;
            }
            if path == "stopping.max_wait" {
                // Its bounds alone, with max_run (which it must reach) out of the way.
                set(&mut doc, "stopping.max_run", Some(Value::Integer(1)));
            }
            let spot = doc["spot"].as_table_mut().unwrap();
            match table_path {
                "spot.market" => {
                    spot.remove("capacity_wait");
                    spot.remove("time_to_interruption");
                    let markov = [
                        "spot.market.model",
                        "spot.market.mean_available",
                        "spot.market.mean_unavailable",
                    ]
                    .contains(&path);
                    let market = if markov {
                        "{ model = \"markov\", mean_available = \"6h\", mean_unavailable = \"45m\" }"
                    } else if path == "spot.market.windows" {
                        "{ model = \"trace\", file = \"trace.csv\", format = \"events\", start = \"window\", windows = 4 }"
                    } else {
                        "{ model = \"trace\", file = \"trace.csv\", format = \"events\" }"
                    };
                    spot.insert("market".into(), inline(market));
                }
                "spot.price" => {
                    spot.remove("discount");
                    spot.insert(
                        "price".into(),
                        inline("{ file = \"prices.json\", format = \"series\", series = \"p\", tick = \"195s\" }"),
                    );
                }
                "spot.profile" => {
                    spot.insert("profile".into(), inline("{ hourly = [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0] }"));
                }
                "spot.time_to_interruption" => {
                    spot.insert(
                        "time_to_interruption".into(),
                        inline("{ advisor = \"10-15%\" }"),
                    );
                }
                _ => {}
            }
            if table_path == "fallback" {
                // Each key with the rule it goes with; a deadline's bounds alone, with the
                // on-demand job (which it must outlast) out of the way.
                let when = match path {
                    "fallback.deadline" | "fallback.margin" => "deadline",
                    "fallback.interruptions" => "interruptions",
                    "fallback.waiting" => "waiting",
                    _ => "max_wait",
                };
                let table = match when {
                    "deadline" => "{ when = \"deadline\", deadline = \"52h\" }",
                    "interruptions" => "{ when = \"interruptions\", interruptions = 3 }",
                    "waiting" => "{ when = \"waiting\", waiting = \"2h\" }",
                    _ => "{ when = \"max_wait\" }",
                };
                doc.insert("fallback".into(), inline(table));
                if path == "fallback.deadline" {
                    set(&mut doc, "job.training", Some(Value::Float(0.001)));
                }
            }
            doc
        }

        fn parse(&self, doc: &toml::Table) -> Result<Scenario, Vec<String>> {
            let text = toml::to_string(doc).unwrap();
            let file = self.dir.path().join("s.toml");
            parse_scenario(&text, file.to_str().unwrap())
                .map_err(|errors| errors.0.into_iter().map(|e| e.message).collect())
        }

        /// The problems the parser reports about the key at `path` itself (its value, or an
        /// item of it) once it is set to `value`.
        fn problems(&self, path: &str, value: Value) -> Vec<String> {
            let mut doc = Self::base(path);
            set(&mut doc, path, Some(value));
            match self.parse(&doc) {
                Ok(_) => Vec::new(),
                Err(errors) => errors
                    .into_iter()
                    .filter(|e| {
                        e.starts_with(&format!("{path} (")) || e.starts_with(&format!("{path}["))
                    })
                    .collect(),
            }
        }

        fn accepts(&self, path: &str, value: Value) {
            let problems = self.problems(path, value.clone());
            assert!(problems.is_empty(), "{path} = {value}: {problems:#?}");
        }

        fn refuses(&self, path: &str, value: Value) {
            let problems = self.problems(path, value.clone());
            assert!(!problems.is_empty(), "{path} = {value} was accepted");
        }
    }

    fn inline(text: &str) -> Value {
        let doc: toml::Table = format!("v = {text}").parse().unwrap();
        doc["v"].clone()
    }

    /// Sets (or with `None` removes) the value at a dotted path, creating tables on the way.
    fn set(doc: &mut toml::Table, path: &str, value: Option<Value>) {
        let parts: Vec<&str> = path.split('.').collect();
        let (last, tables) = parts.split_last().unwrap();
        let mut table = doc;
        for name in tables {
            table = table
                .entry(name.to_string())
                .or_insert_with(|| Value::Table(toml::Table::new()))
                .as_table_mut()
                .unwrap();
        }
        match value {
            Some(value) => table.insert(last.to_string(), value),
            None => table.remove(*last),
        };
    }

    fn default_value(default: DefaultValue) -> Value {
        match default {
            DefaultValue::Bool(b) => Value::Boolean(b),
            DefaultValue::Integer(i) => Value::Integer(i),
            DefaultValue::Str(s) => Value::String(s.into()),
        }
    }

    /// A value of `kind` that reads, for keys whose value does not matter.
    fn sample(kind: &Kind) -> Value {
        match kind {
            Kind::Duration { .. } | Kind::KeySignDuration | Kind::Random(_) => {
                Value::String("1h".into())
            }
            Kind::Number { .. } => Value::Float(0.5),
            Kind::Integer { min, .. } => Value::Integer(*min),
            Kind::Bool => Value::Boolean(true),
            Kind::String => Value::String("x".into()),
            Kind::Enum(values) => Value::String(values[0].into()),
            Kind::List { len, item } => Value::Array(vec![sample(item); *len]),
            Kind::OneOf(kinds) => sample(&kinds[0]),
            Kind::Table(_) => Value::Table(toml::Table::new()),
        }
    }

    /// Every key with its full path.
    fn every_key() -> Vec<(String, &'static Key)> {
        tables()
            .into_iter()
            .flat_map(|t| t.keys.iter().map(move |k| (t.key_path(k.name), k)))
            .collect()
    }

    fn number(x: f64) -> Value {
        if x.fract() == 0.0 && x.abs() < 9e15 {
            Value::Integer(x as i64)
        } else {
            Value::Float(x)
        }
    }

    #[test]
    fn every_default_is_the_parsers() {
        let fixture = Fixture::new();
        let mut checked = 0;
        for (path, key) in every_key() {
            let Some(default) = key.default else {
                continue;
            };
            let mut implicit = Fixture::base(&path);
            set(&mut implicit, &path, None);
            let mut explicit = implicit.clone();
            set(&mut explicit, &path, Some(default_value(default)));
            let (implicit, explicit) = (fixture.parse(&implicit), fixture.parse(&explicit));
            assert!(implicit.is_ok(), "{path}: {implicit:?}");
            assert_eq!(implicit, explicit, "{path}: the default is not {default:?}");
            checked += 1;
        }
        assert!(checked >= 19, "{checked}");
    }

    /// Bounds of numbers, integers, durations and enums: values inside are read, values just
    /// outside refused, so the schema (which has the same bounds) neither refuses a file the
    /// parser reads nor lets through a single value it refuses.
    fn check_kind(fixture: &Fixture, path: &str, kind: &Kind) {
        match *kind {
            Kind::Enum(values) => {
                for value in values {
                    fixture.accepts(path, Value::String((*value).into()));
                }
                fixture.refuses(path, Value::String("no-such-value".into()));
            }
            Kind::Integer { min, max } => {
                fixture.accepts(path, Value::Integer(min));
                fixture.accepts(path, Value::Integer(max));
                fixture.refuses(path, Value::Integer(min - 1));
                if let Some(above) = max.checked_add(1) {
                    fixture.refuses(path, Value::Integer(above));
                }
                fixture.refuses(path, Value::Float(min as f64 + 0.5));
            }
            Kind::Number { min, max } => {
                for (limit, outward) in [(min, -1.0), (max, 1.0)] {
                    match limit {
                        Limit::None => {}
                        Limit::Inclusive(x) => {
                            fixture.accepts(path, number(x));
                            fixture.refuses(path, Value::Float(x + outward * 0.01));
                        }
                        Limit::Exclusive(x) => {
                            fixture.refuses(path, number(x));
                            fixture.accepts(path, Value::Float(x - outward * 0.01));
                        }
                    }
                }
                fixture.refuses(path, Value::String("0.5".into()));
            }
            Kind::Duration {
                min_s,
                max_s,
                whole_seconds,
            } => {
                match min_s {
                    Limit::Inclusive(x) => {
                        fixture.accepts(path, number(x));
                        fixture.refuses(path, number(x - 1.0));
                    }
                    Limit::Exclusive(x) => {
                        fixture.refuses(path, number(x));
                        if !whole_seconds {
                            fixture.accepts(path, Value::Float(x + 0.01));
                        }
                    }
                    Limit::None => {}
                }
                let max = match max_s {
                    Limit::Inclusive(x) | Limit::Exclusive(x) => x,
                    Limit::None => MAX_DURATION_S,
                };
                fixture.refuses(path, number(max + 1.0));
                if whole_seconds {
                    fixture.refuses(path, Value::Float(90.5));
                } else {
                    fixture.accepts(path, Value::String("1.5s".into()));
                }
                fixture.refuses(path, Value::String("90".into()));
            }
            Kind::Random(rule) => {
                let zero = fixture.problems(path, Value::String("0s".into()));
                assert_eq!(
                    zero.is_empty(),
                    rule.sign == Sign::NonNegative,
                    "{path}: {zero:?}"
                );
                let never = fixture.problems(path, Value::String("never".into()));
                assert_eq!(never.is_empty(), rule.never, "{path}: {never:?}");
                let advisor = fixture.problems(path, inline("{ advisor = \"5-10%\" }"));
                assert_eq!(advisor.is_empty(), rule.advisor, "{path}: {advisor:?}");
                fixture.accepts(path, inline("{ dist = \"exponential\", mean = \"1h\" }"));
            }
            Kind::Bool => {
                fixture.accepts(path, Value::Boolean(true));
                fixture.accepts(path, Value::Boolean(false));
                fixture.refuses(path, Value::String("yes".into()));
            }
            Kind::String => fixture.refuses(path, Value::Integer(42)),
            Kind::List { len, item } => {
                fixture.refuses(path, Value::Array(vec![sample(item); len - 1]));
                if let Kind::Number {
                    max: Limit::Inclusive(x),
                    ..
                } = item
                {
                    let mut items = vec![sample(item); len];
                    items[0] = number(*x);
                    fixture.accepts(path, Value::Array(items.clone()));
                    items[0] = number(x + 1.0);
                    fixture.refuses(path, Value::Array(items));
                }
            }
            Kind::OneOf(kinds) => {
                for kind in kinds {
                    check_kind(fixture, path, kind);
                }
            }
            Kind::Table(_) => fixture.refuses(path, Value::Integer(1)),
            Kind::KeySignDuration => unreachable!("only distribution parameters"),
        }
    }

    #[test]
    fn the_parser_keeps_every_bound_enum_and_random_rule() {
        let fixture = Fixture::new();
        for (path, key) in every_key() {
            check_kind(&fixture, &path, &key.kind);
        }
    }

    #[test]
    fn every_required_key_is_required() {
        let fixture = Fixture::new();
        for (path, key) in every_key() {
            // Without `advisor`, a table is no longer an Advisor bucket, but a distribution
            // without `dist`: that is the message then.
            if key.presence != Presence::Required || path == "spot.time_to_interruption.advisor" {
                continue;
            }
            let mut doc = Fixture::base(&path);
            set(&mut doc, &path, None);
            let errors = fixture.parse(&doc).unwrap_err();
            assert!(
                errors
                    .iter()
                    .any(|e| e.starts_with(&format!("{path} is required"))),
                "{path}: {errors:#?}"
            );
        }
    }

    /// `word` with one typo: two neighbouring letters swapped, from the middle out.
    fn typo(word: &str) -> String {
        let mut letters: Vec<char> = word.chars().collect();
        let middle = letters.len() / 2;
        let at = (middle.max(1)..letters.len())
            .chain(1..middle)
            .find(|&i| letters[i - 1] != letters[i])
            .expect("a word with two different letters");
        letters.swap(at - 1, at);
        letters.into_iter().collect()
    }

    #[test]
    fn a_misspelt_key_gets_the_closest_in_every_table() {
        let fixture = Fixture::new();
        for table in tables() {
            for name in table.accepted_names() {
                let path = table.key_path(name);
                let kind = table
                    .key(name)
                    .or_else(|| table.alias(name).and_then(|a| table.key(a.key)))
                    .unwrap()
                    .kind;
                let mut doc = Fixture::base(&path);
                set(&mut doc, &path, None);
                if name == "enabled" {
                    set(&mut doc, "spot.discount", Some(Value::Float(0.7)));
                }
                set(&mut doc, &table.key_path(&typo(name)), Some(sample(&kind)));
                let errors = fixture.parse(&doc).unwrap_err();
                let hint = format!("did you mean `{path}`?");
                assert!(
                    errors.iter().any(|e| e.contains(&hint)),
                    "{} for {path}: {errors:#?}",
                    typo(name)
                );
            }
        }
    }

    #[test]
    fn every_distribution_form_is_read_and_its_parameters_checked() {
        let fixture = Fixture::new();
        let sample_param = |param: &Key| match (param.name, param.kind) {
            ("file", _) => Value::String("waits.csv".into()),
            ("column", _) => Value::String("wait".into()),
            ("max", _) => Value::String("2h".into()),
            (_, kind) => sample(&kind),
        };
        for form in DIST_FORMS {
            let mut table = toml::Table::new();
            table.insert("dist".into(), Value::String(form.dist.into()));
            for param in form.params {
                table.insert(param.name.into(), sample_param(param));
            }
            fixture.accepts("job.download", Value::Table(table.clone()));
            for param in form.params {
                let mut without = table.clone();
                without.remove(param.name);
                let problems = fixture.problems("job.download", Value::Table(without.clone()));
                assert!(
                    problems
                        .iter()
                        .any(|e| e.contains(&format!("needs `{}`", param.name))),
                    "{} without {}: {problems:#?}",
                    form.dist,
                    param.name
                );
                // A misspelt parameter is named, with the right one suggested.
                without.insert(typo(param.name), sample_param(param));
                let mut doc = Fixture::base("job.download");
                set(&mut doc, "job.download", Some(Value::Table(without)));
                let errors = fixture.parse(&doc).unwrap_err().join("\n");
                assert!(
                    errors.contains(&format!("did you mean `{}`?", param.name)),
                    "{}.{}: {errors}",
                    form.dist,
                    param.name
                );
            }
            let mut misspelt = table.clone();
            let kind = misspelt.remove("dist").unwrap();
            misspelt.insert("dsit".into(), kind);
            let mut doc = Fixture::base("job.download");
            set(&mut doc, "job.download", Some(Value::Table(misspelt)));
            let errors = fixture.parse(&doc).unwrap_err().join("\n");
            assert!(
                errors.contains("did you mean `job.download.dist`?"),
                "{errors}"
            );
        }
        assert_eq!(
            dist_names(),
            [
                "constant",
                "exponential",
                "lognormal",
                "weibull",
                "gamma",
                "uniform",
                "empirical"
            ]
        );
    }

    #[test]
    fn advisor_buckets_are_the_advisors() {
        let names: Vec<&str> = crate::scenario::advisor::BUCKETS
            .iter()
            .map(|(name, _, _)| *name)
            .collect();
        assert_eq!(names, ADVISOR_BUCKETS);
    }

    #[test]
    fn aliases_name_keys_of_their_table() {
        for table in tables() {
            for alias in table.aliases {
                assert!(table.key(alias.key).is_some(), "{}", alias.name);
                assert!(table.key(alias.name).is_none(), "{}", alias.name);
            }
        }
        assert_eq!(aliases_of("stopping.max_run"), ["train_max_run"]);
        assert_eq!(aliases_of("spot.enabled"), ["train_use_spot_instances"]);
        assert!(aliases_of("job.training").is_empty());
    }
}

#[cfg(test)]
mod doc_tests {
    //! `docs/scenario-format.md` against the registry: every key has a row (or a heading) there,
    //! and the doc names no key the registry lacks.

    use std::collections::BTreeSet;

    use super::*;

    const DOC: &str = include_str!("../../docs/scenario-format.md");

    /// The backticked parts of `text`.
    fn code_spans(text: &str) -> Vec<&str> {
        text.split('`').skip(1).step_by(2).collect()
    }

    fn is_key_path(text: &str) -> bool {
        !text.is_empty()
            && text.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            })
    }

    /// What the doc documents: keys by full path (a heading with `` `[path]` `` documents the
    /// table and sets the table of the rows below it; a row's first cell names keys of that
    /// table, or full paths), and the distribution forms as `(dist, params)`.
    fn documented() -> (BTreeSet<String>, BTreeSet<(String, Vec<String>)>) {
        let mut keys = BTreeSet::new();
        let mut forms = BTreeSet::new();
        let mut table: Option<String> = None;
        let mut in_code = false;
        for line in DOC.lines() {
            // Examples in fenced blocks are files and output, not the reference.
            if line.starts_with("```") {
                in_code = !in_code;
            }
            if in_code {
                continue;
            }
            if line.starts_with('#') {
                table = code_spans(line)
                    .into_iter()
                    .filter_map(|span| span.strip_prefix('[')?.strip_suffix(']'))
                    .find(|path| is_key_path(path))
                    .map(str::to_string);
                keys.extend(table.clone());
                continue;
            }
            let Some(row) = line.strip_prefix('|') else {
                continue;
            };
            let first = row.split('|').next().unwrap_or("").trim();
            for span in code_spans(first) {
                if let Some(form) = span.strip_prefix("{ dist = \"") {
                    let (dist, params) = form.trim_end_matches(" }").split_once('"').unwrap();
                    let params = params
                        .split(',')
                        .map(str::trim)
                        .filter(|p| !p.is_empty())
                        .map(str::to_string)
                        .collect();
                    forms.insert((dist.to_string(), params));
                } else if is_key_path(span) && span.contains('.') {
                    keys.insert(span.to_string());
                } else if let (true, Some(table)) = (is_key_path(span), &table) {
                    keys.insert(format!("{table}.{span}"));
                }
            }
        }
        (keys, forms)
    }

    #[test]
    fn the_doc_documents_every_key_of_the_registry_and_no_other() {
        let (documented, forms) = documented();
        let registry: BTreeSet<String> = key_paths().into_iter().collect();
        let missing: Vec<&String> = registry.difference(&documented).collect();
        assert!(
            missing.is_empty(),
            "not in docs/scenario-format.md: {missing:?}"
        );
        let unknown: Vec<&String> = documented.difference(&registry).collect();
        assert!(
            unknown.is_empty(),
            "documented but not in the registry: {unknown:?}"
        );
        let registry_forms: BTreeSet<(String, Vec<String>)> = DIST_FORMS
            .iter()
            .map(|form| {
                let params = form
                    .param_names()
                    .iter()
                    .map(std::string::ToString::to_string)
                    .collect();
                (form.dist.to_string(), params)
            })
            .collect();
        assert_eq!(forms, registry_forms);
        // The walk above sees what it should: the nested tables and the aliases too.
        for path in [
            "spot.market.windows",
            "spot.time_to_interruption.bound",
            "stopping.train_max_run",
        ] {
            assert!(documented.contains(path), "{path}");
        }
    }
}

/// A fleet file's top level (`spotsim fleet`, `docs/fleet.md`). Not part of the scenario
/// format: a fleet names scenarios.
pub static FLEET: Table = Table {
    path: "",
    description: "A fleet: workloads submitted month after month under shared quotas and \
                  markets.",
    keys: &[
        key(
            "horizon",
            POSITIVE_DURATION,
            Presence::Optional,
            Some(DefaultValue::Str("30d")),
            "Length of a simulated month (at most 366 days).",
        ),
        key(
            "warmup",
            DURATION,
            Presence::Optional,
            Some(DefaultValue::Str("7d")),
            "Time simulated before each month, so that it opens with the previous month's jobs \
             still running (capped at the horizon).",
        ),
        key(
            "runs",
            Kind::Integer {
                min: 1,
                max: crate::scenario::fleet::MAX_FLEET_RUNS as i64,
            },
            Presence::Optional,
            Some(DefaultValue::Integer(
                crate::scenario::fleet::DEFAULT_FLEET_RUNS as i64,
            )),
            "Number of simulated months.",
        ),
        key(
            "seed",
            Kind::Integer {
                min: 0,
                max: i64::MAX,
            },
            Presence::Optional,
            Some(DefaultValue::Integer(DEFAULT_SEED as i64)),
            "Seed of every random stream.",
        ),
        required(
            "workload",
            Kind::Table(&FLEET_WORKLOAD),
            "The workloads, one [[workload]] each.",
        ),
        key(
            "quota",
            Kind::Table(&FLEET_QUOTA),
            Presence::Optional,
            None,
            "Quotas per instance type: [quota.\"ml.p3.2xlarge\"].",
        ),
        key(
            "market",
            Kind::Table(&FLEET_MARKET),
            Presence::Optional,
            None,
            "The market each instance type's spot jobs share: [market.\"ml.p3.2xlarge\"].",
        ),
    ],
    aliases: &[],
};

/// `[[workload]]`.
pub static FLEET_WORKLOAD: Table = Table {
    path: "workload",
    description: "A job submitted again and again.",
    keys: &[
        key(
            "name",
            Kind::String,
            Presence::Optional,
            None,
            "Shown in outputs; default: the job's name, else the scenario file's stem.",
        ),
        required(
            "scenario",
            Kind::OneOf(&[Kind::String, Kind::Table(&SCENARIO)]),
            "The job: a scenario file (relative to the fleet file), or its tables inline as \
             [workload.scenario.job], [workload.scenario.pricing], ...",
        ),
        required(
            "arrivals",
            Kind::Table(&FLEET_ARRIVALS),
            "When jobs are submitted: { per_day = 40 }, { at = [\"09:00\"] } or { file = \
             \"plan.csv\" }.",
        ),
        key(
            "count",
            Kind::Integer {
                min: 1,
                max: 2_000_000,
            },
            Presence::Optional,
            None,
            "Most jobs submitted per month.",
        ),
    ],
    aliases: &[],
};

/// `arrivals` of a workload.
pub static FLEET_ARRIVALS: Table = Table {
    path: "workload.arrivals",
    description: "When a workload's jobs are submitted: exactly one of the keys.",
    keys: &[
        key(
            "per_day",
            Kind::Number {
                min: Limit::Exclusive(0.0),
                max: Limit::Inclusive(100_000.0),
            },
            Presence::Conditional,
            None,
            "A Poisson process with this mean number of jobs per day.",
        ),
        key(
            "at",
            Kind::String,
            Presence::Conditional,
            None,
            "Every day at these times of day: a list of \"HH:MM\" strings.",
        ),
        key(
            "file",
            Kind::String,
            Presence::Conditional,
            None,
            "A CSV of planned submissions, column `at`: durations from the month's start \
             (\"2d 9h\"), the same every month.",
        ),
    ],
    aliases: &[],
};

/// `[quota."<instance type>"]`.
pub static FLEET_QUOTA: Table = Table {
    path: "quota.<instance type>",
    description: "Most instances of a type in progress at once (created and not yet ended).",
    keys: &[
        key(
            "spot",
            Kind::Integer {
                min: 1,
                max: 1_000_000,
            },
            Presence::Optional,
            None,
            "For spot training jobs; unlimited when absent.",
        ),
        key(
            "on_demand",
            Kind::Integer {
                min: 1,
                max: 1_000_000,
            },
            Presence::Optional,
            None,
            "For on-demand training jobs; unlimited when absent.",
        ),
    ],
    aliases: &[],
};

/// `[market."<instance type>"]`.
pub static FLEET_MARKET: Table = Table {
    path: "market.<instance type>",
    description: "The spot market every spot job of the type shares; it replaces the markets \
                  of their scenarios.",
    keys: &[
        required(
            "model",
            Kind::Enum(&["independent", "markov", "trace"]),
            "\"independent\" (each job its own draws), \"markov\" (one path per month, shared) \
             or \"trace\" (one replay per month, shared).",
        ),
        key(
            "capacity_wait",
            Kind::Random(Random {
                sign: Sign::NonNegative,
                never: true,
                advisor: false,
            }),
            Presence::Conditional,
            None,
            "For model = \"independent\": as spot.capacity_wait.",
        ),
        key(
            "time_to_interruption",
            Kind::Random(Random {
                sign: Sign::Positive,
                never: true,
                advisor: true,
            }),
            Presence::Conditional,
            None,
            "For model = \"independent\": as spot.time_to_interruption.",
        ),
        key(
            "mean_available",
            POSITIVE_DURATION,
            Presence::Conditional,
            None,
            "For model = \"markov\": as spot.market.mean_available.",
        ),
        key(
            "mean_unavailable",
            POSITIVE_DURATION,
            Presence::Conditional,
            None,
            "For model = \"markov\": as spot.market.mean_unavailable.",
        ),
        key(
            "file",
            Kind::String,
            Presence::Conditional,
            None,
            "For model = \"trace\": the trace file, relative to the fleet file.",
        ),
        key(
            "format",
            Kind::String,
            Presence::Conditional,
            None,
            "For model = \"trace\": as spot.market.format.",
        ),
        key(
            "start",
            Kind::String,
            Presence::Optional,
            None,
            "For model = \"trace\": as spot.market.start; a \"random\" start is drawn per month.",
        ),
        key(
            "windows",
            Kind::Integer {
                min: 1,
                max: 1_000_000,
            },
            Presence::Optional,
            None,
            "For model = \"trace\" with start = \"window\": month i starts at window i mod \
             windows.",
        ),
    ],
    aliases: &[],
};
