//! Repair of mojibake: UTF-8 that was decoded as Windows-1252/Latin-1 or Mac Roman
//! somewhere on its way into a document, undone word by word when that is unambiguous.

/// Windows-1252 characters in 0x80..0x9F, which mojibake of UTF-8 often shows.
const CP1252: [(char, u8); 27] = [
    ('€', 0x80),
    ('‚', 0x82),
    ('ƒ', 0x83),
    ('„', 0x84),
    ('…', 0x85),
    ('†', 0x86),
    ('‡', 0x87),
    ('ˆ', 0x88),
    ('‰', 0x89),
    ('Š', 0x8A),
    ('‹', 0x8B),
    ('Œ', 0x8C),
    ('Ž', 0x8E),
    ('‘', 0x91),
    ('’', 0x92),
    ('“', 0x93),
    ('”', 0x94),
    ('•', 0x95),
    ('–', 0x96),
    ('—', 0x97),
    ('˜', 0x98),
    ('™', 0x99),
    ('š', 0x9A),
    ('›', 0x9B),
    ('œ', 0x9C),
    ('ž', 0x9E),
    ('Ÿ', 0x9F),
];

/// Mac OS Roman characters for bytes 0x80..=0xFF, in byte order (the mangling of
/// UTF-8 read as Mac Roman: "\u{F8FF}üöÄ" for 🚀).
const MAC_ROMAN: [char; 128] = [
    '\u{00C4}', '\u{00C5}', '\u{00C7}', '\u{00C9}', '\u{00D1}', '\u{00D6}', '\u{00DC}', '\u{00E1}', '\u{00E0}', '\u{00E2}', '\u{00E4}',
    '\u{00E3}', '\u{00E5}', '\u{00E7}', '\u{00E9}', '\u{00E8}', '\u{00EA}', '\u{00EB}', '\u{00ED}', '\u{00EC}', '\u{00EE}', '\u{00EF}',
    '\u{00F1}', '\u{00F3}', '\u{00F2}', '\u{00F4}', '\u{00F6}', '\u{00F5}', '\u{00FA}', '\u{00F9}', '\u{00FB}', '\u{00FC}', '\u{2020}',
    '\u{00B0}', '\u{00A2}', '\u{00A3}', '\u{00A7}', '\u{2022}', '\u{00B6}', '\u{00DF}', '\u{00AE}', '\u{00A9}', '\u{2122}', '\u{00B4}',
    '\u{00A8}', '\u{2260}', '\u{00C6}', '\u{00D8}', '\u{221E}', '\u{00B1}', '\u{2264}', '\u{2265}', '\u{00A5}', '\u{00B5}', '\u{2202}',
    '\u{2211}', '\u{220F}', '\u{03C0}', '\u{222B}', '\u{00AA}', '\u{00BA}', '\u{03A9}', '\u{00E6}', '\u{00F8}', '\u{00BF}', '\u{00A1}',
    '\u{00AC}', '\u{221A}', '\u{0192}', '\u{2248}', '\u{2206}', '\u{00AB}', '\u{00BB}', '\u{2026}', '\u{00A0}', '\u{00C0}', '\u{00C3}',
    '\u{00D5}', '\u{0152}', '\u{0153}', '\u{2013}', '\u{2014}', '\u{201C}', '\u{201D}', '\u{2018}', '\u{2019}', '\u{00F7}', '\u{25CA}',
    '\u{00FF}', '\u{0178}', '\u{2044}', '\u{20AC}', '\u{2039}', '\u{203A}', '\u{FB01}', '\u{FB02}', '\u{2021}', '\u{00B7}', '\u{201A}',
    '\u{201E}', '\u{2030}', '\u{00C2}', '\u{00CA}', '\u{00C1}', '\u{00CB}', '\u{00C8}', '\u{00CD}', '\u{00CE}', '\u{00CF}', '\u{00CC}',
    '\u{00D3}', '\u{00D4}', '\u{F8FF}', '\u{00D2}', '\u{00DA}', '\u{00DB}', '\u{00D9}', '\u{0131}', '\u{02C6}', '\u{02DC}', '\u{00AF}',
    '\u{02D8}', '\u{02D9}', '\u{02DA}', '\u{00B8}', '\u{02DD}', '\u{02DB}', '\u{02C7}',
];

/// Repairs one word of UTF-8 that was decoded as Latin-1/Windows-1252 ("rÃ©sumÃ©" → "résumé")
/// or as Mac Roman ("\u{F8FF}üöÄ" → "🚀"). Only when every character maps back to one byte,
/// the bytes are valid UTF-8 and hold no control characters; anything else is returned unchanged.
pub fn repair(word: &str) -> String {
    if word.is_ascii() {
        return word.to_string();
    }
    let latin = |c: char| u8::try_from(u32::from(c)).ok().or_else(|| CP1252.iter().find(|(k, _)| *k == c).map(|(_, b)| *b));
    let mac = |c: char| {
        if c.is_ascii() {
            u8::try_from(u32::from(c)).ok()
        } else {
            MAC_ROMAN.iter().position(|m| *m == c).and_then(|i| u8::try_from(i + 0x80).ok())
        }
    };
    [reencode(word, &latin), reencode(word, &mac)].into_iter().flatten().next().unwrap_or_else(|| word.to_string())
}

fn reencode(word: &str, byte: &dyn Fn(char) -> Option<u8>) -> Option<String> {
    let bytes = word.chars().map(byte).collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok().filter(|fixed| fixed != word && !fixed.chars().any(char::is_control))
}
