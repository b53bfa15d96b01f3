//! Container endpoints. The raw calls return any status for checks to assert;
//! the `*_ok` helpers are for setup and cleanup, where only success will do.

use std::time::Duration;

use crate::client::Engine;
use crate::error::EngineError;
use crate::request::Request;
use crate::response::Response;

/// The label filter `{"label": [...]}` as the list endpoints take it.
pub fn label_filter(labels: &[&str]) -> String {
    serde_json::json!({ "label": labels }).to_string()
}

impl Engine {
    /// `POST /containers/create[?name=]`.
    pub async fn container_create(
        &self,
        name: Option<&str>,
        config: &serde_json::Value,
    ) -> Result<Response, EngineError> {
        let mut r = Request::post("/containers/create").json(config);
        if let Some(n) = name {
            r = r.query("name", n);
        }
        self.send(r).await
    }

    /// `POST /containers/{id}/start`.
    pub async fn container_start(&self, id: &str) -> Result<Response, EngineError> {
        self.send(Request::post(format!("/containers/{id}/start"))).await
    }

    /// `POST /containers/{id}/stop?t=`; the deadline grows by `t`.
    pub async fn container_stop(&self, id: &str, t: Option<u64>) -> Result<Response, EngineError> {
        let mut r = Request::post(format!("/containers/{id}/stop"));
        if let Some(t) = t {
            r = r.query("t", t).allowance(Duration::from_secs(t));
        }
        self.send(r).await
    }

    /// `POST /containers/{id}/kill[?signal=]`.
    pub async fn container_kill(&self, id: &str, signal: Option<&str>) -> Result<Response, EngineError> {
        let mut r = Request::post(format!("/containers/{id}/kill"));
        if let Some(s) = signal {
            r = r.query("signal", s);
        }
        self.send(r).await
    }

    /// `GET /containers/{id}/json`.
    pub async fn container_inspect(&self, id: &str) -> Result<Response, EngineError> {
        self.send(Request::get(format!("/containers/{id}/json"))).await
    }

    /// `DELETE /containers/{id}?force=&v=`.
    pub async fn container_remove(&self, id: &str, force: bool, volumes: bool) -> Result<Response, EngineError> {
        self.send(
            Request::delete(format!("/containers/{id}"))
                .query("force", force)
                .query("v", volumes),
        )
        .await
    }

    /// `GET /containers/{id}/logs` with the given query, read whole.
    pub async fn container_logs(&self, id: &str, query: &[(&str, &str)]) -> Result<Response, EngineError> {
        let mut r = Request::get(format!("/containers/{id}/logs"));
        for (k, v) in query {
            r = r.query(k, v);
        }
        self.send(r).await
    }

    /// `POST /containers/{id}/wait[?condition=]`, allowed to wait `allowance` longer than a call.
    pub async fn container_wait(
        &self,
        id: &str,
        condition: Option<&str>,
        allowance: Duration,
    ) -> Result<Response, EngineError> {
        let mut r = Request::post(format!("/containers/{id}/wait")).allowance(allowance);
        if let Some(c) = condition {
            r = r.query("condition", c);
        }
        self.send(r).await
    }

    /// `GET /containers/json?all=1&filters=`.
    pub async fn container_list(
        &self,
        all: bool,
        filters: Option<&str>,
    ) -> Result<Vec<serde_json::Value>, EngineError> {
        let mut r = Request::get("/containers/json").query("all", all);
        if let Some(f) = filters {
            r = r.query("filters", f);
        }
        self.send(r).await?.ok()?.json()
    }
}
