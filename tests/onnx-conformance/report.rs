//! The tables of docs/onnx-conformance.md: pass rate per suite, per operator
//! (node cases) with the failure categories, the light models, and every
//! failing case with its reason.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use crate::cases::Case;
use crate::run::{Mismatch, Outcome};

/// The failure category of an outcome, as the tables name it.
pub fn category(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "pass",
        Outcome::Skipped(why) if why.starts_with("element type") => "type outside WIT",
        Outcome::Skipped(_) => "sequence/map/optional",
        Outcome::Load(message) if message.contains("Unimplemented(") => "unsupported op",
        Outcome::Load(message) if needs_constant(message) => "needs constant input",
        Outcome::Load(_) => "load error",
        Outcome::Run(_) => "run error",
        Outcome::Trap(_) => "trap",
        Outcome::Mismatch(Mismatch::Values, _) => "mismatch",
        Outcome::Mismatch(Mismatch::Shape, _) => "wrong shape",
        Outcome::Mismatch(Mismatch::Dtype, _) => "wrong dtype",
        Outcome::Mismatch(Mismatch::Count, _) => "wrong outputs",
    }
}

/// tract's words for an input it can only use when it is a constant (an
/// initializer), such as a Reshape's shape or a Reduce's axes; the node cases
/// feed them as graph inputs, exporters write them as initializers.
fn needs_constant(message: &str) -> bool {
    [
        "as a constant",
        "to be a constant",
        "to be constant",
        "constant input",
        "to be constants",
        "are not const",
        "typable only if",
        "must be a const",
        "expected to be a const",
        "must be a known",
        "input is variable",
        "Neither sizes nor scales",
        "to be determined",
    ]
    .iter()
    .any(|w| message.contains(w))
}

/// One line: the category and the first line of the message.
pub fn describe(outcome: &Outcome) -> String {
    let message = match outcome {
        Outcome::Pass => return "pass".into(),
        Outcome::Skipped(m) | Outcome::Load(m) | Outcome::Run(m) | Outcome::Trap(m) | Outcome::Mismatch(_, m) => m,
    };
    let line = message.lines().next().unwrap_or_default();
    let short: String = line.chars().take(160).collect();
    let short = short.replace('|', "\\|");
    format!("{}: {short}{}", category(outcome), if line.chars().count() > 160 { "…" } else { "" })
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 { "–".into() } else { format!("{:.1} %", 100.0 * part as f64 / whole as f64) }
}

/// "3 mismatch, 1 trap" from category counts, failures only.
fn failures(counts: &BTreeMap<&'static str, usize>) -> String {
    let parts: Vec<String> = counts.iter().filter(|(c, _)| **c != "pass").map(|(c, n)| format!("{n} {c}")).collect();
    parts.join(", ")
}

/// Every table, as markdown.
pub fn markdown(cases: &[Case], results: &[(Outcome, Duration)]) -> String {
    let mut md = String::new();
    let rows: Vec<(&Case, &Outcome, Duration)> = cases.iter().zip(results).map(|(c, (o, t))| (c, o, *t)).collect();

    // Per suite.
    let mut suites: BTreeMap<&str, BTreeMap<&'static str, usize>> = BTreeMap::new();
    for (case, outcome, _) in &rows {
        *suites.entry(case.suite.as_str()).or_default().entry(category(outcome)).or_default() += 1;
    }
    writeln!(md, "| suite | cases | pass | pass rate | pass rate of the cases WIT can carry | failures |").unwrap();
    writeln!(md, "|---|---:|---:|---:|---:|---|").unwrap();
    for (suite, counts) in &suites {
        let total: usize = counts.values().sum();
        let pass = counts.get("pass").copied().unwrap_or(0);
        let skipped = counts.get("type outside WIT").copied().unwrap_or(0)
            + counts.get("sequence/map/optional").copied().unwrap_or(0);
        writeln!(
            md,
            "| {suite} | {total} | {pass} | {} | {} | {} |",
            percent(pass, total),
            percent(pass, total - skipped),
            failures(counts)
        )
        .unwrap();
    }

    // Per operator (node cases), counting a case as passing when it passes as
    // is or with its parameter inputs made constant (node-const).
    let const_outcome: BTreeMap<&str, &Outcome> =
        rows.iter().filter(|(c, _, _)| c.suite == "node-const").map(|(c, o, _)| (c.name.as_str(), *o)).collect();
    let mut ops: BTreeMap<&str, (usize, usize, BTreeMap<&'static str, usize>)> = BTreeMap::new();
    for (case, outcome, _) in rows.iter().filter(|(c, _, _)| c.suite == "node") {
        let folded = const_outcome.get(case.name.as_str()).copied();
        let entry = ops.entry(case.op.as_str()).or_default();
        entry.0 += usize::from(**outcome == Outcome::Pass);
        entry.1 += usize::from(**outcome == Outcome::Pass || folded == Some(&Outcome::Pass));
        let last = if **outcome == Outcome::Pass { *outcome } else { folded.unwrap_or(outcome) };
        *entry.2.entry(category(last)).or_default() += 1;
    }
    let full = ops.values().filter(|(_, either, counts)| *either == counts.values().sum::<usize>()).count();
    let cases_total: usize = ops.values().map(|(_, _, counts)| counts.values().sum::<usize>()).sum();
    let either_total: usize = ops.values().map(|(_, either, _)| either).sum();
    let carried: usize = ops
        .values()
        .map(|(_, _, c)| {
            c.values().sum::<usize>()
                - c.get("type outside WIT").copied().unwrap_or(0)
                - c.get("sequence/map/optional").copied().unwrap_or(0)
        })
        .sum();
    writeln!(md, "\n### Per operator (node cases)\n").unwrap();
    writeln!(
        md,
        "{either_total} of {cases_total} node cases ({}; {} of the {carried} whose values WIT can carry) pass \
         as is or with constant parameters. {} operators; every case passes for {full}. Failures are counted \
         once per case, with the constant-parameter variant's reason where there is one.\n",
        percent(either_total, cases_total),
        percent(either_total, carried),
        ops.len()
    )
    .unwrap();
    writeln!(md, "| operator | cases | pass | pass with constant parameters | failures |").unwrap();
    writeln!(md, "|---|---:|---:|---:|---|").unwrap();
    for (op, (pass, either, counts)) in &ops {
        let total: usize = counts.values().sum();
        writeln!(md, "| {op} | {total} | {pass} | {either} | {} |", failures(counts)).unwrap();
    }

    // Light models.
    let light: Vec<_> = rows.iter().filter(|(c, _, _)| c.suite == "light").collect();
    if !light.is_empty() {
        writeln!(md, "\n### Light models\n").unwrap();
        writeln!(md, "| model | result | load + run in the component |").unwrap();
        writeln!(md, "|---|---|---:|").unwrap();
        for (case, outcome, time) in light {
            writeln!(md, "| {} | {} | {:.1} s |", case.op, describe(outcome), time.as_secs_f64()).unwrap();
        }
    }

    // Every failure.
    writeln!(md, "\n### Every case that does not pass\n").unwrap();
    writeln!(md, "| case | reason |").unwrap();
    writeln!(md, "|---|---|").unwrap();
    for (case, outcome, _) in rows.iter().filter(|(_, o, _)| **o != Outcome::Pass) {
        writeln!(md, "| {} | {} |", case.key(), describe(outcome)).unwrap();
    }
    md
}
