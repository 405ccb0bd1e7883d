#!/usr/bin/env python3
"""Validate a sample shop bundle against shared/formats.md and check that every
fact group in an evaluation-case file is backed by the shop files.

Adapted from examples/shops/hair-dye/tools/check_consistency.py; everything
shop-specific is read from the bundle instead of being a constant:
  * media rules are checked against the shop's own shop.json `media_to_human`;
  * `agent_hours` only has to be a valid HH:MM pair;
  * a buyer with no order in orders.json counts as `未下单`;
  * the fact sheet is optional (`tools/fact_sheet.txt`, one string a line).

Usage (exit code 1 on any error):
  python3 tools/check_consistency.py                       # this shop, cases.jsonl
  python3 tools/check_consistency.py --root ../hair-dye --cases fresh_cases.jsonl \
          --compare-cases cases.jsonl                      # another shop / case file

Fact check: the shop text is products/*.json `detail` + rules/*.md +
products/*.html (tags stripped). Both sides are normalised the way the replay
scorer compares replies: NFKC, Traditional folded to Simplified (when OpenCC is
installed, e.g. /work/main/.venv/bin/python), spaces and punctuation removed,
lower-cased. Every fact group must have at least one string found in the
shop text.

Copy check: a customer text must not equal, contain or be contained in (>= 8
normalised characters) a customer text of the chat logs, nor of the files given
with --compare-cases. Texts whose character-bigram overlap with any of those
texts is high are reported as warnings (near-copies worth rewording).
"""
import argparse, glob, html, json, os, re, sys, unicodedata
from collections import Counter

TOOLS = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--root", default=os.path.dirname(TOOLS), help="shop bundle folder")
ap.add_argument("--cases", default="cases.jsonl", help="case file, relative to --root")
ap.add_argument("--compare-cases", action="append", default=[], help="other case files (relative to --root) "
                "whose customer texts must not be copied")
ap.add_argument("--fact-sheet", default=None, help="optional file of fact strings (default: <root>/tools/fact_sheet.txt)")
ap.add_argument("--near", type=float, default=0.6, help="bigram-Dice threshold for near-copy warnings")
args = ap.parse_args()
ROOT = os.path.abspath(args.root)

STATUSES = ["未下单", "待付款", "待成团", "待发货", "已发货", "部分发货", "交易成功", "交易关闭", "订单取消"]
REASONS = {"media_rule", "explicit_request", "emotion", "after_sale", "low_confidence", "repeated_failure"}
CATEGORIES = {"faq", "followup", "media", "explicit_request", "emotion", "after_sale", "low_confidence"}
errors, warnings = [], []


def err(msg):
    errors.append(msg)


try:  # Traditional -> Simplified folding, when OpenCC is installed (the project's .venv has it)
    import opencc
    _T2S = opencc.OpenCC("t2s").convert
except Exception:  # plain python3 without OpenCC: no folding (facts are written in Simplified anyway)
    _T2S = None


def norm(s):
    s = unicodedata.normalize("NFKC", s)
    s = (_T2S(s) if _T2S else s).lower()
    return "".join(ch for ch in s if not ch.isspace() and unicodedata.category(ch)[0] not in "PZ")


def bigrams(s):
    return Counter(s[i:i + 2] for i in range(len(s) - 1))


def dice(a, b):
    ba, bb = bigrams(a), bigrams(b)
    if not ba or not bb:
        return 0.0
    return 2 * sum((ba & bb).values()) / (sum(ba.values()) + sum(bb.values()))


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
media = shop.get("media_to_human", {})
for kind in ("image", "video"):
    if not isinstance(media.get(kind), list) or any(s not in STATUSES for s in media.get(kind, [])):
        err(f"shop.json: media_to_human.{kind} must be a list of order statuses")
hours = shop.get("agent_hours", {})
if not all(re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", str(hours.get(k, ""))) for k in ("start", "end")):
    err(f"shop.json: agent_hours {hours}")

# ---------- products ----------
products = {}
for p in sorted(glob.glob(os.path.join(ROOT, "products", "*.json"))):
    d = load_json(os.path.relpath(p, ROOT))
    for k in ["goods_id", "goods_name", "category", "price_yuan", "skus", "detail", "attributes"]:
        if k not in d:
            err(f"{p}: missing {k}")
    if os.path.basename(p) != f"{d['goods_id']}.json":
        err(f"{p}: file name != goods_id")
    if not all(isinstance(v, str) for v in d.get("attributes", {}).values()):
        err(f"{p}: attribute values must be strings")
    seen = set()
    for s in d["skus"]:
        for k in ["sku_id", "spec", "price_yuan", "stock"]:
            if k not in s:
                err(f"{p}: sku missing {k}")
        if s["sku_id"] in seen:
            err(f"{p}: sku_id {s['sku_id']} repeated")
        seen.add(s["sku_id"])
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

# ---------- optional fact sheet ----------
sheet_path = args.fact_sheet or os.path.join(ROOT, "tools", "fact_sheet.txt")
FACT_SHEET = []
if os.path.exists(sheet_path):
    FACT_SHEET = [l.strip() for l in open(sheet_path, encoding="utf-8") if l.strip() and not l.startswith("#")]
missing_sheet = [f for f in FACT_SHEET if norm(f) not in SHOP_TEXT]
for f in missing_sheet:
    err(f"fact sheet item not found in shop files: {f}")

# ---------- chat logs ----------
sessions = []
for f in sorted(glob.glob(os.path.join(ROOT, "chat_logs", "*.jsonl"))):
    sessions += load_jsonl(os.path.relpath(f, ROOT))
log_texts = set()
ref_raw = {}
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
            ref_raw[norm(m["text"])] = m["text"]
lines = [json.dumps(s, ensure_ascii=False, sort_keys=True) for s in sessions]
dup_lines = len(lines) - len(set(lines))

# ---------- other case files (texts must not be copied from them either) ----------
other_texts = {}
for rel in args.compare_cases:
    for c in load_jsonl(rel):
        for t in c["turns"]:
            if t["type"] == "text":
                other_texts[norm(t["text"])] = f"{rel}:{c['id']}"
                ref_raw[norm(t["text"])] = t["text"]

# ---------- orders ----------
orders = load_json("orders.json") if os.path.exists(os.path.join(ROOT, "orders.json")) else []
latest = {}
for o in orders:
    for k in ["order_sn", "buyer_id", "goods_id", "status"]:
        if k not in o:
            err(f"order {o}: missing {k}")
    if o["status"] not in STATUSES or o["status"] == "未下单":
        err(f"order {o['order_sn']}: bad status")
    if o["goods_id"] not in products:
        err(f"order {o['order_sn']}: unknown goods_id")
    if o["status"] in ("已发货", "部分发货", "交易成功") and not (o.get("logistics") or {}).get("events"):
        err(f"order {o['order_sn']}: shipped without logistics events")
    if o["buyer_id"] not in latest or o.get("created_at", "") > latest[o["buyer_id"]].get("created_at", ""):
        latest[o["buyer_id"]] = o
order_sns = Counter(o["order_sn"] for o in orders)
for sn, n in order_sns.items():
    if n > 1:
        err(f"order_sn {sn} repeated")
buyer_status = {b: o["status"] for b, o in latest.items()}

# ---------- cases ----------
cases = load_jsonl(args.cases)
ids = Counter(c["id"] for c in cases)
for i, n in ids.items():
    if n > 1:
        err(f"case id {i} repeated")
fact_groups = 0
unbacked, copied, near = [], [], []
all_ref = {t: "chat_logs" for t in log_texts}
all_ref.update(other_texts)
seen_texts = {}
for c in cases:
    st = c.get("order_status")
    if st not in STATUSES:
        err(f"{c['id']}: bad order_status")
    if not re.fullmatch(r"u\d{4}", c.get("buyer_id", "")):
        err(f"{c['id']}: buyer_id {c.get('buyer_id')}")
    if buyer_status.get(c["buyer_id"], "未下单") != st:
        err(f"{c['id']}: order_status {st} != orders.json {buyer_status.get(c['buyer_id'], '未下单')} for {c['buyer_id']}")
    if "category" in c and c["category"] not in CATEGORIES:
        err(f"{c['id']}: unknown category {c['category']}")
    if "goods_id" in c and c["goods_id"] not in products:
        err(f"{c['id']}: unknown goods_id")
    if not 1 <= len(c["turns"]) <= 4:
        err(f"{c['id']}: turns")
    for i, t in enumerate(c["turns"]):
        e = t["expect"]
        if t["type"] not in ("text", "image", "video") or e["action"] not in ("answer", "handoff"):
            err(f"{c['id']}: bad turn {t}")
        if e["action"] == "handoff":
            if e.get("reason") not in REASONS:
                err(f"{c['id']}: bad reason")
            if i != len(c["turns"]) - 1:
                err(f"{c['id']}: handoff is not the last turn")
            if "facts" in e:
                err(f"{c['id']}: facts on a handoff turn")
            if c.get("category") not in (None, "followup", "faq") and c["category"] != e.get("reason") \
                    and not (c["category"] == "media" and e.get("reason") == "media_rule"):
                err(f"{c['id']}: category {c['category']} but handoff reason {e.get('reason')}")
        if t["type"] in ("image", "video"):
            if t["text"] != {"image": "[图片]", "video": "[视频]"}[t["type"]]:
                err(f"{c['id']}: media text")
            to_human = st in media[t["type"]]
            if to_human != (e["action"] == "handoff" and e.get("reason") == "media_rule"):
                err(f"{c['id']}: {t['type']} under {st} contradicts media_to_human")
        else:
            nt = norm(t["text"])
            if nt in seen_texts:
                err(f"{c['id']}: text repeats {seen_texts[nt]}: {t['text']}")
            seen_texts.setdefault(nt, c["id"])
            hit = next((src for x, src in all_ref.items() if x == nt or (len(nt) >= 8 and len(x) >= 8 and (x in nt or nt in x))), None)
            if hit:
                copied.append((c["id"], t["text"], hit))
            elif len(nt) >= 4:
                best = max(((dice(nt, x), src, x) for x, src in all_ref.items()), default=(0, "", ""))
                if best[0] >= args.near:
                    near.append((c["id"], t["text"], best))
        for g in e.get("facts", []):
            fact_groups += 1
            if not g or not all(isinstance(x, str) and x for x in g):
                err(f"{c['id']}: empty fact group")
            if not [x for x in g if norm(x) in SHOP_TEXT]:
                unbacked.append((c["id"], g))
for cid, g in unbacked:
    err(f"{cid}: fact group not found in shop files: {g}")
for cid, text, src in copied:
    err(f"{cid}: text copied from {src}: {text}")
for cid, text, (score, src, x) in near:
    warnings.append(f"{cid}: {text}  ~({score:.2f})~  {src}: {ref_raw.get(x, x)}")

# ---------- report ----------
print("shop:", shop.get("shop_id"), "|", len(products), "products,", len(glob.glob(os.path.join(ROOT, "rules", "*.md"))),
      "rules,", len(glob.glob(os.path.join(ROOT, "products", "*.html"))), "html")
print("media_to_human:", media, "| Traditional folding:", "opencc" if _T2S else "off (OpenCC not installed)")
print(f"fact sheet items checked: {len(FACT_SHEET)}, missing: {len(missing_sheet)}")
print(f"chat_logs: {len(sessions)} sessions ({len(set(lines))} distinct, {dup_lines} exact duplicate lines)")
print("  order_status:", dict(Counter(s["order_status"] for s in sessions)))
print(f"orders.json: {len(orders)} orders,", dict(Counter(o["status"] for o in orders)),
      "| latest status per buyer:", dict(sorted(buyer_status.items())))
print(f"{args.cases}: {len(cases)} cases, {sum(len(c['turns']) for c in cases)} turns")
print("  by category:", dict(Counter(c.get("category", "?") for c in cases)))
print("  by order_status:", dict(Counter(c["order_status"] for c in cases)))
print("  turn types:", dict(Counter(t["type"] for c in cases for t in c["turns"])))
print("  expectations:", dict(Counter(t["expect"]["action"] + ("/" + t["expect"]["reason"] if "reason" in t["expect"] else "")
                                        for c in cases for t in c["turns"])))
print(f"  fact groups: {fact_groups}, backed by shop files: {fact_groups - len(unbacked)}")
print(f"  case texts copied from chat logs{' / ' + ', '.join(args.compare_cases) if args.compare_cases else ''}: {len(copied)}")
print(f"  near-copy warnings (bigram Dice >= {args.near}): {len(near)}")
for w in warnings:
    print("  WARN", w)
if errors:
    print(f"\nERRORS ({len(errors)}):")
    for e in errors:
        print(" -", e)
    sys.exit(1)
print("\nALL CHECKS PASSED")
