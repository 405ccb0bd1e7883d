#!/usr/bin/env python3
"""Checks the shoe shop bundle.

1. Format checks (shop.json, products, chat logs, orders, cases) per shared/formats.md.
2. Every fact group has at least one string in the shop text (details, rules, html,
   product attributes, order logistics).
3. Every size turn is re-derived from the charts written below (transcribed by hand
   from rules/size_guide.md, products/200102.html, products/200103.json detail and
   products/200105.json attributes) using the buyer's measures, which are encoded by
   hand in INPUTS. The derived set must equal expect.sizes; out of range -> handoff
   low_confidence; missing measure -> sizes [].
4. Charts transcribed below are cross-checked against the shop files (the numbers
   must appear there).
Run: python3 tools/check.py
"""
import glob, html, json, os, re, sys, unicodedata
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATUSES = ["未下单", "待付款", "待成团", "待发货", "已发货", "部分发货", "交易成功", "交易关闭", "订单取消"]
REASONS = {"media_rule", "explicit_request", "emotion", "after_sale", "low_confidence", "repeated_failure"}
errors = []
def err(m): errors.append(m)
def norm(s):
    s = unicodedata.normalize("NFKC", s).lower()
    return "".join(ch for ch in s if not ch.isspace() and unicodedata.category(ch)[0] not in "PZS")
def lj(rel): return json.load(open(os.path.join(ROOT, rel), encoding="utf-8"))
def ljl(rel): return [json.loads(l) for l in open(os.path.join(ROOT, rel), encoding="utf-8") if l.strip()]

# ---------------- charts (mm) ----------------
# kind "shared": ranges share their end points; boundary rule "big", "small" or None (= both sizes)
# kind "closed": non-overlapping integer ranges
CHARTS = {
  "200101": dict(labels=["35","36","37","38","39","40"],
                 ranges=[(220,225),(225,230),(230,235),(235,240),(240,245),(245,250)],
                 boundary="big", usual_shift=+1, usual_map=None,
                 shifts={}),                      # round toe: wide feet need no extra size
  "200102": dict(labels=["34","35","36","37","38","39"],
                 ranges=[(215,220),(220,225),(225,230),(230,235),(235,240),(240,245)],
                 boundary=None, usual_shift=0, usual_map=None,
                 shifts={"wide": +1, "instep": +1, "fleshy": +1}),
  "200103": dict(labels=["22.5","23","23.5","24","24.5","25"],
                 ranges=[(220,225),(225,230),(230,235),(235,240),(240,245),(245,250)],
                 boundary="small", usual_shift=0,
                 usual_map={35:"22.5",36:"23",37:"23.5",38:"24",39:"24.5",40:"25"},
                 shifts={"instep": +1}),
  "200104": dict(labels=["35","36","37","38","39","40"],
                 ranges=[(221,225),(226,230),(231,235),(236,240),(241,245),(246,250)],
                 boundary=None, usual_shift=0, usual_map=None,
                 shifts={"thick_socks": +1}),
  "200105": dict(labels=["38","39","40","41","42","43","44","45"],
                 ranges=[(236,240),(241,245),(246,250),(251,255),(256,260),(261,265),(266,270),(271,275)],
                 boundary=None, usual_shift=0, usual_map=None,
                 shifts={"wide": +1, "instep": +1, "narrow": -1}),
}
OUT = "OUT"
def derive(gid, foot=None, usual=None, flags=()):
    """Returns a sorted list of size labels, or OUT (no size in the chart), or None (no chart)."""
    ch = CHARTS.get(gid)
    if ch is None:
        return None
    L = ch["labels"]
    if foot is not None:                      # general rule: foot length wins over usual size
        idx = [i for i, (a, b) in enumerate(ch["ranges"]) if a <= foot <= b]
        if len(idx) == 2:
            if ch["boundary"] == "big": idx = [idx[1]]
            elif ch["boundary"] == "small": idx = [idx[0]]
        if not idx:
            return OUT
    elif usual is not None:
        if ch["usual_map"]:
            if usual not in ch["usual_map"]: return OUT
            idx = [L.index(ch["usual_map"][usual])]
        else:
            lab = str(usual + ch["usual_shift"])
            if lab not in L: return OUT
            idx = [L.index(lab)]
    else:
        raise ValueError("no measure")
    # the shop states each fit note as ONE size up / down ("脚宽或脚背高的拍大一码"),
    # so several "up" reasons together still make one size up.
    ups = any(ch["shifts"].get(f, 0) > 0 for f in flags)
    downs = any(ch["shifts"].get(f, 0) < 0 for f in flags)
    shift = int(ups) - int(downs)
    idx = [i + shift for i in idx]
    if any(i < 0 or i >= len(L) for i in idx):
        return OUT
    return sorted({L[i] for i in idx}, key=float)

# Buyer's measures per size turn, read by hand from the turn text.
ASK, NOCHART = "ASK", "NOCHART"
INPUTS = {
  ("c001",0): ("200101", dict(foot=233)),
  ("c002",0): ("200101", dict(usual=36)),
  ("c003",0): ("200101", dict(foot=235)),
  ("c004",0): ("200101", dict(usual=38, flags=("wide","fleshy"))),
  ("c005",0): ("200101", dict(usual=40)),
  ("c006",0): ASK, ("c006",1): ("200101", dict(foot=225)),
  ("c007",0): ("200101", dict(foot=232, usual=37)),
  ("c008",0): ("200102", dict(foot=227)),
  ("c009",0): ("200102", dict(foot=230)),
  ("c010",0): ("200102", dict(usual=37, flags=("instep",))),
  ("c011",0): ("200102", dict(foot=248)),
  ("c012",0): ("200102", dict(usual=35)),
  ("c013",0): ASK, ("c013",1): ("200102", dict(usual=36, flags=("fleshy",))),
  ("c014",0): ("200102", dict(usual=39, flags=("wide",))),
  ("c015",0): ("200102", dict(foot=235)),
  ("c016",0): ASK,
  ("c017",0): ("200103", dict(foot=233)),
  ("c018",0): ("200103", dict(foot=230)),
  ("c019",0): ("200103", dict(usual=38)),
  ("c020",0): ("200103", dict(foot=210)),
  ("c021",0): ASK, ("c021",1): ("200103", dict(foot=max(239, 241))),
  ("c022",0): ("200103", dict(usual=36, flags=("instep",))),
  ("c023",0): ("200104", dict(foot=240)), ("c023",1): ("200104", dict(foot=240, flags=("thick_socks",))),
  ("c024",0): ("200104", dict(usual=37, flags=("thick_socks",))),
  ("c025",0): ("200104", dict(usual=40, flags=("thick_socks",))),
  ("c026",0): ASK, ("c026",1): ("200104", dict(usual=39)),
  ("c027",0): ("200104", dict(usual=43)),
  ("c028",0): ("200104", dict(foot=228, flags=("thick_socks",))),
  ("c029",0): ("200104", dict(foot=225)), ("c029",1): ("200102", dict(foot=225)),
  ("c030",0): ("200105", dict(foot=250)),
  ("c031",0): ("200105", dict(usual=42, flags=("narrow",))),
  ("c032",0): ("200105", dict(usual=41, flags=("wide","instep"))),
  ("c033",0): ("200105", dict(foot=280)),
  ("c034",0): ASK, ("c034",1): ("200105", dict(usual=43)),
  ("c035",0): ASK,
  ("c036",0): ("200105", dict(foot=263)),
  ("c037",0): NOCHART,
  ("c038",1): NOCHART,
}

# ---------------- load ----------------
shop = lj("shop.json")
for k in ["shop_id","shop_name","platform","timezone","agent_hours","greeting","handoff_message",
          "offline_message","media_to_human","handoff_keywords","after_sale_to_human"]:
    if k not in shop: err(f"shop.json missing {k}")
if shop["shop_id"] != "step-lady": err("shop_id")
products = {}
for p in sorted(glob.glob(os.path.join(ROOT, "products", "*.json"))):
    d = json.load(open(p, encoding="utf-8"))
    for k in ["goods_id","goods_name","category","price_yuan","skus","detail","attributes"]:
        if k not in d: err(f"{p} missing {k}")
    if os.path.basename(p) != d["goods_id"] + ".json": err(f"{p}: name")
    for s in d["skus"]:
        for k in ["sku_id","spec","price_yuan","stock"]:
            if k not in s: err(f"{p}: sku missing {k}")
    products[d["goods_id"]] = d
parts = []
for d in products.values():
    parts.append(d["detail"]); parts += [f"{k}{v}" for k, v in d["attributes"].items()]
    parts += [s["spec"] for s in d["skus"]]
for f in sorted(glob.glob(os.path.join(ROOT, "rules", "*.md"))):
    parts.append(open(f, encoding="utf-8").read())
for f in sorted(glob.glob(os.path.join(ROOT, "products", "*.html"))):
    raw = open(f, encoding="utf-8").read()
    raw = re.sub(r"(?is)<(style|script)[^>]*>.*?</\1>", " ", raw)
    parts.append(html.unescape(re.sub(r"<[^>]+>", " ", raw)))
orders = lj("orders.json")
for o in orders:
    for e in o.get("logistics", {}).get("events", []):
        parts.append(e["desc"])
    parts.append(o.get("logistics", {}).get("company", ""))
SHOP_TEXT = norm("\n".join(parts))
RAW_TEXT = "\n".join(parts)

# chart numbers present in the shop files
guide = open(os.path.join(ROOT, "rules", "size_guide.md"), encoding="utf-8").read()
for lab, (a, b) in zip(CHARTS["200101"]["labels"], CHARTS["200101"]["ranges"]):
    if not re.search(rf"\|\s*{lab}\s*\|\s*{a}\s*\|\s*{b}\s*\|", guide): err(f"200101 chart row {lab}")
for lab, (a, b) in zip(CHARTS["200104"]["labels"], CHARTS["200104"]["ranges"]):
    if f"| {lab}码 | {a}到{b}mm |" not in guide: err(f"200104 chart row {lab}")
h = open(os.path.join(ROOT, "products", "200102.html"), encoding="utf-8").read()
for lab, (a, b) in zip(CHARTS["200102"]["labels"], CHARTS["200102"]["ranges"]):
    if f"<td>{lab}</td><td>{a/10:.1f}~{b/10:.1f}cm</td>" not in h: err(f"200102 chart row {lab}")
det = products["200103"]["detail"]
for lab, (a, b) in zip(CHARTS["200103"]["labels"], CHARTS["200103"]["ranges"]):
    u = [k for k, v in CHARTS["200103"]["usual_map"].items() if v == lab][0]
    if f"{lab}码：脚长{a}—{b}mm（平时穿{u}码）" not in det: err(f"200103 chart row {lab}")
att = products["200105"]["attributes"]["尺码建议"]
for lab, (a, b) in zip(CHARTS["200105"]["labels"], CHARTS["200105"]["ranges"]):
    if f"{lab}码：适合脚长{a}-{b}mm" not in att: err(f"200105 chart row {lab}")
for gid, ch in CHARTS.items():
    specs = " ".join(s["spec"] for s in products[gid]["skus"])
    for lab in ch["labels"]:
        if f" {lab}码" not in " " + specs: err(f"{gid}: size {lab} has no SKU")
if "尺码" in products["200106"]["detail"] or "码" in json.dumps(products["200106"]["attributes"], ensure_ascii=False):
    err("200106 should have no size information")

# ---------------- chat logs ----------------
sessions = ljl("chat_logs/history.jsonl")
log_texts = set()
for s in sessions:
    if s["order_status"] not in STATUSES: err(f"{s['session_id']} status")
    if s.get("goods_id") not in products: err(f"{s['session_id']} goods")
    prev = ""
    for m in s["messages"]:
        if m["role"] not in ("customer","agent") or m["type"] not in ("text","image","video"): err(f"{s['session_id']} msg")
        if m["ts"] < prev: err(f"{s['session_id']} ts order")
        prev = m["ts"]
        if m["role"] == "customer" and m["type"] == "text": log_texts.add(norm(m["text"]))

# ---------------- orders ----------------
latest = {}
for o in orders:
    if o["status"] not in STATUSES[1:]: err(f"order {o['order_sn']} status")
    if o["goods_id"] not in products: err(f"order {o['order_sn']} goods")
    if o["status"] in ("已发货","部分发货","交易成功") and not o.get("logistics",{}).get("events"): err(f"order {o['order_sn']} logistics")
    if o["sku_id"] not in {s["sku_id"]: 1 for s in products[o["goods_id"]]["skus"]}: err(f"order {o['order_sn']} sku")
    sku = [s for s in products[o["goods_id"]]["skus"] if s["sku_id"] == o["sku_id"]][0]
    if sku["spec"] != o["spec"]: err(f"order {o['order_sn']} spec {o['spec']} != {sku['spec']}")
    if o["buyer_id"] not in latest or o["created_at"] > latest[o["buyer_id"]]["created_at"]:
        latest[o["buyer_id"]] = o

# ---------------- cases ----------------
cases = ljl("cases.jsonl")
kinds = {}
size_turns = 0
seen_texts = {}
for c in cases:
    st = c["order_status"]
    want = latest[c["buyer_id"]]["status"] if c["buyer_id"] in latest else "未下单"
    if st != want: err(f"{c['id']}: status {st} != {want}")
    if c["goods_id"] not in products: err(f"{c['id']}: goods")
    if c["buyer_id"] in latest and latest[c["buyer_id"]]["goods_id"] != c["goods_id"]:
        print(f"note {c['id']}: buyer's order is for another product")
    ended = False
    for i, t in enumerate(c["turns"]):
        e = t["expect"]
        if ended: err(f"{c['id']}: turn after handoff")
        if e["action"] == "handoff":
            ended = True
            if e.get("reason") not in REASONS: err(f"{c['id']}: reason")
        if t["type"] in ("image","video"):
            to_h = st in shop["media_to_human"][t["type"]]
            if to_h != (e["action"] == "handoff" and e.get("reason") == "media_rule"): err(f"{c['id']}: media rule")
        else:
            nt = norm(t["text"])
            if nt in seen_texts: err(f"{c['id']}: text repeated from {seen_texts[nt]}")
            seen_texts[nt] = c["id"]
            if nt in log_texts or any(len(x) >= 8 and (x in nt or nt in x) for x in log_texts):
                err(f"{c['id']}: text copied from chat logs")
        for g in e.get("facts", []):
            if t["type"] != "text": continue   # media replies only acknowledge the file
            if not any(norm(x) in SHOP_TEXT for x in g): err(f"{c['id']}: fact group not in shop text {g}")
        key = (c["id"], i)
        if key in INPUTS:
            size_turns += 1
            inp = INPUTS[key]
            if inp == ASK:
                ok = e["action"] == "answer" and e.get("sizes") == []
                kind = "ask"
            elif inp == NOCHART:
                ok = e == {"action": "handoff", "reason": "low_confidence"}
                kind = "no_chart"
            else:
                gid, kw = inp
                r = derive(gid, **kw)
                if r == OUT:
                    ok = e == {"action": "handoff", "reason": "low_confidence"}; kind = "out_of_range"
                else:
                    ok = e["action"] == "answer" and e.get("sizes") == r and all([x] in e["facts"] for x in r)
                    kind = "between" if len(r) > 1 else "size"
            kinds[kind] = kinds.get(kind, 0) + 1
            if not ok: err(f"{c['id']} turn {i}: expected {inp} -> {derive(*inp[:1], **inp[1]) if isinstance(inp, tuple) else inp}, case says {e}")
        elif "sizes" in e:
            err(f"{c['id']} turn {i}: sizes without derivation input")
print("products", len(products), "| sessions", len(sessions), "| orders", len(orders))
print("cases", len(cases), "| turns", sum(len(c["turns"]) for c in cases), "| size turns", size_turns, kinds)
if errors:
    print("\n".join("ERROR " + x for x in errors)); sys.exit(1)
print("OK")
