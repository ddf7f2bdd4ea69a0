//! End-to-end tests: all of tests/ builds into this one binary.

mod batch;
mod browser;
mod cli;
mod fonts;
mod golden;
mod golden_cli;
mod preview;
mod print;
mod records;
mod serve;
mod webdriver;
