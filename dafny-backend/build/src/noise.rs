//! What z3 prints that is not about the program.
//!
//! Dafny 2.3 configures z3 with the option `model_compress`, which the z3
//! installed beside it (Debian's, newer) no longer knows. z3 complains and
//! carries on, and Dafny passes the complaint on, once per prover start:
//!
//! ```text
//! Prover error: line 18 column 28: unknown parameter 'model_compress'
//! Legal parameters are:
//!   auto_config (bool) (default: true)
//!   debug_ref_count (bool) (default: false)
//!   ...
//!   well_sorted_check (bool) (default: false)
//! ```
//!
//! Verification is not affected (the outcome and the errors are the same
//! as with a matching z3), so [`filter_noise`] removes these blocks.

/// Whether `line` is z3's complaint about `model_compress`.
fn is_noise_head(line: &str) -> bool {
    line.contains("unknown parameter 'model_compress'")
}

/// Whether `line` is an entry of z3's list of legal parameters:
/// two spaces, a name, a parenthesised type, optionally a default
/// (`  auto_config (bool) (default: true)`, `  unicode (bool)`).
fn is_parameter_entry(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("  ") else {
        return false;
    };
    let Some((name, rest)) = rest.split_once(' ') else {
        return false;
    };
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && rest.starts_with('(')
        && rest.ends_with(')')
}

/// `output` (Dafny's console output) without z3's `model_compress`
/// complaints: each `... unknown parameter 'model_compress'` line, the
/// `Legal parameters are:` line after it and the parameter list after
/// that. Every other line is kept as it is, in order; the result ends with
/// a newline unless it is empty.
pub fn filter_noise(output: &str) -> String {
    let mut kept = String::with_capacity(output.len());
    let mut lines = output.lines().peekable();
    while let Some(line) = lines.next() {
        if !is_noise_head(line) {
            kept.push_str(line);
            kept.push('\n');
            continue;
        }
        if lines.peek().map(|l| l.trim_end()) == Some("Legal parameters are:") {
            lines.next();
            while lines.peek().is_some_and(|l| is_parameter_entry(l)) {
                lines.next();
            }
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::filter_noise;

    const NOISE: &str = "\
Prover error: line 18 column 28: unknown parameter 'model_compress'
Legal parameters are:
  auto_config (bool) (default: true)
  debug_ref_count (bool) (default: false)
  dot_proof_file (string) (default: proof.dot)
  memory_high_watermark (unsigned int) (default: 0)
  timeout (unsigned int) (default: 4294967295)
  unicode (bool)
  well_sorted_check (bool) (default: false)
";

    #[test]
    fn removes_the_block_and_keeps_the_errors() {
        let output = format!(
            "{NOISE}bad.dfy(3,15): Error: assertion violation\nExecution trace:\n    (0,0): anon0\n\n\
             Dafny program verifier finished with 0 verified, 1 error\n"
        );
        assert_eq!(
            filter_noise(&output),
            "bad.dfy(3,15): Error: assertion violation\nExecution trace:\n    (0,0): anon0\n\n\
             Dafny program verifier finished with 0 verified, 1 error\n"
        );
    }

    #[test]
    fn removes_every_block() {
        let output = format!("{NOISE}{NOISE}a\n{NOISE}b\n");
        assert_eq!(filter_noise(&output), "a\nb\n");
    }

    #[test]
    fn only_the_parameter_list_after_the_complaint() {
        // An indented line of Dafny's own (an execution trace entry) right
        // after the list stays, and so do list-like lines elsewhere.
        let output = format!("  x (y)\n{NOISE}    (0,0): anon0\n  z (w)\n");
        assert_eq!(
            filter_noise(&output),
            "  x (y)\n    (0,0): anon0\n  z (w)\n"
        );
    }

    #[test]
    fn a_complaint_without_a_list() {
        let output = "Prover error: line 1 column 2: unknown parameter 'model_compress'\nok\n";
        assert_eq!(filter_noise(output), "ok\n");
    }

    #[test]
    fn other_prover_errors_stay() {
        let output = "Prover error: line 3 column 1: unknown parameter 'smt.foo'\n";
        assert_eq!(filter_noise(output), output);
    }

    #[test]
    fn crlf_and_empty() {
        assert_eq!(filter_noise(""), "");
        assert_eq!(
            filter_noise("Prover error: unknown parameter 'model_compress'\r\nLegal parameters are:\r\n  a (bool)\r\nb\r\n"),
            "b\n"
        );
    }
}
