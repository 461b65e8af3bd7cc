//! Every file in `themes/` and `keymaps/` is shipped (embedded in the
//! binary) and loads, both by name and by path.

use std::path::{Path, PathBuf};

use opsdeck::shell::keymap::{self, KeymapLoader};
use opsdeck::shell::theme::{self, ThemeLoader};

fn files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

fn stem(p: &Path) -> String {
    p.file_stem().unwrap().to_string_lossy().into_owned()
}

#[test]
fn every_theme_file_is_shipped_and_loads() {
    let themes = files("themes");
    assert!(themes.len() >= 4);
    for path in themes {
        let name = stem(&path);
        assert!(theme::SHIPPED.iter().any(|(n, _)| *n == name), "themes/{name}.toml is not embedded");
        let by_path = ThemeLoader::new(None, PathBuf::from("/")).load(path.to_str().unwrap());
        let by_path = by_path.unwrap_or_else(|e| panic!("{}", e.render())).0;
        let by_name = ThemeLoader::new(None, PathBuf::from("/")).load(&name).unwrap().0;
        assert_eq!(by_path.ok, by_name.ok, "{name}: the file and the embedded copy agree");
    }
}

#[test]
fn every_keymap_file_is_shipped_and_loads() {
    let keymaps = files("keymaps");
    assert!(keymaps.len() >= 2);
    for path in keymaps {
        let name = stem(&path);
        assert!(keymap::SHIPPED.iter().any(|(n, _)| *n == name), "keymaps/{name}.toml is not embedded");
        let loader = KeymapLoader { user_dir: None, personal: None, base_dir: PathBuf::from("/") };
        loader.load(path.to_str().unwrap()).unwrap_or_else(|e| panic!("{}", e.render()));
        loader.load(&name).unwrap();
    }
}
