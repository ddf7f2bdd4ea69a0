//! A streaming check of JSON syntax, one value at a time, in fixed memory.
//!
//! The array reader must find where an element ends without holding it (an element past
//! the record size limit is skipped, not buffered), and may skip an element only if it is
//! well-formed: where the syntax breaks, the element's end is a guess, and every element
//! after it would be a guess too. So this checks the whole grammar of RFC 8259 (literals,
//! numbers, strings with their escapes, commas and colons) byte by byte, with serde_json's
//! nesting limit, so that what it accepts serde_json parses, and what it refuses is
//! refused with serde_json's words at the byte where it breaks. What it leaves to serde_json
//! are the values: a `\u` escape that is half of a surrogate pair, a number past the range
//! of an `f64`, bytes that are not UTF-8. None of those moves the element's end.
//!
//! Memory is fixed: the open containers are bits of a `u128`, deep enough for serde_json's
//! limit (it parses 127 nested arrays or objects and refuses the 128th).

use std::ops::Range;

/// The deepest nesting serde_json parses (its recursion limit of 128 refuses the 128th).
pub(crate) const MAX_DEPTH: u32 = 127;

/// What [`Syntax::feed`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Every byte fed belongs to the value, which is not complete yet.
    More,
    /// The value is complete and well-formed after this many of the bytes fed.
    Done(usize),
    /// The byte at this index of those fed breaks the syntax, for this reason.
    Broken(usize, &'static str),
}

/// A `\u` escape that is half of a UTF-16 surrogate pair without its other half: valid
/// syntax, but no character, so serde_json refuses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LoneSurrogate {
    /// Offset of the escape's backslash from the first byte fed.
    pub(crate) at: usize,
    /// The escape's value, U+D800 to U+DFFF.
    pub(crate) code: u16,
}

/// Where the checker is relative to the entries of the outermost object: what a record's
/// field is, in a JSON record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    /// In the value of the entry whose key is here (quotes excluded).
    Value(Range<usize>),
    /// In a key.
    Key,
    /// Elsewhere: between entries, or not in an object.
    Outside,
}

/// Where in the grammar the checker is, between two bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// A value must come: the start, or after `:`.
    Value,
    /// After `[`: a value or `]`.
    ArrayFirst,
    /// After `,` in an array: a value.
    ArrayNext,
    /// After `{`: a key or `}`.
    ObjectFirst,
    /// After `,` in an object: a key.
    ObjectNext,
    /// After a key: `:`.
    Colon,
    /// After a value in a container: `,` or the container's end.
    After,
    /// In a string (a key if `key`).
    Str { key: bool, escape: Escape },
    /// In a number.
    Number(Number),
    /// In `true`, `false` or `null`: the letters still to come.
    Literal(&'static [u8]),
    /// The value is complete.
    Done,
}

/// Where in an escape a string is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    /// Not in one.
    No,
    /// After `\`.
    Backslash,
    /// After `\u` and this many hex digits, with their value so far.
    Hex(u8, u16),
}

/// Where in a number (`-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Number {
    Minus,
    Zero,
    Int,
    Dot,
    Fraction,
    E,
    ExponentSign,
    Exponent,
}

impl Number {
    /// Whether the number may end here.
    fn complete(self) -> bool {
        matches!(
            self,
            Number::Zero | Number::Int | Number::Fraction | Number::Exponent
        )
    }

    /// The state after `b`, or `None` when `b` is not part of the number.
    fn step(self, b: u8) -> Option<Number> {
        use Number::*;
        Some(match (self, b) {
            (Minus, b'0') => Zero,
            (Minus, b'1'..=b'9') | (Int, b'0'..=b'9') => Int,
            (Zero | Int, b'.') => Dot,
            (Dot | Fraction, b'0'..=b'9') => Fraction,
            (Zero | Int | Fraction, b'e' | b'E') => E,
            (E, b'+' | b'-') => ExponentSign,
            (E | ExponentSign | Exponent, b'0'..=b'9') => Exponent,
            _ => return None,
        })
    }
}

/// Checks one JSON value fed in pieces.
#[derive(Debug)]
pub(crate) struct Syntax {
    state: State,
    depth: u32,
    /// Bit `i` is set when the container at depth `i + 1` is an object.
    objects: u128,
    /// Bytes fed before the current piece.
    fed: usize,
    /// The current key of the outermost object, from its opening quote.
    key: Range<usize>,
    /// A leading surrogate just read, waiting for its trailing half: where its escape began.
    lead: Option<(usize, u16)>,
    /// Where the current escape's backslash is.
    escape_at: usize,
    lone: Option<LoneSurrogate>,
}

impl Default for Syntax {
    fn default() -> Self {
        Syntax {
            state: State::Value,
            depth: 0,
            objects: 0,
            fed: 0,
            key: 0..0,
            lead: None,
            escape_at: 0,
            lone: None,
        }
    }
}

impl Syntax {
    /// Checks the next piece of the value.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Step {
        let mut i = 0;
        while i < bytes.len() {
            if let State::Str {
                escape: Escape::No, ..
            } = self.state
            {
                if self.lead.is_none() {
                    // Most of a record is string content: skip it in one go.
                    i += plain_run(&bytes[i..]);
                    if i == bytes.len() {
                        break;
                    }
                }
            }
            match self.step(bytes[i], i) {
                Ok(true) => i += 1,
                // The byte ends a number without being part of it: look at it again.
                Ok(false) => {}
                Err(message) => return self.advance(Step::Broken(i, message), bytes.len()),
            }
            if self.state == State::Done {
                return self.advance(Step::Done(i), bytes.len());
            }
        }
        self.advance(Step::More, bytes.len())
    }

    fn advance(&mut self, step: Step, fed: usize) -> Step {
        self.fed += fed;
        step
    }

    /// Whether the value may end with the input: `Err` says why not.
    pub(crate) fn end(&mut self) -> Result<(), &'static str> {
        match self.state {
            State::Done => Ok(()),
            State::Number(n) if n.complete() && self.depth == 0 => {
                self.state = State::Done;
                Ok(())
            }
            State::Str { .. } => Err("EOF while parsing a string"),
            _ if self.depth == 0 => Err("EOF while parsing a value"),
            _ if self.in_object() => Err("EOF while parsing an object"),
            _ => Err("EOF while parsing a list"),
        }
    }

    /// The first lone surrogate seen, if any.
    pub(crate) fn lone_surrogate(&self) -> Option<LoneSurrogate> {
        self.lone
    }

    /// Where the bytes fed so far end, relative to the outermost object's entries.
    pub(crate) fn entry(&self) -> Entry {
        if self.depth == 0 || self.objects & 1 == 0 {
            return Entry::Outside;
        }
        match self.state {
            _ if self.depth > 1 => Entry::Value(self.key.clone()),
            State::Str { key: true, .. } => Entry::Key,
            State::ObjectFirst | State::ObjectNext | State::Colon => Entry::Outside,
            _ => Entry::Value(self.key.clone()),
        }
    }

    fn in_object(&self) -> bool {
        self.depth > 0 && self.objects & (1 << (self.depth - 1)) != 0
    }

    /// Takes byte `b`, at index `i` of the current piece. `Ok(false)` when `b` only
    /// ended a number and must be taken again in the state that follows.
    fn step(&mut self, b: u8, i: usize) -> Result<bool, &'static str> {
        match self.state {
            State::Str { key, escape } => self.string(b, i, key, escape).map(|()| true),
            State::Number(n) => match n.step(b) {
                Some(next) => {
                    self.state = State::Number(next);
                    Ok(true)
                }
                // serde_json's word for a leading zero, rather than "expected `,`".
                None if n == Number::Zero && b.is_ascii_digit() => Err("invalid number"),
                None if n.complete() => {
                    self.value_done();
                    Ok(false)
                }
                None => Err("invalid number"),
            },
            State::Literal(rest) => match rest.split_first() {
                Some((&want, more)) if want == b => {
                    self.state = State::Literal(more);
                    if more.is_empty() {
                        self.value_done();
                    }
                    Ok(true)
                }
                _ => Err("expected ident"),
            },
            _ if is_space(b) => Ok(true),
            State::Value | State::ArrayNext | State::ArrayFirst => {
                match (self.state, b) {
                    (State::ArrayFirst, b']') => self.close(b']')?,
                    (State::ArrayNext, b']') => return Err("trailing comma"),
                    _ => self.value(b)?,
                }
                Ok(true)
            }
            State::ObjectFirst | State::ObjectNext => {
                match (self.state, b) {
                    (State::ObjectFirst, b'}') => self.close(b'}')?,
                    (State::ObjectNext, b'}') => return Err("trailing comma"),
                    (_, b'"') => self.open_key(i),
                    _ => return Err("key must be a string"),
                }
                Ok(true)
            }
            State::Colon if b == b':' => {
                self.state = State::Value;
                Ok(true)
            }
            State::Colon => Err("expected `:`"),
            State::After => {
                match (b, self.in_object()) {
                    (b',', true) => self.state = State::ObjectNext,
                    (b',', false) => self.state = State::ArrayNext,
                    (b'}', true) | (b']', false) => self.close(b)?,
                    (_, true) => return Err("expected `,` or `}`"),
                    (_, false) => return Err("expected `,` or `]`"),
                }
                Ok(true)
            }
            State::Done => Ok(true),
        }
    }

    /// The first byte of a value.
    fn value(&mut self, b: u8) -> Result<(), &'static str> {
        self.state = match b {
            b'{' | b'[' => return self.open(b == b'{'),
            b'"' => State::Str {
                key: false,
                escape: Escape::No,
            },
            b'-' => State::Number(Number::Minus),
            b'0' => State::Number(Number::Zero),
            b'1'..=b'9' => State::Number(Number::Int),
            b't' => State::Literal(b"rue"),
            b'f' => State::Literal(b"alse"),
            b'n' => State::Literal(b"ull"),
            _ => return Err("expected value"),
        };
        Ok(())
    }

    fn open(&mut self, object: bool) -> Result<(), &'static str> {
        if self.depth == MAX_DEPTH {
            return Err("recursion limit exceeded");
        }
        if object {
            self.objects |= 1 << self.depth;
        } else {
            self.objects &= !(1 << self.depth);
        }
        self.depth += 1;
        self.state = if object {
            State::ObjectFirst
        } else {
            State::ArrayFirst
        };
        Ok(())
    }

    fn close(&mut self, b: u8) -> Result<(), &'static str> {
        debug_assert_eq!(b == b'}', self.in_object());
        self.depth -= 1;
        self.value_done();
        Ok(())
    }

    fn open_key(&mut self, i: usize) {
        if self.depth == 1 {
            let at = self.offset(i) + 1;
            self.key = at..at;
        }
        self.state = State::Str {
            key: true,
            escape: Escape::No,
        };
    }

    /// A value (or a key) has ended: what comes next depends on where it was.
    fn value_done(&mut self) {
        self.state = if self.depth == 0 {
            State::Done
        } else {
            State::After
        };
    }

    fn offset(&self, i: usize) -> usize {
        self.fed + i
    }

    /// Takes byte `b` of a string.
    fn string(&mut self, b: u8, i: usize, key: bool, escape: Escape) -> Result<(), &'static str> {
        let continues_pair = matches!(
            (escape, b),
            (Escape::No, b'\\') | (Escape::Backslash, b'u') | (Escape::Hex(..), _)
        );
        if self.lead.is_some() && !continues_pair {
            self.lone_lead();
        }
        let escape = match (escape, b) {
            (Escape::No, b'"') => {
                if key {
                    if self.depth == 1 {
                        self.key.end = self.offset(i);
                    }
                    self.state = State::Colon;
                } else {
                    self.value_done();
                }
                return Ok(());
            }
            (Escape::No, b'\\') => {
                self.escape_at = self.offset(i);
                Escape::Backslash
            }
            (Escape::No, 0..=0x1f) => {
                return Err("control character (\\u0000-\\u001F) found while parsing a string")
            }
            (Escape::No, _) => Escape::No,
            (Escape::Backslash, b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                Escape::No
            }
            (Escape::Backslash, b'u') => Escape::Hex(0, 0),
            (Escape::Backslash, _) => return Err("invalid escape"),
            (Escape::Hex(n, value), _) => {
                let digit = char::from(b).to_digit(16).ok_or("invalid escape")? as u16;
                let value = value << 4 | digit;
                if n < 3 {
                    Escape::Hex(n + 1, value)
                } else {
                    self.code_unit(value);
                    Escape::No
                }
            }
        };
        self.state = State::Str { key, escape };
        Ok(())
    }

    /// A `\u` escape's value: pairs surrogates, noting the first that has no partner.
    fn code_unit(&mut self, value: u16) {
        let trailing = (0xDC00..=0xDFFF).contains(&value);
        if self.lead.is_some() && trailing {
            self.lead = None;
            return;
        }
        self.lone_lead();
        if trailing {
            self.note_lone(self.escape_at, value);
        } else if (0xD800..=0xDBFF).contains(&value) {
            self.lead = Some((self.escape_at, value));
        }
    }

    fn lone_lead(&mut self) {
        if let Some((at, code)) = self.lead.take() {
            self.note_lone(at, code);
        }
    }

    fn note_lone(&mut self, at: usize, code: u16) {
        self.lone.get_or_insert(LoneSurrogate { at, code });
    }
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

/// How many bytes from the start are plain string content: not `"`, `\` or a control character.
fn plain_run(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .unwrap_or(bytes.len())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde::de::IgnoredAny;

    use super::*;

    /// Checks `text` as one whole value fed in pieces cut at `cuts`: `Ok` when well-formed
    /// (nothing but whitespace after it), else the offset and reason of the break.
    fn check(text: &[u8], cuts: &[usize]) -> Result<(), (usize, &'static str)> {
        let mut syntax = Syntax::default();
        let mut bounds: Vec<usize> = cuts.iter().map(|&c| c.min(text.len())).collect();
        bounds.push(text.len());
        bounds.sort_unstable();
        let mut from = 0;
        for to in bounds {
            match syntax.feed(&text[from..to]) {
                Step::More => from = to,
                Step::Broken(i, why) => return Err((from + i, why)),
                Step::Done(i) => {
                    let rest = &text[from + i..];
                    return match rest.iter().position(|&b| !is_space(b)) {
                        None => Ok(()),
                        Some(j) => Err((from + i + j, "trailing characters")),
                    };
                }
            }
        }
        syntax.end().map_err(|why| (text.len(), why))
    }

    fn serde_accepts(text: &[u8]) -> bool {
        serde_json::from_slice::<IgnoredAny>(text).is_ok()
    }

    #[test]
    fn well_formed_values_pass_in_any_pieces() {
        let values: [&[u8]; 9] = [
            br#"{"a": [1, -2.5e+3, 0, 0.1, 1E9, true, false, null], "b": {}}"#,
            br#"[]"#,
            br#" [ [ ] , { } ] "#,
            br#""\"\\\/\b\f\n\r\t\u00e9\uD842\uDFB7""#,
            "\"佐藤 花子\"".as_bytes(),
            b"-0",
            b"12345678901234567890123",
            b"1e400",
            br#""\ud800""#,
        ];
        for value in values {
            assert!(serde_accepts(value), "{}", String::from_utf8_lossy(value));
            for cut in 0..=value.len() {
                assert_eq!(
                    check(value, &[cut]),
                    Ok(()),
                    "{}",
                    String::from_utf8_lossy(value)
                );
            }
        }
    }

    #[test]
    fn a_break_is_named_at_its_byte_in_serde_json_words() {
        let cases: [(&[u8], (usize, &str)); 16] = [
            (b"x", (0, "expected value")),
            (b"[1,]", (3, "trailing comma")),
            (b"{\"a\":1,}", (7, "trailing comma")),
            (b"{1:2}", (1, "key must be a string")),
            (b"{\"a\" 1}", (5, "expected `:`")),
            (b"{\"a\":1 \"b\":2}", (7, "expected `,` or `}`")),
            (b"[1 2]", (3, "expected `,` or `]`")),
            (b"[1}", (2, "expected `,` or `]`")),
            (b"tru ", (3, "expected ident")),
            (b"01", (1, "invalid number")),
            (b"-x", (1, "invalid number")),
            (b"1.e5", (2, "invalid number")),
            (b"\"a\\x\"", (3, "invalid escape")),
            (b"\"\\u12g4\"", (5, "invalid escape")),
            (
                b"\"a\nb\"",
                (
                    2,
                    "control character (\\u0000-\\u001F) found while parsing a string",
                ),
            ),
            (b"[\"open", (6, "EOF while parsing a string")),
        ];
        for (text, expected) in cases {
            assert!(!serde_accepts(text));
            assert_eq!(
                check(text, &[]),
                Err(expected),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
        assert_eq!(
            check(b"{\"a\":[1", &[]),
            Err((7, "EOF while parsing a list"))
        );
        assert_eq!(
            check(b"{\"a\":1", &[]),
            Err((6, "EOF while parsing an object"))
        );
        assert_eq!(check(b"-", &[]), Err((1, "EOF while parsing a value")));
    }

    #[test]
    fn nesting_stops_where_serde_json_does() {
        let nested = |depth: usize| ["[".repeat(depth), "]".repeat(depth)].concat();
        // `Value` (what records are parsed into) keeps the limit; `IgnoredAny` does not.
        let parses = |text: &str| serde_json::from_str::<serde_json::Value>(text).is_ok();
        let deepest = nested(MAX_DEPTH as usize);
        assert!(parses(&deepest));
        assert_eq!(check(deepest.as_bytes(), &[]), Ok(()));
        let deeper = nested(MAX_DEPTH as usize + 1);
        assert!(!parses(&deeper));
        assert_eq!(
            check(deeper.as_bytes(), &[]),
            Err((MAX_DEPTH as usize, "recursion limit exceeded"))
        );
        // Far deeper input is refused at the same byte, holding nothing.
        let deepest_object = format!("{}1{}", "{\"a\":".repeat(200), "}".repeat(200));
        assert_eq!(
            check(deepest_object.as_bytes(), &[]),
            Err((5 * MAX_DEPTH as usize, "recursion limit exceeded"))
        );
    }

    #[test]
    fn a_top_level_number_ends_at_the_first_byte_not_in_it() {
        let mut syntax = Syntax::default();
        assert_eq!(syntax.feed(b"-12.5e3"), Step::More);
        assert_eq!(syntax.feed(b"7,"), Step::Done(1));
        let mut syntax = Syntax::default();
        assert_eq!(syntax.feed(b"12"), Step::More);
        assert_eq!(syntax.end(), Ok(()));
        assert_eq!(Syntax::default().feed(b"true]"), Step::Done(4));
    }

    fn lone(text: &str) -> Option<(usize, u16)> {
        let mut syntax = Syntax::default();
        syntax.feed(text.as_bytes());
        syntax.lone_surrogate().map(|l| (l.at, l.code))
    }

    #[test]
    fn lone_surrogates_are_found_at_their_escape() {
        assert_eq!(
            lone(r#"{"name": "a\ud800b", "x": "\udc00"}"#),
            Some((11, 0xD800))
        );
        assert_eq!(
            lone(r#"{"remarks": {"k": ["\uDC01"]}}"#),
            Some((20, 0xDC01))
        );
        assert_eq!(lone(r#"{"\ud83d": 1}"#), Some((2, 0xD83D)));
        for cut in [
            r#"{"a": "\ud800\n"}"#,
            r#"{"a": "\ud800\u0041"}"#,
            r#"{"a": "\ud800"}"#,
        ] {
            assert_eq!(lone(cut), Some((7, 0xD800)), "{cut}");
        }
        assert_eq!(lone(r#"{"a": "\ud842\udfb7 \\ud800"}"#), None);
    }

    #[test]
    fn the_entry_is_known_at_every_byte() {
        let text = br#"{"name": {"k": [1]}, "sex": 1}"#;
        let entry_after = |n: usize| {
            let mut syntax = Syntax::default();
            syntax.feed(&text[..n]);
            syntax.entry()
        };
        assert_eq!(entry_after(0), Entry::Outside);
        assert_eq!(entry_after(3), Entry::Key);
        assert_eq!(entry_after(7), Entry::Outside);
        assert_eq!(entry_after(8), Entry::Value(2..6));
        assert_eq!(entry_after(17), Entry::Value(2..6));
        assert_eq!(entry_after(20), Entry::Outside);
        assert_eq!(entry_after(29), Entry::Value(22..25));
    }

    /// JSON-ish bytes: every token of the grammar, and bytes that break it.
    fn json_like() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(&b"{"[..]),
            Just(&b"}"[..]),
            Just(&b"["[..]),
            Just(&b"]"[..]),
            Just(&b","[..]),
            Just(&b":"[..]),
            Just(&b"\""[..]),
            Just(&b"\"k\":"[..]),
            Just(&b"\\"[..]),
            Just(&b"\\u00e9"[..]),
            Just(&b"\\ud800"[..]),
            Just(&b"\\u12"[..]),
            Just(&b" "[..]),
            Just(&b"\n"[..]),
            Just(&b"\t"[..]),
            Just(&b"0"[..]),
            Just(&b"-"[..]),
            Just(&b"."[..]),
            Just(&b"e"[..]),
            Just(&b"+"[..]),
            Just(&b"7"[..]),
            Just(&b"true"[..]),
            Just(&b"nul"[..]),
            Just(&b"x"[..]),
            Just("佐".as_bytes()),
            Just(&b"\x01"[..]),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// What the check accepts is exactly what serde_json parses, however it is cut.
        #[test]
        fn the_check_agrees_with_serde_json(text in json_like(), cuts in prop::collection::vec(0usize..64, 0..4)) {
            let text = if serde_accepts(&text) || text.is_empty() { text } else {
                // Often close the value with what serde_json last expected, to reach deep states.
                let mut closed = text.clone();
                closed.extend_from_slice(b"\"]}");
                if serde_accepts(&closed) { closed } else { text }
            };
            prop_assert_eq!(check(&text, &cuts).is_ok(), serde_accepts(&text), "{:?}", String::from_utf8_lossy(&text));
        }

        /// Well-formed values nested in arrays and objects pass.
        #[test]
        fn generated_values_pass(value in any_value(), cuts in prop::collection::vec(0usize..200, 0..4)) {
            let text = serde_json::to_vec(&value).expect("serializes");
            prop_assert_eq!(check(&text, &cuts), Ok(()));
            let pretty = serde_json::to_vec_pretty(&value).expect("serializes");
            prop_assert_eq!(check(&pretty, &cuts), Ok(()));
        }
    }

    fn any_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            ".*".prop_map(Value::String),
        ];
        leaf.prop_recursive(6, 64, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                prop::collection::btree_map(".*", inner, 0..8)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
