//! End-to-end tests: all of tests/ builds into this one binary.

mod batch;
mod cli;
mod golden;
mod print;
mod records;
