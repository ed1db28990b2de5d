//! The shipped lists on petitions written here.

use crate::*;
use std::path::PathBuf;

fn shipped_dir(name: &str) -> ListSource {
    ListSource::Dir(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(name),
    )
}

fn analyser() -> Analyser {
    Analyser::load(&ListSources {
        channels: shipped_dir("channel-lists"),
        risks: shipped_dir("risk-lists"),
    })
    .unwrap()
}

fn kinds(a: &Analysis) -> Vec<RiskKind> {
    a.risks.iter().map(|r| r.kind).collect()
}

/// Every evidence span's text is the text at its offsets.
fn spans_hold_their_text(text: &str, a: &Analysis) {
    let chars: Vec<char> = text.chars().collect();
    let at = |s: usize, e: usize| chars[s..e].iter().collect::<String>();
    let mut all: Vec<&Evidence> = a.channel.evidence.iter().collect();
    all.extend(a.risks.iter().flat_map(|r| &r.evidence));
    all.extend(&a.demand.type_evidence);
    all.push(&a.demand.evidence);
    for e in all {
        assert_eq!(at(e.start, e.end), e.text, "{e:?}");
    }
}

#[test]
fn threats_are_flagged_and_idioms_and_negations_are_not() {
    let a = analyser();
    let text = "工资拖欠半年，三十多名工人准备集体上访，再不给钱我就从楼顶跳楼。";
    let threat = a.analyse(text);
    assert_eq!(
        kinds(&threat),
        [RiskKind::SelfHarm, RiskKind::Collective],
        "{:?}",
        threat.risks
    );
    assert!(threat.has_high_risk());
    spans_hold_their_text(text, &threat);
    for calm in [
        "商场搞跳楼价促销，音响声音太大影响休息。",
        "我们不会集体上访，只希望尽快修好路灯。",
        "请物业加强巡查，防止发生火灾，消除隐患。",
    ] {
        let found = a.analyse(calm);
        assert!(found.risks.is_empty(), "{calm}: {:?}", found.risks);
    }
}

#[test]
fn a_cue_that_needs_a_near_word_counts_only_with_it() {
    let a = analyser();
    let alone = a.analyse("小区里老人很多，希望增加健身器材。");
    assert!(alone.risks.is_empty(), "{:?}", alone.risks);
    let at_risk = a.analyse("楼下八十多岁的老人无人照顾，生活困难。");
    assert_eq!(kinds(&at_risk), [RiskKind::Vulnerable]);
}

#[test]
fn matters_for_the_courts_arbitration_and_discipline_inspection_leave_the_petition_channel() {
    let a = analyser();
    let cases = [
        (
            "法院判决已经生效两年，对方至今未履行，请求督促执行。",
            ChannelKind::Enforcement,
        ),
        (
            "公司无故辞退我，不给经济补偿金，我想申请劳动仲裁。",
            ChannelKind::Arbitration,
        ),
        (
            "举报村支书贪污扶贫款，优亲厚友。",
            ChannelKind::DisciplineInspection,
        ),
        (
            "对交警的罚款不服，处罚决定书认定事实错误，要求撤销。",
            ChannelKind::AdministrativeReconsideration,
        ),
        (
            "小区门口路灯坏了一个月，请尽快修理。",
            ChannelKind::Petition,
        ),
    ];
    for (text, kind) in cases {
        let found = a.analyse(text);
        assert_eq!(found.channel.kind, kind, "{text}: {:?}", found.channel);
        assert!(!found.channel.basis.is_empty());
        assert_eq!(
            found.channel.evidence.is_empty(),
            kind == ChannelKind::Petition
        );
        spans_hold_their_text(text, &found);
    }
}

#[test]
fn the_demand_is_the_sentence_that_asks_and_the_type_follows_its_words() {
    let a = analyser();
    let text = "我家楼上天天装修，噪音很大。已经打过多次电话。希望有关部门尽快处理，还我们安静。";
    let found = a.analyse(text);
    assert_eq!(
        found.demand.evidence.text,
        "希望有关部门尽快处理，还我们安静"
    );
    assert_eq!(found.demand.cue, "希望");
    assert_eq!(found.demand.kind, DemandType::Complaint);
    let question = a.analyse("请问新生儿医保怎么办理?需要什么材料?");
    assert_eq!(question.demand.kind, DemandType::Consultation);
    let praise = a.analyse("特此表扬社区网格员小刘，为他点赞。");
    assert_eq!(praise.demand.kind, DemandType::Praise);
    let report = a.analyse("实名举报某餐馆使用地沟油。");
    assert_eq!(report.demand.kind, DemandType::Report);
    let greeted = a.analyse("尊敬的局长:您好!小区门口的路灯坏了一个月。");
    assert_eq!(greeted.demand.evidence.text, "小区门口的路灯坏了一个月");
    assert_eq!(greeted.demand.cue, "");
    // A space before the greeting's end mark once made this loop for ever.
    let spaced = a.analyse("主任:你好 !小区门口的路灯坏了一个月。");
    assert_eq!(spaced.demand.evidence.text, "小区门口的路灯坏了一个月");
    let only_greeting = a.analyse("主任:你好 !");
    assert_eq!(only_greeting.demand.evidence.text, "主任:你好");
    let greeting_then_spaces = a.analyse("主任:你好   ");
    assert_eq!(greeting_then_spaces.demand.evidence.text, "主任:你好");
    let long = "要求".to_string() + &"很".repeat(100) + "。";
    let cut = a.analyse(&long).demand.evidence;
    assert_eq!(cut.text.chars().count(), MAX_DEMAND_CHARS);
}

#[test]
fn personal_data_is_masked_by_type() {
    let a = analyser();
    let text = "我叫李四平，手机13912345678，身份证11010519491231002X，车牌辽B12345，王先生知道，QQ号123456789。";
    let masked = a.mask(text);
    assert_eq!(
        masked,
        "我叫【姓名】,手机【手机号】,身份证【身份证号】,车牌【车牌号】,【姓名】先生知道,qq号【号码】。"
            .replace(',', "，")
            .replace("qq", "QQ"),
        "masking keeps everything else as written"
    );
    for secret in [
        "13912345678",
        "11010519491231002X",
        "辽B12345",
        "李四平",
        "王先生",
        "123456789",
    ] {
        assert!(!masked.contains(secret), "{secret} in {masked}");
    }
}

#[test]
fn lists_without_the_petition_channel_are_refused_with_their_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("litigation.toml"),
        "kind = \"litigation\"\nname = \"诉讼\"\nbasis = \"b\"\nthreshold = 1.0\n[[cues]]\nphrases = [\"起诉\"]\n",
    )
    .unwrap();
    let e = Analyser::load(&ListSources {
        channels: ListSource::Dir(dir.path().into()),
        risks: shipped_dir("risk-lists"),
    })
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("petition") && e.contains(&dir.path().display().to_string()),
        "{e}"
    );
}

#[test]
fn history_kinds_name_demand_types() {
    let of = DemandType::from_history_kind;
    assert_eq!(of("咨询问题"), Some(DemandType::Consultation));
    assert_eq!(of("反映问题"), Some(DemandType::Complaint));
    assert_eq!(
        of(" 投诉举报 "),
        Some(DemandType::Report),
        "report before complaint"
    );
    assert_eq!(of("Praise"), Some(DemandType::Praise));
    assert_eq!(of("其他"), None);
}

#[test]
fn a_learned_type_replaces_the_rules_unless_they_found_a_type_it_never_learned() {
    let a = analyser();
    let rules = DemandRules::default();
    let learned = |kind| LearnedType {
        kind,
        probability: 0.8,
        learned: vec![DemandType::Complaint, DemandType::Consultation],
        evidence: Vec::new(),
    };
    // The cue words see a question; the model, trained on 咨询 / 反映, says complaint.
    let text = "请问小区停车费涨价合法吗?";
    let mut d = a.analyse(text).demand;
    assert_eq!(
        (d.kind, rules.demand_type(text)),
        (DemandType::Consultation, DemandType::Consultation)
    );
    d.learn(learned(DemandType::Complaint));
    assert_eq!(
        (d.kind, d.type_source, d.type_probability),
        (DemandType::Complaint, TypeSource::Model, Some(0.8))
    );
    // 举报 is finer than anything the model learned: the cue words keep it.
    let mut d = a.analyse("我要举报某饭店非法排污。").demand;
    d.learn(learned(DemandType::Complaint));
    assert_eq!(
        (d.kind, d.type_source),
        (DemandType::Report, TypeSource::Rules)
    );
}
