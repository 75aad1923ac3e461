//! The dependency graph of a plan (`depends-on`): resolving ids to plan
//! indices, refusing cycles and dependencies that are not in the run, and
//! the longest expected path from each unit to the end (its priority).

use crate::unit::Unit;
use std::collections::HashMap;
use std::time::Duration;

/// Why a plan cannot run: its dependencies do not form a DAG over the
/// files of the run. Found before anything starts (exit 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// A file depends on a file that is not in this run (not discovered,
    /// excluded, or on another shard).
    #[error("{file} depends on {dependency}, which is not in this run (not found, excluded, or on another shard)")]
    MissingDependency {
        /// The file naming the dependency.
        file: String,
        /// The dependency it names.
        dependency: String,
    },
    /// The dependencies form a cycle; `files` are its members in order,
    /// the first repeated at the end.
    #[error("dependency cycle: {}", files.join(" -> "))]
    Cycle {
        /// The files of the cycle, `a -> b -> a`.
        files: Vec<String>,
    },
}

/// Each unit's dependencies as indices into `units`.
pub(super) fn resolve(units: &[&Unit]) -> Result<Vec<Vec<usize>>, PlanError> {
    let index: HashMap<&str, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.as_str(), i))
        .collect();
    let mut deps = Vec::with_capacity(units.len());
    for unit in units {
        let mut mine = Vec::with_capacity(unit.settings.depends_on.len());
        for dep in &unit.settings.depends_on {
            match index.get(dep.as_str()) {
                Some(&i) => mine.push(i),
                None => {
                    return Err(PlanError::MissingDependency {
                        file: unit.id.to_string(),
                        dependency: dep.to_string(),
                    })
                }
            }
        }
        deps.push(mine);
    }
    check_acyclic(units, &deps)?;
    Ok(deps)
}

/// For each unit, a label shared by exactly the units of its connected
/// component of the `depends-on` graph (edges taken both ways; a
/// dependency that is not among `units` adds no edge): the label is the
/// index of the component's first unit. Units that must run on one shard.
pub(super) fn components(units: &[&Unit]) -> Vec<usize> {
    let index: HashMap<&str, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.id.as_str(), i))
        .collect();
    let mut parent: Vec<usize> = (0..units.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for (i, unit) in units.iter().enumerate() {
        for dep in &unit.settings.depends_on {
            if let Some(&j) = index.get(dep.as_str()) {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                // The smaller index is the root: the label is the first unit.
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    (0..units.len()).map(|i| root(&mut parent, i)).collect()
}

/// A unit added to a run because a selected unit depends on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectedDependency {
    /// The dependency added.
    pub id: String,
    /// The first selected unit (in id order) found to depend on it.
    pub of: String,
}

/// The key of [`crate::unit::UnitSettings::sources`] that marks a unit
/// selected only as a dependency (its value: `as a dependency of ID`).
pub const SELECTED_KEY: &str = "selected";

/// Adds to `selected` what its units depend on, transitively: each
/// dependency that is not selected yet is asked of `find` (which looks in
/// the rest of the suite, or on disk), marked with [`SELECTED_KEY`] and
/// scanned in turn. A dependency `find` does not know stays missing (the
/// plan then refuses it by name). Returns the units, sorted by id, and
/// what was added, in the order it was found.
pub fn select_dependencies(
    mut selected: Vec<Unit>,
    mut find: impl FnMut(&Unit, &str) -> Option<Unit>,
) -> (Vec<Unit>, Vec<SelectedDependency>) {
    selected.sort_by(|a, b| a.id.cmp(&b.id));
    let mut have: std::collections::HashSet<String> =
        selected.iter().map(|u| u.id.to_string()).collect();
    let mut added = Vec::new();
    let mut next = 0;
    while next < selected.len() {
        let wanted: Vec<String> = selected[next]
            .settings
            .depends_on
            .iter()
            .map(|d| d.to_string())
            .filter(|d| !have.contains(d))
            .collect();
        for dep in wanted {
            if have.contains(&dep) {
                continue;
            }
            if let Some(mut unit) = find(&selected[next], &dep) {
                if unit.id.as_str() != dep {
                    continue;
                }
                let of = selected[next].id.to_string();
                unit.settings
                    .sources
                    .push((SELECTED_KEY.to_string(), format!("as a dependency of {of}")));
                have.insert(dep.clone());
                added.push(SelectedDependency { id: dep, of });
                selected.push(unit);
            }
        }
        next += 1;
    }
    selected.sort_by(|a, b| a.id.cmp(&b.id));
    (selected, added)
}

/// Depth-first search with three colours; a grey node met again closes a
/// cycle, reported from its first member.
fn check_acyclic(units: &[&Unit], deps: &[Vec<usize>]) -> Result<(), PlanError> {
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        White,
        Grey,
        Black,
    }
    let mut colour = vec![Colour::White; deps.len()];
    for root in 0..deps.len() {
        if colour[root] != Colour::White {
            continue;
        }
        // (node, next dependency to visit)
        let mut stack = vec![(root, 0usize)];
        colour[root] = Colour::Grey;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&dep) = deps[node].get(*next) {
                *next += 1;
                match colour[dep] {
                    Colour::White => {
                        colour[dep] = Colour::Grey;
                        stack.push((dep, 0));
                    }
                    Colour::Grey => {
                        let from = stack.iter().position(|&(n, _)| n == dep).unwrap_or(0);
                        let mut files: Vec<String> = stack[from..]
                            .iter()
                            .map(|&(n, _)| units[n].id.to_string())
                            .collect();
                        files.push(units[dep].id.to_string());
                        return Err(PlanError::Cycle { files });
                    }
                    Colour::Black => {}
                }
            } else {
                colour[node] = Colour::Black;
                stack.pop();
            }
        }
    }
    Ok(())
}

/// For each unit, its own expected duration plus the longest path through
/// the units that depend on it, directly or not: how long the run needs
/// from its start to the end at best. `deps` must be acyclic.
pub(super) fn critical_paths(deps: &[Vec<usize>], own: &[Duration]) -> Vec<Duration> {
    let n = deps.len();
    let mut dependents = vec![Vec::new(); n];
    let mut unmet = vec![0usize; n];
    for (unit, list) in deps.iter().enumerate() {
        for &d in list {
            dependents[d].push(unit);
            unmet[unit] += 1;
        }
    }
    // Kahn's order from the roots, then paths from the leaves back.
    let mut topo: Vec<usize> = (0..n).filter(|&u| unmet[u] == 0).collect();
    let mut i = 0;
    while i < topo.len() {
        for &d in &dependents[topo[i]] {
            unmet[d] -= 1;
            if unmet[d] == 0 {
                topo.push(d);
            }
        }
        i += 1;
    }
    let mut path = own.to_vec();
    for &u in topo.iter().rev() {
        let tail = dependents[u].iter().map(|&d| path[d]).max();
        path[u] = own[u] + tail.unwrap_or(Duration::ZERO);
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unit::{Runner, UnitId};

    fn unit(id: &str, deps: &[&str]) -> Unit {
        let mut u = Unit::file(id.into(), id.into(), Runner::Direct, None, 0);
        u.settings.depends_on = deps.iter().map(|d| UnitId::new(d.to_string())).collect();
        u
    }

    #[test]
    fn dependencies_resolve_to_indices() {
        let units = [unit("a", &[]), unit("b", &["a"]), unit("c", &["a", "b"])];
        let refs: Vec<&Unit> = units.iter().collect();
        assert_eq!(resolve(&refs), Ok(vec![vec![], vec![0], vec![0, 1]]));
    }

    #[test]
    fn a_cycle_names_its_files_in_order() {
        let units = [
            unit("a", &["c"]),
            unit("b", &["a"]),
            unit("c", &["b"]),
            unit("d", &[]),
        ];
        let refs: Vec<&Unit> = units.iter().collect();
        let err = resolve(&refs).unwrap_err();
        assert_eq!(err.to_string(), "dependency cycle: a -> c -> b -> a");
        let me = [unit("x", &["x"])];
        let err = resolve(&me.iter().collect::<Vec<_>>()).unwrap_err();
        assert_eq!(err.to_string(), "dependency cycle: x -> x");
    }

    #[test]
    fn a_dependency_outside_the_run_is_named() {
        let units = [unit("t/x.sh", &["t/setup.sh"])];
        let err = resolve(&units.iter().collect::<Vec<_>>()).unwrap_err();
        assert_eq!(
            err,
            PlanError::MissingDependency {
                file: "t/x.sh".into(),
                dependency: "t/setup.sh".into()
            }
        );
    }

    #[test]
    fn components_join_chains_both_ways_and_leave_the_rest_alone() {
        let units = [
            unit("a", &[]),
            unit("b", &["c"]),
            unit("c", &[]),
            unit("d", &["a"]),
            unit("e", &["outside"]),
            unit("f", &["c", "d"]),
        ];
        let refs: Vec<&Unit> = units.iter().collect();
        // {a, d, f, c, b} through f; e alone.
        assert_eq!(components(&refs), [0, 0, 0, 0, 4, 0]);
        let apart = [unit("a", &[]), unit("b", &["c"]), unit("c", &[])];
        assert_eq!(components(&apart.iter().collect::<Vec<_>>()), [0, 1, 1]);
    }

    #[test]
    fn selecting_a_unit_selects_its_dependencies_transitively() {
        let pool = [
            unit("a", &[]),
            unit("b", &["a"]),
            unit("c", &["b", "x"]),
            unit("d", &[]),
        ];
        let (units, added) = select_dependencies(vec![pool[2].clone()], |_, id| {
            pool.iter().find(|u| u.id.as_str() == id).cloned()
        });
        let ids: Vec<&str> = units.iter().map(|u| u.id.as_str()).collect();
        // `x` is nowhere: left for the plan to refuse.
        assert_eq!(ids, ["a", "b", "c"]);
        let added: Vec<(&str, &str)> = added
            .iter()
            .map(|a| (a.id.as_str(), a.of.as_str()))
            .collect();
        assert_eq!(added, [("b", "c"), ("a", "b")]);
        assert!(units[0]
            .settings
            .sources
            .contains(&(SELECTED_KEY.into(), "as a dependency of b".into())));
    }

    #[test]
    fn the_critical_path_runs_through_the_longest_chain_of_dependents() {
        let s = Duration::from_secs;
        // a(1) <- b(5) <- c(2); d(4) alone.
        let deps = vec![vec![], vec![0], vec![1], vec![]];
        let own = [s(1), s(5), s(2), s(4)];
        assert_eq!(critical_paths(&deps, &own), [s(8), s(7), s(2), s(4)]);
    }
}
