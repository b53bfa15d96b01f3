//! System endpoints: ping, version, info, events, df.

use crate::client::Engine;
use crate::error::EngineError;
use crate::request::Request;
use crate::response::Response;

impl Engine {
    /// `GET /_ping`, unversioned as the CLI sends it.
    pub async fn ping(&self) -> Result<Response, EngineError> {
        self.send(Request::get("/_ping").unversioned()).await
    }

    /// `GET /version` (versioned).
    pub async fn version(&self) -> Result<serde_json::Value, EngineError> {
        self.send(Request::get("/version")).await?.ok()?.json()
    }

    /// `GET /info`.
    pub async fn system_info(&self) -> Result<serde_json::Value, EngineError> {
        self.send(Request::get("/info")).await?.ok()?.json()
    }
}
