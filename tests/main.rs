//! End-to-end tests: all of tests/ builds into this one binary.

mod batch;
mod cli;
mod golden;
mod golden_cli;
mod preview;
mod print;
mod records;
mod browser;
mod serve;
mod webdriver;
