//! The keys file of `opsdeck serve`: who may come in, under what name and
//! role. One person's key per line, `ssh-ed25519 AAAA… alice operator`
//! (an OpenSSH public key without its comment, a name, a role);
//! blank lines and `#` comments are ignored. The file is read at start
//! (an invalid file refuses to start, naming the line) and polled for
//! changes; a file that turns invalid keeps the last good ring and says so
//! in the log.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use color_eyre::eyre::{Result, WrapErr, bail};
use russh::keys::{HashAlg, PublicKey};
use tokio::sync::watch;

/// What a key may do in the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Sees everything, changes what an operator may.
    Operator,
    /// Sees everything, changes nothing (a read-only journal).
    Observer,
}

/// One line of the keys file.
#[derive(Debug, Clone)]
pub struct Entry {
    pub key: PublicKey,
    /// `SHA256:…`, as `ssh-keygen -l` prints it.
    pub fingerprint: String,
    pub name: String,
    pub role: Role,
}

/// Every key the file lets in.
#[derive(Debug, Default)]
pub struct KeyRing {
    entries: Vec<Entry>,
}

impl KeyRing {
    /// Reads a keys file's text; an error names the line and what it expected.
    pub fn parse(text: &str, file: &Path) -> Result<KeyRing> {
        let mut entries: Vec<Entry> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let at = format!("{}:{}", file.display(), n + 1);
            let fields: Vec<&str> = line.split_whitespace().collect();
            let [algorithm, base64, name, role] = fields.as_slice() else {
                bail!("{at}: expected `KEYTYPE BASE64 NAME ROLE` (e.g. `ssh-ed25519 AAAA… alice operator`), found {} fields", fields.len());
            };
            let key = russh::keys::parse_public_key_base64(base64)
                .map_err(|e| color_eyre::eyre::eyre!("{at}: not an OpenSSH public key: {e}"))?;
            if key.algorithm().as_str() != *algorithm {
                bail!("{at}: the key is {} but the line says {algorithm}", key.algorithm().as_str());
            }
            let role = match *role {
                "operator" => Role::Operator,
                "observer" => Role::Observer,
                other => bail!("{at}: unknown role {other:?}; expected operator or observer"),
            };
            if let Some(e) = entries.iter().find(|e| e.key.key_data() == key.key_data()) {
                bail!("{at}: this key is already {}'s; a key belongs to one person", e.name);
            }
            let fingerprint = key.fingerprint(HashAlg::Sha256).to_string();
            entries.push(Entry { key, fingerprint, name: (*name).to_string(), role });
        }
        Ok(KeyRing { entries })
    }

    /// Reads the keys file.
    pub fn load(file: &Path) -> Result<KeyRing> {
        let text = std::fs::read_to_string(file).wrap_err_with(|| format!("cannot read the keys file {}", file.display()))?;
        KeyRing::parse(&text, file)
    }

    /// The entry of this key, if the file lets it in.
    pub fn find(&self, key: &PublicKey) -> Option<&Entry> {
        self.entries.iter().find(|e| e.key.key_data() == key.key_data())
    }

    /// Whether the key with this fingerprint is still in the file.
    pub fn holds(&self, fingerprint: &str) -> bool {
        self.entries.iter().any(|e| e.fingerprint == fingerprint)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// How often the keys file is looked at for changes.
pub const POLL: Duration = Duration::from_millis(500);

/// Reads `file` and keeps reading it as it changes: the receiver always
/// holds the last good ring.
pub fn watch_file(file: PathBuf) -> Result<watch::Receiver<Arc<KeyRing>>> {
    let ring = KeyRing::load(&file)?;
    let (tx, rx) = watch::channel(Arc::new(ring));
    let mut seen = stamp(&file);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(POLL).await;
            if tx.is_closed() {
                break;
            }
            let now = stamp(&file);
            if now == seen {
                continue;
            }
            seen = now;
            match KeyRing::load(&file) {
                Ok(ring) => {
                    tracing::info!("keys file {} re-read: {} keys", file.display(), ring.len());
                    tx.send_replace(Arc::new(ring));
                }
                Err(e) => tracing::warn!("keys file changed but is not valid; keeping the previous keys: {e:#}"),
            }
        }
    });
    Ok(rx)
}

/// What tells a change of the file: its modification time, length and text.
fn stamp(file: &Path) -> Option<(SystemTime, u64, u64)> {
    let meta = std::fs::metadata(file).ok()?;
    let text = std::fs::read(file).ok()?;
    let hash = text.iter().fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100000001b3));
    Some((meta.modified().ok()?, meta.len(), hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALICE: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEGRmhmaUkpdH9F5VSQQWfTDaYzPUygDl2YtgcsBvSt7";

    #[test]
    fn a_line_is_a_key_a_name_and_a_role() {
        let ring = KeyRing::parse(&format!("# the room\n{ALICE} alice operator\n"), Path::new("keys")).unwrap();
        assert_eq!(ring.len(), 1);
        assert!(ring.entries[0].fingerprint.starts_with("SHA256:"));
        assert_eq!(ring.entries[0].role, Role::Operator);
    }

    #[test]
    fn bad_lines_are_named() {
        let e = KeyRing::parse(&format!("\n{ALICE} alice admin\n"), Path::new("keys")).unwrap_err();
        assert!(e.to_string().contains("keys:2: unknown role \"admin\""), "{e}");
        let e = KeyRing::parse(&format!("{ALICE} alice\n"), Path::new("keys")).unwrap_err();
        assert!(e.to_string().contains("keys:1: expected"), "{e}");
        let e = KeyRing::parse(&format!("{ALICE} alice operator\n{ALICE} bob observer\n"), Path::new("keys")).unwrap_err();
        assert!(e.to_string().contains("already alice's"), "{e}");
    }
}
