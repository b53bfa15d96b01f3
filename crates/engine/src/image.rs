//! Image endpoints.

use bytes::Bytes;
use std::time::Duration;

use crate::client::Engine;
use crate::error::EngineError;
use crate::request::Request;
use crate::response::Response;

impl Engine {
    /// `GET /images/{name}/json`.
    pub async fn image_inspect(&self, name: &str) -> Result<Response, EngineError> {
        self.send(Request::get(format!("/images/{name}/json"))).await
    }

    /// `POST /images/load?quiet=1` with an image archive; returns the JSON messages.
    /// A message with `error` is an API failure even though the status is 200.
    pub async fn image_load(&self, archive: Bytes) -> Result<Vec<serde_json::Value>, EngineError> {
        let resp = self
            .send(
                Request::post("/images/load")
                    .query("quiet", "1")
                    .body(archive, "application/x-tar")
                    .allowance(Duration::from_secs(60)),
            )
            .await?
            .ok()?;
        let msgs = resp.json_lines()?;
        if let Some(err) = msgs.iter().find_map(|m| m.get("error").and_then(|e| e.as_str())) {
            return Err(EngineError::Api {
                method: resp.method.clone(),
                path: resp.path.clone(),
                status: resp.status,
                message: err.to_string(),
            });
        }
        Ok(msgs)
    }

    /// `DELETE /images/{name}?force=`.
    pub async fn image_remove(&self, name: &str, force: bool) -> Result<Response, EngineError> {
        self.send(Request::delete(format!("/images/{name}")).query("force", force))
            .await
    }
}
