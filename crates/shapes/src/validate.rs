//! The validator: a reply (operation, status, headers, body) against the
//! shapes of the negotiated version ([`Catalog`]), giving [`Finding`]s.
//!
//! It walks a `serde_json::Value` once, keeping a JSON pointer to where it is.
//! Every finding names the operation and status, the pointer (RFC 6901; for a
//! JSON lines reply the first segment is the line's index), the expected type
//! or enum, the actual value cut to [`ACTUAL_MAX`] characters, and a
//! [`FindingKind`]. In a JSON lines reply, a finding that recurs on later
//! lines is kept for its first line only. Fields the reference does not define are `extra`, and a
//! status it does not list is `undocumented-status`: both are reported and
//! neither fails a case ([`FindingKind::fails`]).

use dockhand_engine::HeaderMap;
use serde_json::Value;

use crate::delta::Catalog;
use crate::shape::{Body, Def, OpShape, Ty};
use crate::v1_41::ERROR_RESPONSE;

/// What is wrong at a place in a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FindingKind {
    /// A required field is absent.
    MissingRequired,
    /// A value of another JSON type than the reference's.
    WrongType,
    /// A string (or integer) outside the reference's enum.
    BadEnum,
    /// `null` where the reference says `x-nullable: false`.
    NullNotNullable,
    /// An array item of another type than the reference's items.
    WrongItemType,
    /// The reply's `Content-Type` is not the reference's, or a body came
    /// where none is defined.
    MediaType,
    /// A body that should be JSON and is not.
    InvalidJson,
    /// A field the reference does not define. Reported, never failing.
    Extra,
    /// A status the reference does not list for the operation. Reported,
    /// never failing.
    UndocumentedStatus,
}

impl FindingKind {
    /// Whether a finding of this kind fails the case.
    pub fn fails(self) -> bool {
        !matches!(self, FindingKind::Extra | FindingKind::UndocumentedStatus)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::MissingRequired => "missing-required",
            FindingKind::WrongType => "wrong-type",
            FindingKind::BadEnum => "bad-enum",
            FindingKind::NullNotNullable => "null-not-nullable",
            FindingKind::WrongItemType => "wrong-item-type",
            FindingKind::MediaType => "media-type",
            FindingKind::InvalidJson => "invalid-json",
            FindingKind::Extra => "extra",
            FindingKind::UndocumentedStatus => "undocumented-status",
        }
    }
}

impl std::fmt::Display for FindingKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One place where a reply departs from the reference.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    /// The reference's `operationId`.
    pub operation: String,
    pub status: u16,
    /// A JSON pointer into the body (`""` for the body or the reply itself).
    pub pointer: String,
    pub kind: FindingKind,
    /// The type or enum the reference gives.
    pub expected: String,
    /// What came, cut to [`ACTUAL_MAX`] characters.
    pub actual: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.pointer.is_empty() {
            "(body)"
        } else {
            &self.pointer
        };
        write!(
            f,
            "{} {} {at}: {}: expected {}, got {}",
            self.operation, self.status, self.kind, self.expected, self.actual
        )
    }
}

/// The longest `actual` a finding carries, in characters.
pub const ACTUAL_MAX: usize = 80;

fn cut(s: &str) -> String {
    match s.char_indices().nth(ACTUAL_MAX) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

fn show(v: &Value) -> String {
    cut(&v.to_string())
}

/// One reply to validate. `body` is `None` when it was not read whole (a
/// stream, an upgraded connection): then only its media type is checked.
#[derive(Debug, Clone, Copy)]
pub struct Reply<'a> {
    pub method: &'a str,
    pub status: u16,
    pub headers: &'a HeaderMap,
    pub body: Option<&'a [u8]>,
}

struct Walk<'c> {
    catalog: &'c Catalog,
    op: &'static str,
    status: u16,
    pointer: String,
    out: Vec<Finding>,
}

impl Walk<'_> {
    fn push(&mut self, kind: FindingKind, expected: String, actual: String) {
        self.out.push(Finding {
            operation: self.op.to_string(),
            status: self.status,
            pointer: self.pointer.clone(),
            kind,
            expected,
            actual,
        });
    }

    /// Runs `f` with `/seg` appended to the pointer.
    fn at(&mut self, seg: &str, f: impl FnOnce(&mut Self)) {
        let len = self.pointer.len();
        self.pointer.push('/');
        for c in seg.chars() {
            match c {
                '~' => self.pointer.push_str("~0"),
                '/' => self.pointer.push_str("~1"),
                c => self.pointer.push(c),
            }
        }
        f(self);
        self.pointer.truncate(len);
    }

    fn value(&mut self, ty: &'static Ty, v: &Value, nullable: bool, item: bool) {
        if v.is_null() {
            if !nullable {
                self.push(FindingKind::NullNotNullable, ty.describe(), "null".into());
            }
            return;
        }
        let type_ok = match ty {
            Ty::Any => true,
            Ty::Str | Ty::Enum(_) => v.is_string(),
            Ty::Int | Ty::IntEnum(_) => v.is_i64() || v.is_u64(),
            Ty::Num => v.is_number(),
            Ty::Bool => v.is_boolean(),
            Ty::Arr(_) => v.is_array(),
            Ty::AnyObj | Ty::Map(_) | Ty::Ref(_) => v.is_object(),
        };
        if !type_ok {
            let kind = if item {
                FindingKind::WrongItemType
            } else {
                FindingKind::WrongType
            };
            self.push(kind, ty.describe(), show(v));
            return;
        }
        match (ty, v) {
            (Ty::Enum(allowed), Value::String(s)) if !allowed.contains(&s.as_str()) => {
                self.push(FindingKind::BadEnum, ty.describe(), show(v));
            }
            (Ty::IntEnum(allowed), _) if !v.as_i64().is_some_and(|i| allowed.contains(&i)) => {
                self.push(FindingKind::BadEnum, ty.describe(), show(v));
            }
            (Ty::Arr(items), Value::Array(a)) => {
                for (i, x) in a.iter().enumerate() {
                    self.at(&i.to_string(), |w| w.value(items, x, true, true));
                }
            }
            (Ty::Map(values), Value::Object(m)) => {
                for (k, x) in m {
                    self.at(k, |w| w.value(values, x, true, false));
                }
            }
            (Ty::Ref(def), Value::Object(m)) => self.object(def, m),
            _ => {}
        }
    }

    fn object(&mut self, def: &'static Def, m: &serde_json::Map<String, Value>) {
        let catalog = self.catalog;
        for field in catalog.fields(def) {
            match m.get(field.name) {
                Some(x) => self.at(field.name, |w| w.value(&field.ty, x, field.nullable, false)),
                None if field.required => self.at(field.name, |w| {
                    w.push(FindingKind::MissingRequired, field.ty.describe(), "(absent)".into())
                }),
                None => {}
            }
        }
        for (k, x) in m {
            if catalog.field(def, k).is_none() {
                self.at(k, |w| {
                    w.push(FindingKind::Extra, format!("no such field in {}", def.name), show(x))
                });
            }
        }
    }
}

/// The essence of a `Content-Type` (`text/plain; charset=utf-8` -> `text/plain`).
fn essence(headers: &HeaderMap) -> Option<String> {
    let ct = headers.get("content-type")?.to_str().ok()?;
    Some(ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
}

impl Catalog {
    /// Validates a reply to `op`.
    pub fn validate(&self, op: &'static OpShape, reply: &Reply<'_>) -> Vec<Finding> {
        let mut w = Walk {
            catalog: self,
            op: op.id,
            status: reply.status,
            pointer: String::new(),
            out: Vec::new(),
        };
        static ERROR: Ty = Ty::Ref(&ERROR_RESPONSE);
        let documented = op.replies.iter().find(|(s, _)| *s == reply.status).map(|(_, b)| *b);
        let body = match documented {
            Some(b) => b,
            None => {
                let listed = op.errors.contains(&reply.status);
                if !listed {
                    let mut all: Vec<String> = op.replies.iter().map(|(s, _)| s.to_string()).collect();
                    all.extend(op.errors.iter().map(|s| s.to_string()));
                    w.push(
                        FindingKind::UndocumentedStatus,
                        format!("one of {}", all.join(", ")),
                        reply.status.to_string(),
                    );
                }
                if reply.status >= 400 {
                    Body::Json(&ERROR)
                } else {
                    return w.out;
                }
            }
        };
        // A HEAD reply has no body, whatever a GET's would be.
        let bytes = if reply.method.eq_ignore_ascii_case("HEAD") {
            None
        } else {
            reply.body
        };
        let media = self.media(&body);
        let has_body = bytes.is_none_or(|b| !b.is_empty());
        if !media.is_empty() && has_body {
            let ct = essence(reply.headers);
            if !ct.as_deref().is_some_and(|c| media.contains(&c)) {
                w.push(
                    FindingKind::MediaType,
                    media.join(" or "),
                    ct.unwrap_or_else(|| "no Content-Type".into()),
                );
            }
        }
        let Some(bytes) = bytes else { return w.out };
        match body {
            Body::Json(ty) => match serde_json::from_slice::<Value>(bytes) {
                Ok(v) => w.value(ty, &v, true, false),
                Err(e) => w.push(
                    FindingKind::InvalidJson,
                    ty.describe(),
                    cut(&format!("{e}: {}", String::from_utf8_lossy(bytes))),
                ),
            },
            Body::JsonLines(ty) => {
                // Lines, or values one after another: dockerd ends each with
                // a newline, but JSON needs none between objects. A finding
                // that recurs on later lines (same place, same kind) is
                // reported for its first line only: a stream of events would
                // otherwise repeat one deviation per event.
                let mut values = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
                let mut seen: Vec<(String, FindingKind)> = Vec::new();
                for i in 0usize.. {
                    let before = w.out.len();
                    let prefix = format!("/{i}");
                    match values.next() {
                        None => break,
                        Some(Ok(v)) => w.at(&i.to_string(), |w| w.value(ty, &v, true, false)),
                        Some(Err(e)) => {
                            w.at(&i.to_string(), |w| {
                                w.push(FindingKind::InvalidJson, ty.describe(), cut(&e.to_string()))
                            });
                            break;
                        }
                    }
                    let mut fresh = w.out.split_off(before);
                    fresh.retain(|f| {
                        let key = (f.pointer[prefix.len()..].to_string(), f.kind);
                        let new = !seen.contains(&key);
                        if new {
                            seen.push(key);
                        }
                        new
                    });
                    w.out.extend(fresh);
                }
            }
            Body::Empty if !bytes.is_empty() => w.push(
                FindingKind::MediaType,
                "no body".into(),
                cut(&String::from_utf8_lossy(bytes)),
            ),
            _ => {}
        }
        w.out
    }

    /// Routes a request to its operation and validates the reply; `None` when
    /// the request reaches no operation of the reference, or was sent under
    /// a version below the shapes' [`FLOOR`](crate::FLOOR).
    pub fn check(&self, path: &str, reply: &Reply<'_>) -> Option<Vec<Finding>> {
        self.check_op(path, reply).map(|(_, found)| found)
    }

    /// [`Catalog::check`], also naming the operation the reply was validated
    /// as.
    pub fn check_op(&self, path: &str, reply: &Reply<'_>) -> Option<(&'static OpShape, Vec<Finding>)> {
        if crate::route::path_version(path).is_some_and(|v| v < crate::FLOOR) {
            return None;
        }
        let op = self.route(reply.method, path)?;
        Some((op, self.validate(op, reply)))
    }
}
