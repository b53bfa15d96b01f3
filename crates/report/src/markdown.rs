//! [`Markdown`], the summary being written, and the escaping of what came
//! from an engine: Markdown passes HTML through, so text outside code blocks
//! has `<`, `>` and `&` written as entities, table cells their `|` escaped
//! and newlines folded; a code block's fence is longer than any run of
//! backticks inside it.

/// A Markdown document under construction.
#[derive(Debug, Default)]
pub struct Markdown {
    out: String,
}

impl Markdown {
    pub fn new() -> Markdown {
        Markdown::default()
    }

    /// The report's own Markdown.
    pub fn raw(&mut self, text: &str) -> &mut Markdown {
        self.out.push_str(text);
        self
    }

    /// Text in a paragraph or list item, escaped.
    pub fn text(&mut self, text: &str) -> &mut Markdown {
        self.out.push_str(&inline(text));
        self
    }

    /// A table: a heading row and rows of cells, each cell escaped.
    pub fn table(&mut self, headings: &[&str], rows: &[Vec<String>]) -> &mut Markdown {
        let row = |cells: &mut dyn Iterator<Item = String>| format!("| {} |\n", cells.collect::<Vec<_>>().join(" | "));
        self.out.push_str(&row(&mut headings.iter().map(|h| cell(h))));
        self.out.push_str(&row(&mut headings.iter().map(|_| "---".to_string())));
        for r in rows {
            self.out.push_str(&row(&mut r.iter().map(|c| cell(c))));
        }
        self.out.push('\n');
        self
    }

    /// A fenced code block holding `text` as it is.
    pub fn code_block(&mut self, text: &str) -> &mut Markdown {
        let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or_default();
        let fence = "`".repeat(longest.max(2) + 1);
        self.out.push_str(&format!("{fence}\n{}\n{fence}\n\n", text.trim_end()));
        self
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// Text for a paragraph: HTML's special characters as entities.
pub fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Emphasis, links and code spans would change what the text says.
            '*' | '_' | '`' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text for a table cell: [`inline`], one line, `|` escaped.
pub fn cell(text: &str) -> String {
    inline(&text.replace(['\n', '\r'], " ")).replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_blocks_keep_markup_out() {
        assert_eq!(cell("<script>a|b</script>\nx"), "&lt;script&gt;a\\|b&lt;/script&gt; x");
        let mut m = Markdown::new();
        m.code_block("has ``` inside");
        assert_eq!(m.finish(), "````\nhas ``` inside\n````\n\n");
    }
}
