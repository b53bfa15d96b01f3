//! Later API versions as deltas on v1.41, and [`Catalog`]: the shapes of one
//! negotiated version, v1.41 with every delta up to it applied.
//!
//! A delta names definitions and fields by the reference's names, so that a
//! version is a few lines (the fields it adds or removes, the media types that
//! change) instead of a copy of the tables. The deltas below are the first
//! ones, chosen to show the mechanism; dockhand negotiates at most 1.41 today
//! (`MAX_API_VERSION`), so they apply only when a later version is asked for.

use std::collections::HashMap;

use dockhand_engine::ApiVersion;

use std::mem::{discriminant, Discriminant};

use crate::shape::{Body, Def, Field, OpShape};
use crate::v1_41::OPS;

/// One change a version makes.
#[derive(Debug)]
pub enum Change {
    /// The version adds this field to the definition named first.
    Add(&'static str, Field),
    /// The version removes the field named second from the definition named first.
    Remove(&'static str, &'static str),
    /// From this version on, replies of this kind of body (the variant
    /// counts, not its type) carry one of these media types.
    Media(Body, &'static [&'static str]),
}

/// The changes of one version, with where the reference says so.
#[derive(Debug)]
pub struct Delta {
    pub version: ApiVersion,
    pub cite: &'static str,
    pub changes: &'static [Change],
}

const RAW_STREAM: &str = "application/vnd.docker.raw-stream";
const MULTIPLEXED_STREAM: &str = "application/vnd.docker.multiplexed-stream";

/// The media types of each kind of reply in v1.41 (its `produces`; a JSON
/// lines reply is sent as `application/json`). An empty list is not checked.
fn base_media(body: &Body) -> &'static [&'static str] {
    match body {
        Body::Json(_) | Body::JsonLines(_) => &["application/json"],
        Body::Stream | Body::Upgraded => &[RAW_STREAM],
        Body::Text => &["text/plain"],
        Body::Binary => &["application/octet-stream"],
        Body::Tar => &["application/x-tar"],
        Body::Logs | Body::Empty => &[],
    }
}

/// The deltas, oldest first.
pub static DELTAS: &[Delta] = &[
    Delta {
        version: ApiVersion::new(1, 42),
        cite: "api/docs/v1.42.yaml, ContainerAttach/ContainerLogs/ExecStart `produces`; version history 1.42: \
               multiplexed replies say `application/vnd.docker.multiplexed-stream`, and logs get a media type",
        changes: &[
            Change::Media(Body::Stream, &[RAW_STREAM, MULTIPLEXED_STREAM]),
            Change::Media(Body::Logs, &[RAW_STREAM, MULTIPLEXED_STREAM]),
            Change::Media(Body::Upgraded, &[RAW_STREAM, MULTIPLEXED_STREAM]),
        ],
    },
    Delta {
        version: ApiVersion::new(1, 44),
        cite: "api/docs/v1.44.yaml, definitions ImageSummary and ImageInspect; version history 1.44: \
               `VirtualSize` removed from GET /images/json and GET /images/{name}/json",
        changes: &[
            Change::Remove("ImageSummary", "VirtualSize"),
            Change::Remove("ImageInspect", "VirtualSize"),
        ],
    },
];

/// The shapes of one API version.
#[derive(Debug)]
pub struct Catalog {
    version: ApiVersion,
    added: HashMap<&'static str, Vec<&'static Field>>,
    removed: HashMap<&'static str, Vec<&'static str>>,
    /// Media types by body variant, where a delta changed them.
    media: HashMap<Discriminant<Body>, &'static [&'static str]>,
}

impl Catalog {
    /// v1.41 with the deltas of every version up to `version` applied. A
    /// version below 1.41 gets v1.41's shapes, but [`Catalog::check`]
    /// validates no reply to a path versioned below [`crate::FLOOR`].
    pub fn new(version: ApiVersion) -> Catalog {
        let mut c = Catalog {
            version,
            added: HashMap::new(),
            removed: HashMap::new(),
            media: HashMap::new(),
        };
        for d in DELTAS.iter().filter(|d| d.version <= version) {
            for ch in d.changes {
                match ch {
                    Change::Add(def, field) => c.added.entry(*def).or_default().push(field),
                    Change::Remove(def, name) => c.removed.entry(*def).or_default().push(*name),
                    Change::Media(body, types) => {
                        c.media.insert(discriminant(body), *types);
                    }
                }
            }
        }
        c
    }

    pub fn version(&self) -> ApiVersion {
        self.version
    }

    /// The operation with this `operationId`.
    pub fn operation(&self, id: &str) -> Option<&'static OpShape> {
        OPS.iter().find(|o| o.id == id)
    }

    /// The operation a request goes to: `method` and the path as sent
    /// (versioned or not, with or without a query).
    pub fn route(&self, method: &str, path: &str) -> Option<&'static OpShape> {
        crate::route::route(method, path)
    }

    /// The media types a reply with this body may carry (empty: not checked).
    pub fn media(&self, body: &Body) -> &'static [&'static str] {
        self.media
            .get(&discriminant(body))
            .copied()
            .unwrap_or_else(|| base_media(body))
    }

    /// The fields a definition has in this version.
    pub(crate) fn fields<'a>(&'a self, def: &'static Def) -> impl Iterator<Item = &'static Field> + 'a {
        let removed = self.removed.get(def.name);
        def.all_fields()
            .filter(move |f| !removed.is_some_and(|r| r.contains(&f.name)))
            .chain(self.added.get(def.name).into_iter().flatten().copied())
    }

    /// The field a definition has by this name in this version.
    pub(crate) fn field(&self, def: &'static Def, name: &str) -> Option<&'static Field> {
        self.fields(def).find(|f| f.name == name)
    }
}
