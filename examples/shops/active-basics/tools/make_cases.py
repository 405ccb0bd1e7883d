#!/usr/bin/env python3
"""Builds cases.jsonl and tools/size_annotations.json (the measures behind every
size turn, read by check_sizes.py). Run from the shop folder."""
import json, os
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def sz(*labels):
    facts = [["2XL", "XXL"] if l == "2XL" else [l] for l in labels]
    return {"action": "answer", "facts": facts, "sizes": list(labels)}
def ask(*what):
    return {"action": "answer", "facts": [[w] for w in what], "sizes": []}
HO = lambda r: {"action": "handoff", "reason": r}

C = []   # (id, category, buyer, status, goods, [(type, text, expect, annotation)])
def case(cid, cat, buyer, status, goods, *turns):
    C.append((cid, cat, buyer, status, goods, turns))
def T(text, expect, ann=None, typ="text"):
    return (typ, text, expect, ann)

# ---------------- 速干T恤 200101 (HTML table, kg, 落肩宽松 -> 修身拍小一码) ----------------
case("c01", "size", "u2019", "未下单", "200101",
     T("身高172 体重62公斤，这个T恤穿哪个码合适", sz("L"), {"g": "200101", "h": 172, "kg": 62}),
     T("另外你家那个止汗发带 我头围60 戴着会不会勒", HO("low_confidence"), {"g": "200106", "kind": "no_chart"}))
case("c02", "size", "u2020", "未下单", "200101",
     T("男生 一米六五 一百零六斤 短袖拿啥码", sz("M"), {"g": "200101", "h": 165, "jin": 106}))
case("c03", "size", "u2021", "未下单", "200101",
     T("180的个子 体重一百五十斤 该穿多大的", sz("XL", "2XL"), {"g": "200101", "h": 180, "jin": 150}))
case("c04", "size", "u2006", "交易成功", "200101",
     T("上回买的L挺好穿 这回给我弟弟拍 他163，61kg，拍哪个", sz("M", "L"), {"g": "200101", "h": 163, "kg": 61}))
case("c05", "size", "u2022", "未下单", "200101",
     T("我170 63kg 不想穿得松松垮垮 要合身点的 选哪个码", sz("M"), {"g": "200101", "h": 170, "kg": 63, "fit": "slim"}))
case("c06", "size", "u2019", "未下单", "200101",
     T("身高一米八二 體重八十公斤 我喜歡穿貼身一點的 要哪個碼", sz("XL"), {"g": "200101", "h": 182, "kg": 80, "fit": "slim"}))
case("c07", "size", "u2020", "未下单", "200101",
     T("195 体重100公斤的大个子 这款有码穿没", HO("low_confidence"), {"g": "200101", "h": 195, "kg": 100}))
case("c08", "size", "u2017", "待发货", "200101",
     T("我拍了件XL还没发货 想确认下码对不对 这个T恤怎么选码的", ask("身高", "体重"), {"g": "200101", "kind": "ask"}),
     T("178，140斤", sz("XL"), {"g": "200101", "h": 178, "jin": 140}),
     T("那你们家羽绒马甲我这身材穿几码", sz("2XL"), {"g": "200103", "h": 178, "jin": 140}))
case("c09", "size", "u2021", "未下单", "200101",
     T("1米58的女生穿什么码", ask("体重"), {"g": "200101", "kind": "ask"}),
     T("45公斤", sz("S"), {"g": "200101", "h": 158, "kg": 45}))
case("c40", "size", "u2020", "未下单", "200101",
     T("俺一米七一 一百二十斤 穿撒码", sz("L"), {"g": "200101", "h": 171, "jin": 120}))
case("c41", "size", "u2022", "未下单", "200101",
     T("1.6米 50公斤 给个尺码建议", sz("S", "M"), {"g": "200101", "h": 160, "kg": 50}))

# ---------------- 瑜伽裤 200102 (Markdown two-row heading, cm in cells, 以臀围为准, 怕紧拍大一码) ----------------
case("c10", "size", "u2019", "未下单", "200102",
     T("腰围67 臀围92 瑜伽裤选哪个", sz("M"), {"g": "200102", "waist": 67, "hip": 92}),
     T("那华夫格那个运动套装呢 我身高163 体重98斤", sz("M"), {"g": "200104", "h": 163, "jin": 98}))
case("c11", "size", "u2020", "未下单", "200102",
     T("腰64 臀93 这俩对的码不一样 听谁的", sz("M"), {"g": "200102", "waist": 64, "hip": 93}))
case("c12", "size", "u2022", "未下单", "200102",
     T("腰68厘米 屁股一圈95 穿多大", sz("L"), {"g": "200102", "waist": 68, "hip": 95}))
case("c13", "size", "u2021", "未下单", "200102",
     T("腰围63，臀围88，我怕勒 想穿宽松点的", sz("M"), {"g": "200102", "waist": 63, "hip": 88, "fit": "loose"}))
case("c14", "size", "u2020", "未下单", "200102",
     T("刚量的 腰围正好66 臀围正好90 这咋选", sz("S", "M"), {"g": "200102", "waist": 66, "hip": 90}))
case("c15", "size", "u2021", "未下单", "200102",
     T("160 100斤 瑜伽裤穿什么码呀", ask("腰围", "臀围"), {"g": "200102", "kind": "ask"}))
case("c16", "size", "u2019", "未下单", "200102",
     T("瑜伽裤 我量了腰围是66", ask("臀围"), {"g": "200102", "kind": "ask"}),
     T("臀围91", sz("M"), {"g": "200102", "waist": 66, "hip": 91}))
case("c17", "size", "u2007", "交易成功", "200102",
     T("之前买的XL 最近胖了 现在腰围86 臀围110 该拍几码", HO("low_confidence"), {"g": "200102", "waist": 86, "hip": 110}))
case("c18", "size", "u2022", "未下单", "200102",
     T("腰一尺九 臀围88 拍哪个码", sz("S"), {"g": "200102", "waist": 63.3, "hip": 88}))

# ---------------- 羽绒马甲 200103 (attributes 尺码建议, 斤, 以体重为准, 卡在中间选大) ----------------
case("c19", "size", "u2020", "未下单", "200103",
     T("马甲 身高163 体重112斤 几码", sz("L"), {"g": "200103", "h": 163, "jin": 112}))
case("c20", "size", "u2003", "交易成功", "200103",
     T("给我老婆也买一件 她个子168 但是只有102斤 穿几码", sz("M"), {"g": "200103", "h": 168, "jin": 102}))
case("c21", "size", "u2021", "未下单", "200103",
     T("172cm 135斤 里面还想套个卫衣 选哪个", sz("2XL"), {"g": "200103", "h": 172, "jin": 135}))
case("c22", "size", "u2022", "未下单", "200103",
     T("我个子小 150 八十斤 马甲有我能穿的码吗", HO("low_confidence"), {"g": "200103", "h": 150, "jin": 80}))
case("c23", "size", "u2019", "未下单", "200103",
     T("给我妈买马夹 她一米五八", ask("体重"), {"g": "200103", "kind": "ask"}),
     T("一百一十斤左右吧", sz("L"), {"g": "200103", "h": 158, "jin": 110}))
case("c24", "size", "u2020", "未下单", "200103",
     T("体重65公斤 身高1米67 马甲要几码的", sz("XL"), {"g": "200103", "h": 167, "kg": 65}))

# ---------------- 华夫格套装 200104 (detail lines "到", 斤, 无不一致规则, 臀围100以上拍大一码) ----------------
case("c25", "size", "u2004", "待付款", "200104",
     T("还没付款 先问下 我162 一百斤 套装选哪个码", sz("M"), {"g": "200104", "h": 162, "jin": 100}))
case("c26", "size", "u2021", "未下单", "200104",
     T("158公分 98斤 该选几码", sz("S", "M"), {"g": "200104", "h": 158, "jin": 98}))
case("c27", "size", "u2022", "未下单", "200104",
     T("一米六五 一百一十斤 套装啥码", sz("M", "L"), {"g": "200104", "h": 165, "jin": 110}))
case("c28", "size", "u2019", "未下单", "200104",
     T("167 115斤 就是屁股比较大 臀围103", sz("XL"), {"g": "200104", "h": 167, "jin": 115, "hip": 103}))
case("c29", "size", "u2020", "未下单", "200104",
     T("身高178 体重150斤的能穿不", HO("low_confidence"), {"g": "200104", "h": 178, "jin": 150}))
case("c30", "size", "u2009", "已发货", "200104",
     T("我那套还在路上 想再给闺蜜买一套 她一米六八", ask("体重"), {"g": "200104", "kind": "ask"}),
     T("她118斤", sz("L"), {"g": "200104", "h": 168, "jin": 118}))
case("c31", "size", "u2021", "未下单", "200104",
     T("156的個子 44kg 套裝哪個碼", sz("S"), {"g": "200104", "h": 156, "kg": 44}))

# ---------------- 睡衣 200105 (Markdown, units in header, kg, 男女两表, 不一致或中间选大) ----------------
case("c32", "size", "u2022", "未下单", "200105",
     T("女生 身高165 体重55公斤 睡衣选几码", sz("L"), {"g": "200105", "sex": "女", "h": 165, "kg": 55}))
case("c33", "size", "u2016", "交易成功", "200105",
     T("上次M穿着刚好 这次给我妹 女孩 160 105斤 拿啥码", sz("L"), {"g": "200105", "sex": "女", "h": 160, "jin": 105}))
case("c34", "size", "u2005", "已发货", "200105",
     T("再给我老公整一套男款 他175 体重80公斤", sz("2XL"), {"g": "200105", "sex": "男", "h": 175, "kg": 80}))
case("c35", "size", "u2020", "未下单", "200105",
     T("老公一米九五 两百斤 男款睡衣有他的码没", HO("low_confidence"), {"g": "200105", "sex": "男", "h": 195, "jin": 200}))
case("c36", "size", "u2019", "未下单", "200105",
     T("睡衣咋选码", ask("身高", "体重"), {"g": "200105", "kind": "ask"}),
     T("我男的 170 60kg", sz("L"), {"g": "200105", "sex": "男", "h": 170, "kg": 60}))
case("c37", "size", "u2021", "未下单", "200105",
     T("男款 身高180 体重150斤 要多大", sz("2XL"), {"g": "200105", "sex": "男", "h": 180, "jin": 150}))
case("c39", "size", "u2022", "未下单", "200105",
     T("帮对象挑睡衣 女孩子 1.7米 62公斤", sz("XL"), {"g": "200105", "sex": "女", "h": 170, "kg": 62}))

# ---------------- 发带 200106 (均码, 无尺码表) ----------------
case("c38", "size", "u2011", "交易关闭", "200106",
     T("发带有没有大一点的 我头围58 怕箍头", HO("low_confidence"), {"g": "200106", "kind": "no_chart"}))

# ---------------- ordinary turns ----------------
case("c42", "faq", "u2019", "未下单", "200101",
     T("今天下午五点拍的话 啥时候能发出", {"action": "answer", "facts": [["第二天", "次日", "明天"]]}))
case("c43", "faq", "u2020", "未下单", "200102",
     T("能走顺丰不 着急穿", {"action": "answer", "facts": [["不支持", "不能指定", "发不了"]]}))
case("c44", "faq", "u2021", "未下单", "200103",
     T("新疆乌鲁木齐包邮么", {"action": "answer", "facts": [["8元", "八元"]]}))
case("c45", "faq", "u2019", "未下单", "200104",
     T("买回去穿着不合适 能换别的码吗", {"action": "answer", "facts": [["换一次", "免费换"]]}))
case("c46", "faq", "u2018", "已发货", "200102",
     T("瑜伽裤啥料子的 蹲下去会透吗", {"action": "answer", "facts": [["锦纶"], ["不透"]]}))
case("c47", "faq", "u2015", "已发货", "200103",
     T("羽绒马甲脏了能送干洗店吗", {"action": "answer", "facts": [["不可干洗", "不能干洗", "不要干洗"]]}))
case("c48", "explicit_request", "u2002", "待发货", "200102",
     T("转人工", HO("explicit_request")))
case("c49", "emotion", "u2014", "交易成功", "200104",
     T("你们这客服答非所问 问三遍了都不回重点 气死我了 垃圾店", HO("emotion")))
case("c50", "media", "u2017", "待发货", "200101",
     T("[图片]", HO("media_rule"), typ="image"))
case("c51", "after_sale", "u2003", "交易成功", "200103",
     T("马甲掉毛掉得厉害 退货地址给我发一个", HO("after_sale")))
case("c52", "low_confidence", "u2022", "未下单", "200104",
     T("你们在哪有实体店 想去现场试穿一下", HO("low_confidence")))
case("c53", "faq", "u2001", "已发货", "200101",
     T("我那件短袖发的啥快递", {"action": "answer", "facts": [["中通"]]}))
case("c54", "faq", "u2021", "未下单", "200104",
     T("两件一起买有优惠吗", {"action": "answer", "facts": [["9.5折", "九五折", "95折"]]}))
case("c55", "faq", "u2020", "未下单", "200101",
     T("白色那款跑步出汗了会透吗", {"action": "answer", "facts": [["透"], ["深色"]]}))
case("c56", "faq", "u2016", "交易成功", "200105",
     T("睡衣洗了会不会缩水", {"action": "answer", "facts": [["2%", "百分之二"]]}))

def order_key(c):
    return int(c[0][1:])
C.sort(key=order_key)
ann = {}
with open(os.path.join(ROOT, "cases.jsonl"), "w", encoding="utf-8") as f:
    for cid, cat, buyer, status, goods, turns in C:
        out = {"id": cid, "category": cat, "buyer_id": buyer, "order_status": status, "goods_id": goods, "turns": []}
        for i, (typ, text, exp, a) in enumerate(turns):
            out["turns"].append({"type": typ, "text": text, "expect": exp})
            if a is not None:
                ann[f"{cid}:{i}"] = a
        f.write(json.dumps(out, ensure_ascii=False) + "\n")
json.dump(ann, open(os.path.join(ROOT, "tools", "size_annotations.json"), "w", encoding="utf-8"), ensure_ascii=False, indent=1)
print(len(C), "cases", sum(len(c[5]) for c in C), "turns", len(ann), "size turns")
