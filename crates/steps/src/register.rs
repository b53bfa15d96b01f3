//! [`checks`]: parsed step files as harness [`Check`]s, whose body runs
//! their steps ([`crate::exec::run`]).

use std::sync::Arc;

use dockhand_engine::MIN_API_VERSION;
use dockhand_harness::Check;

use crate::exec::{self, Runtime};
use crate::model::StepFile;

/// Harness checks of step files. Their strings are leaked: files are read
/// once per process, and the harness's check model is `'static`.
pub fn checks(files: Vec<StepFile>, rt: &Runtime) -> Vec<Check> {
    let rt = Arc::new(rt.clone());
    files.into_iter().map(|f| check(f, rt.clone())).collect()
}

fn leak(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn leak_all(v: impl IntoIterator<Item = String>) -> &'static [&'static str] {
    Box::leak(v.into_iter().map(leak).collect::<Vec<_>>().into_boxed_slice())
}

fn check(f: StepFile, rt: Arc<Runtime>) -> Check {
    let id = leak(f.id.clone());
    let summary = leak(f.summary.clone());
    let tags = leak_all(f.tags.clone());
    let variants = leak_all(f.variants.iter().map(|(n, _)| n.clone()));
    let reference = leak_all(f.reference.clone());
    let needs: &'static [dockhand_harness::Need] = Box::leak(f.needs.clone().into_boxed_slice());
    let source = leak(f.path.clone());
    let min_api = f.min_api.unwrap_or(MIN_API_VERSION);
    let file = Arc::new(f);
    Check::with_body(
        id,
        summary,
        Arc::new(move |ctx| Box::pin(exec::run(file.clone(), rt.clone(), ctx))),
    )
    .tags(tags)
    .variants(variants)
    .reference(reference)
    .needs(needs)
    .min_api(min_api)
    .source(source)
}
