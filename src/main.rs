mod config;
mod content;
mod diagnostic;
mod markdown;
mod yaml;
fn main() {}
