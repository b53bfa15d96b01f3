//! The lines of an event file as JSON values, shared by the check-event
//! reader ([`crate::load`]) and the bench reader ([`crate::bench`]).

use serde_json::Value;

use crate::error::LoadError;
use crate::redact::redact_value;

/// The JSON values of `lines` (the non-empty `(line number, text)` pairs of
/// the file `path`, whose whole text is `text`), redacted, and whether the
/// last line was torn: cut off mid-value without a final newline after at
/// least one whole line, the line a killed run or bench was writing, which
/// is left out so that what came before it is kept. Any other line that is
/// not JSON is the error.
pub(crate) fn json_values(
    path: &str,
    text: &str,
    lines: &[(usize, &str)],
) -> Result<(Vec<(usize, Value)>, bool), LoadError> {
    let last_line = lines.last().map(|(n, _)| *n);
    let mut values = Vec::with_capacity(lines.len());
    for &(n, line) in lines {
        match serde_json::from_str::<Value>(line) {
            Ok(mut v) => {
                redact_value(&mut v);
                values.push((n, v));
            }
            Err(e) if Some(n) == last_line && e.is_eof() && !values.is_empty() && !text.ends_with('\n') => {
                return Ok((values, true));
            }
            Err(e) => {
                return Err(LoadError::NotJson {
                    path: path.to_string(),
                    line: n,
                    detail: e.to_string(),
                })
            }
        }
    }
    Ok((values, false))
}
