//! [`Ctx`]: what a running check sees. The engine (with every call recorded in
//! the check's transcript), its names and labels, the probe image, its knobs,
//! and the cleanup stack that the runner unwinds whatever happens.

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use dockhand_engine::{CallObserver, CallRecord, Engine, ReplySeen, Response};
use serde_json::{json, Map, Value};

use crate::cluster::{ClusterCtx, ClusterHandle, GateGuard};
use crate::failure::{CheckError, Mismatch};
use crate::objects::ObjectKind;
use crate::observed::{Fact, Observed};
use crate::probe::ProbeImage;
use crate::reply;

// The labels (and the host and owner they name) live with the object
// plumbing in `dockhand-objects`; re-exported here for checks.
pub use dockhand_objects::labels::{
    hostname, owner, LABEL_CASE, LABEL_CHECK, LABEL_EXPIRES, LABEL_OWNER, LABEL_RUN, OBJECT_LIFETIME,
};

/// Something to undo after the check, in reverse order of registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cleanup {
    Container(String),
    Volume(String),
    Network(String),
    Image(String),
    /// A swarm service: removed, then waited for until its tasks are gone,
    /// so that the networks, secrets and configs it used can go next.
    Service(String),
    Secret(String),
    Config(String),
}

impl Cleanup {
    /// What to remove: the kind, and the id (or volume name).
    pub fn target(&self) -> (ObjectKind, &str) {
        match self {
            Cleanup::Container(id) => (ObjectKind::Container, id),
            Cleanup::Volume(name) => (ObjectKind::Volume, name),
            Cleanup::Network(id) => (ObjectKind::Network, id),
            Cleanup::Image(id) => (ObjectKind::Image, id),
            Cleanup::Service(id) => (ObjectKind::Service, id),
            Cleanup::Secret(id) => (ObjectKind::Secret, id),
            Cleanup::Config(id) => (ObjectKind::Config, id),
        }
    }
}

/// The calls a check made, in order.
#[derive(Debug, Default)]
pub struct Transcript {
    calls: Mutex<Vec<CallRecord>>,
}

impl Transcript {
    pub fn calls(&self) -> Vec<CallRecord> {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl CallObserver for Transcript {
    fn record(&self, call: &CallRecord) {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).push(call.clone());
    }
}

/// Observers can be chained: the transcript and `--verbose` printing.
pub(crate) struct Tee(pub Vec<Arc<dyn CallObserver>>);

impl CallObserver for Tee {
    fn record(&self, call: &CallRecord) {
        for o in &self.0 {
            o.record(call);
        }
    }

    fn reply(&self, reply: &ReplySeen<'_>) {
        for o in &self.0 {
            o.reply(reply);
        }
    }
}

pub(crate) struct CtxInner {
    pub engine: Engine,
    pub run_id: String,
    pub check_id: &'static str,
    pub variant: Option<&'static str>,
    pub iteration: u32,
    pub settings: Value,
    pub probe: Arc<ProbeImage>,
    pub cleanup: Mutex<Vec<Cleanup>>,
    pub transcript: Arc<Transcript>,
    /// What the engine's calls are reported to (the transcript, `--verbose`).
    pub observer: Arc<dyn CallObserver>,
    /// The run's local cluster, with `--cluster`.
    pub cluster: Option<Arc<ClusterHandle>>,
    /// The check's share of the cluster gate, dropped by the runner after cleanup.
    pub gate: Arc<Mutex<Option<GateGuard>>>,
}

/// The handle a check gets. Cheap to clone.
#[derive(Clone)]
pub struct Ctx {
    pub(crate) inner: Arc<CtxInner>,
}

/// The label set for objects of a run and check.
pub fn object_labels(run_id: &str, check_id: &str, case: &str) -> Map<String, Value> {
    let expires = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default() + OBJECT_LIFETIME;
    let mut m = Map::new();
    m.insert(LABEL_RUN.into(), json!(run_id));
    m.insert(LABEL_CHECK.into(), json!(check_id));
    m.insert(LABEL_CASE.into(), json!(case));
    m.insert(LABEL_OWNER.into(), json!(owner()));
    m.insert(LABEL_EXPIRES.into(), json!(expires.as_secs().to_string()));
    m
}

/// The [`LABEL_CASE`] value of a case.
pub fn case_label(check_id: &str, variant: Option<&str>, iteration: u32) -> String {
    match variant {
        Some(v) => format!("{check_id}:{v}#{iteration}"),
        None => format!("{check_id}#{iteration}"),
    }
}

impl Ctx {
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub fn run_id(&self) -> &str {
        &self.inner.run_id
    }

    /// The check's id, without the variant.
    pub fn check_id(&self) -> &'static str {
        self.inner.check_id
    }

    /// The variant being run, for checks that expand into sub-checks.
    pub fn variant(&self) -> Option<&'static str> {
        self.inner.variant
    }

    pub fn iteration(&self) -> u32 {
        self.inner.iteration
    }

    /// `<case id>#<iteration>`, the value of [`LABEL_CASE`].
    pub fn case_label(&self) -> String {
        case_label(self.inner.check_id, self.inner.variant, self.inner.iteration)
    }

    /// The labels every object this check creates must carry.
    pub fn labels(&self) -> Value {
        Value::Object(object_labels(
            &self.inner.run_id,
            self.inner.check_id,
            &self.case_label(),
        ))
    }

    /// The labels, plus the check's own.
    pub fn labels_with(&self, extra: &[(&str, &str)]) -> Value {
        let mut m = object_labels(&self.inner.run_id, self.inner.check_id, &self.case_label());
        for (k, v) in extra {
            m.insert((*k).into(), json!(v));
        }
        Value::Object(m)
    }

    /// A name unique to this run, process, check, variant and iteration:
    /// `dh-<run>-<pid>-<check>-<iteration>-<suffix>` with characters the
    /// engine accepts. The pid keeps a resumed run clear of objects that the
    /// engine finished creating for the killed process after it died.
    pub fn name(&self, suffix: &str) -> String {
        let mut case = self.inner.check_id.replace('/', "-");
        if let Some(v) = self.inner.variant {
            case.push('-');
            case.push_str(v);
        }
        let raw = format!(
            "dh-{}-{:x}-{}-{}-{}",
            self.inner.run_id,
            std::process::id(),
            case,
            self.inner.iteration,
            suffix
        );
        raw.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "_.-".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .to_ascii_lowercase()
    }

    /// The probe image's reference, built and loaded on first use.
    pub async fn probe(&self) -> Result<String, CheckError> {
        self.inner.probe.ensure(&self.inner.engine).await?;
        Ok(self.inner.probe.reference().to_string())
    }

    /// Registers an object to remove after the check, whatever happens.
    pub fn defer(&self, c: Cleanup) {
        self.inner.cleanup.lock().unwrap_or_else(|p| p.into_inner()).push(c);
    }

    /// A knob from the check's configuration section.
    pub fn setting(&self, key: &str) -> Option<&Value> {
        self.inner.settings.get(key)
    }

    /// Asserts a status, naming the request, the expected and actual status,
    /// and the engine's message; the failure carries them as [`Observed`]
    /// facts. Then the reply's shape ([`reply::shape_fault`]): an error must
    /// be an `ErrorResponse` with a JSON `Content-Type`, and a JSON body must
    /// have a JSON `Content-Type`.
    pub fn expect_status(&self, resp: &Response, expected: u16, what: &str) -> Result<(), CheckError> {
        if resp.status.as_u16() == expected {
            return match reply::shape_fault(&resp.method, &resp.path, resp.status, &resp.headers, &resp.body) {
                None => Ok(()),
                Some(f) => Err(CheckError::Failed(Box::new(Mismatch {
                    what: format!("{what}: the {expected} reply's body and Content-Type"),
                    request: Some(format!("{} {}", resp.method, resp.path)),
                    expected: f.expected,
                    actual: f.actual,
                    reference: None,
                    // A wrong media type is pinned by its Content-Type; an
                    // error body that says JSON but is no ErrorResponse, by
                    // its status and what its body says.
                    observed: Some(
                        if reply::is_json_content_type(resp.headers.get("content-type").and_then(|v| v.to_str().ok())) {
                            Observed::status(resp)
                        } else {
                            Observed::header(resp.method.as_str(), &resp.path, &resp.headers, "Content-Type")
                        },
                    ),
                }))),
            };
        }
        let msg = resp.message();
        Err(CheckError::Failed(Box::new(Mismatch {
            what: what.to_string(),
            request: Some(format!("{} {}", resp.method, resp.path)),
            expected: format!("status {expected}"),
            actual: if msg.is_empty() {
                format!("status {}", resp.status.as_u16())
            } else {
                format!("status {} with message {:?}", resp.status.as_u16(), msg)
            },
            reference: None,
            observed: Some(Observed::status(resp)),
        })))
    }

    /// Like [`Ctx::expect_status`], citing the reference section.
    pub fn expect_status_ref(
        &self,
        resp: &Response,
        expected: u16,
        what: &str,
        reference: &str,
    ) -> Result<(), CheckError> {
        self.expect_status(resp, expected, what).map_err(|e| match e {
            CheckError::Failed(mut m) => {
                m.reference = Some(reference.to_string());
                CheckError::Failed(m)
            }
            other => other,
        })
    }

    /// Asserts the head of a streamed reply whose body is JSON (a wait, a
    /// stats or events stream): the status, as [`Ctx::expect_status_ref`]
    /// does, then a JSON `Content-Type`. The body comes later, so the
    /// shape of an error is left to the collected reply.
    pub fn expect_json_stream(
        &self,
        s: &dockhand_engine::StreamResponse,
        expected: u16,
        what: &str,
        reference: &str,
    ) -> Result<(), CheckError> {
        let ct = s.headers.get("content-type").and_then(|v| v.to_str().ok());
        let (expected_text, actual, observed) = if s.status.as_u16() != expected {
            // The body (and so the engine's message) has not been read.
            let status = Observed {
                method: s.method.to_string(),
                path: s.path.clone(),
                fact: Fact::Status {
                    status: s.status.as_u16(),
                    message: String::new(),
                },
            };
            (
                format!("status {expected}"),
                format!("status {}", s.status.as_u16()),
                Some(status),
            )
        } else if !reply::is_json_content_type(ct) {
            (
                format!("Content-Type {} for a JSON stream", reply::JSON_MEDIA_TYPE),
                format!("Content-Type {ct:?}"),
                Some(Observed::header(s.method.as_str(), &s.path, &s.headers, "Content-Type")),
            )
        } else {
            return Ok(());
        };
        Err(CheckError::Failed(Box::new(Mismatch {
            what: what.to_string(),
            request: Some(format!("{} {}", s.method, s.path)),
            expected: expected_text,
            actual,
            reference: Some(reference.to_string()),
            observed,
        })))
    }

    /// The check's transcript as a call observer, for engine handles the check
    /// opens itself (e.g. on a private engine), so their calls show in its report.
    pub fn observer(&self) -> Arc<dyn CallObserver> {
        self.inner.transcript.clone()
    }

    /// The run's local cluster (`dockhand check --cluster NAME`), whose first
    /// node is [`Ctx::engine`]; `None` on any other engine.
    pub fn cluster(&self) -> Option<ClusterCtx> {
        let handle = self.inner.cluster.clone()?;
        Some(ClusterCtx {
            handle,
            observer: self.inner.observer.clone(),
            deadlines: self.inner.engine.deadlines(),
            version: self.inner.engine.api_version(),
            held: self.inner.gate.clone(),
        })
    }

    /// The calls made so far.
    pub fn transcript(&self) -> Vec<CallRecord> {
        self.inner.transcript.calls()
    }
}
