//! The routing-target space: the catalogue's departments, plus every model label that no
//! department knows (kept as a target of its own, so any city's history can be trained).

use pr_catalogue::{Catalogue, LabelTarget};

/// One place a petition can be routed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The department's code; for a label no department knows, the label itself.
    pub code: String,
    /// The department's official name; for a label no department knows, the label itself.
    pub name: String,
    /// Index in the catalogue, `None` for a label no department knows.
    pub department: Option<usize>,
}

/// Maps model labels to targets.
#[derive(Debug, Clone)]
pub struct Targets {
    targets: Vec<Target>,
    /// Per model label: the targets it stands for.
    by_label: Vec<Vec<usize>>,
    /// Per target: the model label that names its department's central category, if any.
    lead_label: Vec<Option<usize>>,
    /// Per target: the department whose duty keywords it carries (see [`Targets::duties`]).
    duties: Vec<Option<usize>>,
    unknown_labels: Vec<String>,
}

impl Targets {
    /// Resolves every label against the catalogue.
    pub fn new(labels: &[String], catalogue: &Catalogue) -> Targets {
        let mut targets: Vec<Target> = catalogue
            .departments()
            .iter()
            .enumerate()
            .map(|(i, d)| Target {
                code: d.code.clone(),
                name: d.name.clone(),
                department: Some(i),
            })
            .collect();
        let mut unknown_labels = Vec::new();
        let by_label = labels
            .iter()
            .map(|label| match catalogue.resolve_label(label) {
                LabelTarget::Department(d) => vec![d],
                LabelTarget::Category(ds) => ds,
                LabelTarget::Unknown => {
                    unknown_labels.push(label.clone());
                    targets.push(Target {
                        code: label.clone(),
                        name: label.clone(),
                        department: None,
                    });
                    vec![targets.len() - 1]
                }
            })
            .collect();
        let lead_label = targets
            .iter()
            .map(|t| {
                let first = catalogue.departments()[t.department?].categories.first()?;
                labels.iter().position(|l| l == first)
            })
            .collect();
        let duties = targets.iter().map(|t| t.department).collect();
        Targets {
            targets,
            by_label,
            lead_label,
            duties,
            unknown_labels,
        }
    }

    /// The target `unit` names: a department's code, name or alias, or a label of its own.
    pub fn find(&self, catalogue: &Catalogue, unit: &str) -> Option<usize> {
        match catalogue.resolve_label(unit) {
            LabelTarget::Department(d) => Some(d),
            _ => self
                .targets
                .iter()
                .position(|t| t.department.is_none() && t.code == unit.trim()),
        }
    }

    /// A model label that reaches target `t`: the one naming its department's central
    /// duty, else the first that does; `None` when no label reaches it.
    pub fn label_of(&self, t: usize) -> Option<usize> {
        self.lead_label
            .get(t)
            .copied()
            .flatten()
            .or_else(|| self.by_label.iter().position(|ts| ts.contains(&t)))
    }

    /// Whether `label` is the central duty of `target`'s department: the label names the
    /// department's first category, or the target is a label of its own.
    pub fn is_lead(&self, target: usize, label: usize) -> bool {
        self.targets[target].department.is_none() || self.lead_label[target] == Some(label)
    }

    /// The department whose duty keywords (关键词库) count for target `t`: its own, or, for a
    /// local unit the catalogue does not list (甘井子区城建局), its line of duty's.
    pub fn duties(&self, t: usize) -> Option<usize> {
        self.duties.get(t).copied().flatten()
    }

    /// Gives each label that is a target of its own the duty keywords of `line_department`
    /// of that label, if any.
    pub(crate) fn inherit_duties(&mut self, line_department: impl Fn(usize) -> Option<usize>) {
        for (label, targets) in self.by_label.iter().enumerate() {
            if let [t] = targets[..] {
                if self.targets[t].department.is_none() {
                    self.duties[t] = line_department(label);
                }
            }
        }
    }

    /// Adds one target per virtual label (a unit the catalogue declares and the model has no
    /// label for), numbered after the model's labels.
    pub(crate) fn add_virtual(&mut self, names: &[String]) {
        for name in names {
            self.targets.push(Target {
                code: name.clone(),
                name: name.clone(),
                department: None,
            });
            let t = self.targets.len() - 1;
            self.by_label.push(vec![t]);
            self.lead_label.push(None);
            self.duties.push(None);
        }
    }

    /// All targets; catalogue departments first, with the same indices.
    pub fn all(&self) -> &[Target] {
        &self.targets
    }

    /// Targets of model label `label`.
    pub fn of_label(&self, label: usize) -> &[usize] {
        self.by_label.get(label).map_or(&[], Vec::as_slice)
    }

    /// Labels that no department knows, in label order.
    pub fn unknown_labels(&self) -> &[String] {
        &self.unknown_labels
    }
}
