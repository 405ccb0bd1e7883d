#!/usr/bin/env python3
"""Format / consistency checks for the active-basics shop (formats.md).
Run: python3 tools/check_shop.py   (exit 1 on error)"""
import glob, html, json, os, re, sys, unicodedata
from collections import Counter
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ST = ["未下单", "待付款", "待成团", "待发货", "已发货", "部分发货", "交易成功", "交易关闭", "订单取消"]
REASONS = {"media_rule", "explicit_request", "emotion", "after_sale", "low_confidence", "repeated_failure"}
errs = []
def norm(s):
    s = unicodedata.normalize("NFKC", s).lower()
    return "".join(c for c in s if not c.isspace() and unicodedata.category(c)[0] not in "PZS")
J = lambda p: json.load(open(os.path.join(ROOT, p), encoding="utf-8"))
shop = J("shop.json")
if shop["shop_id"] != "active-basics": errs.append("shop_id")
prods = {}
texts = []
for p in glob.glob(os.path.join(ROOT, "products", "*.json")):
    d = json.load(open(p, encoding="utf-8"))
    for k in ["goods_id", "goods_name", "category", "price_yuan", "skus", "detail", "attributes"]:
        if k not in d: errs.append(f"{p} missing {k}")
    if os.path.basename(p) != d["goods_id"] + ".json": errs.append(f"{p} name")
    ids = [s["sku_id"] for s in d["skus"]]
    if len(ids) != len(set(ids)): errs.append(f"{p} dup sku")
    prods[d["goods_id"]] = d
    texts += [d["goods_name"], d["detail"]] + [f"{k}{v}" for k, v in d["attributes"].items()]
for f in glob.glob(os.path.join(ROOT, "rules", "*.md")):
    texts.append(open(f, encoding="utf-8").read())
for f in glob.glob(os.path.join(ROOT, "products", "*.html")):
    raw = re.sub(r"(?is)<(style|script)[^>]*>.*?</\1>", " ", open(f, encoding="utf-8").read())
    texts.append(html.unescape(re.sub(r"<[^>]+>", " ", raw)))
SHOP = norm("\n".join(texts))
skus = {s["sku_id"]: s["spec"] for d in prods.values() for s in d["skus"]}
orders = J("orders.json")
latest = {}
for o in orders:
    if o["status"] not in ST[1:]: errs.append(f"order status {o['order_sn']}")
    if skus.get(o["sku_id"]) != o["spec"]: errs.append(f"order sku/spec {o['order_sn']}")
    if o["status"] in ("已发货", "部分发货", "交易成功") and not o.get("logistics", {}).get("events"):
        errs.append(f"order {o['order_sn']} no logistics")
    if o["buyer_id"] not in latest or o["created_at"] > latest[o["buyer_id"]]["created_at"]:
        latest[o["buyer_id"]] = o
logs = [json.loads(l) for l in open(os.path.join(ROOT, "chat_logs/history.jsonl"), encoding="utf-8") if l.strip()]
logtxt = set()
for s in logs:
    if s["order_status"] not in ST or s["goods_id"] not in prods: errs.append(f"log {s['session_id']}")
    prev = ""
    for m in s["messages"]:
        if m["ts"] < prev: errs.append(f"log {s['session_id']} ts order")
        prev = m["ts"]
        if m["role"] == "customer" and m["type"] == "text": logtxt.add(norm(m["text"]))
cases = [json.loads(l) for l in open(os.path.join(ROOT, "cases.jsonl"), encoding="utf-8") if l.strip()]
if len({c["id"] for c in cases}) != len(cases): errs.append("dup case id")
seen_text = Counter()
for c in cases:
    st = c["order_status"]
    want = latest[c["buyer_id"]]["status"] if c["buyer_id"] in latest else "未下单"
    if st != want: errs.append(f"{c['id']}: status {st} != orders.json {want}")
    if c["goods_id"] not in prods: errs.append(f"{c['id']} goods")
    for i, t in enumerate(c["turns"]):
        e = t["expect"]
        if e["action"] not in ("answer", "handoff"): errs.append(f"{c['id']} action")
        if e["action"] == "handoff" and e.get("reason") not in REASONS: errs.append(f"{c['id']} reason")
        if e["action"] == "handoff" and i != len(c["turns"]) - 1: errs.append(f"{c['id']} handoff not last")
        if t["type"] in ("image", "video"):
            if (st in shop["media_to_human"][t["type"]]) != (e.get("reason") == "media_rule"):
                errs.append(f"{c['id']} media rule")
        else:
            n = norm(t["text"]); seen_text[n] += 1
            if n in logtxt: errs.append(f"{c['id']} copied from logs: {t['text']}")
        for g in e.get("facts", []):
            if not any(norm(x) in SHOP for x in g): errs.append(f"{c['id']} fact not in shop files: {g}")
        if "sizes" in e and e["action"] != "answer": errs.append(f"{c['id']} sizes on handoff")
for n, k in seen_text.items():
    if k > 1: errs.append(f"repeated customer text: {n}")
turns = [t for c in cases for t in c["turns"]]
print(f"{len(prods)} products, {len(orders)} orders, {len(logs)} log sessions, {len(cases)} cases, {len(turns)} turns")
print("size turns:", sum("sizes" in t["expect"] or c.get("category") == "size" for c in cases for t in c["turns"]))
print("expect:", Counter(t["expect"]["action"] + "/" + t["expect"].get("reason", "") for t in turns))
for e in errs: print("ERROR", e)
print("OK" if not errs else f"{len(errs)} errors")
sys.exit(1 if errs else 0)
