//! jieba segmentation with the duty-list keywords in the dictionary.

use jieba_rs::Jieba;

/// Word segmenter: jieba's default dictionary plus user words (the multi-character keywords of
/// the duty lists, so that 农民工工资 or 住房公积金 stays one token).
pub struct Segmenter {
    jieba: Jieba,
    hmm: bool,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter").field("hmm", &self.hmm).finish()
    }
}

impl Segmenter {
    /// Builds a segmenter; `hmm` enables jieba's HMM for words missing from the dictionary.
    /// Words of one character are ignored: they cannot change the segmentation.
    pub fn new<'w>(user_words: impl IntoIterator<Item = &'w str>, hmm: bool) -> Self {
        let mut jieba = Jieba::new();
        for word in user_words {
            if word.chars().nth(1).is_some() && !word.contains(char::is_whitespace) {
                // No frequency given: jieba suggests one just high enough to keep it whole.
                jieba.add_word(word, None, None);
            }
        }
        Segmenter { jieba, hmm }
    }

    /// The word tokens of `text` in order, without whitespace and punctuation tokens.
    pub fn words<'t>(&self, text: &'t str) -> impl Iterator<Item = &'t str> {
        self.jieba
            .cut(text, self.hmm)
            .into_iter()
            .map(|t| t.word)
            .filter(|w| w.chars().any(is_word_char))
    }

    /// Appends the word tokens of `text` to `out`, dropping whitespace and punctuation tokens.
    pub fn cut_into<'t>(&self, text: &'t str, out: &mut Vec<&'t str>) {
        out.extend(self.words(text));
    }

    /// The word tokens of `text`.
    pub fn cut<'t>(&self, text: &'t str) -> Vec<&'t str> {
        let mut out = Vec::new();
        self.cut_into(text, &mut out);
        out
    }
}

/// Letters and digits make a word; CJK ideographs (most of a petition) are checked before
/// the Unicode tables behind `char::is_alphanumeric`.
fn is_word_char(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}') || c.is_alphanumeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_words_stay_whole() {
        let plain = Segmenter::new([], false);
        assert!(!plain.cut("拖欠农民工工资半年").contains(&"农民工工资"));
        let with_keywords = Segmenter::new(["农民工工资", "住房公积金"], false);
        let tokens = with_keywords.cut("拖欠农民工工资半年，住房公积金也没交");
        assert!(tokens.contains(&"农民工工资"), "{tokens:?}");
        assert!(tokens.contains(&"住房公积金"), "{tokens:?}");
    }

    #[test]
    fn drops_punctuation_and_spaces() {
        let s = Segmenter::new([], false);
        let tokens = s.cut("小区停水，三天了！ 谁管？");
        assert!(tokens.iter().all(|t| t.chars().any(char::is_alphanumeric)));
        assert!(tokens.contains(&"停水"), "{tokens:?}");
    }
}
