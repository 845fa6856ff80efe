#![no_main]
// See dossier::fuzzing::paths for what is checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| dossier::fuzzing::paths(data));
