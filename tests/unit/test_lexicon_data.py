"""The generic language data: concept groups (concepts.json) and the colloquial lexicon (lexicon.json).

These files are plain data read by every shop, so they are checked for the mistakes that silently hurt
matching: a form claimed by two needs, a form that normalisation rewrites before it can be matched, a lexicon
entry that fires inside ordinary words, a concept form that fires inside unrelated words.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from kefu.understanding.features import ConceptTable
from kefu.understanding.normalize import Normalizer

# Group names the code and other tests refer to.
REQUIRED_GROUPS = {
    "duration", "ship_time", "arrival", "tracking", "carrier", "freight", "return", "refund", "exchange", "price",
    "discount", "bargain", "group_buy", "invoice", "shelf_life", "storage", "contents", "usage", "quantity", "colour",
    "ingredients", "pregnancy", "allergy", "smell", "lasting", "ship_from", "address_change", "size", "quality",
    "warranty", "stock", "greeting", "offline_store", "overseas", "wholesale", "perm_straighten",
    "hair_colour_history", "human",
}

# Ordinary Mandarin words and shop phrases that no lexicon entry may rewrite (characters shared with dialect,
# net-speak and typo entries: 老, 表, 么, 整, 快, 米, 宝, 阿拉, 品质, 冒 …).
COMMON_TEXT = """
老人 老板 老师 老公 老婆 老家 老款 老客户 老年人 老是 老化 表格 表示 手表 表面 代表 发表 表情
什么 怎么 这么 那么 多么 要么 为什么 什么时候 怎么样 怎么办 干什么 感冒 假冒 感冒药
整个 整齐 整体 完整 调整 整理 整套 整洁 快递 很快地 尽快地 尽快 加快 快点 飞快
发货 或者 或许 发货地 产品质量 质量问题 品质 高品质 大米 米饭 米色 米白 厘米 毫米 小米 小米手机 多少米
阿拉伯 阿拉斯加 屯门 皇姑屯 没有 还没有 从来没有 得到 得不到 不得不 一个 个人 哪个 那个 这个 几个 几个月
亲自 亲戚 亲爱 宝贝 宝石 珠宝 宝马 姐姐 妹妹 铁锅 不锈钢 钢化膜 贴膜 面膜 面包 包邮 包装 包裹 打包 书包 钱包
通过 民族 地址 停止 形状 圆形 时候 一定 确定 定金 预定 单号 多少 前面 以前 之前 笑话 水果 苹果 效果 保值 保修
一块 递给 集合 美丽 美国 咨询 资料 配送 住房 确保 固定 电影 图片 视频 影响 统一 编号 酱油 酱料 紫色
童装 童鞋 鞋子 同学 神奇 马上 马甲 肿胀 红肿 木头 实木 木质 莫名 知道 不知道
中国 中间 中不溜 要求 需要 要不要 得分 记得 觉得 值得 舍得 懂得 难得 免得 显得
整形 整机 整箱 整包 整瓶 整盒 一整天 卖家 买卖 卖点 多少钱 价钱 价格 块头 一块钱
囤积 储存 家人 家里 人们 家具 亲人 铁艺 兄弟 宝妈
物流 流量 留言 退货 退款 换货 退还 退回 货物 或是 换个 调换 客服 服务 客人 顾客
时间 辰时 晨光 光线 时效 多会 多少天 一会儿 会不会 学会 会员
不要 不行 不是 不用 不会 不对 不好 不好意思 可以 可能 可爱 事情 东西 地方 这里 那里 哪里 哪儿
很好 很贵 便宜 非常 舒服 难看 脏了 干净 聊天 看看 看见 拿到 找到 过来 来了 在家 还有 还没 刚刚
手机 手机壳 磁吸 充电 电池 电源 电压 功率 成功率 大功率 互联网 网络 蓝牙 厦门市 江门市 洪山区 青山区
山区 农村 新疆 西藏 内蒙古 包头 香港 澳门 台湾 日本 美白 保湿 补水 遮瑕 氨基酸 生产批次 生产日期
过敏 过敏性 湿疹 湿度 型号 尺寸 尺码 码数 颜色 颜值 优惠券 领券 券商 证券 满减 无门槛 店铺 铺子
衣领 领子 卷边 卷发 卷尺 干哈密瓜 哈密瓜 交关系 外交关系 一眼 眼睛 眼线 事物 物事 人物 边度 度数 呢子
统编教材 确保固定 电影片 住宅 打包快递 包运费险 退货包运费 产品 精神 森林
我感冒 好像感冒 是不是假冒 大步伐 别家也不 我才不 为什么有色差 小米有膜吗 整个头发都要染吗 很快地发出
"""


@pytest.fixture(scope="module")
def normalizer() -> Normalizer:
    return Normalizer()


@pytest.fixture(scope="module")
def table() -> ConceptTable:
    return ConceptTable.load()


def _data(name: str) -> dict[str, Any]:
    return json.loads(resources.files("kefu.data").joinpath(name).read_text(encoding="utf-8"))


def _groups() -> dict[str, list[str]]:
    return {k: v for k, v in _data("concepts.json")["groups"].items() if not k.startswith("_")}


def _lexicon_words() -> dict[str, str]:
    return {k: v for k, v in _data("lexicon.json")["words"].items() if not k.startswith("_")}


# ------------------------------------------------------------------------------------------- concepts


def test_concepts_load_with_required_groups() -> None:
    groups = _groups()
    assert set(groups) >= REQUIRED_GROUPS
    assert len(groups) >= 100
    for name, forms in groups.items():
        assert isinstance(forms, list) and all(isinstance(f, str) and f for f in forms), name
        assert len(forms) == len(set(forms)), name


def test_every_group_has_at_least_three_forms() -> None:
    thin = {name: forms for name, forms in _groups().items() if len(forms) < 3}
    assert not thin


def test_no_form_in_two_groups() -> None:
    owner: dict[str, str] = {}
    clashes = []
    for name, forms in _groups().items():
        for form in forms:
            if form in owner:
                clashes.append((form, owner[form], name))
            owner[form] = name
    assert not clashes


def test_every_form_survives_normalisation(normalizer: Normalizer) -> None:
    """Concepts are matched on normalised text: a form the normaliser rewrites can never match."""
    rewritten = [
        (name, form, normalizer.normalize(form).text)
        for name, forms in _groups().items()
        for form in forms
        if normalizer.normalize(form).text != form
    ]
    assert not rewritten


def test_every_form_finds_its_own_group(table: ConceptTable) -> None:
    """A form shadowed by a longer form of another group inside it would never count for its own group."""
    shadowed = [(name, form, table.find(form)) for name, forms in _groups().items() for form in forms
                if name not in table.find(form)]
    assert not shadowed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("孩子能用吗", {"child"}),
        ("我闺女八岁 能不能用", {"child"}),
        ("家里老人用安全吗", {"elderly", "safety"}),
        ("怀孕三个月了可以用吗", {"pregnancy"}),
        ("喂奶期间能不能吃", {"pregnancy"}),
        ("敏感肌会不会刺激", {"allergy"}),
        ("寄新疆包邮吗", {"remote_area", "freight"}),
        ("退货运费谁出", {"return_freight"}),
        ("运费险怎么赔", {"return_freight", "compensation"}),
        ("今天下单什么时候发货", {"ship_time"}),
        ("几天能到广州", {"arrival"}),
        ("快递到哪了", {"tracking"}),
        ("用的什么快递", {"carrier"}),
        ("显示签收了但我没拿到", {"signed_missing"}),
        ("只收到一个包裹 另一个呢", {"split_ship"}),
        ("地址写错了能改吗", {"address_change"}),
        ("能寄到香港吗", {"overseas", "arrival"}),
        ("钱多久到账", {"refund"}),
        ("退款什么时候能到账", {"refund"}),
        ("尺码不合适能换吗", {"size", "return", "exchange"}),
        ("收到的杯子碎了", {"arrival", "quality"}),
        ("发错颜色了", {"wrong_item"}),
        ("用了两天就开不了机", {"malfunction"}),
        ("保修多久", {"warranty", "duration"}),
        ("能开专票吗 要写抬头", {"invoice"}),
        ("付款失败了", {"payment"}),
        ("支持货到付款吗", {"cod"}),
        ("优惠券怎么领", {"discount"}),
        ("能便宜点吗", {"bargain"}),
        ("拼单要等多久才成团", {"group_buy", "duration"}),
        ("还有货吗", {"stock"}),
        ("有几种颜色", {"colour"}),
        ("一米六五穿多大码", {"size"}),
        ("苹果15能用吗 是什么型号", {"model_fit"}),
        ("一瓶多少毫升", {"net_content"}),
        ("什么材质的", {"material"}),
        ("配料表里有没有防腐剂", {"ingredients"}),
        ("保质期多长时间", {"shelf_life", "duration"}),
        ("开封后怎么保存", {"shelf_life", "storage"}),
        ("第一次用 难不难", {"usage"}),
        ("用了多久能见效", {"effect"}),
        ("会不会起球", {"durability"}),
        ("味道刺鼻吗", {"smell"}),
        ("盒子里都有什么配件", {"contents"}),
        ("有没有小样送", {"sample"}),
        ("你们有实体店吗", {"offline_store"}),
        ("招代理吗 想批发", {"wholesale"}),
        ("你们是厂家吗", {"factory"}),
        ("是正品吗", {"authentic"}),
        ("转人工", {"human"}),
        ("在吗", {"greeting"}),
        ("几点下班", {"service_hours"}),
    ],
)
def test_generic_phrases_meet_their_need(normalizer: Normalizer, table: ConceptTable, text: str,
                                         expected: set[str]) -> None:
    found = table.find(normalizer.normalize(text).text)
    assert expected <= found, found


@pytest.mark.parametrize(
    ("text", "not_expected"),
    [
        ("贵州包邮吗", "price"),  # 贵 alone is not a price word
        ("型号从哪里看", "ship_from"),
        ("偏远地区一般4-7天送达", "return"),  # 7天 alone is not the 7-day return
        ("透明壳用久了会不会发黄", "ship_time"),
        ("用的时候会发出异响", "ship_time"),
        ("武汉市洪山区珞喻路", "remote_area"),
        ("福建省厦门市思明区", "offline_store"),
        ("氨基酸洗面奶", "smell"),
        ("奶奶灰好看吗", "elderly"),
        ("能到账吗", "arrival"),
        ("优惠券过期了", "shelf_life"),
        ("快递寄到哪了", "return_address"),
        ("多重防摔保护", "net_content"),
    ],
)
def test_forms_do_not_fire_inside_unrelated_words(normalizer: Normalizer, table: ConceptTable, text: str,
                                                  not_expected: str) -> None:
    assert not_expected not in table.find(normalizer.normalize(text).text)


# -------------------------------------------------------------------------------------------- lexicon


def test_lexicon_loads_with_its_structure() -> None:
    data = _data("lexicon.json")
    words = _lexicon_words()
    assert len(words) >= 200
    assert all(isinstance(k, str) and k and isinstance(v, str) for k, v in words.items())
    particles = data["final_particles"]
    assert isinstance(particles["map"], dict) and isinstance(particles["not_particles"], list)
    assert isinstance(data["single_char_tokens"]["map"], dict)


def test_lexicon_keys_are_in_normalised_form(normalizer: Normalizer) -> None:
    """The lexicon applies after 繁→简 and lower-casing: a key the script folding changes can never match."""
    assert [k for k in _lexicon_words() if normalizer.basic(k) != k] == []


def test_lexicon_replacements_do_not_chain() -> None:
    """No replacement contains another key, so the result does not depend on the order entries are applied."""
    words = _lexicon_words()
    assert [(k, v) for k, v in words.items() for other in words if other and other in v] == []


def test_no_lexicon_key_inside_common_words() -> None:
    keys = list(_lexicon_words())
    common = COMMON_TEXT.split()
    assert len(common) >= 200
    assert [(k, w) for w in common for k in keys if k in w] == []


@pytest.mark.parametrize("text", COMMON_TEXT.split())
def test_normalising_common_words_changes_nothing(normalizer: Normalizer, text: str) -> None:
    """Neither a lexicon entry nor a sentence-final particle (我感冒, 我才不) rewrites ordinary text."""
    assert normalizer.normalize(text).text == normalizer.basic(text)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("啥子时候发货", "什么时候发货"),
        ("咋个用", "怎么用"),
        ("这个好多钱 有冇货", "这个好多钱 有没有货"),
        ("佢哋话系咪正品", "他们话是不是正品"),
        ("唔该 几耐到", "谢谢 多久到"),
        ("覅发申通", "不要发申通"),
        ("几钿一只", "多少钱一只"),
        ("包油吗", "包邮吗"),
        ("优惠卷怎么用", "优惠券怎么用"),
        ("给宝宝用的能退吗", "给孩子用的能退吗"),
        ("在吗宝宝", "在吗"),
        ("有货咩", "有货吗"),
        ("神马时侯发或", "什么时候发货"),
    ],
)
def test_colloquial_examples(normalizer: Normalizer, raw: str, expected: str) -> None:
    assert normalizer.normalize(raw).text == expected
