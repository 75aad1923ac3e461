//! The dispatch order a run asks for (`--order`); the plan applies it.

/// The order in which files are dispatched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// Files that failed last time first, then longest expected first.
    #[default]
    FailedFirst,
    /// Longest expected duration first.
    Lpt,
    /// By file id.
    Lexical,
    /// Shuffled with a seed (random when not given).
    Random(Option<u64>),
}

impl std::fmt::Display for Order {
    /// The form [`Order::from_str`](std::str::FromStr) reads back.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Order::FailedFirst => f.write_str("failed-first"),
            Order::Lpt => f.write_str("lpt"),
            Order::Lexical => f.write_str("lexical"),
            Order::Random(None) => f.write_str("random"),
            Order::Random(Some(seed)) => write!(f, "random:{seed}"),
        }
    }
}

impl std::str::FromStr for Order {
    type Err = String;

    /// Parses `lpt`, `failed-first`, `lexical`, `random` or `random:SEED`.
    fn from_str(s: &str) -> Result<Order, String> {
        match s {
            "failed-first" => Ok(Order::FailedFirst),
            "lpt" => Ok(Order::Lpt),
            "lexical" => Ok(Order::Lexical),
            "random" => Ok(Order::Random(None)),
            _ => match s.strip_prefix("random:") {
                Some(seed) => seed.parse().map(|n| Order::Random(Some(n))).map_err(|_| {
                    format!("invalid order `{s}`: the seed after `random:` must be a number")
                }),
                None => Err(format!(
                    "invalid order `{s}`: expected lpt, failed-first, lexical, random or random:SEED"
                )),
            },
        }
    }
}
