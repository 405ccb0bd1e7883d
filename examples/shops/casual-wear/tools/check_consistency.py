#!/usr/bin/env python3
"""Validate the casual-wear shop bundle against shared/formats.md.

Checks: every file parses; product / chat log / order / case schemas; case
order_status equals the buyer's newest order in orders.json (未下单 when none);
image/video turns follow shop.json media_to_human; every fact group has at least
one string found in the shop text (products detail+attributes, rules, html);
case texts are not copied from chat logs; `sizes` only on answer turns.
Run: python3 tools/check_consistency.py   (exit 1 on error)
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
    return "".join(ch for ch in s if not ch.isspace() and unicodedata.category(ch)[0] not in "PZS")


def jl(rel):
    return [json.loads(l) for l in open(os.path.join(ROOT, rel), encoding="utf-8") if l.strip()]


shop = json.load(open(os.path.join(ROOT, "shop.json"), encoding="utf-8"))
for k in ["shop_id", "shop_name", "platform", "timezone", "agent_hours", "greeting", "handoff_message",
          "offline_message", "media_to_human", "handoff_keywords", "after_sale_to_human"]:
    if k not in shop: err(f"shop.json missing {k}")
if shop["shop_id"] != "casual-wear": err("shop_id")

products, parts = {}, []
for p in sorted(glob.glob(os.path.join(ROOT, "products", "*.json"))):
    d = json.load(open(p, encoding="utf-8"))
    for k in ["goods_id", "goods_name", "category", "price_yuan", "skus", "detail", "attributes"]:
        if k not in d: err(f"{p} missing {k}")
    if os.path.basename(p) != d["goods_id"] + ".json": err(f"{p} name")
    for s in d["skus"]:
        if set(["sku_id", "spec", "price_yuan", "stock"]) - set(s): err(f"{p} sku {s}")
    products[d["goods_id"]] = d
    parts += [d["goods_name"], d["detail"]] + [f"{k}{v}" for k, v in d["attributes"].items()]
for f in sorted(glob.glob(os.path.join(ROOT, "rules", "*.md"))):
    parts.append(open(f, encoding="utf-8").read())
for f in sorted(glob.glob(os.path.join(ROOT, "products", "*.html"))):
    raw = re.sub(r"(?is)<(style|script)[^>]*>.*?</\1>", " ", open(f, encoding="utf-8").read())
    parts.append(html.unescape(re.sub(r"<[^>]+>", " ", raw)))
SHOP = norm("\n".join(parts))

sessions = jl("chat_logs/history.jsonl")
log_texts = set()
for s in sessions:
    if s["order_status"] not in STATUSES: err(f"{s['session_id']} status")
    if s.get("goods_id") not in products: err(f"{s['session_id']} goods")
    prev = ""
    for m in s["messages"]:
        if m["role"] not in ("customer", "agent") or m["type"] not in ("text", "image", "video"): err(str(m))
        if (m["type"] == "image") != (m["text"] == "[图片]") or (m["type"] == "video") != (m["text"] == "[视频]"):
            err(f"{s['session_id']} media text")
        if m["ts"] < prev or not m["ts"].endswith("+08:00"): err(f"{s['session_id']} ts")
        prev = m["ts"]
        if m["role"] == "customer" and m["type"] == "text": log_texts.add(norm(m["text"]))
lines = [json.dumps(s, ensure_ascii=False, sort_keys=True) for s in sessions]

orders = json.load(open(os.path.join(ROOT, "orders.json"), encoding="utf-8"))
latest = {}
for o in orders:
    if o["status"] not in STATUSES[1:]: err(f"order {o['order_sn']} status")
    if o["goods_id"] not in products: err(f"order {o['order_sn']} goods")
    if o["status"] in ("已发货", "部分发货", "交易成功") and not o.get("logistics", {}).get("events"):
        err(f"order {o['order_sn']} no logistics")
    if o["buyer_id"] not in latest or o["created_at"] > latest[o["buyer_id"]]["created_at"]:
        latest[o["buyer_id"]] = o

cases = jl("cases.jsonl")
for i, n in Counter(c["id"] for c in cases).items():
    if n > 1: err(f"dup id {i}")
cats, turns, texts = Counter(), 0, Counter()
for c in cases:
    st = c["order_status"]
    want = latest[c["buyer_id"]]["status"] if c["buyer_id"] in latest else "未下单"
    if st != want: err(f"{c['id']}: status {st} != {want}")
    if c.get("goods_id") and c["goods_id"] not in products: err(f"{c['id']} goods")
    cats[c["category"]] += 1
    for k, t in enumerate(c["turns"]):
        turns += 1
        e = t["expect"]
        if e["action"] not in ("answer", "handoff"): err(f"{c['id']} action")
        if e["action"] == "handoff":
            if e.get("reason") not in REASONS: err(f"{c['id']} reason")
            if k != len(c["turns"]) - 1: err(f"{c['id']}: handoff not last turn")
            if "sizes" in e: err(f"{c['id']}: sizes on handoff")
        if t["type"] in ("image", "video"):
            to_h = st in shop["media_to_human"][t["type"]]
            if to_h != (e["action"] == "handoff" and e.get("reason") == "media_rule"): err(f"{c['id']} media")
        else:
            nt = norm(t["text"])
            texts[nt] += 1
            if nt in log_texts or any(len(x) >= 8 and (x in nt or nt in x) for x in log_texts if len(nt) >= 8):
                err(f"{c['id']}: copied from logs: {t['text']}")
        for g in e.get("facts", []):
            if not any(norm(s) in SHOP for s in g): err(f"{c['id']}: fact group not in shop files {g}")
for t, n in texts.items():
    if n > 1: err(f"repeated customer text: {t}")

print(f"products {len(products)}, rules {len(glob.glob(os.path.join(ROOT, 'rules', '*.md')))}, "
      f"sessions {len(sessions)} ({len(lines) - len(set(lines))} duplicate lines), orders {len(orders)}")
print(f"cases {len(cases)}, turns {turns}, categories {dict(cats)}")
for e in errors: print("ERROR", e)
print("OK" if not errors else f"{len(errors)} errors")
sys.exit(1 if errors else 0)
