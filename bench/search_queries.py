"""The query-quality set over the seed store (content/): what shoppers type, and what must come back.

Each FINDS entry is (kind, query, product id expected among the first three results); NOTHING lists
queries that must find nothing: goods the store does not sell, characters it holds only apart, and
a brand held under NDA. Used by tests/browser/test_search_quality.py and `./dev bench`.
"""

from __future__ import annotations

TOP = 3
"""The expected product must be among this many first results."""

FINDS: list[tuple[str, str, str]] = [
    # titles, whole or as typed from them
    ("title", "奥克斯家用大吸尘器", "aux-vacuum"),
    ("title", "24骨全自动雨伞", "auto-umbrella-24-rib"),
    ("title", "杏干", "baicaowei-dried-apricot"),
    ("title", "托特包", "baiyun-leather-tote"),
    ("title", "黑科技沙滩袜", "beach-socks"),
    ("title", "中筒袜", "haining-cotton-socks"),
    ("title", "长绒棉", "haixing-cotton-towel"),
    ("title", "桌面收纳盒", "haixing-desk-organizer"),
    ("title", "连帽卫衣", "kids-cotton-hoodie"),
    ("title", "柠檬酸辣凤爪", "lemon-chicken-feet"),
    ("title", "高腰瑜伽裤", "same-craft-yoga-leggings"),
    ("title", "莫代尔", "shenjiang-modal-briefs"),
    ("title", "无钢圈舒适文胸", "shenjiang-wireless-bra"),
    ("title", "藤条扩香", "tewisen-reed-diffuser"),
    ("title", "香氛蜡烛", "tewisen-scented-candle"),
    ("title", "美利奴羊毛", "tongxiang-merino-sweater"),
    ("title", "瑜伽垫", "tpe-yoga-mat"),
    ("title", "乌金石茶盘", "wujin-stone-tea-tray"),
    # substrings of titles
    ("substring", "吸尘", "aux-vacuum"),
    ("substring", "果干", "baicaowei-dried-apricot"),
    ("substring", "牛皮", "baiyun-leather-tote"),
    ("substring", "速干", "beach-socks"),
    ("substring", "精梳棉", "haining-cotton-socks"),
    ("substring", "收纳", "haixing-desk-organizer"),
    ("substring", "凤爪", "lemon-chicken-feet"),
    ("substring", "无痕", "shenjiang-modal-briefs"),
    ("substring", "文胸", "shenjiang-wireless-bra"),
    ("substring", "小苍兰", "tewisen-reed-diffuser"),
    ("substring", "大豆蜡", "tewisen-scented-candle"),
    ("substring", "伞", "auto-umbrella-24-rib"),
    # tags
    ("tag", "童装", "kids-cotton-hoodie"),
    ("tag", "卤味", "lemon-chicken-feet"),
    ("tag", "送礼", "tewisen-reed-diffuser"),
    ("tag", "健身", "tpe-yoga-mat"),
    ("tag", "露营", "beach-socks"),
    ("tag", "企业礼品", "wujin-stone-tea-tray"),
    ("tag", "小家电", "aux-vacuum"),
    ("tag", "通勤包", "baiyun-leather-tote"),
    # categories
    ("category", "生活电器", "aux-vacuum"),
    ("category", "家纺", "haixing-cotton-towel"),
    ("category", "办公文具", "haixing-desk-organizer"),
    ("category", "箱包皮具", "baiyun-leather-tote"),
    ("category", "家居香氛", "tewisen-reed-diffuser"),
    ("category", "运动户外", "tpe-yoga-mat"),
    ("category", "鞋靴", "beach-socks"),
    # industrial belts
    ("belt", "海宁袜业", "haining-cotton-socks"),
    ("belt", "诸暨袜业", "beach-socks"),
    ("belt", "桐乡羊毛衫", "tongxiang-merino-sweater"),
    ("belt", "白云皮具", "baiyun-leather-tote"),
    # regions
    ("region", "慈溪", "aux-vacuum"),
    ("region", "惠安", "wujin-stone-tea-tray"),
    ("region", "晋江", "same-craft-yoga-leggings"),
    ("region", "织里", "kids-cotton-hoodie"),
    ("region", "濮院", "tongxiang-merino-sweater"),
    ("region", "璧山", "lemon-chicken-feet"),
    # factories
    ("factory", "申江服饰", "shenjiang-wireless-bra"),
    ("factory", "海兴家居", "haixing-cotton-towel"),
    ("factory", "特威森", "tewisen-scented-candle"),
    ("factory", "渝味坊", "lemon-chicken-feet"),
    ("factory", "南通韧动", "tpe-yoga-mat"),
    ("factory", "上虞晴雨", "auto-umbrella-24-rib"),
    # public brands
    ("brand", "奥克斯", "aux-vacuum"),
    ("brand", "爱慕", "shenjiang-wireless-bra"),
    ("brand", "祖玛珑", "tewisen-reed-diffuser"),
    ("brand", "华为", "wujin-stone-tea-tray"),
    ("brand", "招商银行", "wujin-stone-tea-tray"),
    ("brand", "百草味", "baicaowei-dried-apricot"),
    ("brand", "aux", "aux-vacuum"),
    # synonyms (content/search.yaml)
    ("synonym", "胸罩", "shenjiang-wireless-bra"),
    ("synonym", "吸尘机", "aux-vacuum"),
    ("synonym", "鸡爪", "lemon-chicken-feet"),
    ("synonym", "杏脯", "baicaowei-dried-apricot"),
    ("synonym", "连帽衫", "kids-cotton-hoodie"),
    ("synonym", "健身垫", "tpe-yoga-mat"),
    ("synonym", "遮阳伞", "auto-umbrella-24-rib"),
    ("synonym", "茶台", "wujin-stone-tea-tray"),
    # pinyin, full and initials
    ("pinyin", "xichenqi", "aux-vacuum"),
    ("pinyin", "yusan", "auto-umbrella-24-rib"),
    ("pinyin", "yujiadian", "tpe-yoga-mat"),
    ("pinyin", "xinggan", "baicaowei-dried-apricot"),
    ("pinyin", "fengzhao", "lemon-chicken-feet"),
    ("pinyin", "tuotebao", "baiyun-leather-tote"),
    ("pinyin", "jiafang", "haixing-cotton-towel"),
    ("pinyin", "wazi", "haining-cotton-socks"),  # a tag's pinyin
    ("pinyin", "chatai", "wujin-stone-tea-tray"),  # a synonym's
    ("initials", "xcq", "aux-vacuum"),
    ("initials", "yjd", "tpe-yoga-mat"),
    ("initials", "ttb", "baiyun-leather-tote"),
    # several words, Latin
    ("words", "海宁 袜子", "haining-cotton-socks"),
    ("tag", "袜子", "beach-socks"),  # a 沙滩袜 is 袜子 too (its tags say so)
    ("words", "TPE", "tpe-yoga-mat"),
    ("words", "无钢圈 文胸", "shenjiang-wireless-bra"),
    ("words", "山姆 吸尘器", "aux-vacuum"),
]

NOTHING: list[tuple[str, str]] = [
    ("not sold", "月饼"),
    ("not sold", "手机"),
    ("not sold", "保温杯"),
    ("not sold", "电视"),
    ("not sold", "大米"),
    ("apart", "杏雨"),
    ("apart", "全雨"),
    ("nda brand", "名创优品"),
    ("nda brand", "MINISO"),
]
