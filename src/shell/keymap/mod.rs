//! Keymaps: which key runs which [`Action`] in which context, with a
//! description for the help screen. Presets ship in `keymaps/` and are
//! embedded; a user file overlays one with `prepend_keymap` (wins over the
//! preset's binding of the same key), `append_keymap` (adds keys the preset
//! leaves free) or `keymap` (replaces a context), as yazi does.

mod context;
mod file;
pub mod key;
mod mention;

use std::path::{Path, PathBuf};

use crate::shell::action::Action;
pub use context::Context;
pub use key::Key;
use opsdeck_core::config::{Diagnostic, Report, Source};

/// Presets shipped inside the binary: (name, file text).
pub const SHIPPED: &[(&str, &str)] =
    &[("default", include_str!("../../../keymaps/default.toml")), ("vim", include_str!("../../../keymaps/vim.toml"))];

/// One binding: a key sequence, the action it runs, and what it does.
#[derive(Debug, Clone, PartialEq)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub action: Action,
    pub desc: String,
}

impl Binding {
    /// The keys in keymap notation, space separated (`g g`).
    pub fn keys_label(&self) -> String {
        self.keys.iter().map(Key::to_string).collect::<Vec<_>>().join(" ")
    }
}

/// What a key sequence means in a context.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    Run(Action),
    /// The keys so far start a longer binding; wait for more.
    Pending,
    None,
}

/// A loaded keymap: bindings per context, in priority order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Keymap {
    pub name: String,
    contexts: Vec<(Context, Vec<Binding>)>,
}

impl Keymap {
    pub fn bindings(&self, ctx: Context) -> &[Binding] {
        self.contexts.iter().find(|(c, _)| *c == ctx).map_or(&[], |(_, b)| b.as_slice())
    }

    fn bindings_mut(&mut self, ctx: Context) -> &mut Vec<Binding> {
        if let Some(i) = self.contexts.iter().position(|(c, _)| *c == ctx) {
            return &mut self.contexts[i].1;
        }
        self.contexts.push((ctx, Vec::new()));
        let last = self.contexts.len() - 1;
        &mut self.contexts[last].1
    }

    /// What `keys` (pressed so far) mean in `ctx` alone.
    pub fn lookup(&self, ctx: Context, keys: &[Key]) -> Lookup {
        let bindings = self.bindings(ctx);
        if let Some(b) = bindings.iter().find(|b| b.keys == keys) {
            return Lookup::Run(b.action);
        }
        if bindings.iter().any(|b| b.keys.len() > keys.len() && b.keys.starts_with(keys)) {
            return Lookup::Pending;
        }
        Lookup::None
    }

    /// The first key bound to `action` in `ctx`, for hints in the status bar.
    pub fn key_for(&self, ctx: Context, action: Action) -> Option<String> {
        self.bindings(ctx).iter().find(|b| b.action == action).map(Binding::keys_label)
    }
}

/// Finds and loads keymaps: user directory first, then the shipped presets;
/// then the personal overlay file, when there is one.
pub struct KeymapLoader {
    /// `$XDG_CONFIG_HOME/opsdeck/keymaps`, when known.
    pub user_dir: Option<PathBuf>,
    /// `$XDG_CONFIG_HOME/opsdeck/keymap.toml`, applied over whatever is chosen.
    pub personal: Option<PathBuf>,
    /// Directory that relative keymap paths start from (the plan's).
    pub base_dir: PathBuf,
}

impl KeymapLoader {
    /// Loads `choice` (a preset name, a user keymap name, or a path), then the
    /// personal overlay.
    pub fn load(&self, choice: &str) -> Result<Keymap, Report> {
        let mut map = self.load_depth(choice, 0)?;
        if let Some(p) = self.personal.as_ref().filter(|p| p.is_file()) {
            let source = Source::read(p).map_err(Report::single)?;
            let file = file::parse(&source)?;
            file::overlay(&mut map, &file, &source)?;
        }
        Ok(map)
    }

    fn load_depth(&self, choice: &str, depth: usize) -> Result<Keymap, Report> {
        let fail = |msg: String| Report::single(Diagnostic::error(Path::new(choice), None, "keymap", msg));
        if depth > 8 {
            return Err(fail("keymaps extend each other in a loop".into()));
        }
        let is_path = choice.contains('/') || choice.ends_with(".toml");
        let user = self.user_dir.as_ref().map(|d| d.join(format!("{choice}.toml"))).filter(|p| !is_path && p.is_file());
        let shipped = SHIPPED.iter().find(|(n, _)| *n == choice);
        let source = if is_path {
            let p = if Path::new(choice).is_absolute() { PathBuf::from(choice) } else { self.base_dir.join(choice) };
            Source::read(&p).map_err(Report::single)?
        } else if let Some(p) = &user {
            Source::read(p).map_err(Report::single)?
        } else if let Some((name, text)) = shipped {
            Source::new(format!("keymaps/{name}.toml"), *text)
        } else {
            let names: Vec<&str> = SHIPPED.iter().map(|(n, _)| *n).collect();
            return Err(fail(format!("unknown keymap `{choice}`; expected one of {} or a path to a .toml file", names.join(", "))));
        };
        let file = file::parse(&source)?;
        let is_preset = user.is_none() && !is_path;
        let mut map = match (&file.extends, is_preset) {
            (None, true) => Keymap { name: choice.to_string(), contexts: Vec::new() },
            (Some(parent), _) => self.load_depth(parent, depth + 1)?,
            // A user file named like a preset overlays that preset.
            (None, false) if shipped.is_some() => {
                KeymapLoader { user_dir: None, personal: None, base_dir: self.base_dir.clone() }.load_depth(choice, depth + 1)?
            }
            (None, false) => self.load_depth("default", depth + 1)?,
        };
        map.name = choice.to_string();
        file::overlay(&mut map, &file, &source)?;
        Ok(map)
    }
}

#[cfg(test)]
mod tests;
