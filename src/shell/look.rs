//! The look and feel a console uses: the theme and keymap picked from the
//! command line, `NO_COLOR`, the plan and the user's config directory, its
//! colours brought down to what the terminal shows (`COLORTERM`, `TERM`).

use std::path::Path;

use crate::paths;
use crate::shell::keymap::{Keymap, KeymapLoader};
use crate::shell::theme::{self, Origin, Theme, ThemeLoader};
use opsdeck_core::config::Report;

/// A theme and keymap, with where they came from.
pub struct Look {
    pub theme: Theme,
    pub theme_origin: Origin,
    pub keymap: Keymap,
    /// The colours of the terminal drawn on; a theme switched to later comes down to them too.
    pub depth: theme::depth::Depth,
}

/// Loads the theme and keymap. `plan_dir` anchors relative paths written in
/// the plan; paths given on the command line are relative to the current directory.
/// `depth` is the colours of the terminal drawn on (this process's when `None`).
pub fn load(
    cli_theme: Option<&str>,
    cli_keymap: Option<&str>,
    plan_theme: Option<&str>,
    plan_keymap: Option<&str>,
    plan_dir: &Path,
    depth: Option<theme::depth::Depth>,
) -> Result<Look, Report> {
    let theme_name = theme::choose(cli_theme, plan_theme, theme::no_color_requested());
    let theme_base = if cli_theme.is_some() { Path::new(".") } else { plan_dir };
    let (theme, theme_origin) = ThemeLoader::new(paths::user_themes(), theme_base.to_path_buf()).load(theme_name)?;
    // Without true colour, the theme's RGB colours come down to 256 or 16.
    let depth = depth.unwrap_or_else(theme::depth::Depth::of_process);
    let theme = theme.for_depth(depth);
    let keymap_name = cli_keymap.or(plan_keymap).unwrap_or("default");
    let keymap_base = if cli_keymap.is_some() { Path::new(".") } else { plan_dir };
    let loader = KeymapLoader { user_dir: paths::user_keymaps(), personal: paths::personal_keymap(), base_dir: keymap_base.to_path_buf() };
    let keymap = loader.load(keymap_name)?;
    Ok(Look { theme, theme_origin, keymap, depth })
}
