#![no_main]
// See dossier::fuzzing::serve_path for what is checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = dossier::fuzzing::serve_path(dossier::fuzzing::serve_fixture(), data);
});
