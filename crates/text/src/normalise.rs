//! One canonical form for petition text, whatever channel it came from: web forms paste HTML,
//! hotline seats type full-width letters and digits, scanned letters carry odd whitespace.

/// What [`normalise_into`] did to a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Normalised {
    /// Characters written to the output.
    pub chars: usize,
    /// True when the input had more than `max_chars` characters after normalisation and the
    /// rest was not analysed.
    pub truncated: bool,
}

/// Longest HTML tag we are willing to skip; a lone `<` in prose must not swallow the text.
const MAX_TAG_BYTES: usize = 256;
/// Longest character reference (`&#x1F600;`, `&nbsp;`) we decode.
const MAX_ENTITY_BYTES: usize = 10;

/// Normalises `raw` into a new string, with no length cap.
pub fn normalise(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    normalise_into(raw, usize::MAX, &mut out);
    out
}

/// True when nothing of `raw` is left after normalisation: empty, whitespace, markup, space
/// entities, zero-width or control characters only. The one rule for "no text", applied to
/// history rows as they are read and to petitions as they are routed.
pub fn is_blank(raw: &str) -> bool {
    // One character is enough to tell: the cap stops the work there.
    normalise_into(raw, 1, &mut String::new()).chars == 0
}

/// Writes the canonical form of `raw` into `out` (cleared first), keeping at most `max_chars`
/// characters so that arbitrarily large input costs at most linear time in the cap.
///
/// The canonical form: full-width ASCII and the ideographic space folded to half-width, ASCII
/// lower-cased, HTML tags dropped and character references decoded, zero-width and control
/// characters removed, runs of whitespace collapsed to one space, no leading or trailing space.
pub fn normalise_into(raw: &str, max_chars: usize, out: &mut String) -> Normalised {
    out.clear();
    let mut w = Writer {
        out,
        chars: 0,
        pending_space: false,
        max_chars,
    };
    let bytes = raw.as_bytes();
    let mut pos = 0usize;
    while pos < raw.len() {
        if is_cjk_at(bytes, pos) {
            // Most of a petition: a run of CJK ideographs is copied as it is, in one piece,
            // instead of being decoded and encoded again character by character.
            if !w.room_for_one() {
                return w.done(true);
            }
            let start = pos;
            pos += 3;
            w.chars += 1;
            while w.chars < max_chars && is_cjk_at(bytes, pos) {
                pos += 3;
                w.chars += 1;
            }
            w.out.push_str(&raw[start..pos]);
            continue;
        }
        let Some(c) = raw[pos..].chars().next() else {
            break;
        };
        let mut next = pos + c.len_utf8();
        let mapped = match c {
            '<' => match tag_end(bytes, pos) {
                Some(end) => {
                    next = end;
                    Some(' ')
                }
                None => Some('<'),
            },
            '&' => match decode_entity(&raw[pos..]) {
                Some((decoded, len)) => {
                    next = pos + len;
                    fold_char(decoded)
                }
                None => Some('&'),
            },
            '%' | '\u{FF05}' => match decode_percent(&raw[..pos], &raw[pos..]) {
                Some((decoded, len)) => {
                    next = pos + len;
                    fold_char(decoded)
                }
                None => fold_char(c),
            },
            _ => fold_char(c),
        };
        pos = next;
        let Some(m) = mapped else { continue };
        if m == ' ' {
            w.pending_space = w.chars > 0;
            continue;
        }
        if !w.room_for_one() {
            return w.done(true);
        }
        w.out.push(m);
        w.chars += 1;
    }
    w.done(false)
}

/// The output of [`normalise_into`] as it is written.
struct Writer<'o> {
    out: &'o mut String,
    chars: usize,
    /// Whitespace was seen since the last character written: one space goes before the next.
    pending_space: bool,
    max_chars: usize,
}

impl Writer<'_> {
    /// Makes room for one more character: writes the pending space, if any. False when the
    /// character (and its space) would pass `max_chars`: the text is truncated there.
    fn room_for_one(&mut self) -> bool {
        if self.chars + 1 + usize::from(self.pending_space) > self.max_chars {
            return false;
        }
        if self.pending_space {
            self.out.push(' ');
            self.chars += 1;
            self.pending_space = false;
        }
        true
    }

    fn done(self, truncated: bool) -> Normalised {
        Normalised {
            chars: self.chars,
            truncated,
        }
    }
}

/// True when a CJK ideograph of U+4E00..=U+9FFF starts at `pos` of valid UTF-8: its three
/// bytes run from E4 B8 80 to E9 BF BF.
#[inline]
fn is_cjk_at(bytes: &[u8], pos: usize) -> bool {
    match bytes.get(pos) {
        Some(0xE5..=0xE9) => true,
        Some(0xE4) => bytes.get(pos + 1).is_some_and(|&b| b >= 0xB8),
        _ => false,
    }
}

/// Maps one character to its canonical form: `None` drops it, `Some(' ')` is whitespace.
fn fold_char(c: char) -> Option<char> {
    match c {
        // Most of a petition: CJK ideographs stay as they are, without the table lookups below.
        '\u{4E00}'..='\u{9FFF}' => Some(c),
        '\u{FF01}'..='\u{FF5E}' => {
            // Full-width ASCII block sits at a fixed offset from ASCII.
            char::from_u32(c as u32 - 0xFEE0).map(|h| h.to_ascii_lowercase())
        }
        '\u{3000}' | '\u{00A0}' => Some(' '),
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => None,
        c if c.is_whitespace() || c.is_control() => Some(' '),
        c => Some(c.to_ascii_lowercase()),
    }
}

/// If an HTML tag starts at `start` (`<p>`, `</div>`, `<br/>`, `<!-- -->`), the byte offset
/// just past its `>`.
fn tag_end(bytes: &[u8], start: usize) -> Option<usize> {
    let first = *bytes.get(start + 1)?;
    if !(first.is_ascii_alphabetic() || first == b'/' || first == b'!') {
        return None;
    }
    let window = &bytes[start..bytes.len().min(start + MAX_TAG_BYTES)];
    window
        .iter()
        .position(|&b| b == b'>')
        .map(|i| start + i + 1)
}

/// Decodes a percent-encoded UTF-8 character at the start of `s` (`%E5%A4%A7` → 大): some
/// intake systems pass web forms on URL-encoded, with the ASCII or the full-width sign and
/// hex digits. A non-ASCII character must be whole and valid UTF-8; an ASCII one (`%20`) is
/// decoded only next to another escape (`before` is the text before `s`), so that
/// `增长50%20个` keeps its text.
fn decode_percent(before: &str, s: &str) -> Option<(char, usize)> {
    let (lead, mut len) = percent_byte(s)?;
    let width = match lead {
        // An escaped percent sign stays escaped: one level of decoding, so normalising twice
        // changes nothing more.
        b'%' => return None,
        0x00..=0x7F => {
            let escaped_before = before
                .char_indices()
                .rev()
                .nth(2)
                .is_some_and(|(i, _)| percent_byte(&before[i..]).is_some());
            return (escaped_before || percent_byte(&s[len..]).is_some())
                .then(|| (char::from(lead), len));
        }
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let mut bytes = [lead, 0, 0, 0];
    for b in &mut bytes[1..width] {
        let (byte, l) = percent_byte(&s[len..])?;
        *b = byte;
        len += l;
    }
    let c = std::str::from_utf8(&bytes[..width]).ok()?.chars().next()?;
    Some((c, len))
}

/// One `%XX` (or full-width `％ＸＸ`) at the start of `s`: the byte and the bytes it spans.
fn percent_byte(s: &str) -> Option<(u8, usize)> {
    let mut chars = s.char_indices();
    let (_, sign) = chars.next()?;
    if sign != '%' && sign != '\u{FF05}' {
        return None;
    }
    let mut digit = || {
        let (_, c) = chars.next()?;
        let c = match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF26}' | '\u{FF41}'..='\u{FF46}' => {
                char::from_u32(c as u32 - 0xFEE0)?
            }
            c => c,
        };
        c.to_digit(16)
    };
    let byte = digit()? * 16 + digit()?;
    let end = chars.next().map_or(s.len(), |(i, _)| i);
    Some((byte as u8, end))
}

/// Decodes a character reference at the start of `s`: the character and the bytes it spans.
fn decode_entity(s: &str) -> Option<(char, usize)> {
    let window = &s.as_bytes()[..s.len().min(MAX_ENTITY_BYTES)];
    let semi = window.iter().position(|&b| b == b';')?;
    let name = s.get(1..semi)?;
    let c = match name {
        "nbsp" | "ensp" | "emsp" => ' ',
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let code = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok()?
            } else {
                name.strip_prefix('#')?.parse().ok()?
            };
            char::from_u32(code)?
        }
    };
    Some((c, semi + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_full_width_and_case() {
        assert_eq!(normalise("ＡＢＣ１２３，Ｘｙ"), "abc123,xy");
        assert_eq!(normalise("WiFi信号差"), "wifi信号差");
    }

    #[test]
    fn collapses_whitespace_and_trims() {
        assert_eq!(
            normalise("  小区\u{3000}\u{3000}停水\r\n\t三天  "),
            "小区 停水 三天"
        );
    }

    #[test]
    fn decodes_percent_encoded_text_and_keeps_a_lone_percent_sign() {
        assert_eq!(normalise("投诉%E5%A4%A7%E8%BF%9E"), "投诉大连");
        assert_eq!(
            normalise("％E6％88％91％20％20家"),
            "我 家",
            "full-width signs, and spaces inside a run"
        );
        assert_eq!(normalise("增长50%20个"), "增长50%20个");
        assert_eq!(normalise("100% 满意，%E5%A4 断了"), "100% 满意,%e5%a4 断了");
        assert_eq!(normalise("%"), "%");
        let escaped = normalise("%25%34%31");
        assert_eq!(normalise(&escaped), escaped);
    }

    #[test]
    fn strips_markup_and_decodes_entities() {
        assert_eq!(
            normalise("<p>楼道&nbsp;堆放&amp;杂物</p><br/>&#21344;道"),
            "楼道 堆放&杂物 占道"
        );
        // A lone '<' in prose is text, not a tag.
        assert_eq!(normalise("工资<3000元"), "工资<3000元");
        assert_eq!(normalise("a & b"), "a & b");
    }

    #[test]
    fn drops_zero_width_and_control_characters() {
        assert_eq!(normalise("噪\u{200B}音\u{FEFF}扰民\u{0007}"), "噪音扰民");
    }

    #[test]
    fn caps_length_without_splitting_characters() {
        let mut out = String::new();
        let r = normalise_into("一二三 四五六", 5, &mut out);
        assert_eq!(out, "一二三 四");
        assert_eq!(
            r,
            Normalised {
                chars: 5,
                truncated: true
            }
        );
        let r = normalise_into("一二三", 3, &mut out);
        assert!(!r.truncated);
        assert_eq!(out, "一二三");
    }

    #[test]
    fn ideograph_runs_normalise_like_single_characters() {
        // Around both ends of U+4E00..=U+9FFF, where the copied runs start and stop.
        let text: String = [
            '\u{4DFF}', '\u{4E00}', '\u{9FFF}', '\u{A000}', 'Ａ', '一', '\u{4E00}',
        ]
        .iter()
        .collect();
        let one_by_one: String = text.chars().filter_map(fold_char).collect();
        assert_eq!(normalise(&text), one_by_one);
        let mut out = String::new();
        let r = normalise_into("一二三四五", 3, &mut out);
        assert_eq!((out.as_str(), r.chars, r.truncated), ("一二三", 3, true));
        let r = normalise_into("  一二 三", 4, &mut out);
        assert_eq!((out.as_str(), r.chars, r.truncated), ("一二 三", 4, false));
    }

    #[test]
    fn whitespace_only_becomes_empty() {
        assert_eq!(normalise(" \u{3000}\n<br>&nbsp;"), "");
    }

    #[test]
    fn blank_means_nothing_left_after_normalisation() {
        for blank in [
            "",
            " \t\r\n",
            "<p>&nbsp;</p>",
            "\u{200b}\u{200b}",
            "<br/>\u{feff}\u{3000}",
        ] {
            assert!(is_blank(blank), "{blank:?}");
            assert_eq!(normalise(blank), "");
        }
        for text in ["噪", "<p>停水</p>", "&lt;", " a "] {
            assert!(!is_blank(text), "{text:?}");
        }
    }

    #[test]
    fn is_idempotent() {
        let once = normalise("<b>Ｈｏｔｌｉｎｅ</b>  １２３４５ 热线");
        assert_eq!(normalise(&once), once);
    }
}
