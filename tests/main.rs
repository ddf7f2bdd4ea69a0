//! End-to-end tests: all of tests/ builds into this one binary.

mod batch;
mod browser;
mod cli;
mod golden;
mod golden_cli;
mod preview;
mod print;
mod profiles;
mod records;
mod serve;
mod webdriver;
