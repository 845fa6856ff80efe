#![no_main]
// See dossier::fuzzing::site_config for what is checked.
libfuzzer_sys::fuzz_target!(|data: &[u8]| dossier::fuzzing::site_config(data));
