//! [`ProbeImage`]: the well-known test image, loaded into the engine once per
//! run from the archive dockhand carries, and verified by its ID.

use dockhand_engine::{Engine, EngineError, Method};
use dockhand_probe::ImageArchive;
use tokio::sync::OnceCell;

/// What [`ProbeImage::ensure`] found or did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeState {
    /// The tag already pointed at the expected image ID.
    Present,
    /// The image was loaded (it was missing, or the tag pointed elsewhere).
    Loaded,
}

/// The probe image for one engine.
pub struct ProbeImage {
    reference: String,
    expected_id: String,
    archive: fn() -> ImageArchive,
    done: OnceCell<ProbeState>,
}

impl Default for ProbeImage {
    fn default() -> Self {
        ProbeImage::new()
    }
}

impl ProbeImage {
    pub fn new() -> Self {
        let archive = dockhand_probe::probe_image_archive();
        ProbeImage {
            reference: archive.tag.clone(),
            expected_id: archive.image_id.clone(),
            archive: dockhand_probe::probe_image_archive,
            done: OnceCell::new(),
        }
    }

    /// `dockhand/probe:<version>`.
    pub fn reference(&self) -> &str {
        &self.reference
    }

    /// The image ID every engine must report for it: `sha256:<hex>`.
    pub fn expected_id(&self) -> &str {
        &self.expected_id
    }

    /// Makes sure the engine has the probe image under its tag, loading it
    /// through `POST /images/load` when needed. A loaded image whose ID differs
    /// from the one dockhand computed is a protocol finding, not a warning.
    pub async fn ensure(&self, engine: &Engine) -> Result<ProbeState, EngineError> {
        self.done
            .get_or_try_init(|| async { ensure_on(engine, &self.reference, &self.expected_id, self.archive).await })
            .await
            .copied()
    }
}

async fn image_id(engine: &Engine, reference: &str) -> Result<Option<String>, EngineError> {
    let resp = engine.image_inspect(reference).await?;
    if resp.status.as_u16() == 404 {
        return Ok(None);
    }
    let v: serde_json::Value = resp.ok()?.json()?;
    Ok(v["Id"].as_str().map(str::to_string))
}

/// Loads the probe image unconditionally when absent or different.
pub async fn ensure_on(
    engine: &Engine,
    reference: &str,
    expected_id: &str,
    archive: fn() -> ImageArchive,
) -> Result<ProbeState, EngineError> {
    if image_id(engine, reference).await?.as_deref() == Some(expected_id) {
        return Ok(ProbeState::Present);
    }
    engine.image_load(archive().bytes.into()).await?;
    match image_id(engine, reference).await? {
        Some(id) if id == expected_id => Ok(ProbeState::Loaded),
        other => Err(EngineError::Protocol {
            method: Method::POST,
            path: "/images/load".into(),
            detail: format!(
                "after loading the probe archive, {reference} has id {}, expected {expected_id}: the engine did not keep the image config as sent",
                other.as_deref().unwrap_or("none")
            ),
        }),
    }
}
