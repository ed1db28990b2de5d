//! Behaviour of [`extract`] and [`parse_number`] on hand-written fixtures.

use crate::{extract, is_valid_id_number, luhn_ok, parse_number, Fact};

/// A valid ID built for tests: region 210203, born 1990-03-07, sequence 123, check digit
/// computed by [`with_check`].
fn test_id() -> String {
    with_check("21020319900307123")
}

fn with_check(first17: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
    let sum: u32 = first17
        .chars()
        .zip(WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    format!("{first17}{}", CHECK[(sum % 11) as usize])
}

/// A Luhn-valid card number: `prefix` followed by digits and a computed check digit.
fn test_card(body: &str) -> String {
    (0..10)
        .map(|d| format!("{body}{d}"))
        .find(|n| luhn_ok(n))
        .unwrap()
}

fn texts(facts: &[Fact]) -> Vec<&str> {
    facts.iter().map(|f| f.text.as_str()).collect()
}

fn one(facts: &[Fact]) -> &Fact {
    assert_eq!(facts.len(), 1, "{facts:?}");
    &facts[0]
}

#[test]
fn parses_numbers_in_every_script() {
    let cases: [(&str, f64, bool); 16] = [
        ("3000", 3000.0, false),
        ("３０００", 3000.0, false),
        ("1,200", 1200.0, false),
        ("1.2万", 12000.0, false),
        ("3千", 3000.0, false),
        ("四十多万", 400000.0, true),
        ("一千五百", 1500.0, false),
        ("两万", 20000.0, false),
        ("壹万贰仟", 12000.0, false),
        ("十几", 10.0, true),
        ("几十", 10.0, true),
        ("一万五", 15000.0, false),
        ("一千零五", 1005.0, false),
        ("100多万", 1000000.0, true),
        ("约3000", 3000.0, true),
        ("二十一万五", 215000.0, false),
    ];
    for (text, value, approx) in cases {
        assert_eq!(parse_number(text), Some((value, approx)), "{text}");
    }
    for text in ["", "万", "元", "abc", "3000元", "12345678901234567890"] {
        assert_eq!(parse_number(text), None, "{text}");
    }
}

#[test]
fn finds_amounts_with_values_in_yuan() {
    let cases: [(&str, &str, f64, bool); 14] = [
        ("拖欠四十多万元工资", "四十多万元", 400000.0, true),
        ("共计1.2万元", "1.2万元", 12000.0, false),
        ("押金3000元未退", "3000元", 3000.0, false),
        ("交了３０００元", "３０００元", 3000.0, false),
        ("只给了5千块", "5千块", 5000.0, false),
        ("损失8万余元", "8万余元", 80000.0, true),
        ("罚款1,200元", "1,200元", 1200.0, false),
        ("收了100多元", "100多元", 100.0, true),
        ("花了一千五百元", "一千五百元", 1500.0, false),
        ("借了两万块钱", "两万块钱", 20000.0, false),
        ("金额壹万贰仟元整", "壹万贰仟元", 12000.0, false),
        ("每月3000元的工资", "3000元", 3000.0, false),
        ("补偿二十万", "二十万", 200000.0, false),
        ("赔了6万元左右", "6万元左右", 60000.0, true),
    ];
    for (text, found, value, approx) in cases {
        let facts = extract(text);
        let f = one(&facts.amounts);
        assert_eq!(
            (f.text.as_str(), f.value, f.approximate),
            (found, Some(value), approx)
        );
    }
    assert_eq!(one(&extract("人民币20万元").amounts).value, Some(200000.0));
}

#[test]
fn money_needs_a_unit_or_a_money_word() {
    for text in [
        "跳楼价",
        "三块地",
        "千万不要",
        "元旦放假",
        "一元化管理",
        "有10万平方米",
        "二十万人口",
    ] {
        assert!(extract(text).amounts.is_empty(), "{text}");
    }
}

#[test]
fn finds_head_counts() {
    let cases: [(&str, &str, f64, bool, &str); 6] = [
        ("三十多名工人被拖欠", "三十多名", 30.0, true, "名"),
        ("小区200余户居民", "200余户", 200.0, true, "户"),
        ("来了50多人", "50多人", 50.0, true, "人"),
        ("还有十几个人没拿到", "十几个人", 10.0, true, "人"),
        ("100余名业主联名", "100余名", 100.0, true, "名"),
        ("几十户受影响", "几十户", 10.0, true, "户"),
    ];
    for (text, found, value, approx, unit) in cases {
        let facts = extract(text);
        let f = one(&facts.head_counts);
        assert_eq!(
            (
                f.text.as_str(),
                f.value,
                f.approximate,
                f.normalised.as_str()
            ),
            (found, Some(value), approx, unit)
        );
    }
    for text in [
        "统一名称",
        "人民币",
        "第三名",
        "三位数",
        "一户一表",
        "二十万人民币",
    ] {
        assert!(extract(text).head_counts.is_empty(), "{text}");
    }
}

#[test]
fn finds_dates_in_every_form() {
    let cases: [(&str, &str, &str); 10] = [
        ("于2018年7月25日到场", "2018年7月25日", "2018-07-25"),
        ("2018年7月开工", "2018年7月", "2018-07"),
        ("从2019年至今", "2019年", "2019"),
        ("到7月25日还没修", "7月25日", "--07-25"),
        ("签于2018-07-25", "2018-07-25", "2018-07-25"),
        ("签于2018.7.25", "2018.7.25", "2018-07-25"),
        ("签于2018/7/25", "2018/7/25", "2018-07-25"),
        (
            "二〇一八年七月二十五日",
            "二〇一八年七月二十五日",
            "2018-07-25",
        ),
        ("２０１８年７月２５号", "２０１８年７月２５号", "2018-07-25"),
        ("十二月三十一日前", "十二月三十一日", "--12-31"),
    ];
    for (text, found, normalised) in cases {
        let facts = extract(text);
        let f = one(&facts.dates);
        assert_eq!(
            (f.text.as_str(), f.normalised.as_str(), f.value),
            (found, normalised, None)
        );
    }
}

#[test]
fn rejects_impossible_and_embedded_dates() {
    for text in [
        "12019年",
        "2019",
        "13月5日",
        "2月30日",
        "2018-13-01",
        "编号2018.7.25.3",
    ] {
        assert!(extract(text).dates.is_empty(), "{text}");
    }
    // An invalid day keeps the valid year-month.
    assert_eq!(one(&extract("2019年2月30日").dates).normalised, "2019-02");
}

#[test]
fn finds_durations_in_days() {
    let cases: [(&str, &str, f64, bool); 11] = [
        ("已经半年了", "半年", 182.5, false),
        ("拖了三个月", "三个月", 90.0, false),
        ("等了两年多", "两年多", 730.0, true),
        ("停水十几天", "十几天", 10.0, true),
        ("持续一年半", "一年半", 547.5, false),
        ("拖欠3个多月", "3个多月", 90.0, true),
        ("已有20多天", "20多天", 20.0, true),
        ("需要两周", "两周", 14.0, false),
        ("等了一个半月", "一个半月", 45.0, false),
        ("工作了15年", "15年", 5475.0, false),
        ("住了1.5年", "1.5年", 547.5, false),
    ];
    for (text, found, value, approx) in cases {
        let facts = extract(text);
        let f = one(&facts.durations);
        assert_eq!(
            (f.text.as_str(), f.value, f.approximate),
            (found, Some(value), approx)
        );
    }
    for text in [
        "好几年",
        "上半年",
        "三年级",
        "八十年代",
        "星期一",
        "三天两头",
        "18年7月",
        "从09年起",
        "3.2017年",
    ] {
        assert!(extract(text).durations.is_empty(), "{text}");
    }
}

#[test]
fn finds_phones_and_never_inside_longer_runs() {
    let cases: [(&str, &str, &str); 6] = [
        ("电话13812345678", "13812345678", "13812345678"),
        ("手机138 1234 5678", "138 1234 5678", "13812345678"),
        ("手机138-1234-5678。", "138-1234-5678", "13812345678"),
        ("+86 13812345678", "+86 13812345678", "13812345678"),
        ("座机0411-84321234", "0411-84321234", "041184321234"),
        ("座机010-12345678", "010-12345678", "01012345678"),
    ];
    for (text, found, normalised) in cases {
        let facts = extract(text);
        let f = one(&facts.phones);
        assert_eq!(
            (f.text.as_str(), f.normalised.as_str()),
            (found, normalised)
        );
    }
    let id = test_id();
    let facts = extract(&format!("身份证{id}"));
    assert!(facts.phones.is_empty());
    for text in ["拨打12345热线", "报警110", "编号138123456789", "12315投诉"] {
        assert!(extract(text).phones.is_empty(), "{text}");
    }
}

#[test]
fn finds_only_checked_id_numbers() {
    let id = test_id();
    assert!(is_valid_id_number(&id));
    let facts = extract(&format!("我的身份证号是{id}，请核实"));
    let f = one(&facts.id_numbers);
    assert_eq!(
        (f.start, f.end, f.normalised.as_str()),
        (7, 25, id.as_str())
    );
    let with_x = with_check("11010519491231002");
    assert!(with_x.ends_with('X'));
    let lower = with_x.to_lowercase();
    assert_eq!(one(&extract(&lower).id_numbers).normalised, with_x);

    let mut bad = id.clone().into_bytes();
    bad[17] = if bad[17] == b'0' { b'1' } else { b'0' };
    let bad = String::from_utf8(bad).unwrap();
    assert!(!is_valid_id_number(&bad));
    assert!(extract(&bad).id_numbers.is_empty());
    // A good checksum does not save a region or a date that do not exist.
    assert!(!is_valid_id_number(&with_check("99020319900307123")));
    assert!(!is_valid_id_number(&with_check("21020319900230123")));
    assert!(!is_valid_id_number("2102031990030712"));
}

#[test]
fn finds_luhn_valid_cards_with_a_cue_or_prefix() {
    let unionpay = test_card("621700123456789012");
    let facts = extract(&format!("转到{unionpay}"));
    assert_eq!(one(&facts.bank_cards).normalised, unionpay);

    let plain = test_card("301234567890123");
    assert!(extract(&format!("编号{plain}")).bank_cards.is_empty());
    let facts = extract(&format!("银行卡号：{plain}"));
    assert_eq!(one(&facts.bank_cards).normalised, plain);

    let grouped = test_card("622202123456789");
    let spaced = format!(
        "{} {} {} {}",
        &grouped[..4],
        &grouped[4..8],
        &grouped[8..12],
        &grouped[12..]
    );
    let f = one(&extract(&format!("卡号{spaced}")).bank_cards).clone();
    assert_eq!(
        (f.text.as_str(), f.normalised.as_str()),
        (spaced.as_str(), grouped.as_str())
    );

    let mut failing = unionpay.clone().into_bytes();
    failing[15] = if failing[15] == b'9' {
        b'0'
    } else {
        failing[15] + 1
    };
    let failing = String::from_utf8(failing).unwrap();
    assert!(!luhn_ok(&failing));
    assert!(extract(&format!("卡号{failing}")).bank_cards.is_empty());
    assert!(!luhn_ok("") && !luhn_ok("12a4"));
}

#[test]
fn finds_plates() {
    let cases: [(&str, &str); 5] = [
        ("车牌辽B12345停在", "辽B12345"),
        ("车牌辽B·12345停在", "辽B12345"),
        ("车牌辽b 8n123停在", "辽B8N123"),
        ("新能源辽BD12345", "辽BD12345"),
        ("挂车鄂AP185挂", "鄂AP185挂"),
    ];
    for (text, normalised) in cases {
        assert_eq!(one(&extract(text).plates).normalised, normalised, "{text}");
    }
    for text in ["辽B1234", "辽B12I45", "辽BABCDE", "京A1234567"] {
        assert!(extract(text).plates.is_empty(), "{text}");
    }
}

#[test]
fn finds_named_organisations_only() {
    let cases: [(&str, &str); 7] = [
        (
            "我在大连华丰建筑工程有限公司工作",
            "大连华丰建筑工程有限公司",
        ),
        ("投诉万达集团有限公司", "万达集团有限公司"),
        ("孩子在春柳小学读书", "春柳小学"),
        ("到中山医院看病", "中山医院"),
        ("去了家乐福超市", "家乐福超市"),
        ("A市第一中学的老师", "A市第一中学"),
        ("政府出面协调华美超市退款", "华美超市"),
    ];
    for (text, found) in cases {
        assert_eq!(texts(&extract(text).organisations), [found], "{text}");
    }
    for text in [
        "该公司不给钱",
        "这家公司不给钱",
        "我们学校食堂",
        "去医院看病",
        "物业公司不管",
        "附近的私立学校",
        "大学生就业",
        "厂房漏水",
        "附近有十家公司",
        "办了四张银行卡",
        "考生选择学校",
    ] {
        assert!(extract(text).organisations.is_empty(), "{text}");
    }
}

#[test]
fn offsets_count_characters_not_bytes() {
    let text = "我于2018年7月25日在大连某某公司借了两万块钱，电话13812345678";
    let facts = extract(text);
    let chars: Vec<char> = text.chars().collect();
    let all = [&facts.dates, &facts.amounts, &facts.phones];
    for f in all.iter().flat_map(|list| list.iter()) {
        let span: String = chars[f.start..f.end].iter().collect();
        assert_eq!(span, f.text);
    }
    assert_eq!(one(&facts.dates).start, 2);
    assert_eq!(one(&facts.phones).start, 28);
}

#[test]
fn lists_are_in_text_order() {
    let facts = extract("2018年3月1日欠500元，2019年4月2日欠600元");
    assert_eq!(texts(&facts.dates), ["2018年3月1日", "2019年4月2日"]);
    assert_eq!(texts(&facts.amounts), ["500元", "600元"]);
}

#[test]
fn odd_inputs_do_not_panic() {
    let long_digits = "7".repeat(10_000);
    let many_wan = "万".repeat(100);
    let odd = [
        "",
        "1",
        "+",
        "+8",
        "半",
        "辽",
        "辽B",
        "公司",
        "12345678901234567890",
        long_digits.as_str(),
        many_wan.as_str(),
        "一二三四五六七八九十百千万亿",
        "年月日元块人名位户个口天周",
        "abc123ДЖ😀𠀀公司１２３４５６７８９０１元",
        "2018年",
        "2018-",
        "2018-07-",
        "7月",
        "几",
        "上万",
        "十几万亿多元",
        "0411-",
        "X",
    ];
    for text in odd {
        let facts = extract(text);
        let n = text.chars().count();
        let all = [
            &facts.phones,
            &facts.id_numbers,
            &facts.bank_cards,
            &facts.plates,
            &facts.amounts,
            &facts.head_counts,
            &facts.dates,
            &facts.durations,
            &facts.organisations,
        ];
        for f in all.iter().flat_map(|list| list.iter()) {
            assert!(f.start < f.end && f.end <= n, "{text}: {f:?}");
        }
    }
    assert!(extract(&long_digits).is_empty());
}

#[test]
fn serialises_to_json_shaped_fields() {
    fn assert_serialize<T: serde::Serialize>(_: &T) {}
    assert_serialize(&extract("3000元"));
}
