//! The document as a flat outline of the blocks prose rules are read from:
//! headings, paragraphs (with their leading bold text), list items with
//! their nesting depth, and tables. Code blocks and HTML are left out. Read
//! piece by piece like the main walk, so memory follows the piece.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use super::super::chunks;
use super::super::text::{Lines, clean};

/// One block of the outline, with its 1-based line.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading {
        level: u8,
        text: String,
        line: usize,
    },
    /// A paragraph; `bold` is the text of a `**…**` it starts with.
    Para {
        text: String,
        bold: Option<String>,
        line: usize,
    },
    /// A list item's own text (without its nested lists); `depth` 1 is outermost;
    /// `bold` is the text of a `**…**` it starts with.
    Bullet {
        depth: usize,
        text: String,
        bold: Option<String>,
        line: usize,
    },
    Table {
        header: Vec<String>,
        rows: Vec<(usize, Vec<String>)>,
        line: usize,
    },
}

impl Block {
    pub fn line(&self) -> usize {
        match self {
            Block::Heading { line, .. } | Block::Para { line, .. } | Block::Bullet { line, .. } | Block::Table { line, .. } => *line,
        }
    }
}

/// A table being read: header cells, rows with their lines, its line, and whether in the header.
#[derive(Default)]
struct TableFrame {
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
    line: usize,
    in_head: bool,
}

#[derive(Default)]
struct Reader {
    blocks: Vec<Block>,
    /// Index in `blocks` of each open list item.
    items: Vec<usize>,
    /// Heading, paragraph or cell text being read.
    text: Option<String>,
    /// The paragraph's leading bold text: `Some(open)` while reading it.
    bold: Option<(String, bool)>,
    /// The line of the heading or paragraph being read.
    para_line: usize,
    /// Whether anything but whitespace came before the bold text.
    para_started: bool,
    table: Option<TableFrame>,
    code: usize,
}

/// The outline of `src`.
pub fn read(src: &str) -> Vec<Block> {
    let lines = Lines::new(src);
    let mut r = Reader::default();
    let opts = Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH;
    for piece in chunks::split(src) {
        let at = piece.range.start;
        for (event, range) in Parser::new_ext(&src[piece.range], opts).into_offset_iter() {
            r.event(event, lines.line(range.start + at));
        }
    }
    r.blocks
}

impl Reader {
    fn item_is_empty(&self) -> bool {
        self.items
            .last()
            .and_then(|&i| self.blocks.get(i))
            .is_some_and(|b| matches!(b, Block::Bullet { text, .. } if text.trim().is_empty()))
    }

    fn push_text(&mut self, t: &str) {
        if self.code > 0 {
            return;
        }
        if let Some((b, true)) = &mut self.bold {
            b.push_str(t);
        } else if !t.trim().is_empty() {
            self.para_started = true;
        }
        if let Some(s) = &mut self.text {
            s.push_str(t);
        } else if let Some(&i) = self.items.last()
            && let Some(Block::Bullet { text, .. }) = self.blocks.get_mut(i)
        {
            text.push_str(t);
        }
    }

    fn event(&mut self, event: Event<'_>, line: usize) {
        match event {
            Event::Start(tag) => self.start(tag, line),
            Event::End(tag) => self.end(tag),
            Event::Text(t) | Event::Code(t) => self.push_text(&t),
            Event::SoftBreak | Event::HardBreak => self.push_text(" "),
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>, line: usize) {
        match tag {
            Tag::Heading { .. } => {
                self.text = Some(String::new());
                self.para_line = line;
            }
            Tag::Paragraph if self.items.is_empty() && self.table.is_none() => {
                self.text = Some(String::new());
                self.para_line = line;
                self.para_started = false;
                self.bold = None;
            }
            Tag::Strong if self.text.is_some() && !self.para_started && self.bold.is_none() => {
                self.bold = Some((String::new(), true));
            }
            Tag::Strong if self.text.is_none() && self.bold.is_none() && self.item_is_empty() => {
                self.bold = Some((String::new(), true));
            }
            Tag::Item => {
                if let Some(&i) = self.items.last()
                    && let Some(Block::Bullet { text, .. }) = self.blocks.get_mut(i)
                {
                    text.push(' ');
                }
                self.blocks.push(Block::Bullet { depth: self.items.len() + 1, text: String::new(), bold: None, line });
                self.items.push(self.blocks.len() - 1);
                self.bold = None;
            }
            Tag::CodeBlock(_) | Tag::HtmlBlock => self.code += 1,
            Tag::Table(_) => self.table = Some(TableFrame { line, ..TableFrame::default() }),
            Tag::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = true;
                }
            }
            Tag::TableRow => {
                if let Some(t) = &mut self.table {
                    t.rows.push((line, Vec::new()));
                }
            }
            Tag::TableCell => self.text = Some(String::new()),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(level) => {
                let text = clean(&self.text.take().unwrap_or_default());
                self.blocks.push(Block::Heading { level: level as u8, text, line: self.para_line });
            }
            TagEnd::Strong => {
                if let Some((b, open)) = &mut self.bold
                    && *open
                {
                    *open = false;
                    self.para_started = true;
                    if self.text.is_none()
                        && let Some(&i) = self.items.last()
                        && let Some(Block::Bullet { bold, .. }) = self.blocks.get_mut(i)
                    {
                        *bold = Some(clean(b)).filter(|b| !b.is_empty());
                    }
                }
            }
            TagEnd::Paragraph if self.items.is_empty() && self.table.is_none() => {
                let text = clean(&self.text.take().unwrap_or_default());
                let bold = self.bold.take().map(|(b, _)| clean(&b)).filter(|b| !b.is_empty());
                if !text.is_empty() {
                    self.blocks.push(Block::Para { text, bold, line: self.para_line });
                }
            }
            TagEnd::Paragraph => {
                if let Some(&i) = self.items.last()
                    && let Some(Block::Bullet { text, .. }) = self.blocks.get_mut(i)
                {
                    text.push(' ');
                }
            }
            TagEnd::Item => {
                if let Some(i) = self.items.pop()
                    && let Some(Block::Bullet { text, .. }) = self.blocks.get_mut(i)
                {
                    *text = clean(text);
                }
            }
            TagEnd::CodeBlock | TagEnd::HtmlBlock => self.code = self.code.saturating_sub(1),
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = false;
                }
            }
            TagEnd::TableCell => {
                let cell = clean(&self.text.take().unwrap_or_default());
                if let Some(t) = &mut self.table {
                    if t.in_head {
                        t.header.push(cell);
                    } else if let Some((_, row)) = t.rows.last_mut() {
                        row.push(cell);
                    }
                }
            }
            TagEnd::Table => {
                if let Some(TableFrame { header, rows, line, .. }) = self.table.take() {
                    self.blocks.push(Block::Table { header, rows, line });
                }
            }
            _ => {}
        }
    }
}
