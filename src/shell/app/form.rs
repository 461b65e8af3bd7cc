//! Forms: a few labelled fields (text, a choice, a yes/no) filled in an
//! overlay, for opening an incident, adding a note, changing severity …
//! Pure: typing and moving between fields change the form; submitting
//! hands its values to whoever asked for it.

/// What a field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text { value: String },
    Choice { options: Vec<String>, selected: usize },
    Toggle { on: bool },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub label: &'static str,
    pub kind: FieldKind,
}

impl Field {
    pub fn text(label: &'static str) -> Field {
        Field { label, kind: FieldKind::Text { value: String::new() } }
    }

    pub fn choice(label: &'static str, options: Vec<String>, selected: usize) -> Field {
        let selected = selected.min(options.len().saturating_sub(1));
        Field { label, kind: FieldKind::Choice { options, selected } }
    }

    pub fn toggle(label: &'static str, on: bool) -> Field {
        Field { label, kind: FieldKind::Toggle { on } }
    }

    /// The field's value as text (`yes`/`no` for toggles).
    pub fn value(&self) -> String {
        match &self.kind {
            FieldKind::Text { value } => value.trim().to_string(),
            FieldKind::Choice { options, selected } => options.get(*selected).cloned().unwrap_or_default(),
            FieldKind::Toggle { on } => if *on { "yes" } else { "no" }.to_string(),
        }
    }
}

/// An open form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form<P> {
    pub title: String,
    /// What submitting it does.
    pub purpose: P,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Why the last submit was refused.
    pub error: Option<String>,
    /// A question to confirm with a second Enter (a severity downgrade).
    pub confirm: Option<String>,
    /// Lines shown above the fields and kept while typing (what a rollback
    /// runs, where, and its preview's output).
    pub notes: Vec<String>,
}

impl<P> Form<P> {
    pub fn new(title: impl Into<String>, purpose: P, fields: Vec<Field>) -> Self {
        Form { title: title.into(), purpose, fields, focus: 0, error: None, confirm: None, notes: Vec::new() }
    }

    fn touched(&mut self) {
        self.error = None;
        self.confirm = None;
    }

    pub fn type_char(&mut self, c: char) {
        self.touched();
        match self.fields.get_mut(self.focus).map(|f| &mut f.kind) {
            Some(FieldKind::Text { value }) => value.push(c),
            Some(FieldKind::Toggle { on }) if c == ' ' => *on = !*on,
            Some(FieldKind::Choice { options, selected }) => {
                // Typing jumps to the first option starting with that letter.
                let lc = c.to_ascii_lowercase();
                if let Some(i) = options.iter().position(|o| o.to_ascii_lowercase().starts_with(lc)) {
                    *selected = i;
                }
            }
            _ => {}
        }
    }

    pub fn backspace(&mut self) {
        self.touched();
        if let Some(FieldKind::Text { value }) = self.fields.get_mut(self.focus).map(|f| &mut f.kind) {
            value.pop();
        }
    }

    pub fn next_field(&mut self) {
        self.focus = (self.focus + 1) % self.fields.len().max(1);
    }

    pub fn prev_field(&mut self) {
        let n = self.fields.len().max(1);
        self.focus = (self.focus + n - 1) % n;
    }

    /// Up/Down: change a choice, flip a toggle.
    pub fn cycle(&mut self, forward: bool) {
        self.touched();
        match self.fields.get_mut(self.focus).map(|f| &mut f.kind) {
            Some(FieldKind::Choice { options, selected }) if !options.is_empty() => {
                let n = options.len();
                *selected = if forward { (*selected + 1) % n } else { (*selected + n - 1) % n };
            }
            Some(FieldKind::Toggle { on }) => *on = !*on,
            _ => {}
        }
    }

    /// The value of the field labelled `label`.
    pub fn get(&self, label: &str) -> String {
        self.fields.iter().find(|f| f.label == label).map(Field::value).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_moving_and_choosing() {
        let mut f = Form::new(
            "Open an incident",
            (),
            vec![Field::text("Title"), Field::choice("Severity", vec!["P0".into(), "P1".into()], 1), Field::toggle("Comms", false)],
        );
        for c in "Checkout down".chars() {
            f.type_char(c);
        }
        f.backspace();
        assert_eq!(f.get("Title"), "Checkout dow");
        f.next_field();
        f.cycle(false);
        assert_eq!(f.get("Severity"), "P0");
        f.type_char('p');
        assert_eq!(f.get("Severity"), "P0");
        f.next_field();
        f.type_char(' ');
        assert_eq!(f.get("Comms"), "yes");
        f.next_field();
        assert_eq!(f.focus, 0, "wraps around");
        f.prev_field();
        assert_eq!(f.focus, 2);
    }
}
