#![no_main]
// See dossier::fuzzing::markdown_body for what is checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| dossier::fuzzing::markdown_body(data));
