//! dossier: a static-site generator for explainer microsites.
//!
//! The pipeline, one module per stage: [`config`] → [`content`] →
//! [`markdown`] → [`site`] → [`render`] → [`output`], run by [`pipeline`]
//! and driven from [`cli`].

pub mod cli;
pub mod config;
pub mod content;
pub mod data;
pub mod diagnostic;
pub mod engine;
pub mod files;
#[doc(hidden)]
pub mod fuzzing;
pub mod markdown;
pub mod output;
pub mod pipeline;
pub mod render;
pub mod scaffold;
pub mod search;
pub mod serve;
pub mod site;
pub mod watch;
pub mod yaml;
