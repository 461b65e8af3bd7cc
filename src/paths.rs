//! Where opsdeck keeps its files, following the XDG base directories:
//! user themes and keymaps under `$XDG_CONFIG_HOME/opsdeck`, journals and
//! logs under `$XDG_STATE_HOME/opsdeck`.

use std::path::PathBuf;

use etcetera::BaseStrategy;

/// `$XDG_CONFIG_HOME/opsdeck` (usually `~/.config/opsdeck`), when a home is known.
pub fn config_dir() -> Option<PathBuf> {
    etcetera::choose_base_strategy().ok().map(|s| s.config_dir().join("opsdeck"))
}

/// `$XDG_STATE_HOME/opsdeck` (usually `~/.local/state/opsdeck`), when a home is known.
pub fn state_dir() -> Option<PathBuf> {
    let s = etcetera::choose_base_strategy().ok()?;
    Some(s.state_dir().unwrap_or_else(|| s.data_dir()).join("opsdeck"))
}

/// User themes: `<config>/themes/NAME.toml`.
pub fn user_themes() -> Option<PathBuf> {
    config_dir().map(|d| d.join("themes"))
}

/// User keymaps: `<config>/keymaps/NAME.toml`.
pub fn user_keymaps() -> Option<PathBuf> {
    config_dir().map(|d| d.join("keymaps"))
}

/// The personal keymap overlay applied over any preset: `<config>/keymap.toml`.
pub fn personal_keymap() -> Option<PathBuf> {
    config_dir().map(|d| d.join("keymap.toml"))
}
