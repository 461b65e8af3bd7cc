//! The server's host key: the file given with `--host-key`, else
//! `<state>/serve/host_ed25519`, generated (Ed25519, mode 0600) on the
//! first start and kept, so that clients see the same host every time.

use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use color_eyre::eyre::{Result, WrapErr, eyre};
use russh::keys::PrivateKey;
use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::Ed25519Keypair;

/// Where the generated host key is kept.
pub fn default_path() -> Option<PathBuf> {
    crate::paths::state_dir().map(|d| d.join("serve").join("host_ed25519"))
}

/// The host key: `given` (which must exist), else the kept one, made now
/// if there is none yet. Returns the key and where it lives.
pub fn load_or_create(given: Option<&Path>) -> Result<(PrivateKey, PathBuf)> {
    if let Some(path) = given {
        return Ok((read(path)?, path.to_path_buf()));
    }
    let path = default_path().ok_or_else(|| eyre!("no state directory for the host key; pass --host-key FILE"))?;
    if path.exists() {
        return Ok((read(&path)?, path));
    }
    let key = generate()?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).wrap_err_with(|| format!("cannot create {}", dir.display()))?;
    }
    let text = key.to_openssh(LineEnding::LF).map_err(|e| eyre!("cannot encode the host key: {e}"))?;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .wrap_err_with(|| format!("cannot write the host key {}", path.display()))?;
    file.write_all(text.as_bytes()).wrap_err_with(|| format!("cannot write the host key {}", path.display()))?;
    tracing::info!("generated the host key {}", path.display());
    Ok((key, path))
}

fn read(path: &Path) -> Result<PrivateKey> {
    russh::keys::load_secret_key(path, None).map_err(|e| eyre!("cannot read the host key {}: {e}", path.display()))
}

/// A new Ed25519 key from the kernel's random source.
fn generate() -> Result<PrivateKey> {
    let mut seed = [0u8; 32];
    std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut seed)).wrap_err("cannot read /dev/urandom for a host key")?;
    Ok(PrivateKey::from(Ed25519Keypair::from_seed(&seed)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_given_key_is_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        let key = generate().unwrap();
        std::fs::write(&path, key.to_openssh(LineEnding::LF).unwrap().as_bytes()).unwrap();
        let (back, at) = load_or_create(Some(&path)).unwrap();
        assert_eq!(back.public_key(), key.public_key());
        assert_eq!(at, path);
    }
}
