//! dockhand-engine: a Docker Engine API client written for testers.
//!
//! The main type is [`Engine`]. Unlike a general-purpose client it never hides
//! what the engine did: every call returns the raw status, headers and body
//! ([`Response`]), streams are decoded strictly ([`FrameDecoder`],
//! [`JsonLinesDecoder`]), and failures are sorted into the kinds a user must
//! act on differently ([`EngineError`]). Every call has a deadline.
//!
//! The area modules (`system`, `container`, `image`) add thin typed calls on
//! top; one file per API area, as the reference is organised.

mod client;
mod container;
mod context;
mod endpoint;
mod error;
mod idle;
mod image;
mod observe;
mod relay;
mod request;
mod resolve;
mod response;
mod ssh;
mod stream;
mod stream_response;
mod system;
mod tls;
mod transport;
mod version;

pub use client::{product_name, ConnectOptions, Deadlines, Engine, EngineInfo, Upgrade};
pub use container::label_filter;
pub use context::{ContextEndpoint, ContextError, DockerConfigDir, DEFAULT_CONTEXT};
pub use endpoint::{Address, Endpoint, EndpointParseError, EndpointSource, NamedEngine, DEFAULT_SOCKET};
pub use error::{fmt_duration, EngineError, UnreachableReason};
pub use observe::{CallObserver, CallRecord, ReplySeen};
pub use request::{encode, Request};
pub use resolve::{
    context_endpoint, resolve as resolve_endpoint, tls_options, Choices, Layer, ResolveError, Resolved, TlsFlags,
};
pub use response::Response;
pub use ssh::{SshAddress, SshFailure, SshFailureKind};
pub use stream::{encode_frame, DecodeError, Frame, FrameDecoder, JsonLinesDecoder, StreamDecoder, StreamKind};
pub use stream_response::{Decoded, FrameStream, JsonStream, StreamResponse};
pub use tls::{TlsClient, TlsFailure, TlsFileError, TlsOptions, TlsTarget};
pub use version::{negotiate, ApiVersion, ApiVersionParseError, NoCommonVersion, MAX_API_VERSION, MIN_API_VERSION};

pub use bytes::Bytes;
pub use http::{HeaderMap, Method, StatusCode};
