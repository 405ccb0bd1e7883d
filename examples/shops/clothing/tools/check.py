#!/usr/bin/env python3
"""Validate the clothing-dev shop and re-derive every expected size from the shop files.

Usage: python3 tools/check.py   (exit 1 on any error)

1. Schema / consistency: shop.json, products, chat logs, orders, cases (formats.md).
2. Every fact group in cases.jsonl has at least one string found in the shop text
   (product detail + attributes + rules/*.md + products/*.html without tags).
3. Size turns: the charts are PARSED from the shop files (Markdown table in
   rules/size_guide.md, HTML <table> in products/200102.html, attributes
   "尺码建议" of 200103, plain-text lines in the detail of 200104). The buyer's
   measures for each size turn are written down below by hand (already converted
   to cm and 斤); the expected `sizes` / handoff are recomputed from the parsed
   charts and the shop's stated rules, and compared with cases.jsonl.
"""
import glob, html, json, os, re, sys, unicodedata
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATUSES = ["未下单", "待付款", "待成团", "待发货", "已发货", "部分发货", "交易成功", "交易关闭", "订单取消"]
REASONS = {"media_rule", "explicit_request", "emotion", "after_sale", "low_confidence", "repeated_failure"}
errors = []
err = errors.append


def norm(s):
    s = unicodedata.normalize("NFKC", s).lower()
    return "".join(ch for ch in s if not ch.isspace() and unicodedata.category(ch)[0] not in "PZ")


def jl(rel):
    return [json.loads(l) for l in open(os.path.join(ROOT, rel), encoding="utf-8") if l.strip()]


shop = json.load(open(os.path.join(ROOT, "shop.json"), encoding="utf-8"))
assert shop["shop_id"] == "clothing-dev"
products = {}
for p in glob.glob(os.path.join(ROOT, "products", "*.json")):
    d = json.load(open(p, encoding="utf-8"))
    for k in ["goods_id", "goods_name", "category", "price_yuan", "skus", "detail", "attributes"]:
        if k not in d:
            err(f"{p}: missing {k}")
    products[d["goods_id"]] = d

parts = []
for d in products.values():
    parts.append(d["detail"])
    parts += [f"{k}{v}" for k, v in d["attributes"].items()]
for f in sorted(glob.glob(os.path.join(ROOT, "rules", "*.md"))):
    parts.append(open(f, encoding="utf-8").read())
for f in sorted(glob.glob(os.path.join(ROOT, "products", "*.html"))):
    raw = open(f, encoding="utf-8").read()
    raw = re.sub(r"(?is)<(style|script)[^>]*>.*?</\1>", " ", raw)
    parts.append(html.unescape(re.sub(r"<[^>]+>", " ", raw)))
SHOP_TEXT = norm("\n".join(parts))

# ---------------- parse the charts from the files ----------------
RNG = r"(\d+)\s*(?:-|~|到|—)\s*(\d+)"
charts = {}  # gid -> list of (label, (hlo,hhi) or None, (wlo,whi) in 斤)
# T恤: markdown table
md = open(os.path.join(ROOT, "rules", "size_guide.md"), encoding="utf-8").read()
sec = md.split("## T恤尺码表")[1].split("\n## ")[0]
rows = []
for line in sec.splitlines():
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if len(cells) >= 3 and re.fullmatch(RNG, cells[1]) and re.fullmatch(RNG, cells[2]):
        h = tuple(map(int, re.fullmatch(RNG, cells[1]).groups()))
        w = tuple(map(int, re.fullmatch(RNG, cells[2]).groups()))
        rows.append((cells[0], h, w))
assert "体重(斤)" in sec and "身高(cm)" in sec
charts["200101"] = rows
# 连衣裙: HTML table, kg
raw = open(os.path.join(ROOT, "products", "200102.html"), encoding="utf-8").read()
rows = []
for tr in re.findall(r"(?s)<tr>(.*?)</tr>", raw):
    tds = re.findall(r"<td>(.*?)</td>", tr)
    if tds:
        h = tuple(map(int, re.fullmatch(RNG + "cm", tds[1]).groups()))
        wk = tuple(map(int, re.fullmatch(RNG + "kg", tds[2]).groups()))
        rows.append((tds[0], h, (wk[0] * 2, wk[1] * 2)))
charts["200102"] = rows
# 牛仔裤: attributes 尺码建议, weight only, height applicability
adv = products["200103"]["attributes"]["尺码建议"]
rows = [(m[0], None, (int(m[1]), int(m[2]))) for m in re.findall(r"(\d+)码：体重" + RNG + "斤", adv)]
JEANS_H = tuple(map(int, re.search(r"适合身高" + RNG + "cm", adv).groups()))
charts["200103"] = rows
# 卫衣: plain lines in detail
rows = []
for m in re.finditer(r"(\w+?)码：身高" + RNG + r"\s*体重" + RNG + "斤", products["200104"]["detail"]):
    rows.append((m[1], (int(m[2]), int(m[3])), (int(m[4]), int(m[5]))))
charts["200104"] = rows
for g, r in charts.items():
    if len(r) < 4:
        err(f"chart {g} parsed only {len(r)} rows")
print("parsed charts:")
for g, r in charts.items():
    print(" ", g, r, ("height " + str(JEANS_H)) if g == "200103" else "")


def inr(v, r):
    return r[0] <= v <= r[1]


def derive(gid, h=None, w=None, shift=0, usual=None):
    """Return ('sizes', [..]) / ('handoff',) / ('ask', [missing]) / ('ambiguous', why)."""
    if gid not in charts:
        return ("handoff",)
    rows = charts[gid]
    labels = [r[0] for r in rows]
    if gid == "200103":
        if usual is not None:            # 版型偏大一码: 平时尺码拍小一码
            i = labels.index(usual) - 1
            return ("sizes", [labels[i]]) if i >= 0 else ("ambiguous", "no smaller size")
        if w is None:
            return ("ask", ["体重"])
        if h is not None and not inr(h, JEANS_H):
            return ("handoff",)
        W = [r[0] for r in rows if inr(w, r[2])]
        if not W:
            return ("handoff",)
        assert len(W) == 1
        res = W
    else:
        missing = []
        if gid == "200101":               # T恤: 以体重为准, so 体重 is the measure that matters
            if w is None:
                return ("ask", ["体重"])
        else:
            if h is None:
                missing.append("身高")
            if w is None:
                missing.append("体重")
            if missing:
                return ("ask", missing)
        H = [r[0] for r in rows if inr(h, r[1])] if h is not None else None
        W = [r[0] for r in rows if inr(w, r[2])]
        if not W or (H is not None and not H):
            return ("handoff",)           # 超出范围 -> 人工
        if gid == "200101":
            res = [W[-1]]                 # 以体重为准; 分界上选大码
        elif H == W:
            res = H                       # one size, or both sides of a shared boundary
        elif len(H) == 1 and len(W) == 1:
            res = sorted(H + W, key=labels.index)   # height / weight disagree, no rule -> both
        else:
            return ("ambiguous", f"H={H} W={W}")
    if shift:
        if len(res) != 1:
            return ("ambiguous", "shift on two sizes")
        i = labels.index(res[0]) + shift
        if not 0 <= i < len(labels):
            return ("ambiguous", "shift out of chart")
        res = [labels[i]]
    return ("sizes", res)


# ---------------- hand-written measures of every size turn ----------------
# key: (case_id, turn) -> (goods the question is about, kwargs); h in cm, w in 斤 (kg*2)
M = {
    ("cl001", 0): ("200101", dict(h=160, w=98)),            # 一米六 98斤
    ("cl002", 0): ("200101", dict(h=168, w=112)),
    ("cl003", 0): ("200102", dict(h=158, w=90)),            # 45kg
    ("cl004", 0): ("200102", dict(h=167, w=106)),           # 1米67 一百零六斤
    ("cl005", 0): ("200103", dict(h=162, w=104)),
    ("cl006", 0): ("200103", dict(h=160, w=96)),            # 48公斤
    ("cl007", 0): ("200104", dict(h=172, w=125)),           # 1.72米
    ("cl008", 0): ("200104", dict(h=163, w=100)),           # 一百斤
    ("cl009", 0): ("200101", dict(h=155, w=85)),
    ("cl010", 0): ("200102", dict(h=171, w=120)),           # 60kg
    ("cl011", 0): ("200101", dict(h=158, w=100)),           # 刚好100斤 -> boundary rule
    ("cl012", 0): ("200101", dict(h=172, w=128)),
    ("cl013", 0): ("200102", dict()),
    ("cl013", 1): ("200102", dict(h=163, w=100)),           # 50公斤
    ("cl014", 0): ("200101", dict()),
    ("cl014", 1): ("200101", dict(h=157, w=93)),
    ("cl015", 0): ("200104", dict(h=166)),
    ("cl015", 1): ("200104", dict(h=166, w=112)),
    ("cl016", 0): ("200103", dict(h=158)),
    ("cl016", 1): ("200103", dict(h=158, w=97)),
    ("cl017", 0): ("200101", dict(h=165, w=108)),
    ("cl017", 1): ("200103", dict(h=165, w=108)),           # follow-up names the jeans
    ("cl018", 0): ("200102", dict(w=98)),                   # 49kg
    ("cl018", 1): ("200102", dict(h=164, w=98)),
    ("cl019", 0): ("200104", dict(h=168, w=110)),
    ("cl019", 1): ("200104", dict(h=168, w=110, shift=+1)), # oversize -> 大一码
    ("cl020", 0): ("200103", dict()),
    ("cl020", 1): ("200103", dict(h=165)),
    ("cl020", 2): ("200103", dict(h=165, w=113)),
    ("cl021", 0): ("200101", dict(h=160, w=98, shift=-1)),  # 喜欢合身 -> 小一码
    ("cl022", 0): ("200102", dict(h=158, w=90, shift=+1)),  # 小肚子怕勒 -> 大一码
    ("cl023", 0): ("200103", dict(usual="27")),
    ("cl024", 0): ("200104", dict(h=162, w=100, shift=+1)),
    ("cl025", 0): ("200103", dict(usual="29")),
    ("cl026", 0): ("200101", dict(h=170, w=118, shift=-1)),
    ("cl027", 0): ("200102", dict(h=150, w=80)),            # 40公斤
    ("cl028", 0): ("200103", dict(h=175, w=140)),
    ("cl029", 0): ("200105", dict()),
    ("cl030", 0): ("200101", dict(h=160, w=150)),
    ("cl031", 0): ("200105", dict()),
    ("cl032", 0): ("200104", dict()),
    ("cl033", 0): ("200102", dict(h=165)),
    ("cl034", 0): ("200101", dict(h=160)),
    ("cl035", 0): ("200102", dict(h=163, w=108)),           # 54公斤
    ("cl036", 0): ("200102", dict(h=160, w=94)),            # 94斤 = 47kg
    ("cl037", 0): ("200104", dict(h=175, w=118)),
    ("cl038", 0): ("200104", dict(h=162, w=110)),           # 一六二 / 一百一
}

# ---------------- chat logs ----------------
sessions = jl("chat_logs/history.jsonl")
log_texts = set()
for s in sessions:
    if s["order_status"] not in STATUSES or s.get("goods_id", "200101") not in products:
        err(f"chat {s['session_id']}: status/goods")
    prev = ""
    for m in s["messages"]:
        if m["ts"] < prev or not ("2025-09-01" <= m["ts"][:10] <= "2025-11-30"):
            err(f"chat {s['session_id']}: ts")
        prev = m["ts"]
        if m["role"] == "customer" and m["type"] == "text":
            log_texts.add(norm(m["text"]))

# ---------------- orders ----------------
orders = json.load(open(os.path.join(ROOT, "orders.json"), encoding="utf-8"))
latest = {}
for o in orders:
    if o["status"] not in STATUSES[1:]:
        err(f"order {o['order_sn']}: status")
    if o["status"] in ("已发货", "部分发货", "交易成功") and not o.get("logistics", {}).get("events"):
        err(f"order {o['order_sn']}: no logistics")
    skus = {k["sku_id"]: k["spec"] for k in products[o["goods_id"]]["skus"]}
    if skus.get(o.get("sku_id")) != o.get("spec"):
        err(f"order {o['order_sn']}: sku/spec")
    if o["buyer_id"] not in latest or o["created_at"] > latest[o["buyer_id"]]["created_at"]:
        latest[o["buyer_id"]] = o

# ---------------- cases ----------------
cases = jl("cases.jsonl")
kinds = Counter()
seen_texts = Counter()
checked = 0
for c in cases:
    if Counter(x["id"] for x in cases)[c["id"]] > 1:
        err(f"{c['id']}: duplicate id")
    st = c["order_status"]
    want = latest[c["buyer_id"]]["status"] if c["buyer_id"] in latest else "未下单"
    if st != want:
        err(f"{c['id']}: order_status {st} != {want}")
    if c.get("goods_id") and c["goods_id"] not in products:
        err(f"{c['id']}: goods_id")
    for i, t in enumerate(c["turns"]):
        e = t["expect"]
        if e["action"] not in ("answer", "handoff") or (e["action"] == "handoff" and e.get("reason") not in REASONS):
            err(f"{c['id']}/{i}: action/reason")
        if t["type"] in ("image", "video"):
            to_h = st in shop["media_to_human"][t["type"]]
            if to_h != (e["action"] == "handoff" and e.get("reason") == "media_rule"):
                err(f"{c['id']}/{i}: media rule")
        else:
            nt = norm(t["text"])
            seen_texts[nt] += 1
            if nt in log_texts or any(len(x) >= 8 and (x in nt or nt in x) for x in log_texts if len(nt) >= 8):
                err(f"{c['id']}/{i}: copied from chat logs")
        for g in e.get("facts", []):
            if not any(norm(s) in SHOP_TEXT for s in g):
                err(f"{c['id']}/{i}: fact group not in shop files: {g}")
        key = (c["id"], i)
        if key in M:
            gid, kw = M[key]
            r = derive(gid, **kw)
            checked += 1
            if r[0] == "ambiguous":
                err(f"{key}: measures are ambiguous under the shop rules: {r[1]}")
            elif r[0] == "handoff":
                if not (e["action"] == "handoff" and e.get("reason") == "low_confidence"):
                    err(f"{key}: expected handoff/low_confidence, case has {e}")
            elif r[0] == "ask":
                if e.get("sizes") != [] or e["action"] != "answer":
                    err(f"{key}: expected ask (sizes []), case has {e}")
                flat = {s for g in e.get("facts", []) for s in g}
                for miss in r[1]:
                    if miss not in flat:
                        err(f"{key}: ask turn should require {miss}")
            else:
                if e.get("sizes") != r[1] or e["action"] != "answer":
                    err(f"{key}: derived {r[1]}, case has {e.get('sizes')}")
                flat = [g for g in e.get("facts", [])]
                for s in r[1]:
                    if not any(s in g for g in flat):
                        err(f"{key}: size {s} missing from facts")
        elif "sizes" in e or c["category"].startswith("size"):
            err(f"{key}: size turn without hand-written measures")
for nt, n in seen_texts.items():
    if n > 1:
        err(f"text used twice: {nt}")

print(f"chat_logs: {len(sessions)} sessions; orders: {len(orders)}")
print(f"cases: {len(cases)}, turns: {sum(len(c['turns']) for c in cases)}, size turns re-derived: {checked}")
print("  by category (cases):", dict(Counter(c["category"] for c in cases)))
print("  turns by category:", dict(Counter(c["category"] for c in cases for t in c["turns"])))
if errors:
    print(f"\nERRORS ({len(errors)}):")
    for e in errors:
        print(" -", e)
    sys.exit(1)
print("\nALL CHECKS PASSED")
