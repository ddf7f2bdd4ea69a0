//! The golden report: one folder a designer opens after `shikaku golden check`.
//!
//! For each case that differs: the new PDF beside a copy of the golden one, each
//! page of both as PNG with a diff image between them, the layout elements that
//! changed with their displacement in mm, and `index.html` showing all of it side
//! by side. A case without golden files gets its new PDF and page images.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::raster::{self, PageDiff, COMPARE_DPI};
use super::{golden_paths, Case, Outcome, Rendered};

/// Marks an index.html as ours, so that a later run may clear its folder.
const MARKER: &str = "<!-- shikaku golden report -->";

/// A report being written.
#[derive(Debug)]
pub struct Report {
    dir: PathBuf,
    golden: PathBuf,
    contents: Vec<(String, &'static str)>,
    sections: String,
}

impl Report {
    /// Starts a report in `dir`, removing an earlier report there. A folder that
    /// holds anything but an earlier report is refused rather than emptied.
    pub fn create(dir: &Path, golden: &Path) -> Result<Report, String> {
        if dir.exists() {
            let ours = std::fs::read_to_string(dir.join("index.html"))
                .is_ok_and(|t| t.starts_with(MARKER));
            let empty = std::fs::read_dir(dir)
                .map_err(|e| format!("failed to read {} ({e})", dir.display()))?
                .next()
                .is_none();
            if !ours && !empty {
                return Err(format!(
                    "failed to clear the report folder {} (it holds files that are not a golden report)\n  hint: pass --report with a new or empty folder",
                    dir.display()
                ));
            }
            if ours {
                std::fs::remove_dir_all(dir)
                    .map_err(|e| format!("failed to clear {} ({e})", dir.display()))?;
            }
        }
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("failed to create {} ({e})", dir.display()))?;
        Ok(Report {
            dir: dir.to_path_buf(),
            golden: golden.to_path_buf(),
            contents: Vec::new(),
            sections: String::new(),
        })
    }

    /// The folder the report is written to.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Adds a case's outcome: files and a section for one that differs, has no
    /// golden files or differs only in ignored elements; nothing for one that is the same.
    pub fn add(
        &mut self,
        case: &Case,
        rendered: &Rendered,
        outcome: &Outcome,
    ) -> Result<(), String> {
        match outcome {
            Outcome::Same | Outcome::Updated(_) => Ok(()),
            Outcome::Ignored(changes) => {
                let items: Vec<String> = changes.iter().map(|c| c.to_string()).collect();
                self.section(
                    &case.name,
                    "same apart from ignored elements",
                    "",
                    &items,
                    &[],
                );
                self.contents.push((case.name.clone(), "ignored"));
                Ok(())
            }
            Outcome::Missing => {
                let folder = self.case_dir(case)?;
                write(&folder.join("new.pdf"), &rendered.pdf)?;
                let pages: Vec<PageDiff> = raster::rasterize(&rendered.pdf, COMPARE_DPI)?
                    .into_iter()
                    .enumerate()
                    .map(|(i, image)| raster::compare(i + 1, None, Some(image), &[]))
                    .collect();
                self.images(case, &pages)?;
                let note = "no golden files yet: check the new rendering, then bless it with <code>shikaku golden update NAME</code>";
                self.section(&case.name, "missing", note, &[], &pages);
                self.contents.push((case.name.clone(), "missing"));
                Ok(())
            }
            Outcome::Differs(difference) => {
                let folder = self.case_dir(case)?;
                write(&folder.join("new.pdf"), &rendered.pdf)?;
                let (golden_pdf, _) = golden_paths(&self.golden, case);
                std::fs::copy(&golden_pdf, folder.join("golden.pdf"))
                    .map_err(|e| format!("failed to copy {} ({e})", golden_pdf.display()))?;
                self.images(case, &difference.pages)?;
                let items = difference.list.lines();
                let mut text = format!("{}\n\n", difference.cause);
                for line in &items {
                    let _ = writeln!(text, "{line}");
                }
                let _ = writeln!(text, "\ndisplay list, golden (-) and new (+):");
                for line in &difference.lines {
                    let _ = writeln!(text, "{line}");
                }
                write(&folder.join("changes.txt"), text.as_bytes())?;
                self.section(
                    &case.name,
                    "changed",
                    &escape(&difference.cause.to_string()),
                    &items,
                    &difference.pages,
                );
                self.contents.push((case.name.clone(), "changed"));
                Ok(())
            }
        }
    }

    /// Adds a case that could not be loaded or rendered.
    pub fn add_error(&mut self, name: &str, error: &str) {
        let _ = writeln!(self.sections, "<section id=\"{0}\"><h2>{0} <span class=\"status failed\">failed</span></h2><pre>{1}</pre></section>", escape(name), escape(error));
        self.contents.push((name.to_string(), "failed"));
    }

    /// Writes index.html headed by `summary`, and returns its path.
    pub fn finish(self, summary: &str) -> Result<PathBuf, String> {
        let mut html = format!("{MARKER}\n<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>golden check: {0}</title>\n<style>{STYLE}</style></head>\n<body><h1>shikaku golden check</h1><p class=\"summary\">{0}</p>\n", escape(summary));
        if !self.contents.is_empty() {
            html.push_str("<ul class=\"contents\">");
            for (name, status) in &self.contents {
                let _ = write!(html, "<li><a href=\"#{0}\">{0}</a> <span class=\"status {status}\">{status}</span></li>", escape(name));
            }
            html.push_str("</ul>\n");
        }
        html.push_str(&self.sections);
        html.push_str("</body></html>\n");
        let path = self.dir.join("index.html");
        write(&path, html.as_bytes())?;
        Ok(path)
    }

    fn case_dir(&self, case: &Case) -> Result<PathBuf, String> {
        let folder = self.dir.join(&case.name);
        std::fs::create_dir_all(&folder)
            .map_err(|e| format!("failed to create {} ({e})", folder.display()))?;
        Ok(folder)
    }

    fn images(&self, case: &Case, pages: &[PageDiff]) -> Result<(), String> {
        let folder = self.dir.join(&case.name);
        for page in pages {
            let n = page.page;
            if let Some(golden) = &page.golden {
                write(
                    &folder.join(format!("golden-{n}.png")),
                    &raster::encode_png(golden)?,
                )?;
            }
            if let Some(new) = &page.new {
                write(
                    &folder.join(format!("new-{n}.png")),
                    &raster::encode_png(new)?,
                )?;
            }
            if page.golden.is_some() {
                write(
                    &folder.join(format!("diff-{n}.png")),
                    &raster::encode_png(&page.diff)?,
                )?;
            }
        }
        Ok(())
    }

    fn section(
        &mut self,
        name: &str,
        status: &str,
        note: &str,
        items: &[String],
        pages: &[PageDiff],
    ) {
        let class = status.split_whitespace().next().unwrap_or(status);
        let n = escape(name);
        let s = &mut self.sections;
        let _ = writeln!(
            s,
            "<section id=\"{n}\"><h2>{n} <span class=\"status {class}\">{}</span></h2>",
            escape(status)
        );
        if !note.is_empty() {
            let _ = writeln!(s, "<p>{note}</p>");
        }
        if !items.is_empty() {
            s.push_str("<ul class=\"elements\">");
            for item in items {
                let (id, rest) = item.split_once(": ").unwrap_or((item, ""));
                let _ = write!(s, "<li><code>{}</code>: {}</li>", escape(id), escape(rest));
            }
            s.push_str("</ul>\n");
        }
        if pages.is_empty() {
            s.push_str("</section>\n");
            return;
        }
        let has_golden = pages.iter().any(|p| p.golden.is_some());
        let _ = write!(s, "<p class=\"files\"><a href=\"{n}/new.pdf\">new PDF</a>");
        if has_golden {
            let _ = write!(s, " · <a href=\"{n}/golden.pdf\">golden PDF</a> · <a href=\"{n}/changes.txt\">changes.txt</a>");
        }
        s.push_str("</p>\n");
        for page in pages {
            let p = page.page;
            // A page without changes is folded away: the card's back, usually.
            let unchanged = has_golden && page.changed == 0;
            if unchanged {
                let _ = write!(s, "<details><summary>page {p}: no pixels changed, {} masked</summary>\n<div class=\"row\">", page.masked);
            } else if has_golden {
                let _ = write!(
                    s,
                    "<h3>page {p}: {} pixels changed, {} masked</h3>\n<div class=\"row\">",
                    page.changed, page.masked
                );
            } else {
                let _ = write!(s, "<h3>page {p}</h3>\n<div class=\"row\">");
            }
            let figure = |s: &mut String, file: Option<String>, caption: &str| match file {
                Some(file) => {
                    let _ = write!(s, "<figure><a href=\"{file}\"><img src=\"{file}\" alt=\"{caption}\"></a><figcaption>{caption}</figcaption></figure>");
                }
                None => {
                    let _ = write!(s, "<figure class=\"none\"><div>no page {p}</div><figcaption>{caption}</figcaption></figure>");
                }
            };
            if has_golden {
                figure(
                    s,
                    page.golden.as_ref().map(|_| format!("{n}/golden-{p}.png")),
                    "golden",
                );
            }
            figure(
                s,
                page.new.as_ref().map(|_| format!("{n}/new-{p}.png")),
                "new",
            );
            if has_golden {
                figure(
                    s,
                    Some(format!("{n}/diff-{p}.png")),
                    "diff: changed red, ignored blue",
                );
            }
            s.push_str(if unchanged {
                "</div></details>\n"
            } else {
                "</div>\n"
            });
        }
        s.push_str("</section>\n");
    }
}

const STYLE: &str = "body{font-family:sans-serif;margin:1.5em;color:#222}\
section{border-top:1px solid #ccc;margin-top:2em}\
.summary{font-size:1.2em}\
.status{font-size:.7em;padding:.1em .5em;border-radius:.3em;color:#fff;background:#888;vertical-align:middle}\
.changed,.failed{background:#c00}.missing{background:#c70}.ignored,.same{background:#36c}\
.row{display:flex;gap:1em;align-items:flex-start}\
figure{margin:0;flex:1;min-width:0}figure img{width:100%;border:1px solid #999;image-rendering:pixelated}\
figure.none div{border:1px dashed #999;padding:3em 1em;text-align:center;color:#999}\
figcaption{text-align:center;color:#555}\
ul.elements li{margin:.2em 0}details{margin:1em 0}summary{cursor:pointer;font-weight:bold}code{background:#eee;padding:0 .2em}";

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("failed to write {} ({e})", path.display()))
}

/// Escapes text for HTML.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("shikaku-report-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn escapes_html() {
        assert_eq!(
            escape("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn clears_an_earlier_report_but_not_other_folders() {
        let dir = temp("clear");
        let mut report = Report::create(&dir, Path::new("golden")).unwrap();
        report.add_error("card/x", "failed to read case <x>");
        let index = report.finish("1 cases: 1 failed").unwrap();
        let html = std::fs::read_to_string(&index).unwrap();
        assert!(html.contains("failed to read case &lt;x&gt;"), "{html}");
        std::fs::write(dir.join("stale.png"), b"").unwrap();
        Report::create(&dir, Path::new("golden")).unwrap();
        assert!(
            !dir.join("stale.png").exists(),
            "an earlier report is cleared"
        );

        let other = temp("other");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(other.join("notes.txt"), b"mine").unwrap();
        let err = Report::create(&other, Path::new("golden")).unwrap_err();
        assert!(
            err.contains("not a golden report") && err.contains("hint:"),
            "{err}"
        );
        assert!(other.join("notes.txt").exists());
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&other);
    }
}
