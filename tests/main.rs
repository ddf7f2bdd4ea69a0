//! End-to-end tests: all of tests/ builds into this one binary.

mod batch;
mod browser;
mod cli;
mod faults;
mod golden;
mod golden_cli;
mod hostile;
mod hostile_config;
mod law;
mod layouts;
mod preview;
mod print;
mod readers;
mod records;
mod reference;
mod renderers;
mod serve;
mod webdriver;
