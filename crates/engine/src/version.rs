//! API versions: [`ApiVersion`], and the range dockhand speaks.

use std::fmt;
use std::str::FromStr;

/// An Engine API version such as `1.41`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    pub major: u16,
    pub minor: u16,
}

impl ApiVersion {
    pub const fn new(major: u16, minor: u16) -> Self {
        ApiVersion { major, minor }
    }
}

/// The newest API version dockhand's checks are written against: the
/// reference for v1.41 is the one the suite cites.
pub const MAX_API_VERSION: ApiVersion = ApiVersion::new(1, 41);

/// The oldest API version dockhand will talk to; older engines lack the
/// endpoints the life-cycle checks rely on.
pub const MIN_API_VERSION: ApiVersion = ApiVersion::new(1, 25);

/// An engine and dockhand have no API version in common: the engine's
/// minimum is above the version dockhand would speak, so every versioned
/// call would be refused with 400 (Docker 29.0 to 29.2 accept 1.44 and up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoCommonVersion {
    /// The engine's `MinAPIVersion`.
    pub engine_min: ApiVersion,
    /// The engine's `ApiVersion`.
    pub engine_max: ApiVersion,
    /// What dockhand would have spoken.
    pub wanted: ApiVersion,
    /// Whether `wanted` was pinned (`--api-version`) rather than negotiated.
    pub pinned: bool,
}

/// The API version to speak with an engine that speaks `engine_max` and
/// accepts no older than `engine_min`: the pin, else the lower of
/// `engine_max` and [`MAX_API_VERSION`]. An engine that does not say its
/// minimum is taken to accept it.
pub fn negotiate(
    engine_max: ApiVersion,
    engine_min: Option<ApiVersion>,
    pinned: Option<ApiVersion>,
) -> Result<ApiVersion, NoCommonVersion> {
    let wanted = pinned.unwrap_or(engine_max.min(MAX_API_VERSION));
    match engine_min {
        Some(min) if min > wanted => Err(NoCommonVersion {
            engine_min: min,
            engine_max,
            wanted,
            pinned: pinned.is_some(),
        }),
        _ => Ok(wanted),
    }
}

/// A version string that is not `MAJOR.MINOR`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid API version '{0}': expected MAJOR.MINOR such as 1.41")]
pub struct ApiVersionParseError(pub String);

impl FromStr for ApiVersion {
    type Err = ApiVersionParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().trim_start_matches('v');
        let (a, b) = t.split_once('.').ok_or_else(|| ApiVersionParseError(s.to_string()))?;
        let major = a.parse().map_err(|_| ApiVersionParseError(s.to_string()))?;
        let minor = b.parse().map_err(|_| ApiVersionParseError(s.to_string()))?;
        Ok(ApiVersion { major, minor })
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl serde::Serialize for ApiVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ApiVersion {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> ApiVersion {
        s.parse().unwrap()
    }

    #[test]
    fn an_engine_whose_minimum_is_above_ours_has_no_common_version() {
        // Docker 29.1: API 1.52, minimum 1.44.
        let e = negotiate(v("1.52"), Some(v("1.44")), None).unwrap_err();
        assert_eq!((e.engine_min, e.wanted, e.pinned), (v("1.44"), MAX_API_VERSION, false));
        // Docker 28: API 1.51, minimum 1.24; Podman 4.3: 1.41, minimum 1.24.
        assert_eq!(negotiate(v("1.51"), Some(v("1.24")), None), Ok(MAX_API_VERSION));
        assert_eq!(negotiate(v("1.41"), Some(v("1.24")), None), Ok(v("1.41")));
        // Older engines speak less than we do, and may not say their minimum.
        assert_eq!(negotiate(v("1.40"), None, None), Ok(v("1.40")));
        // A pin below the engine's minimum is refused as well, and says so.
        let e = negotiate(v("1.52"), Some(v("1.44")), Some(v("1.40"))).unwrap_err();
        assert!(e.pinned);
        assert_eq!(negotiate(v("1.52"), Some(v("1.44")), Some(v("1.44"))), Ok(v("1.44")));
    }

    #[test]
    fn parses_and_orders() {
        let a: ApiVersion = "1.41".parse().unwrap();
        let b: ApiVersion = "v1.9".parse().unwrap();
        assert!(b < a);
        assert_eq!(a.to_string(), "1.41");
        assert!("141".parse::<ApiVersion>().is_err());
        assert!("1.x".parse::<ApiVersion>().is_err());
    }
}
