#!/usr/bin/env python3
"""Writes cases.jsonl. Each size turn is re-derived from the charts by tools/check_sizes.py."""
import json, os
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASK = ["脚长", "平时穿", "平时码数", "平常穿"]
def ans(*groups, sizes=None):
    e = {"action": "answer", "facts": [list(g) for g in groups]}
    if sizes is not None:
        e["sizes"] = sizes
    return e
def size(*labels):
    # one fact group per recommended size label, and the exact set in "sizes"
    return ans(*[[l] for l in labels], sizes=list(labels))
def ask():
    return ans(ASK, sizes=[])
def ho(reason):
    return {"action": "handoff", "reason": reason}
def t(text, expect, typ="text"):
    return {"type": typ, "text": text, "expect": expect}

C = []
def case(cat, buyer, status, gid, *turns):
    C.append({"id": f"c{len(C)+1:03d}", "category": cat, "buyer_id": buyer, "order_status": status,
              "goods_id": gid, "turns": list(turns)})
N = "未下单"
# ---------------- 200101 乐福鞋 ----------------
case("size_single", "u2091", N, "200101", t("量了下脚长23.3厘米，这双乐福鞋我穿几码", size("37")))
case("size_fit_shift", "u2092", N, "200101", t("我平时鞋子都是36码 这个小皮鞋拍多大合适", size("37")))
case("size_single", "u2093", N, "200101", t("刚拿卷尺比了一下 刚好235毫米 该拍哪个码子", size("38")))
case("size_fit_shift", "u2094", N, "200101", t("俺脚板子宽还肉 平常穿38 要不要再多加一码", size("39")))
case("size_out_of_range", "u2095", N, "200101", t("一直穿40码，这款拍啥", ho("low_confidence")))
case("size_multi_turn", "u2096", N, "200101",
     t("想入这个英伦风的 码数咋选亲", ask()),
     t("脚长二十二点五公分", size("36")))
case("size_single", "u2097", N, "200101", t("脚长232mm 可我买鞋一向37的 到底拍几码", size("37")))
# ---------------- 200102 高跟鞋 ----------------
case("size_single", "u2091", N, "200102", t("高跟鞋 脚长22.7 拍几", size("36")))
case("size_between", "u2098", N, "200102", t("脚长正好23cm，36和37纠结中", size("36", "37")))
case("size_fit_shift", "u2099", N, "200102", t("腳背比較高 平時穿37碼 這雙要選幾號", size("38")))
case("size_out_of_range", "u2092", N, "200102", t("脚长248mm能穿吗 有没有合适的码", ho("low_confidence")))
case("size_single", "u2003", "待付款", "200102", t("刚拍了还没付款 我平常穿35 拍35没错吧", size("35")))
case("size_multi_turn", "u2093", N, "200102",
     t("这个尖头细跟的不太会选尺码", ask()),
     t("一般36 脚有点肉肉的", size("37")))
case("size_out_of_range", "u2094", N, "200102", t("脚宽 平时39的码 这双有我能穿的吗", ho("low_confidence")))
case("size_between", "u2095", N, "200102", t("腳長235mm 該選哪個碼", size("37", "38")))
case("size_ask_missing", "u2096", N, "200102", t("脚比较宽 这双选啥码好", ask()))
# ---------------- 200103 凉鞋 ----------------
case("size_single", "u2097", N, "200103", t("凉鞋 脚长233毫米 拍几码", size("23.5")))
case("size_single", "u2098", N, "200103", t("脚23公分整 凉鞋拿23还是23.5", size("23")))
case("size_single", "u2099", N, "200103", t("平时买鞋38码，你家凉鞋的码我看不懂 该拍哪个", size("24")))
case("size_out_of_range", "u2091", N, "200103", t("脚才21厘米长 有我的码不", ho("low_confidence")))
case("size_multi_turn", "u2092", N, "200103",
     t("帮忙推荐个码呗", ask()),
     t("左脚23.9 右脚24.1 量了两遍", size("24.5")))
case("size_fit_shift", "u2093", N, "200103", t("我脚背老高了 一般穿36的 凉鞋选哪个", size("23.5")))
# ---------------- 200104 雪地靴 ----------------
case("size_multi_turn", "u2094", N, "200104",
     t("脚长24厘米 雪地靴要几码", size("38")),
     t("冬天里面要穿厚袜子的话呢", size("39")))
case("size_fit_shift", "u2095", N, "200104", t("平时37 冬天要穿那种厚羊毛袜 拍几码", size("38")))
case("size_out_of_range", "u2096", N, "200104", t("我穿40的 还想在里面套双加厚袜子 有码吗", ho("low_confidence")))
case("size_multi_turn", "u2097", N, "200104",
     t("雪地靴咋选码啊", ask()),
     t("1米65 平时穿三十九", size("39")))
case("size_out_of_range", "u2098", N, "200104", t("给我对象买一双 他穿43的", ho("low_confidence")))
case("size_fit_shift", "u2099", N, "200104", t("脚长228 打算配加厚棉袜穿", size("37")))
case("size_multi_turn", "u2091", N, "200104",
     t("脚长22.5cm 雪地靴穿多大", size("35")),
     t("那你家那款尖头细跟高跟鞋我该拍几码", size("35", "36")))
# ---------------- 200105 男士休闲皮鞋 ----------------
case("size_single", "u2092", N, "200105", t("脚长250mm 男款皮鞋穿几码", size("40")))
case("size_fit_shift", "u2093", N, "200105", t("给我爸买 他瘦脚 平时穿42的皮鞋", size("41")))
case("size_fit_shift", "u2094", N, "200105", t("脚又宽又厚 平时41", size("42")))
case("size_out_of_range", "u2095", N, "200105", t("我脚长28厘米 有合适的码吗", ho("low_confidence")))
case("size_multi_turn", "u2096", N, "200105",
     t("帮老公挑双皮鞋 不知道拍多大", ask()),
     t("他说平时穿四十三码", size("43")))
case("size_ask_missing", "u2097", N, "200105", t("我脚挺瘦的 这双是不是得拍小一码", ans(["小一码"], sizes=[])))
case("size_single", "u2098", N, "200105", t("脚长26.3公分，拍几码", size("43")))
# ---------------- 200106 船袜 (no chart) ----------------
case("size_no_chart", "u2099", N, "200106", t("我穿41码的鞋 男款袜子会不会小", ho("low_confidence")))
case("size_no_chart", "u2091", N, "200106",
     t("袜子是纯棉的吗", ans(["80%", "棉80"])),
     t("女款的是多大码 我脚36", ho("low_confidence")))
# ---------------- ordinary turns ----------------
case("faq", "u2001", "待发货", "200101", t("什么时候发货 走什么快递", ans(["24小时"], ["圆通", "申通"])))
case("faq", "u2090", N, "200104", t("新疆乌鲁木齐包邮不", ans(["8元", "补运费"])))
case("faq", "u2090", N, "200101", t("买了要是码数不合适能换不", ans(["换码", "可以换"], ["7天"])))
case("faq", "u2092", N, "200101", t("这个是真皮的吗", ans(["头层牛皮", "牛皮"])))
case("faq", "u2007", "交易成功", "200104", t("雪地靴脏了能直接丢洗衣机吗", ans(["不能机洗", "不能放洗衣机", "不可以机洗"])))
case("faq", "u2093", N, "200102", t("跟多高的 走路累不累", ans(["8cm", "8厘米"])))
case("media", "u2004", "待发货", "200105", t("[图片]", ho("media_rule"), typ="image"))
case("media", "u2095", N, "200103", t("[视频]", ans(["视频"]), typ="video"))
case("faq", "u2006", "已发货", "200104", t("我的雪地靴到哪了", ans(["郑州", "圆通", "订单详情"])))
case("explicit_request", "u2092", N, "200101", t("叫个真人来跟我说", ho("explicit_request")))
case("emotion", "u2008", "已发货", "200105", t("等了快一个礼拜了鞋还没到 你们是骗子吧 气死了", ho("emotion")))
case("after_sale", "u2005", "交易成功", "200101", t("鞋子小了 我要退 把退货地址发我", ho("after_sale")))
case("low_confidence", "u2090", N, "200101", t("你们在温州有实体店没 想去试试", ho("low_confidence")))

with open(os.path.join(ROOT, "cases.jsonl"), "w", encoding="utf-8") as f:
    for c in C:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print(len(C), sum(len(c["turns"]) for c in C))
