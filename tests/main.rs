//! End-to-end tests: all of tests/ builds into this one binary.

mod cli;
mod golden;
mod records;
mod browser;
mod serve;
mod webdriver;
