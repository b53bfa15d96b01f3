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
