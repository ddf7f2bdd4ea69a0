#!/usr/bin/env python3
"""Synthetic member records for benchmarks and scale tests, in shikaku's CSV schema.

usage: gen_records.py N OUT.csv [--seed S]

Deterministic: the same N and seed give the same file. Realistic where it matters
for rendering: households of 1–5 members sharing an address (one envelope), ages
from children to 90s (kokuho under 75, kouki from 75), 70–74 with 2割/3割, about 70%
マイナ保険証 holders, 2% 特別療養費, 3% foreign residents with a residence period,
names of 2–6 kanji (some katakana and Latin), addresses with building names, a
few extreme ones. Issuers: samples/issuers/takasaki.toml (国保) and
gunma-kouki.toml (後期).
"""
import csv
import datetime as dt
import random
import sys

FIELDS = ("record_id,scheme,insurer_number,symbol,number,branch,name,name_kana,sex,birth_date,postal_code,"
          "address,householder_name,qualified_date,issue_date,has_myna_hoken,copay_ratio,effective_date,"
          "expiry_date,residence_expiry,special_medical,certificate_requested,application_date,household_id,"
          "remarks").split(",")

SURNAMES = [("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"), ("伊藤", "イトウ"),
            ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"), ("小林", "コバヤシ"), ("加藤", "カトウ"),
            ("吉田", "ヨシダ"), ("山田", "ヤマダ"), ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"),
            ("井上", "イノウエ"), ("木村", "キムラ"), ("清水", "シミズ"), ("長谷川", "ハセガワ"), ("勅使河原", "テシガワラ"),
            ("五十嵐", "イガラシ"), ("小野寺", "オノデラ")]
GIVEN = [("太郎", "タロウ", "男"), ("一郎", "イチロウ", "男"), ("健", "ケン", "男"), ("誠", "マコト", "男"),
         ("大輔", "ダイスケ", "男"), ("翔太", "ショウタ", "男"), ("清", "キヨシ", "男"), ("正和", "マサカズ", "男"),
         ("花子", "ハナコ", "女"), ("和子", "カズコ", "女"), ("幸子", "サチコ", "女"), ("美咲", "ミサキ", "女"),
         ("陽菜", "ヒナ", "女"), ("恵美子", "エミコ", "女"), ("千代", "チヨ", "女"), ("左衛門之丞", "サエモンノジョウ", "男")]
FOREIGN = [("グエン ヴァン アイン", "グエン ヴァン アイン", "男"), ("SMITH JOHN", "スミス ジョン", "男"),
           ("LI MEI", "リ メイ", "女"), ("サントス マリア", "サントス マリア", "女")]
TOWNS = [("3700001", "群馬県高崎市中尾町"), ("3700831", "群馬県高崎市あら町"), ("3700862", "群馬県高崎市片岡町三丁目"),
         ("3703511", "群馬県高崎市金古町"), ("3703105", "群馬県高崎市箕郷町大字西明屋字金井沢"),
         ("3700046", "群馬県高崎市江木町"), ("3700849", "群馬県高崎市八島町"), ("3700073", "群馬県高崎市緑町四丁目"),
         ("3700065", "群馬県高崎市末広町"), ("3700012", "群馬県高崎市大沢町"), ("3710017", "群馬県前橋市日吉町二丁目")]
BUILDINGS = ["コーポ高崎", "メゾン中尾", "高崎駅前レジデンス", "ライオンズマンション高崎箕郷グランドステージ第二",
             "サンハイツ", "グリーンヒル片岡"]

CYCLE_START = dt.date(2025, 8, 1)


def birth_for_age(rng, age):
    day = rng.randrange(365)
    return CYCLE_START - dt.timedelta(days=int(age * 365.25) + day)


def address(rng, town):
    postal, base = town
    addr = f"{base}{rng.randint(1, 2500)}番地{rng.randint(1, 30)}"
    r = rng.random()
    if r < 0.45:
        addr += f" {rng.choice(BUILDINGS)}{rng.randint(1, 12)}0{rng.randint(1, 9)}号室"
    if r < 0.03:
        addr += " 山田様方"
    return postal, addr


def household(rng, hid, members_left):
    surname, kana = rng.choice(SURNAMES)
    town = rng.choice(TOWNS)
    postal, addr = address(rng, town)
    size = min(members_left, rng.choice([1, 1, 2, 2, 2, 3, 3, 4, 5]))
    elderly_house = rng.random() < 0.35
    foreign = rng.random() < 0.03
    rows = []
    head_name = None
    for m in range(size):
        if foreign:
            name, nkana, sex = rng.choice(FOREIGN)
        else:
            given, gkana, sex = rng.choice(GIVEN)
            name, nkana = f"{surname} {given}", f"{kana} {gkana}"
        if m == 0:
            age = rng.randint(70, 92) if elderly_house else rng.randint(25, 69)
            head_name = name
        elif m == 1:
            age = rng.randint(70, 90) if elderly_house else rng.randint(22, 69)
        else:
            age = rng.randint(0, 22)
        rows.append((name, nkana, sex, age))
    out = []
    for n, (name, nkana, sex, age) in enumerate(rows):
        birth = birth_for_age(rng, age)
        kouki = age >= 75
        rec = dict.fromkeys(FIELDS, "")
        rec.update(name=name, name_kana=nkana, sex=sex, birth_date=birth.isoformat(), postal_code=postal,
                   address=addr, issue_date="2025-08-01", has_myna_hoken="true" if rng.random() < 0.7 else "false",
                   special_medical="true" if rng.random() < 0.02 else "false", certificate_requested="false",
                   household_id=f"H{hid:07d}")
        if kouki:
            rec.update(scheme="kouki", insurer_number="39100011", number=f"{rng.randrange(10**7, 10**8)}",
                       copay_ratio=rng.choice("1112223"),
                       qualified_date=(birth.replace(year=birth.year + 75) if not (birth.month == 2 and birth.day == 29)
                                       else dt.date(birth.year + 75, 3, 1)).isoformat())
        else:
            rec.update(scheme="kokuho", insurer_number="100016", symbol=f"高{hid % 97:02d}",
                       number=f"{hid % 10**7:07d}", branch=f"{n + 1:02d}", householder_name=head_name,
                       qualified_date=max(birth, dt.date(2008, 4, 1)).isoformat())
            if age >= 69:
                rec["copay_ratio"] = rng.choice("2223")
        if foreign:
            rec["residence_expiry"] = (CYCLE_START + dt.timedelta(days=rng.randint(30, 900))).isoformat()
        out.append(rec)
    return out


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    n, path = int(sys.argv[1]), sys.argv[2]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 20250801
    rng = random.Random(seed)
    written, hid = 0, 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        while written < n:
            hid += 1
            for rec in household(rng, hid, n - written):
                written += 1
                rec["record_id"] = f"B{written:08d}"
                w.writerow(rec)


if __name__ == "__main__":
    main()
