//! Layout preflight: what a print shop would query in a layout, found before anything is printed.
//!
//! The layout parser refuses what cannot be drawn at all; these checks find what can be drawn but
//! may not print well: hairlines that break up or vanish, text too small or too squeezed to read,
//! elements so near a cut card's trim that a cut a little off reaches them (or, on office paper,
//! inside the band a printer cannot print), and text boxes that overlap. They are warnings: a
//! designer may keep a finding on purpose. `shikaku lint` reports them, and `render --layout` and
//! `preview` print them when they load a layout. The limits and why are in docs/print.md.

use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::diag::toml_position;
use crate::display::Rect;
use crate::layout::{bounds, mm, Element, ElementKind, Layout, TextDef, PT_PER_MM};

/// The limits the checks hold a layout to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LintOptions {
    /// The thinnest line or outline, in points. Default 0.1 mm (0.28 pt): thinner rules break up or
    /// vanish on presses and toner printers, and renderers disagree on them.
    pub min_line: f32,
    /// The smallest font size text may be drawn at (its fit rule's `min_size`), in points.
    /// Default 5 pt, about the smallest that stays legible in Japanese on card stock.
    pub min_text: f32,
    /// The narrowest horizontal scale (長体) text may be squeezed to. Default 0.7: below 70 %
    /// kanji strokes run together.
    pub min_squeeze: f32,
    /// How far inside a cut card's trim everything must stay, in points. Default 3 mm: guillotines
    /// and duplex registration are good to about a millimetre, and a margin that looks even.
    pub safe_area: f32,
    /// How far from the edge of an uncut page (A4 notices, carrier sheets) everything must stay, in
    /// points. Default 5 mm: what office printers cannot print.
    pub printable_margin: f32,
}

impl Default for LintOptions {
    fn default() -> LintOptions {
        LintOptions {
            min_line: mm(0.1),
            min_text: 5.0,
            min_squeeze: 0.7,
            safe_area: mm(3.0),
            printable_margin: mm(5.0),
        }
    }
}

/// Which check a finding comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A line or outline thinner than [`LintOptions::min_line`].
    ThinLine,
    /// Text that can be drawn below [`LintOptions::min_text`].
    SmallText,
    /// Text that can be squeezed below [`LintOptions::min_squeeze`].
    Squeezed,
    /// An element outside the safe area or the printable margin.
    NearEdge,
    /// Two text boxes that overlap on a page where both can be drawn.
    Overlap,
}

/// One thing a print shop would query, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The check.
    pub rule: Rule,
    /// The element's id.
    pub element: String,
    /// 1-based line and column of the element in the layout file ((1, 1) when unknown).
    pub position: (usize, usize),
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: String,
}

impl Finding {
    /// The finding as `file:line:col: message` with its hint on a line of its own.
    pub fn display(&self, file: &str) -> String {
        format!(
            "{file}:{}:{}: {}\n  hint: {}",
            self.position.0, self.position.1, self.message, self.hint
        )
    }
}

/// Largest page that is a cut card or postcard (in either orientation), in mm: ID-1 cards and
/// はがき (100 × 148) are cut from sheets, A4 notices and carriers are not.
const CUT_PAGE_MAX: (f32, f32) = (110.0, 160.0);

/// Checks a layout. `source` is its TOML text, to give each finding its line; without it findings
/// point at (1, 1).
pub fn lint(layout: &Layout, source: Option<&str>, options: &LintOptions) -> Vec<Finding> {
    let spans = source.map(element_spans).unwrap_or_default();
    let position = |id: &str| {
        spans
            .iter()
            .find(|(i, _)| i == id)
            .map_or((1, 1), |(_, span)| {
                toml_position(source.unwrap_or(""), Some(span.clone()))
            })
    };
    let mut findings = Vec::new();
    let mut add = |rule: Rule, element: &Element, message: String, hint: String| {
        findings.push(Finding {
            rule,
            element: element.id().to_string(),
            position: position(element.id()),
            message,
            hint,
        });
    };
    let (margin, area) = inset(layout, options);
    for page in layout.pages() {
        for element in page.elements() {
            let id = element.id();
            if let Some(width) = line_width(element).filter(|&w| w < options.min_line - 1e-4) {
                add(
                    Rule::ThinLine,
                    element,
                    format!(
                        "line `{id}` is {width} pt ({:.3} mm) wide, thinner than {:.2} mm",
                        width / PT_PER_MM,
                        options.min_line / PT_PER_MM
                    ),
                    format!(
                        "make it at least {:.2} pt wide",
                        (options.min_line * 100.0).ceil() / 100.0
                    ),
                );
            }
            for text in texts(element) {
                if text.fit.min_size < options.min_text - 1e-4 {
                    add(
                        Rule::SmallText,
                        element,
                        format!(
                            "text `{id}` can be drawn at {} pt, below {} pt",
                            text.fit.min_size, options.min_text
                        ),
                        format!("raise `size` (and `fit.min_size`) to {} pt or more, or give the text more room", options.min_text),
                    );
                }
                if text.fit.min_h_scale < options.min_squeeze - 1e-4 {
                    add(
                        Rule::Squeezed,
                        element,
                        format!(
                            "text `{id}` can be squeezed to {:.0}%, below {:.0}%",
                            text.fit.min_h_scale * 100.0,
                            options.min_squeeze * 100.0
                        ),
                        format!("set `fit.squeeze` to {} or more, and let the text shrink (`fit.min_size`) or wrap (`fit.lines`) instead", options.min_squeeze),
                    );
                }
            }
            if let Some(r) = bounds(element).into_iter().find(|r| !within(r, &area)) {
                add(
                    Rule::NearEdge,
                    element,
                    format!(
                        "element `{id}` comes within {:.2} mm of the page edge, inside the {margin}",
                        edge_distance(&r, layout) / PT_PER_MM
                    ),
                    "move it inward, or make it smaller".into(),
                );
            }
        }
        for (i, a) in page.elements().iter().enumerate() {
            for b in &page.elements()[i + 1..] {
                if exclusive(a, b) {
                    continue;
                }
                let overlap = texts(a)
                    .iter()
                    .any(|x| texts(b).iter().any(|y| overlaps(&x.rect, &y.rect)));
                if overlap {
                    add(
                        Rule::Overlap,
                        b,
                        format!("text box `{}` overlaps text box `{}`", b.id(), a.id()),
                        "move or shrink one of them: text fitted into each box may print over the other's".into(),
                    );
                }
            }
        }
    }
    findings.sort_by_key(|f| f.position);
    findings
}

/// The area everything must stay in, and how to name it: the safe area of a cut card, or the
/// printable area of an uncut page.
fn inset(layout: &Layout, options: &LintOptions) -> (String, Rect) {
    let size = layout.size();
    let (w, h) = (size.width / PT_PER_MM, size.height / PT_PER_MM);
    let cut = (w <= CUT_PAGE_MAX.0 && h <= CUT_PAGE_MAX.1)
        || (w <= CUT_PAGE_MAX.1 && h <= CUT_PAGE_MAX.0);
    let (d, name) = if cut {
        (options.safe_area, "safe area of a cut card")
    } else {
        (
            options.printable_margin,
            "margin office printers cannot print",
        )
    };
    let area = Rect {
        x: d,
        y: d,
        width: size.width - 2.0 * d,
        height: size.height - 2.0 * d,
    };
    (format!("{:.1} mm {name}", d / PT_PER_MM), area)
}

/// How near a box comes to the nearest page edge, in points.
fn edge_distance(r: &Rect, layout: &Layout) -> f32 {
    let size = layout.size();
    [
        r.x,
        r.y,
        size.width - r.x - r.width,
        size.height - r.y - r.height,
    ]
    .into_iter()
    .fold(f32::MAX, f32::min)
    .max(0.0)
}

/// The width of an element's line or outline, if it draws one.
fn line_width(element: &Element) -> Option<f32> {
    match element.kind() {
        ElementKind::Line(l) => Some(l.width),
        ElementKind::CutLine(c) => Some(c.line.width),
        ElementKind::Rect(r) if r.stroke_width > 0.0 => Some(r.stroke_width),
        _ => None,
    }
}

/// The text boxes of an element: a text element's, a cut line's caption.
fn texts(element: &Element) -> Vec<&TextDef> {
    match element.kind() {
        ElementKind::Text(t) => vec![t],
        ElementKind::CutLine(c) => c.caption.iter().collect(),
        _ => Vec::new(),
    }
}

/// Whether two elements are never drawn together: one needs a value set that the other needs unset.
fn exclusive(a: &Element, b: &Element) -> bool {
    a.when().iter().any(|x| {
        b.when()
            .iter()
            .any(|y| x.field == y.field && x.negate != y.negate)
    })
}

/// Overlap by more than 0.01 mm: boxes that merely touch are fine.
fn overlaps(a: &Rect, b: &Rect) -> bool {
    let e = mm(0.01);
    a.x < b.x + b.width - e
        && b.x < a.x + a.width - e
        && a.y < b.y + b.height - e
        && b.y < a.y + a.height - e
}

fn within(r: &Rect, area: &Rect) -> bool {
    let e = mm(0.01);
    r.x >= area.x - e
        && r.y >= area.y - e
        && r.x + r.width <= area.x + area.width + e
        && r.y + r.height <= area.y + area.height + e
}

/// Each element's id with the span of its table in the TOML text, read loosely (the layout has
/// already been parsed strictly).
fn element_spans(source: &str) -> Vec<(String, Range<usize>)> {
    #[derive(Deserialize)]
    struct Loose {
        #[serde(default)]
        page: Vec<LoosePage>,
    }
    #[derive(Deserialize)]
    struct LoosePage {
        #[serde(default)]
        element: Vec<Spanned<LooseElement>>,
    }
    #[derive(Deserialize)]
    struct LooseElement {
        id: String,
    }
    let Ok(loose) = toml::from_str::<Loose>(source) else {
        return Vec::new();
    };
    loose
        .page
        .into_iter()
        .flat_map(|p| p.element)
        .map(|e| {
            let span = e.span();
            (e.into_inner().id, span)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::bundled_names;

    const CARD: &str = r##"
name = "t"
document = "kakuninsho"
scheme = "kokuho"
width = 85.6
height = 53.98

[[page]]
name = "front"

[[page.element]]
kind = "text"
id = "name"
text = "{name}"
x = 5
y = 5
w = 40
h = 5
size = 8
"##;

    fn findings(extra: &str) -> Vec<(Rule, String, usize, String)> {
        let text = format!("{CARD}{extra}");
        let layout = Layout::from_toml(&text, "t.toml", None).unwrap();
        lint(&layout, Some(&text), &LintOptions::default())
            .into_iter()
            .map(|f| (f.rule, f.element, f.position.0, f.message))
            .collect()
    }

    #[test]
    fn a_clean_layout_has_no_findings() {
        assert_eq!(findings(""), []);
    }

    #[test]
    fn a_hairline_is_found_with_its_line() {
        let f = findings("\n[[page.element]]\nkind = \"line\"\nid = \"rule\"\nfrom = [5, 20]\nto = [50, 20]\nwidth = 0.15\n");
        assert_eq!(
            f,
            [(
                Rule::ThinLine,
                "rule".into(),
                21,
                "line `rule` is 0.15 pt (0.053 mm) wide, thinner than 0.10 mm".into()
            )]
        );
        // A rectangle without an outline draws no line.
        assert_eq!(findings("\n[[page.element]]\nkind = \"rect\"\nid = \"box\"\nx = 5\ny = 20\nw = 10\nh = 10\nstroke = 0\nfill = \"#eeeeee\"\n"), []);
    }

    #[test]
    fn small_and_squeezed_text_are_found() {
        let text = CARD.replace(
            "size = 8",
            "size = 8\nfit = { squeeze = 0.6, min_size = 4.5 }",
        );
        let layout = Layout::from_toml(&text, "t.toml", None).unwrap();
        let rules: Vec<(Rule, String)> = lint(&layout, Some(&text), &LintOptions::default())
            .into_iter()
            .map(|f| (f.rule, f.message))
            .collect();
        assert_eq!(
            rules,
            [
                (
                    Rule::SmallText,
                    "text `name` can be drawn at 4.5 pt, below 5 pt".into()
                ),
                (
                    Rule::Squeezed,
                    "text `name` can be squeezed to 60%, below 70%".into()
                ),
            ]
        );
    }

    #[test]
    fn elements_near_a_cards_trim_are_found_and_a4_pages_use_the_printers_margin() {
        let f = findings("\n[[page.element]]\nkind = \"rect\"\nid = \"frame\"\nx = 1.2\ny = 1.2\nw = 83.2\nh = 51.58\n");
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].3,
            "element `frame` comes within 1.20 mm of the page edge, inside the 3.0 mm safe area of a cut card"
        );
        let a4 = CARD
            .replace("width = 85.6", "width = 210")
            .replace("height = 53.98", "height = 297")
            .replace("x = 5", "x = 4");
        let layout = Layout::from_toml(&a4, "t.toml", None).unwrap();
        let f = lint(&layout, Some(&a4), &LintOptions::default());
        assert_eq!(
            f[0].message,
            "element `name` comes within 4.00 mm of the page edge, inside the 5.0 mm margin office printers cannot print"
        );
    }

    #[test]
    fn overlapping_text_boxes_are_found_unless_never_drawn_together() {
        let other = "\n[[page.element]]\nkind = \"text\"\nid = \"kana\"\ntext = \"{name_kana}\"\nx = 30\ny = 8\nw = 20\nh = 4\n";
        let f = findings(other);
        assert_eq!(
            f,
            [(
                Rule::Overlap,
                "kana".into(),
                21,
                "text box `kana` overlaps text box `name`".into()
            )]
        );
        let exclusive = other.replace("h = 4\n", "h = 4\nwhen = \"!elderly\"\n");
        let text = CARD.replace("size = 8", "size = 8\nwhen = \"elderly\"");
        let layout = Layout::from_toml(&format!("{text}{exclusive}"), "t.toml", None).unwrap();
        assert_eq!(lint(&layout, None, &LintOptions::default()), []);
    }

    #[test]
    fn the_bundled_layouts_lint_clean() {
        for name in bundled_names() {
            let layout = Layout::load(name).unwrap();
            let source = crate::layout::bundled_source(name);
            let findings = lint(&layout, source, &LintOptions::default());
            let text: Vec<String> = findings
                .iter()
                .map(|f| f.display(&format!("layouts/{name}.toml")))
                .collect();
            assert!(findings.is_empty(), "{}", text.join("\n"));
        }
    }
}
