//! Forms: a few labelled fields (text, a choice, a yes/no) filled in an
//! overlay, for opening an incident, adding a note, changing severity …
//! Pure: typing and moving between fields change the form; submitting
//! hands its values to whoever asked for it.

/// What a field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text {
        value: String,
    },
    /// One of `options`; `typed` is what was typed into it so far, which
    /// picks the first option starting with it (never another one).
    Choice {
        options: Vec<String>,
        selected: usize,
        typed: String,
    },
    Toggle {
        on: bool,
    },
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
        Field { label, kind: FieldKind::Choice { options, selected, typed: String::new() } }
    }

    pub fn toggle(label: &'static str, on: bool) -> Field {
        Field { label, kind: FieldKind::Toggle { on } }
    }

    /// The field's value as text (`yes`/`no` for toggles).
    pub fn value(&self) -> String {
        match &self.kind {
            FieldKind::Text { value } => value.trim().to_string(),
            FieldKind::Choice { options, selected, .. } => options.get(*selected).cloned().unwrap_or_default(),
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
            Some(FieldKind::Choice { options, selected, typed }) => {
                typed.push(c);
                if let Some(why) = choose_typed(options, selected, typed) {
                    self.error = Some(why);
                }
            }
            _ => {}
        }
    }

    pub fn backspace(&mut self) {
        self.touched();
        match self.fields.get_mut(self.focus).map(|f| &mut f.kind) {
            Some(FieldKind::Text { value }) => {
                value.pop();
            }
            Some(FieldKind::Choice { options, selected, typed }) => {
                typed.pop();
                if let Some(why) = choose_typed(options, selected, typed) {
                    self.error = Some(why);
                }
            }
            _ => {}
        }
    }

    /// Whether the focused choice was typed into and no option matches
    /// what was typed: submitting then would save a value nobody typed.
    pub fn unmatched_choice(&self) -> Option<String> {
        self.fields.iter().find_map(|f| match &f.kind {
            FieldKind::Choice { options, typed, .. } if !typed.is_empty() && !options.iter().any(|o| starts_with(o, typed)) => {
                Some(format!("{}: {}", f.label, no_option(options, typed)))
            }
            _ => None,
        })
    }

    pub fn next_field(&mut self) {
        self.forget_typed();
        self.focus = (self.focus + 1) % self.fields.len().max(1);
    }

    pub fn prev_field(&mut self) {
        self.forget_typed();
        let n = self.fields.len().max(1);
        self.focus = (self.focus + n - 1) % n;
    }

    /// Leaving a choice (or choosing with Up/Down) keeps the option shown
    /// and forgets what was typed; one that matched nothing is said and kept
    /// until it is fixed, so it cannot be left silently.
    fn forget_typed(&mut self) {
        if let Some(FieldKind::Choice { options, typed, .. }) = self.fields.get_mut(self.focus).map(|f| &mut f.kind)
            && options.iter().any(|o| starts_with(o, typed))
        {
            typed.clear();
        }
    }

    /// Up/Down: change a choice, flip a toggle.
    pub fn cycle(&mut self, forward: bool) {
        self.touched();
        match self.fields.get_mut(self.focus).map(|f| &mut f.kind) {
            Some(FieldKind::Choice { options, selected, typed }) if !options.is_empty() => {
                typed.clear();
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

/// Selects the first option starting with `typed` (any case); when none
/// does, the selection stays and the reason is returned.
fn choose_typed(options: &[String], selected: &mut usize, typed: &str) -> Option<String> {
    if typed.is_empty() {
        return None;
    }
    match options.iter().position(|o| starts_with(o, typed)) {
        Some(i) => {
            *selected = i;
            None
        }
        None => Some(no_option(options, typed)),
    }
}

fn starts_with(option: &str, typed: &str) -> bool {
    option.to_lowercase().starts_with(&typed.to_lowercase())
}

/// `no option is “10m”; Backspace and type again, or choose one of 15m, 30m, 1h with Up/Down`.
fn no_option(options: &[String], typed: &str) -> String {
    format!("no option is “{typed}”; Backspace and type again, or choose one of {} with Up/Down", options.join(", "))
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

    #[test]
    fn typing_into_a_choice_never_picks_another_value() {
        let options: Vec<String> = ["5m", "15m", "30m", "1h", "4h"].map(String::from).to_vec();
        let mut f = Form::new("Silence", (), vec![Field::choice("For", options, 0), Field::text("Reason")]);
        for c in "15".chars() {
            f.type_char(c);
        }
        assert_eq!(f.get("For"), "15m", "what was typed so far picks it");
        assert_eq!(f.error, None);
        for _ in 0..2 {
            f.backspace();
        }
        for c in "10m".chars() {
            f.type_char(c);
        }
        let said = f.error.clone().unwrap_or_default();
        assert!(said.contains("no option is “10m”") && said.contains("5m, 15m, 30m, 1h, 4h"), "{said}");
        assert!(f.unmatched_choice().is_some(), "a submit is refused while it matches nothing");
        f.next_field();
        assert_eq!(f.focus, 1);
        assert!(f.unmatched_choice().is_some(), "leaving the field does not make it right");
        f.prev_field();
        f.cycle(true);
        assert_eq!(f.unmatched_choice(), None, "choosing with Up/Down fixes it");
        f.type_char('4');
        assert_eq!(f.get("For"), "4h");
    }
}
