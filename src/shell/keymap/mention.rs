//! Keys named in messages and hints: the key bound to an action in the
//! keymap in use, so no hint names a key the user has rebound. Reducers,
//! which have no keymap, write `{key:incident.new}` (see [`Action::key`]);
//! the view fills it in with [`Keymap::fill`].

use crossterm::event::KeyCode;

use super::{Context, Key, Keymap};
use crate::shell::action::{Action, KEY_MENTION_CLOSE, KEY_MENTION_OPEN};

impl Key {
    /// The key as a message names it: `Enter`, `Esc`, `Tab`, `Space` for a
    /// named key on its own, keymap notation (`n`, `<C-r>`) otherwise.
    pub fn shown(&self) -> String {
        let notation = self.to_string();
        let named = !matches!(self.code, KeyCode::Char(c) if c != ' ' && c != '<' && c != '>');
        match notation.strip_prefix('<').and_then(|n| n.strip_suffix('>')) {
            Some(name) if named && self.mods.is_empty() => name.to_string(),
            _ => notation,
        }
    }
}

impl Keymap {
    /// The key that runs `action`, as a message names it: bound in one of
    /// `ctxs` (the contexts in use, most specific first), else in any
    /// context; `:name` (the palette runs it) when no key is bound.
    pub fn shown(&self, ctxs: &[Context], action: Action) -> String {
        ctxs.iter()
            .chain(Context::ALL.iter().filter(|c| !ctxs.contains(c)))
            .find_map(|c| self.bindings(*c).iter().find(|b| b.action == action))
            .map_or_else(|| format!(":{}", action.name()), |b| b.keys.iter().map(Key::shown).collect::<Vec<_>>().join(" "))
    }

    /// `text` with every `{key:NAME}` mention replaced by the key that runs
    /// the action NAME (see [`Keymap::shown`]); other text is left alone.
    pub fn fill(&self, text: &str, ctxs: &[Context]) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find(KEY_MENTION_OPEN) {
            let after = &rest[start + KEY_MENTION_OPEN.len()..];
            let Some((name, tail)) = after.split_once(KEY_MENTION_CLOSE) else { break };
            out.push_str(&rest[..start]);
            match Action::parse(name) {
                Ok(action) => out.push_str(&self.shown(ctxs, action)),
                Err(_) => out.push_str(&rest[start..start + KEY_MENTION_OPEN.len() + name.len() + KEY_MENTION_CLOSE.len()]),
            }
            rest = tail;
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shell::keymap::KeymapLoader;

    fn load(name: &str, overlay: Option<&str>) -> Keymap {
        let dir = tempfile::tempdir().expect("temp dir");
        let personal = overlay.map(|text| {
            let p = dir.path().join("keymap.toml");
            std::fs::write(&p, text).expect("overlay");
            p
        });
        KeymapLoader { user_dir: None, personal, base_dir: ".".into() }.load(name).expect("keymap")
    }

    #[test]
    fn mentions_show_the_keys_of_the_keymap_in_use() {
        let default = load("default", None);
        let text = format!("{} opens one; {} runs it; {} quits", Action::IncidentNew.key(), Action::Submit.key(), Action::Quit.key());
        assert_eq!(default.fill(&text, &[Context::Global]), "n opens one; Enter runs it; q quits");
        let rebound = load(
            "default",
            Some("[incidents]\nprepend_keymap = [{ on = \"<C-n>\", run = \"incident.new\", desc = \"Open a new incident\" }]\n"),
        );
        assert_eq!(rebound.fill(&text, &[Context::Incidents]), "<C-n> opens one; Enter runs it; q quits");
    }

    #[test]
    fn the_contexts_in_use_come_first_and_an_unbound_action_names_the_palette() {
        let vim = load("vim", None);
        assert_eq!(vim.shown(&[Context::Metrics], Action::Top), "g g");
        assert_eq!(vim.shown(&[Context::Help], Action::Close), "q", "vim closes the help with q first");
        assert_eq!(vim.shown(&[Context::Detail], Action::Close), "h");
        assert_eq!(load("default", None).shown(&[Context::Help], Action::Close), "Esc");
        let bare = Keymap::default();
        assert_eq!(bare.shown(&[Context::Global], Action::IncidentNew), ":incident.new");
        assert_eq!(bare.fill("{key:nope} and {key:", &[]), "{key:nope} and {key:", "not a mention: left alone");
    }
}
