#!/usr/bin/env python3
"""Writes the two sample exports in samples/profiles/ from samples/records.csv.

    python3 samples/profiles/make.py [RECORDS.csv OUT_DIR]

(bench/read.sh uses the arguments to write the same exports of a large generated file.)

- kokuho-host.dat: fixed-width CP932 records of 350 bytes with CRLF, as a host system exports
  them: codes (制度区分, 性別, flags), 元号コード dates, half-width katakana, padding with
  full-width spaces in 漢字 columns. Read with kokuho-host.toml.
- kokuho-export.csv: CSV in UTF-8 with a byte order mark (Excel's 「CSV UTF-8」), Japanese
  headers, 氏 and 名 apart, 和暦 dates, 有/無 and ○ flags. Read with kokuho-export.toml.

Both hold the members of samples/records.csv. One name cannot go into CP932: 葛󠄀 (U+845B with
the variation selector U+E0100) has no Shift_JIS code, so the host export holds it as the 外字
code 0xF040, which decodes to the private-use U+E000 and is refused until a 外字 map turns it
back into 葛󠄀.
"""
import csv
import os
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ERAS = [("1", 1868), ("2", 1912), ("3", 1926), ("4", 1989), ("5", 2019)]
ERA_FIRST = ["1868-01-25", "1912-07-30", "1926-12-25", "1989-01-08", "2019-05-01"]
ERA_NAMES = ["明治", "大正", "昭和", "平成", "令和"]
GAIJI = {"葛\U000E0100": "\ue000"}


def era_index(iso):
    return max(i for i, first in enumerate(ERA_FIRST) if iso >= first)


def era_code(iso):
    if not iso:
        return "0000000"
    i = era_index(iso)
    y, m, d = iso.split("-")
    return f"{ERAS[i][0]}{int(y) - ERAS[i][1] + 1:02}{m}{d}"


def wareki(iso):
    if not iso:
        return ""
    i = era_index(iso)
    y, m, d = (int(p) for p in iso.split("-"))
    year = y - ERAS[i][1] + 1
    return f"{ERA_NAMES[i]}{'元' if year == 1 else year}年{m}月{d}日"


def half_width(kana):
    """Full-width katakana → half-width, as host systems store フリガナ."""
    out = []
    for c in kana:
        if c == " ":
            out.append(" ")
            continue
        decomposed = unicodedata.normalize("NFD", c)
        base, marks = decomposed[0], decomposed[1:]
        for h in map(chr, range(0xFF61, 0xFFA0)):
            if unicodedata.normalize("NFKC", h) == base:
                out.append(h)
                break
        else:
            raise ValueError(f"no half-width form for {c!r}")
        out.extend({"\u3099": "ﾞ", "\u309a": "ﾟ"}[m] for m in marks)
    return "".join(out)


def pad(text, width, kanji=False):
    """CP932 bytes padded to width: full-width spaces in 漢字 columns, then half-width."""
    for ivs, code in GAIJI.items():
        text = text.replace(ivs, code)
    # Python's cp932 has no user-defined area: write the 外字 code by hand.
    data = b"\xf0\x40".join(part.encode("cp932") for part in text.split("\ue000"))
    if len(data) > width:
        raise ValueError(f"{text!r} is wider than {width} bytes")
    fill = width - len(data)
    if kanji:
        data += "\u3000".encode("cp932") * (fill // 2)
        fill %= 2
    return data + b" " * fill


def flag(value):
    return "1" if value == "true" else "0"


def fixed(row):
    family, _, given = row["name"].partition(" ")
    fields = [
        pad(row["record_id"], 10),
        pad("1" if row["scheme"] == "kokuho" else "2", 1),
        pad(row["insurer_number"], 8),
        pad(row["symbol"], 10, kanji=True),
        pad(row["number"], 10),
        pad(row["branch"], 2),
        pad(family, 16, kanji=True),
        pad(given, 16, kanji=True),
        pad(half_width(row["name_kana"]), 30),
        pad("1" if row["sex"] == "男" else "2", 1),
        pad(era_code(row["birth_date"]), 7),
        pad(row["postal_code"].replace("-", ""), 7),
        pad(row["address"], 160, kanji=True),
        pad(row["householder_name"], 32, kanji=True),
        pad(row["qualified_date"].replace("-", ""), 8),
        pad(era_code(row["issue_date"]), 7),
        pad(flag(row["has_myna_hoken"]), 1),
        pad(row["copay_ratio"], 1),
        pad(row["residence_expiry"].replace("-", "") or "00000000", 8),
        pad(flag(row["special_medical"]), 1),
        pad(flag(row["certificate_requested"]), 1),
        pad(row["household_id"], 10),
    ]
    record = b"".join(fields)
    return record + b" " * (350 - len(record))


def export_row(row):
    family, _, given = row["name"].partition(" ")
    return [
        row["record_id"],
        "国保" if row["scheme"] == "kokuho" else "後期",
        row["insurer_number"],
        row["symbol"],
        row["number"],
        row["branch"],
        family,
        given,
        row["name_kana"],
        row["sex"],
        wareki(row["birth_date"]),
        row["postal_code"],
        row["address"],
        row["householder_name"],
        wareki(row["qualified_date"]),
        wareki(row["issue_date"]),
        "有" if row["has_myna_hoken"] == "true" else "無",
        f"{row['copay_ratio']}割" if row["copay_ratio"] else "",
        wareki(row["residence_expiry"]),
        "○" if row["special_medical"] == "true" else "",
        "○" if row["certificate_requested"] == "true" else "",
        row["household_id"],
    ]


HEADER = ["宛名番号", "制度", "保険者番号", "記号", "番号", "枝番", "氏", "名", "カナ氏名", "性別",
          "生年月日", "郵便番号", "住所", "世帯主氏名", "資格取得日", "交付日", "マイナ保険証",
          "負担割合", "在留期限", "特別療養費", "資格確認書申請", "世帯番号"]


def main():
    source, out = (sys.argv[1], sys.argv[2]) if len(sys.argv) == 3 else (os.path.join(ROOT, "samples/records.csv"), HERE)
    with open(source, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(out, "kokuho-host.dat"), "wb") as f:
        for row in rows:
            f.write(fixed(row) + b"\r\n")
    with open(os.path.join(out, "kokuho-export.csv"), "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows(export_row(row) for row in rows)


if __name__ == "__main__":
    main()
