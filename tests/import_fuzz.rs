//! No input makes the Markdown importer panic: a few thousand documents built
//! from Markdown-ish fragments and random bytes by a small xorshift generator.

use opsdeck_core::import::import;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const FRAGMENTS: &[&str] = &[
    "#",
    "## ",
    "### ",
    "#### ",
    "- [ ] ",
    "- [x] ",
    "* [X] ",
    "1. ",
    "2) ",
    "   ",
    "\t",
    "\n",
    "\n\n",
    "```sh",
    "```bash {",
    "```",
    "~~~",
    "```python\n",
    "{ name=x timeout=1s confirm=true }",
    "{name=\"a b\"",
    "}",
    "{#",
    "{#id}",
    "|",
    " | ",
    "|---|---|\n",
    "| Metric | Target | Acceptable | Critical |\n",
    "| Metric | Target | Alert Threshold |\n",
    "< 200ms",
    "> 5%",
    "🚀",
    "✅ ",
    "Ã©",
    "\u{FFFD}",
    "\u{7}",
    "\r\n",
    "<div>",
    "</div>",
    "<!--",
    "> ",
    "text",
    "word ",
    "`code`",
    "**bold**",
    "[link](x)",
    "=",
    "\"",
    "\\",
];

fn document(rng: &mut XorShift) -> String {
    let mut s = String::new();
    for _ in 0..rng.below(60) {
        if rng.below(8) == 0 {
            let bytes: Vec<u8> = (0..rng.below(12)).map(|_| (rng.next() & 0xff) as u8).collect();
            s.push_str(&String::from_utf8_lossy(&bytes));
        } else {
            s.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]);
        }
    }
    s
}

#[test]
fn random_markdown_never_panics() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..4000 {
        let doc = document(&mut rng);
        let out = import(&doc);
        let lines = doc.lines().count().max(1);
        for w in &out.warnings {
            assert!(w.line >= 1 && w.line <= lines + 1, "warning line {} out of range in {doc:?}", w.line);
        }
    }
}

#[test]
fn pathological_inputs_never_panic() {
    for doc in [
        String::new(),
        "#".repeat(10_000),
        "> ".repeat(2_000) + "- [ ] deep",
        "- ".repeat(2_000) + "[ ] deep",
        "```sh {".to_string() + &"a=".repeat(1_000),
        "|".repeat(5_000),
        "- [ ] {#}".to_string(),
        "\u{FFFD}".repeat(1_000),
    ] {
        let _ = import(&doc);
    }
}
