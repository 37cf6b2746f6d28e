"""A year of procurement for the demo company 示例科技有限公司.

About two hundred requisitions from the departments whose people sign in (raw materials and spare
parts for production, bought centrally by the central business management department; computers,
software, printing, exhibitions, training, uniforms, cleaning and car servicing for the others),
approved, rejected, revised or still waiting; orders to a dozen qualified suppliers, reviewed
before they are issued; deliveries on time, late, in parts, some with goods rejected at inspection
(a supplier issue, then a replacement); instalments requested, checked and paid by finance (a few
sent back); and every quarter an evaluation of each supplier that delivered.

Everything goes through the services as the people who would act, so approvals, the task
projection, audit trails and notifications are those real use leaves. The demo clock
(yewu.core.demo.clock) tells the story in the past, in time order, on working days; a fixed seed
makes it the same story each time, its dates counted back from the day it is loaded. What would
happen after "now" has not happened yet: those approvals wait, those goods are still due, those
instalments unpaid. Loaded once, into a company without procurement.
"""

from __future__ import annotations

import datetime
import heapq
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

SEED = 20261201
DAYS = 365
REQUISITIONS = 210
CENT = Decimal("0.01")
#: Orders stay below the default contract threshold (a signed contract is the contract demo's story).
ORDER_CAP = Decimal("90000")
ADDRESS = "上海市闵行区莘庄工业区申富路 88 号"


@dataclass(frozen=True)
class Item:
    """Something a supplier sells, with its usual price range and order quantity."""

    name: str
    spec: str
    unit: str
    price: tuple[float, float]  # market price range per unit (yuan)
    quantity: tuple[float, float]  # a usual order
    decimals: int = 0


@dataclass(frozen=True)
class SupplierInfo:
    """A demo supplier: profile, lead time, and how often its deliveries fail inspection or slip."""

    key: str
    name: str
    code: str
    categories: tuple[str, ...]
    contact: str
    phone: str
    address: str
    bank: str
    lead_days: tuple[int, int]
    goods: bool = True  # False: a service, accepted once when done
    defect_rate: float = 0.04
    late_rate: float = 0.10


SUPPLIERS = [
    SupplierInfo("office", "华东办公用品有限公司", "91310000MA1FL0001A", ("办公用品", "耗材"), "王经理",
                 "021-55550101", "上海市普陀区金沙江路 1518 号", "中国工商银行上海普陀支行 1001 2345 0900 0101",
                 (2, 5), defect_rate=0.03),
    SupplierInfo("equipment", "苏州精工设备制造有限公司", "91320500MA1FL0002B", ("设备", "备件"), "李工",
                 "0512-66660202", "江苏省苏州市工业园区星湖街 218 号", "中国银行苏州园区支行 5360 1122 0033",
                 (10, 25)),
    SupplierInfo("it", "上海云启信息技术有限公司", "91310115MA1FL0003C", ("IT 设备", "软件服务"), "陈经理",
                 "021-77770303", "上海市浦东新区张江高科碧波路 690 号", "招商银行上海张江支行 1219 0888 7700 303",
                 (3, 10), defect_rate=0.03),
    SupplierInfo("steel", "江苏华钢金属材料有限公司", "91320200MA1FL0004D", ("钢材", "金属材料"), "周经理",
                 "0510-82220404", "江苏省无锡市锡山区东港镇钢材市场 A 区 12 号",
                 "中国建设银行无锡锡山支行 3205 0161 2300 0404", (5, 12), late_rate=0.15),
    SupplierInfo("electronics", "深圳芯联电子元器件有限公司", "91440300MA1FL0005E", ("电子元器件",), "刘小姐",
                 "0755-83330505", "广东省深圳市福田区华强北路 1002 号赛格广场 21 楼",
                 "平安银行深圳华强北支行 1500 8899 0505", (4, 14), defect_rate=0.05),
    SupplierInfo("plastics", "宁波恒润塑胶科技有限公司", "91330200MA1FL0006F", ("塑料粒子", "注塑件"), "孙经理",
                 "0574-86660606", "浙江省宁波市北仑区大港工业城黄山西路 66 号",
                 "宁波银行北仑支行 5101 0122 0006 06", (7, 15), defect_rate=0.14, late_rate=0.2),
    SupplierInfo("packaging", "上海美印包装印刷有限公司", "91310112MA1FL0007G", ("包装材料", "印刷品"), "赵经理",
                 "021-64440707", "上海市闵行区春申路 2525 号", "交通银行上海闵行支行 3100 6600 0707",
                 (4, 10), defect_rate=0.08),
    SupplierInfo("training", "北京博睿企业管理咨询有限公司", "91110108MA1FL0008H", ("培训", "管理咨询"), "吴老师",
                 "010-62880808", "北京市海淀区中关村大街 27 号中关村大厦 9 层",
                 "中国民生银行北京中关村支行 6981 2233 0808", (10, 30), goods=False),
    SupplierInfo("cleaning", "上海洁净物业服务有限公司", "91310112MA1FL0009J", ("保洁", "物业服务"), "郑主管",
                 "021-54990909", "上海市闵行区七莘路 1839 号", "上海农商银行闵行支行 5013 0000 0909",
                 (1, 3), goods=False),
    SupplierInfo("vehicle", "上海安途汽车服务有限公司", "91310112MA1FL0010K", ("车辆维修", "车辆保养"), "钱师傅",
                 "021-64101010", "上海市闵行区莘松路 958 号", "上海银行闵行支行 3160 3000 1010",
                 (1, 4), goods=False),
    SupplierInfo("exhibition", "上海致远展览展示有限公司", "91310104MA1FL0011L", ("展会搭建", "广告制作"), "冯经理",
                 "021-64871111", "上海市徐汇区漕宝路 509 号", "浦发银行上海徐汇支行 9802 0155 2600 1111",
                 (7, 20), goods=False),
    SupplierInfo("uniform", "上海优衣职业服饰有限公司", "91310114MA1FL0012M", ("工作服", "劳保用品"), "何经理",
                 "021-59121212", "上海市嘉定区马陆镇宝安公路 2999 号", "中国农业银行上海嘉定支行 0337 0100 0412 12",
                 (10, 20), defect_rate=0.06),
]

#: A supplier that applied and is not on the qualified list yet (documents, no audit).
CANDIDATE = ("广州新晨办公家具有限公司", "91440101MA1FL0013N", ["办公家具"], "林经理", "020-38881313")

CATALOG: dict[str, list[Item]] = {
    "office": [
        Item("A4 复印纸", "70g 500 张/包 8 包/箱", "箱", (128, 145), (10, 60)),
        Item("签字笔", "0.5mm 黑色 12 支/盒", "盒", (18, 24), (10, 40)),
        Item("文件夹", "A4 双强力夹", "个", (6, 9), (20, 100)),
        Item("硒鼓", "HP 88A 原装", "个", (380, 450), (2, 10)),
        Item("墨盒", "Epson 673 六色套装", "套", (260, 310), (2, 6)),
        Item("笔记本", "A5 100 页 皮面", "本", (6, 12), (30, 150)),
        Item("白板笔", "可擦 10 支/盒", "盒", (22, 30), (5, 20)),
        Item("订书机", "重型 50 页", "个", (38, 55), (2, 10)),
        Item("法律法规汇编", "2026 年版 精装", "本", (168, 198), (2, 6)),
        Item("桶装饮用水", "18.9L", "桶", (18, 22), (40, 120)),
    ],
    "it": [
        Item("笔记本电脑", "ThinkPad T14 i7/32G/1T", "台", (6500, 7600), (1, 6)),
        Item("台式电脑", "联想启天 M450 i5/16G/512G", "台", (4300, 5100), (2, 8)),
        Item("显示器", "Dell U2723QE 27 英寸 4K", "台", (2800, 3300), (2, 8)),
        Item("激光打印机", "HP LaserJet Pro M406dn", "台", (2300, 2750), (1, 3)),
        Item("交换机", "华为 S5735-L24T4S-A1 24 口千兆", "台", (2600, 3100), (1, 3)),
        Item("无线 AP", "华为 AirEngine 5761-11 Wi-Fi 6", "台", (950, 1200), (2, 8)),
        Item("投影仪", "爱普生 CB-2247U 4200 流明", "台", (5200, 6200), (1, 2)),
        Item("NAS 存储", "群晖 DS923+ 4 盘位", "台", (5000, 5700), (1, 1)),
        Item("硬盘", "希捷酷狼 8TB NAS 专用", "块", (1300, 1550), (2, 8)),
        Item("办公软件", "WPS Office 企业版 年度订阅", "套", (280, 340), (10, 40)),
        Item("财务软件服务", "用友 U8+ 年度运维 5 站点", "套", (9800, 12000), (1, 1)),
        Item("合同管理软件", "年度订阅 10 用户", "套", (12000, 15000), (1, 1)),
        Item("审计软件授权", "鼎信诺审计系统 年度授权", "套", (8600, 9800), (1, 2)),
        Item("点钞机", "康艺 HT-2900 B 类", "台", (1100, 1400), (1, 2)),
    ],
    "equipment": [
        Item("数控刀片", "硬质合金 CNMG120408", "片", (28, 38), (50, 200)),
        Item("深沟球轴承", "SKF 6205-2RS", "个", (38, 52), (20, 100)),
        Item("蜗轮减速机", "RV63 速比 1:30", "台", (1800, 2300), (1, 4)),
        Item("气动扳手", "1/2 英寸 850N·m", "把", (650, 820), (2, 6)),
        Item("工业吸尘器", "3kW 80L", "台", (4200, 5100), (1, 2)),
        Item("同步带", "HTD 8M-1200 宽 30mm", "条", (85, 120), (10, 40)),
    ],
    "steel": [
        Item("冷轧钢板", "Q235 1.5×1250×2500mm", "吨", (4600, 5100), (2, 8), 1),
        Item("镀锌板", "DX51D+Z 1.0mm", "吨", (5200, 5800), (2, 6), 1),
        Item("不锈钢管", "304 Φ25×1.5mm 6 米/根", "根", (95, 125), (40, 150)),
        Item("角钢", "Q235 50×50×5mm 6 米/根", "根", (85, 105), (30, 120)),
    ],
    "electronics": [
        Item("贴片电容", "0805 10μF 25V X5R 4000 只/盘", "盘", (120, 155), (5, 30)),
        Item("贴片电阻", "0603 10kΩ 1% 5000 只/盘", "盘", (25, 38), (10, 40)),
        Item("单片机", "STM32F103C8T6", "片", (6.5, 9.5), (500, 3000)),
        Item("电源模块", "金升阳 LM10-23B12 12V", "个", (28, 35), (200, 800)),
        Item("连接器", "JST XH2.54 4P", "个", (0.35, 0.6), (2000, 10000)),
        Item("继电器", "欧姆龙 G5Q-14 DC12V", "个", (4.2, 5.8), (500, 2000)),
    ],
    "plastics": [
        Item("ABS 塑料粒子", "奇美 PA-757", "吨", (11500, 13200), (1, 4), 1),
        Item("PP 塑料粒子", "燕山石化 K8003", "吨", (7800, 9000), (1, 5), 1),
        Item("注塑外壳", "ABS 黑色 按图纸 HX-2201", "件", (12, 17), (500, 3000)),
    ],
    "packaging": [
        Item("瓦楞纸箱", "五层 BC 楞 600×400×400mm", "个", (7.5, 10), (500, 3000)),
        Item("珍珠棉", "EPE 10mm 1×2m", "张", (3.8, 5.5), (300, 1500)),
        Item("产品说明书", "80g 铜版纸 A5 16 页 彩印", "本", (1.2, 1.8), (2000, 10000)),
        Item("宣传彩页", "157g 铜版纸 A4 双面彩印", "张", (0.45, 0.8), (3000, 20000)),
        Item("名片", "300g 特种纸 覆膜 100 张/盒", "盒", (25, 35), (10, 40)),
        Item("产品画册", "200g 铜版纸 A4 32 页 骑马钉", "本", (9, 14), (500, 2000)),
    ],
    "training": [
        Item("中层管理能力提升培训", "2 天 现场授课 30 人以内", "场", (18000, 26000), (1, 1)),
        Item("新员工入职培训", "1 天 企业文化与制度", "场", (6000, 9000), (1, 1)),
        Item("ISO 9001 内审员培训", "3 天 含证书", "人", (1800, 2400), (3, 10)),
        Item("商务谈判技巧培训", "1 天 案例教学", "场", (12000, 16000), (1, 1)),
    ],
    "cleaning": [
        Item("办公区日常保洁服务", "2 名保洁员 工作日 8:00–17:00", "月", (8500, 9600), (1, 3)),
        Item("地毯深度清洗", "办公区约 600㎡", "次", (2500, 3400), (1, 1)),
        Item("外墙玻璃清洗", "办公楼 5 层", "次", (4500, 5800), (1, 1)),
    ],
    "vehicle": [
        Item("商务车常规保养", "别克 GL8 机油三滤", "次", (900, 1350), (1, 3)),
        Item("轮胎更换", "米其林 225/55R18", "条", (850, 1050), (2, 4)),
        Item("刹车片更换", "前后轮 原厂件", "套", (1200, 1600), (1, 2)),
        Item("车辆年检代办", "7 座小型客车", "次", (300, 400), (1, 3)),
    ],
    "exhibition": [
        Item("展位特装搭建", "36㎡ 含设计、搭建、拆除", "项", (38000, 52000), (1, 1)),
        Item("易拉宝", "80×200cm 含画面", "个", (120, 180), (4, 12)),
        Item("背景墙喷绘", "3×6m 含安装", "项", (2200, 3000), (1, 2)),
        Item("活动场地布置", "客户推介会 100 人", "项", (8000, 12000), (1, 1)),
    ],
    "uniform": [
        Item("夏季工作服", "涤棉 短袖套装 含刺绣标志", "套", (95, 125), (30, 120)),
        Item("冬季工作服", "加厚棉服 含刺绣标志", "套", (220, 275), (30, 100)),
        Item("劳保鞋", "防砸防刺穿 钢包头", "双", (160, 205), (20, 80)),
    ],
}


@dataclass(frozen=True)
class Need:
    """What a department buys from a supplier: the requisition's title and purpose ({m}: month)."""

    supplier: str
    weight: int
    title: str
    purpose: str
    items: tuple[str, ...]


# department code -> (requester login, weight, needs)
PLANS: dict[str, tuple[str, int, list[Need]]] = {
    "central": ("central", 34, [
        Need("steel", 5, "{m}月冲压车间钢材采购", "根据生产部{m}月生产计划，冲压车间需补充钢材库存（业务集中管理部归口采购）。",
             ("冷轧钢板", "镀锌板", "不锈钢管", "角钢")),
        Need("electronics", 5, "{m}月控制板电子元器件备料", "生产部{m}月控制板排产，按 BOM 清单备料，现有库存约一周用量。",
             ("贴片电容", "贴片电阻", "单片机", "电源模块", "连接器", "继电器")),
        Need("plastics", 4, "{m}月注塑原料采购", "注塑车间{m}月排产用料，按生产计划和安全库存测算。",
             ("ABS 塑料粒子", "PP 塑料粒子", "注塑外壳")),
        Need("packaging", 3, "{m}月成品包装材料采购", "按{m}月出货计划补充成品包装材料和随箱资料。",
             ("瓦楞纸箱", "珍珠棉", "产品说明书")),
        Need("equipment", 2, "生产设备维修备件采购", "设备年度保养计划所需备件，部分已到更换周期。",
             ("数控刀片", "深沟球轴承", "蜗轮减速机", "气动扳手", "工业吸尘器", "同步带")),
        Need("office", 3, "公司{m}月办公用品集中采购", "各部门{m}月办公用品需求汇总，由业务集中管理部统一采购。",
             ("A4 复印纸", "签字笔", "文件夹", "硒鼓", "笔记本", "白板笔", "订书机")),
    ]),
    "business": ("pm", 20, [
        Need("it", 4, "项目组办公电脑采购", "新项目组成立，新增人员需要配置办公电脑和显示器。",
             ("笔记本电脑", "台式电脑", "显示器")),
        Need("it", 1, "会议室投影及网络设备更新", "业务部会议室投影仪老化、无线信号弱，影响客户演示。",
             ("投影仪", "无线 AP", "交换机")),
        Need("exhibition", 3, "{m}月行业展会参展", "参加{m}月行业展会，需要特装展位和现场宣传物料。",
             ("展位特装搭建", "易拉宝", "背景墙喷绘")),
        Need("packaging", 2, "产品宣传资料印刷", "市场推广活动使用的产品画册和宣传彩页。", ("产品画册", "宣传彩页")),
    ]),
    "biz-east": ("sales", 10, [
        Need("exhibition", 3, "华东区客户推介会物料", "{m}月在上海举办华东区客户推介会，需场地布置和宣传物料。",
             ("活动场地布置", "易拉宝", "背景墙喷绘")),
        Need("packaging", 3, "华东业务部名片及宣传册印制", "新入职销售人员名片，以及拜访客户用的宣传册。",
             ("名片", "产品画册", "宣传彩页")),
        Need("it", 2, "华东业务部笔记本电脑采购", "销售人员外出拜访客户使用，现有电脑已超过 5 年。", ("笔记本电脑",)),
        Need("office", 2, "华东业务部办公用品", "部门日常办公用品补充。", ("A4 复印纸", "签字笔", "文件夹", "笔记本")),
    ]),
    "gmo": ("gmo", 12, [
        Need("cleaning", 4, "办公区保洁服务（{m}月）", "办公区日常保洁外包服务，按月结算。", ("办公区日常保洁服务",)),
        Need("cleaning", 1, "办公区专项清洁", "年中办公区地毯和外墙玻璃专项清洗。", ("地毯深度清洗", "外墙玻璃清洗")),
        Need("vehicle", 3, "公务车辆维修保养", "公司公务用车按里程保养，并更换磨损部件。",
             ("商务车常规保养", "轮胎更换", "刹车片更换", "车辆年检代办")),
        Need("office", 3, "总经理办公室办公用品及饮用水", "办公用品和饮用水补充。", ("A4 复印纸", "桶装饮用水", "签字笔", "墨盒")),
    ]),
    "hr": ("hr", 8, [
        Need("training", 4, "{m}月员工培训服务采购", "年度培训计划内的课程，由外部机构授课。",
             ("中层管理能力提升培训", "新员工入职培训", "ISO 9001 内审员培训", "商务谈判技巧培训")),
        Need("uniform", 3, "员工工作服及劳保用品", "新员工入职及换季工作服，生产人员劳保鞋。", ("夏季工作服", "冬季工作服", "劳保鞋")),
        Need("office", 1, "人力资源部办公用品", "部门日常办公用品补充。", ("A4 复印纸", "文件夹", "签字笔")),
    ]),
    "finance": ("finance", 6, [
        Need("it", 3, "财务软件年度服务及设备", "财务软件年度运维到期续费，并更换老旧点钞机和打印机。",
             ("财务软件服务", "点钞机", "激光打印机")),
        Need("office", 2, "财务部办公用品及耗材", "凭证打印耗材和日常办公用品。", ("A4 复印纸", "硒鼓", "文件夹", "签字笔")),
    ]),
    "legal": ("legal", 4, [
        Need("it", 2, "合同管理软件年度订阅", "合同审查和归档使用的软件年度订阅续费。", ("合同管理软件",)),
        Need("office", 2, "法务部图书及办公用品", "更新法律法规汇编，补充办公用品。", ("法律法规汇编", "A4 复印纸", "文件夹")),
    ]),
    "audit": ("auditor", 6, [
        Need("it", 3, "审计软件年度授权续费", "内部审计使用的审计软件年度授权到期续费。", ("审计软件授权", "笔记本电脑")),
        Need("office", 2, "内部审计部办公用品", "审计底稿打印和归档用品。", ("A4 复印纸", "文件夹", "硒鼓")),
    ]),
}

#: who receives and inspects what a department ordered (its head)
RECEIVERS = {"central": "central", "business": "bizmgr", "biz-east": "bizeast", "gmo": "gmo", "hr": "hr",
             "finance": "finance", "legal": "legal", "audit": "auditor"}
PLACES = {"steel": "2 号厂房原料仓", "electronics": "1 号厂房电子料仓", "plastics": "3 号厂房注塑车间原料区",
          "packaging": "成品仓库", "equipment": "设备维修间", "office": "办公楼 1 楼行政前台", "it": "办公楼 5 楼信息机房",
          "uniform": "办公楼 1 楼行政前台"}

APPROVE = ["同意。", "同意。", "同意，请控制采购成本。", "已核对，同意。", "情况属实，同意。", "同意，按计划采购。"]
REJECT = {
    "dept_head": ["本月部门费用已超计划，下月再提。", "数量偏多，请按实际需要重新测算。"],
    "central_review": ["与本月集中采购计划重复，请合并到公司统一采购。", "预算单价高于市场价，请核实后重新提交。"],
    "gm": ["金额较大，请先比价并说明必要性后再报。"],
}
ORDER_REVIEW = ["供应商在合格名录内，价格和条款符合要求，同意下达。", "同意下达。", "价格已比对，同意。"]
DEFECTS = ["外包装破损，部分货物受潮", "尺寸超出图纸公差", "抽检功能测试不合格", "数量短缺且批次标签错误", "表面划伤、色差明显"]
INSPECTED = ["数量、规格与订单一致，外观检查合格。", "抽检合格，已入库。", "验收合格。", "按验收标准检查合格，已办理入库。"]
SERVICES_DONE = ["服务已按约定完成，使用部门确认合格。", "服务完成，质量符合要求。"]
BANKS = ["招行", "工行", "建行"]


def _money(value: float | Decimal) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _price(rng: random.Random, low: float, high: float) -> Decimal:
    value = rng.uniform(low, high)
    return _money(round(value) if value >= 100 else value)


def _quantity(rng: random.Random, item: Item) -> Decimal:
    low, high = item.quantity
    if item.decimals:
        return Decimal(str(round(rng.uniform(low, high), item.decimals)))
    value = rng.randint(int(low), int(high))
    step = 100 if value >= 2000 else 10 if value >= 200 else 5 if value >= 40 else 1
    return Decimal(max(step, value // step * step))


# --- time -----------------------------------------------------------------------------------------


def _working(day: datetime.datetime, rng: random.Random) -> datetime.datetime:
    """A time between 9:00 and 17:55 on `day`, or on the next working day."""
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return day.replace(hour=rng.randint(9, 17), minute=rng.randrange(0, 60, 5), second=0, microsecond=0)


def _later(at: datetime.datetime, rng: random.Random, hours: tuple[float, float]) -> datetime.datetime:
    """Some working hours after `at` (evenings and weekends skipped)."""
    nxt = at + datetime.timedelta(minutes=rng.randint(int(hours[0] * 60), int(hours[1] * 60)))
    if nxt.hour >= 18 or nxt.hour < 9 or nxt.weekday() >= 5:
        nxt = _working(nxt.replace(hour=0) + datetime.timedelta(days=1 if nxt.hour >= 18 else 0), rng)
    return nxt


def _on(day: datetime.date, rng: random.Random, base: datetime.datetime) -> datetime.datetime:
    return _working(base.replace(year=day.year, month=day.month, day=day.day), rng)


# --- the story --------------------------------------------------------------------------------------


@dataclass(order=True)
class _Step:
    """A case's next step: when it happens (ties in the order the steps were planned)."""

    at: datetime.datetime
    seq: int
    case: Iterator[datetime.datetime] = field(compare=False)


@dataclass
class _Case:
    """One requisition and how its story goes (decided up front, from the seed)."""

    department: str
    requester: str
    need: Need
    lines: list[tuple[Item, Decimal, Decimal]]  # item, quantity, budget price
    start: datetime.datetime
    reject_at: str | None = None
    revise: bool = False
    slow: bool = False
    order: bool = True
    order_rejected: bool = False
    partial: bool = False
    defect: bool = False
    late: bool = False
    payment_rejected: bool = False


class Story:
    """Runs the cases in time order under the demo clock; steps due after `until` are not taken."""

    def __init__(self, rng: random.Random, now: list[datetime.datetime], until: datetime.datetime) -> None:
        self.rng = rng
        self.now = now
        self.until = until
        self.queue: list[_Step] = []
        self.seq = 0

    def add(self, at: datetime.datetime, case: Iterator[datetime.datetime]) -> None:
        if at < self.until:
            self.seq += 1
            heapq.heappush(self.queue, _Step(at, self.seq, case))

    def run(self) -> None:
        while self.queue:
            step = heapq.heappop(self.queue)
            self.now[0] = step.at
            nxt = next(step.case, None)
            if nxt is not None:
                self.add(max(nxt, step.at + datetime.timedelta(minutes=1)), step.case)


def _plan(rng: random.Random, start: datetime.datetime, days: int, wanted: int) -> list[_Case]:
    """The requisitions of the year: who asks for what and when, and how each case will go."""
    codes = list(PLANS)
    weights = [PLANS[c][1] for c in codes]
    cases = []
    for _ in range(wanted):
        code = rng.choices(codes, weights)[0]
        requester, _w, needs = PLANS[code]
        need = rng.choices(needs, [n.weight for n in needs])[0]
        items = {i.name: i for i in CATALOG[need.supplier]}
        chosen = rng.sample(need.items, k=min(len(need.items), rng.choice([1, 1, 2, 2, 3, 4])))
        lines = []
        for name in chosen:
            item = items[name]
            budget = _price(rng, item.price[1], item.price[1] * 1.06)
            lines.append((item, _quantity(rng, item), budget))
        total = sum((q * p for _i, q, p in lines), Decimal("0"))
        if total > ORDER_CAP:  # keep it below the contract threshold: fewer of the dearest item
            item, qty, price = max(lines, key=lambda row: row[1] * row[2])
            keep = max(Decimal("1"), ((ORDER_CAP - (total - qty * price)) / price).quantize(
                Decimal("1") if not item.decimals else Decimal("0.1"), rounding="ROUND_DOWN"))
            lines = [(i, keep if i is item else q, p) for i, q, p in lines]
        at = _working(start + datetime.timedelta(days=rng.randint(0, days - 1)), rng)
        cases.append(_Case(code, requester, need, lines, at))
    cases.sort(key=lambda c: c.start)
    for case in cases:
        goods = next(s for s in SUPPLIERS if s.key == case.need.supplier)
        r = rng.random()
        if case.requester not in ("central", "finance", "hr", "legal", "auditor", "gmo") and r < 0.05:
            case.reject_at = "dept_head"
        elif case.requester != "central" and r < 0.10:
            case.reject_at = "central_review"
        elif _amount(case) > 50000 and r < 0.35:
            case.reject_at = "gm"
        case.revise = case.reject_at is not None and case.reject_at != "gm" and rng.random() < 0.5
        case.order = rng.random() > 0.03
        case.order_rejected = rng.random() < 0.04
        countable = goods.goods and all(q >= 2 for _i, q, _p in case.lines)
        case.partial = countable and rng.random() < 0.15
        case.defect = countable and rng.random() < goods.defect_rate * 1.5
        case.late = rng.random() < goods.late_rate
        case.payment_rejected = rng.random() < 0.05
    return cases


def _amount(case: _Case) -> Decimal:
    return sum(((q * p).quantize(CENT) for _i, q, p in case.lines), Decimal("0"))


class World:
    """The people, suppliers and services the cases act through."""

    def __init__(self, story: Story, users: dict[str, Any], suppliers: dict[str, Any]) -> None:
        from yewu.procurement import services
        from yewu.workflow import services as workflow

        self.story = story
        self.rng = story.rng
        self.users = users
        self.suppliers = suppliers
        self.services = services
        self.workflow = workflow
        self.payment_refs = 0
        self.recent = (story.until - datetime.timedelta(days=21)).date()

    @property
    def now(self) -> datetime.datetime:
        return self.story.now[0]

    def later(self, hours: tuple[float, float]) -> datetime.datetime:
        return _later(self.now, self.rng, hours)

    def on(self, day: datetime.date) -> datetime.datetime:
        return _on(day, self.rng, self.now)

    def started(self, record: Any) -> None:
        """The approval's start as the story tells it (the column's default is the real time)."""
        from yewu.workflow.models import ProcessInstance

        ProcessInstance.objects.filter(pk=record.approval_id).update(started_at=self.now)

    def open_task(self, record: Any) -> Any:
        from yewu.workflow.models import Task

        return (Task.objects.filter(instance_id=record.approval_id, status="open")
                .select_related("assignee").order_by("order", "pk").first())

    # -- requisition → approval → order ------------------------------------------------------------

    def requisition(self, case: _Case) -> Iterator[datetime.datetime]:
        from yewu.procurement.choices import RequisitionStatus

        actor = self.users[case.requester]
        month = f"{self.now.month}"
        values = {"title": case.need.title.format(m=month), "purpose": case.need.purpose.format(m=month),
                  "needed_by": (self.now + datetime.timedelta(days=self.rng.randint(10, 30))).date()}
        lines = [{"name": i.name, "specification": i.spec, "quantity": q, "unit": i.unit, "budget_price": p}
                 for i, q, p in case.lines]
        req = self.services.save_requisition(None, values, lines=lines, actor=actor)
        yield self.later((0.2, 3))
        req = self.services.submit_requisition(req, actor=actor)
        self.started(req)
        yield from self._decide(req, case, case.reject_at)
        req.refresh_from_db()
        if req.status == RequisitionStatus.REJECTED and case.revise:
            yield self.later((20, 60))
            lines = [{**row, "quantity": _fewer(row["quantity"])} for row in lines]
            req = self.services.save_requisition(req, {"purpose": values["purpose"] + "（已按审批意见调整数量）"},
                                                 lines=lines, actor=actor)
            case.lines = [(i, _fewer(q), p) for i, q, p in case.lines]
            yield self.later((0.2, 2))
            req = self.services.submit_requisition(req, actor=actor)
            self.started(req)
            yield from self._decide(req, case, None)
            req.refresh_from_db()
        if req.status != RequisitionStatus.APPROVED or not case.order:
            return
        yield self.later((8, 80))
        yield from self.order(req, case)

    def _decide(self, record: Any, case: _Case, reject_at: str | None) -> Iterator[datetime.datetime]:
        """The approvers decide, one step after the other, hours apart (days when slow)."""
        while True:
            yield self.later((60, 120) if case.slow else (0.3, 26))
            task = self.open_task(record)
            if task is None:
                return
            if task.step_id == reject_at:
                self.workflow.reject_task(task, actor=task.assignee, comment=self.rng.choice(REJECT[reject_at]))
                return
            self.workflow.approve_task(task, actor=task.assignee, comment=self.rng.choice(APPROVE))

    def order(self, req: Any, case: _Case) -> Iterator[datetime.datetime]:
        from yewu.procurement.choices import OrderStatus

        info = next(s for s in SUPPLIERS if s.key == case.need.supplier)
        buyer = self.users["central"]
        lead = self.rng.randint(*info.lead_days)
        delivery = (self.now + datetime.timedelta(days=lead)).date()
        factor = [Decimal(str(round(self.rng.uniform(0.9, 0.995), 3))) for _ in case.lines]
        if case.order_rejected:
            factor = [min(Decimal("1"), f + Decimal("0.05")) for f in factor]  # first quote: too dear
        req_lines = list(req.lines.all())

        def lines() -> list[dict[str, Any]]:
            return [{"requisition_line": rl.pk, "name": rl.name, "specification": rl.specification,
                     "quantity": rl.quantity, "unit": rl.unit, "unit_price": _money(rl.budget_price * f)}
                    for rl, f in zip(req_lines, factor, strict=True)]

        values = {"requisition": req, "supplier": self.suppliers[info.key], "delivery_date": delivery,
                  "delivery_place": f"{ADDRESS} {PLACES.get(info.key, '使用部门现场')}",
                  "notes": "请随货附送货单（注明订单号）并开具增值税专用发票。" if info.goods else "服务完成后由使用部门确认。"}
        order = self.services.save_purchase_order(None, values, lines=lines(),
                                                  instalments=_terms(lines(), delivery, info), actor=buyer)
        yield self.later((0.1, 2))
        order = self.services.submit_purchase_order(order, actor=buyer)
        self.started(order)
        yield self.later((0.5, 20))
        task = self.open_task(order)
        if task is None:
            return
        if case.order_rejected:
            self.workflow.reject_task(task, actor=task.assignee, comment="单价偏高，请与供应商重新议价后再提交。")
            yield self.later((20, 50))
            factor = [f - Decimal("0.06") for f in factor]
            order = self.services.save_purchase_order(order, {}, lines=lines(),
                                                      instalments=_terms(lines(), delivery, info), actor=buyer)
            yield self.later((0.1, 1))
            order = self.services.submit_purchase_order(order, actor=buyer)
            self.started(order)
            yield self.later((0.5, 20))
            task = self.open_task(order)
            if task is None:
                return
        self.workflow.approve_task(task, actor=task.assignee, comment=self.rng.choice(ORDER_REVIEW))
        order.refresh_from_db()
        if order.status != OrderStatus.ISSUED:  # e.g. it waits for a signed contract
            return
        yield from self.deliveries(order, case, info, delivery)
        yield from self.payments(order, case)

    # -- receiving and inspection ------------------------------------------------------------------

    def deliveries(self, order: Any, case: _Case, info: SupplierInfo, due: datetime.date) -> Iterator[datetime.datetime]:
        receiver = self.users[RECEIVERS[case.department]]
        if due > self.recent:  # lately the suppliers' order books are full: deliveries slip more often
            late = self.rng.random() < 0.45
            days = self.rng.randint(5, 25) if late else self.rng.randint(-2, 0)
        else:
            days = self.rng.randint(3, 14) if case.late else self.rng.randint(-2, 0)
        yield self.on(due + datetime.timedelta(days=days))
        lines = list(order.lines.all())
        if case.partial:
            first = {line.pk: _part(line.quantity, self.rng) for line in lines}
            self._receive(order, receiver, {pk: (q, Decimal("0")) for pk, q in first.items()},
                                     "分批到货（第一批）：" + self.rng.choice(INSPECTED))
            yield self.later((48, 240))
            rest = {line.pk: (line.quantity - first[line.pk], Decimal("0")) for line in lines}
            self._receive(order, receiver, rest, "第二批到货：" + self.rng.choice(INSPECTED))
            return
        if case.defect:
            bad = self.rng.choice(lines)
            rejected = max(Decimal("1"), (bad.quantity * Decimal(str(self.rng.uniform(0.03, 0.12)))).quantize(
                Decimal("1") if bad.quantity >= 10 else Decimal("0.1"), rounding="ROUND_DOWN"))
            rejected = min(rejected, bad.quantity)
            rows = {line.pk: (line.quantity - (rejected if line is bad else 0), rejected if line is bad else Decimal("0"))
                    for line in lines}
            defect = self.rng.choice(DEFECTS)
            receipt = self._receive(order, receiver, rows, f"{bad.name}：{defect}，不合格品已退回供应商。",
                                               note={bad.pk: defect})
            yield self.later((24, 100))
            for issue in receipt.issues.all():
                self.services.resolve_supplier_issue(
                    issue, resolution="供应商已确认质量问题，补发合格品并承担往返运费。", actor=self.users["central"])
            yield self.later((24, 120))
            self._receive(order, receiver, {bad.pk: (rejected, Decimal("0"))}, "补发货物验收合格。")
            return
        report = self.rng.choice(INSPECTED if info.goods else SERVICES_DONE)
        self._receive(order, receiver, {line.pk: (line.quantity, Decimal("0")) for line in lines}, report)

    def _receive(self, order: Any, receiver: Any, rows: dict[int, tuple[Decimal, Decimal]], report: str,
                 note: dict[int, str] | None = None) -> Any:
        lines = [{"order_line": pk, "accepted": acc, "rejected": rej, "note": (note or {}).get(pk, "")}
                 for pk, (acc, rej) in rows.items() if acc or rej]
        return self.services.record_receipt(order, lines=lines, received_on=self.now.date(), report=report,
                                            actor=receiver)

    # -- payments ----------------------------------------------------------------------------------

    def payments(self, order: Any, case: _Case) -> Iterator[datetime.datetime]:
        buyer, finance = self.users["central"], self.users["finance"]
        for inst in list(order.instalments.all()):
            when = self.on(inst.due_on) if inst.due_on else self.later((24, 72))
            yield max(when, self.later((1, 8)))
            pay = self.services.request_payment(order, instalment=inst, note=inst.description, actor=buyer)
            yield self.later((2, 30))
            if case.payment_rejected and inst.seq == 1:
                self.services.reject_payment(pay, actor=finance,
                                             reason="发票抬头与公司名称不一致，请供应商重开发票后再申请。")
                yield self.later((60, 140))
                pay = self.services.request_payment(order, instalment=inst, note="已重开发票。", actor=buyer)
                yield self.later((2, 30))
            self.services.approve_payment(pay, actor=finance)
            yield self.later((4, 50))
            self.payment_refs += 1
            reference = f"{self.rng.choice(BANKS)} {self.now:%Y%m%d}-{self.payment_refs:03d}"
            self.services.pay_payment(pay, actor=finance, paid_on=self.now.date(), reference=reference)

    # -- suppliers ---------------------------------------------------------------------------------

    def evaluations(self, quarters: list[tuple[datetime.datetime, str, datetime.date, datetime.date]]) -> Iterator[datetime.datetime]:
        """At the start of each quarter, each supplier that delivered in the last one is evaluated."""
        for at, period, start, end in quarters:
            yield at
            for supplier in self.suppliers.values():
                supplier.refresh_from_db(fields=["status"])
                if supplier.status not in self.services.EVALUABLE:
                    continue
                scores = _scores(supplier, start, end, self.rng)
                if scores is None:
                    continue
                self.services.evaluate_supplier(supplier, {"period": period, **scores}, actor=self.users["central"])


def _fewer(quantity: Decimal) -> Decimal:
    step = Decimal("1") if quantity == quantity.to_integral_value() else Decimal("0.1")
    return max(step, (quantity * Decimal("0.7")).quantize(step, rounding="ROUND_DOWN"))


def _part(quantity: Decimal, rng: random.Random) -> Decimal:
    step = Decimal("1") if quantity == quantity.to_integral_value() else Decimal("0.1")
    part = (quantity * Decimal(str(rng.uniform(0.4, 0.7)))).quantize(step, rounding="ROUND_DOWN")
    return min(max(step, part), quantity - step)


def _terms(lines: list[dict[str, Any]], delivery: datetime.date, info: SupplierInfo) -> list[dict[str, Any]]:
    """Monthly settlement 30 days after delivery; larger goods orders keep 10 % back for 180 days."""
    total = sum(((row["quantity"] * row["unit_price"]).quantize(CENT) for row in lines), Decimal("0"))
    due = delivery + datetime.timedelta(days=30)
    if not info.goods or total < 20000:
        return [{"description": "验收合格后月结 30 天", "amount": total, "due_on": due}]
    retention = (total * Decimal("0.1")).quantize(CENT)
    return [{"description": "验收合格后月结 30 天（90%）", "amount": total - retention, "due_on": due},
            {"description": "质量保证金（10%），到货 180 天后无质量问题支付", "amount": retention,
             "due_on": delivery + datetime.timedelta(days=180)}]


def _scores(supplier: Any, start: datetime.date, end: datetime.date, rng: random.Random) -> dict[str, Any] | None:
    """Quality from the goods rejected at inspection, delivery from the late receipts of the quarter."""
    from django.db.models import F, Q

    from yewu.procurement.models import Receipt

    receipts = Receipt.objects.filter(order__supplier=supplier, received_on__gte=start, received_on__lt=end)
    total = receipts.count()
    if not total:
        return None
    rejected = receipts.filter(lines__rejected__gt=0).distinct().count()
    late = receipts.filter(Q(order__delivery_date__lt=F("received_on"))).count()
    quality = 97 - 12 * rejected + rng.randint(-3, 1)
    delivery = 97 - round(40 * late / total) + rng.randint(-3, 1)
    clamp = lambda v: str(max(60, min(100, v)))  # noqa: E731 - a bad quarter warns, it does not remove
    notes = []
    if rejected:
        notes.append(f"本季度 {rejected} 批到货验收不合格")
    if late:
        notes.append(f"{late} 批延迟交货")
    return {"quality": clamp(quality), "delivery": clamp(delivery), "price": clamp(rng.randint(82, 93)),
            "service": clamp(rng.randint(84, 96)), "notes": "；".join(notes) or "交货及时，质量稳定。"}


def _quarters(first: datetime.datetime, until: datetime.datetime, rng: random.Random) -> list[tuple[Any, ...]]:
    """(when, period label, start, end) of each quarter that ended inside the story."""
    out = []
    year, quarter = first.year, (first.month - 1) // 3 + 1
    while True:
        start = datetime.date(year, 3 * quarter - 2, 1)
        end = datetime.date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
        at = _on(end + datetime.timedelta(days=rng.randint(2, 6)), rng, first)
        if at >= until:
            return out
        out.append((at, f"{year}-Q{quarter}", start, end))
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)


def _suppliers(central: Any, since: datetime.date, today: datetime.date) -> dict[str, Any]:
    """The qualified suppliers (and one candidate), with their documents, as the story begins."""
    from yewu.procurement import services
    from yewu.procurement.choices import SupplierStatus
    from yewu.procurement.models import Supplier

    out = {}
    for i, info in enumerate(SUPPLIERS):
        supplier = services.save_supplier(None, {
            "name": info.name, "credit_code": info.code, "categories": list(info.categories), "contact": info.contact,
            "phone": info.phone, "address": info.address, "bank_account": info.bank,
            "email": f"sales{i + 1:02d}@supplier-{info.key}.example.cn",
        }, actor=central)
        services.add_qualification(supplier, {
            "kind": "licence", "name": "营业执照", "reference": info.code,
            "issued_on": since - datetime.timedelta(days=900 + 97 * i), "expires_on": None,
        }, actor=central)
        expires = since + datetime.timedelta(days=700 + 41 * i)
        if info.key == "packaging":  # its certificate runs out soon: the expiry warning has something to say
            expires = today + datetime.timedelta(days=25)
        services.add_qualification(supplier, {
            "kind": "certificate", "name": "ISO 9001 质量管理体系认证证书", "reference": f"ISO-{info.code[-6:]}",
            "issued_on": since - datetime.timedelta(days=300 + 13 * i), "expires_on": expires,
        }, actor=central)
        services.add_qualification(supplier, {
            "kind": "audit", "name": "供应商现场考察报告", "reference": f"SA-{since.year}-{i + 1:02d}",
            "issued_on": since - datetime.timedelta(days=20 + i), "expires_on": None,
        }, actor=central)
        services.set_supplier_status(supplier, SupplierStatus.QUALIFIED, actor=central, reason="资质审核、实地考察合格")
        out[info.key] = supplier
    name, code, categories, contact, phone = CANDIDATE
    if not Supplier.objects.filter(name=name).exists():
        candidate = services.save_supplier(None, {"name": name, "credit_code": code, "categories": categories,
                                                  "contact": contact, "phone": phone}, actor=central)
        services.add_qualification(candidate, {"kind": "licence", "name": "营业执照", "reference": code,
                                               "issued_on": since - datetime.timedelta(days=400), "expires_on": None},
                                   actor=central)
    return out


def load(*, days: int = DAYS, requisitions: int | None = None) -> dict[str, int]:
    """Tell the year's story once (nothing when the company has procurement already, or the demo
    people are missing); returns how many records of each kind and state there are.
    `requisitions`: how many (default: settings.YEWU_DEMO_REQUISITIONS, else REQUISITIONS; the
    browser tests load a short year)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from yewu.core import demo as core_demo
    from yewu.core.models import Notification
    from yewu.procurement.models import Requisition, Supplier
    from yewu.workflow.models import ProcessInstance

    logins = {*RECEIVERS.values(), *(p[0] for p in PLANS.values()), "central", "finance", "gm"}
    users = {u.username: u for u in get_user_model().objects.filter(username__in=logins, is_active=True)}
    if Requisition.objects.exists() or Supplier.objects.filter(name=SUPPLIERS[0].name).exists() or logins - set(users):
        return summary()
    requisitions = requisitions or getattr(settings, "YEWU_DEMO_REQUISITIONS", None) or REQUISITIONS
    rng = random.Random(SEED)
    real_now = timezone.now()
    today = timezone.localtime(real_now).replace(hour=0, minute=0, second=0, microsecond=0)
    first = today - datetime.timedelta(days=days)
    now = [_working(first - datetime.timedelta(days=20), rng)]
    story = Story(rng, now, real_now - datetime.timedelta(minutes=1))
    last_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with transaction.atomic(), core_demo.clock(now):
        suppliers = _suppliers(users["central"], now[0].date(), today.date())
        world = World(story, users, suppliers)
        for case in _plan(rng, first, days, requisitions):
            case.slow = case.start > real_now - datetime.timedelta(days=10) and rng.random() < 0.5
            story.add(case.start, world.requisition(case))
        story.add(first, world.evaluations(_quarters(first, story.until, rng)))
        story.run()
        # History is history: no e-mail or IM copies of it; notifications of what is settled are read.
        mine = Notification.objects.filter(pk__gt=last_notification)
        mine.update(emailed_at=real_now, pushed_at=real_now)
        running = [i.get_absolute_url() for i in ProcessInstance.objects.filter(status="running")]
        mine.filter(read_at__isnull=True).exclude(url__in=running).update(
            read_at=F("created_at") + datetime.timedelta(hours=2))
    return summary()


def summary() -> dict[str, int]:
    """Procurement records by kind and state (what `yewu demo -v 2` prints)."""
    from django.db.models import Count

    from yewu.procurement.models import (
        PaymentRequest,
        PurchaseOrder,
        Receipt,
        Requisition,
        SupplierEvaluation,
        SupplierIssue,
    )

    out: dict[str, int] = {}
    for label, model in (("requisitions", Requisition), ("orders", PurchaseOrder), ("payments", PaymentRequest)):
        for row in model.objects.order_by().values("status").annotate(n=Count("pk")).order_by("status"):
            out[f"{label} {row['status']}"] = row["n"]
    out["receipts"] = Receipt.objects.count()
    out["supplier issues"] = SupplierIssue.objects.count()
    out["supplier evaluations"] = SupplierEvaluation.objects.count()
    return out
