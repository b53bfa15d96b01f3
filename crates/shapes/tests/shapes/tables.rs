//! The tables themselves: the same 106 operations as the harness's list,
//! unique names, and every operation with at least one documented reply.

use std::collections::HashSet;

use dockhand_shapes::{operations, shape_count, Def, Ty};

/// `(id, method, path)` of every `op(...)` in the harness's operation table,
/// read from its source: this crate must not depend on the harness.
fn harness_operations() -> Vec<(String, String, String)> {
    let src = include_str!("../../../harness/src/operations.rs");
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(i) = rest.find("op(") {
        rest = &rest[i + 3..];
        if !rest.trim_start().starts_with('"') {
            continue;
        }
        let quoted: Vec<&str> = rest.split('"').skip(1).step_by(2).take(3).collect();
        out.push((quoted[0].to_string(), quoted[1].to_string(), quoted[2].to_string()));
    }
    out
}

#[test]
fn every_harness_operation_has_its_shapes_with_the_same_route() {
    let harness = harness_operations();
    assert_eq!(harness.len(), 106, "the harness lists 106 operations");
    assert_eq!(operations().len(), 106);
    for (id, method, path) in &harness {
        let op = operations()
            .iter()
            .find(|o| o.id == id)
            .unwrap_or_else(|| panic!("no shapes for {id}"));
        assert_eq!((op.method, op.path), (method.as_str(), path.as_str()), "{id}");
    }
}

#[test]
fn every_operation_documents_a_reply_and_ids_are_unique() {
    let ids: HashSet<_> = operations().iter().map(|o| o.id).collect();
    assert_eq!(ids.len(), operations().len());
    for o in operations() {
        assert!(!o.replies.is_empty(), "{} documents no reply", o.id);
        for (s, _) in o.replies {
            assert!(!o.errors.contains(s), "{} lists {s} twice", o.id);
        }
    }
    assert_eq!(shape_count(), 355, "documented (operation, status) pairs of v1.41");
}

fn defs_of(ty: &'static Ty, out: &mut Vec<&'static Def>) {
    match ty {
        Ty::Arr(t) | Ty::Map(t) => defs_of(t, out),
        Ty::Ref(d) if !out.iter().any(|x| std::ptr::eq(*x, *d)) => {
            out.push(d);
            for b in d.base {
                defs_of(Box::leak(Box::new(Ty::Ref(b))), out);
            }
            for f in d.fields {
                defs_of(&f.ty, out);
            }
        }
        _ => {}
    }
}

#[test]
fn definitions_have_unique_names_and_fields() {
    let mut defs = Vec::new();
    for o in operations() {
        for (_, b) in o.replies {
            if let dockhand_shapes::Body::Json(t) | dockhand_shapes::Body::JsonLines(t) = b {
                defs_of(t, &mut defs);
            }
        }
    }
    let names: HashSet<_> = defs.iter().map(|d| d.name).collect();
    assert_eq!(names.len(), defs.len(), "definition names are unique");
    for d in &defs {
        let fields: Vec<_> = d.all_fields().map(|f| f.name).collect();
        let unique: HashSet<_> = fields.iter().collect();
        assert_eq!(unique.len(), fields.len(), "{} repeats a field", d.name);
    }
    assert!(defs.len() > 150, "{} definitions reachable from replies", defs.len());
}
