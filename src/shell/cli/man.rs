//! `opsdeck man`: the manual pages, generated from the command line's own
//! definition (clap_mangen), so `--help` and the pages never disagree.
//! opsdeck(1) gets the environment, files and see-also sections that clap
//! does not know; each subcommand gets its own page, opsdeck-NAME(1).

use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};
use color_eyre::eyre::WrapErr;

use super::Cli;

/// The manual the pages belong to (the centre of the footer line).
const MANUAL: &str = "opsdeck manual";

/// Prints opsdeck(1) to stdout, or writes it and one page per subcommand
/// into `dir` (made when missing).
pub fn run(dir: Option<&Path>) -> color_eyre::Result<ExitCode> {
    match dir {
        None => {
            let page = main_page()?;
            match io::stdout().lock().write_all(&page) {
                // `opsdeck man | head` closing the pipe early is not an error.
                Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e).wrap_err("cannot write the manual page"),
                _ => Ok(ExitCode::SUCCESS),
            }
        }
        Some(dir) => {
            std::fs::create_dir_all(dir).wrap_err_with(|| format!("cannot create {}", dir.display()))?;
            for (name, page) in pages()? {
                let path = dir.join(&name);
                std::fs::write(&path, page).wrap_err_with(|| format!("cannot write {}", path.display()))?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Every page as (file name, roff): `opsdeck.1` first, then
/// `opsdeck-NAME.1` for each subcommand in the order `--help` lists them.
pub fn pages() -> color_eyre::Result<Vec<(String, Vec<u8>)>> {
    let root = Cli::command();
    let globals = global_options(&root);
    let mut pages = vec![("opsdeck.1".to_owned(), main_page()?)];
    for sub in root.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("opsdeck-{}", sub.get_name());
        // The subcommand on its own, before clap copies the global options
        // into it: its page lists its own options, and points to opsdeck(1)
        // for the global ones.
        let cmd = sub.clone().bin_name(format!("opsdeck {}", sub.get_name())).display_name(&name).version(VERSION);
        let man = Man::new(cmd).title(name.to_uppercase()).source(source()).manual(MANUAL);
        let mut page = Vec::new();
        man.render(&mut page).wrap_err_with(|| format!("cannot render {name}(1)"))?;
        let mut extra = Roff::default();
        extra.control("SH", ["GLOBAL OPTIONS"]).text([
            roman("The options of "),
            bold("opsdeck"),
            roman(format!("(1) apply here too: {globals}.")),
        ]);
        see_also(&mut extra, &["opsdeck(1)".to_owned()]);
        extra.to_writer(&mut page).wrap_err_with(|| format!("cannot render {name}(1)"))?;
        pages.push((man.get_filename(), page));
    }
    Ok(pages)
}

/// opsdeck(1): what clap knows, then ENVIRONMENT, FILES and SEE ALSO.
fn main_page() -> color_eyre::Result<Vec<u8>> {
    // Without the `help` subcommand, which has no page of its own.
    let cmd = Cli::command().disable_help_subcommand(true);
    let subpages: Vec<String> =
        cmd.get_subcommands().filter(|s| !s.is_hide_set()).map(|s| format!("opsdeck-{}(1)", s.get_name())).collect();
    let mut page = Vec::new();
    Man::new(cmd).title("OPSDECK").source(source()).manual(MANUAL).render(&mut page).wrap_err("cannot render opsdeck(1)")?;
    let mut extra = Roff::default();
    section(&mut extra, "ENVIRONMENT", ENVIRONMENT);
    section(&mut extra, "FILES", FILES);
    see_also(&mut extra, &subpages);
    extra.to_writer(&mut page).wrap_err("cannot render opsdeck(1)")?;
    Ok(page)
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The footer's left side on every page: `opsdeck 0.1.0`.
fn source() -> String {
    format!("opsdeck {VERSION}")
}

/// The global options as `--theme, --keymap, …`.
fn global_options(root: &clap::Command) -> String {
    let longs: Vec<String> =
        root.get_arguments().filter(|a| a.is_global_set()).filter_map(|a| a.get_long()).map(|l| format!("--{l}")).collect();
    longs.join(", ")
}

/// A section of tagged paragraphs: a bold term, then its explanation.
fn section(roff: &mut Roff, title: &str, entries: &[(&str, &str)]) {
    roff.control("SH", [title]);
    for (term, text) in entries {
        roff.control("TP", []).text([bold(*term)]).text([roman(*text)]);
    }
}

/// SEE ALSO: the related pages, `name(section)` each.
fn see_also(roff: &mut Roff, refs: &[String]) {
    roff.control("SH", ["SEE ALSO"]).text([roman(refs.join(", "))]);
}

const ENVIRONMENT: &[(&str, &str)] = &[
    ("OPSDECK_STORE", "The journal store, as --store: a PostgreSQL URL shared by the war room."),
    ("NO_COLOR", "When set and not empty, the mono theme (unless --theme or the plan names one)."),
    ("COLORTERM, TERM", "Colour depth: true colour with COLORTERM=truecolor or 24bit, else 256 colours when TERM names 256, else 16."),
    ("XDG_CONFIG_HOME, XDG_STATE_HOME", "Where user themes and keymaps, and journals and logs, are kept (see FILES)."),
];

const FILES: &[(&str, &str)] = &[
    ("~/.config/opsdeck/themes/NAME.toml", "User themes, chosen with --theme NAME or the plan's deck.theme."),
    ("~/.config/opsdeck/keymaps/NAME.toml", "User keymaps, chosen with --keymap NAME."),
    ("~/.config/opsdeck/keymap.toml", "A personal overlay applied over whichever keymap is chosen."),
    ("~/.local/state/opsdeck/", "SQLite journals (one per room without --store), the log file and the host key of opsdeck serve."),
    (
        "/usr/share/opsdeck/themes/, /usr/share/opsdeck/keymaps/",
        "Copies of the shipped themes (dark, light, ansi16, mono) and keymaps (default, vim), installed by the Debian package \
         as starting points; the binary has them built in, so copy one into the user directory to change it.",
    ),
];
