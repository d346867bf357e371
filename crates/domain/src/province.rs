//! The 32 provincial units (31 provinces, regions and municipalities, and the 新疆生产建设兵团) with
//! their CME committees, as published in seed 000, Attachment 5.
//!
//! The committee contacts are copied as published (two faxes look mistyped in the source; the national
//! administrator can correct them in the database, which is loaded from this list once).

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Committee {
    pub name: &'static str,
    pub postcode: &'static str,
    pub address: &'static str,
    pub phone: &'static str,
    pub fax: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Province {
    /// The two-digit GB/T 2260 code (66 for the 兵团, which GB/T 2260 does not list).
    pub code: &'static str,
    /// The full name used in documents: 北京市, 广西壮族自治区.
    pub name: &'static str,
    pub short_name: &'static str,
    /// The one-character abbreviation used in provincial project numbers: （京）.
    pub abbreviation: &'static str,
    pub committee: Committee,
}

/// In the order of Attachment 5.
pub const PROVINCES: [Province; 32] = [
    Province {
        code: "11",
        name: "北京市",
        short_name: "北京",
        abbreviation: "京",
        committee: Committee {
            name: "北京市继续医学教育委员会",
            postcode: "100053",
            address: "北京市宣武区枣林前街70号中环办公楼B座",
            phone: "010-83970662",
            fax: "010-83560301",
        },
    },
    Province {
        code: "12",
        name: "天津市",
        short_name: "天津",
        abbreviation: "津",
        committee: Committee {
            name: "天津市继续医学教育委员会",
            postcode: "300040",
            address: "天津市和平区贵州路94号",
            phone: "022-23337758",
            fax: "022-23337758",
        },
    },
    Province {
        code: "13",
        name: "河北省",
        short_name: "河北",
        abbreviation: "冀",
        committee: Committee {
            name: "河北省继续医学教育委员会",
            postcode: "050051",
            address: "河北省石家庄市合作路42号",
            phone: "0311-66165225",
            fax: "0311-66165225",
        },
    },
    Province {
        code: "14",
        name: "山西省",
        short_name: "山西",
        abbreviation: "晋",
        committee: Committee {
            name: "山西省继续医学教育委员会",
            postcode: "030013",
            address: "山西省太原市东华门23号",
            phone: "0351-3580397",
            fax: "0531-3580498",
        },
    },
    Province {
        code: "15",
        name: "内蒙古自治区",
        short_name: "内蒙古",
        abbreviation: "蒙",
        committee: Committee {
            name: "内蒙古自治区继续医学教育委员会",
            postcode: "010055",
            address: "内蒙古呼和浩特市新华大街63号院10号楼",
            phone: "0471-6944821",
            fax: "0471-6944821",
        },
    },
    Province {
        code: "21",
        name: "辽宁省",
        short_name: "辽宁",
        abbreviation: "辽",
        committee: Committee {
            name: "辽宁省继续医学教育委员会",
            postcode: "110001",
            address: "辽宁省沈阳市和平区太原北街2号",
            phone: "024-23388493",
            fax: "024-23388493",
        },
    },
    Province {
        code: "22",
        name: "吉林省",
        short_name: "吉林",
        abbreviation: "吉",
        committee: Committee {
            name: "吉林省继续医学教育委员会",
            postcode: "130051",
            address: "吉林省长春市人民大街1485号",
            phone: "0431-88905846",
            fax: "0431-88905846",
        },
    },
    Province {
        code: "23",
        name: "黑龙江省",
        short_name: "黑龙江",
        abbreviation: "黑",
        committee: Committee {
            name: "黑龙江省继续医学教育委员会",
            postcode: "150090",
            address: "黑龙江省哈尔滨香坊赣水路36号",
            phone: "0451-82338290",
            fax: "0451-82338290",
        },
    },
    Province {
        code: "31",
        name: "上海市",
        short_name: "上海",
        abbreviation: "沪",
        committee: Committee {
            name: "上海市继续医学教育委员会",
            postcode: "200040",
            address: "上海市北京西路1477号",
            phone: "021-22121665",
            fax: "021-22121672",
        },
    },
    Province {
        code: "33",
        name: "浙江省",
        short_name: "浙江",
        abbreviation: "浙",
        committee: Committee {
            name: "浙江省继续医学教育委员会",
            postcode: "310006",
            address: "浙江省杭州市庆春路216号",
            phone: "0571-87709180",
            fax: "0571-87709180",
        },
    },
    Province {
        code: "32",
        name: "江苏省",
        short_name: "江苏",
        abbreviation: "苏",
        committee: Committee {
            name: "江苏省继续医学教育委员会",
            postcode: "210008",
            address: "江苏省南京市中央路42号",
            phone: "025-83620725",
            fax: "025-83620725",
        },
    },
    Province {
        code: "34",
        name: "安徽省",
        short_name: "安徽",
        abbreviation: "皖",
        committee: Committee {
            name: "安徽省继续医学教育委员会",
            postcode: "230022",
            address: "安徽省合肥市包河区屯溪路435号",
            phone: "0551-62998587",
            fax: "0551-62998587",
        },
    },
    Province {
        code: "35",
        name: "福建省",
        short_name: "福建",
        abbreviation: "闽",
        committee: Committee {
            name: "福建省继续医学教育委员会",
            postcode: "350003",
            address: "福建省福州市鼓屏路61号",
            phone: "0591-87834708",
            fax: "0591-87832721",
        },
    },
    Province {
        code: "36",
        name: "江西省",
        short_name: "江西",
        abbreviation: "赣",
        committee: Committee {
            name: "江西省继续医学教育委员会",
            postcode: "330046",
            address: "江西省南昌市省政府大院西二路6号",
            phone: "0791-86265046",
            fax: "0791-86265046",
        },
    },
    Province {
        code: "37",
        name: "山东省",
        short_name: "山东",
        abbreviation: "鲁",
        committee: Committee {
            name: "山东省继续医学教育委员会",
            postcode: "250014",
            address: "山东省济南市燕东路9号",
            phone: "0531-51766466",
            fax: "0531-51766466",
        },
    },
    Province {
        code: "41",
        name: "河南省",
        short_name: "河南",
        abbreviation: "豫",
        committee: Committee {
            name: "河南省继续医学教育委员会",
            postcode: "450003",
            address: "河南省郑州市金水东路与博学路交叉口",
            phone: "0371-85963987",
            fax: "0371-85963987",
        },
    },
    Province {
        code: "42",
        name: "湖北省",
        short_name: "湖北",
        abbreviation: "鄂",
        committee: Committee {
            name: "湖北省继续医学教育委员会",
            postcode: "430071",
            address: "湖北省武汉市武昌东湖路165号",
            phone: "027-87576373",
            fax: "027-87576373",
        },
    },
    Province {
        code: "43",
        name: "湖南省",
        short_name: "湖南",
        abbreviation: "湘",
        committee: Committee {
            name: "湖南省继续医学教育委员会",
            postcode: "410008",
            address: "湖南省长沙市湘雅路30号",
            phone: "0731-84822087",
            fax: "0731-84822015",
        },
    },
    Province {
        code: "44",
        name: "广东省",
        short_name: "广东",
        abbreviation: "粤",
        committee: Committee {
            name: "广东省继续医学教育委员会",
            postcode: "510060",
            address: "广东省广州市先烈南路17号",
            phone: "020-83848500",
            fax: "020-83853431",
        },
    },
    Province {
        code: "45",
        name: "广西壮族自治区",
        short_name: "广西",
        abbreviation: "桂",
        committee: Committee {
            name: "广西壮族自治区继续医学教育委员会",
            postcode: "530021",
            address: "广西南宁市桃源路35号",
            phone: "0771-2801460",
            fax: "0771-28011561",
        },
    },
    Province {
        code: "46",
        name: "海南省",
        short_name: "海南",
        abbreviation: "琼",
        committee: Committee {
            name: "海南省继续医学教育委员会",
            postcode: "570203",
            address: "海南省海口市海府路42号",
            phone: "0898-65388353",
            fax: "0898-65388351",
        },
    },
    Province {
        code: "50",
        name: "重庆市",
        short_name: "重庆",
        abbreviation: "渝",
        committee: Committee {
            name: "重庆市继续医学教育委员会",
            postcode: "401147",
            address: "重庆市渝北区旗龙路6号",
            phone: "023-67706501",
            fax: "023-67706501",
        },
    },
    Province {
        code: "51",
        name: "四川省",
        short_name: "四川",
        abbreviation: "川",
        committee: Committee {
            name: "四川省继续医学教育委员会",
            postcode: "610041",
            address: "四川省成都市青羊区上汪家拐街39号",
            phone: "028-86137330",
            fax: "028-86137330",
        },
    },
    Province {
        code: "52",
        name: "贵州省",
        short_name: "贵州",
        abbreviation: "黔",
        committee: Committee {
            name: "贵州省继续医学教育委员会",
            postcode: "550004",
            address: "贵州省贵阳市中华北路省政府大院5号楼",
            phone: "0851-86819421",
            fax: "0851-86819421",
        },
    },
    Province {
        code: "53",
        name: "云南省",
        short_name: "云南",
        abbreviation: "滇",
        committee: Committee {
            name: "云南省继续医学教育委员会",
            postcode: "650200",
            address: "云南省昆明市国贸路85号正通大厦",
            phone: "0871-67195168",
            fax: "0871-67195167",
        },
    },
    Province {
        code: "54",
        name: "西藏自治区",
        short_name: "西藏",
        abbreviation: "藏",
        committee: Committee {
            name: "西藏自治区继续医学教育委员会",
            postcode: "850000",
            address: "西藏拉萨市北京中路103号",
            phone: "0891-6835010",
            fax: "0891-6834945",
        },
    },
    Province {
        code: "61",
        name: "陕西省",
        short_name: "陕西",
        abbreviation: "陕",
        committee: Committee {
            name: "陕西省继续医学教育委员会",
            postcode: "710003",
            address: "陕西省西安市莲湖路112号",
            phone: "029-89620667",
            fax: "029-89620667",
        },
    },
    Province {
        code: "62",
        name: "甘肃省",
        short_name: "甘肃",
        abbreviation: "甘",
        committee: Committee {
            name: "甘肃省继续医学教育委员会",
            postcode: "730030",
            address: "甘肃省兰州市白银路220号",
            phone: "0931-4818168",
            fax: "0931-4818168",
        },
    },
    Province {
        code: "63",
        name: "青海省",
        short_name: "青海",
        abbreviation: "青",
        committee: Committee {
            name: "青海省继续医学教育委员会",
            postcode: "810000",
            address: "青海省西宁市西大街12号",
            phone: "0971-8239212",
            fax: "0971-8239212",
        },
    },
    Province {
        code: "64",
        name: "宁夏回族自治区",
        short_name: "宁夏",
        abbreviation: "宁",
        committee: Committee {
            name: "宁夏回族自治区继续医学教育委员会",
            postcode: "750001",
            address: "宁夏银川市解放西街101号",
            phone: "0951-5054759",
            fax: "0951-5054759",
        },
    },
    Province {
        code: "65",
        name: "新疆维吾尔自治区",
        short_name: "新疆",
        abbreviation: "新",
        committee: Committee {
            name: "新疆维吾尔自治区继续医学教育委员会",
            postcode: "830004",
            address: "新疆乌鲁木齐市龙泉街191号",
            phone: "0991-8561601",
            fax: "0991-8561020",
        },
    },
    Province {
        code: "66",
        name: "新疆生产建设兵团",
        short_name: "兵团",
        abbreviation: "兵",
        committee: Committee {
            name: "新疆生产建设兵团继续医学教育委员会",
            postcode: "830002",
            address: "新疆乌鲁木齐市光明路196号",
            phone: "0991-2890320",
            fax: "0991-2890320",
        },
    },
];

/// Finds a province by code, full name, short name or abbreviation.
pub fn find(text: &str) -> Option<&'static Province> {
    let text = text.trim();
    PROVINCES.iter().find(|p| p.code == text || p.name == text || p.short_name == text || p.abbreviation == text)
}

pub fn by_code(code: &str) -> Option<&'static Province> {
    PROVINCES.iter().find(|p| p.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn thirty_two_distinct_provinces() {
        let codes: HashSet<_> = PROVINCES.iter().map(|p| p.code).collect();
        let abbreviations: HashSet<_> = PROVINCES.iter().map(|p| p.abbreviation).collect();
        assert_eq!(codes.len(), 32);
        assert_eq!(abbreviations.len(), 32);
        assert_eq!(find("北京市").unwrap().committee.postcode, "100053");
        assert_eq!(find("京").unwrap().code, "11");
        assert_eq!(find("新疆生产建设兵团").unwrap().committee.phone, "0991-2890320");
        assert_eq!(find("新疆维吾尔自治区").unwrap().abbreviation, "新");
        assert_eq!(find("广西").unwrap().name, "广西壮族自治区");
        assert!(PROVINCES.iter().all(|p| p.committee.postcode.len() == 6));
    }
}
