#!/usr/bin/env python3
"""Validate the thermos probe shop against shared/formats.md and check that
every fact group in cases.jsonl is backed by the shop files.

Usage:  python3 tools/check_consistency.py        (exit code 1 on any error)

Fact check: the shop text is products/*.json `detail` + rules/*.md +
products/*.html (tags stripped). Both sides are normalised the way the replay
scorer compares replies: spaces and punctuation removed, lower-cased. Every fact
group must have at least one string found in the shop text.
"""
import glob, html, json, os, re, sys, unicodedata
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATUSES = ["未下单", "待付款", "待成团", "待发货", "已发货", "部分发货", "交易成功", "交易关闭", "订单取消"]
REASONS = {"media_rule", "explicit_request", "emotion", "after_sale", "low_confidence", "repeated_failure"}
errors = []


def err(msg):
    errors.append(msg)


def norm(s):
    s = unicodedata.normalize("NFKC", s).lower()
    return "".join(ch for ch in s if not ch.isspace() and unicodedata.category(ch)[0] not in "PZ")


def load_json(rel):
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        return json.load(f)


def load_jsonl(rel):
    out = []
    with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError as e:
                    err(f"{rel}:{n}: bad JSON: {e}")
    return out


# ---------- shop.json ----------
shop = load_json("shop.json")
for k in ["shop_id", "shop_name", "platform", "timezone", "agent_hours", "greeting",
          "handoff_message", "offline_message", "media_to_human", "handoff_keywords", "after_sale_to_human"]:
    if k not in shop:
        err(f"shop.json: missing {k}")
for kind in ("image", "video"):
    if any(st not in STATUSES for st in shop.get("media_to_human", {}).get(kind, [])):
        err(f"shop.json: media_to_human.{kind} has an unknown status")
if not re.fullmatch(r"\d\d:\d\d", shop.get("agent_hours", {}).get("start", "")):
    err("shop.json: agent_hours")

# ---------- products ----------
products = {}
for p in sorted(glob.glob(os.path.join(ROOT, "products", "*.json"))):
    d = load_json(os.path.relpath(p, ROOT))
    for k in ["goods_id", "goods_name", "category", "price_yuan", "skus", "detail", "attributes"]:
        if k not in d:
            err(f"{p}: missing {k}")
    if os.path.basename(p) != f"{d['goods_id']}.json":
        err(f"{p}: file name != goods_id")
    for s in d["skus"]:
        for k in ["sku_id", "spec", "price_yuan", "stock"]:
            if k not in s:
                err(f"{p}: sku missing {k}")
    products[d["goods_id"]] = d

# ---------- shop text ----------
parts = [d["detail"] for d in products.values()]
for f in sorted(glob.glob(os.path.join(ROOT, "rules", "*.md"))):
    parts.append(open(f, encoding="utf-8").read())
for f in sorted(glob.glob(os.path.join(ROOT, "products", "*.html"))):
    raw = open(f, encoding="utf-8").read()
    raw = re.sub(r"(?is)<(style|script)[^>]*>.*?</\1>", " ", raw)
    parts.append(html.unescape(re.sub(r"<[^>]+>", " ", raw)))
SHOP_TEXT = norm("\n".join(parts))

# ---------- fact sheet coverage (the brief's facts must be in the shop files) ----------
FACT_SHEET = [
    "316不锈钢", "304不锈钢", "保温12小时", "保冷24小时", "耐腐蚀性更好", "茶隔", "不能装碳酸饮料", "4小时内喝完",
    "不能放洗碗机", "不能放进微波炉", "小苏打", "柠檬片", "免费激光刻字", "最多10个汉字", "最多6个汉字", "杯身正面",
    "杯身背面", "不能刻图片、logo和二维码", "付款后72小时内发货", "不支持7天无理由退货", "预热3分钟", "焖4-6小时",
    "6-8小时", "折叠勺收在杯盖里", "1岁半以上", "3岁以上", "直饮盖保温8小时", "吸管盖保温约4小时", "2小时内喝完",
    "约45℃以下", "吸管刷", "3个月更换一次", "不能煮", "只适配暖途", "付款后48小时内发货", "圆通快递或申通快递",
    "不能指定快递", "顺丰运费差价12元", "补15元运费", "江浙沪一般1-2天送达", "其他地区一般3-5天送达", "浙江金华",
    "修改地址", "已发货的订单不能修改地址", "联系快递员协商转寄", "成团后48小时内发出", "赠送退货运费险",
    "退货地址由人工客服提供", "质保1年", "满99减10", "5元无门槛券", "不议价", "电子普通发票", "不开增值税专用发票",
    "确认收货后",
]
missing_sheet = [f for f in FACT_SHEET if norm(f) not in SHOP_TEXT]
for f in missing_sheet:
    err(f"fact sheet item not found in shop files: {f}")

# ---------- chat logs ----------
sessions = []
for f in sorted(glob.glob(os.path.join(ROOT, "chat_logs", "*.jsonl"))):
    sessions += load_jsonl(os.path.relpath(f, ROOT))
log_texts = set()
for s in sessions:
    if s.get("order_status") not in STATUSES:
        err(f"chat {s.get('session_id')}: bad order_status")
    if "goods_id" in s and s["goods_id"] not in products:
        err(f"chat {s['session_id']}: unknown goods_id")
    ms = s.get("messages", [])
    if not 2 <= len(ms) <= 10:
        err(f"chat {s['session_id']}: {len(ms)} messages")
    prev = ""
    for m in ms:
        if m.get("role") not in ("customer", "agent") or m.get("type") not in ("text", "image", "video"):
            err(f"chat {s['session_id']}: bad message {m}")
        if m["type"] == "image" and m["text"] != "[图片]" or m["type"] == "video" and m["text"] != "[视频]":
            err(f"chat {s['session_id']}: media text")
        if not ("2025-09-01" <= m["ts"][:10] <= "2025-11-30") or not m["ts"].endswith("+08:00"):
            err(f"chat {s['session_id']}: ts out of range {m['ts']}")
        if m["ts"] < prev:
            err(f"chat {s['session_id']}: ts not increasing")
        prev = m["ts"]
        if m["role"] == "customer" and m["type"] == "text":
            log_texts.add(norm(m["text"]))
lines = [json.dumps(s, ensure_ascii=False, sort_keys=True) for s in sessions]
dup_lines = len(lines) - len(set(lines))

# ---------- orders ----------
orders = load_json("orders.json")
latest = {}
for o in orders:
    for k in ["order_sn", "buyer_id", "goods_id", "status"]:
        if k not in o:
            err(f"order {o}: missing {k}")
    if o["status"] not in STATUSES or o["status"] == "未下单":
        err(f"order {o['order_sn']}: bad status")
    if o["status"] in ("已发货", "部分发货", "交易成功") and not o.get("logistics", {}).get("events"):
        err(f"order {o['order_sn']}: shipped without logistics events")
    if o["buyer_id"] not in latest or o.get("created_at", "") > latest[o["buyer_id"]].get("created_at", ""):
        latest[o["buyer_id"]] = o
buyer_status = {f"u{n}": "未下单" for n in range(2001, 2021)}
buyer_status.update({b: o["status"] for b, o in latest.items()})

# ---------- cases ----------
cases = load_jsonl("cases.jsonl")
ids = Counter(c["id"] for c in cases)
for i, n in ids.items():
    if n > 1:
        err(f"case id {i} repeated")
fact_groups = 0
unbacked = []
copied = []
for c in cases:
    st = c.get("order_status")
    if st not in STATUSES:
        err(f"{c['id']}: bad order_status")
    if buyer_status.get(c["buyer_id"]) != st:
        err(f"{c['id']}: order_status {st} != orders.json {buyer_status.get(c['buyer_id'])} for {c['buyer_id']}")
    if "goods_id" in c and c["goods_id"] not in products:
        err(f"{c['id']}: unknown goods_id")
    if not 1 <= len(c["turns"]) <= 4:
        err(f"{c['id']}: turns")
    for t in c["turns"]:
        e = t["expect"]
        if t["type"] not in ("text", "image", "video") or e["action"] not in ("answer", "handoff"):
            err(f"{c['id']}: bad turn {t}")
        if e["action"] == "handoff" and e.get("reason") not in REASONS:
            err(f"{c['id']}: bad reason")
        if t["type"] in ("image", "video"):
            to_human = st in shop["media_to_human"][t["type"]]
            if to_human != (e["action"] == "handoff" and e.get("reason") == "media_rule"):
                err(f"{c['id']}: {t['type']} under {st} contradicts media_to_human")
        else:
            nt = norm(t["text"])
            if nt in log_texts or any(len(x) >= 8 and (x in nt or nt in x) for x in log_texts if len(nt) >= 8):
                copied.append((c["id"], t["text"]))
        for g in e.get("facts", []):
            fact_groups += 1
            hit = [s for s in g if norm(s) in SHOP_TEXT]
            if not hit:
                unbacked.append((c["id"], g))
for cid, g in unbacked:
    err(f"{cid}: fact group not found in shop files: {g}")
for cid, text in copied:
    err(f"{cid}: text copied from chat logs: {text}")

# ---------- report ----------
print("shop files:", len(products), "products,", len(glob.glob(os.path.join(ROOT, "rules", "*.md"))), "rules,",
      len(glob.glob(os.path.join(ROOT, "products", "*.html"))), "html")
print(f"fact sheet items checked: {len(FACT_SHEET)}, missing: {len(missing_sheet)}")
print(f"chat_logs: {len(sessions)} sessions ({len(set(lines))} distinct, {dup_lines} exact duplicate lines)")
print("  order_status:", dict(Counter(s["order_status"] for s in sessions)))
print(f"orders.json: {len(orders)} orders,", dict(Counter(o["status"] for o in orders)),
      "| buyers without orders:", sorted(b for b, s in buyer_status.items() if s == "未下单"))
print(f"cases.jsonl: {len(cases)} cases, {sum(len(c['turns']) for c in cases)} turns")
print("  by category:", dict(Counter(c.get("category", "?") for c in cases)))
print("  by order_status:", dict(Counter(c["order_status"] for c in cases)))
print("  turn types:", dict(Counter(t["type"] for c in cases for t in c["turns"])))
print("  expectations:", dict(Counter(t["expect"]["action"] + ("/" + t["expect"]["reason"] if "reason" in t["expect"] else "")
                                        for c in cases for t in c["turns"])))
print(f"  fact groups: {fact_groups}, backed by shop files: {fact_groups - len(unbacked)}")
print(f"  case texts copied from chat logs: {len(copied)}")
if errors:
    print(f"\nERRORS ({len(errors)}):")
    for e in errors:
        print(" -", e)
    sys.exit(1)
print("\nALL CHECKS PASSED")
