//! Element-level differences between two display-list dumps: which layout
//! elements moved, changed size, text or style, and by how much in mm.
//!
//! The dumps are the only record of the golden rendering's middle stage (the
//! golden layout itself is gone once it is edited), so both sides are read back
//! from text rather than compared as `Document`s.

use std::fmt;

use crate::layout::PT_PER_MM;

/// Changes below this many mm are rounding in the dump (it prints 0.01 mm).
const EPSILON_MM: f32 = 0.005;

/// How one page differs, beyond its elements.
#[derive(Debug, Clone, PartialEq)]
pub struct PageChange {
    /// 1-based page number.
    pub page: usize,
    /// What changed, e.g. `size 85.60x53.98mm → 90.00x53.98mm`.
    pub what: String,
}

impl fmt::Display for PageChange {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "page {}: {}", self.page, self.what)
    }
}

/// One layout element that differs between the golden and the new rendering.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementChange {
    /// 1-based page number.
    pub page: usize,
    /// The layout element's id.
    pub element: String,
    /// What changed.
    pub change: Change,
    /// The case lists the element in `ignore`: the change does not count.
    pub ignored: bool,
}

/// What happened to an element.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Drawn only in the new rendering.
    Added,
    /// Drawn only in the golden rendering.
    Removed,
    /// Drawn in both, differently.
    Changed(Edit),
}

/// How an element drawn on both sides changed. Boxes are the union of the
/// element's items: text runs as wide as they print and one em high, paths by
/// their points, images by their rectangle.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Edit {
    /// How far its box's top-left corner moved, in mm: rightwards, downwards.
    pub moved: Option<(f32, f32)>,
    /// Its box's width and height in mm, golden then new.
    pub resized: Option<((f32, f32), (f32, f32))>,
    /// Its text (lines joined by ⏎), golden then new.
    pub text: Option<(String, String)>,
    /// Font, font size or horizontal scale, e.g. `font size 9 → 10 pt`.
    pub style: Vec<String>,
    /// Something else about its drawing changed (path segments, image pixels).
    pub redrawn: bool,
}

impl fmt::Display for ElementChange {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", self.element)?;
        if self.page > 1 {
            write!(f, " (page {})", self.page)?;
        }
        match &self.change {
            Change::Added => write!(f, ": added")?,
            Change::Removed => write!(f, ": removed")?,
            Change::Changed(edit) => write!(f, ": {edit}")?,
        }
        if self.ignored {
            write!(f, " (ignored)")?;
        }
        Ok(())
    }
}

impl fmt::Display for Edit {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some((dx, dy)) = self.moved {
            parts.push(format!(
                "moved {} mm right, {} mm down",
                signed(dx),
                signed(dy)
            ));
        }
        if let Some(((w0, h0), (w1, h1))) = self.resized {
            parts.push(format!("size {w0:.2}×{h0:.2} → {w1:.2}×{h1:.2} mm"));
        }
        if let Some((old, new)) = &self.text {
            parts.push(format!("text {old} → {new}"));
        }
        parts.extend(self.style.iter().cloned());
        if self.redrawn || parts.is_empty() {
            parts.push("drawn differently".into());
        }
        write!(f, "{}", parts.join("; "))
    }
}

/// `+1.20`, `-0.35`, `+0.00` (never `-0.00`).
fn signed(v: f32) -> String {
    let s = format!("{v:+.2}");
    if s == "-0.00" {
        "+0.00".into()
    } else {
        s
    }
}

/// The differences between two dumps.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListDiff {
    /// Pages added, removed, resized or with another background layer.
    pub pages: Vec<PageChange>,
    /// Elements that differ, page by page in the new rendering's drawing order,
    /// then those only in the golden one.
    pub elements: Vec<ElementChange>,
}

impl ListDiff {
    /// Whether nothing differs.
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty() && self.elements.is_empty()
    }

    /// Marks the changes of these element ids as ignored.
    pub fn ignore(&mut self, ids: &[String]) {
        for change in &mut self.elements {
            change.ignored = ids.contains(&change.element);
        }
    }

    /// Whether every difference is to an ignored element.
    pub fn only_ignored(&self) -> bool {
        self.pages.is_empty() && self.elements.iter().all(|c| c.ignored)
    }

    /// One line per change: pages first, then elements.
    pub fn lines(&self) -> Vec<String> {
        self.pages
            .iter()
            .map(|p| p.to_string())
            .chain(self.elements.iter().map(|e| e.to_string()))
            .collect()
    }
}

/// Compares two display-list dumps ([`super::dump`]) element by element.
pub fn diff(golden: &str, new: &str) -> ListDiff {
    let (old_pages, new_pages) = (parse(golden), parse(new));
    let mut out = ListDiff::default();
    for index in 0..old_pages.len().max(new_pages.len()) {
        let page = index + 1;
        let (old, new) = match (old_pages.get(index), new_pages.get(index)) {
            (Some(old), Some(new)) => (old, new),
            (None, Some(_)) => {
                out.pages.push(PageChange {
                    page,
                    what: "added".into(),
                });
                continue;
            }
            (Some(_), None) => {
                out.pages.push(PageChange {
                    page,
                    what: "removed".into(),
                });
                continue;
            }
            (None, None) => unreachable!("index below the longer length"),
        };
        if old.size != new.size {
            out.pages.push(PageChange {
                page,
                what: format!("size {} → {}", old.size, new.size),
            });
        }
        if old.background != new.background {
            out.pages.push(PageChange {
                page,
                what: format!("background {} → {}", old.background, new.background),
            });
        }
        let mut ids: Vec<&str> = Vec::new();
        for item in new.items.iter().chain(&old.items) {
            if !ids.contains(&item.element.as_str()) {
                ids.push(&item.element);
            }
        }
        for id in ids {
            let before: Vec<&Item> = old.items.iter().filter(|i| i.element == id).collect();
            let after: Vec<&Item> = new.items.iter().filter(|i| i.element == id).collect();
            let same = before.len() == after.len()
                && before.iter().zip(&after).all(|(a, b)| a.line == b.line);
            if same {
                continue;
            }
            let change = match (before.is_empty(), after.is_empty()) {
                (true, _) => Change::Added,
                (_, true) => Change::Removed,
                _ => Change::Changed(edit(&before, &after)),
            };
            out.elements.push(ElementChange {
                page,
                element: id.to_string(),
                change,
                ignored: false,
            });
        }
    }
    out
}

fn edit(before: &[&Item], after: &[&Item]) -> Edit {
    let (a, b) = (union(before), union(after));
    let mut edit = Edit::default();
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    if dx.abs() >= EPSILON_MM || dy.abs() >= EPSILON_MM {
        edit.moved = Some((dx, dy));
    }
    if (b.width - a.width).abs() >= EPSILON_MM || (b.height - a.height).abs() >= EPSILON_MM {
        edit.resized = Some(((a.width, a.height), (b.width, b.height)));
    }
    let text = |items: &[&Item]| {
        items
            .iter()
            .filter_map(|i| i.text.clone())
            .collect::<Vec<_>>()
            .join("⏎")
    };
    let (old_text, new_text) = (text(before), text(after));
    if old_text != new_text {
        edit.text = Some((old_text, new_text));
    }
    for (key, label, unit) in [
        ("font", "font", ""),
        ("size", "font size", " pt"),
        ("scale", "scale", ""),
    ] {
        let values = |items: &[&Item]| {
            let mut v: Vec<&str> = Vec::new();
            for value in items.iter().filter_map(|i| i.style(key)) {
                if !v.contains(&value) {
                    v.push(value);
                }
            }
            v.join(", ")
        };
        let (old, new) = (values(before), values(after));
        if old != new {
            edit.style.push(format!(
                "{label} {} → {}{unit}",
                or_none(&old),
                or_none(&new)
            ));
        }
    }
    // Anything the summary does not explain (path segments, image pixels, how the
    // text is split into runs): say so rather than pass it over.
    let explained = |items: &[&Item]| items.iter().map(|i| i.shape()).collect::<Vec<_>>();
    if explained(before) != explained(after) {
        edit.redrawn = true;
    }
    edit
}

fn or_none(s: &str) -> &str {
    if s.is_empty() {
        "none"
    } else {
        s
    }
}

/// A rectangle in mm from the page's top-left corner.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MmRect {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

fn union(items: &[&Item]) -> MmRect {
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for item in items {
        let r = item.rect;
        x0 = x0.min(r.x);
        y0 = y0.min(r.y);
        x1 = x1.max(r.x + r.width);
        y1 = y1.max(r.y + r.height);
    }
    if x0 > x1 {
        return MmRect {
            x: 0.0,
            y: 0.0,
            width: 0.0,
            height: 0.0,
        };
    }
    MmRect {
        x: x0,
        y: y0,
        width: x1 - x0,
        height: y1 - y0,
    }
}

/// The boxes of the named elements' items on one page (1-based) of a dump, for masks.
pub fn boxes(dump: &str, page: usize, ids: &[String]) -> Vec<MmRect> {
    let pages = parse(dump);
    let Some(p) = page.checked_sub(1).and_then(|i| pages.get(i)) else {
        return Vec::new();
    };
    p.items
        .iter()
        .filter(|i| ids.contains(&i.element))
        .map(|i| i.rect)
        .collect()
}

/// A page of a dump read back.
#[derive(Debug)]
struct ListPage {
    size: String,
    background: String,
    items: Vec<Item>,
}

/// One item line of a dump read back.
#[derive(Debug)]
struct Item {
    element: String,
    rect: MmRect,
    text: Option<String>,
    /// `(key, value)` pairs of the line other than position and text.
    fields: Vec<(String, String)>,
    line: String,
}

impl Item {
    fn style(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The line without position, text, font or size: what [`edit`] does not
    /// describe on its own.
    fn shape(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .filter(|(k, _)| !["font", "size", "scale", "width"].contains(&k.as_str()))
            .cloned()
            .collect()
    }
}

fn parse(dump: &str) -> Vec<ListPage> {
    let mut pages: Vec<ListPage> = Vec::new();
    for line in dump.lines() {
        if let Some(rest) = line.strip_prefix("page ") {
            // page N WxHmm background KEY
            let words: Vec<&str> = rest.split_whitespace().collect();
            pages.push(ListPage {
                size: words.get(1).unwrap_or(&"").to_string(),
                background: words.get(3).unwrap_or(&"").to_string(),
                items: Vec::new(),
            });
        } else if let Some(page) = pages.last_mut() {
            if let Some(item) = parse_item(line.trim_start()) {
                page.items.push(item);
            }
        }
    }
    pages
}

/// Reads `text ID at X,Y size S scale H width W font F "…"`, `path ID bounds X,Y WxH
/// ops N [fill] [stroke]` or `image ID at X,Y WxH pixels PxQ`. A line of another
/// form keeps only its text, so that it still compares.
fn parse_item(line: &str) -> Option<Item> {
    let (head, text) = match line.find(" \"") {
        Some(i) if line.starts_with("text ") => (&line[..i], Some(unescape(&line[i + 1..]))),
        _ => (line, None),
    };
    let words: Vec<&str> = head.split_whitespace().collect();
    let element = words.get(1)?.to_string();
    let pair = |s: &str, sep: char| -> Option<(f32, f32)> {
        let (a, b) = s.split_once(sep)?;
        Some((a.parse().ok()?, b.parse().ok()?))
    };
    let keyed = |from: usize| -> Vec<(String, String)> {
        let mut fields = Vec::new();
        let mut rest = words[from.min(words.len())..].iter();
        while let Some(key) = rest.next() {
            match *key {
                "fill" | "stroke" => fields.push((key.to_string(), String::new())),
                _ => fields.push((key.to_string(), rest.next().unwrap_or(&"").to_string())),
            }
        }
        fields
    };
    let parsed = match words.as_slice() {
        ["text", _, "at", at, ..] => pair(at, ',').and_then(|(x, baseline)| {
            let fields = keyed(4);
            let get = |k: &str| {
                fields
                    .iter()
                    .find(|(key, _)| key == k)
                    .and_then(|(_, v)| v.parse::<f32>().ok())
            };
            let em = get("size")? / PT_PER_MM;
            // Glyphs of BIZ UD fonts rise about 0.88 em above the baseline.
            let rect = MmRect {
                x,
                y: baseline - 0.88 * em,
                width: get("width")?,
                height: em,
            };
            Some((rect, fields))
        }),
        ["path" | "image", _, "at" | "bounds", at, size, ..] => pair(at, ',')
            .zip(pair(size, 'x'))
            .map(|((x, y), (width, height))| {
                (
                    MmRect {
                        x,
                        y,
                        width,
                        height,
                    },
                    keyed(5),
                )
            }),
        _ => None,
    };
    let (rect, mut fields) = parsed.unwrap_or_else(|| {
        (
            MmRect {
                x: 0.0,
                y: 0.0,
                width: 0.0,
                height: 0.0,
            },
            vec![("line".into(), line.into())],
        )
    });
    fields.insert(0, ("kind".into(), words[0].into()));
    Some(Item {
        element,
        rect,
        text,
        fields,
        line: line.to_string(),
    })
}

/// Reads back a string written with `{:?}`.
fn unescape(quoted: &str) -> String {
    let inner = quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(quoted);
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('u') => {
                let code: String = chars.by_ref().skip(1).take_while(|&c| c != '}').collect();
                out.extend(u32::from_str_radix(&code, 16).ok().and_then(char::from_u32));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOLDEN: &str = "page 1 85.60x53.98mm background kokuho-kakuninsho#front
  path frame bounds 1.20,1.20 83.20x51.58 ops 10 stroke
  text name at 18.20,21.28 size 9 scale 1.000 width 14.29 font gothic-bold \"佐藤 太郎\"
  text issue-date at 18.20,33.20 size 7 scale 1.000 width 17.64 font gothic \"令和7年8月1日\"
  image seal at 74.00,43.58 8.80x8.80 pixels 240x240
";

    fn changed(golden: &str, new: &str) -> Vec<String> {
        diff(golden, new).lines()
    }

    #[test]
    fn the_same_dump_has_no_changes() {
        assert!(diff(GOLDEN, GOLDEN).is_empty());
    }

    #[test]
    fn a_moved_text_names_its_element_and_displacement() {
        let new = GOLDEN.replace("name at 18.20,21.28", "name at 19.40,21.28");
        let d = diff(GOLDEN, &new);
        assert_eq!(d.lines(), ["name: moved +1.20 mm right, +0.00 mm down"]);
        let Change::Changed(edit) = &d.elements[0].change else {
            panic!("{d:?}")
        };
        let (dx, dy) = edit.moved.unwrap();
        assert!((dx - 1.2).abs() < 1e-4 && dy == 0.0, "{dx} {dy}");
    }

    #[test]
    fn a_text_change_gives_both_texts_and_widths() {
        let new = GOLDEN.replace(
            "width 14.29 font gothic-bold \"佐藤 太郎\"",
            "width 20.64 font gothic-bold \"佐藤 花子\\u{3000}様\"",
        );
        assert_eq!(
            changed(GOLDEN, &new),
            ["name: size 14.29×3.17 → 20.64×3.17 mm; text 佐藤 太郎 → 佐藤 花子\u{3000}様"]
        );
    }

    #[test]
    fn style_changes_are_named() {
        let new = GOLDEN.replace(
            "size 7 scale 1.000 width 17.64 font gothic ",
            "size 7 scale 0.870 width 15.35 font gothic-bold ",
        );
        assert_eq!(changed(GOLDEN, &new), ["issue-date: size 17.64×2.47 → 15.35×2.47 mm; font gothic → gothic-bold; scale 1.000 → 0.870"]);
    }

    #[test]
    fn added_removed_and_redrawn_elements() {
        let new = GOLDEN
            .replace("  image seal at 74.00,43.58 8.80x8.80 pixels 240x240\n", "")
            .replace("ops 10 stroke", "ops 12 stroke")
            + "  path portal-qr bounds 91.00,184.10 28.00x28.00 ops 1 fill\n";
        assert_eq!(
            changed(GOLDEN, &new),
            [
                "frame: drawn differently",
                "portal-qr: added",
                "seal: removed"
            ]
        );
    }

    #[test]
    fn page_changes_come_first_and_later_pages_are_named() {
        let two = format!("{GOLDEN}page 2 85.60x53.98mm background kokuho-kakuninsho#back\n  text notes at 3.00,5.00 size 6 scale 1.000 width 10.00 font gothic \"注意\"\n");
        let moved = two
            .replace("notes at 3.00,5.00", "notes at 3.00,4.50")
            .replace("page 1 85.60x53.98mm", "page 1 86.00x53.98mm");
        assert_eq!(
            changed(&two, &moved),
            [
                "page 1: size 85.60x53.98mm → 86.00x53.98mm",
                "notes (page 2): moved +0.00 mm right, -0.50 mm down"
            ]
        );
        assert_eq!(changed(GOLDEN, &two), ["page 2: added"]);
    }

    #[test]
    fn ignored_elements_are_marked_and_do_not_count() {
        let new = GOLDEN.replace("令和7年8月1日", "令和8年8月1日");
        let mut d = diff(GOLDEN, &new);
        assert!(!d.only_ignored());
        d.ignore(&["issue-date".to_string()]);
        assert!(d.only_ignored());
        assert_eq!(
            d.lines(),
            ["issue-date: text 令和7年8月1日 → 令和8年8月1日 (ignored)"]
        );
    }

    #[test]
    fn boxes_cover_text_from_above_the_baseline() {
        let b = boxes(GOLDEN, 1, &["name".to_string(), "seal".to_string()]);
        assert_eq!(b.len(), 2);
        assert!((b[0].y + b[0].height * 0.88 - 21.28).abs() < 1e-3, "{b:?}");
        assert_eq!(
            b[1],
            MmRect {
                x: 74.0,
                y: 43.58,
                width: 8.8,
                height: 8.8
            }
        );
        assert!(boxes(GOLDEN, 2, &["name".to_string()]).is_empty());
    }

    #[test]
    fn unescapes_debug_strings() {
        assert_eq!(unescape(r#""a\"b\\c\u{3000}d\n""#), "a\"b\\c\u{3000}d\n");
    }
}
