#!/usr/bin/env python3
"""Draw the evaluation sample for the analysis-stage labels.

Reads /work/shared/data (never writes text anywhere); prints one line per sampled petition:
"<order>\t<source>\t<id>\t<stratum>". Only ids, sources and stratum names are output.

Logic:
  * eligible rows: text length <= 1500 characters and id unique within its file;
  * stratum "uniform": per file a simple random sample (seed 20261203) of fixed size;
  * oversampling strata: for each risk kind, each non-petition channel, digit-like facts and
    praise/suggestion/consultation, a broad cue regex defines a candidate pool over all four
    files; from each pool (in the fixed order below) N rows not yet chosen are drawn with
    random.Random(seed + pool index);
  * the final list is shuffled with seed 7 to give the labelling order;
  * stage 2 (added after the first 240 labels showed some kinds to be rare): narrower cue
    pools for court enforcement, praise, violence, self-harm, bank-card/id numbers and
    litigation, drawn the same way (seed SEED + 100 + pool index) from rows not yet chosen,
    shuffled with seed 8 and appended after the stage-1 list (stage-1 order unchanged);
  * stage 3 (after 490 labels): still narrower cues for media threats, escalation and court
    enforcement (seed SEED + 200 + pool index), shuffled with seed 9 and appended.
"""
import json, random, re, sys
from collections import Counter

DATA = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"
FILES = ["tipdm2020/unlabelled.jsonl", "tipdm2020/train.jsonl", "dalian/train.jsonl", "jiamusi/all.jsonl"]
UNIFORM = {"tipdm2020/unlabelled.jsonl": 40, "tipdm2020/train.jsonl": 40, "dalian/train.jsonl": 35, "jiamusi/all.jsonl": 25}
SEED = 20261203
POOLS = [  # (name, cue regex on title+text, number to draw)
    ("self_harm", r"跳楼|自杀|不想活|喝药|轻生|以死|寻死|一死|农药|割腕|跳河|活不下去", 40),
    ("violence", r"报复|同归于尽|砍|炸|打人|殴打|暴力|持刀|威胁|打伤|恐吓|拳打|动手", 25),
    ("collective", r"集体|聚集|堵路|横幅|联名|群体|多名|几十名|上百|数十|业主们|一起上访", 22),
    ("escalation", r"越级|进京|去北京|到北京|省里|中央|巡视组|国务院|国家信访|省委|省政府|上访", 25),
    ("vulnerable", r"老人|残疾|孤寡|未成年|重病|癌|孕妇|瘫痪|低保|独居|病重|尿毒症", 18),
    ("safety_hazard", r"燃气|煤气|泄漏|倒塌|裂缝|危房|火灾|消防|漏电|电线|坠落|高空|积水|淹|塌|安全隐患", 18),
    ("repeat", r"多次|反复|一直没|至今|无数次|屡次|再次反映|仍未|几次", 15),
    ("media", r"曝光|媒体|网上|抖音|微博|记者|电视台|新闻", 25),
    ("litigation", r"起诉|法院|立案|判决|上诉|诉讼|律师", 18),
    ("enforcement", r"执行|拒不履行|判决书|调解书|裁决书", 18),
    ("arbitration", r"仲裁|劳动合同|辞退|开除|解除合同|经济补偿|工伤", 18),
    ("admin_recon", r"处罚|罚款|罚单|决定书|行政复议|不予|驳回|征收决定|吊销", 18),
    ("discipline", r"贪污|受贿|腐败|违纪|纪委|挪用|公款|村支书|以权谋私|行贿|作风", 18),
    ("mediation", r"邻居|楼上|房东|租房|家暴|离婚|赡养|退款|商家|物业费", 12),
    ("legislature", r"人大|政协|代表|立法|修改法|条例", 8),
    ("digits", r"1[3-9]\d{9}|\d{17}[\dXx]|\d{16,19}|0\d{2,3}-?\d{7,8}|[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z]·?[A-Z0-9]{5}", 25),
    ("praise", r"感谢|表扬|点赞|锦旗|谢谢|赞扬", 12),
    ("suggestion", r"建议", 8),
    ("consultation", r"咨询|请问|是否可以|能否|怎么办理", 8),
]

POOLS2 = [
    ("s2_enforcement", r"申请执行|强制执行|拒不履行|执行局|执行款|执行庭|终结本次执行|执行难|判决生效", 14),
    ("s2_praise", r"^(感谢|表扬|致谢|点赞|赞)|感谢信|锦旗|表扬信", 14),
    ("s2_violence", r"殴打|打伤|被打|持刀|砍伤|拳打脚踢|打人|同归于尽|报复", 14),
    ("s2_self_harm", r"跳楼|自杀|喝农药|不想活|轻生|以死", 14),
    ("s2_cards", r"卡号|账号|银行卡|身份证号", 12),
    ("s2_litigation", r"起诉|法院立案|一审|二审|上诉|再审", 10),
]

POOLS3 = [
    ("s3_media", r"向媒体|找媒体|媒体曝光|网上曝光|抖音|微博|发到网上|联系记者|新闻媒体|电视台曝光", 8),
    ("s3_escalation", r"进京|越级|去北京|到北京上访|省里上访|国家信访局|巡视组|省委书记", 8),
    ("s3_enforcement", r"执行局|申请强制执行|执行法官|拒不履行判决|执行款|申请执行", 8),
]

def load():
    rows = []
    for f in FILES:
        recs = [json.loads(l) for l in open(f"{DATA}/{f}", encoding="utf-8")]
        n = Counter(r["id"] for r in recs)
        rows += [(f, r) for r in recs if n[r["id"]] == 1 and len(r["text"]) <= 1500]
    return rows

def main():
    rows = load()
    chosen, out = set(), []
    for f in FILES:
        elig = [r for g, r in rows if g == f]
        for r in random.Random(SEED).sample(elig, UNIFORM[f]):
            chosen.add((f, r["id"])); out.append((f, r["id"], "uniform"))
    for i, (name, cue, k) in enumerate(POOLS):
        rx = re.compile(cue)
        pool = [(f, r["id"]) for f, r in rows
                if (f, r["id"]) not in chosen and rx.search((r.get("title") or "") + " " + r["text"])]
        rng = random.Random(SEED + i + 1)
        for key in rng.sample(pool, min(k, len(pool))):
            chosen.add(key); out.append((key[0], key[1], name))
    random.Random(7).shuffle(out)
    out2 = []
    for i, (name, cue, k) in enumerate(POOLS2):
        rx = re.compile(cue)
        pool = [(f, r["id"]) for f, r in rows
                if (f, r["id"]) not in chosen and rx.search((r.get("title") or "") + " " + r["text"])]
        rng = random.Random(SEED + 100 + i)
        for key in rng.sample(pool, min(k, len(pool))):
            chosen.add(key); out2.append((key[0], key[1], name))
    random.Random(8).shuffle(out2)
    out += out2
    out3 = []
    for i, (name, cue, k) in enumerate(POOLS3):
        rx = re.compile(cue)
        pool = [(f, r["id"]) for f, r in rows
                if (f, r["id"]) not in chosen and rx.search((r.get("title") or "") + " " + r["text"])]
        rng = random.Random(SEED + 200 + i)
        for key in rng.sample(pool, min(k, len(pool))):
            chosen.add(key); out3.append((key[0], key[1], name))
    random.Random(9).shuffle(out3)
    out += out3
    for i, (f, rid, s) in enumerate(out):
        print(f"{i}\t{f}\t{rid}\t{s}")

if __name__ == "__main__":
    main()
