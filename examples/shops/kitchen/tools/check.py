#!/usr/bin/env python3
"""Consistency check for the kitchen-dev shop bundle (formats.md §1 + §2).

Usage:  python3 tools/check.py          (exit code 1 on any error)

Checks
  * every file parses (shop.json, products/*.json, products/*.html, rules/*.md,
    chat_logs/*.jsonl, orders.json, cases.jsonl) and has the required fields;
  * products: file name = goods_id, sku ids, price_yuan = cheapest SKU, HTML
    pages carry the page chrome and only prices that exist in the JSON;
  * orders: statuses are platform statuses, shipped orders have logistics;
  * cases: order_status / goods_id agree with the buyer's newest order in
    orders.json (or 未下单 for buyers without orders), media turns agree with
    shop.json media_to_human, handoffs are the last turn, answer turns do not
    contain a handoff keyword, explicit_request turns do;
  * every fact group has at least one string present in the shop text
    (products detail/attributes + html + rules), normalised like the scorer
    (NFKC, lower case, spaces/punctuation/symbols removed), fact strings are
    2-8 characters;
  * no case text is copied from (or nearly identical to) a chat-log message.
"""
import glob, html, json, os, re, sys, unicodedata
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATUSES = ["未下单", "待付款", "待成团", "待发货", "已发货", "部分发货", "交易成功", "交易关闭", "订单取消"]
REASONS = {"media_rule", "explicit_request", "emotion", "after_sale", "low_confidence", "repeated_failure"}
CATEGORIES = {"faq", "followup", "media", "explicit_request", "emotion", "after_sale", "low_confidence"}
errors, warnings = [], []

# a small Traditional -> Simplified fold for the characters used in this bundle
T2S = str.maketrans("電飯煲長預約幾個鐘頭熱壺內膽鏽還嗎們這裡麼說話會燒響時後單沒麼辦謝請該幫搵係識嘅傾驚整污糟個點買賣過動靜問題與為從對開關燈機們頁", 
                    "电饭煲长预约几个钟头热壶内胆锈还吗们这里么说话会烧响时后单没么办谢请该帮搵系识嘅倾惊整污糟个点买卖过动静问题与为从对开关灯机们页")


def err(m):
    errors.append(m)


def norm(s):
    s = unicodedata.normalize("NFKC", s).translate(T2S).lower()
    return "".join(ch for ch in s if not ch.isspace() and unicodedata.category(ch)[0] not in "PSZ")


def read(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return f.read()


def load_json(rel):
    try:
        return json.loads(read(rel))
    except Exception as e:  # noqa
        err(f"{rel}: cannot parse: {e}")
        return None


def load_jsonl(rel):
    out = []
    for n, line in enumerate(read(rel).splitlines(), 1):
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as e:
                err(f"{rel}:{n}: bad JSON: {e}")
    return out


def strip_html(raw):
    raw = re.sub(r"(?is)<(style|script)[^>]*>.*?</\1>", " ", raw)
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


# ---------------- shop.json ----------------
shop = load_json("shop.json") or {}
for k in ["shop_id", "shop_name", "platform", "timezone", "agent_hours", "greeting", "handoff_message",
          "offline_message", "media_to_human", "handoff_keywords", "after_sale_to_human"]:
    if k not in shop:
        err(f"shop.json: missing {k}")
if shop.get("shop_id") != "kitchen-dev":
    err("shop.json: shop_id must be kitchen-dev")
for kind in ("image", "video"):
    for st in shop.get("media_to_human", {}).get(kind, []):
        if st not in STATUSES:
            err(f"shop.json: media_to_human.{kind} has unknown status {st}")
ah = shop.get("agent_hours", {})
if not all(re.fullmatch(r"\d\d:\d\d", ah.get(k, "")) for k in ("start", "end")):
    err("shop.json: agent_hours must be HH:MM")
kw = shop.get("handoff_keywords", [])
if not 4 <= len(kw) <= 6:
    err("shop.json: 4-6 handoff_keywords expected")
if shop.get("after_sale_to_human") is not True:
    err("shop.json: after_sale_to_human must be true")
KW = [norm(k) for k in kw]

# ---------------- products ----------------
products, sku_prices = {}, {}
for p in sorted(glob.glob(os.path.join(ROOT, "products", "*.json"))):
    rel = os.path.relpath(p, ROOT)
    d = load_json(rel)
    if d is None:
        continue
    for k in ["goods_id", "goods_name", "category", "price_yuan", "skus", "detail", "attributes"]:
        if k not in d:
            err(f"{rel}: missing {k}")
    if os.path.basename(p) != f"{d['goods_id']}.json":
        err(f"{rel}: file name != goods_id")
    if len(d["skus"]) < 2:
        err(f"{rel}: fewer than 2 SKUs")
    for i, s in enumerate(d["skus"], 1):
        for k in ["sku_id", "spec", "price_yuan", "stock"]:
            if k not in s:
                err(f"{rel}: sku missing {k}")
        if s.get("sku_id") != f"{d['goods_id']}-{i}":
            err(f"{rel}: sku id {s.get('sku_id')}")
    prices = [s["price_yuan"] for s in d["skus"]]
    if d["price_yuan"] != min(prices):
        err(f"{rel}: price_yuan {d['price_yuan']} != cheapest sku {min(prices)}")
    products[d["goods_id"]] = d
    sku_prices[d["goods_id"]] = {s["sku_id"]: s for s in d["skus"]}
if not 4 <= len(products) <= 5:
    err(f"products: {len(products)} products (4-5 expected)")
all_prices = {float(s["price_yuan"]) for d in products.values() for s in d["skus"]}

html_pages = sorted(glob.glob(os.path.join(ROOT, "products", "*.html")))
if len(html_pages) < 2:
    err("products: at least 2 html detail pages expected")
html_texts = []
for f in html_pages:
    rel = os.path.relpath(f, ROOT)
    gid = os.path.basename(f)[:-5]
    if gid not in products:
        err(f"{rel}: no matching product json")
    raw = read(rel)
    if raw.count("<div") != raw.count("</div>") or raw.count("<section") != raw.count("</section>"):
        err(f"{rel}: unbalanced div/section tags")
    txt = strip_html(raw)
    for chrome in ["首页", "全部商品", "购物车", "联系客服", "猜你喜欢", "©", "ICP备"]:
        if chrome not in txt:
            err(f"{rel}: page chrome '{chrome}' missing")
    single = {float(s.get("single_price_yuan", -1)) for d in products.values() for s in d["skus"]}
    for m in re.finditer(r"(单买)?¥\s*(\d+(?:\.\d+)?)", txt):
        ok = single if m.group(1) else all_prices
        if float(m.group(2)) not in ok:
            err(f"{rel}: price {m.group(0)} not found in products json")
    html_texts.append(txt)

# ---------------- rules ----------------
rule_files = sorted(glob.glob(os.path.join(ROOT, "rules", "*.md")))
if not 5 <= len(rule_files) <= 7:
    err(f"rules: {len(rule_files)} files (5-7 expected)")
rule_texts = [read(os.path.relpath(f, ROOT)) for f in rule_files]
for f, t in zip(rule_files, rule_texts):
    if not t.lstrip().startswith("# "):
        err(f"{os.path.relpath(f, ROOT)}: no Markdown title")

parts = []
for d in products.values():
    parts.append(d["detail"])
    parts.append(" ".join(f"{k} {v}" for k, v in d["attributes"].items()))
parts += html_texts + rule_texts
SHOP_TEXT = norm("\n".join(parts))

# ---------------- chat logs ----------------
sessions = []
for f in sorted(glob.glob(os.path.join(ROOT, "chat_logs", "*.jsonl"))):
    sessions += load_jsonl(os.path.relpath(f, ROOT))
log_texts = []
for s in sessions:
    sid = s.get("session_id")
    if s.get("order_status") not in STATUSES:
        err(f"chat {sid}: bad order_status")
    if s.get("goods_id") not in products:
        err(f"chat {sid}: unknown goods_id")
    prev = ""
    for m in s.get("messages", []):
        if m.get("role") not in ("customer", "agent") or m.get("type") not in ("text", "image", "video"):
            err(f"chat {sid}: bad message {m}")
        if (m["type"] == "image") != (m["text"] == "[图片]") or (m["type"] == "video") != (m["text"] == "[视频]"):
            err(f"chat {sid}: media text/type mismatch")
        if not re.fullmatch(r"2025-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", m.get("ts", "")):
            err(f"chat {sid}: bad ts {m.get('ts')}")
        if m["ts"] < prev:
            err(f"chat {sid}: ts not increasing")
        prev = m["ts"]
        if m["type"] == "text":
            log_texts.append(norm(m["text"]))
lines = [json.dumps(s, ensure_ascii=False, sort_keys=True) for s in sessions]
dup_lines = len(lines) - len(set(lines))
if len(set(lines)) < 40:
    err(f"chat_logs: only {len(set(lines))} distinct sessions")
if dup_lines != 2:
    err(f"chat_logs: {dup_lines} exact duplicate lines (2 expected)")
log_media = Counter(m["type"] for s in sessions for m in s["messages"])

# ---------------- orders ----------------
orders = load_json("orders.json") or []
latest = {}
for o in orders:
    for k in ["order_sn", "buyer_id", "goods_id", "status", "created_at"]:
        if k not in o:
            err(f"order {o.get('order_sn')}: missing {k}")
    if o["status"] not in STATUSES or o["status"] == "未下单":
        err(f"order {o['order_sn']}: bad status {o['status']}")
    if not re.fullmatch(r"\d{6}-\d{9}", o["order_sn"]):
        err(f"order {o['order_sn']}: bad order_sn")
    if o["goods_id"] not in products:
        err(f"order {o['order_sn']}: unknown goods_id")
    elif o.get("sku_id") not in sku_prices[o["goods_id"]]:
        err(f"order {o['order_sn']}: unknown sku_id")
    elif o.get("spec") != sku_prices[o["goods_id"]][o["sku_id"]]["spec"]:
        err(f"order {o['order_sn']}: spec does not match sku")
    if o["status"] in ("已发货", "部分发货", "交易成功") and not o.get("logistics", {}).get("events"):
        err(f"order {o['order_sn']}: shipped without logistics events")
    if o["status"] in ("待付款", "待成团", "待发货", "订单取消") and o.get("logistics"):
        err(f"order {o['order_sn']}: {o['status']} must not have logistics")
    ev = [e["time"] for e in o.get("logistics", {}).get("events", [])]
    if ev and (ev != sorted(ev) or ev[0] < o["created_at"]):
        err(f"order {o['order_sn']}: logistics times out of order")
    if o["buyer_id"] not in latest or o["created_at"] > latest[o["buyer_id"]]["created_at"]:
        latest[o["buyer_id"]] = o
order_statuses = Counter(o["status"] for o in orders)

# ---------------- cases ----------------
cases = load_jsonl("cases.jsonl")
ids = Counter(c.get("id") for c in cases)
for i, n in ids.items():
    if n > 1:
        err(f"case id {i} repeated")


def bigrams(s):
    return {s[i:i + 2] for i in range(len(s) - 1)} or {s}


def copied_from_logs(nt):
    if len(nt) < 4:
        return False
    for x in log_texts:
        if nt == x or (len(nt) >= 8 and len(x) >= 8 and (nt in x or x in nt)):
            return True
        a, b = bigrams(nt), bigrams(x)
        if len(nt) >= 6 and len(a & b) / len(a | b) >= 0.6:
            return True
    return False


no_order_buyers = set()
copied, unbacked, fact_groups = [], [], 0
for c in cases:
    cid = c.get("id")
    for k in ["id", "category", "buyer_id", "order_status", "goods_id", "turns"]:
        if k not in c:
            err(f"{cid}: missing {k}")
    if c["category"] not in CATEGORIES:
        err(f"{cid}: unknown category {c['category']}")
    st, buyer = c["order_status"], c["buyer_id"]
    if buyer in latest:
        if st != latest[buyer]["status"]:
            err(f"{cid}: order_status {st} != orders.json {latest[buyer]['status']} for {buyer}")
        if c["goods_id"] != latest[buyer]["goods_id"]:
            err(f"{cid}: goods_id {c['goods_id']} != {buyer}'s order goods {latest[buyer]['goods_id']}")
    else:
        no_order_buyers.add(buyer)
        if st != "未下单":
            err(f"{cid}: {buyer} has no order, status must be 未下单")
    if c["goods_id"] not in products:
        err(f"{cid}: unknown goods_id")
    turns = c["turns"]
    for n, t in enumerate(turns):
        e = t["expect"]
        if t["type"] not in ("text", "image", "video") or e.get("action") not in ("answer", "handoff"):
            err(f"{cid}: bad turn {t}")
        if e["action"] == "handoff":
            if e.get("reason") not in REASONS:
                err(f"{cid}: bad handoff reason {e.get('reason')}")
            if n != len(turns) - 1:
                err(f"{cid}: handoff is not the last turn")
            if "facts" in e:
                err(f"{cid}: facts on a handoff turn")
        if t["type"] in ("image", "video"):
            if t["text"] != ("[图片]" if t["type"] == "image" else "[视频]"):
                err(f"{cid}: media text")
            to_human = st in shop["media_to_human"][t["type"]]
            if to_human != (e["action"] == "handoff" and e.get("reason") == "media_rule"):
                err(f"{cid}: {t['type']} under {st} contradicts shop.json media_to_human")
        else:
            nt = norm(t["text"])
            has_kw = any(k in nt for k in KW)
            if e["action"] == "answer" and has_kw:
                err(f"{cid}: answer turn contains a handoff keyword")
            if has_kw and e.get("reason") != "explicit_request":
                err(f"{cid}: keyword in text but reason is not explicit_request")
            if copied_from_logs(nt):
                copied.append((cid, t["text"]))
            if len(nt) >= 8 and nt in SHOP_TEXT:
                err(f"{cid}: case text copied from the shop files: {t['text']}")
            if re.search(r"1[3-9]\d{9}", t["text"]):
                err(f"{cid}: phone number in case text")
        if e["action"] == "answer" and c["category"] in ("faq", "followup") and not e.get("facts"):
            err(f"{cid}: faq/followup answer without facts")
        for g in e.get("facts", []):
            fact_groups += 1
            if not 1 <= len(g) <= 5:
                warnings.append(f"{cid}: fact group with {len(g)} variants")
            for f in g:
                if not 2 <= len(norm(f)) <= 8:
                    err(f"{cid}: fact string length {f!r}")
            if not any(norm(f) in SHOP_TEXT for f in g):
                unbacked.append((cid, g))
    last = turns[-1]["expect"]
    cat = c["category"]
    if cat in ("explicit_request", "emotion", "after_sale", "low_confidence"):
        if last["action"] != "handoff" or last.get("reason") != cat:
            err(f"{cid}: category {cat} must end in handoff/{cat}")
    if cat == "followup" and len(turns) < 2:
        err(f"{cid}: followup with a single turn")
for cid, g in unbacked:
    err(f"{cid}: fact group not found in shop files: {g}")
for cid, text in copied:
    err(f"{cid}: text copied from chat logs: {text}")
if len(no_order_buyers) < 2:
    err("cases: fewer than 2 buyers without orders")

# ---------------- report ----------------
turns_by_cat = Counter()
for c in cases:
    turns_by_cat[c["category"]] += len(c["turns"])
print(f"shop: {shop.get('shop_name')} ({shop.get('shop_id')}), keywords {kw}")
print(f"  media_to_human image={shop['media_to_human']['image']} video={shop['media_to_human']['video']}")
print(f"products: {len(products)} json, {len(html_pages)} html, {sum(len(d['skus']) for d in products.values())} SKUs; rules: {len(rule_files)}")
print(f"chat_logs: {len(sessions)} lines ({len(set(lines))} distinct, {dup_lines} exact duplicates), "
      f"images {log_media['image']}, videos {log_media['video']}")
print(f"orders: {len(orders)} orders for {len(latest)} buyers, {dict(order_statuses)}")
print(f"cases: {len(cases)} cases, {sum(turns_by_cat.values())} turns, {fact_groups} fact groups")
print("  cases by category:", dict(Counter(c["category"] for c in cases)))
print("  turns by category:", dict(turns_by_cat))
print("  expectations:", dict(Counter(t["expect"]["action"] + ("/" + t["expect"]["reason"] if "reason" in t["expect"] else "")
                                        for c in cases for t in c["turns"])))
print("  order_status:", dict(Counter(c["order_status"] for c in cases)))
for w in warnings:
    print("WARN", w)
for e in errors:
    print("ERROR", e)
print("OK" if not errors else f"{len(errors)} error(s)")
sys.exit(1 if errors else 0)
