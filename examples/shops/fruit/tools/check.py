#!/usr/bin/env python3
"""Validator for the fruit-dev shop bundle (橙心果园生鲜水果店).

Usage:  python3 tools/check.py          exit code 1 on any error

Checks
  * every file parses; shop.json / products / orders / chat logs / cases follow formats.md
  * shop.json: media_to_human uses the nine statuses and differs from the formats.md example;
    4-6 handoff keywords, at least one unusual multi-character one
  * products: sku ids, at least two HTML detail pages with page chrome
  * orders.json: statuses, logistics on shipped orders, sku/spec consistent with products
  * chat logs: >= 40 sessions, increasing timestamps, exactly 2 duplicated lines
  * cases: order_status == latest order status of the buyer in orders.json (or 未下单),
    goods_id consistent with the buyer's orders, handoff only as last turn,
    media expectations follow shop.json media_to_human,
    every fact group has 1-4 strings of 2-8 chars and at least one is present in products/rules,
    no case text copied from the chat logs (exact, substring >= 8 chars, or high bigram overlap),
    no case text reusing shop-file wording (10-char windows), handoff keywords only in
    explicit_request cases
"""
import glob, html, json, os, re, sys, unicodedata
from collections import Counter, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATUSES = ["未下单", "待付款", "待成团", "待发货", "已发货", "部分发货", "交易成功", "交易关闭", "订单取消"]
REASONS = {"media_rule", "explicit_request", "emotion", "after_sale", "low_confidence", "repeated_failure"}
CATEGORIES = {"faq", "followup", "media", "explicit_request", "emotion", "after_sale", "low_confidence"}
CATEGORY_REASON = {"explicit_request": "explicit_request", "emotion": "emotion",
                   "after_sale": "after_sale", "low_confidence": "low_confidence"}
FORMATS_EXAMPLE_MEDIA = {
    "image": ["未下单", "待付款", "待成团", "待发货", "已发货", "部分发货", "交易成功", "交易关闭", "订单取消"],
    "video": ["待发货", "已发货", "部分发货", "交易成功"],
}
# minimal Traditional -> Simplified folding for the characters used in this bundle
T2S = str.maketrans("們嗎裡麼貨訂幾號開請問蘋這個發票報帳闆壓裡麵種認來時說樣壞確認收會寄給實體點還對過經費買賣東產邊從見時間區後總電話與應該樣樹魚錢幫門",
                    "们吗里么货订几号开请问苹这个发票报帐板压里面种认来时说样坏确认收会寄给实体点还对过经费买卖东产边从见时间区后总电话与应该样树鱼钱帮门")
errors, warnings = [], []


def err(m):
    errors.append(m)


def warn(m):
    warnings.append(m)


def norm(s):
    s = unicodedata.normalize("NFKC", s).lower().translate(T2S)
    return "".join(ch for ch in s if not ch.isspace() and unicodedata.category(ch)[0] not in "PZS")


def load_json(rel):
    try:
        with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
            return json.load(f)
    except Exception as e:  # noqa
        err(f"{rel}: cannot parse: {e}")
        return None


def load_jsonl(rel):
    out, raw = [], []
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
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
if shop.get("shop_id") != "fruit-dev":
    err("shop.json: shop_id must be fruit-dev")
if shop.get("platform") != "pdd":
    err("shop.json: platform")
ah = shop.get("agent_hours", {})
if not all(re.fullmatch(r"\d\d:\d\d", ah.get(k, "")) for k in ("start", "end")):
    err("shop.json: agent_hours format")
m2h = shop.get("media_to_human", {})
for typ in ("image", "video"):
    lst = m2h.get(typ)
    if not isinstance(lst, list) or any(s not in STATUSES for s in lst) or len(set(lst)) != len(lst):
        err(f"shop.json: media_to_human.{typ} invalid")
if m2h == FORMATS_EXAMPLE_MEDIA or any(m2h.get(t) == FORMATS_EXAMPLE_MEDIA[t] for t in ("image", "video")):
    err("shop.json: media_to_human must differ from the formats.md / sample lists")
kws = shop.get("handoff_keywords", [])
if not 4 <= len(kws) <= 6:
    err("shop.json: need 4-6 handoff_keywords")
if not any(len(k) >= 4 and k not in ("转人工客服",) for k in kws):
    err("shop.json: need an unusual multi-character handoff keyword")
if shop.get("after_sale_to_human") is not True:
    err("shop.json: after_sale_to_human must be true")

# ---------------- products ----------------
products = {}
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
    if len(d.get("skus", [])) < 3:
        err(f"{rel}: needs several SKUs")
    for s in d.get("skus", []):
        for k in ["sku_id", "spec", "price_yuan", "stock"]:
            if k not in s:
                err(f"{rel}: sku missing {k}")
        if not str(s.get("sku_id", "")).startswith(d["goods_id"] + "-"):
            err(f"{rel}: sku_id {s.get('sku_id')} not prefixed by goods_id")
    if abs(min(s["price_yuan"] for s in d["skus"]) - d["price_yuan"]) > 1e-6:
        err(f"{rel}: price_yuan should be the lowest sku price")
    products[d["goods_id"]] = d
if not 4 <= len(products) <= 5:
    err(f"products: {len(products)} products, want 4-5")

html_pages = sorted(glob.glob(os.path.join(ROOT, "products", "*.html")))
if len(html_pages) < 2:
    err("products: need at least two HTML detail pages")
html_texts = []
for f in html_pages:
    gid = os.path.basename(f)[:-5]
    if gid not in products:
        err(f"{f}: html without product json")
    raw = open(f, encoding="utf-8").read()
    for chrome in ["首页", "全部商品", "购物车", "联系客服", "猜你喜欢", "ICP备", "©"]:
        if chrome not in raw:
            err(f"{os.path.basename(f)}: page chrome missing '{chrome}'")
    if "<nav" not in raw and "class=\"bar\"" not in raw:
        err(f"{os.path.basename(f)}: no navigation bar")
    body = re.sub(r"(?is)<(style|script)[^>]*>.*?</\1>", " ", raw)
    html_texts.append(html.unescape(re.sub(r"<[^>]+>", " ", body)))

rules = sorted(glob.glob(os.path.join(ROOT, "rules", "*.md")))
if not 5 <= len(rules) <= 7:
    err(f"rules: {len(rules)} files, want 5-7")
rule_texts = [open(f, encoding="utf-8").read() for f in rules]

shop_parts = [d["detail"] for d in products.values()] + \
             [json.dumps(d["attributes"], ensure_ascii=False) for d in products.values()] + \
             [s["spec"] for d in products.values() for s in d["skus"]] + rule_texts + html_texts
SHOP_TEXT = norm("\n".join(shop_parts))

# ---------------- orders ----------------
orders = load_json("orders.json") or []
latest, buyer_goods = {}, defaultdict(set)
for o in orders:
    for k in ["order_sn", "buyer_id", "goods_id", "status"]:
        if k not in o:
            err(f"order {o}: missing {k}")
    if not re.fullmatch(r"\d{6}-\d{9}", o.get("order_sn", "")):
        err(f"order {o.get('order_sn')}: bad order_sn")
    if o["status"] not in STATUSES or o["status"] == "未下单":
        err(f"order {o['order_sn']}: bad status {o['status']}")
    if o["goods_id"] not in products:
        err(f"order {o['order_sn']}: unknown goods_id")
    else:
        skus = {s["sku_id"]: s for s in products[o["goods_id"]]["skus"]}
        if o.get("sku_id") and (o["sku_id"] not in skus or skus[o["sku_id"]]["spec"] != o.get("spec")):
            err(f"order {o['order_sn']}: sku/spec mismatch")
    shipped = o["status"] in ("已发货", "部分发货", "交易成功")
    if shipped and not o.get("logistics", {}).get("events"):
        err(f"order {o['order_sn']}: shipped without logistics events")
    if o["status"] in ("待付款", "待成团", "待发货", "订单取消") and o.get("logistics"):
        err(f"order {o['order_sn']}: unshipped order has logistics")
    for e in o.get("logistics", {}).get("events", []):
        if e["time"] < o.get("created_at", ""):
            err(f"order {o['order_sn']}: logistics event before order")
    if o["buyer_id"] not in latest or o.get("created_at", "") > latest[o["buyer_id"]].get("created_at", ""):
        latest[o["buyer_id"]] = o
    buyer_goods[o["buyer_id"]].add(o["goods_id"])
order_statuses = Counter(o["status"] for o in orders)
if len(set(order_statuses)) < 6:
    err("orders: cover more statuses")
KNOWN_BUYERS = [f"u{n}" for n in range(6001, 6018)]
buyer_status = {b: "未下单" for b in KNOWN_BUYERS}
buyer_status.update({b: o["status"] for b, o in latest.items()})
no_order = sorted(b for b, s in buyer_status.items() if s == "未下单")
if len(no_order) < 2:
    err("orders: need a couple of buyers with no order")

# ---------------- chat logs ----------------
sessions, raw_lines = [], []
for f in sorted(glob.glob(os.path.join(ROOT, "chat_logs", "*.jsonl"))):
    s, r = load_jsonl(os.path.relpath(f, ROOT))
    sessions += s
    raw_lines += r
log_texts = []
n_media = Counter()
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
        if m["type"] != "text":
            n_media[m["type"]] += 1
        if not re.fullmatch(r"2025-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00", m.get("ts", "")):
            err(f"chat {sid}: bad ts {m.get('ts')}")
        if m["ts"] < prev:
            err(f"chat {sid}: ts not increasing")
        prev = m["ts"]
        if m["role"] == "customer" and m["type"] == "text":
            log_texts.append(norm(m["text"]))
distinct = len(set(raw_lines))
dup_lines = len(raw_lines) - distinct
if distinct < 40:
    err(f"chat logs: {distinct} distinct sessions, want >= 40")
if dup_lines != 2:
    err(f"chat logs: {dup_lines} duplicated lines, want exactly 2")
log_texts = [t for t in set(log_texts) if t]


def bigrams(s):
    return {s[i:i + 2] for i in range(len(s) - 1)}


# ---------------- cases ----------------
cases, _ = load_jsonl("cases.jsonl")
ids = Counter(c.get("id") for c in cases)
for i, n in ids.items():
    if n > 1:
        err(f"case id {i} repeated")
fact_groups, unbacked, copied, reused = 0, [], [], []
kw_norm = [norm(k) for k in kws]
for c in cases:
    cid = c.get("id")
    cat = c.get("category")
    if cat not in CATEGORIES:
        err(f"{cid}: bad category {cat}")
    st = c.get("order_status")
    if st not in STATUSES:
        err(f"{cid}: bad order_status")
    if c.get("buyer_id") not in buyer_status:
        err(f"{cid}: unknown buyer {c.get('buyer_id')}")
    elif buyer_status[c["buyer_id"]] != st:
        err(f"{cid}: order_status {st} != orders.json {buyer_status[c['buyer_id']]} for {c['buyer_id']}")
    if c.get("goods_id") not in products:
        err(f"{cid}: unknown goods_id")
    if buyer_goods.get(c.get("buyer_id")) and c["goods_id"] not in buyer_goods[c["buyer_id"]]:
        err(f"{cid}: goods_id {c['goods_id']} not among {c['buyer_id']}'s orders")
    turns = c.get("turns", [])
    if not 1 <= len(turns) <= 4:
        err(f"{cid}: {len(turns)} turns")
    for k, t in enumerate(turns):
        e = t.get("expect", {})
        if t.get("type") not in ("text", "image", "video") or e.get("action") not in ("answer", "handoff"):
            err(f"{cid}: bad turn {t}")
            continue
        if e["action"] == "handoff":
            if e.get("reason") not in REASONS:
                err(f"{cid}: bad handoff reason {e.get('reason')}")
            if k != len(turns) - 1:
                err(f"{cid}: handoff is not the last turn")
            if cat in CATEGORY_REASON and e.get("reason") != CATEGORY_REASON[cat]:
                err(f"{cid}: category {cat} but reason {e.get('reason')}")
        elif "facts" not in e:
            err(f"{cid}: answer without facts list")
        if cat in CATEGORY_REASON and k == len(turns) - 1 and e["action"] != "handoff":
            err(f"{cid}: category {cat} must end with a handoff")
        if cat in ("faq", "followup") and e["action"] != "answer":
            err(f"{cid}: {cat} turn should be an answer")
        if t["type"] in ("image", "video"):
            if t.get("text") != ("[图片]" if t["type"] == "image" else "[视频]"):
                err(f"{cid}: media text")
            to_human = st in m2h.get(t["type"], [])
            is_media_handoff = e["action"] == "handoff" and e.get("reason") == "media_rule"
            if to_human != is_media_handoff:
                err(f"{cid}: {t['type']} under {st} contradicts media_to_human")
            if not to_human and e["action"] == "handoff":
                err(f"{cid}: media not in list but handoff")
        else:
            nt = norm(t["text"])
            if e.get("reason") == "media_rule":
                err(f"{cid}: media_rule on a text turn")
            # copied from chat logs?
            for x in log_texts:
                if nt == x or (len(x) >= 8 and x in nt) or (len(nt) >= 8 and nt in x):
                    copied.append((cid, t["text"], "substring"))
                    break
                bx, bn = bigrams(x), bigrams(nt)
                if len(bn) >= 4 and len(bx) >= 4 and len(bx & bn) / len(bx | bn) >= 0.6:
                    copied.append((cid, t["text"], "near-copy"))
                    break
            # reusing shop-file wording?
            for i in range(0, max(0, len(nt) - 9)):
                if nt[i:i + 10] in SHOP_TEXT:
                    reused.append((cid, t["text"], nt[i:i + 10]))
                    break
            has_kw = any(k in nt for k in kw_norm)
            if has_kw and not (e["action"] == "handoff" and e.get("reason") == "explicit_request"):
                err(f"{cid}: text contains a handoff keyword but is not expected as explicit_request")
        for g in e.get("facts", []):
            fact_groups += 1
            if not 1 <= len(g) <= 4:
                err(f"{cid}: fact group size {len(g)}")
            for s in g:
                if not 2 <= len(norm(s)) <= 8:
                    err(f"{cid}: fact '{s}' not 2-8 chars")
            if not any(norm(s) in SHOP_TEXT for s in g):
                unbacked.append((cid, g))
for cid, g in unbacked:
    err(f"{cid}: fact group not found in shop files: {g}")
for cid, text, how in copied:
    err(f"{cid}: text copied from chat logs ({how}): {text}")
for cid, text, win in reused:
    err(f"{cid}: text reuses shop-file wording '{win}': {text}")

total_turns = sum(len(c.get("turns", [])) for c in cases)
if not 65 <= total_turns <= 75:
    err(f"cases: {total_turns} customer turns, want 65-75")
kw_cases = [c["id"] for c in cases if c.get("category") == "explicit_request"
            and any(k in norm(t.get("text", "")) for t in c["turns"] for k in kw_norm)]
if len(kw_cases) < 2:
    err("cases: need 2 explicit_request cases with a handoff keyword inside a sentence")
media_ans = sum(1 for c in cases for t in c["turns"] if t["type"] != "text" and t["expect"]["action"] == "answer")
media_ho = sum(1 for c in cases for t in c["turns"] if t["type"] != "text" and t["expect"]["action"] == "handoff")
if not media_ans or not media_ho:
    err("cases: media turns need both answer and handoff expectations")

# ---------------- report ----------------
print("shop files:", len(products), "products,", len(rules), "rules,", len(html_pages), "html pages")
print(f"chat_logs: {len(sessions)} lines ({distinct} distinct, {dup_lines} exact duplicates), media msgs {dict(n_media)}")
print("  session order_status:", dict(Counter(s["order_status"] for s in sessions)))
print(f"orders.json: {len(orders)} orders {dict(order_statuses)}; buyers without order: {no_order}")
print(f"cases.jsonl: {len(cases)} cases, {total_turns} customer turns")
cc = Counter()
for c in cases:
    cc[c.get("category")] += len(c["turns"])
print("  cases by category:", dict(Counter(c.get("category") for c in cases)))
print("  turns by category:", dict(cc))
print("  expectations:", dict(Counter(t["expect"]["action"] + ("/" + t["expect"]["reason"] if "reason" in t["expect"] else "")
                                        for c in cases for t in c["turns"])))
print("  by order_status:", dict(Counter(c["order_status"] for c in cases)))
print(f"  media turns: {media_ans} answer / {media_ho} handoff; keyword-in-sentence cases: {kw_cases}")
print(f"  fact groups: {fact_groups}, backed: {fact_groups - len(unbacked)}; copied from logs: {len(copied)}; "
      f"reused shop wording: {len(reused)}")
for w in warnings:
    print("warning:", w)
if errors:
    print(f"\nERRORS ({len(errors)}):")
    for e in errors:
        print(" -", e)
    sys.exit(1)
print("\nALL CHECKS PASSED")
