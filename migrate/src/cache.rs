//! What was read from a project's files, kept between runs and keyed by each
//! file's content (DESIGN §9): parsing hundreds of migration files and model
//! sources is most of what a no-op command does, and most files have not
//! changed since the last run.
//!
//! A cache is one file under `target/remodel/` in the project. It is only
//! ever a shortcut: a missing, unreadable, corrupt or foreign cache (another
//! remodel build wrote it) is ignored, a value is used only for a file whose
//! path and content hash both match, and a cache that cannot be written is
//! not an error. Writes go to a temporary file renamed into place, so a
//! concurrent run reads either the old cache or the new one, never half.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

/// The environment variable that turns caching off when set to anything but
/// empty or `0` (`REMODEL_NO_CACHE=1`).
pub const NO_CACHE_VAR: &str = "REMODEL_NO_CACHE";

/// Where a project's caches live.
pub fn dir(project: &Path) -> PathBuf {
    project.join("target").join("remodel")
}

/// Whether caching is on (see [`NO_CACHE_VAR`]).
pub fn enabled() -> bool {
    std::env::var_os(NO_CACHE_VAR).is_none_or(|v| v.is_empty() || v == "0")
}

/// A file's content hash: the first 16 bytes of its SHA-256.
pub type ContentHash = [u8; 16];

/// The content hash of a file's bytes.
pub fn content_hash(bytes: &[u8]) -> ContentHash {
    let digest = Sha256::digest(bytes);
    let mut out = [0; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

/// The layout of cached values; raised whenever a cached type changes.
const FORMAT: u32 = 4;

/// Identifies the remodel build that wrote a cache: values read by another
/// build (another version, or the same version rebuilt from changed code)
/// may differ, so its caches are ignored. `None` when the running program
/// cannot be identified: then nothing is cached.
fn build_id() -> Option<String> {
    let meta = std::fs::metadata(std::env::current_exe().ok()?).ok()?;
    let modified = meta
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some(format!(
        "remodel-cache {FORMAT} {} {}-{modified}\n",
        env!("CARGO_PKG_VERSION"),
        meta.len()
    ))
}

/// A body's check: hex of the first 16 bytes of its SHA-256, and a newline.
fn body_check(body: &[u8]) -> String {
    let hash = content_hash(body);
    let mut s: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    s.push('\n');
    s
}

/// One cache file: values by file (a key such as its path) and content hash.
/// Each value is kept as its own serialized bytes, so values are decoded on
/// whichever thread takes them ([`FileCache::take`]), and a file that did
/// not change is written back as the same bytes. The cache is written again
/// ([`FileCache::store`]) only when a file was not in it or a cached file
/// was not read.
pub struct FileCache<V> {
    path: Option<PathBuf>,
    /// The cache file's bytes; `old` holds ranges into it.
    bytes: Vec<u8>,
    old: HashMap<String, (ContentHash, Range<usize>)>,
    /// What the next cache holds: files taken from this one, and new ones.
    new: Mutex<HashMap<String, (ContentHash, Blob)>>,
    missed: AtomicBool,
    value: PhantomData<fn() -> V>,
}

/// A value's bytes: in the old cache file, or serialized this run.
enum Blob {
    Old(Range<usize>),
    New(Vec<u8>),
}

/// Reads the entries of a cache file's body: for each, the key's length
/// (u32, little-endian) and the key, the 16-byte content hash, the value's
/// length (u32) and the value.
fn entries(body: &[u8], offset: usize) -> Option<HashMap<String, (ContentHash, Range<usize>)>> {
    fn u32_at(b: &[u8], at: &mut usize) -> Option<usize> {
        let v = b.get(*at..*at + 4)?;
        *at += 4;
        Some(u32::from_le_bytes(v.try_into().ok()?) as usize)
    }
    let mut out = HashMap::new();
    let mut at = 0;
    while at < body.len() {
        let n = u32_at(body, &mut at)?;
        let key = std::str::from_utf8(body.get(at..at + n)?).ok()?.to_string();
        at += n;
        let hash: ContentHash = body.get(at..at + 16)?.try_into().ok()?;
        at += 16;
        let n = u32_at(body, &mut at)?;
        body.get(at..at + n)?;
        out.insert(key, (hash, offset + at..offset + at + n));
        at += n;
    }
    Some(out)
}

impl<V: Serialize + DeserializeOwned> FileCache<V> {
    /// Reads the cache file `name` in `dir` (nothing if `dir` is `None`).
    pub fn open(dir: Option<&Path>, name: &str) -> FileCache<V> {
        let path = dir.map(|d| d.join(name));
        let bytes = path
            .as_deref()
            .and_then(|p| std::fs::read(p).ok())
            .unwrap_or_default();
        // The header: the build, then the body's check (a cache damaged on
        // disk is ignored, never decoded into wrong values).
        let old = build_id()
            .and_then(|build| {
                let rest = bytes.strip_prefix(build.as_bytes())?;
                let check_len = 33;
                let (check, body) = (rest.get(..check_len)?, rest.get(check_len..)?);
                (check == body_check(body).as_bytes())
                    .then(|| entries(body, build.len() + check_len))
                    .flatten()
            })
            .unwrap_or_default();
        FileCache {
            path,
            bytes,
            old,
            new: Mutex::new(HashMap::new()),
            missed: AtomicBool::new(false),
            value: PhantomData,
        }
    }

    /// A disabled cache: every lookup misses and nothing is written.
    pub fn none() -> FileCache<V> {
        FileCache::open(None, "")
    }

    /// The value cached for `key` if its content hash is `hash`. Safe to
    /// call from many threads.
    pub fn take(&self, key: &str, hash: &ContentHash) -> Option<V> {
        let found = self
            .old
            .get(key)
            .filter(|(h, _)| h == hash)
            .and_then(|(_, range)| {
                let value = postcard::from_bytes(&self.bytes[range.clone()]).ok()?;
                Some((range, value))
            });
        match found {
            Some((range, value)) => {
                self.new
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(key.to_string(), (*hash, Blob::Old(range.clone())));
                Some(value)
            }
            None => {
                self.missed.store(true, Ordering::Relaxed);
                None
            }
        }
    }

    /// Records the value read from a file that was not in the cache, for
    /// the next run. Safe to call from many threads.
    pub fn put(&self, key: &str, hash: &ContentHash, value: &V) {
        if self.path.is_none() {
            return;
        }
        if let Ok(bytes) = postcard::to_stdvec(value) {
            self.new
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(key.to_string(), (*hash, Blob::New(bytes)));
        }
    }

    /// Whether the cache must be written again after this run: some file
    /// was not in it, or it holds a file that was not read.
    pub fn stale(&self) -> bool {
        self.path.is_some()
            && (self.missed.load(Ordering::Relaxed)
                || self
                    .new
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .len()
                    != self.old.len())
    }

    /// Writes the files taken or put this run as the new cache, if it is
    /// [`stale`](FileCache::stale). Failing to write is not an error: the
    /// next run is only slower.
    pub fn store(&self) {
        if !self.stale() {
            return;
        }
        let (Some(path), Some(build)) = (&self.path, build_id()) else {
            return;
        };
        let new = self.new.lock().unwrap_or_else(PoisonError::into_inner);
        let mut keys: Vec<&String> = new.keys().collect();
        keys.sort();
        let mut out = Vec::new();
        for key in keys {
            let (hash, blob) = &new[key];
            let value = match blob {
                Blob::Old(range) => &self.bytes[range.clone()],
                Blob::New(bytes) => bytes.as_slice(),
            };
            let (Ok(key_len), Ok(value_len)) =
                (u32::try_from(key.len()), u32::try_from(value.len()))
            else {
                return;
            };
            out.extend_from_slice(&key_len.to_le_bytes());
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(hash);
            out.extend_from_slice(&value_len.to_le_bytes());
            out.extend_from_slice(value);
        }
        let mut file = build.into_bytes();
        file.extend_from_slice(body_check(&out).as_bytes());
        file.extend_from_slice(&out);
        let _ = write_atomically(path, &file);
    }
}

/// Writes a new file with a name of its own beside `path`, then renames it
/// into place: concurrent writers never share a file, and readers see the
/// old cache or the new one.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".remodel-cache")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map(|_| ()).map_err(|e| e.error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_only_for_the_same_content() {
        let dir = tempfile::tempdir().unwrap();
        let a = content_hash(b"a");
        let b = content_hash(b"b");
        let cache: FileCache<String> = FileCache::open(Some(dir.path()), "t.cache");
        assert_eq!(cache.take("x", &a), None);
        assert!(cache.stale());
        cache.put("x", &a, &"parsed a".to_string());
        cache.store();

        let cache: FileCache<String> = FileCache::open(Some(dir.path()), "t.cache");
        assert_eq!(cache.take("x", &b), None, "changed content misses");
        let cache: FileCache<String> = FileCache::open(Some(dir.path()), "t.cache");
        assert_eq!(cache.take("y", &a), None, "another file misses");
        assert!(cache.stale(), "x is still cached but no longer read");
        let cache: FileCache<String> = FileCache::open(Some(dir.path()), "t.cache");
        assert_eq!(cache.take("x", &a).as_deref(), Some("parsed a"));
        assert!(!cache.stale(), "every file hit: nothing to write");

        // One file unchanged and one new: the next cache has both.
        assert_eq!(cache.take("y", &b), None);
        cache.put("y", &b, &"parsed b".to_string());
        cache.store();
        let cache: FileCache<String> = FileCache::open(Some(dir.path()), "t.cache");
        assert_eq!(cache.take("x", &a).as_deref(), Some("parsed a"));
        assert_eq!(cache.take("y", &b).as_deref(), Some("parsed b"));
        assert!(!cache.stale());
    }

    #[test]
    fn a_corrupt_or_foreign_cache_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let a = content_hash(b"a");
        std::fs::write(dir.path().join("t.cache"), b"garbage").unwrap();
        let cache: FileCache<String> = FileCache::open(Some(dir.path()), "t.cache");
        assert_eq!(cache.take("x", &a), None);

        let mut bytes = build_id().unwrap().into_bytes();
        bytes.extend_from_slice(&[0xff; 7]);
        std::fs::write(dir.path().join("t.cache"), bytes).unwrap();
        let cache: FileCache<String> = FileCache::open(Some(dir.path()), "t.cache");
        assert_eq!(cache.take("x", &a), None);

        cache.put("x", &a, &"ok".to_string());
        cache.store();
        let cache: FileCache<String> = FileCache::open(Some(dir.path()), "t.cache");
        assert_eq!(cache.take("x", &a).as_deref(), Some("ok"));
        let good = std::fs::read(dir.path().join("t.cache")).unwrap();
        // A byte of a value changed on disk: the whole cache is ignored.
        let mut damaged = good.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        std::fs::write(dir.path().join("t.cache"), damaged).unwrap();
        let cache: FileCache<String> = FileCache::open(Some(dir.path()), "t.cache");
        assert_eq!(cache.take("x", &a), None, "a damaged cache");
        let mut body = good;
        body["remodel-cache ".len()] = b'0';
        std::fs::write(dir.path().join("t.cache"), body).unwrap();
        let cache: FileCache<String> = FileCache::open(Some(dir.path()), "t.cache");
        assert_eq!(cache.take("x", &a), None, "another build's cache");
    }

    #[test]
    fn a_cache_that_cannot_be_written_is_no_error() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the cache's folder would be.
        std::fs::write(dir.path().join("target"), b"").unwrap();
        let cache: FileCache<String> =
            FileCache::open(Some(&dir.path().join("target").join("remodel")), "t.cache");
        let a = content_hash(b"a");
        assert_eq!(cache.take("x", &a), None);
        cache.put("x", &a, &"v".to_string());
        cache.store();
        assert!(!dir.path().join("target").is_dir());
    }
}
