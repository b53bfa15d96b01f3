//! The service dependency graph: [`order`] sorts services so that each comes
//! after what it depends on, or returns a cycle. Starting is not done in this
//! order one by one: each service starts as soon as its own dependencies
//! allow (see `up`), so independent branches run in parallel.

use std::collections::BTreeMap;

use super::model::Compose;

/// Service names in a dependency order (file order among equals), or the
/// names along a cycle, first name repeated at the end.
pub fn order(c: &Compose) -> Result<Vec<String>, Vec<String>> {
    let deps: BTreeMap<&str, Vec<&str>> = c
        .services
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.depends_on.iter().map(|d| d.service.as_str()).collect(),
            )
        })
        .collect();
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut mark: BTreeMap<&str, Mark> = deps.keys().map(|k| (*k, Mark::New)).collect();
    let mut out = Vec::new();
    fn visit<'a>(
        n: &'a str,
        deps: &BTreeMap<&'a str, Vec<&'a str>>,
        mark: &mut BTreeMap<&'a str, Mark>,
        path: &mut Vec<&'a str>,
        out: &mut Vec<String>,
    ) -> Result<(), Vec<String>> {
        match mark.get(n).copied() {
            Some(Mark::Done) | None => return Ok(()),
            Some(Mark::Active) => {
                let start = path.iter().position(|p| *p == n).unwrap_or(0);
                let mut cycle: Vec<String> = path[start..].iter().map(|s| s.to_string()).collect();
                cycle.push(n.to_string());
                return Err(cycle);
            }
            Some(Mark::New) => {}
        }
        mark.insert(n, Mark::Active);
        path.push(n);
        for d in deps.get(n).into_iter().flatten() {
            visit(d, deps, mark, path, out)?;
        }
        path.pop();
        mark.insert(n, Mark::Done);
        out.push(n.to_string());
        Ok(())
    }
    for s in &c.services {
        visit(&s.name, &deps, &mut mark, &mut Vec::new(), &mut out)?;
    }
    Ok(out)
}
