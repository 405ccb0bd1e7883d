#!/usr/bin/env python3
"""Validate the tea shop bundle (adapted from the hair-dye sample checker) against shared/formats.md and check that
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
BUYERS = range(3001, 3023)          # u3001 .. u3022
TS_RANGE = ("2025-04-01", "2025-11-30")
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
mth = shop.get("media_to_human", {})
if set(mth) != {"image", "video"}:
    err("shop.json: media_to_human must have image and video lists")
for kind, lst in mth.items():
    if not isinstance(lst, list) or any(x not in STATUSES for x in lst) or len(set(lst)) != len(lst):
        err(f"shop.json: media_to_human.{kind} has unknown or repeated statuses")
ah = shop.get("agent_hours", {})
if set(ah) != {"start", "end"} or not all(re.fullmatch(r"[0-2]\d:[0-5]\d", ah[k]) for k in ah) or ah["start"] >= ah["end"]:
    err("shop.json: agent_hours")
if shop.get("platform") != "pdd":
    err("shop.json: platform")
if not all(isinstance(k, str) and k for k in shop.get("handoff_keywords", [])):
    err("shop.json: handoff_keywords")

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
    "西湖龙井", "明前特级", "雨前一级", "清明节前采摘", "口粮茶", "89元", "139元", "328元", "2025年3月下旬", "2025年4月中旬",
    "18个月", "80-85℃", "不要用100℃沸水直接冲", "3克茶叶", "150毫升水", "续水2-3次", "放冰箱冷藏", "3个月内喝完",
    "正常的氧化", "遵医嘱", "下午3点以后少喝", "咖啡因",
    "357克", "熟茶", "生茶", "温和", "茶刀", "侧面边缘", "纹理", "100℃沸水", "洗茶", "熟茶可以洗两遍", "8-10泡",
    "不要放冰箱", "通风、干燥、避光", "樟脑丸", "串味", "试饮装9.9元", "限购2份", "在符合储存条件下适宜长期保存",
    "寿眉", "白牡丹", "白毫银针", "全是芽头", "350g", "小火煮3-5分钟", "不需要放冰箱冷藏", "长期存放", "包装标注3年",
    "茉莉龙珠", "茉莉银毫", "七窨一提", "窨制", "花渣筛掉", "8-10颗", "不建议用保温杯长时间闷泡", "39.9元", "45.9元",
    "公道杯", "品茗杯6个", "开片", "不是裂缝", "不漏水", "开水烫一遍", "洗洁精", "食用碱", "不能进微波炉", "不建议放洗碗机",
    "气泡柱", "珍珠棉", "加厚纸箱", "运输破损包赔", "签收后24小时内",
    "浙江杭州仓", "福建福州仓", "分开发货", "16:00前付款的订单当天发出", "48小时内发货", "成团后才发货", "中通快递",
    "圆通快递或申通快递", "顺丰", "补差价15元", "补12元运费", "青海、甘肃、宁夏、内蒙古包邮", "港澳台及海外地区暂不发货",
    "2-4天", "4-7天", "订单详情里自己修改收货地址", "已经发货的订单不能修改地址",
    "7天无理由退货", "已拆封的茶叶不支持无理由退货", "退货地址由人工客服审核后提供", "机器人客服不提供退货地址", "运费险",
    "电子普通发票", "税号", "确认收货后", "暂不支持开增值税专用发票",
    "满99减10", "满199减25", "不能叠加", "关注店铺领5元券", "实付满168元", "不议价", "不放价格单", "贺卡", "免费",
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
        if not (TS_RANGE[0] <= m["ts"][:10] <= TS_RANGE[1]) or not m["ts"].endswith("+08:00"):
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
buyer_status = {f"u{n}": "未下单" for n in BUYERS}
buyer_status.update({b: o["status"] for b, o in latest.items()})

# ---------- cases ----------
cases = load_jsonl("cases.jsonl")
SAMPLE_TEXTS = set()
_sample = os.path.join(ROOT, "..", "..", "..", "shared", "sample-shops", "hair-dye", "cases.jsonl")
for _p in [_sample, "/work/shared/sample-shops/hair-dye/cases.jsonl"]:
    if os.path.exists(_p):
        for _l in open(_p, encoding="utf-8"):
            if _l.strip():
                for _t in json.loads(_l)["turns"]:
                    if _t["type"] == "text":
                        SAMPLE_TEXTS.add(norm(_t["text"]))
        break
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
    for ti, t in enumerate(c["turns"]):
        e = t["expect"]
        if set(t) - {"type", "text", "expect"} or set(e) - {"action", "facts", "reason"}:
            err(f"{c['id']}: unexpected turn fields {t}")
        if e["action"] == "handoff" and ti != len(c["turns"]) - 1:
            err(f"{c['id']}: handoff is not the last turn")
        if e["action"] == "answer" and "reason" in e or e["action"] == "handoff" and "facts" in e:
            err(f"{c['id']}: facts/reason mixed up")
        if t["type"] == "text" and e["action"] == "answer" and any(k in t["text"] for k in shop["handoff_keywords"]):
            err(f"{c['id']}: answer turn contains a handoff keyword: {t['text']}")
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
            for x in SAMPLE_TEXTS:
                if len(nt) >= 6 and (nt == x or (len(x) >= 8 and x in nt) or (len(nt) >= 8 and nt in x)):
                    copied.append((c["id"], "[sample shop] " + t["text"]))
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
