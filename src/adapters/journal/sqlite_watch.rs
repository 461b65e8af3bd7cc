//! Whether a SQLite room may have changed, without asking SQLite. A room in
//! WAL mode keeps its wal-index header at the start of its `-shm` file, and
//! every commit, by any connection of any process, rewrites it (the frame
//! count and the change counter). Reading those 48 bytes is one `pread`,
//! where asking for the latest seq is a round trip to sqlx's worker thread
//! and a query: the idle console polls the stamp four times a second and
//! asks SQLite only when it moved.
//!
//! A stamp that cannot be read (no `-shm` yet, another journal mode) counts
//! as changed, and so does a torn read of a header being rewritten: a false
//! "changed" costs one query, never a missed event.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// The bytes of the wal-index header (two copies of it start the file; the
/// first is enough to see a commit).
const HEADER: usize = 48;

/// The change stamp of one room file.
#[derive(Debug)]
pub struct WalStamp {
    shm: PathBuf,
    file: Option<File>,
    last: Option<[u8; HEADER]>,
}

impl WalStamp {
    /// The stamp of the SQLite database at `db`.
    pub fn of(db: &Path) -> WalStamp {
        let mut shm = db.as_os_str().to_owned();
        shm.push("-shm");
        WalStamp { shm: PathBuf::from(shm), file: None, last: None }
    }

    /// Whether the room may have changed since the last call (always true
    /// the first time and whenever the header cannot be read).
    pub fn moved(&mut self) -> bool {
        let now = self.read();
        let moved = now.is_none() || now != self.last;
        self.last = now;
        moved
    }

    fn read(&mut self) -> Option<[u8; HEADER]> {
        if self.file.is_none() {
            self.file = File::open(&self.shm).ok();
        }
        let mut header = [0u8; HEADER];
        match self.file.as_ref()?.read_exact_at(&mut header, 0) {
            Ok(()) => Some(header),
            Err(_) => {
                // Re-opened next time: the file may have been replaced.
                self.file = None;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

    #[tokio::test]
    async fn a_commit_moves_the_stamp_and_a_read_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("room.db");
        let options = SqliteConnectOptions::new().filename(&db).create_if_missing(true).journal_mode(SqliteJournalMode::Wal);
        let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.unwrap();
        sqlx::raw_sql("CREATE TABLE t (x INTEGER)").execute(&pool).await.unwrap();
        let mut stamp = WalStamp::of(&db);
        assert!(stamp.moved(), "the first look always counts as a change");
        assert!(!stamp.moved(), "nothing was written");
        sqlx::query("SELECT count(*) FROM t").fetch_one(&pool).await.unwrap();
        assert!(!stamp.moved(), "a read is not a change");
        for i in 0..3 {
            sqlx::query("INSERT INTO t VALUES (?)").bind(i).execute(&pool).await.unwrap();
            assert!(stamp.moved(), "commit {i} moves the stamp");
            assert!(!stamp.moved());
        }
        pool.close().await;
    }

    #[test]
    fn a_missing_file_counts_as_changed() {
        let mut stamp = WalStamp::of(Path::new("/nonexistent/room.db"));
        assert!(stamp.moved());
        assert!(stamp.moved());
    }
}
