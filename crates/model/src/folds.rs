//! Stratified k-fold splits. linfa's `fold` only splits dense `Array2` datasets, in order and
//! unstratified; petitions are sparse and sorted histories put whole labels in one fold.

/// Returns, for each document, its fold in `0..k`: each label's documents are spread evenly
/// over the folds after a seeded shuffle.
pub fn stratified_folds(labels: &[usize], k: usize, seed: u64) -> Vec<usize> {
    let n_labels = labels.iter().max().map_or(0, |m| m + 1);
    let mut by_label: Vec<Vec<usize>> = vec![Vec::new(); n_labels];
    for (i, &l) in labels.iter().enumerate() {
        by_label[l].push(i);
    }
    let mut fold = vec![0usize; labels.len()];
    let mut state = seed;
    // Continue the round-robin across labels so that small labels do not all start in fold 0.
    let mut next = 0usize;
    for docs in &mut by_label {
        for i in (1..docs.len()).rev() {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let j = ((state >> 33) % (i as u64 + 1)) as usize;
            docs.swap(i, j);
        }
        for &d in docs.iter() {
            fold[d] = next % k.max(1);
            next += 1;
        }
    }
    fold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spreads_every_label_evenly_and_is_deterministic() {
        let labels: Vec<usize> = (0..100).map(|i| if i < 80 { 0 } else { 1 }).collect();
        let folds = stratified_folds(&labels, 5, 7);
        for f in 0..5 {
            let in_fold: Vec<usize> = (0..100).filter(|&i| folds[i] == f).collect();
            assert_eq!(in_fold.len(), 20);
            assert_eq!(in_fold.iter().filter(|&&i| labels[i] == 1).count(), 4);
        }
        assert_eq!(folds, stratified_folds(&labels, 5, 7));
        assert_ne!(folds, stratified_folds(&labels, 5, 8));
    }
}
