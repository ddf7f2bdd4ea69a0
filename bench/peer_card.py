#!/usr/bin/env python3
"""The peers' benchmark card in shikaku's terms, for a like-for-like comparison.

usage:
  peer_card.py layout LAYOUT.json OUTDIR    writes OUTDIR/card.toml and OUTDIR/issuers/*.toml
  peer_card.py records RECORDS.json OUT.csv converts the peers' records to shikaku's schema

The peers (Typst, ReportLab, pdfme: ../shared/peers) all read one layout.json and one
records file. This turns that layout into a shikaku layout with the same boxes, rules,
labels, sizes and fit rules (shrink to min_size, wrap up to `lines`), and their records
into shikaku records: 和暦 dates back to ISO, 記号/番号/枝番, 負担割合 as a number. Their
`expiry` column is not carried over: shikaku derives 有効期限 from the rules (render with
--cycle 2024, the cycle that holds their July 2025 issue dates). The seven municipalities
become seven issuer profiles with the peers' (fictional) insurer numbers.
"""
import csv
import json
import os
import re
import sys

FIELD = {"kigo": "{symbol}", "bango": "{number}", "edaban": "{branch}", "kana": "{name_kana}",
         "name": "{name}", "sex": "{sex}", "birth": "{birth_date|wareki}", "ratio": "{copay_ratio|wari}",
         "address": "{address}", "head": "{householder_name}", "start": "{qualified_date|wareki}",
         "issued": "{issue_date|wareki}", "expiry": "{expiry_date|wareki}", "insurer_no": "{insurer_number}",
         "issuer": "{issuer.name}"}
CITIES = {"高崎市": "102020", "前橋市": "101014", "伊勢崎市": "102038", "太田市": "102046",
          "桐生市": "102053", "渋川市": "102087", "藤岡市": "102095"}
ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925, "大正": 1911}


def q(s):
    return json.dumps(s, ensure_ascii=False)


def layout(src, outdir):
    d = json.load(open(src, encoding="utf-8"))
    out = ["# The peers' benchmark card (../shared/peers/layout.json), converted by bench/peer_card.py.",
           'name = "peer-card"', 'title = "資格確認書 (benchmark card)"', 'document = "kakuninsho"',
           'scheme = "kokuho"', f'width = {d["page"]["w"]}', f'height = {d["page"]["h"]}', 'font = "gothic"',
           "", "[[page]]", 'name = "front"', ""]
    b = d["border"]
    out += ["[[page.element]]", 'kind = "rect"', 'id = "border"', f'x = {b["x"]}', f'y = {b["y"]}',
            f'w = {b["w"]}', f'h = {b["h"]}', f'stroke = {b["width_pt"]}', ""]
    for i, (x1, y1, x2, y2) in enumerate(d["lines"]):
        out += ["[[page.element]]", 'kind = "line"', f'id = "rule-{i}"', f"from = [{x1}, {y1}]",
                f"to = [{x2}, {y2}]", f'width = {d["rule_width_pt"]}', ""]
    for i, s in enumerate(d["static"]):
        out += ["[[page.element]]", 'kind = "text"', f'id = "label-{i}"', f'text = {q(s["text"])}',
                f'x = {s["x"]}', f'y = {s["y"]}', f'w = {s["w"]}', f'h = {s["h"]}', f'size = {s["size"]}',
                f'align = "{s["align"]}"', ""]
    for f in d["fields"]:
        out += ["[[page.element]]", 'kind = "text"', f'id = "{f["key"]}"', f'text = {q(FIELD[f["key"]])}',
                f'x = {f["x"]}', f'y = {f["y"]}', f'w = {f["w"]}', f'h = {f["h"]}', f'size = {f["size"]}',
                f'align = "{f["align"]}"', f'fit = {{ min_size = {f["min_size"]}, lines = {f["lines"]} }}', ""]
    os.makedirs(os.path.join(outdir, "issuers"), exist_ok=True)
    open(os.path.join(outdir, "card.toml"), "w", encoding="utf-8").write("\n".join(out))
    for city, number in CITIES.items():
        path = os.path.join(outdir, "issuers", f"{number}.toml")
        open(path, "w", encoding="utf-8").write(
            f"# {city}: the peers' fictional municipality, for the benchmark card.\n"
            f'name = "{city}"\ninsurer_number = "{number}"\nprefecture = "群馬県"\n'
            "\n# The peers print the card alone: no cover letter (送付状), which would also need a\n"
            "# postal code the peers' records do not have.\n[mail]\ncover_letter = false\n")


def iso(wareki):
    m = re.fullmatch(r"(令和|平成|昭和|大正)(元|\d+)年(\d+)月(\d+)日", wareki)
    year = 1 if m.group(2) == "元" else int(m.group(2))
    return f"{ERAS[m.group(1)] + year:04d}-{int(m.group(3)):02d}-{int(m.group(4)):02d}"


def records(src, dst):
    recs = json.load(open(src, encoding="utf-8"))
    fields = ["record_id", "scheme", "insurer_number", "symbol", "number", "branch", "name", "name_kana", "sex",
              "birth_date", "address", "householder_name", "qualified_date", "issue_date", "has_myna_hoken",
              "copay_ratio"]
    with open(dst, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(fields)
        for i, r in enumerate(recs, 1):
            w.writerow([f"P{i:08d}", "kokuho", r["insurer_no"], r["kigo"], r["bango"], r["edaban"], r["name"],
                        r["kana"], r["sex"], iso(r["birth"]), r["address"], r["head"], iso(r["start"]),
                        iso(r["issued"]), "false", r["ratio"].rstrip("割")])


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("layout", "records"):
        sys.exit(__doc__)
    (layout if sys.argv[1] == "layout" else records)(sys.argv[2], sys.argv[3])
