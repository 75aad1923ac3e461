//! The connection to the queue server and one method per script
//! ([`super::scripts`]). A lost connection is dropped and made again on
//! the next call; what to do about a failed call is the caller's choice.

use super::config::QueueSettings;
use super::scripts;
use redis::{IntoConnectionInfo, Script};
use std::time::Duration;

/// How long connecting and one command may take.
const IO_TIMEOUT: Duration = Duration::from_secs(3);

/// A failed call to the queue server, its text scrubbed of the password.
#[derive(Debug, Clone, thiserror::Error)]
#[error("queue server {url}: {message}")]
pub struct StoreError {
    /// The server, redacted.
    pub url: String,
    /// What went wrong.
    pub message: String,
}

/// What [`Store::lease`] got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leased {
    /// Unit `index` is this machine's under `token`, in group slot `group_slot`.
    Unit {
        /// The queue index (plan order of the seed).
        index: usize,
        /// The lease token.
        token: String,
        /// Its group slot, if in a group.
        group_slot: Option<u32>,
    },
    /// Nothing for this machine now; ask again later.
    Wait,
    /// Nothing is ready or leased: the run is over.
    Done,
    /// A bail out stopped the run.
    Stopped(String),
    /// The server has no plan for this run (its state was lost).
    Gone,
}

/// The run's state as the merge sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Units ready to run.
    pub ready: usize,
    /// Units leased by a machine.
    pub leased: usize,
    /// Units waiting for dependencies.
    pub waiting: usize,
    /// The bail out that stopped the run, if any.
    pub stopped: Option<String>,
}

/// Everything the queue recorded, read at once for the merge.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    /// The seeded plan (JSON).
    pub plan: Option<String>,
    /// Final state by queue index (`pass`, `fail`, `bail`, `skip:CAUSE`).
    pub state: std::collections::HashMap<usize, String>,
    /// Serialised results by queue index.
    pub done: std::collections::HashMap<usize, String>,
    /// Leases outstanding: index → token.
    pub leases: std::collections::HashMap<usize, String>,
    /// How often each unit's lease expired.
    pub expired: std::collections::HashMap<usize, u32>,
    /// Machines that took part: name → what they registered (JSON).
    pub machines: std::collections::HashMap<String, String>,
    /// Server time (ms) of the last acknowledgement.
    pub ended: Option<u64>,
    /// Acknowledgements ignored (expired or foreign leases).
    pub ignored_acks: u64,
}

/// A connection to the queue of one run.
pub struct Store {
    settings: QueueSettings,
    client: redis::Client,
    conn: Option<redis::Connection>,
    prefix: String,
    seed: Script,
    lease: Script,
    renew: Script,
    ack: Script,
    status: Script,
    /// The last lease request's number (see [`scripts::LEASE`]).
    request: u64,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("url", &self.settings.shown())
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl Store {
    /// A store for `settings`' run; does not connect yet.
    pub fn new(settings: &QueueSettings) -> Result<Store, StoreError> {
        let fail = |e: redis::RedisError| StoreError {
            url: settings.shown(),
            message: settings.scrub(&e.to_string()),
        };
        let mut info = settings.url.as_str().into_connection_info().map_err(fail)?;
        if let Some(password) = &settings.password {
            if info.redis_settings().password().is_none() {
                let redis = info.redis_settings().clone().set_password(password);
                info = info.set_redis_settings(redis);
            }
        }
        // One small request and reply per state change: no Nagle delay.
        let tcp = info.tcp_settings().clone().set_nodelay(true);
        let info = info.set_tcp_settings(tcp);
        let client = redis::Client::open(info).map_err(fail)?;
        Ok(Store {
            settings: settings.clone(),
            client,
            conn: None,
            prefix: format!("ptest:{{{}}}:", settings.run),
            seed: Script::new(&scripts::with_prelude(scripts::SEED)),
            lease: Script::new(&scripts::with_prelude(scripts::LEASE)),
            renew: Script::new(&scripts::with_prelude(scripts::RENEW)),
            ack: Script::new(&scripts::with_prelude(scripts::ACK)),
            status: Script::new(&scripts::with_prelude(scripts::STATUS)),
            request: 0,
        })
    }

    /// The settings it was made from.
    pub fn settings(&self) -> &QueueSettings {
        &self.settings
    }

    fn error(&self, e: &redis::RedisError) -> StoreError {
        StoreError {
            url: self.settings.shown(),
            message: self.settings.scrub(&e.to_string()),
        }
    }

    /// A new connection whose connect, reads and writes time out after
    /// [`IO_TIMEOUT`].
    fn connect(&self) -> Result<redis::Connection, StoreError> {
        self.client
            .get_connection_with_timeout(IO_TIMEOUT)
            .and_then(|c| {
                c.set_read_timeout(Some(IO_TIMEOUT))?;
                c.set_write_timeout(Some(IO_TIMEOUT))?;
                Ok(c)
            })
            .map_err(|e| self.error(&e))
    }

    /// Runs `f` on a connection, connecting first when needed; a failed
    /// call drops the connection.
    fn with<T>(
        &mut self,
        f: impl Fn(&mut redis::Connection, &Store) -> redis::RedisResult<T>,
    ) -> Result<T, StoreError> {
        if self.conn.is_none() {
            let conn = self.connect()?;
            self.conn = Some(conn);
        }
        let Some(mut conn) = self.conn.take() else {
            return Err(StoreError {
                url: self.settings.shown(),
                message: "no connection".into(),
            });
        };
        match f(&mut conn, self) {
            Ok(value) => {
                self.conn = Some(conn);
                Ok(value)
            }
            // A read or write cut short (EINTR: a socket with a timeout is
            // not restarted after a signal) or a dropped connection: once
            // more on a new connection. Every script is idempotent, so a
            // call whose reply was lost may be sent again.
            Err(e) if e.is_io_error() || e.is_connection_dropped() => {
                let mut conn = self.connect()?;
                let value = f(&mut conn, self).map_err(|e| self.error(&e))?;
                self.conn = Some(conn);
                Ok(value)
            }
            Err(e) => Err(self.error(&e)),
        }
    }

    fn ttl_ms(&self) -> u64 {
        u64::try_from(self.settings.ttl.as_millis()).unwrap_or(u64::MAX)
    }

    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Checks the server answers (PING).
    pub fn ping(&mut self) -> Result<(), StoreError> {
        self.with(|c, _| redis::cmd("PING").query::<String>(c))
            .map(|_| ())
    }

    /// Takes the seed lock for `hold` if nobody holds it; true if taken.
    pub fn try_seed_lock(&mut self, machine: &str, hold: Duration) -> Result<bool, StoreError> {
        let key = self.key("seed");
        let ms = u64::try_from(hold.as_millis()).unwrap_or(u64::MAX);
        self.with(|c, _| {
            redis::cmd("SET")
                .arg(&key)
                .arg(machine)
                .arg("NX")
                .arg("PX")
                .arg(ms)
                .query::<Option<String>>(c)
        })
        .map(|r| r.is_some())
    }

    /// Seeds the run (see [`scripts::SEED`]); false if it was seeded already.
    pub fn seed(&mut self, plan: &str, units: &str, caps: &str) -> Result<bool, StoreError> {
        let (prefix, ttl) = (self.prefix.clone(), self.ttl_ms());
        self.with(|c, s| {
            s.seed
                .arg(&prefix)
                .arg(ttl)
                .arg(plan)
                .arg(units)
                .arg(caps)
                .invoke::<i64>(c)
        })
        .map(|n| n == 1)
    }

    /// The seeded plan, if any.
    pub fn plan(&mut self) -> Result<Option<String>, StoreError> {
        let key = self.key("plan");
        self.with(|c, _| redis::cmd("GET").arg(&key).query::<Option<String>>(c))
    }

    /// Records that `machine` takes part, with `info` (JSON).
    pub fn register(&mut self, machine: &str, info: &str) -> Result<(), StoreError> {
        let key = self.key("machines");
        let ttl = self.ttl_ms();
        self.with(|c, _| {
            redis::pipe()
                .cmd("HSET")
                .arg(&key)
                .arg(machine)
                .arg(info)
                .ignore()
                .cmd("PEXPIRE")
                .arg(&key)
                .arg(ttl)
                .ignore()
                .query::<()>(c)
        })
    }

    /// Leases the next unit for `machine` (see [`scripts::LEASE`]).
    pub fn lease(
        &mut self,
        machine: &str,
        free: usize,
        slots: usize,
        lease: Duration,
    ) -> Result<Leased, StoreError> {
        let (prefix, ttl) = (self.prefix.clone(), self.ttl_ms());
        let ms = u64::try_from(lease.as_millis()).unwrap_or(u64::MAX);
        self.request += 1;
        let request = self.request;
        let reply: Vec<redis::Value> = self.with(|c, s| {
            s.lease
                .arg(&prefix)
                .arg(ttl)
                .arg(machine)
                .arg(free)
                .arg(slots)
                .arg(ms)
                .arg(request)
                .invoke(c)
        })?;
        let text = |v: Option<&redis::Value>| -> Option<String> {
            v.and_then(|v| redis::from_redis_value::<String>(v.clone()).ok())
        };
        Ok(match text(reply.first()).as_deref() {
            Some("lease") => {
                let index = text(reply.get(1)).and_then(|i| i.parse().ok());
                let token = text(reply.get(2));
                let group_slot = reply
                    .get(3)
                    .and_then(|v| redis::from_redis_value::<i64>(v.clone()).ok())
                    .and_then(|g| u32::try_from(g).ok());
                match (index, token) {
                    (Some(index), Some(token)) => Leased::Unit {
                        index,
                        token,
                        group_slot,
                    },
                    _ => Leased::Wait,
                }
            }
            Some("done") => Leased::Done,
            Some("stopped") => Leased::Stopped(text(reply.get(1)).unwrap_or_default()),
            Some("gone") => Leased::Gone,
            Some(_) | None => Leased::Wait,
        })
    }

    /// Renews `held` (index, token) leases; returns the indices no longer
    /// held (all of them when the server lost the run).
    pub fn renew(
        &mut self,
        held: &[(usize, String)],
        lease: Duration,
    ) -> Result<Vec<usize>, StoreError> {
        let (prefix, ttl) = (self.prefix.clone(), self.ttl_ms());
        let ms = u64::try_from(lease.as_millis()).unwrap_or(u64::MAX);
        let lost: Vec<String> = self.with(|c, s| {
            let mut call = s.renew.prepare_invoke();
            call.arg(&prefix).arg(ttl).arg(ms);
            for (index, token) in held {
                call.arg(index).arg(token);
            }
            call.invoke(c)
        })?;
        if lost.iter().any(|l| l == "gone") {
            return Ok(held.iter().map(|(i, _)| *i).collect());
        }
        Ok(lost.iter().filter_map(|i| i.parse().ok()).collect())
    }

    /// Acknowledges unit `index` (see [`scripts::ACK`]): true if recorded,
    /// false if ignored (the lease is not ours any more).
    pub fn ack(
        &mut self,
        index: usize,
        token: &str,
        outcome: &str,
        result: &str,
        bail: &str,
    ) -> Result<bool, StoreError> {
        let (prefix, ttl) = (self.prefix.clone(), self.ttl_ms());
        let reply: String = self.with(|c, s| {
            s.ack
                .arg(&prefix)
                .arg(ttl)
                .arg(index)
                .arg(token)
                .arg(outcome)
                .arg(result)
                .arg(bail)
                .invoke(c)
        })?;
        Ok(reply == "ok")
    }

    /// The run's state (`None`: the server has no plan for it).
    pub fn status(&mut self) -> Result<Option<Status>, StoreError> {
        let (prefix, ttl) = (self.prefix.clone(), self.ttl_ms());
        let reply: Vec<redis::Value> =
            self.with(|c, s| s.status.arg(&prefix).arg(ttl).invoke(c))?;
        let int = |i: usize| {
            reply
                .get(i)
                .and_then(|v| redis::from_redis_value::<usize>(v.clone()).ok())
        };
        match (int(0), int(1), int(2)) {
            (Some(ready), Some(leased), Some(waiting)) => {
                let stopped = reply
                    .get(3)
                    .and_then(|v| redis::from_redis_value::<String>(v.clone()).ok())
                    .filter(|s| !s.is_empty());
                Ok(Some(Status {
                    ready,
                    leased,
                    waiting,
                    stopped,
                }))
            }
            _ => Ok(None),
        }
    }

    /// Everything recorded, for the merge.
    pub fn recorded(&mut self) -> Result<Recorded, StoreError> {
        type Map = std::collections::HashMap<String, String>;
        let keys = ["state", "done", "leases", "expired", "machines", "acks"].map(|n| self.key(n));
        let (plan_key, ended_key) = (self.key("plan"), self.key("ended"));
        let (plan, ended, maps): (Option<String>, Option<u64>, Vec<Map>) = self.with(|c, _| {
            let plan = redis::cmd("GET").arg(&plan_key).query(c)?;
            let ended = redis::cmd("GET").arg(&ended_key).query(c)?;
            let mut maps = Vec::new();
            for key in &keys {
                maps.push(redis::cmd("HGETALL").arg(key).query::<Map>(c)?);
            }
            Ok((plan, ended, maps))
        })?;
        let by_index = |m: &Map| -> std::collections::HashMap<usize, String> {
            m.iter()
                .filter_map(|(k, v)| k.parse().ok().map(|i| (i, v.clone())))
                .collect()
        };
        let empty = Map::new();
        let get = |i: usize| maps.get(i).unwrap_or(&empty);
        Ok(Recorded {
            plan,
            state: by_index(get(0)),
            done: by_index(get(1)),
            leases: by_index(get(2)),
            expired: by_index(get(3))
                .into_iter()
                .filter_map(|(i, n)| n.parse().ok().map(|n| (i, n)))
                .collect(),
            machines: get(4).clone(),
            ended,
            ignored_acks: get(5)
                .get("ignored")
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
        })
    }

    /// The server's clock in ms.
    pub fn server_time_ms(&mut self) -> Result<u64, StoreError> {
        let (secs, micros): (u64, u64) = self.with(|c, _| redis::cmd("TIME").query(c))?;
        Ok(secs * 1000 + micros / 1000)
    }
}
