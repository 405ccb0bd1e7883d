#!/usr/bin/env python3
"""Consistency check for the sneaker-house shop bundle.

1. Parses the four size charts straight from the shop files (Markdown table in
   rules/size_guide.md, HTML table in products/300102.html, the "尺码建议"
   attribute of 300103, the plain-text 脚长对照 in the detail of 300104) and
   recomputes every size turn listed in tools/size_turns.json with the fit
   rules the shop states; compares with expect.sizes in cases.jsonl.
2. Schema checks (shop.json, products, orders, chat logs, cases), order
   statuses vs orders.json, media rule vs shop.json, fact groups backed by the
   shop text, case texts not copied from chat logs, size-turn wording unique.
Run: python3 tools/check.py
"""
import glob, html, json, os, re, sys, unicodedata
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
errors = []
def err(m): errors.append(m)
def load(rel): return json.load(open(os.path.join(ROOT, rel), encoding="utf-8"))
def jl(rel): return [json.loads(l) for l in open(os.path.join(ROOT, rel), encoding="utf-8") if l.strip()]
def norm(s):
    s = unicodedata.normalize("NFKC", s).lower()
    return "".join(ch for ch in s if not ch.isspace() and unicodedata.category(ch)[0] not in "PZS")

STATUSES = ["未下单", "待付款", "待成团", "待发货", "已发货", "部分发货", "交易成功", "交易关闭", "订单取消"]
shop = load("shop.json")
products = {os.path.basename(p)[:-5]: json.load(open(p, encoding="utf-8")) for p in glob.glob(os.path.join(ROOT, "products", "*.json"))}
for gid, p in products.items():
    for k in ["goods_id", "goods_name", "category", "price_yuan", "skus", "detail", "attributes"]:
        if k not in p: err(f"{gid}: missing {k}")
    if p["goods_id"] != gid: err(f"{gid}: file name")

# ---------- charts parsed from the files (mm, inclusive ranges) ----------
guide = open(os.path.join(ROOT, "rules", "size_guide.md"), encoding="utf-8").read()
run = {}
for m in re.finditer(r"^\| (\d\d) \| (\d+)-(\d+) \| ([\d.]+)-([\d.]+) \| (\d+)-(\d+) \|$", guide, re.M):
    s, lo, hi, clo, chi, wlo, whi = m.groups()
    if round(float(clo) * 10) != int(lo) or round(float(chi) * 10) != int(hi): err(f"run chart mm/cm mismatch at {s}")
    run[s] = (int(lo), int(hi), int(whi))
page = open(os.path.join(ROOT, "products", "300102.html"), encoding="utf-8").read()
can = {s: (round(float(a) * 10), round(float(b) * 10)) for s, a, b in
       re.findall(r"<tr><td>(\d\d)</td><td>([\d.]+)~([\d.]+)cm</td>", page)}
mar = {s: (round(float(a) * 10), round(float(b) * 10)) for s, a, b in
       re.findall(r"(\d\d)码：脚长([\d.]+)到([\d.]+)cm", products["300103"]["attributes"]["尺码建议"])}
kid = {s: (int(a), int(b)) for s, a, b in re.findall(r"(\d\d)码：脚长(\d+)—(\d+)mm", products["300104"]["detail"])}
assert len(run) == 10 and len(can) == 10 and len(mar) == 6 and len(kid) == 12, (len(run), len(can), len(mar), len(kid))
# SKU sizes must match chart sizes
for gid, chart in [("300101", run), ("300102", can), ("300103", mar), ("300104", kid)]:
    sk = {re.search(r"(\d\d)码", s["spec"]).group(1) for s in products[gid]["skus"]}
    if sk != set(chart): err(f"{gid}: sku sizes {sorted(sk)} != chart {sorted(chart)}")

def by_len(chart, L):
    return sorted([s for s, r in chart.items() if r[0] <= L <= r[1]], key=int)

def derive(prod, m):
    """returns list of sizes, or 'handoff'"""
    if prod == "300105": return "handoff"  # 均码, no measures at all
    chart = {"300101": run, "300102": can, "300103": mar, "300104": kid}[prod]
    if "len" not in m and "usual" not in m: return []  # must ask
    if "len" in m:
        base = by_len(chart, m["len"])
        if not base: return "handoff"
        if prod == "300104" and len(base) == 2: base = [base[-1]]  # 童鞋: 交界处选大码
    else:
        u = m["usual"]
        base = [str(u + {"300101": 0, "300102": -1, "300103": 1, "300104": 0}[prod])]
    out = []
    for s in base:
        up = False
        if prod == "300101": up = m.get("high") or m.get("width", 0) > run[s][2]
        if prod == "300103": up = m.get("high") or m.get("thick")
        if prod == "300104": up = m.get("high")
        s2 = str(int(s) + 1) if up else s
        out.append(s2)
    if any(s not in chart for s in out): return "handoff"
    return out

cases = {c["id"]: c for c in jl("cases.jsonl")}
chk = load("tools/size_turns.json")
kinds = Counter()
for x in chk:
    t = cases[x["case"]]["turns"][x["turn"]]
    e = t["expect"]
    got = derive(x["product"], x["measures"])
    kinds[x["kind"]] += 1
    if got == "handoff":
        if e != {"action": "handoff", "reason": "low_confidence"}: err(f"{x['case']}/{x['turn']}: expected handoff, case has {e}")
    else:
        if e.get("action") != "answer" or e.get("sizes") != got: err(f"{x['case']}/{x['turn']}: derived {got}, case has {e.get('sizes')}")
        if got and sorted(sum(e["facts"], [])) != sorted(got): err(f"{x['case']}/{x['turn']}: facts {e['facts']} vs {got}")
size_turns = {(x["case"], x["turn"]) for x in chk}
for cid, c in cases.items():
    for i, t in enumerate(c["turns"]):
        if "sizes" in t["expect"] and (cid, i) not in size_turns: err(f"{cid}/{i}: sizes without check entry")

# ---------- orders / statuses ----------
orders = load("orders.json")
latest = {}
for o in orders:
    if o["status"] not in STATUSES[1:]: err(f"{o['order_sn']}: status")
    if o["goods_id"] not in products: err(f"{o['order_sn']}: goods")
    if o["status"] in ("已发货", "部分发货", "交易成功") and not o.get("logistics", {}).get("events"): err(f"{o['order_sn']}: no logistics")
    if o["buyer_id"] not in latest or o["created_at"] > latest[o["buyer_id"]]["created_at"]: latest[o["buyer_id"]] = o
def status(b): return latest[b]["status"] if b in latest else "未下单"

# ---------- shop text for facts ----------
parts = [p["detail"] + "\n" + json.dumps(p["attributes"], ensure_ascii=False) for p in products.values()]
parts += [open(f, encoding="utf-8").read() for f in glob.glob(os.path.join(ROOT, "rules", "*.md"))]
for f in glob.glob(os.path.join(ROOT, "products", "*.html")):
    raw = re.sub(r"(?is)<(style|script)[^>]*>.*?</\1>", " ", open(f, encoding="utf-8").read())
    parts.append(html.unescape(re.sub(r"<[^>]+>", " ", raw)))
TEXT = norm("\n".join(parts))

# ---------- chat logs ----------
sessions = jl("chat_logs/history.jsonl")
logtexts = set()
for s in sessions:
    if s["order_status"] not in STATUSES or s["goods_id"] not in products: err(f"{s['session_id']}: status/goods")
    prev = ""
    for m in s["messages"]:
        if m["role"] not in ("customer", "agent") or m["type"] not in ("text", "image", "video"): err(f"{s['session_id']}: msg")
        if m["ts"] < prev: err(f"{s['session_id']}: ts order")
        prev = m["ts"]
        if m["role"] == "customer" and m["type"] == "text": logtexts.add(norm(m["text"]))

# ---------- cases ----------
media = shop["media_to_human"]
seen = Counter()
for cid, c in cases.items():
    if c["order_status"] != status(c["buyer_id"]): err(f"{cid}: status {c['order_status']} != {status(c['buyer_id'])}")
    if c["goods_id"] not in products: err(f"{cid}: goods")
    for i, t in enumerate(c["turns"]):
        e = t["expect"]
        if e["action"] == "handoff" and i != len(c["turns"]) - 1: err(f"{cid}: handoff not last")
        if t["type"] in ("image", "video"):
            if (c["order_status"] in media[t["type"]]) != (e.get("reason") == "media_rule"): err(f"{cid}: media rule")
        else:
            n = norm(t["text"]); seen[n] += 1
            if n in logtexts: err(f"{cid}: copied from logs")
        for g in e.get("facts", []):
            if not any(norm(x) in TEXT for x in g): err(f"{cid}: fact group not in shop files {g}")
for n, k in seen.items():
    if k > 1: err(f"repeated turn text: {n}")

print("charts parsed: run", len(run), "canvas", len(can), "martin", len(mar), "kids", len(kid))
print("cases", len(cases), "turns", sum(len(c["turns"]) for c in cases.values()), "size turns", len(chk))
print("size turn kinds", dict(kinds))
print("expectations", dict(Counter(t["expect"]["action"] + "/" + t["expect"].get("reason", "") for c in cases.values() for t in c["turns"])))
print("sessions", len(sessions), "orders", len(orders))
if errors:
    print("ERRORS:"); [print(" -", e) for e in errors]; sys.exit(1)
print("ALL CHECKS PASSED")
