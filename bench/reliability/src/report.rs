//! The suite's markdown: one section per scenario, goals marked met or missed.

/// `- met: …` / `- MISSED: …` lines.
pub fn goals(goals: &[(String, bool)]) -> String {
    let mut out = String::new();
    for (text, met) in goals {
        out.push_str(&format!("- {}: {text}\n", if *met { "met" } else { "MISSED" }));
    }
    out
}
