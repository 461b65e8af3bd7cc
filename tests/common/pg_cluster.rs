//! A PostgreSQL cluster of a test's own: `initdb` into a temp dir and
//! `pg_ctl start` on a free port of 127.0.0.1 and 127.0.0.2, TLS on (with
//! the certificates of `certs`) or off, the test's `pg_hba.conf` lines, the
//! unix socket in the temp dir. Stopped (`pg_ctl stop -m immediate`) on drop.
//!
//! initdb and postgres refuse to run as root: when the tests run as root
//! (as in CI containers) the cluster belongs to, and runs as, the
//! `postgres` OS user (`runuser -u postgres`); otherwise as the current
//! user, so a normal user's clone works too. The binaries are found with
//! `pg_config --bindir`, else under `/usr/lib/postgresql/*/bin/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::certs::{self, CertFiles};

/// The OS user that owns and runs the cluster when we are root.
const SERVICE_USER: &str = "postgres";

/// The database user whose client certificate `certs` makes.
pub const CERT_USER: &str = "certuser";

pub struct PgCluster {
    dir: tempfile::TempDir,
    data: PathBuf,
    bin: PathBuf,
    pub port: u16,
    pub certs: CertFiles,
    owner: Option<(u32, u32)>,
}

/// Where initdb and pg_ctl are.
fn bindir() -> PathBuf {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").is_file() {
            return dir;
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| entries.flatten().map(|e| e.path().join("bin")).filter(|b| b.join("initdb").is_file()).collect())
        .unwrap_or_default();
    found.sort();
    found.pop().expect("initdb: no `pg_config --bindir` and nothing under /usr/lib/postgresql/*/bin (install PostgreSQL's server package)")
}

/// The uid and gid of `name`.
fn user_ids(name: &str) -> (u32, u32) {
    let cname = std::ffi::CString::new(name).expect("a user name");
    // SAFETY: getpwnam returns a pointer to static storage or null; read at once.
    let pw = unsafe { libc::getpwnam(cname.as_ptr()) };
    assert!(!pw.is_null(), "running as root, the cluster needs the `{name}` OS user (initdb refuses root)");
    // SAFETY: checked non-null above.
    unsafe { ((*pw).pw_uid, (*pw).pw_gid) }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port").local_addr().expect("its address").port()
}

impl PgCluster {
    /// Starts a cluster with TLS `ssl` on or off and these `pg_hba.conf`
    /// lines (a `local all all trust` line is added for the socket).
    pub fn start(ssl: bool, hba: &[&str]) -> PgCluster {
        let dir = tempfile::tempdir().expect("a temp dir");
        let root = dir.path().to_path_buf();
        let certs = certs::write(&root, CERT_USER);
        // SAFETY: geteuid has no preconditions.
        let owner = (unsafe { libc::geteuid() } == 0).then(|| user_ids(SERVICE_USER));
        let data = root.join("data");
        let cluster = PgCluster { dir, data, bin: bindir(), port: free_port(), certs, owner };
        let socket = root.join("socket");
        std::fs::create_dir(&socket).expect("the socket dir");
        cluster.give_away(&[&root, &socket, &cluster.certs.server_key, &cluster.certs.server_cert, &cluster.certs.ca]);
        std::fs::set_permissions(&cluster.certs.server_key, std::os::unix::fs::PermissionsExt::from_mode(0o600)).expect("key mode");

        cluster.run("initdb", &["-D", path(&cluster.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
        let mut conf = format!(
            "\nport = {}\nlisten_addresses = '127.0.0.1,127.0.0.2'\nunix_socket_directories = '{}'\nfsync = off\n\
             max_connections = 30\nshared_buffers = 16MB\n",
            cluster.port,
            socket.display()
        );
        if ssl {
            conf.push_str(&format!(
                "ssl = on\nssl_cert_file = '{}'\nssl_key_file = '{}'\nssl_ca_file = '{}'\n",
                cluster.certs.server_cert.display(),
                cluster.certs.server_key.display(),
                cluster.certs.ca.display()
            ));
        } else {
            conf.push_str("ssl = off\n");
        }
        append(&cluster.data.join("postgresql.conf"), &conf);
        let mut hba_text = String::from("local all all trust\n");
        for line in hba {
            hba_text.push_str(line);
            hba_text.push('\n');
        }
        std::fs::write(cluster.data.join("pg_hba.conf"), hba_text).expect("writing pg_hba.conf");
        let log = root.join("postgres.log");
        cluster.run("pg_ctl", &["-D", path(&cluster.data), "-l", path(&log), "-w", "-t", "60", "start"]);
        cluster.sql(&format!("CREATE ROLE {CERT_USER} LOGIN"));
        cluster
    }

    /// `postgres://postgres@HOST:PORT/postgres?QUERY`.
    pub fn url(&self, host: &str, query: &str) -> String {
        self.url_as("postgres", host, query)
    }

    /// The URL for database user `user`.
    pub fn url_as(&self, user: &str, host: &str, query: &str) -> String {
        let q = if query.is_empty() { String::new() } else { format!("?{query}") };
        format!("postgres://{user}@{host}:{}/postgres{q}", self.port)
    }

    /// Runs `sql` through psql on the unix socket.
    pub fn sql(&self, sql: &str) {
        let socket = self.dir.path().join("socket");
        let port = self.port.to_string();
        self.run("psql", &["-h", path(&socket), "-p", &port, "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql]);
    }

    /// The temp dir the cluster lives in (for a test's own files).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Hands `paths` to the service user when we are root.
    fn give_away(&self, paths: &[&Path]) {
        if let Some((uid, gid)) = self.owner {
            for p in paths {
                std::os::unix::fs::chown(p, Some(uid), Some(gid)).unwrap_or_else(|e| panic!("chown {}: {e}", p.display()));
            }
        }
    }

    /// Runs a PostgreSQL program as the cluster's owner; panics with its output on failure.
    fn run(&self, program: &str, args: &[&str]) {
        let exe = if program == "psql" && !self.bin.join("psql").is_file() { PathBuf::from("psql") } else { self.bin.join(program) };
        let mut cmd = match self.owner {
            Some(_) => {
                let mut c = Command::new("runuser");
                c.args(["-u", SERVICE_USER, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        let out = cmd.args(args).current_dir(self.dir.path()).output().unwrap_or_else(|e| panic!("running {}: {e}", exe.display()));
        if !out.status.success() {
            let log = std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default();
            panic!(
                "{program} {args:?} failed ({}):\n{}{}\nserver log:\n{log}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.data.display().to_string();
        let exe = self.bin.join("pg_ctl");
        let mut cmd = match self.owner {
            Some(_) => {
                let mut c = Command::new("runuser");
                c.args(["-u", SERVICE_USER, "--"]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        let _ = cmd.args(["-D", &data, "-m", "immediate", "-w", "stop"]).current_dir(self.dir.path()).output();
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

fn append(file: &Path, text: &str) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(file).unwrap_or_else(|e| panic!("opening {}: {e}", file.display()));
    f.write_all(text.as_bytes()).expect("appending to postgresql.conf");
}
