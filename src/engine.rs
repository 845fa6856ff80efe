//! The build engine's bookkeeping: what a step can read ([`Key`]), the
//! fingerprint of each answer ([`Fp`]), the record of what a step read
//! ([`Reads`]), and the one rule that decides reuse ([`reusable`]).
//!
//! A build is a sequence of steps (parse a file, render a page's Markdown,
//! make a doc's template value, render a page…), declared in
//! [`crate::pipeline`]. Every step reads its inputs through [`Reads`], which
//! records each [`Key`] with the fingerprint of the answer it got. A rebuild
//! runs the same steps; before running one it looks up the step's entry from
//! the previous build and asks [`reusable`]: when every recorded key still
//! has the same fingerprint, the previous answer is taken as it is. A
//! rebuild knows most changed answers without working them out again: it
//! notes them in [`Changes`] as it goes, so checking a read is a lookup,
//! and most records need not be read at all: each keeps a small summary of
//! its keys ([`Sig`]) that rules out the few changed ones.
//! Otherwise the step runs and records anew, and when its new answer has the
//! same fingerprint as before, the steps that read it are reused in turn
//! (early cutoff). A clean build is the same steps with no previous entries.
//!
//! What each key's fingerprint is — the current build's answer to it — is
//! defined once, by the [`Answers`] implementation of the pipeline, and is
//! used both when a read is recorded and when it is checked.
//!
//! Why a memo table of our own rather than the `salsa` crate (0.28, which
//! describes itself as experimental): salsa brings about forty crates
//! (proc macros, parking_lot, crossbeam, dashmap-like tables, tracing) and
//! asks that the whole build be written as tracked functions over interned
//! structs in its database, with Tera's values and rayon's parallel steps
//! fitted around it. Our steps are few and coarse (a file, a doc, a page),
//! run layer by layer in parallel, and their answers are written to disk;
//! the whole mechanism here is a key, a fingerprint, a record and one rule,
//! in this file.
//!
//! Not for running steps, nor for knowing what a step computes: the pipeline
//! and the stages do that.

use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;
use xxhash_rust::xxh3::Xxh3;

/// A fingerprint: a 128-bit hash of an answer.
pub type Fp = u128;

/// A path as keys hold it: cheap to clone.
pub type Name = Arc<str>;

/// A hash map with a fast hasher, for the build's many lookups by path.
pub type Map<K, V> = std::collections::HashMap<K, V, rustc_hash::FxBuildHasher>;

/// Everything a step can read, by name. Paths are relative to the site
/// root for files and folders, and to `content/` for docs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    /// A file's bytes.
    File(Name),
    /// The files that count under a folder ([`crate::files`]).
    Folder(Name),
    /// `site.yaml`'s settings (with `--base-url`).
    Config,
    /// The templates' names and sources.
    Templates,
    /// Which fields of a doc's value the templates can read.
    Fields,
    /// Whether the templates make a search index ([`crate::render::makes_search_index`]).
    Search,
    /// A content file's front matter.
    Front(Name),
    /// A content file's body text and the line it starts at.
    Body(Name),
    /// A doc's URL, output file, section and neighbours.
    Place(Name),
    /// Markdown's question: the URL of the page or section at this path.
    PageUrl(Name),
    /// Markdown's question: the title and URL of the source with this id.
    Source(Name),
    /// Markdown's question: the URL of the content file at this path.
    Asset(Name),
    /// A doc's rendered Markdown.
    Markdown(Name),
    /// The docs that cite a source.
    CitedBy(Name),
    /// A doc's template value, as far as templates can read it.
    Value(Name),
    /// The same without its body: what listings and neighbours show.
    Listed(Name),
    /// What `get_section(path=…)` answers.
    Section(Name),
    /// What `get_page(path=…)` answers.
    Page(Name),
    /// The `site` value.
    Site,
}

/// The kinds of [`Key`], for [`Changes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Folder,
    Config,
    Templates,
    Fields,
    Search,
    Front,
    Body,
    Place,
    PageUrl,
    Source,
    Asset,
    Markdown,
    CitedBy,
    Value,
    Listed,
    Section,
    Page,
    Site,
}

impl Key {
    pub fn kind(&self) -> Kind {
        match self {
            Key::File(_) => Kind::File,
            Key::Folder(_) => Kind::Folder,
            Key::Config => Kind::Config,
            Key::Templates => Kind::Templates,
            Key::Fields => Kind::Fields,
            Key::Search => Kind::Search,
            Key::Front(_) => Kind::Front,
            Key::Body(_) => Kind::Body,
            Key::Place(_) => Kind::Place,
            Key::PageUrl(_) => Kind::PageUrl,
            Key::Source(_) => Kind::Source,
            Key::Asset(_) => Kind::Asset,
            Key::Markdown(_) => Kind::Markdown,
            Key::CitedBy(_) => Kind::CitedBy,
            Key::Value(_) => Kind::Value,
            Key::Listed(_) => Kind::Listed,
            Key::Section(_) => Kind::Section,
            Key::Page(_) => Kind::Page,
            Key::Site => Kind::Site,
        }
    }
}

/// The current build's answers, as fingerprints. Implemented once, by the
/// pipeline; an answer that does not exist has a fingerprint too ([`absent`]).
pub trait Answers: Sync {
    fn fingerprint(&self, key: &Key) -> Fp;
    /// Whether `key`'s answer differs from `read`, what a step of the
    /// previous build got for it. By default the two are compared; an
    /// implementation that knows which answers changed ([`Changes`]) says so
    /// without working the answer out.
    fn changed(&self, key: &Key, read: Fp) -> bool {
        self.fingerprint(key) != read
    }
    /// Whether nothing `record` read can have changed, told without reading
    /// it ([`Changes::rule_out`]); `false` when it cannot be told so.
    fn ruled_out(&self, _record: &Record) -> bool {
        false
    }
    /// Whether steps record what they read: not when no later build will
    /// look at the record (a one-off `build`), which then costs nothing.
    fn recorded(&self) -> bool {
        true
    }
}

/// The keys whose answers changed since the previous build, for the kinds
/// of key whose every change is known. A rebuild notes them as it goes:
/// what the changed paths name, then, layer by layer, the answers of each
/// step that ran again and came out different (early cutoff is a step that
/// ran again and is not noted). An edit to one page notes a handful of
/// keys, so checking a reused step costs a lookup in a small set per read,
/// not working out every answer it read again.
///
/// Sound because every entry of the previous build recorded the answers of
/// the previous build: an entry is reused only when all it read is as it
/// recorded, so its record stays the truth for the next build too.
#[derive(Default)]
pub struct Changes {
    /// The kinds whose changes are all noted, one bit each ([`Kind`]).
    tracked: u32,
    /// The kinds with a change noted.
    touched: u32,
    keys: rustc_hash::FxHashSet<Key>,
    /// Each noted key's [`Sig`] bits.
    bits: Vec<[u8; 2]>,
}

impl Changes {
    /// From now on every change of these kinds is noted here.
    pub fn track(&mut self, kinds: &[Kind]) {
        for &k in kinds {
            self.tracked |= 1 << k as u32;
        }
    }
    /// `key`'s answer changed.
    pub fn note(&mut self, key: Key) {
        self.touched |= 1 << key.kind() as u32;
        let bits = Sig::bits_of(&key);
        if self.keys.insert(key) {
            self.bits.push(bits);
        }
    }
    /// Note `key` when its answer went from `old` to a different `new`.
    pub fn note_if(&mut self, key: Key, old: Fp, new: Fp) {
        if old != new {
            self.note(key);
        }
    }
    /// Whether `key`'s answer changed; `None` when its kind is not tracked.
    pub fn get(&self, key: &Key) -> Option<bool> {
        let bit = 1 << key.kind() as u32;
        if self.tracked & bit == 0 {
            return None;
        }
        Some(self.touched & bit != 0 && self.keys.contains(key))
    }
    /// Whether none of what `record` read can have changed, told from its
    /// [`Sig`] alone: every kind it read is tracked, and no noted key of
    /// those kinds may be in it. `false` when that cannot be told so.
    pub fn rule_out(&self, record: &Record) -> bool {
        let sig = &record.sig;
        sig.kinds & !self.tracked == 0
            && (sig.kinds & self.touched == 0 || !self.bits.iter().any(|&b| sig.may_hold(b)))
    }
}

/// The fingerprint of "no such answer": worked out once, as it is asked
/// for at every read of a build that records none.
pub fn absent() -> Fp {
    static ABSENT: std::sync::LazyLock<Fp> =
        std::sync::LazyLock::new(|| fingerprint(&"\u{0}absent"));
    *ABSENT
}

/// What one step read, in order, with the fingerprints it got; shared, so a
/// reused entry costs no copy. Its [`Sig`] beside it, so that a rebuild can
/// rule out most changes without reading the record itself.
#[derive(Debug, Clone, Default)]
pub struct Record {
    reads: Arc<[(Key, Fp)]>,
    sig: Sig,
}

impl std::ops::Deref for Record {
    type Target = [(Key, Fp)];
    fn deref(&self) -> &[(Key, Fp)] {
        &self.reads
    }
}

/// A summary of the keys a record holds, small enough to keep beside it: the
/// kinds of key, and a Bloom filter of the keys (two bits of 256 each). A
/// key whose bits are not both set is certainly not in the record. Checking
/// a reused step against a handful of changed keys then costs a few bit
/// tests, not a walk through its record (on a large site, memory that has
/// gone cold between two saves).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sig {
    kinds: u32,
    bits: [u64; 4],
}

impl Sig {
    /// The two bits that stand for `key`.
    fn bits_of(key: &Key) -> [u8; 2] {
        let h = rustc_hash::FxBuildHasher.hash_one(key);
        [(h >> 56) as u8, (h >> 48) as u8]
    }
    fn add(&mut self, key: &Key) {
        self.kinds |= 1 << key.kind() as u32;
        for b in Self::bits_of(key) {
            self.bits[usize::from(b >> 6)] |= 1 << (b & 63);
        }
    }
    /// Whether a key with these bits may be in the record.
    fn may_hold(&self, bits: [u8; 2]) -> bool {
        bits.iter()
            .all(|&b| self.bits[usize::from(b >> 6)] & (1 << (b & 63)) != 0)
    }
}

/// A step's answer with what it read to make it, shared: a reused entry
/// costs one count raised, beside the summary its reuse was decided by.
#[derive(Debug)]
pub struct Entry<V>(Arc<EntryData<V>>);

impl<V> Clone for Entry<V> {
    fn clone(&self) -> Self {
        Entry(self.0.clone())
    }
}

/// What an [`Entry`] holds.
#[derive(Debug, Clone)]
pub struct EntryData<V> {
    pub value: V,
    /// The answer's own fingerprint, for the steps that read it.
    pub fp: Fp,
    pub reads: Record,
}

impl<V> Entry<V> {
    pub fn new(value: V, fp: Fp, reads: Record) -> Entry<V> {
        Entry(Arc::new(EntryData { value, fp, reads }))
    }
    /// Its answer, to change (copied first if another build shares it).
    pub fn value_mut(&mut self) -> &mut V
    where
        V: Clone,
    {
        &mut Arc::make_mut(&mut self.0).value
    }
}

impl<V> std::ops::Deref for Entry<V> {
    type Target = EntryData<V>;
    fn deref(&self) -> &EntryData<V> {
        &self.0
    }
}

/// One step's entries per item of a build (a file, a doc), in the build's
/// order, found by name too. While the items and their order stay, the
/// next build shares the index and finds its previous entries by position.
pub struct Table<V> {
    /// Each item's position by name.
    pub index: Arc<Map<Name, usize>>,
    pub entries: Vec<Entry<V>>,
}

impl<V> Default for Table<V> {
    fn default() -> Self {
        Table {
            index: Arc::default(),
            entries: Vec::new(),
        }
    }
}

impl<V> Table<V> {
    pub fn get(&self, name: &str) -> Option<&Entry<V>> {
        self.entries.get(*self.index.get(name)?)
    }
    /// The previous entry of item `i`, named `name`, of a build whose items
    /// have the position `index`.
    pub fn previous(
        &self,
        index: &Arc<Map<Name, usize>>,
        i: usize,
        name: &str,
    ) -> Option<&Entry<V>> {
        if Arc::ptr_eq(index, &self.index) {
            // Deciding on an entry reads its summary, and taking it again
            // counts one more owner: on a large site, memory gone cold since
            // the last build, each waited for in turn. Fetching the entries
            // a few places ahead lets the waits overlap.
            if let Some(ahead) = self.entries.get(i + PREFETCH_AHEAD) {
                prefetch_arc(Arc::as_ptr(&ahead.0));
            }
            self.entries.get(i)
        } else {
            self.get(name)
        }
    }
}

/// How many entries ahead [`Table::previous`] and [`copy_all`] fetch.
const PREFETCH_AHEAD: usize = 8;

/// `copy` of each of `len` items (`item(i)`), in order, each after fetching
/// the counts `counts` names of the item [`PREFETCH_AHEAD`] places on: a
/// copy of every doc of a large site, most of whose shared parts are cold.
pub fn copy_all<'a, T: ?Sized + 'a, U, P: IntoIterator<Item = *const u8>>(
    len: usize,
    item: impl Fn(usize) -> &'a T,
    counts: impl Fn(&'a T) -> P,
    copy: impl Fn(&'a T) -> U,
) -> Vec<U> {
    (0..len)
        .map(|i| {
            if i + PREFETCH_AHEAD < len {
                for data in counts(item(i + PREFETCH_AHEAD)) {
                    prefetch_count(Some(data));
                }
            }
            copy(item(i))
        })
        .collect()
}

/// Ask the processor to fetch the `Arc` whose data is at `data`: its
/// counts and every line of its `T` (see [`prefetch_count`]).
pub fn prefetch_arc<T>(data: *const T) {
    let data = data.cast::<u8>();
    let mut at = 0;
    while at < std::mem::size_of::<T>() + 16 {
        prefetch_count(Some(data.wrapping_add(at)));
        at += 64;
    }
}

/// Ask the processor to fetch the reference count of the `Arc` whose data
/// is at `data` (the two counts take the 16 bytes before the data of every
/// `Arc` the tables hold), without waiting for it. Only a hint: a wrong
/// address costs nothing and never faults.
pub fn prefetch_count(data: Option<*const u8>) {
    if let Some(data) = data {
        prefetch(data.wrapping_sub(16));
    }
}

/// Ask the processor to fetch the memory at `at`, without waiting for it.
/// Only a hint: a wrong address costs nothing and never faults.
pub fn prefetch(at: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch reads nothing the program sees and never faults,
    // whatever the address; SSE is part of every x86_64 target.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(at.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// Records a step's reads. One per step, never shared between steps, so
/// steps running in parallel keep separate records.
pub struct Reads<'a> {
    answers: &'a dyn Answers,
    /// [`Answers::recorded`]: when not, reads are neither answered nor kept.
    on: bool,
    record: Vec<(Key, Fp)>,
    /// Where each key is in `record`, once it is too long to search.
    index: Option<Map<Key, usize>>,
}

/// Records up to this long are searched for a repeated key; longer ones
/// (a listing of every page) get an index.
const SEARCHED: usize = 16;

impl<'a> Reads<'a> {
    pub fn new(answers: &'a dyn Answers) -> Reads<'a> {
        Reads {
            answers,
            on: answers.recorded(),
            record: Vec::new(),
            index: None,
        }
    }
    /// Whether reads are recorded: a step whose answer's own fingerprint
    /// serves only the next build need not work it out when not.
    pub fn recording(&self) -> bool {
        self.on
    }
    /// Note that the step read `key`; returns the answer's fingerprint
    /// (absent when reads are not recorded).
    pub fn read(&mut self, key: Key) -> Fp {
        if !self.on {
            return absent();
        }
        // A step often asks the same thing again (a source cited ten times):
        // one record of it is enough, and keeps checking it cheap.
        let seen = match &self.index {
            Some(index) => index.get(&key).map(|&i| self.record[i].1),
            None => self.record.iter().find(|(k, _)| *k == key).map(|r| r.1),
        };
        if let Some(fp) = seen {
            return fp;
        }
        let fp = self.answers.fingerprint(&key);
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), self.record.len());
        } else if self.record.len() == SEARCHED {
            let mut index: Map<Key, usize> = Map::default();
            index.extend(
                self.record
                    .iter()
                    .enumerate()
                    .map(|(i, (k, _))| (k.clone(), i)),
            );
            index.insert(key.clone(), self.record.len());
            self.index = Some(index);
        }
        self.record.push((key, fp));
        fp
    }
    /// Note a read whose fingerprint the step computed itself from the very
    /// answer it got (e.g. the bytes of a file it read).
    pub fn got(&mut self, key: Key, fp: Fp) {
        if !self.on {
            return;
        }
        self.record.push((key, fp));
    }
    pub fn finish(self) -> Record {
        let mut sig = Sig::default();
        for (key, _) in &self.record {
            sig.add(key);
        }
        Record {
            reads: self.record.into(),
            sig,
        }
    }
}

/// The one rule for reuse: a previous answer stands when nothing its step
/// read has changed.
pub fn reusable<V>(previous: Option<&Entry<V>>, answers: &dyn Answers) -> bool {
    previous.is_some_and(|e| {
        answers.ruled_out(&e.reads) || e.reads.iter().all(|(key, fp)| !answers.changed(key, *fp))
    })
}

/// Run a step, or take its previous answer when [`reusable`]. `run` gets
/// the recorder and returns the answer with its fingerprint. The flag tells
/// whether the step ran.
pub fn step<V: Clone>(
    previous: Option<&Entry<V>>,
    answers: &dyn Answers,
    run: impl FnOnce(&mut Reads) -> (V, Fp),
) -> (Entry<V>, bool) {
    match try_step(previous, answers, |reads| Ok::<_, ()>(run(reads))) {
        Ok(stepped) => stepped,
        Err(()) => unreachable!("a step that cannot fail failed"),
    }
}

/// [`step`] for a step that can fail; a failure is not an entry.
pub fn try_step<V: Clone, E>(
    previous: Option<&Entry<V>>,
    answers: &dyn Answers,
    run: impl FnOnce(&mut Reads) -> Result<(V, Fp), E>,
) -> Result<(Entry<V>, bool), E> {
    if let Some(e) = previous.filter(|_| reusable(previous, answers)) {
        return Ok((e.clone(), false));
    }
    let mut reads = Reads::new(answers);
    let (value, fp) = run(&mut reads)?;
    Ok((Entry::new(value, fp, reads.finish()), true))
}

/// A 128-bit hasher for fingerprints (XXH3: fast, not cryptographic).
#[derive(Default)]
pub struct FpHasher(Xxh3);

impl FpHasher {
    pub fn new() -> FpHasher {
        FpHasher(Xxh3::new())
    }
    pub fn finish128(&self) -> Fp {
        self.0.digest128()
    }
}

impl Hasher for FpHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    fn finish(&self) -> u64 {
        self.0.digest()
    }
}

/// The fingerprint of anything hashable.
pub fn fingerprint<T: Hash + ?Sized>(value: &T) -> Fp {
    let mut h = FpHasher::new();
    value.hash(&mut h);
    h.finish128()
}

/// The fingerprint of some bytes (a file's content).
pub fn fingerprint_bytes(bytes: &[u8]) -> Fp {
    xxhash_rust::xxh3::xxh3_128(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    struct Table(Mutex<HashMap<Key, Fp>>);
    impl Answers for Table {
        fn fingerprint(&self, key: &Key) -> Fp {
            self.0
                .lock()
                .unwrap()
                .get(key)
                .copied()
                .unwrap_or_else(absent)
        }
    }

    /// Answers for a one-off build: nothing is recorded.
    struct Unrecorded;
    impl Answers for Unrecorded {
        fn fingerprint(&self, _: &Key) -> Fp {
            panic!("an unrecorded read is never answered")
        }
        fn recorded(&self) -> bool {
            false
        }
    }

    #[test]
    fn a_step_whose_reads_are_not_recorded_asks_nothing_and_keeps_nothing() {
        let (entry, ran) = step(None, &Unrecorded, |r| {
            assert!(!r.recording());
            r.read(Key::Config);
            r.got(Key::File("content/a.md".into()), fingerprint("a"));
            ("value", fingerprint("value"))
        });
        assert!(ran);
        assert_eq!(entry.value, "value");
        assert!(entry.reads.is_empty());
    }

    #[test]
    fn a_step_reruns_only_when_something_it_read_changed() {
        let table = Table(Mutex::new(HashMap::new()));
        let a = Key::Front("a.md".into());
        let b = Key::Front("b.md".into());
        table.0.lock().unwrap().insert(a.clone(), 1);
        table.0.lock().unwrap().insert(b.clone(), 2);
        let (first, ran) = step(None, &table, |r| {
            r.read(a.clone());
            ("A", 10)
        });
        assert!(ran);
        // b changed, but the step never read it.
        table.0.lock().unwrap().insert(b.clone(), 3);
        let (second, ran) = step(Some(&first), &table, |_| unreachable!());
        assert!(!ran);
        assert_eq!(second.value, "A");
        table.0.lock().unwrap().insert(a.clone(), 4);
        let (third, ran) = step(Some(&second), &table, |r| {
            r.read(a.clone());
            ("A2", 11)
        });
        assert!(ran);
        assert_eq!(&third.reads[..], &[(a, 4)]);
    }

    #[test]
    fn a_key_read_again_is_recorded_once() {
        let table = Table(Mutex::new(HashMap::new()));
        let mut reads = Reads::new(&table);
        for _ in 0..2 {
            for n in 0..40 {
                reads.read(Key::Listed(format!("p{n}.md").into()));
            }
        }
        let record = reads.finish();
        assert_eq!(record.len(), 40);
        assert_eq!(record[39].0, Key::Listed("p39.md".into()));
    }

    /// A record of these reads, as a step would leave it.
    fn record_of(keys: &[Key]) -> Record {
        let table = Table(Mutex::new(HashMap::new()));
        let mut reads = Reads::new(&table);
        for key in keys {
            reads.read(key.clone());
        }
        reads.finish()
    }

    #[test]
    fn a_record_is_ruled_out_only_when_nothing_it_read_can_have_changed() {
        let page = |n: usize| Key::Body(format!("s/p{n}.md").into());
        let mut changes = Changes::default();
        changes.track(&[Kind::Body, Kind::Config]);
        changes.note(page(7));
        // A record holding the changed key is never ruled out, wherever it is.
        for n in 0..40 {
            let keys = [page(n), page(7), Key::Config, page(n + 100)];
            assert!(!changes.rule_out(&record_of(&keys)), "{n}");
        }
        // Nor one reading a kind whose changes are not all noted.
        let untracked = record_of(&[page(1), Key::Front("s/p1.md".into())]);
        assert!(!changes.rule_out(&untracked));
        // Nor anything before its kind is tracked.
        let mut fresh = Changes::default();
        fresh.note(page(7));
        assert!(!fresh.rule_out(&record_of(&[page(1)])));
        // One reading only kinds with no change is ruled out...
        assert!(changes.rule_out(&record_of(&[Key::Config])));
        assert!(changes.rule_out(&record_of(&[])));
        // ...and so is nearly every record of other keys of a changed kind
        // (the filter may keep a few for a full check, never the reverse).
        let ruled_out = (0..1000)
            .filter(|&n| n != 7)
            .filter(|&n| changes.rule_out(&record_of(&[page(n), Key::Config, page(n + 5000)])))
            .count();
        assert!(ruled_out > 950, "{ruled_out}");
    }

    #[test]
    fn a_reused_step_ruled_out_by_its_sig_takes_its_previous_answer() {
        /// Changes, and whether a record may be read to check it.
        struct Noted(Changes, bool);
        impl Answers for Noted {
            fn fingerprint(&self, _: &Key) -> Fp {
                panic!("answers are not worked out here")
            }
            fn changed(&self, key: &Key, _: Fp) -> bool {
                assert!(self.1, "a ruled-out record is not read");
                self.0.get(key).expect("tracked")
            }
            fn ruled_out(&self, record: &Record) -> bool {
                self.0.rule_out(record)
            }
        }
        let entry = Entry::new("old", 1, record_of(&[Key::Config]));
        let mut changes = Changes::default();
        changes.track(&[Kind::Config, Kind::Body]);
        changes.note(Key::Body("a.md".into()));
        assert!(reusable(Some(&entry), &Noted(changes, false)));
        let mut changes = Changes::default();
        changes.track(&[Kind::Config]);
        changes.note(Key::Config);
        assert!(!reusable(Some(&entry), &Noted(changes, true)));
    }

    #[test]
    fn copy_all_copies_every_item_in_order() {
        for len in [
            0,
            1,
            PREFETCH_AHEAD,
            PREFETCH_AHEAD + 1,
            3 * PREFETCH_AHEAD + 5,
        ] {
            let items: Vec<Arc<str>> = (0..len).map(|n| format!("item {n}").into()).collect();
            let copies = copy_all(
                items.len(),
                |i| &items[i],
                |s| [Arc::as_ptr(s).cast::<u8>()],
                |s| s.to_string(),
            );
            let expected: Vec<String> = items.iter().map(|s| s.to_string()).collect();
            assert_eq!(copies, expected, "{len} items");
        }
    }

    #[test]
    fn a_vanished_answer_invalidates() {
        let table = Table(Mutex::new(HashMap::new()));
        let a = Key::PageUrl("gone.md".into());
        table.0.lock().unwrap().insert(a.clone(), 7);
        let (first, _) = step(None, &table, |r| {
            r.read(a.clone());
            ((), 0)
        });
        table.0.lock().unwrap().clear();
        assert!(!reusable(Some(&first), &table));
    }
}
