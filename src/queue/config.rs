//! `--queue URL --queue-run ID` and friends: the command line, the
//! `PTEST_QUEUE*` variables and `[queue]` in `ptest.toml`, resolved into
//! [`QueueSettings`]. A password (in the URL or `PTEST_QUEUE_PASSWORD`)
//! is kept out of every message: [`redact`].

use crate::config::parse_duration;
use clap::Args;
use std::ffi::OsString;
use std::path::Path;
use std::time::Duration;

/// The variable that holds the queue server's password, if the URL has none.
pub const PASSWORD_ENV: &str = "PTEST_QUEUE_PASSWORD";

/// Default lease: how long a unit stays a machine's without a renewal.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);
/// Default for `--queue-timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);
/// Default lifetime of a run's keys, refreshed on every write.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 3600);

/// The shared work queue's options, for a run and for `ptest merge`.
#[derive(Debug, Clone, Default, Args)]
pub struct QueueArgs {
    /// Take work from a shared queue on a Redis server (redis://HOST:PORT, rediss:// for TLS; a password in the URL or $PTEST_QUEUE_PASSWORD is never printed).
    #[arg(
        long = "queue",
        id = "queue_url",
        value_name = "URL",
        env = "PTEST_QUEUE",
        hide_env_values = true
    )]
    pub url: Option<String>,

    /// The run every machine of one CI job shares on the queue (e.g. the pipeline id).
    #[arg(
        long = "queue-run",
        id = "queue_run",
        value_name = "ID",
        env = "PTEST_QUEUE_RUN",
        requires = "queue_url"
    )]
    pub run: Option<String>,

    /// How long a machine holds a unit without renewing its lease before it goes back on the queue (default 30s).
    #[arg(long = "queue-lease", id = "queue_lease", value_name = "DURATION", value_parser = parse_duration, requires = "queue_url")]
    pub lease: Option<Duration>,

    /// How long to wait for the queue: for a plan to be seeded, the server to come back, or (merge) the run to end (default 10m).
    #[arg(long = "queue-timeout", id = "queue_timeout", value_name = "DURATION", value_parser = parse_duration, requires = "queue_url")]
    pub timeout: Option<Duration>,

    /// How long the run's keys live on the server after the last write (default 1d).
    #[arg(long = "queue-ttl", id = "queue_ttl", value_name = "DURATION", value_parser = parse_duration, requires = "queue_url")]
    pub ttl: Option<Duration>,
}

/// Why the queue settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum QueueConfigError {
    /// `--queue` without a run id.
    #[error("--queue {url} needs a run id shared by every machine of the job: --queue-run ID, $PTEST_QUEUE_RUN or `run` in [queue]")]
    NoRun {
        /// The URL, redacted.
        url: String,
    },
    /// A run id that cannot be a key part.
    #[error(
        "queue run id `{run}` must be 1 to 128 characters of letters, digits, `-`, `_`, `.` or `:`"
    )]
    BadRun {
        /// The id.
        run: String,
    },
    /// Not a redis:// or rediss:// URL.
    #[error("queue URL `{url}` is not redis://HOST:PORT or rediss://HOST:PORT")]
    BadUrl {
        /// The URL, redacted.
        url: String,
    },
    /// A duration in `[queue]` that does not parse.
    #[error("{path}:{line}: [queue] {key} = `{value}`: {reason}")]
    BadDuration {
        /// The config file.
        path: String,
        /// Its line.
        line: usize,
        /// The key.
        key: String,
        /// The value.
        value: String,
        /// Why.
        reason: String,
    },
    /// A zero lease.
    #[error("--queue-lease must be more than 0")]
    ZeroLease,
}

/// `[queue]` of `ptest.toml`: the file and its entries (key, value, line).
pub type QueueTable<'a> = (&'a Path, &'a [(String, String, usize)]);

/// Where the shared work queue is and how to use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSettings {
    /// The server URL as given (may hold a password: never print it).
    pub url: String,
    /// The password from `PTEST_QUEUE_PASSWORD`, when the URL has none.
    pub password: Option<String>,
    /// The run id shared by the machines of one job.
    pub run: String,
    /// Lease duration.
    pub lease: Duration,
    /// How long to wait for a seed, the server, or (merge) the end.
    pub timeout: Duration,
    /// Lifetime of the run's keys after the last write.
    pub ttl: Duration,
}

impl QueueSettings {
    /// Resolves `--queue` and friends: the command line (and `PTEST_QUEUE`,
    /// `PTEST_QUEUE_RUN`, which clap reads), then `[queue]` in `table`
    /// (the config file and its `[queue]` entries), then the defaults.
    /// `Ok(None)`: no queue asked for.
    pub fn resolve(
        args: &QueueArgs,
        table: Option<QueueTable<'_>>,
        var: &dyn Fn(&str) -> Option<OsString>,
    ) -> Result<Option<QueueSettings>, QueueConfigError> {
        let from_table = |key: &str| {
            table.and_then(|(path, entries)| {
                entries
                    .iter()
                    .rev()
                    .find(|(k, _, _)| k == key)
                    .map(|(_, v, line)| (path, v.clone(), *line))
            })
        };
        let duration = |given: Option<Duration>, key: &str, default: Duration| {
            if let Some(d) = given {
                return Ok(d);
            }
            match from_table(key) {
                None => Ok(default),
                Some((path, value, line)) => {
                    parse_duration(&value).map_err(|reason| QueueConfigError::BadDuration {
                        path: path.display().to_string(),
                        line,
                        key: key.to_string(),
                        value,
                        reason: reason.to_string(),
                    })
                }
            }
        };
        let Some(url) = args
            .url
            .clone()
            .or_else(|| from_table("url").map(|(_, v, _)| v))
            .filter(|u| !u.is_empty())
        else {
            return Ok(None);
        };
        if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
            return Err(QueueConfigError::BadUrl { url: redact(&url) });
        }
        let run = args
            .run
            .clone()
            .or_else(|| from_table("run").map(|(_, v, _)| v))
            .filter(|r| !r.is_empty())
            .ok_or_else(|| QueueConfigError::NoRun { url: redact(&url) })?;
        let valid = run.len() <= 128
            && run
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
        if !valid {
            return Err(QueueConfigError::BadRun { run });
        }
        let lease = duration(args.lease, "lease", DEFAULT_LEASE)?;
        if lease.is_zero() {
            return Err(QueueConfigError::ZeroLease);
        }
        Ok(Some(QueueSettings {
            password: var(PASSWORD_ENV)
                .and_then(|p| p.into_string().ok())
                .filter(|p| !p.is_empty()),
            url,
            run,
            lease,
            timeout: duration(args.timeout, "timeout", DEFAULT_TIMEOUT)?,
            ttl: duration(args.ttl, "ttl", DEFAULT_TTL)?,
        }))
    }

    /// The URL with any password replaced by `***`: what messages show.
    pub fn shown(&self) -> String {
        redact(&self.url)
    }

    /// `text` with the password (from the URL or the environment)
    /// replaced by `***`, for messages that quote a server's error.
    pub fn scrub(&self, text: &str) -> String {
        let mut text = text.replace(&self.url, &self.shown());
        for secret in [url_password(&self.url), self.password.clone()]
            .into_iter()
            .flatten()
            .filter(|s| s.len() >= 3)
        {
            text = text.replace(&secret, "***");
        }
        text
    }
}

/// The password part of `url`'s user info, if any.
fn url_password(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split('/').next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    let password = match userinfo.split_once(':') {
        Some((_, password)) => password,
        None => userinfo,
    };
    Some(password.to_string()).filter(|p| !p.is_empty())
}

/// `url` with the password (or a lone user-info token) replaced by `***`.
///
/// ```
/// use ptest::queue::redact;
/// assert_eq!(redact("redis://:hunter2@q:6379/0"), "redis://:***@q:6379/0");
/// assert_eq!(redact("rediss://ci:pw@q:6380"), "rediss://ci:***@q:6380");
/// assert_eq!(redact("redis://q:6379"), "redis://q:6379");
/// ```
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return url.to_string();
    };
    let userinfo = match userinfo.split_once(':') {
        Some((user, _)) => format!("{user}:***"),
        None => "***".to_string(),
    };
    format!("{scheme}://{userinfo}@{host}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<OsString> {
        None
    }

    #[test]
    fn the_table_fills_what_the_command_line_leaves_out() {
        let table = vec![
            ("url".to_string(), "redis://:pw123@h:1".to_string(), 2),
            ("run".to_string(), "r1".to_string(), 3),
            ("lease".to_string(), "5s".to_string(), 4),
        ];
        let args = QueueArgs {
            run: Some("cli-run".into()),
            ..QueueArgs::default()
        };
        let s = QueueSettings::resolve(&args, Some((Path::new("ptest.toml"), &table)), &no_env)
            .unwrap()
            .unwrap();
        assert_eq!(s.run, "cli-run");
        assert_eq!(s.lease, Duration::from_secs(5));
        assert_eq!(s.timeout, DEFAULT_TIMEOUT);
        assert_eq!(s.shown(), "redis://:***@h:1");
        assert_eq!(
            s.scrub("error at redis://:pw123@h:1 with pw123"),
            "error at redis://:***@h:1 with ***"
        );
    }

    #[test]
    fn a_queue_needs_a_valid_run_and_url() {
        let args = QueueArgs {
            url: Some("redis://:secret@h:1".into()),
            ..QueueArgs::default()
        };
        let err = QueueSettings::resolve(&args, None, &no_env).unwrap_err();
        assert!(!err.to_string().contains("secret"), "{err}");
        let args = QueueArgs {
            url: Some("http://h".into()),
            run: Some("x".into()),
            ..QueueArgs::default()
        };
        assert!(matches!(
            QueueSettings::resolve(&args, None, &no_env),
            Err(QueueConfigError::BadUrl { .. })
        ));
        let args = QueueArgs {
            url: Some("redis://h:1".into()),
            run: Some("a b".into()),
            ..QueueArgs::default()
        };
        assert!(matches!(
            QueueSettings::resolve(&args, None, &no_env),
            Err(QueueConfigError::BadRun { .. })
        ));
    }
}
