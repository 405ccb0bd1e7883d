#!/usr/bin/env python3
"""Consistency check for the pets-blind shop bundle (formats.md §1/§2).

Run:  python3 tools/check.py      (exit code 1 on any error)

Checks
- every file parses; shop.json / products / orders / chat logs / cases have the contract fields
- products/*.html carry page chrome (nav, breadcrumb, 猜你喜欢, footer with 备案) around the content
- case order_status == status of the buyer's newest order in orders.json (or 未下单), goods_id consistent
- image/video turns: handoff(media_rule) exactly when the status is in shop.json media_to_human
- a handoff is always the last turn; reasons are valid
- handoff_keywords appear only in explicit_request cases; every fact group has >=1 string found
  in the shop text (products detail/attributes + rules + html text), facts are short
- no case text copied from the chat logs (normalised; common substring >= 8 chars)
- chat-log noise: duplicates, media, PII-looking phone numbers, Traditional characters
"""
import glob, html, json, os, re, sys, unicodedata
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATUSES = ["未下单", "待付款", "待成团", "待发货", "已发货", "部分发货", "交易成功", "交易关闭", "订单取消"]
REASONS = {"media_rule", "explicit_request", "emotion", "after_sale", "low_confidence", "repeated_failure"}
CATEGORIES = {"faq", "followup", "media", "explicit_request", "emotion", "after_sale", "low_confidence"}
errors, warnings = [], []
err, warn = errors.append, warnings.append

# small Traditional->Simplified fold, enough for the characters used in this bundle
T2S = str.maketrans("貓糧頭髮請問嗎冇穀試買過測塗裡塊們動這個幾貨運發費單號還麼嘅係淨嘢咗啲凍乾開會黏膠該搵傾講機級務條說話訊價錢蛋幫龍東馬無廣時間對錯讓點應該當來給個壞貓", "猫粮头发请问吗没谷试买过测涂里块们动这个几货运发费单号还么的系净东了些冻干开会粘胶该找倾讲机级务条说话讯价钱蛋帮龙东马无广时间对错让点应该当来给个坏猫")


def norm(s):
    s = unicodedata.normalize("NFKC", s).lower().translate(T2S)
    return "".join(ch for ch in s if not ch.isspace() and unicodedata.category(ch)[0] not in "PZ")


def load_json(rel):
    try:
        with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
            return json.load(f)
    except Exception as e:
        err(f"{rel}: cannot parse: {e}")
        return None


def load_jsonl(rel):
    out = []
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    out.append((n, line.rstrip("\n"), json.loads(line)))
                except json.JSONDecodeError as e:
                    err(f"{rel}:{n}: bad JSON: {e}")
    return out


def lcs_len(a, b):
    """length of the longest common substring"""
    if not a or not b:
        return 0
    best, prev = 0, [0] * (len(b) + 1)
    for ca in a:
        cur = [0] * (len(b) + 1)
        for j, cb in enumerate(b, 1):
            if ca == cb:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best


# ---------- shop.json ----------
shop = load_json("shop.json") or {}
for k in ["shop_id", "shop_name", "platform", "timezone", "agent_hours", "greeting", "handoff_message",
          "offline_message", "media_to_human", "handoff_keywords", "after_sale_to_human"]:
    if k not in shop:
        err(f"shop.json: missing {k}")
if shop.get("shop_id") != "pets-blind":
    err("shop.json: shop_id must be pets-blind")
media = shop.get("media_to_human", {})
for kind in ("image", "video"):
    for st in media.get(kind, []):
        if st not in STATUSES:
            err(f"shop.json: media_to_human.{kind} has unknown status {st}")
if media.get("image") == STATUSES:
    warn("shop.json: image list identical to the sample (all statuses)")
kws = shop.get("handoff_keywords", [])
if not 4 <= len(kws) <= 6:
    err("shop.json: want 4-6 handoff_keywords")
if shop.get("after_sale_to_human") is not True:
    err("shop.json: after_sale_to_human must be true")
for k in ("start", "end"):
    if not re.fullmatch(r"\d\d:\d\d", shop.get("agent_hours", {}).get(k, "")):
        err("shop.json: agent_hours format")

# ---------- products ----------
products, text_parts = {}, []
for p in sorted(glob.glob(os.path.join(ROOT, "products", "*.json"))):
    rel = os.path.relpath(p, ROOT)
    d = load_json(rel)
    if d is None:
        continue
    for k in ["goods_id", "goods_name", "category", "price_yuan", "skus", "detail", "attributes"]:
        if k not in d:
            err(f"{rel}: missing {k}")
    if os.path.basename(p) != f"{d.get('goods_id')}.json":
        err(f"{rel}: file name != goods_id")
    if len(d.get("skus", [])) < 2:
        err(f"{rel}: want several SKUs")
    for sku in d.get("skus", []):
        for k in ["sku_id", "spec", "price_yuan", "stock"]:
            if k not in sku:
                err(f"{rel}: sku missing {k}")
        if not sku.get("sku_id", "").startswith(d["goods_id"] + "-"):
            err(f"{rel}: sku_id {sku.get('sku_id')} not under goods_id")
    if not any(abs(s["price_yuan"] - d["price_yuan"]) < 1e-6 for s in d["skus"]):
        err(f"{rel}: price_yuan is not the price of any SKU")
    products[d["goods_id"]] = d
    text_parts.append(d["detail"])
    text_parts.append(" ".join(f"{k} {v}" for k, v in d["attributes"].items()))
    text_parts.append(" ".join(s["spec"] for s in d["skus"]))
if not 4 <= len(products) <= 5:
    err(f"want 4-5 products, got {len(products)}")

rules = sorted(glob.glob(os.path.join(ROOT, "rules", "*.md")))
if not 5 <= len(rules) <= 7:
    err(f"want 5-7 rule files, got {len(rules)}")
for f in rules:
    t = open(f, encoding="utf-8").read()
    if not t.lstrip().startswith("#"):
        err(f"{os.path.relpath(f, ROOT)}: no heading")
    text_parts.append(t)

htmls = sorted(glob.glob(os.path.join(ROOT, "products", "*.html")))
if len(htmls) < 2:
    err("want at least two products/*.html")
for f in htmls:
    raw = open(f, encoding="utf-8").read()
    gid = os.path.basename(f)[:-5]
    if gid not in products:
        err(f"{f}: no matching product json")
    for must in ["首页", "全部商品", "购物车", "联系客服", "猜你喜欢", "©", "ICP备", "&gt;"]:
        if must not in raw:
            err(f"{os.path.basename(f)}: page chrome missing '{must}'")
    if raw.count("<html") != 1 or "</html>" not in raw:
        err(f"{os.path.basename(f)}: not a full html page")
    body = re.sub(r"(?is)<(style|script)[^>]*>.*?</\1>", " ", raw)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    for sku in products.get(gid, {}).get("skus", []):
        price = f"{sku['price_yuan']:g}"
        if price not in text:
            err(f"{os.path.basename(f)}: SKU price {price} not on page")
    text_parts.append(text)
SHOP_TEXT = norm("\n".join(text_parts))

# ---------- orders ----------
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
    sku = next((s for s in products.get(o["goods_id"], {}).get("skus", []) if s["sku_id"] == o.get("sku_id")), None)
    if o.get("sku_id") and not sku:
        err(f"order {o['order_sn']}: unknown sku_id")
    if sku and o.get("spec") and o["spec"] != sku["spec"]:
        err(f"order {o['order_sn']}: spec differs from SKU")
    shipped = o["status"] in ("已发货", "部分发货", "交易成功")
    if shipped and not o.get("logistics", {}).get("events"):
        err(f"order {o['order_sn']}: shipped without logistics events")
    if not shipped and o.get("logistics"):
        err(f"order {o['order_sn']}: logistics on an unshipped order")
    if o["buyer_id"] not in latest or o.get("created_at", "") > latest[o["buyer_id"]].get("created_at", ""):
        latest[o["buyer_id"]] = o
buyer_status = {b: o["status"] for b, o in latest.items()}
buyer_goods = {b: o["goods_id"] for b, o in latest.items()}
order_statuses = Counter(o["status"] for o in orders)

# ---------- chat logs ----------
sessions, raw_lines = [], []
for f in sorted(glob.glob(os.path.join(ROOT, "chat_logs", "*.jsonl"))):
    for n, raw, s in load_jsonl(os.path.relpath(f, ROOT)):
        sessions.append(s)
        raw_lines.append(raw)
log_texts = []
media_msgs = 0
for s in sessions:
    if s.get("order_status") not in STATUSES:
        err(f"chat {s.get('session_id')}: bad order_status")
    if s.get("goods_id") not in products:
        err(f"chat {s.get('session_id')}: unknown goods_id")
    prev = ""
    for m in s.get("messages", []):
        if m.get("role") not in ("customer", "agent") or m.get("type") not in ("text", "image", "video"):
            err(f"chat {s['session_id']}: bad message {m}")
        if (m["type"] == "image" and m["text"] != "[图片]") or (m["type"] == "video" and m["text"] != "[视频]"):
            err(f"chat {s['session_id']}: media text")
        if m["type"] != "text":
            media_msgs += 1
        if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", m.get("ts", "")) or m["ts"] < prev:
            err(f"chat {s['session_id']}: bad or decreasing ts {m.get('ts')}")
        prev = m["ts"]
        if m["role"] == "customer" and m["type"] == "text":
            log_texts.append(norm(m["text"]))
dup_lines = len(raw_lines) - len(set(raw_lines))
distinct_sessions = len(set(raw_lines))
all_log = "\n".join(raw_lines)
phones = len(set(re.findall(r"1[3-9]\d{9}", all_log)))
trad = sum(1 for ch in all_log if ch in "貓糧請問嗎冇穀試買凍乾開")
if distinct_sessions < 40:
    err(f"chat logs: only {distinct_sessions} distinct sessions")
if dup_lines != 2:
    err(f"chat logs: want 2 exact duplicate lines, got {dup_lines}")
if phones < 2 or media_msgs < 3 or trad == 0:
    err("chat logs: not noisy enough (phones / media / Traditional)")

# ---------- cases ----------
cases = []
for n, raw, c in load_jsonl("cases.jsonl"):
    cases.append(c)
ids = Counter(c.get("id") for c in cases)
for i, k in ids.items():
    if k > 1:
        err(f"case id {i} repeated")
copied, fact_groups, unbacked = [], 0, []
for c in cases:
    cid, st, cat = c.get("id"), c.get("order_status"), c.get("category")
    if cat not in CATEGORIES:
        err(f"{cid}: bad category {cat}")
    if st not in STATUSES:
        err(f"{cid}: bad order_status {st}")
    if buyer_status.get(c.get("buyer_id"), "未下单") != st:
        err(f"{cid}: order_status {st} != orders.json {buyer_status.get(c.get('buyer_id'), '未下单')} for {c.get('buyer_id')}")
    if "goods_id" in c:
        if c["goods_id"] not in products:
            err(f"{cid}: unknown goods_id")
        if c.get("buyer_id") in buyer_goods and buyer_goods[c["buyer_id"]] != c["goods_id"]:
            err(f"{cid}: goods_id {c['goods_id']} != buyer's order goods {buyer_goods[c['buyer_id']]}")
    turns = c.get("turns", [])
    if not turns:
        err(f"{cid}: no turns")
    for i, t in enumerate(turns):
        e = t.get("expect", {})
        if t.get("type") not in ("text", "image", "video") or e.get("action") not in ("answer", "handoff"):
            err(f"{cid}: bad turn {t}")
        if e.get("action") == "handoff":
            if e.get("reason") not in REASONS:
                err(f"{cid}: bad reason {e.get('reason')}")
            if i != len(turns) - 1:
                err(f"{cid}: handoff is not the last turn")
            if cat not in ("media",) and e.get("reason") != cat:
                err(f"{cid}: reason {e.get('reason')} does not match category {cat}")
        elif cat in ("faq", "followup") and t["type"] == "text" and not e.get("facts") and i == len(turns) - 1:
            warn(f"{cid}: answer turn without facts")
        if e.get("action") == "handoff" and "facts" in e:
            err(f"{cid}: facts on a handoff")
        if t["type"] in ("image", "video"):
            if t.get("text") != ("[图片]" if t["type"] == "image" else "[视频]"):
                err(f"{cid}: media text")
            to_human = st in media.get(t["type"], [])
            if to_human != (e.get("action") == "handoff" and e.get("reason") == "media_rule"):
                err(f"{cid}: {t['type']} under {st} contradicts media_to_human")
        else:
            nt = norm(t["text"])
            hit_kw = [k for k in kws if k in t["text"]]
            if hit_kw and not (e.get("action") == "handoff" and e.get("reason") == "explicit_request"):
                err(f"{cid}: text contains handoff keyword {hit_kw} but is not an explicit_request handoff")
            for lt in log_texts:
                if nt == lt or lcs_len(nt, lt) >= 8:
                    copied.append((cid, t["text"]))
                    break
            if lcs_len(nt, SHOP_TEXT) >= 12:
                warn(f"{cid}: case text reuses a long stretch of shop-file wording: {t['text']}")
        for g in e.get("facts", []):
            fact_groups += 1
            if not g or not all(isinstance(x, str) for x in g):
                err(f"{cid}: bad fact group {g}")
                continue
            if not any(norm(x) in SHOP_TEXT for x in g):
                unbacked.append((cid, g))
            for x in g:
                if not 2 <= len(x) <= 8 and not re.fullmatch(r"[\d.]+", x):
                    warn(f"{cid}: fact '{x}' not 2-8 characters")
            if t["type"] == "text" and all(norm(x) in norm(t["text"]) for x in g):
                warn(f"{cid}: fact group {g} is already in the question")
for cid, g in unbacked:
    err(f"{cid}: fact group not found in shop files: {g}")
for cid, text in copied:
    err(f"{cid}: text copied from chat logs: {text}")
kw_cases = [c["id"] for c in cases if any(k in t.get("text", "") for t in c["turns"] for k in kws)]
if len(kw_cases) < 2:
    err("want >=2 cases with a shop handoff keyword inside a sentence")

# ---------- report ----------
turns_by_cat = Counter()
for c in cases:
    turns_by_cat[c.get("category")] += len(c["turns"])
print(f"shop files: {len(products)} products, {len(rules)} rules, {len(htmls)} html")
print(f"chat_logs: {len(sessions)} lines ({distinct_sessions} distinct, {dup_lines} exact duplicates), "
      f"{media_msgs} media msgs, {phones} phone-like numbers")
print(f"orders.json: {len(orders)} orders {dict(order_statuses)}; buyers with orders: {len(latest)}")
print(f"cases.jsonl: {len(cases)} cases, {sum(turns_by_cat.values())} customer turns")
print("  cases by category:", dict(Counter(c.get("category") for c in cases)))
print("  turns by category:", dict(turns_by_cat))
print("  expectations:", dict(Counter(t["expect"]["action"] + ("/" + t["expect"]["reason"] if "reason" in t["expect"] else "")
                                        for c in cases for t in c["turns"])))
print("  media turns:", dict(Counter(f"{t['type']}@{c['order_status']}->{t['expect']['action']}"
                                       for c in cases for t in c["turns"] if t["type"] != "text")))
print(f"  fact groups: {fact_groups}, backed: {fact_groups - len(unbacked)}; keyword cases: {kw_cases}")
for w in warnings:
    print("WARN", w)
if errors:
    print(f"\nERRORS ({len(errors)}):")
    for e in errors:
        print(" -", e)
    sys.exit(1)
print("\nALL CHECKS PASSED")
