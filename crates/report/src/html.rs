//! [`Html`], the page being written: markup comes only from `&'static str`
//! (the report's own), text only through [`Html::text`], which escapes it.
//! Whatever an engine sent (a reply, a message, a name) is text, so it
//! cannot open a tag, close an attribute or start a script.

use std::fmt::Write as _;

use dockhand_bench::plot::Svg;

/// An HTML document under construction.
#[derive(Debug, Default)]
pub struct Html {
    out: String,
}

impl Html {
    pub fn new() -> Html {
        Html::default()
    }

    /// The report's own markup: a literal, never a value.
    pub fn raw(&mut self, markup: &'static str) -> &mut Html {
        self.out.push_str(markup);
        self
    }

    /// Text, escaped for an element's content or a quoted attribute value.
    pub fn text(&mut self, text: &str) -> &mut Html {
        escape_into(&mut self.out, text);
        self
    }

    /// A number as text.
    pub fn num(&mut self, n: usize) -> &mut Html {
        let _ = write!(self.out, "{n}");
        self
    }

    /// `<tag attr="value">` with escaped attribute values; `tag` and the
    /// attribute names are the report's own literals.
    pub fn open(&mut self, tag: &'static str, attrs: &[(&'static str, &str)]) -> &mut Html {
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attrs {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            escape_into(&mut self.out, value);
            self.out.push('"');
        }
        self.out.push('>');
        self
    }

    /// A plot drawn by the bench's plotter: its text is escaped as it is drawn
    /// ([`Svg`] is made by nothing else).
    pub fn svg(&mut self, svg: &Svg) -> &mut Html {
        self.out.push_str(svg.as_str());
        self
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &'static str) -> &mut Html {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
        self
    }

    /// `<tag attrs>text</tag>`.
    pub fn element(&mut self, tag: &'static str, attrs: &[(&'static str, &str)], text: &str) -> &mut Html {
        self.open(tag, attrs).text(text).close(tag)
    }

    pub fn finish(self) -> String {
        self.out
    }
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than whitespace are not allowed in HTML text.
            c if c.is_control() && !matches!(c, '\n' | '\t' | '\r') => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_attributes_are_escaped() {
        let mut h = Html::new();
        h.open("td", &[("title", "a\" onmouseover=\"x")])
            .text("<script>alert('x')</script> & \u{1b}[0m")
            .close("td");
        assert_eq!(
            h.finish(),
            "<td title=\"a&quot; onmouseover=&quot;x\">&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; \\u{1b}[0m</td>"
        );
    }
}
