//! A clean build's scratch files: each page's Markdown HTML (and the parts
//! only its own template reads), written as its Markdown step makes them
//! and read back when the page renders, so that a large site's pages do not
//! all wait in memory between the two (on 100,000 pages, half a gigabyte).
//!
//! Each file is made beside the output (`.NAME.dossier-html`) and unlinked
//! at once: it has no name while the build uses it, and goes with the
//! process whatever ends it. Where a file cannot be used without a name
//! (not Unix), there are no scratch files and the HTML stays in memory.
//!
//! Not for deciding what waits here: the build does ([`crate::pipeline`]),
//! for pages whose body only their own render reads.

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where one text was put: its file, offset and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    file: u32,
    at: u64,
    len: usize,
}

/// One scratch file and the end of what was put in it so far.
struct Part {
    file: std::fs::File,
    end: AtomicU64,
}

/// One file per thread of the build's pool (and one for any other thread):
/// two threads writing one file would wait for each other, a file taking
/// one write at a time.
pub struct Spill {
    parts: Vec<Part>,
}

impl Spill {
    /// Nameless scratch files beside `output`; `Unsupported` where the
    /// system cannot keep one.
    #[cfg(unix)]
    pub fn create(output: &Path) -> io::Result<Spill> {
        let path = super::beside(output, "html");
        let parts = (0..rayon::current_num_threads() + 1)
            .map(|_| {
                let file = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&path)?;
                std::fs::remove_file(&path)?;
                Ok(Part {
                    file,
                    end: AtomicU64::new(0),
                })
            })
            .collect::<io::Result<_>>()?;
        Ok(Spill { parts })
    }

    #[cfg(not(unix))]
    pub fn create(_output: &Path) -> io::Result<Spill> {
        Err(io::ErrorKind::Unsupported.into())
    }

    /// Put `text`, from any thread: each put has its own part of a file.
    pub fn put(&self, text: &str) -> io::Result<Place> {
        self.put_bytes(text.as_bytes())
    }

    /// Put `bytes`, as [`Spill::put`] does a text.
    pub fn put_bytes(&self, bytes: &[u8]) -> io::Result<Place> {
        let last = self.parts.len() - 1;
        let file = rayon::current_thread_index().map_or(last, |i| i.min(last));
        let part = &self.parts[file];
        let len = bytes.len();
        let at = part.end.fetch_add(len as u64, Ordering::Relaxed);
        write_at(&part.file, bytes, at)?;
        Ok(Place {
            file: file as u32,
            at,
            len,
        })
    }

    /// The text put at `place`.
    pub fn get(&self, place: Place) -> io::Result<String> {
        String::from_utf8(self.get_bytes(place)?)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    /// The bytes put at `place`.
    pub fn get_bytes(&self, place: Place) -> io::Result<Vec<u8>> {
        let part = (self.parts.get(place.file as usize)).ok_or(io::ErrorKind::NotFound)?;
        let mut bytes = vec![0; place.len];
        read_at(&part.file, &mut bytes, place.at)?;
        Ok(bytes)
    }
}

#[cfg(unix)]
fn write_at(file: &std::fs::File, bytes: &[u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, bytes, at)
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, bytes: &mut [u8], at: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, bytes, at)
}

#[cfg(not(unix))]
fn write_at(_: &std::fs::File, _: &[u8], _: u64) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

#[cfg(not(unix))]
fn read_at(_: &std::fs::File, _: &mut [u8], _: u64) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use rayon::prelude::*;

    #[test]
    fn texts_put_from_many_threads_come_back_each_as_put_and_no_file_is_left() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("output");
        let spill = Spill::create(&output).unwrap();
        let texts: Vec<String> = (0..2000)
            .map(|i| format!("<p>page {i}: {}</p>", "é".repeat(i % 97)))
            .collect();
        let places: Vec<Place> = texts.par_iter().map(|t| spill.put(t).unwrap()).collect();
        for (text, place) in texts.iter().zip(&places) {
            assert_eq!(&spill.get(*place).unwrap(), text);
        }
        let empty = spill.put("").unwrap();
        assert_eq!(spill.get(empty).unwrap(), "");
        // Nothing beside the output, nor an output, while it is in use.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        // Reading past what was put is an error, not a short text.
        let last = places.iter().max_by_key(|p| p.at + p.len as u64).unwrap();
        let past = Place {
            at: last.at + last.len as u64,
            len: 1,
            ..*last
        };
        assert!(spill.get(past).is_err());
        // Each thread of the pool writes a file of its own, and so does
        // a thread outside it.
        let each = rayon::broadcast(|_| spill.put("one thread's").unwrap());
        let outside = std::thread::scope(|s| s.spawn(|| spill.put("outside").unwrap()).join());
        let files: std::collections::BTreeSet<u32> = (each.iter().chain([&outside.unwrap()]))
            .map(|p| p.file)
            .collect();
        assert_eq!(files.len(), rayon::current_num_threads() + 1);
    }
}
