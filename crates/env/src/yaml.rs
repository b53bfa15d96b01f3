//! [`Node`]: a YAML document as a tree that remembers where each value sits
//! (line and column), so that every error about a compose file can point at
//! the offending key. Built from `yaml-rust2`'s event parser; anchors and
//! aliases are resolved here, merge keys (`<<`) by the decoder.

use std::collections::HashMap;
use std::fmt;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

/// A position in the file, both 1-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

impl Pos {
    fn of(m: &Marker) -> Pos {
        // yaml-rust2's lines are 1-based, its columns 0-based.
        Pos {
            line: m.line(),
            col: m.col() + 1,
        }
    }
}

/// A value with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub pos: Pos,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar as written; `plain` tells `null`/`~`/empty (and numbers,
    /// booleans) apart from the same text in quotes.
    Scalar {
        text: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    /// Keys in file order.
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// True for `null`, `~` and an empty plain scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true } if text.is_empty() || text == "~" || text == "null" || text == "Null" || text == "NULL")
    }

    /// What kind of value this is, for error messages.
    pub fn kind(&self) -> &'static str {
        match &self.value {
            _ if self.is_null() => "null",
            Value::Scalar { .. } => "a scalar",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    pub fn as_scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }
}

/// A file that is not valid YAML.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{pos}: {message}")]
pub struct YamlError {
    pub pos: Pos,
    pub message: String,
}

/// Parses one YAML document. An empty file is an empty mapping's absence:
/// `Ok(None)`.
///
/// A flow collection's closing `]` or `}` on its own line at the key's
/// indentation (`command: [` ... `]`) is accepted, as go-yaml and PyYAML
/// accept it: yaml-rust2 wants it one column further in, so such a line is
/// shifted right and parsed again, and positions on it are shifted back.
pub fn parse(text: &str) -> Result<Option<Node>, YamlError> {
    let mut text = text.to_string();
    // Spaces added before the first character of each shifted line (0-based).
    let mut shifted: HashMap<usize, usize> = HashMap::new();
    loop {
        match parse_once(&text) {
            Ok(mut root) => {
                if let Some(r) = root.as_mut() {
                    unshift(r, &shifted);
                }
                return Ok(root);
            }
            Err(e) => {
                let line = e.pos.line.wrapping_sub(1);
                let closing = text
                    .lines()
                    .nth(line)
                    .is_some_and(|l| l.trim_start().starts_with([']', '}']));
                // Bounded: each retry moves one line one column; compose
                // indentation is far below this.
                if e.message != "invalid indentation" || !closing || shifted.values().sum::<usize>() >= 4096 {
                    let mut e = e;
                    if let Some(n) = shifted.get(&line) {
                        e.pos.col = e.pos.col.saturating_sub(*n).max(1);
                    }
                    return Err(e);
                }
                let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
                text.insert(start, ' ');
                *shifted.entry(line).or_default() += 1;
            }
        }
    }
}

/// Moves positions on shifted lines back to where they are in the file.
fn unshift(n: &mut Node, shifted: &HashMap<usize, usize>) {
    if let Some(by) = shifted.get(&(n.pos.line.wrapping_sub(1))) {
        n.pos.col = n.pos.col.saturating_sub(*by).max(1);
    }
    match &mut n.value {
        Value::Scalar { .. } => {}
        Value::Seq(items) => items.iter_mut().for_each(|i| unshift(i, shifted)),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            unshift(k, shifted);
            unshift(v, shifted);
        }),
    }
}

fn parse_once(text: &str) -> Result<Option<Node>, YamlError> {
    let mut b = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser.load(&mut b, false).map_err(|e| YamlError {
        pos: Pos::of(e.marker()),
        message: e.info().to_string(),
    })?;
    if let Some(e) = b.error {
        return Err(e);
    }
    Ok(b.root)
}

enum Open {
    Seq(Pos, usize, Vec<Node>),
    Map(Pos, usize, Vec<(Node, Node)>, Option<Node>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    error: Option<YamlError>,
}

impl Builder {
    fn finish(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            None => self.root = Some(node),
            Some(Open::Seq(_, _, items)) => items.push(node),
            Some(Open::Map(_, _, entries, key)) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let pos = Pos::of(&mark);
        match ev {
            Event::Scalar(text, style, anchor, _tag) => {
                let plain = style == TScalarStyle::Plain;
                self.finish(
                    Node {
                        pos,
                        value: Value::Scalar { text, plain },
                    },
                    anchor,
                );
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Open::Seq(pos, anchor, Vec::new())),
            Event::MappingStart(anchor, _) => self.stack.push(Open::Map(pos, anchor, Vec::new(), None)),
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Open::Seq(pos, anchor, items)) => self.finish(
                    Node {
                        pos,
                        value: Value::Seq(items),
                    },
                    anchor,
                ),
                Some(Open::Map(pos, anchor, entries, _)) => self.finish(
                    Node {
                        pos,
                        value: Value::Map(entries),
                    },
                    anchor,
                ),
                None => {}
            },
            Event::Alias(id) => match self.anchors.get(&id) {
                Some(n) => {
                    let mut n = n.clone();
                    n.pos = pos;
                    self.finish(n, 0);
                }
                None => {
                    self.error = Some(YamlError {
                        pos,
                        message: "alias to an unknown anchor".into(),
                    })
                }
            },
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentStart | Event::DocumentEnd => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(n: &Node) -> &[(Node, Node)] {
        match &n.value {
            Value::Map(m) => m,
            other => panic!("not a map: {other:?}"),
        }
    }

    #[test]
    fn positions_are_one_based_line_and_column() {
        let doc = parse("services:\n  web:\n    image: x\n").unwrap().unwrap();
        let (k, v) = &map(&doc)[0];
        assert_eq!(k.pos, Pos { line: 1, col: 1 });
        let (k2, v2) = &map(v)[0];
        assert_eq!(k2.as_scalar(), Some("web"));
        assert_eq!(k2.pos, Pos { line: 2, col: 3 });
        let (k3, v3) = &map(v2)[0];
        assert_eq!(k3.pos, Pos { line: 3, col: 5 });
        assert_eq!(v3.pos, Pos { line: 3, col: 12 });
        assert_eq!(v3.as_scalar(), Some("x"));
    }

    #[test]
    fn aliases_copy_the_anchored_value() {
        let doc = parse("a: &x [1, 2]\nb: *x\n").unwrap().unwrap();
        let m = map(&doc);
        assert_eq!(m[0].1.value, m[1].1.value);
        assert_eq!(m[1].1.pos.line, 2);
    }

    #[test]
    fn null_and_quoted_null_differ() {
        let doc = parse("a:\nb: ~\nc: 'null'\n").unwrap().unwrap();
        let m = map(&doc);
        assert!(m[0].1.is_null());
        assert!(m[1].1.is_null());
        assert!(!m[2].1.is_null());
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let e = parse("a: [1, 2\nb: c\n").unwrap_err();
        assert!(e.pos.line >= 1, "{e}");
        assert!(parse("").unwrap().is_none());
    }

    #[test]
    fn a_flow_collection_may_close_at_its_keys_indentation() {
        let doc = parse("services:\n  a:\n    command: [\n      \"sh\", \"-c\", \"x\"\n    ]\n    env: {\n      A: 1\n  }\n    image: y\n")
            .unwrap()
            .unwrap();
        let a = &map(&map(&doc)[0].1)[0].1;
        let m = map(a);
        let Value::Seq(words) = &m[0].1.value else {
            panic!("not a list: {:?}", m[0].1)
        };
        let words: Vec<_> = words.iter().filter_map(Node::as_scalar).collect();
        assert_eq!(words, ["sh", "-c", "x"]);
        assert_eq!(m[1].1.pos, Pos { line: 6, col: 10 });
        assert_eq!(m[2].0.as_scalar(), Some("image"));
        assert_eq!(m[2].0.pos, Pos { line: 9, col: 5 });
        // Other indentation errors stay errors, at their place in the file.
        let e = parse("a:\n  b: 1\n c: 2\n").unwrap_err();
        assert_eq!(e.pos.line, 3, "{e}");
    }
}
