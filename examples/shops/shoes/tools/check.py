#!/usr/bin/env python3
"""Validate the shoes-dev shop bundle against shared/formats.md.

Usage:  python3 tools/check.py          (exit code 1 on any error)

Checks
  * every file parses; required keys of shop.json / products / orders / chat logs / cases
  * media_to_human and order statuses use the platform's nine statuses
  * chat logs: >= 40 sessions, sane messages, increasing timestamps, exactly 2 duplicate lines
  * orders: shipped orders carry logistics; sku ids exist in the products
  * cases: order_status / goods_id match the buyer's newest order in orders.json (or 未下单)
  * media turns: handoff/media_rule exactly when the status is in shop.json's list
  * a handoff is always the last turn of its case
  * every fact group has at least one string found in products (json + html) / rules
  * fact strings are 2-8 characters after normalisation
  * handoff keywords appear only in the explicit_request cases that are meant to contain them
  * no case text is copied from the chat logs (equal, contained, or sharing >= 10 characters)
"""
import glob, html, json, os, re, sys, unicodedata
from collections import Counter
from difflib import SequenceMatcher

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATUSES = ["未下单", "待付款", "待成团", "待发货", "已发货", "部分发货", "交易成功", "交易关闭", "订单取消"]
REASONS = {"media_rule", "explicit_request", "emotion", "after_sale", "low_confidence", "repeated_failure"}
CATEGORIES = {"faq", "followup", "media", "explicit_request", "emotion", "after_sale", "low_confidence"}
errors, warnings = [], []


def err(msg):
    errors.append(msg)


def norm(s):
    """Scorer-like normalisation: NFKC, lower-case, drop spaces / punctuation / symbols."""
    s = unicodedata.normalize("NFKC", s).lower()
    return "".join(ch for ch in s if unicodedata.category(ch)[0] not in "PZS" and not ch.isspace())


def path(*p):
    return os.path.join(ROOT, *p)


def load_json(rel):
    try:
        with open(path(rel), encoding="utf-8") as f:
            return json.load(f)
    except Exception as e:  # noqa: BLE001
        err(f"{rel}: cannot parse: {e}")
        return None


def load_jsonl(rel):
    out, raw = [], []
    with open(path(rel), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            raw.append(line.rstrip("\n"))
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                err(f"{rel}:{n}: bad JSON: {e}")
    return out, raw


# ---------------- shop.json ----------------
shop = load_json("shop.json") or {}
for k in ["shop_id", "shop_name", "platform", "timezone", "agent_hours", "greeting", "handoff_message",
          "offline_message", "media_to_human", "handoff_keywords", "after_sale_to_human"]:
    if k not in shop:
        err(f"shop.json: missing {k}")
if shop.get("shop_id") != "shoes-dev":
    err("shop.json: shop_id must be shoes-dev")
for kind in ("image", "video"):
    lst = shop.get("media_to_human", {}).get(kind)
    if not isinstance(lst, list) or any(s not in STATUSES for s in lst):
        err(f"shop.json: media_to_human.{kind} invalid")
ah = shop.get("agent_hours", {})
if not all(re.fullmatch(r"\d\d:\d\d", ah.get(k, "")) for k in ("start", "end")):
    err("shop.json: agent_hours")
KEYWORDS = shop.get("handoff_keywords", [])
if not 4 <= len(KEYWORDS) <= 6:
    err("shop.json: need 4-6 handoff_keywords")
if shop.get("after_sale_to_human") is not True:
    err("shop.json: after_sale_to_human must be true")

# ---------------- products ----------------
products, sku_ids = {}, {}
for p in sorted(glob.glob(path("products", "*.json"))):
    rel = os.path.relpath(p, ROOT)
    d = load_json(rel)
    if not d:
        continue
    for k in ["goods_id", "goods_name", "category", "price_yuan", "skus", "detail", "attributes"]:
        if k not in d:
            err(f"{rel}: missing {k}")
    if os.path.basename(p) != f"{d.get('goods_id')}.json":
        err(f"{rel}: file name != goods_id")
    if len(d.get("skus", [])) < 3:
        err(f"{rel}: fewer than 3 SKUs")
    for s in d.get("skus", []):
        for k in ["sku_id", "spec", "price_yuan", "stock"]:
            if k not in s:
                err(f"{rel}: sku missing {k}")
        if not s.get("sku_id", "").startswith(d["goods_id"] + "-"):
            err(f"{rel}: sku id {s.get('sku_id')} does not start with goods_id")
        sku_ids[s["sku_id"]] = (d["goods_id"], s["spec"])
    products[d["goods_id"]] = d
if not 4 <= len(products) <= 5:
    err(f"products: {len(products)} products, want 4-5")

html_files = sorted(glob.glob(path("products", "*.html")))
if len(html_files) < 2:
    err("products: need at least two .html detail pages")
html_texts = []
for f in html_files:
    gid = os.path.basename(f)[:-5]
    if gid not in products:
        err(f"{f}: no matching product json")
    raw = open(f, encoding="utf-8").read()
    for must in ["首页", "全部商品", "购物车", "联系客服", "猜你喜欢", "©", "ICP"]:
        if must not in raw:
            err(f"{os.path.basename(f)}: page chrome '{must}' missing")
    raw = re.sub(r"(?is)<(style|script)[^>]*>.*?</\1>", " ", raw)
    html_texts.append(html.unescape(re.sub(r"<[^>]+>", " ", raw)))

rule_files = sorted(glob.glob(path("rules", "*.md")))
if not 5 <= len(rule_files) <= 7:
    err(f"rules: {len(rule_files)} files, want 5-7")
rule_texts = [open(f, encoding="utf-8").read() for f in rule_files]

parts = [d["detail"] for d in products.values()]
parts += [" ".join(f"{k} {v}" for k, v in d["attributes"].items()) for d in products.values()]
parts += rule_texts + html_texts
SHOP_TEXT = norm("\n".join(parts))
if not re.search(r"脚长.*?码", "\n".join(rule_texts + html_texts), re.S):
    err("no size chart (foot length -> size) in rules or html")

# ---------------- chat logs ----------------
sessions, raw_lines = [], []
for f in sorted(glob.glob(path("chat_logs", "*.jsonl"))):
    s, r = load_jsonl(os.path.relpath(f, ROOT))
    sessions += s
    raw_lines += r
log_texts = []
for s in sessions:
    sid = s.get("session_id")
    if s.get("order_status") not in STATUSES:
        err(f"chat {sid}: bad order_status")
    if s.get("goods_id") not in products:
        err(f"chat {sid}: unknown goods_id")
    ms = s.get("messages", [])
    if len(ms) < 2:
        err(f"chat {sid}: too short")
    prev = ""
    for m in ms:
        if m.get("role") not in ("customer", "agent") or m.get("type") not in ("text", "image", "video"):
            err(f"chat {sid}: bad message {m}")
        if (m["type"] == "image") != (m["text"] == "[图片]") or (m["type"] == "video") != (m["text"] == "[视频]"):
            err(f"chat {sid}: media text mismatch")
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", m.get("ts", "")):
            err(f"chat {sid}: bad ts {m.get('ts')}")
        if m["ts"] < prev:
            err(f"chat {sid}: ts not increasing")
        prev = m["ts"]
        if m["type"] == "text":
            log_texts.append(norm(m["text"]))
uniq_sessions = len(set(raw_lines))
dup_lines = len(raw_lines) - uniq_sessions
if uniq_sessions < 40:
    err(f"chat_logs: only {uniq_sessions} distinct sessions")
if dup_lines != 2:
    err(f"chat_logs: {dup_lines} exact duplicate lines, want 2")
ids = Counter(s["session_id"] for s in sessions)
if sum(n - 1 for n in ids.values()) != dup_lines:
    err("chat_logs: repeated session_id that is not an exact duplicate")

# ---------------- orders ----------------
orders = load_json("orders.json") or []
latest = {}
for o in orders:
    for k in ["order_sn", "buyer_id", "goods_id", "status"]:
        if k not in o:
            err(f"order {o}: missing {k}")
    if o["status"] not in STATUSES or o["status"] == "未下单":
        err(f"order {o['order_sn']}: bad status {o['status']}")
    if o["goods_id"] not in products:
        err(f"order {o['order_sn']}: unknown goods_id")
    if "sku_id" in o and sku_ids.get(o["sku_id"], ("",))[0] != o["goods_id"]:
        err(f"order {o['order_sn']}: sku {o['sku_id']} not in goods {o['goods_id']}")
    for it in o.get("items", []):
        if it["sku_id"] not in sku_ids:
            err(f"order {o['order_sn']}: unknown item sku")
    if o["status"] in ("已发货", "部分发货", "交易成功") and not o.get("logistics", {}).get("events"):
        err(f"order {o['order_sn']}: shipped without logistics events")
    if o["status"] in ("待付款", "待成团", "待发货", "订单取消") and o.get("logistics"):
        err(f"order {o['order_sn']}: unshipped order with logistics")
    if o["buyer_id"] not in latest or o.get("created_at", "") > latest[o["buyer_id"]].get("created_at", ""):
        latest[o["buyer_id"]] = o
order_statuses = Counter(o["status"] for o in orders)
missing_st = [s for s in STATUSES[1:] if s not in order_statuses]
if missing_st:
    warnings.append(f"orders.json: statuses not covered: {missing_st}")

# ---------------- cases ----------------
cases, _ = load_jsonl("cases.jsonl")
cid_count = Counter(c["id"] for c in cases)
for i, n in cid_count.items():
    if n > 1:
        err(f"case id {i} repeated")
no_order_buyers = set()
fact_groups, unbacked, copied = 0, [], []
kw_cases = []
for c in cases:
    cid, st, cat = c["id"], c.get("order_status"), c.get("category")
    if cat not in CATEGORIES:
        err(f"{cid}: bad category {cat}")
    if st not in STATUSES:
        err(f"{cid}: bad order_status")
    o = latest.get(c["buyer_id"])
    want = o["status"] if o else "未下单"
    if st != want:
        err(f"{cid}: order_status {st} != orders.json {want} for {c['buyer_id']}")
    if not o:
        no_order_buyers.add(c["buyer_id"])
    if "goods_id" in c:
        if c["goods_id"] not in products:
            err(f"{cid}: unknown goods_id")
        if o and c["goods_id"] != o["goods_id"]:
            err(f"{cid}: goods_id {c['goods_id']} != buyer's order goods {o['goods_id']}")
    turns = c["turns"]
    for n, t in enumerate(turns):
        e = t["expect"]
        if t["type"] not in ("text", "image", "video") or e.get("action") not in ("answer", "handoff"):
            err(f"{cid}: bad turn {t}")
        if e["action"] == "handoff":
            if e.get("reason") not in REASONS:
                err(f"{cid}: bad reason {e.get('reason')}")
            if n != len(turns) - 1:
                err(f"{cid}: handoff is not the last turn")
        if t["type"] in ("image", "video"):
            if t["text"] != ("[图片]" if t["type"] == "image" else "[视频]"):
                err(f"{cid}: media text")
            to_human = st in shop["media_to_human"][t["type"]]
            is_rule = e["action"] == "handoff" and e.get("reason") == "media_rule"
            if to_human != is_rule:
                err(f"{cid}: {t['type']} under {st} contradicts media_to_human")
        else:
            nt = norm(t["text"])
            for lt in log_texts:
                if not lt:
                    continue
                if nt == lt or (len(lt) >= 6 and lt in nt) or (len(nt) >= 6 and nt in lt):
                    copied.append((cid, t["text"], lt))
                    break
                m = SequenceMatcher(None, nt, lt, autojunk=False).find_longest_match(0, len(nt), 0, len(lt))
                if m.size >= 10:
                    copied.append((cid, t["text"], lt[m.b:m.b + m.size]))
                    break
            hits = [k for k in KEYWORDS if k in t["text"]]
            if hits:
                kw_cases.append(cid)
                if not (e["action"] == "handoff" and e.get("reason") == "explicit_request"):
                    err(f"{cid}: contains handoff keyword {hits} but is not an explicit_request handoff")
        if e["action"] == "answer":
            if "facts" not in e:
                err(f"{cid}: answer without facts list")
            for g in e.get("facts", []):
                fact_groups += 1
                if not 2 <= len(g) <= 4 and len(g) != 1:
                    warnings.append(f"{cid}: fact group of {len(g)} strings: {g}")
                for s in g:
                    if not 2 <= len(norm(s)) <= 8:
                        err(f"{cid}: fact '{s}' not 2-8 characters")
                if not any(norm(s) in SHOP_TEXT for s in g):
                    unbacked.append((cid, g))
    if cat == "media" and not any(t["type"] != "text" for t in turns):
        err(f"{cid}: media case without media turn")
    last = turns[-1]["expect"]
    if cat in ("explicit_request", "emotion", "after_sale", "low_confidence") and last.get("reason") != cat:
        err(f"{cid}: category {cat} but last reason {last.get('reason')}")
for cid, g in unbacked:
    err(f"{cid}: fact group not found in shop files: {g}")
for cid, text, hit in copied:
    err(f"{cid}: text overlaps chat logs: {text}  <->  {hit}")
if len(kw_cases) < 2:
    err("need >= 2 cases with a handoff keyword inside an ordinary sentence")
if not no_order_buyers:
    err("no case for a buyer without orders")
n_turns = sum(len(c["turns"]) for c in cases)
if not 65 <= n_turns <= 75:
    err(f"cases: {n_turns} customer turns, want about 65-75")

# media coverage: both outcomes for both kinds
media_out = Counter((t["type"], t["expect"]["action"]) for c in cases for t in c["turns"] if t["type"] != "text")
for k in [("image", "handoff"), ("image", "answer"), ("video", "handoff"), ("video", "answer")]:
    if not media_out[k]:
        err(f"media: no {k} turn")

# ---------------- report ----------------
print(f"shop files: {len(products)} products ({sum(len(p['skus']) for p in products.values())} SKUs), "
      f"{len(html_files)} html, {len(rule_files)} rules")
print(f"chat_logs: {len(sessions)} lines, {uniq_sessions} distinct sessions, {dup_lines} exact duplicates")
print(f"orders.json: {len(orders)} orders for {len(latest)} buyers, statuses {dict(order_statuses)}")
print(f"cases.jsonl: {len(cases)} cases, {n_turns} customer turns")
cat_cases = Counter(c["category"] for c in cases)
cat_turns = Counter()
for c in cases:
    cat_turns[c["category"]] += len(c["turns"])
for k in sorted(cat_cases):
    print(f"  {k:17s} {cat_cases[k]:3d} cases {cat_turns[k]:3d} turns")
print("  expectations:", dict(Counter(t["expect"]["action"] + ("/" + t["expect"]["reason"] if "reason" in t["expect"] else "")
                                        for c in cases for t in c["turns"])))
print("  media turns:", dict(media_out))
print(f"  fact groups: {fact_groups}, unbacked: {len(unbacked)}; copied texts: {len(copied)}; keyword cases: {kw_cases}")
for w in warnings:
    print("warning:", w)
if errors:
    print(f"\nERRORS ({len(errors)}):")
    for e in errors:
        print(" -", e)
    sys.exit(1)
print("\nALL CHECKS PASSED")
