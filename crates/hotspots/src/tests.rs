//! Behaviour of hotspot detection and the report, on petitions invented for these tests:
//! hand-written rewordings of one matter, and background petitions generated from invented
//! sentence pools over several districts and weeks.

use std::collections::HashSet;

use crate::date::{day_number, iso_date, iso_week, parse_date};
use crate::*;

/// Monday 2024-11-04, the first week of the fixtures.
fn monday() -> i32 {
    day_number(2024, 11, 4)
}

/// SplitMix64: deterministic fixtures, the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        crate::terms::mix(self.0)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn petition(id: &str, day: i32, place: &str, title: &str, text: &str) -> Petition {
    Petition {
        id: id.to_string(),
        day,
        place: place.to_string(),
        title: title.to_string(),
        text: text.to_string(),
        department: String::new(),
        risks: Vec::new(),
        petitioner: None,
    }
}

/// Twelve rewordings of one matter (no heat in the 翠湖名苑 compound), written by different
/// residents in one week: few shared phrases, the same compound and the same matter.
const BURST: [(&str, &str); 12] = [
    ("翠湖名苑暖气不热", "我家住在翠湖名苑5号楼，从十一月中旬开始供暖到现在，暖气片一直是温的，屋里温度只有十三度，老人和孩子都穿着棉袄在家。请供热公司尽快派人检修。"),
    ("翠湖名苑小区供暖温度严重不达标", "翠湖名苑二期的业主反映：今年供暖以来室温始终在12度左右，远低于18度的标准。我们多次给物业和热力公司打电话，只说在排查，一直没有结果。"),
    ("反映翠湖名苑供热问题", "本人是翠湖名苑7号楼住户，家中暖气管道冰凉，早晚冷得睡不着觉。取暖费一分没少交，希望主管部门督促供热单位解决。"),
    ("翠湖名苑业主集体反映暖气问题", "我们翠湖名苑几十户业主家里都不热，楼上楼下情况一样，怀疑是小区换热站出了故障。热力公司一直推给物业，物业又推给开发商，请政府出面协调。"),
    ("冬天家里冷得像冰窖", "翠湖名苑3栋1单元，温度计显示卧室只有十一度，孩子已经冻感冒两次。供暖费交了两千多元，却享受不到供暖，要求退费并尽快修好。"),
    ("翠湖名苑换热站故障何时修复", "听物业说翠湖名苑换热站的循环泵坏了，可是已经过去一周多还没有修好，全小区的暖气都不热。请相关部门督办，给业主一个准确的修复时间。"),
    ("翠湖名苑暖气片冰凉无人管", "家住翠湖名苑，暖气片摸上去冰凉，打了十几次电话没人上门。家里有八十多岁的老人，天天开电暖器也不管用，请帮帮我们。"),
    ("请求解决翠湖名苑供暖不达标", "翠湖名苑小区今年的供暖太差了，室内温度连十五度都不到。已经向物业反映多次无果，再不解决我们准备一起到市政府门口反映。"),
    ("翠湖名苑的暖气什么时候能热", "我是翠湖名苑业主，暖气从开栓到现在就没热过，供热公司来看了一次说是管道堵塞，之后就没人管了。希望尽快清洗管道，恢复正常供暖。"),
    ("投诉翠湖名苑物业和热力公司推诿", "翠湖名苑供暖不热的问题，物业说是热力公司的责任，热力公司说是小区内部管网的问题，两边互相推诿，业主家里一直很冷。请住建部门查明责任。"),
    ("翠湖名苑室温只有十度", "翠湖名苑9号楼顶层，屋里只有十度左右，墙角都结了霜。交了取暖费却挨冻，要求供热企业按规定赔偿并马上维修。"),
    ("翠湖名苑老人孩子在家挨冻", "翠湖名苑这周又降温了，家里暖气还是不热，老人血压升高住进了医院。恳请领导重视，不要让我们再挨冻了。"),
];

const DISTRICTS: [&str; 5] = ["江城区", "河西区", "高新区", "东湖县", "北山区"];

const COMPOUNDS: [&str; 14] = [
    "金桂园",
    "阳光花城",
    "锦绣华庭",
    "枫林湾",
    "海棠苑",
    "紫金城",
    "御景湾",
    "书香门第",
    "天悦府",
    "春晓花园",
    "绿洲家园",
    "明珠公寓",
    "银杏苑",
    "和平新村",
];

const STREETS: [&str; 10] = [
    "长江路",
    "建设街",
    "人民大道",
    "解放路",
    "滨河路",
    "朝阳街",
    "新华路",
    "光明路",
    "胜利街",
    "青年路",
];

const COMPANIES: [&str; 8] = [
    "宏达建筑公司",
    "鑫源物流公司",
    "华信装饰公司",
    "远航劳务公司",
    "金鼎房地产公司",
    "顺丰达餐饮公司",
    "永盛机械厂",
    "恒通电子厂",
];

/// A topic: title patterns and sentence patterns; `{c}` compound, `{s}` street, `{k}`
/// company, `{n}` a number.
struct Topic {
    titles: &'static [&'static str],
    sentences: &'static [&'static str],
    department: &'static str,
}

const TOPICS: [Topic; 9] = [
    Topic {
        titles: &["{s}烧烤店噪音扰民", "夜间噪音严重影响休息", "投诉{s}商铺噪音", "[{c}|{s}]附近噪声扰民"],
        sentences: &[
            "{s}上的[烧烤店|夜宵摊|酒吧][每天|天天|经常]营业到[凌晨|后半夜|两三点]，[油烟和噪音|吵闹声]让[周边居民|我们这些住户]无法休息。",
            "附近一家[歌厅|KTV|棋牌室]晚上[音响开得很大|吵到很晚]，[窗户关上也能听见|家里根本睡不着]。",
            "{c}[北门|东门|南门]外的[施工工地|建筑工地]夜里还在[打桩|施工|拉渣土]，孩子被吵醒[好几次|很多回]。",
            "[多次|几次三番]拨打热线，城管来了以后[过两天又照旧|没几天又恢复原样]。",
            "[希望|恳请|请]执法部门[加强夜间巡查|依法处罚|尽快查处]。",
            "我[家|们家]有[高考生|上班族|病人]，[长期休息不好|身体吃不消]。",
        ],
        department: "城管局",
    },
    Topic {
        titles: &["{k}拖欠工资", "农民工讨薪", "请求帮助追讨劳动报酬", "{k}欠薪"],
        sentences: &[
            "我们{n}名工人在{k}[干了大半年|干了一年多|做装修]，[老板|负责人][一直|至今]拖欠工资。",
            "[包工头|项目经理]说[工程款没有到位|甲方没给钱]，让我们再等等，可是已经[等了三个月|拖了半年]。",
            "[快过年了|年底了]，家里[老人看病孩子上学|一家老小]都等着这笔钱。",
            "[劳动合同|用工协议]当初没有签，现在公司[不承认|否认]我们的用工关系。",
            "[恳请|请求|希望]人社部门[劳动监察大队|劳动仲裁]帮忙讨回血汗钱。",
            "[一共|总共]欠了{n}万多元，[找了好几次|打电话][都没有结果|也不接]。",
        ],
        department: "人社局",
    },
    Topic {
        titles: &["{c}物业乱收费", "{c}电梯经常故障", "物业服务差", "投诉{c}物业"],
        sentences: &[
            "{c}的物业公司[今年|最近][擅自|私自]提高物业费，也没有[开业主大会|征求业主意见]。",
            "小区电梯[一个月坏了四次|经常停运]，[有老人被困在里面半个多小时|上下楼很不方便]。",
            "[楼道里|垃圾桶旁]的垃圾[几天没人清理|堆成了山]，气味很大。",
            "业主提出意见，[物业经理|客服]态度恶劣，说[不满意就搬走|爱找谁找谁]。",
            "[请|希望]住建部门[监督物业公司整改|查一查物业的账]，[公开收支账目|给业主一个说法]。",
        ],
        department: "住建局",
    },
    Topic {
        titles: &["{s}路灯不亮", "{s}路面坑洼", "道路破损影响出行", "{s}井盖缺失"],
        sentences: &[
            "{s}[从十字路口往东|靠近公交站]一段的路灯已经坏了[快两个月|很久]。",
            "路面上有[好几个大坑|一处塌陷]，下雨天积水，[电动车摔倒过好几回|行人差点掉进去]。",
            "晚上出门[黑漆漆的|看不清路]，[学生放晚自习回家|老人晚上散步][很不安全|提心吊胆]。",
            "[希望|请]市政部门尽快[维修|处理]，消除安全隐患。",
            "一个井盖[丢了|破了]，只用[几块砖头|一个纸箱]挡着。",
        ],
        department: "市政局",
    },
    Topic {
        titles: &["学校乱收费", "咨询入学政策", "孩子上学问题", "{s}小学收费"],
        sentences: &[
            "{s}小学要求每个学生购买[指定的教辅资料|校服和练习册]，一学期{n}多元。",
            "我们家户口在本区，孩子却被分到[离家很远的学校|十几公里外]。",
            "学校[课后服务|午托]收费标准不清楚，家长意见很大。",
            "想咨询一下[随迁子女|外地户口孩子]入学需要准备哪些材料。",
            "请教育部门[给予答复|查一查|规范管理]。",
        ],
        department: "教育局",
    },
    Topic {
        titles: &["{c}暖气不热", "供暖温度不达标", "{c}供暖问题", "{c}室温太低"],
        sentences: &[
            "{c}[入冬以来|开始供暖后|这个采暖季]暖气[一直不热|时冷时热|温度很低]，室内[温度|室温]只有{n}度左右。",
            "我家住在{c}[{n}号楼|顶楼|一楼]，暖气片[上面热下面凉|只有一点温度]，家里[很冷|冻得不行]。",
            "[热力公司|供热站]来人看过一次，说是[管道里有空气|阀门有问题]，[放了气|调了阀门]还是不热。",
            "已经按时交了[全年的取暖费|几千元的供暖费]，却享受不到[正常的供暖|应有的温度]。",
            "物业和供热公司[互相推诿|踢皮球]，问题一直没有解决。",
            "[请|恳请]住建部门督促供热企业尽快[检修|排查管网]，保证室温达标。",
        ],
        department: "住建局",
    },
    Topic {
        titles: &["小区停车难", "{s}乱停车", "占用消防通道", "{c}停车收费"],
        sentences: &[
            "{c}车位太少，晚上很多车停在[消防通道|绿化带]上。",
            "{s}两边[人行道上|盲道上]停满了车，行人只能走机动车道。",
            "交警贴了罚单也没用，第二天照样停。",
            "[建议|希望]规划部门增建停车场，交警部门加强管理。",
            "{c}物业[把车位费涨到|收取的停车费高达]每月{n}0元，[没有任何依据|业主难以接受]。",
        ],
        department: "交警支队",
    },
    Topic {
        titles: &["医保报销咨询", "社保缴费问题", "异地就医备案", "养老保险转移"],
        sentences: &[
            "我[母亲|父亲|爱人]在外地住院，想咨询异地就医怎么备案报销。",
            "单位给我停缴了社保，我想自己续缴，不知道[去哪里办理|需要什么手续]。",
            "去年的医保报销申请交上去{n}多天了还没有到账。",
            "[请|希望]医保部门给一个明确的办理流程。",
            "养老保险关系从外省转过来，[窗口说材料不全|一直办不下来]。",
        ],
        department: "医保局",
    },
    Topic {
        titles: &["{s}垃圾堆放", "河道污染", "污水直排", "{c}垃圾站臭味"],
        sentences: &[
            "{s}[桥下|路边空地]堆满了建筑垃圾和生活垃圾，夏天臭气熏天。",
            "附近一家[小作坊|洗车店]把污水直接排进河里，河水发黑。",
            "{c}旁边的垃圾站[每天清运不及时|离住宅楼太近]，苍蝇蚊子很多。",
            "[请|希望]环保部门和城管部门联合检查处理。",
        ],
        department: "生态环境局",
    },
];

/// Index of the heating topic in [`TOPICS`].
const HEATING: usize = 5;

/// `pattern` with its slots filled and one of each `[a|b|c]` chosen.
fn fill(pattern: &str, rng: &mut Rng, compound: &str, street: &str, company: &str) -> String {
    let mut out = String::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let close = open + rest[open..].find(']').expect("closed");
        let choices: Vec<&str> = rest[open + 1..close].split('|').collect();
        out.push_str(rng.pick(&choices));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out.replace("{c}", compound)
        .replace("{s}", street)
        .replace("{k}", company)
        .replace("{n}", &(10 + rng.below(90)).to_string())
}

/// A background petition of `topic` about `compound`: a title and three or four of the
/// topic's sentences in random order.
fn background(
    rng: &mut Rng,
    id: String,
    day: i32,
    place: &str,
    topic: usize,
    compound: &str,
) -> Petition {
    let topic_ = &TOPICS[topic];
    let street = rng.pick(&STREETS);
    let company = rng.pick(&COMPANIES);
    let title = fill(rng.pick(topic_.titles), rng, compound, street, company);
    let mut order: Vec<usize> = (0..topic_.sentences.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let take = 3 + rng.below(2);
    let text: String = order
        .iter()
        .take(take)
        .map(|&s| fill(topic_.sentences[s], rng, compound, street, company))
        .collect();
    Petition {
        department: topic_.department.to_string(),
        ..petition(&id, day, place, &title, &text)
    }
}

/// The burst week (Monday 2024-12-02), in 江城区.
fn burst_week() -> i32 {
    monday() + 28
}

/// 300 background petitions over five districts and six weeks, with small same-topic
/// clusters: heating complaints in 金桂园 (4, 河西区, week 2) and in 枫林湾 (3, 江城区, the
/// burst's week), and unpaid wages at one company (4, 高新区, week 4); then the burst.
fn burst_fixture() -> (Vec<Petition>, HashSet<String>) {
    let mut rng = Rng(20_241_202);
    let mut petitions = Vec::new();
    for i in 0..300 {
        let day = monday() + rng.below(42) as i32;
        let place = rng.pick(&DISTRICTS);
        // Winter: heating is one petition in five.
        let topic = if rng.below(5) == 0 {
            HEATING
        } else {
            rng.below(TOPICS.len())
        };
        let compound = rng.pick(&COMPOUNDS);
        petitions.push(background(
            &mut rng,
            format!("bg-{i:03}"),
            day,
            place,
            topic,
            compound,
        ));
    }
    let planted = [
        ("金桂园", "河西区", monday() + 7, 4, HEATING),
        ("枫林湾", "江城区", burst_week(), 3, HEATING),
        ("和平新村", "高新区", monday() + 21, 4, 1),
    ];
    for (compound, place, week, n, topic) in planted {
        for j in 0..n {
            let day = week + rng.below(7) as i32;
            let id = format!("small-{compound}-{j}");
            petitions.push(background(&mut rng, id, day, place, topic, compound));
        }
    }
    let mut burst = HashSet::new();
    for (j, (title, text)) in BURST.iter().enumerate() {
        let id = format!("burst-{j:02}");
        let mut p = petition(&id, burst_week() + (j % 7) as i32, "江城区", title, text);
        p.department = if j % 4 == 3 {
            "热力公司"
        } else {
            "住建局"
        }
        .to_string();
        if text.contains("一起到市政府") || title.contains("集体") {
            p.risks = vec!["collective".to_string()];
        }
        burst.insert(id);
        // Hidden among the rest, not at the end.
        let at = rng.below(petitions.len());
        petitions.insert(at, p);
    }
    (petitions, burst)
}

#[test]
fn burst_of_rewordings_comes_out_first() {
    let (petitions, burst) = burst_fixture();
    let hotspots = find(&petitions, &ValidParams::default());
    let top = &hotspots[0];
    let ids: HashSet<String> = top.ids.iter().cloned().collect();
    assert_eq!(ids, burst, "top hotspot: {top:#?}");
    assert_eq!(top.place, "江城区");
    assert_eq!(top.window_start, burst_week());
    assert_eq!(top.start_date, "2024-12-02");
    assert_eq!(top.end_date, "2024-12-08");
    assert!(
        top.top_terms.iter().any(|t| t.contains("翠湖名苑")),
        "{:?}",
        top.top_terms
    );
    assert!(burst.contains(&top.title_id));
    // The small same-topic clusters are hotspots of their own (generated texts: one of three
    // may fall below the threshold), never part of the burst.
    let small: Vec<&Hotspot> = hotspots
        .iter()
        .filter(|h| h.ids.iter().any(|id| id.starts_with("small-")))
        .collect();
    for compound in ["金桂园", "枫林湾", "和平新村"] {
        let prefix = format!("small-{compound}");
        let of = |h: &&&Hotspot| h.ids.iter().any(|id| id.starts_with(&prefix));
        assert_eq!(small.iter().filter(of).count(), 1, "{small:#?}");
        let h = small.iter().find(of).unwrap();
        assert!(h.ids.iter().filter(|id| id.starts_with(&prefix)).count() >= 2);
    }
    for h in &hotspots[1..] {
        assert!(h.ids.iter().all(|id| !burst.contains(id)), "{h:#?}");
    }
}

#[test]
fn burst_is_found_whatever_the_input_order() {
    let (mut petitions, burst) = burst_fixture();
    petitions.reverse();
    let hotspots = find(&petitions, &ValidParams::default());
    let ids: HashSet<String> = hotspots[0].ids.iter().cloned().collect();
    assert_eq!(ids, burst);
}

#[test]
fn same_result_with_one_thread_or_several() {
    let (petitions, _) = burst_fixture();
    let params = Params::default().max_hotspots(1_000).check().unwrap();
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| find(&petitions, &params))
    };
    assert_eq!(run(1), run(4));
}

/// Places of [`elsewhere`]'s petitions, none of the places the tests look at.
const ELSEWHERE: [&str; 3] = ["北山区", "东湖县", "南岭县"];

/// 600 background petitions in [`ELSEWHERE`] over the fixtures' six weeks: the contrast that
/// tells a compound's name from everyday words (see the crate documentation).
fn elsewhere() -> Vec<Petition> {
    let mut rng = Rng(4_096);
    (0..600)
        .map(|i| {
            let day = monday() + rng.below(42) as i32;
            let place = rng.pick(&ELSEWHERE);
            let topic = rng.below(TOPICS.len());
            let compound = rng.pick(&COMPOUNDS);
            background(&mut rng, format!("else-{i}"), day, place, topic, compound)
        })
        .collect()
}

/// The hotspots of `petitions` among [`elsewhere`]'s, leaving out those of its places.
fn find_among_others(petitions: &[Petition], params: &ValidParams) -> Vec<Hotspot> {
    let mut all = petitions.to_vec();
    all.extend(elsewhere());
    let params = Params::default()
        .window_days(params.window_days())
        .min_count(params.min_count())
        .similarity(f64::from(params.similarity()))
        .max_hotspots(10_000)
        .check()
        .unwrap();
    find(&all, &params)
        .into_iter()
        .filter(|h| !ELSEWHERE.contains(&h.place.as_str()))
        .collect()
}

/// The same matter (a burst's rewording) `n` times in `place`, from day `day`.
fn matter(prefix: &str, n: usize, day: i32, place: &str) -> Vec<Petition> {
    (0..n)
        .map(|i| {
            let (title, text) = BURST[i % BURST.len()];
            petition(
                &format!("{prefix}{i}"),
                day + (i % 7) as i32,
                place,
                title,
                text,
            )
        })
        .collect()
}

/// Unrelated petitions, one per topic, to pad a window.
fn unrelated(prefix: &str, day: i32, place: &str) -> Vec<Petition> {
    let mut rng = Rng(7);
    (0..TOPICS.len())
        .filter(|&t| t != HEATING)
        .map(|t| {
            let compound = COMPOUNDS[t];
            background(&mut rng, format!("{prefix}{t}"), day, place, t, compound)
        })
        .collect()
}

#[test]
fn growth_compares_with_the_same_place_in_the_window_before() {
    let week = burst_week();
    let mut petitions = matter("now-", 6, week, "江城区");
    petitions.extend(matter("before-", 2, week - 7, "江城区"));
    // Not the window before, not the same place, not the same matter: none counts.
    petitions.extend(matter("earlier-", 3, week - 14, "江城区"));
    petitions.extend(matter("elsewhere-", 3, week - 7, "河西区"));
    petitions.extend(unrelated("other-", week - 6, "江城区"));
    let hotspots = find_among_others(&petitions, &ValidParams::default());
    let now = hotspots
        .iter()
        .find(|h| h.window_start == week && h.place == "江城区")
        .expect("this week's hotspot");
    assert_eq!(now.count, 6);
    assert_eq!(now.previous_count, 2);
    assert!((now.growth - 2.0).abs() < 1e-9, "{}", now.growth);
    let fresh = hotspots
        .iter()
        .find(|h| h.place == "河西区")
        .expect("河西区's hotspot");
    assert_eq!((fresh.previous_count, fresh.growth), (0, 3.0));
    // Two weeks before, with nothing the week before that: new.
    let earlier = hotspots
        .iter()
        .find(|h| h.window_start == week - 14)
        .expect("the earlier hotspot");
    assert_eq!(earlier.previous_count, 0);
}

#[test]
fn heat_follows_the_documented_formula() {
    // No keys, no risks, new: 6 petitions earn 6 points, doubled.
    assert_eq!(hotspot::heat(6.0, 6.0), 12.0);
    // Steady or fading keeps the points; twice as many as before gets a third more.
    assert_eq!(hotspot::heat(6.0, 0.0), 6.0);
    assert_eq!(hotspot::heat(6.0, -0.5), 6.0);
    assert!((hotspot::heat(6.0, 1.0) - 8.0).abs() < 1e-12);

    let week = burst_week();
    let mut petitions = matter("p", 4, week, "江城区");
    petitions[0].petitioner = Some("alice".into());
    petitions[1].petitioner = Some("alice".into());
    petitions[2].petitioner = Some("bob".into());
    petitions[0].risks = vec!["collective".into(), "repeat".into()];
    petitions[1].risks = vec!["vulnerable".into()];
    let hotspots = find_among_others(&petitions, &ValidParams::default());
    // 4 × ½ + petitioners (alice, bob, one without a key) 3 × ½ + 2 (collective) + ½
    // (vulnerable), new: × 2.
    assert_eq!(hotspots[0].heat, (2.0 + 1.5 + 2.0 + 0.5) * 2.0);
}

#[test]
fn distinct_petitioners() {
    let week = burst_week();
    let mut petitions = matter("p", 5, week, "江城区");
    for (p, key) in petitions.iter_mut().zip(["k1", "k2", "k1", "k3", "k2"]) {
        p.petitioner = Some(key.into());
    }
    let hotspots = find_among_others(&petitions, &ValidParams::default());
    assert_eq!(hotspots[0].petitioners, Some(3));

    // Unknown for all: unknown.
    let hotspots = find_among_others(&matter("p", 5, week, "江城区"), &ValidParams::default());
    assert_eq!(hotspots[0].petitioners, None);
}

#[test]
fn departments_and_risks_are_counted_most_first() {
    let mut petitions = matter("p", 6, burst_week(), "江城区");
    let departments = ["住建局", "热力公司", "住建局", "", "住建局", "热力公司"];
    for (p, d) in petitions.iter_mut().zip(departments) {
        p.department = d.into();
    }
    petitions[0].risks = vec!["collective".into(), "collective".into()];
    petitions[1].risks = vec!["vulnerable".into(), "collective".into()];
    petitions[2].risks = vec!["vulnerable".into()];
    petitions[3].risks = vec!["media".into()];
    let h = &find_among_others(&petitions, &ValidParams::default())[0];
    let count = |name: &str, count| Count {
        name: name.into(),
        count,
    };
    assert_eq!(h.departments, [count("住建局", 3), count("热力公司", 2)]);
    assert_eq!(
        h.risks,
        [
            count("collective", 2),
            count("vulnerable", 2),
            count("media", 1)
        ]
    );
}

#[test]
fn title_and_ids_come_from_the_cluster() {
    let week = burst_week();
    let mut petitions = matter("m", 7, week, "江城区");
    petitions.extend(unrelated("u", week, "江城区"));
    // A member without a title stands for the cluster by the start of its text.
    petitions[3].title.clear();
    let h = &find_among_others(&petitions, &ValidParams::default())[0];
    let members: Vec<String> = (0..7).map(|i| format!("m{i}")).collect();
    let mut ids = h.ids.clone();
    ids.sort();
    assert_eq!(ids, members);
    // By day, then input order.
    let days: Vec<i32> = h
        .ids
        .iter()
        .map(|id| petitions.iter().find(|p| &p.id == id).unwrap().day)
        .collect();
    assert!(days.windows(2).all(|d| d[0] <= d[1]), "{days:?}");
    let representative = petitions.iter().find(|p| p.id == h.title_id).unwrap();
    assert!(h.ids.contains(&h.title_id));
    if representative.title.is_empty() {
        assert!(representative
            .text
            .starts_with(h.title.trim_end_matches('…')));
    } else {
        assert_eq!(h.title, representative.title);
    }
}

#[test]
fn empty_and_small_inputs_give_no_hotspots() {
    let params = ValidParams::default();
    assert!(find(&[], &params).is_empty());
    assert!(find(&matter("p", 2, burst_week(), "江城区"), &params).is_empty());
    // Blank texts are never similar.
    let blank: Vec<Petition> = (0..5)
        .map(|i| petition(&i.to_string(), 0, "", "", "。。"))
        .collect();
    assert!(find(&blank, &params).is_empty());
    assert_eq!(HeatMap::new(&[], &params).columns(), 0);
    assert!(report_html(&[], &HeatMap::new(&[], &params), "空").contains("无信访数据"));
}

#[test]
fn min_count_and_max_hotspots_are_obeyed() {
    let week = burst_week();
    let mut petitions = matter("a", 3, week, "江城区");
    petitions.extend(matter("b", 3, week, "河西区"));
    petitions.extend(matter("c", 5, week, "高新区"));
    let all = find_among_others(&petitions, &ValidParams::default());
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].place, "高新区");
    let params = Params::default().min_count(4).check().unwrap();
    assert_eq!(find_among_others(&petitions, &params).len(), 1);
    petitions.extend(elsewhere());
    let hotspots = find(&petitions, &ValidParams::default());
    assert!(hotspots.len() > 2);
    let params = Params::default().max_hotspots(2).check().unwrap();
    assert_eq!(find(&petitions, &params), hotspots[..2]);
}

#[test]
fn unknown_place_is_a_place_of_its_own() {
    let petitions = matter("p", 4, burst_week(), "");
    let hotspots = find_among_others(&petitions, &ValidParams::default());
    assert_eq!(hotspots[0].place, "");
    assert_eq!(hotspots[0].count, 4);
}

#[test]
fn parameter_errors_say_what_to_fix() {
    let message = |params: Params| params.check().unwrap_err().to_string();
    let m = message(Params::default().window_days(0));
    assert!(
        m.contains("window_days = 0") && m.contains("1 to 366"),
        "{m}"
    );
    assert!(message(Params::default().window_days(400)).contains("window_days = 400"));
    let m = message(Params::default().min_count(1));
    assert!(
        m.contains("min_count = 1") && m.contains("at least 2"),
        "{m}"
    );
    let m = message(Params::default().similarity(0.0));
    assert!(
        m.contains("similarity = 0") && m.contains("above 0 and at most 1"),
        "{m}"
    );
    assert!(message(Params::default().similarity(f64::NAN)).contains("similarity = NaN"));
    assert!(message(Params::default().similarity(1.5)).contains("similarity = 1.5"));
    let m = message(Params::default().max_hotspots(0));
    assert!(
        m.contains("max_hotspots = 0") && m.contains("at least 1"),
        "{m}"
    );
    assert!(Params::default().similarity(1.0).check().is_ok());
}

#[test]
fn windows_are_iso_weeks_for_seven_days() {
    assert_eq!(iso_date(0), "1970-01-01");
    assert_eq!(window_start(0, 7), -3);
    assert_eq!(iso_date(-3), "1969-12-29");
    // Every day of a week maps to its Monday.
    let monday = day_number(2024, 12, 30);
    for d in 0..7 {
        assert_eq!(window_start(monday + d, 7), monday);
        assert_eq!(iso_week(monday + d), (2025, 1));
    }
    assert_eq!(window_start(monday - 1, 7), monday - 7);
    assert_eq!(iso_week(day_number(2021, 1, 3)), (2020, 53));
    assert_eq!(iso_week(day_number(2024, 12, 2)), (2024, 49));
    // Other widths stay aligned to the same Monday.
    assert_eq!(
        window_start(day_number(2024, 12, 4), 1),
        day_number(2024, 12, 4)
    );
    assert_eq!((window_start(monday, 14) - window_start(-3, 14)) % 14, 0);
    assert_eq!(
        parse_date("2024-02-29 08:00:00"),
        Some(day_number(2024, 2, 29))
    );
    assert_eq!(parse_date("2024/3/1"), Some(day_number(2024, 3, 1)));
    assert_eq!(parse_date("2023-02-29"), None);
    assert_eq!(parse_date("yesterday"), None);
    for day in [-719_162, -1, 0, 19_000, 2_932_896] {
        assert_eq!(parse_date(&iso_date(day)), Some(day));
    }
}

#[test]
fn a_burst_holds_together_in_a_crowded_week() {
    // 2,000 petitions in one place and week, among 10,000 of other places, and 30 of one
    // matter hidden among them: the bounded candidate lists still chain the burst together.
    let week = burst_week();
    let mut rng = Rng(99);
    let mut petitions: Vec<Petition> = (0..12_000)
        .map(|i| {
            let topic = rng.below(TOPICS.len());
            let compound = rng.pick(&COMPOUNDS);
            let (place, day) = match i % 6 {
                0 => ("江城区", week + rng.below(7) as i32),
                _ => (rng.pick(&ELSEWHERE), monday() + rng.below(42) as i32),
            };
            background(&mut rng, format!("bg{i}"), day, place, topic, compound)
        })
        .collect();
    for (i, p) in matter("burst", 30, week, "江城区").into_iter().enumerate() {
        petitions.insert(i * 397, p);
    }
    let hotspots = find(
        &petitions,
        &Params::default().max_hotspots(100_000).check().unwrap(),
    );
    let burst: Vec<&Hotspot> = hotspots
        .iter()
        .filter(|h| h.ids.iter().any(|id| id.starts_with("burst")))
        .collect();
    assert_eq!(burst.len(), 1, "{burst:#?}");
    assert_eq!(
        burst[0]
            .ids
            .iter()
            .filter(|id| id.starts_with("burst"))
            .count(),
        30
    );
}

#[test]
fn heat_map_counts_by_place_and_window() {
    let (petitions, _) = burst_fixture();
    let params = ValidParams::default();
    let map = HeatMap::new(&petitions, &params);
    assert_eq!(map.columns(), 6);
    assert_eq!(map.column_start(0), monday());
    assert_eq!(map.places().len(), DISTRICTS.len());
    let total: u64 = (0..map.places().len()).map(|r| map.place_total(r)).sum();
    assert_eq!(total, petitions.len() as u64);
    let row = map.row("江城区").unwrap();
    let column = map.column_of(burst_week()).unwrap();
    let expected = petitions
        .iter()
        .filter(|p| p.place == "江城区" && window_start(p.day, 7) == burst_week())
        .count();
    assert_eq!(map.count(row, column) as usize, expected);
}

#[test]
fn report_escapes_text_and_loads_nothing() {
    let week = burst_week();
    let mut petitions = matter("<id>", 4, week, "江城区<b>");
    for p in &mut petitions {
        p.title = format!("<script>alert('{}')</script>{}", p.id, p.title);
        p.risks = vec!["collective".into()];
        p.department = "住建局 & \"热力\"".into();
    }
    let params = ValidParams::default();
    let hotspots = find_among_others(&petitions, &params);
    assert_eq!(hotspots.len(), 1);
    let html = report_html(&hotspots, &HeatMap::new(&petitions, &params), "报告 <i>");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"));
    assert!(!html.contains("<script"), "unescaped script");
    assert!(html.contains("&lt;script&gt;alert(&#39;&lt;id&gt;"));
    assert!(html.contains("江城区&lt;b&gt;"));
    assert!(html.contains("住建局 &amp; &quot;热力&quot;"));
    assert!(html.contains("报告 &lt;i&gt;"));
    assert!(!html.contains("<b>江城区<b>"));
    assert!(html.contains("群体性"));
    // Nothing external: no URLs, imports or fetched sources.
    for external in ["http:", "https:", "//", "@import", "src=", "url(http"] {
        let found = html
            .match_indices(external)
            .filter(|(at, _)| !html[..*at].ends_with("url(#ramp"))
            .count();
        assert_eq!(found, 0, "{external} in the report");
    }
}

#[test]
fn hotspot_serialises_with_snake_case_fields() {
    let hotspots = find_among_others(
        &matter("p", 3, burst_week(), "江城区"),
        &ValidParams::default(),
    );
    let json = serde_json::to_value(&hotspots[0]).unwrap();
    let mut keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "count",
            "departments",
            "end_date",
            "growth",
            "heat",
            "ids",
            "petitioners",
            "place",
            "previous_count",
            "risks",
            "start_date",
            "title",
            "title_id",
            "top_terms",
            "window_end",
            "window_start"
        ]
    );
    assert_eq!(json["petitioners"], serde_json::Value::Null);
    let back: Hotspot = serde_json::from_value(json).unwrap();
    assert_eq!(back, hotspots[0]);
}

#[test]
fn rescoring_after_filling_in_the_members_gives_what_finding_with_them_gives() {
    let (mut petitions, burst_ids) = burst_fixture();
    let params = Params::default().max_hotspots(1).check().unwrap();
    let mut hotspots = find(&petitions, &params.keeping_all());
    assert!(
        hotspots.len() > 1,
        "keeping_all keeps more than max_hotspots"
    );
    // Only the members get their department and risk flags, as a caller routing them
    // after clustering would give them.
    let members: HashSet<String> = hotspots.iter().flat_map(|h| h.ids.clone()).collect();
    for (i, p) in petitions.iter_mut().enumerate() {
        if members.contains(&p.id) {
            p.department = ["住建局", "热力公司"][i % 2].into();
            if burst_ids.contains(&p.id) && i % 3 == 0 {
                p.risks = vec!["collective".into()];
            }
        }
    }
    rescore(&mut hotspots, &petitions, params.max_hotspots());
    assert_eq!(hotspots, find(&petitions, &params));
}
