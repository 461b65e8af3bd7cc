//! The walk over pulldown-cmark events: headings open phases, task items become
//! checklist items, numbered items and shell blocks become steps, tables go to `bands`.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::anchors::Anchors;
use super::attrs::{self, RUNNABLE, SHELLS, SILENT};
use super::bands;
use super::blocks::{self, Block};
use super::chunks;
use super::fences::{self, front_matter};
use super::ids::{Ids, stable_id};
use super::model::{Imported, Item, Phase, Step, StepKind, Warning};
use super::text::{Lines, clean, collapse, split_explicit_id};

/// A list item being read.
struct ItemFrame {
    ordered: bool,
    task: bool,
    /// Written `- [x]`: imported open all the same, with a warning.
    checked: bool,
    text: String,
    line: usize,
    /// A runnable block inside a numbered item turns the item into a runnable step.
    run: Option<StepKind>,
    /// What sits under the item besides its first paragraph, one entry per line.
    details: Vec<String>,
    /// A later paragraph being read, bound for `details`.
    detail: Option<String>,
}

impl ItemFrame {
    fn has_text(&self) -> bool {
        !self.text.trim().is_empty() || self.run.is_some()
    }
}

struct CodeFrame {
    info: Option<String>,
    start: usize,
    end_hint: std::ops::Range<usize>,
    text: String,
}

#[derive(Default)]
struct TableFrame {
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
    cell: Option<String>,
    in_head: bool,
}

/// Reads `src` into the model; `doc_name` names the phase of items above every heading.
pub fn run(src: &str, doc_name: Option<&str>) -> Imported {
    // Each piece is parsed on its own, so memory follows the piece, not the document.
    let pieces = chunks::split(src);
    let h1s: usize = pieces
        .iter()
        .map(|c| {
            Parser::new(&src[c.range.clone()]).filter(|e| matches!(e, Event::Start(Tag::Heading { level: HeadingLevel::H1, .. }))).count()
        })
        .sum();
    let mut w = Walker::new(src, doc_name, h1s == 1);
    let opts =
        Options::ENABLE_TABLES | Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
    for piece in pieces {
        let at = piece.range.start;
        if piece.forced {
            let line = w.lines.line(piece.range.end);
            w.warn(line, format!("line {line}: a block over {} KiB without a break was read in pieces", chunks::MAX_CHUNK >> 10));
        }
        for (event, range) in Parser::new_ext(&src[piece.range], opts).into_offset_iter() {
            w.event(event, range.start + at..range.end + at);
        }
    }
    w.out
}

struct Walker<'a> {
    src: &'a str,
    lines: Lines,
    doc_name: Option<&'a str>,
    title_is_h1: bool,
    out: Imported,
    ids: Ids,
    stack: Vec<(HeadingLevel, String)>,
    anchors: Anchors,
    current: Option<usize>,
    /// Whether `current` is the phase of items above every heading.
    fallback: bool,
    heading: Option<(HeadingLevel, String, usize)>,
    lists: Vec<bool>,
    items: Vec<ItemFrame>,
    para: Option<String>,
    last_para: Option<String>,
    code: Option<CodeFrame>,
    table: Option<TableFrame>,
    /// The front matter being read.
    meta: Option<String>,
}

impl<'a> Walker<'a> {
    fn new(src: &'a str, doc_name: Option<&'a str>, title_is_h1: bool) -> Self {
        Walker {
            src,
            lines: Lines::new(src),
            doc_name,
            title_is_h1,
            out: Imported::default(),
            ids: Ids::default(),
            stack: Vec::new(),
            anchors: Anchors::default(),
            current: None,
            fallback: false,
            heading: None,
            lists: Vec::new(),
            items: Vec::new(),
            para: None,
            last_para: None,
            code: None,
            table: None,
            meta: None,
        }
    }

    fn warn(&mut self, line: usize, message: String) {
        self.out.warnings.push(Warning { line, message });
    }

    fn event(&mut self, event: Event<'_>, range: std::ops::Range<usize>) {
        match event {
            Event::Start(tag) => self.start(tag, range),
            Event::End(tag) => self.end(tag),
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => self.text(&t),
            Event::SoftBreak | Event::HardBreak => self.text(" "),
            Event::TaskListMarker(checked) => {
                if let Some(f) = self.items.last_mut() {
                    f.task = true;
                    f.checked = checked;
                }
            }
            Event::Html(_) | Event::InlineHtml(_) | Event::FootnoteReference(_) | Event::Rule => {}
        }
    }

    fn text(&mut self, t: &str) {
        if let Some(meta) = &mut self.meta {
            meta.push_str(t);
        } else if let Some(code) = &mut self.code {
            code.text.push_str(t);
        } else if let Some((_, h, _)) = &mut self.heading {
            h.push_str(t);
        } else if let Some(table) = &mut self.table {
            if let Some(cell) = &mut table.cell {
                cell.push_str(t);
            }
        } else {
            if let Some(p) = &mut self.para {
                p.push_str(t);
            }
            if let Some(f) = self.items.last_mut() {
                match &mut f.detail {
                    Some(d) => d.push_str(t),
                    None => f.text.push_str(t),
                }
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>, range: std::ops::Range<usize>) {
        let line = self.lines.line(range.start);
        match tag {
            Tag::Heading { level, .. } => {
                self.last_para = None;
                self.heading = Some((level, String::new(), line));
            }
            Tag::Paragraph => {
                self.para = Some(String::new());
                // The first paragraph of an item is its text; later ones are its details.
                if let Some(f) = self.items.last_mut()
                    && f.has_text()
                {
                    f.detail = Some(String::new());
                }
            }
            Tag::List(first) => {
                self.last_para = None;
                self.lists.push(first.is_some());
            }
            Tag::Item => {
                if let Some(f) = self.items.last_mut() {
                    f.text.push(' ');
                }
                let ordered = self.lists.last().copied().unwrap_or(false);
                self.items.push(ItemFrame {
                    ordered,
                    task: false,
                    checked: false,
                    text: String::new(),
                    line,
                    run: None,
                    details: Vec::new(),
                    detail: None,
                });
            }
            Tag::CodeBlock(kind) => {
                let info = match kind {
                    CodeBlockKind::Fenced(info) => Some(info.to_string()),
                    CodeBlockKind::Indented => None,
                };
                self.code = Some(CodeFrame { info, start: line, end_hint: range, text: String::new() });
            }
            Tag::Table(_) => {
                self.last_para = None;
                self.table = Some(TableFrame::default());
            }
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
            Tag::TableCell => {
                if let Some(t) = &mut self.table {
                    t.cell = Some(String::new());
                }
            }
            Tag::HtmlBlock | Tag::BlockQuote(_) => self.last_para = None,
            Tag::MetadataBlock(_) => self.meta = Some(String::new()),
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_) => self.end_heading(),
            TagEnd::MetadataBlock(_) => {
                if let Some(meta) = self.meta.take() {
                    self.out.front = front_matter(&meta);
                }
            }
            TagEnd::Paragraph => {
                if let Some(p) = self.para.take() {
                    self.last_para = Some(collapse(&p));
                    if let Some(f) = self.items.last_mut() {
                        match f.detail.take() {
                            Some(d) => f.details.extend(Some(clean(&d)).filter(|d| !d.is_empty())),
                            None => f.text.push(' '),
                        }
                    }
                }
            }
            TagEnd::List(_) => {
                self.lists.pop();
                self.last_para = None;
            }
            TagEnd::Item => self.end_item(),
            TagEnd::CodeBlock => self.end_code(),
            TagEnd::TableCell => {
                if let Some(t) = &mut self.table
                    && let Some(cell) = t.cell.take()
                {
                    if t.in_head {
                        t.header.push(cell);
                    } else if let Some((_, row)) = t.rows.last_mut() {
                        row.push(cell);
                    }
                }
            }
            TagEnd::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = false;
                }
            }
            TagEnd::Table => {
                if let Some(t) = self.table.take() {
                    self.out.bands.extend(bands::from_table(&t.header, &t.rows));
                }
            }
            _ => {}
        }
    }

    fn end_heading(&mut self) {
        let Some((level, raw, line)) = self.heading.take() else { return };
        let text = clean(&raw);
        let anchor = self.anchors.next(&text);
        let depth = level as u8;
        if level == HeadingLevel::H1 && self.title_is_h1 && self.out.title.is_none() {
            self.out.title = Some(text.clone());
            self.stack.clear();
            self.open_phase(Phase { path: vec![text], anchor, level: depth, line, ..Phase::default() });
            return;
        }
        while self.stack.last().is_some_and(|(l, _)| *l >= level) {
            self.stack.pop();
        }
        self.stack.push((level, text));
        let path = self.stack.iter().map(|(_, t)| t.clone()).collect();
        self.open_phase(Phase { path, anchor, level: depth, line, ..Phase::default() });
    }

    fn open_phase(&mut self, phase: Phase) {
        self.fallback = false;
        self.out.phases.push(phase);
        self.current = Some(self.out.phases.len() - 1);
    }

    /// The phase new items go to; above every heading, a fallback phase (with a warning).
    fn phase(&mut self, line: usize) -> usize {
        if let Some(i) = self.current {
            if self.fallback {
                self.warn(line, format!("item with no phase at line {line}"));
            }
            return i;
        }
        self.warn(line, format!("item with no phase at line {line}"));
        let name = self.doc_name.map(clean).filter(|n| !n.is_empty()).unwrap_or_else(|| "(no phase)".to_string());
        self.open_phase(Phase { path: vec![name], level: 0, line, ..Phase::default() });
        self.fallback = true;
        self.out.phases.len() - 1
    }

    fn claim(&mut self, phase: usize, text: &str, explicit: Option<String>, line: usize) -> String {
        let wanted = match &explicit {
            Some(id) => id.clone(),
            None => stable_id(&self.out.phases[phase].path, text),
        };
        let (id, taken) = self.ids.claim(wanted);
        if taken && explicit.is_some() {
            self.warn(line, format!("id `{}` is used twice; this one became `{id}`", explicit.unwrap_or_default()));
        }
        id
    }

    fn end_item(&mut self) {
        let Some(f) = self.items.pop() else { return };
        self.last_para = None;
        if !f.task && !f.ordered {
            // A plain bullet under a step or item is part of its instructions.
            if let Some(parent) = self.items.last_mut() {
                let text = clean(&f.text);
                if !text.is_empty() {
                    parent.details.push(format!("• {text}"));
                }
                parent.details.extend(f.details.into_iter().map(|d| format!("  {d}")));
            }
            return;
        }
        if f.checked {
            self.warn(
                f.line,
                format!("`- [x]` item at line {} imported open: opsdeck starts every item unchecked and ticks it in the room", f.line),
            );
        }
        let details = f.details;
        let (text, explicit) = split_explicit_id(&clean(&f.text));
        // "1. Check the pods:" introduces what follows; the step is "Check the pods".
        let text = if f.ordered { text.trim_end_matches(':').trim_end().to_string() } else { text };
        if text.is_empty() && f.run.is_none() {
            let what = if f.task { "checklist item" } else { "numbered step" };
            self.warn(f.line, format!("empty {what} at line {} skipped", f.line));
            return;
        }
        let phase = self.phase(f.line);
        let id = self.claim(phase, &text, explicit, f.line);
        let target = &mut self.out.phases[phase];
        // Nested items end before their parent: insert by line to keep document order.
        if f.task {
            let at = target.items.partition_point(|i| i.line <= f.line);
            target.items.insert(at, Item { id, text, line: f.line, details });
        } else {
            let at = target.steps.partition_point(|s| s.line <= f.line);
            target.steps.insert(at, Step { id, text, line: f.line, kind: f.run.unwrap_or(StepKind::Manual), details });
        }
    }

    fn end_code(&mut self) {
        let Some(code) = self.code.take() else { return };
        let Some(info_str) = code.info else {
            // An indented block inside a step is part of its instructions.
            self.keep_as_details(&code.text);
            return;
        };
        self.check_closed(&code.end_hint, code.start);
        let info = attrs::parse(&info_str);
        let lang = info.lang.clone();
        let line = code.start;
        let sql_runs = lang == "sql" && (info.dsn_env.is_some() || info.check.is_some());
        if lang == "sql" && !sql_runs && self.items.is_empty() {
            self.warn(line, format!("sql block at line {line} names no database; add `{{ dsn_env=VAR }}` or `{{ check=ID }}` to run it"));
            return;
        }
        if !RUNNABLE.contains(&lang.as_str()) && !sql_runs {
            let kept = self.keep_as_details(&code.text);
            if (lang == "env" || lang == "dotenv") && !kept {
                self.warn(line, format!("{lang} block at line {line} holds KEY=value declarations; not a step, never run"));
            } else if !SILENT.contains(&lang.as_str()) && !kept {
                let shown = clean(&lang);
                self.warn(line, format!("code block in language \"{shown}\" at line {line} is not runnable"));
            }
            return;
        }
        for p in &info.problems {
            self.warn(line, format!("code block at line {line}: {p}"));
        }
        let script = code.text.trim_end_matches('\n').to_string();
        let shape = if SHELLS.contains(&lang.as_str()) { blocks::classify(&script) } else { Block::Script };
        let reference = shape.for_reading();
        // A block that wants a terminal (Runme's `interactive`) is done by hand.
        let reference = match (reference, info.interactive) {
            (None, Some(true)) => {
                self.warn(line, format!("{lang} block at line {line} is interactive (it wants a terminal); a step done by hand"));
                Some(None)
            }
            (r, _) => r,
        };
        let inside = !self.items.is_empty();
        if let Some(Some(what)) = reference {
            let kept = if inside { "kept with its step for reference" } else { "not a step" };
            self.warn(line, format!("{lang} block at line {line} {what}; {kept}, never run"));
            if !inside {
                return;
            }
        }
        let kind = match reference {
            Some(_) => StepKind::Manual,
            None => StepKind::Run {
                script: script.clone(),
                interpreter: attrs::interpreter(&lang, info.interpreter.as_deref(), self.out.front.shell.as_deref()),
                lang,
                name: info.name.clone(),
                timeout: info.timeout,
                confirm: info.confirm,
                rollback: info.rollback,
                cwd: info.cwd.clone().or_else(|| self.out.front.cwd.clone()),
                optional: info.exclude_from_run_all,
                dsn_env: info.dsn_env.clone(),
                check: info.check.clone(),
            },
        };
        // Inside a numbered step, the first runnable block is what the step runs;
        // a block to read is part of the step's (or item's) instructions.
        if let Some(f) = self.items.last_mut() {
            if reference.is_some() {
                self.keep_as_details(&script);
                return;
            }
            if f.ordered && !f.task && f.run.is_none() {
                f.run = Some(kind);
                return;
            }
        }
        let details: Vec<String> = match &shape {
            Block::Script if info.interactive == Some(true) => script.lines().map(|l| format!("    {l}")).collect(),
            Block::Script => Vec::new(),
            Block::Comments(comments) => comments.clone(),
            _ => script.lines().map(|l| format!("    {l}")).collect(),
        };
        let description = self.last_para.take().filter(|p| !p.is_empty());
        let first_comment = match &shape {
            Block::Comments(c) => c.first().cloned(),
            _ => None,
        };
        let fallback = || {
            info.name.clone().or(first_comment.clone()).or_else(|| script.lines().map(str::trim).find(|l| !l.is_empty()).map(String::from))
        };
        let (text, explicit) = match description {
            Some(d) => split_explicit_id(&clean(&d)),
            None => (clean(&fallback().unwrap_or_default()), None),
        };
        let text = text.trim_end_matches(':').trim_end().to_string();
        if text.is_empty() && details.is_empty() {
            self.warn(line, format!("empty code block at line {line} skipped"));
            return;
        }
        let explicit = explicit.or(info.id).or(info.name);
        let phase = self.phase(line);
        let id = self.claim(phase, &text, explicit, line);
        self.out.phases[phase].steps.push(Step { id, text, line, kind, details });
    }

    /// Adds a block's lines to the details of the item being read; false outside an item.
    fn keep_as_details(&mut self, text: &str) -> bool {
        let Some(f) = self.items.last_mut() else { return false };
        f.details.extend(text.trim_end_matches('\n').lines().filter(|l| !l.trim().is_empty()).map(|l| format!("    {l}")));
        true
    }

    /// Warns about a fence that runs to the end of the document without closing.
    fn check_closed(&mut self, range: &std::ops::Range<usize>, line: usize) {
        if !self.src.get(range.clone()).is_none_or(fences::closed) {
            self.warn(line, format!("code block at line {line} is never closed; it runs to the end of the document"));
        }
    }
}
