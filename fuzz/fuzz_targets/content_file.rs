#![no_main]
// See dossier::fuzzing::content_file for what is checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| dossier::fuzzing::content_file(data));
