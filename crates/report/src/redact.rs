//! Secrets out of everything a report shows: [`redact_value`] rewrites every
//! string of an event before it is parsed, so no section can print one.
//!
//! What counts as a secret: the registry credentials the Engine API carries,
//! the `X-Registry-Auth` and `X-Registry-Config` headers (base64 JSON holding
//! a password) and the `password`, `identitytoken`, `registrytoken` and
//! `auth` fields of an `AuthConfig` body (moby's `api/docs/v1.41.yaml`,
//! "Authentication"), in any letter case, as JSON (also JSON quoted inside a
//! string, as a message may quote a body), as a header line, or as a query or
//! form parameter. A body preview cut mid-value is redacted to its end.

use std::sync::OnceLock;

use regex::Regex;
use serde_json::Value;

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

const KEYS: &str = "password|identitytoken|registrytoken|auth|x-registry-auth|x-registry-config";

struct Patterns {
    /// `"key": "value"`; the value's escapes are skipped, and a value cut off
    /// before its closing quote runs to the end of the text.
    json: Regex,
    /// `\"key\": \"value\"`, JSON quoted inside a JSON string.
    quoted_json: Regex,
    /// `X-Registry-Auth: value` (a header line) or `password=value` (a query).
    plain: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        json: Regex::new(&format!(r#"(?i)("(?:{KEYS})"\s*:\s*)"(?:[^"\\]|\\.)*(?:"|\\?$)"#)).expect("valid regex"),
        quoted_json: Regex::new(&format!(
            r#"(?i)(\\"(?:{KEYS})\\"\s*:\s*)\\"(?:[^"\\]|\\[^"])*(?:\\"|\\?$)"#
        ))
        .expect("valid regex"),
        plain: Regex::new(
            r#"(?i)\b(x-registry-auth|x-registry-config|password|identitytoken|registrytoken)(\s*[:=]\s*)[^\s"&,;]+"#,
        )
        .expect("valid regex"),
    })
}

/// `text` with every secret replaced by [`REDACTED`].
pub fn redact(text: &str) -> String {
    let p = patterns();
    let once = p.quoted_json.replace_all(text, format!(r#"$1\"{REDACTED}\""#));
    let twice = p.json.replace_all(&once, format!(r#"$1"{REDACTED}""#));
    p.plain.replace_all(&twice, format!("$1$2{REDACTED}")).into_owned()
}

/// Redacts every string in `value`, and the value of every object key that
/// names a secret.
pub fn redact_value(value: &mut Value) {
    match value {
        Value::String(s) => {
            if needs_look(s) {
                *s = redact(s);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_value),
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if is_secret_key(k) && !v.is_null() {
                    *v = Value::String(REDACTED.to_string());
                } else {
                    redact_value(v);
                }
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn is_secret_key(k: &str) -> bool {
    KEYS.split('|').any(|s| s.eq_ignore_ascii_case(k))
}

/// Whether the text can hold a secret at all: most strings are looked at
/// once, cheaply, and left alone.
fn needs_look(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    ["password", "token", "auth", "x-registry"]
        .iter()
        .any(|k| lower.contains(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_config_bodies_lose_their_secrets() {
        let body = r#"{"username":"ann","password":"hunter2","serveraddress":"localhost:5000"}"#;
        assert_eq!(
            redact(body),
            r#"{"username":"ann","password":"[redacted]","serveraddress":"localhost:5000"}"#
        );
        let body = r#"{"Username":"ann","Password" : "hun\"ter2","IdentityToken":"tok","auth":"YW5uOmh1bnRlcjI="}"#;
        let out = redact(body);
        for secret in ["hun", "ter2", "tok\"", "YW5u"] {
            assert!(!out.contains(secret), "{secret} left in {out}");
        }
        assert!(out.contains(r#""Username":"ann""#), "{out}");
    }

    #[test]
    fn a_preview_cut_mid_secret_is_redacted_to_its_end() {
        let out = redact(r#"{"username":"ann","password":"hunter2hunter2... (2048 bytes)"#);
        assert_eq!(out, r#"{"username":"ann","password":"[redacted]""#);
    }

    #[test]
    fn json_quoted_in_a_message_and_headers_are_redacted() {
        let msg = r#"login failed for body "{\"username\":\"ann\",\"password\":\"hunter2\"}""#;
        let out = redact(msg);
        assert!(!out.contains("hunter2"), "{out}");
        assert!(out.contains(r#"\"username\":\"ann\""#), "{out}");
        let out = redact("X-Registry-Auth: eyJ1c2VybmFtZSI6ImFubiJ9\nHost: x");
        assert_eq!(out, "X-Registry-Auth: [redacted]\nHost: x");
        assert_eq!(
            redact("/auth?password=hunter2&user=ann"),
            "/auth?password=[redacted]&user=ann"
        );
    }

    #[test]
    fn values_are_walked_and_secret_keys_blanked() {
        let mut v = serde_json::json!({
            "transcript": [{"request_body": "{\"password\":\"hunter2\"}", "status": 200}],
            "X-Registry-Auth": "eyJwYXNzd29yZCI6Imh1bnRlcjIifQ==",
            "message": "no secret here",
        });
        redact_value(&mut v);
        let text = v.to_string();
        assert!(!text.contains("hunter2") && !text.contains("eyJw"), "{text}");
        assert_eq!(v["message"], "no secret here");
    }
}
