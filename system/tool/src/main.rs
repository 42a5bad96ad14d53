//! `sel4-system`: the command-line tool for systems of components.
//!
//! ```text
//! sel4-system check system.toml    # every error as `system.toml:LINE: reason`; status 1 if any
//! ```
//!
//! `check` reads and checks a description (`sel4-system-description`) and
//! prints a one-line summary of a good one. Building and booting a system
//! (`build`, `run`) come with the system initializer (issue 12).

use std::process::ExitCode;

use sel4_system_description::System;

const USAGE: &str = "usage: sel4-system check <system.toml>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["check", path] => check(path),
        ["--help" | "-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Checks the description at `path`: 0 if good, 1 with every error if not.
fn check(path: &str) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("sel4-system: cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match System::parse(&text) {
        Ok(s) => {
            println!(
                "{path}: system `{}`: {} components, {} channels, {} memory regions; {} KiB of stacks, heaps and shared memory",
                s.name,
                s.components.len(),
                s.channels.len(),
                s.regions.len(),
                s.ram_asked() >> 10
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in errors {
                eprintln!("{path}:{}: {}", e.line, e.message);
            }
            ExitCode::FAILURE
        }
    }
}
