#!/usr/bin/env python3
import json, os
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
W = "【温州市】"
def ev(*pairs):
    return [{"time": t, "desc": d} for t, d in pairs]
O = [
 {"order_sn": "251203-418027736", "buyer_id": "u2001", "goods_id": "200101", "sku_id": "200101-3", "spec": "黑色 37码",
  "quantity": 1, "amount_yuan": 124.0, "coupon": "关注店铺5元券", "status": "待发货", "created_at": "2025-12-03T21:40:00+08:00",
  "receiver_region": "江苏省苏州市"},
 {"order_sn": "251203-550193842", "buyer_id": "u2002", "goods_id": "200103", "sku_id": "200103-3", "spec": "米白 23.5码",
  "quantity": 1, "amount_yuan": 69.9, "status": "待成团", "created_at": "2025-12-03T19:12:00+08:00",
  "receiver_region": "广东省深圳市"},
 {"order_sn": "251204-127730561", "buyer_id": "u2003", "goods_id": "200102", "sku_id": "200102-8", "spec": "裸色 35码",
  "quantity": 1, "amount_yuan": 159.0, "status": "待付款", "created_at": "2025-12-04T10:05:00+08:00",
  "receiver_region": "四川省成都市"},
 {"order_sn": "251203-906614280", "buyer_id": "u2004", "goods_id": "200105", "sku_id": "200105-5", "spec": "黑色 42码",
  "quantity": 1, "amount_yuan": 184.0, "coupon": "店铺满199减15", "status": "待发货", "created_at": "2025-12-03T22:31:00+08:00",
  "receiver_region": "山东省济南市"},
 {"order_sn": "251122-331870465", "buyer_id": "u2005", "goods_id": "200101", "sku_id": "200101-9", "spec": "奶咖色 37码",
  "quantity": 1, "amount_yuan": 129.0, "status": "交易成功", "created_at": "2025-11-22T20:18:00+08:00",
  "receiver_region": "上海市闵行区",
  "logistics": {"company": "圆通快递", "tracking_no": "YT7502218836401", "events": ev(
     ("2025-11-23T10:20:00+08:00", W + "圆通快递 温州鹿城网点 已揽收"),
     ("2025-11-23T21:02:00+08:00", W + "快件已到达 温州转运中心"),
     ("2025-11-24T14:37:00+08:00", "【上海市】快件已到达 上海转运中心"),
     ("2025-11-25T09:15:00+08:00", "【上海市】快件派送中，派件员：郑师傅"),
     ("2025-11-25T12:48:00+08:00", "【上海市】快件已签收，签收人：本人"))}},
 {"order_sn": "251201-782204119", "buyer_id": "u2006", "goods_id": "200104", "sku_id": "200104-4", "spec": "栗色 38码",
  "quantity": 1, "amount_yuan": 139.0, "status": "已发货", "created_at": "2025-12-01T08:47:00+08:00",
  "receiver_region": "河南省洛阳市",
  "logistics": {"company": "圆通快递", "tracking_no": "YT7510963320587", "events": ev(
     ("2025-12-01T16:05:00+08:00", W + "圆通快递 温州瓯海网点 已揽收"),
     ("2025-12-01T23:40:00+08:00", W + "快件已到达 温州转运中心"),
     ("2025-12-02T01:12:00+08:00", W + "快件已从 温州转运中心 发出，准备发往 郑州转运中心"),
     ("2025-12-03T18:26:00+08:00", "【郑州市】快件已到达 郑州转运中心"))}},
 {"order_sn": "251118-640058213", "buyer_id": "u2007", "goods_id": "200104", "sku_id": "200104-15", "spec": "灰色 37码",
  "quantity": 1, "amount_yuan": 134.0, "coupon": "关注店铺5元券", "status": "交易成功", "created_at": "2025-11-18T12:30:00+08:00",
  "receiver_region": "辽宁省沈阳市",
  "logistics": {"company": "圆通快递", "tracking_no": "YT7498020147755", "events": ev(
     ("2025-11-18T17:44:00+08:00", W + "圆通快递 温州鹿城网点 已揽收"),
     ("2025-11-19T02:10:00+08:00", W + "快件已从 温州转运中心 发出，准备发往 沈阳转运中心"),
     ("2025-11-21T07:52:00+08:00", "【沈阳市】快件已到达 沈阳转运中心"),
     ("2025-11-21T16:03:00+08:00", "【沈阳市】快件已签收，签收人：家门口快递柜"))}},
 {"order_sn": "251126-205547390", "buyer_id": "u2008", "goods_id": "200105", "sku_id": "200105-14", "spec": "棕色 43码",
  "quantity": 1, "amount_yuan": 199.0, "status": "已发货", "created_at": "2025-11-26T09:58:00+08:00",
  "receiver_region": "甘肃省兰州市",
  "logistics": {"company": "申通快递", "tracking_no": "773018845216093", "events": ev(
     ("2025-11-26T18:30:00+08:00", W + "申通快递 温州龙湾网点 已揽收"),
     ("2025-11-27T03:21:00+08:00", W + "快件已从 温州转运中心 发出，准备发往 兰州转运中心"),
     ("2025-11-28T20:14:00+08:00", "【西安市】快件已到达 西安中转场"))}},
 {"order_sn": "251130-473301986", "buyer_id": "u2009", "goods_id": "200106", "sku_id": "200106-1", "spec": "女款 黑白灰混色5双",
  "quantity": 2, "amount_yuan": 39.8, "status": "部分发货", "created_at": "2025-11-30T15:22:00+08:00",
  "receiver_region": "湖北省武汉市",
  "logistics": {"company": "圆通快递", "tracking_no": "YT7509714483320", "events": ev(
     ("2025-12-01T11:18:00+08:00", W + "圆通快递 温州鹿城网点 已揽收"),
     ("2025-12-02T19:40:00+08:00", "【武汉市】快件已到达 武汉转运中心"))}},
 {"order_sn": "251120-118862507", "buyer_id": "u2010", "goods_id": "200103", "sku_id": "200103-10", "spec": "黑色 24码",
  "quantity": 1, "amount_yuan": 69.9, "status": "交易关闭", "created_at": "2025-11-20T13:07:00+08:00",
  "receiver_region": "福建省厦门市"},
 {"order_sn": "251202-990417326", "buyer_id": "u2011", "goods_id": "200102", "sku_id": "200102-4", "spec": "黑色 37码",
  "quantity": 1, "amount_yuan": 159.0, "status": "订单取消", "created_at": "2025-12-02T23:36:00+08:00",
  "receiver_region": "北京市朝阳区"},
 {"order_sn": "251115-652280014", "buyer_id": "u2012", "goods_id": "200103", "sku_id": "200103-2", "spec": "米白 23码",
  "quantity": 1, "amount_yuan": 69.9, "status": "交易成功", "created_at": "2025-11-15T10:40:00+08:00",
  "receiver_region": "海南省三亚市",
  "logistics": {"company": "圆通快递", "tracking_no": "YT7493306652178", "events": ev(
     ("2025-11-15T17:00:00+08:00", W + "圆通快递 温州鹿城网点 已揽收"),
     ("2025-11-18T09:36:00+08:00", "【三亚市】快件已到达 三亚分拨中心"),
     ("2025-11-18T15:20:00+08:00", "【三亚市】快件已签收，签收人：前台代收"))}},
]
with open(os.path.join(ROOT, "orders.json"), "w", encoding="utf-8") as f:
    json.dump(O, f, ensure_ascii=False, indent=2)
print(len(O))
