//! The dispatcher's admission on a shared queue: [`Remote`] implements
//! [`Admit`] by leasing units from the server, and [`Link`] holds what
//! the admission and the run's event callback share: the connection, the
//! lease tokens (renewed by a thread, [`Renewer`]), and acknowledgements
//! not yet recorded (kept and pushed again when the server is back).

use super::store::{Leased, Store, StoreError};
use crate::plan::queue::{Finish, Follow, Room};
use crate::report::console::err_line;
use crate::run::admit::Admit;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often a machine with a free slot asks the queue again when nothing
/// was for it.
pub const POLL: Duration = Duration::from_millis(200);

/// Leases held (queue index → token), shared with the renewal thread.
pub type Tokens = Arc<Mutex<HashMap<usize, String>>>;

/// An acknowledgement the server has not recorded yet.
#[derive(Debug, Clone)]
struct PendingAck {
    index: usize,
    id: String,
    token: String,
    outcome: &'static str,
    result: String,
    bail: String,
}

/// What the admission and the event callback share.
#[derive(Debug)]
pub struct Link {
    store: Store,
    machine: String,
    lease: Duration,
    tokens: Tokens,
    pending: Vec<PendingAck>,
    /// When the server stopped answering, if it has.
    outage: Option<Instant>,
    /// Ids whose acknowledgement the server ignored (lease expired).
    pub ignored: Vec<String>,
    /// Ids acknowledged and recorded.
    pub recorded: HashSet<String>,
    /// Why this machine stopped taking work early, if it did.
    pub gave_up: Option<String>,
}

impl Link {
    /// A link for `machine` on `store`.
    pub fn new(store: Store, machine: String, lease: Duration, tokens: Tokens) -> Link {
        Link {
            store,
            machine,
            lease,
            tokens,
            pending: Vec::new(),
            outage: None,
            ignored: Vec::new(),
            recorded: HashSet::new(),
            gave_up: None,
        }
    }

    /// A call failed: note the outage (said once); true once it has
    /// lasted longer than `--queue-timeout`.
    fn failed(&mut self, err: &StoreError) -> bool {
        let since = *self.outage.get_or_insert_with(|| {
            err_line(&format!(
                "ptest: warning: {err}; running files go on, results are kept and pushed when the server is back"
            ));
            Instant::now()
        });
        since.elapsed() > self.store.settings().timeout
    }

    fn answered(&mut self) {
        if self.outage.take().is_some() {
            err_line("ptest: the queue server answers again");
        }
    }

    /// Acknowledges queue unit `index` (id `id`) with its serialised
    /// result; kept for later when the server does not answer.
    pub fn ack(
        &mut self,
        index: usize,
        id: &str,
        outcome: &'static str,
        result: String,
        bail: &str,
    ) {
        let token = self.tokens.lock().ok().and_then(|t| t.get(&index).cloned());
        let Some(token) = token else {
            return;
        };
        self.pending.push(PendingAck {
            index,
            id: id.to_string(),
            token,
            outcome,
            result,
            bail: bail.to_string(),
        });
        self.flush();
    }

    /// Gives up queue unit `index` without a result: its lease is no
    /// longer renewed, so it expires and the unit runs elsewhere.
    pub fn abandon(&mut self, index: usize) {
        if let Ok(mut tokens) = self.tokens.lock() {
            tokens.remove(&index);
        }
    }

    /// Pushes the acknowledgements not recorded yet, in order, until one
    /// fails.
    pub fn flush(&mut self) -> bool {
        while let Some(ack) = self.pending.first().cloned() {
            match self
                .store
                .ack(ack.index, &ack.token, ack.outcome, &ack.result, &ack.bail)
            {
                Ok(recorded) => {
                    self.answered();
                    self.pending.remove(0);
                    if let Ok(mut tokens) = self.tokens.lock() {
                        tokens.remove(&ack.index);
                    }
                    if recorded {
                        self.recorded.insert(ack.id);
                    } else {
                        self.ignored.push(ack.id);
                    }
                }
                Err(err) => {
                    self.failed(&err);
                    return false;
                }
            }
        }
        true
    }

    /// Pushes what is pending with growing pauses, for at most `limit`;
    /// returns the ids that could not be recorded.
    pub fn flush_until(&mut self, limit: Duration) -> Vec<String> {
        let start = Instant::now();
        let mut pause = Duration::from_millis(200);
        while !self.flush() && start.elapsed() < limit {
            std::thread::sleep(pause.min(limit.saturating_sub(start.elapsed())));
            pause = (pause * 2).min(Duration::from_secs(2));
        }
        self.pending.iter().map(|a| a.id.clone()).collect()
    }
}

/// The admission of one machine on the shared queue.
#[derive(Debug)]
pub struct Remote {
    link: Rc<RefCell<Link>>,
    /// Queue index by plan index, and back.
    remote_of: Vec<usize>,
    local_of: HashMap<usize, usize>,
    /// Slots each plan entry takes (capped at `slots`).
    weights: Vec<usize>,
    slots: usize,
    /// Running plan indices.
    running: HashSet<usize>,
    /// Group slots of the leased plan indices (kept through retries).
    group_slots: HashMap<usize, u32>,
    retrying: HashSet<usize>,
    readmitted: VecDeque<usize>,
    /// How each plan index's last attempt ended (for its acknowledgement).
    outcomes: HashMap<usize, Finish>,
    stopped: bool,
    /// The queue has nothing more for anyone (done, stopped, lost).
    over: bool,
}

impl Remote {
    /// The admission for a plan whose entry `i` is queue unit
    /// `remote_of[i]`, taking `weights[i]` of `slots` slots.
    pub fn new(
        link: Rc<RefCell<Link>>,
        remote_of: Vec<usize>,
        weights: Vec<usize>,
        slots: usize,
    ) -> Remote {
        let local_of = remote_of.iter().enumerate().map(|(l, &r)| (r, l)).collect();
        Remote {
            link,
            remote_of,
            local_of,
            weights,
            slots: slots.max(1),
            running: HashSet::new(),
            group_slots: HashMap::new(),
            retrying: HashSet::new(),
            readmitted: VecDeque::new(),
            outcomes: HashMap::new(),
            stopped: false,
            over: false,
        }
    }

    /// The queue index of plan entry `local`.
    pub fn remote(&self, local: usize) -> Option<usize> {
        self.remote_of.get(local).copied()
    }

    /// How plan entry `local`'s last attempt ended, as admission saw it.
    pub fn outcome(&self, local: usize) -> Option<Finish> {
        self.outcomes.get(&local).copied()
    }
}

impl Admit for Remote {
    fn admit(&mut self, room: Room) -> Option<usize> {
        if self.stopped || room.free_slots == 0 {
            return None;
        }
        if let Some(&local) = self.readmitted.front() {
            if self.weight(local) > room.free_slots {
                return None;
            }
            self.readmitted.pop_front();
            self.running.insert(local);
            return Some(local);
        }
        if self.over || (!self.running.is_empty() && !room.may_start_more) {
            return None;
        }
        let mut link = self.link.borrow_mut();
        link.flush();
        let (machine, lease) = (link.machine.clone(), link.lease);
        match link
            .store
            .lease(&machine, room.free_slots, self.slots, lease)
        {
            Ok(Leased::Unit {
                index,
                token,
                group_slot,
            }) => {
                link.answered();
                if let Ok(mut tokens) = link.tokens.lock() {
                    tokens.insert(index, token);
                }
                match self.local_of.get(&index) {
                    Some(&local) => {
                        self.running.insert(local);
                        if let Some(slot) = group_slot {
                            self.group_slots.insert(local, slot);
                        }
                        Some(local)
                    }
                    None => {
                        // Checked at the start: every queue unit is planned here.
                        link.gave_up = Some(format!(
                            "the queue gave unit {index}, which this machine did not plan"
                        ));
                        self.over = true;
                        None
                    }
                }
            }
            Ok(Leased::Wait) => {
                link.answered();
                None
            }
            Ok(Leased::Done) | Ok(Leased::Stopped(_)) => {
                link.answered();
                self.over = true;
                None
            }
            Ok(Leased::Gone) => {
                link.gave_up = Some(
                    "the queue server no longer has this run (restarted without its data, or its keys expired)"
                        .into(),
                );
                self.over = true;
                None
            }
            Err(err) => {
                if link.failed(&err) {
                    link.gave_up = Some(format!(
                        "{err} (for longer than --queue-timeout {})",
                        crate::util::duration::format_duration(link.store.settings().timeout)
                    ));
                    self.over = true;
                }
                None
            }
        }
    }

    fn weight(&self, index: usize) -> usize {
        self.weights
            .get(index)
            .copied()
            .unwrap_or(1)
            .clamp(1, self.slots)
    }

    fn group_slot(&self, index: usize) -> Option<u32> {
        self.group_slots.get(&index).copied()
    }

    fn finished(&mut self, index: usize, outcome: Finish) -> Vec<Follow> {
        self.running.remove(&index);
        self.retrying.remove(&index);
        self.group_slots.remove(&index);
        self.outcomes.insert(index, outcome);
        match outcome {
            Finish::BailedOut => {
                self.stopped = true;
                vec![Follow::BailOut]
            }
            Finish::Passed | Finish::NotPassed => Vec::new(),
        }
    }

    fn retry_later(&mut self, index: usize) {
        // The lease (and its group slot) stays this machine's, renewed,
        // while it waits.
        self.running.remove(&index);
        self.retrying.insert(index);
    }

    fn readmit(&mut self, index: usize) {
        if self.retrying.remove(&index) {
            self.readmitted.push_back(index);
        }
    }

    fn take_follows(&mut self) -> Vec<Follow> {
        // Skips are recorded on the queue when it is seeded.
        Vec::new()
    }

    fn take_unstarted(&mut self) -> Vec<usize> {
        // Units this machine did not take are not its to report.
        Vec::new()
    }

    fn is_exhausted(&self) -> bool {
        self.running.is_empty()
            && self.retrying.is_empty()
            && self.readmitted.is_empty()
            && (self.over || self.stopped)
    }

    fn is_stopped(&self) -> bool {
        self.stopped
    }

    fn stop(&mut self) {
        self.stopped = true;
    }

    fn running(&self) -> usize {
        self.running.len()
    }

    fn poll(&self) -> Option<Duration> {
        (!self.is_exhausted()).then_some(POLL)
    }
}

/// The thread that renews this machine's leases while their files run.
#[derive(Debug)]
pub struct Renewer {
    quit: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Renewer {
    /// Renews the leases in `tokens` every third of `lease` on its own
    /// connection `store`; a lease found lost is said once.
    pub fn start(mut store: Store, tokens: Tokens, lease: Duration) -> Renewer {
        let quit = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&quit);
        let every = (lease / 3).max(Duration::from_millis(50));
        let handle = std::thread::Builder::new()
            .name("ptest-queue-renew".into())
            .spawn(move || {
                let mut said: HashSet<usize> = HashSet::new();
                let mut next = Instant::now() + every;
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(20));
                    if Instant::now() < next {
                        continue;
                    }
                    next = Instant::now() + every;
                    let held: Vec<(usize, String)> = match tokens.lock() {
                        Ok(t) => t.iter().map(|(i, t)| (*i, t.clone())).collect(),
                        Err(_) => break,
                    };
                    if held.is_empty() {
                        continue;
                    }
                    if let Ok(lost) = store.renew(&held, lease) {
                        for index in lost {
                            if said.insert(index) {
                                err_line(&format!(
                                    "ptest: warning: the lease of queue unit {index} expired while it ran here; the queue will not count this machine's result"
                                ));
                            }
                        }
                    }
                }
            })
            .ok();
        Renewer { quit, handle }
    }
}

impl Drop for Renewer {
    fn drop(&mut self) {
        self.quit.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}
