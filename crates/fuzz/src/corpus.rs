//! Where seeds come from: the real history files beside the checkout (`../shared/data`, or the
//! directory named by `PR_FUZZ_DATA`), the shipped model and keyword lists. Without the data,
//! a few petitions written here stand in, so that every target still runs on any machine.

use std::path::{Path, PathBuf};

/// The JSONL histories of the data directory, relative to it.
const HISTORIES: [&str; 4] = [
    "dalian/train.jsonl",
    "jiamusi/all.jsonl",
    "tipdm2020/train.jsonl",
    "tipdm2020/unlabelled.jsonl",
];

/// The GB18030 CSV export of the data directory, relative to it.
pub const GBK_CSV: &str = "dalian/train_gb18030.csv";

/// Petitions for a machine without the data: (title, text, label, region).
const STAND_INS: [(&str, &str, &str, &str); 4] = [
    ("", "小区楼下饭店油烟直排，投诉多次没人管", "环境保护", ""),
    (
        "欠薪",
        "公司拖欠三个月工资未发，老板联系不上",
        "劳动和社会保障",
        "甘井子区",
    ),
    (
        "",
        "<p>楼道&nbsp;堆放杂物</p>，物业不清理",
        "城乡建设",
        "沙河口区",
    ),
    ("停水", "ＡＢ小区停水三天\u{200b}，无人通知", "城乡建设", ""),
];

/// The checkout this crate belongs to.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One petition of a history.
#[derive(Debug, Clone)]
pub struct Petition {
    pub title: String,
    pub text: String,
    pub label: String,
    pub region: String,
}

/// The real files seeds are made from.
#[derive(Debug, Clone)]
pub struct Data {
    dir: Option<PathBuf>,
}

impl Data {
    /// `PR_FUZZ_DATA`, else `../shared/data` beside the checkout, if it exists.
    pub fn find() -> Data {
        let dir = std::env::var_os("PR_FUZZ_DATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace().join("../shared/data"));
        Data {
            dir: dir.is_dir().then_some(dir),
        }
    }

    /// The data directory, if there is one.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Up to `n` lines of the JSONL histories, spread evenly over each file.
    pub fn jsonl_lines(&self, n: usize) -> Vec<String> {
        let Some(dir) = &self.dir else {
            return STAND_INS
                .iter()
                .map(|(title, text, label, _)| {
                    serde_json::json!({"title": title, "text": text, "label": label}).to_string()
                })
                .collect();
        };
        let per_file = n.div_ceil(HISTORIES.len()).max(1);
        let mut lines = Vec::new();
        for file in HISTORIES {
            let Ok(text) = std::fs::read_to_string(dir.join(file)) else {
                continue;
            };
            let all: Vec<&str> = text.lines().collect();
            let step = (all.len() / per_file).max(1);
            lines.extend(
                all.iter()
                    .step_by(step)
                    .take(per_file)
                    .map(|l| l.to_string()),
            );
        }
        lines.truncate(n);
        lines
    }

    /// Up to `n` petitions, spread over the JSONL histories.
    pub fn petitions(&self, n: usize) -> Vec<Petition> {
        if self.dir.is_none() {
            return STAND_INS
                .iter()
                .map(|&(title, text, label, region)| Petition {
                    title: title.into(),
                    text: text.into(),
                    label: label.into(),
                    region: region.into(),
                })
                .collect();
        }
        self.jsonl_lines(n)
            .iter()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|v| {
                let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
                Petition {
                    title: field("title"),
                    text: field("text"),
                    label: field("label"),
                    region: field("region"),
                }
            })
            .collect()
    }

    /// The first `rows` rows of the GB18030 CSV export (with its header), or a CSV of the
    /// stand-ins encoded the same way.
    pub fn gbk_csv(&self, rows: usize) -> Vec<u8> {
        if let Some(bytes) = self
            .dir
            .as_ref()
            .and_then(|d| std::fs::read(d.join(GBK_CSV)).ok())
        {
            // Rows end at a newline outside quotes; the export quotes no newline, so the first
            // lines are the first rows.
            let end = bytes
                .iter()
                .enumerate()
                .filter(|&(_, &b)| b == b'\n')
                .nth(rows)
                .map_or(bytes.len(), |(i, _)| i + 1);
            return bytes[..end].to_vec();
        }
        let mut csv = String::from("编号,标题,内容,受理单位\n");
        for (i, p) in self.petitions(rows).iter().enumerate() {
            csv += &format!(
                "{i},{},{},{}\n",
                p.title,
                p.text.replace(',', "，"),
                p.label
            );
        }
        encoding_rs::GB18030.encode(&csv).0.into_owned()
    }
}
