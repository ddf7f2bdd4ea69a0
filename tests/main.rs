//! End-to-end tests: all of tests/ builds into this one binary.

mod batch;
mod browser;
mod cli;
mod common;
mod faults;
mod fonts;
mod golden;
mod golden_cli;
mod hostile;
mod hostile_config;
mod law;
mod layouts;
mod ledger;
mod preview;
mod print;
mod profiles;
mod readers;
mod records;
mod reference;
mod renderers;
mod serve;
mod serve_http;
mod server;
mod webdriver;
