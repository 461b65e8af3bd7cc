//! Themes: semantic style slots (ok, degraded, p0, focus, banner_production …)
//! loaded from `themes/*.toml`. Shipped themes are embedded in the binary; a
//! user theme (in the XDG config dir or given by path) overlays the theme it
//! `extends`. `NO_COLOR` selects the monochrome theme unless one is asked for.

pub mod depth;
mod style_spec;

use std::path::{Path, PathBuf};

use ratatui::style::Style;
use serde::Deserialize;

use opsdeck_core::config::{Diagnostic, Diagnostics, Report, Source};
pub use style_spec::{FullStyle, StyleSpec, ThemeColor};

/// Themes shipped inside the binary: (name, file text).
pub const SHIPPED: &[(&str, &str)] = &[
    ("dark", include_str!("../../../themes/dark.toml")),
    ("light", include_str!("../../../themes/light.toml")),
    ("ansi16", include_str!("../../../themes/ansi16.toml")),
    ("mono", include_str!("../../../themes/mono.toml")),
];

/// The theme every other one overlays unless it says `extends`.
pub const BASE: &str = "dark";

macro_rules! slots {
    ($($(#[doc = $doc:literal])* $slot:ident),* $(,)?) => {
        /// Every style the console draws with, by meaning rather than colour.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Theme {
            pub name: String,
            $($(#[doc = $doc])* pub $slot: Style,)*
        }

        /// A theme file: any subset of the slots, over the theme it extends.
        #[derive(Debug, Clone, Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct ThemeFile {
            /// Theme this one overlays (default: `dark`).
            pub extends: Option<String>,
            /// One line saying what the theme is for.
            pub description: Option<String>,
            $(pub $slot: Option<StyleSpec>,)*
        }

        /// Names of all slots, for documentation and completeness checks.
        pub const SLOT_NAMES: &[&str] = &[$(stringify!($slot)),*];

        impl ThemeFile {
            /// Applies this file's slots on top of `base`.
            pub fn overlay(&self, mut base: Theme, name: &str) -> Theme {
                base.name = name.to_string();
                $(if let Some(spec) = &self.$slot { base.$slot = spec.to_style(); })*
                base
            }

            /// Slots this file leaves unset (a base theme must set them all).
            pub fn missing_slots(&self) -> Vec<&'static str> {
                let mut out = Vec::new();
                $(if self.$slot.is_none() { out.push(stringify!($slot)); })*
                out
            }
        }

        impl Theme {
            fn empty(name: &str) -> Theme {
                Theme { name: name.to_string(), $($slot: Style::new(),)* }
            }

            /// The theme with every colour brought down to what the terminal shows.
            pub fn for_depth(mut self, depth: depth::Depth) -> Theme {
                $(self.$slot = depth.style(self.$slot);)*
                self
            }
        }
    };
}

slots! {
    /// Plain text.
    text,
    /// Secondary text: ages, hints, units.
    text_dim,
    /// Pane titles.
    title,
    /// Borders of panes without focus.
    border,
    /// Border and title of the focused pane.
    focus,
    /// The selected row.
    selection,
    /// Table headers.
    header,
    /// Check states.
    ok,
    acceptable,
    degraded,
    critical,
    unknown,
    /// Incident severities.
    p0,
    p1,
    p2,
    p3,
    /// Environment banner for production.
    banner_production,
    /// Environment banner for staging and other environments.
    banner_other,
    /// The status bar and the keys it shows.
    status_bar,
    status_key,
    /// Sparklines and charts.
    chart,
    /// Keys and their descriptions in the help overlay.
    help_key,
    help_desc,
    /// Text inputs (palette, filter, forms).
    input,
    /// Inline error and warning messages.
    error,
    warning,
}

/// Where a theme came from, for messages and `check`'s summary.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    Shipped,
    File(PathBuf),
}

/// Picks the theme to use: an explicit choice wins, then `NO_COLOR`, then the
/// plan's `deck.theme`, then the base theme.
pub fn choose<'a>(cli: Option<&'a str>, plan: Option<&'a str>, no_color: bool) -> &'a str {
    match (cli, plan) {
        (Some(t), _) => t,
        (None, _) if no_color => "mono",
        (None, Some(t)) => t,
        (None, None) => BASE,
    }
}

/// True when the `NO_COLOR` convention asks for no colour (set and non-empty).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// Loads themes by name or path, looking in the user's theme directory
/// before the shipped ones.
pub struct ThemeLoader {
    /// `$XDG_CONFIG_HOME/opsdeck/themes`, when known.
    pub user_dir: Option<PathBuf>,
    /// Directory that relative theme paths start from (the plan's).
    pub base_dir: PathBuf,
}

impl ThemeLoader {
    pub fn new(user_dir: Option<PathBuf>, base_dir: PathBuf) -> Self {
        Self { user_dir, base_dir }
    }

    /// Loads `choice`: a path (contains `/` or ends in `.toml`) or a name.
    pub fn load(&self, choice: &str) -> Result<(Theme, Origin), Report> {
        self.load_depth(choice, 0)
    }

    fn load_depth(&self, choice: &str, depth: usize) -> Result<(Theme, Origin), Report> {
        let fail = |msg: String| Report::single(Diagnostic::error(Path::new(choice), None, "theme", msg));
        if depth > 8 {
            return Err(fail("themes extend each other in a loop".into()));
        }
        let is_path = choice.contains('/') || choice.ends_with(".toml");
        let (source, origin) = if is_path {
            let p = if Path::new(choice).is_absolute() { PathBuf::from(choice) } else { self.base_dir.join(choice) };
            let src = Source::read(&p).map_err(Report::single)?;
            (src, Origin::File(p))
        } else if let Some(p) = self.user_dir.as_ref().map(|d| d.join(format!("{choice}.toml"))).filter(|p| p.is_file()) {
            (Source::read(&p).map_err(Report::single)?, Origin::File(p))
        } else if let Some((_, text)) = SHIPPED.iter().find(|(n, _)| *n == choice) {
            (Source::new(format!("themes/{choice}.toml"), *text), Origin::Shipped)
        } else {
            let names: Vec<&str> = SHIPPED.iter().map(|(n, _)| *n).collect();
            return Err(fail(format!("unknown theme `{choice}`; expected one of {} or a path to a .toml file", names.join(", "))));
        };
        let file = parse_file(&source)?;
        let name = choice.to_string();
        // The shipped base is complete on its own; everything else overlays a base.
        if origin == Origin::Shipped && choice == BASE {
            let missing = file.missing_slots();
            if !missing.is_empty() {
                return Err(fail(format!("the base theme must set every slot; missing {}", missing.join(", "))));
            }
            return Ok((file.overlay(Theme::empty(&name), &name), origin));
        }
        let parent = match (&file.extends, &origin) {
            (Some(p), _) => p.clone(),
            // A user file named like a shipped theme overlays that theme.
            (None, Origin::File(_)) if !is_path && SHIPPED.iter().any(|(n, _)| *n == choice) => {
                format!("shipped:{choice}")
            }
            _ => BASE.to_string(),
        };
        let base = match parent.strip_prefix("shipped:") {
            Some(shipped) => ThemeLoader { user_dir: None, base_dir: self.base_dir.clone() }.load_depth(shipped, depth + 1)?.0,
            None => self.load_depth(&parent, depth + 1)?.0,
        };
        Ok((file.overlay(base, &name), origin))
    }
}

/// Parses a theme file, with the file, line and column of any problem.
pub fn parse_file(source: &Source) -> Result<ThemeFile, Report> {
    toml::from_str::<ThemeFile>(&source.text).map_err(|e| Report {
        diagnostics: Diagnostics {
            items: vec![Diagnostic::error(
                &source.path,
                e.span(),
                e.span().map(|s| opsdeck_core::config::key_at(&source.text, s.start)).unwrap_or_default(),
                e.message().trim().to_string(),
            )],
        },
        sources: vec![source.clone()],
    })
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Modifier};

    use super::*;

    fn loader(user_dir: Option<PathBuf>) -> ThemeLoader {
        ThemeLoader::new(user_dir, PathBuf::from("."))
    }

    #[test]
    fn every_shipped_theme_loads() {
        for (name, _) in SHIPPED {
            let (theme, origin) = loader(None).load(name).unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(theme.name, *name);
            assert_eq!(origin, Origin::Shipped);
        }
    }

    #[test]
    fn mono_uses_only_the_terminal_colours() {
        let (mono, _) = loader(None).load("mono").unwrap();
        for style in [mono.ok, mono.critical, mono.p0, mono.banner_production, mono.focus, mono.selection] {
            assert!(matches!(style.fg, None | Some(Color::Reset)), "{style:?}");
            assert!(matches!(style.bg, None | Some(Color::Reset)), "{style:?}");
        }
        // States stay distinguishable without colour.
        assert_ne!(mono.critical, mono.ok);
        assert!(mono.critical.add_modifier.contains(Modifier::BOLD) || mono.critical.add_modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn ansi16_uses_only_the_sixteen_colours() {
        let (t, _) = loader(None).load("ansi16").unwrap();
        for s in [
            t.ok,
            t.acceptable,
            t.degraded,
            t.critical,
            t.unknown,
            t.p0,
            t.p1,
            t.focus,
            t.border,
            t.selection,
            t.banner_production,
            t.status_bar,
        ] {
            for c in [s.fg, s.bg].into_iter().flatten() {
                assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{c:?} in ansi16");
            }
        }
    }

    #[test]
    fn no_color_chooses_mono_unless_a_theme_is_asked_for() {
        assert_eq!(choose(None, None, true), "mono");
        assert_eq!(choose(None, Some("light"), true), "mono");
        assert_eq!(choose(Some("light"), None, true), "light");
        assert_eq!(choose(None, Some("light"), false), "light");
        assert_eq!(choose(None, None, false), "dark");
    }

    #[test]
    fn a_user_theme_overlays_its_base() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("night.toml"), "extends = \"light\"\ncritical = { fg = \"#ff0000\", bold = true }\n").unwrap();
        let (t, origin) = loader(Some(dir.path().to_path_buf())).load("night").unwrap();
        let (light, _) = loader(None).load("light").unwrap();
        assert_eq!(t.critical.fg, Some(Color::Rgb(255, 0, 0)));
        assert_eq!(t.ok, light.ok);
        assert!(matches!(origin, Origin::File(_)));
        // A user file named like a shipped theme overlays that theme.
        std::fs::write(dir.path().join("light.toml"), "ok = \"magenta\"\n").unwrap();
        let (t, _) = loader(Some(dir.path().to_path_buf())).load("light").unwrap();
        assert_eq!(t.ok.fg, Some(Color::Magenta));
        assert_eq!(t.critical, light.critical);
    }

    #[test]
    fn theme_errors_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "ok = \"green\"\ncritical = \"blood\"\n").unwrap();
        let err = loader(None).load(path.to_str().unwrap()).unwrap_err();
        let text = err.render();
        assert!(text.contains("bad.toml:2:12: error:"), "{text}");
        assert!(text.contains("unknown colour \"blood\""), "{text}");
        let err = loader(None).load("neon").unwrap_err();
        assert!(err.diagnostics.items[0].message.contains("unknown theme `neon`"));
    }
}
