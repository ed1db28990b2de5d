//! Checked parameters, in the linfa style: [`Params`] collects values, [`Params::check`] turns
//! them into [`ValidParams`], the only form the rest of the crate accepts.

use thiserror::Error;

/// Longest window, in days. A window is meant to catch a burst; beyond a year it is a trend.
pub const MAX_WINDOW_DAYS: u32 = 366;

/// Parameters of [`crate::find`] and [`crate::HeatMap::new`], unchecked. Start from
/// [`Params::default`], change what you need, then call [`Params::check`].
///
/// ```
/// let params = pr_hotspots::Params::default().window_days(14).check()?;
/// assert_eq!((params.window_days(), params.min_count()), (14, 3));
/// # Ok::<(), pr_hotspots::ParamsError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    window_days: u32,
    min_count: usize,
    similarity: f64,
    max_hotspots: usize,
}

impl Default for Params {
    /// 7-day windows (ISO weeks), hotspots of at least 3 petitions, cosine similarity 0.4,
    /// at most 100 hotspots.
    ///
    /// - 7 days: the week is how petition bureaus report, and with the Monday origin
    ///   (see [`crate::window_start`]) every window is one ISO week.
    /// - 3 petitions: two similar petitions in a week are often one person writing twice;
    ///   three is the smallest number a clerk would call a gathering.
    /// - 0.4: on the project's hand-labelled pairs (`tests/repeat-pairs`), each put in one
    ///   place and week among random petitions, 94 % of pairs of rewordings of one matter
    ///   reach it (0.3: 97 %, 0.5: 88 %), against 66 % of pairs on the same topic (0.3: 77 %,
    ///   0.5: 55 %) and 4 % of the random petitions (0.3: 9 %, 0.5: 3 %); see the crate
    ///   documentation. Single link keeps a burst together even when some of its pairs fall
    ///   below.
    /// - 100 hotspots: a week's report a person reads through.
    fn default() -> Self {
        Params {
            window_days: 7,
            min_count: 3,
            similarity: 0.4,
            max_hotspots: 100,
        }
    }
}

impl Params {
    /// Width of a window in days (1 to [`MAX_WINDOW_DAYS`]). Windows are fixed and aligned
    /// (see [`crate::window_start`]), so growth compares like with like.
    pub fn window_days(mut self, days: u32) -> Self {
        self.window_days = days;
        self
    }

    /// Fewest petitions a cluster needs to be a hotspot (at least 2).
    pub fn min_count(mut self, count: usize) -> Self {
        self.min_count = count;
        self
    }

    /// Cosine similarity (above 0, at most 1) of two petitions' term vectors at which they
    /// join one cluster; higher keeps only closer rewordings apart from the rest.
    pub fn similarity(mut self, similarity: f64) -> Self {
        self.similarity = similarity;
        self
    }

    /// Most hotspots [`crate::find`] returns, hottest first (at least 1).
    pub fn max_hotspots(mut self, max: usize) -> Self {
        self.max_hotspots = max;
        self
    }

    /// Checks the parameters; the error says which value to change and to what.
    pub fn check(self) -> Result<ValidParams, ParamsError> {
        let Params {
            window_days,
            min_count,
            similarity,
            max_hotspots,
        } = self;
        if !(1..=MAX_WINDOW_DAYS).contains(&window_days) {
            return Err(ParamsError::WindowDays(window_days));
        }
        if min_count < 2 {
            return Err(ParamsError::MinCount(min_count));
        }
        // Written so that NaN fails too.
        if !(similarity > 0.0 && similarity <= 1.0) {
            return Err(ParamsError::Similarity(similarity));
        }
        if max_hotspots == 0 {
            return Err(ParamsError::MaxHotspots);
        }
        Ok(ValidParams {
            window_days,
            min_count,
            similarity: similarity as f32,
            max_hotspots,
        })
    }
}

/// Parameters that passed [`Params::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidParams {
    window_days: u32,
    min_count: usize,
    similarity: f32,
    max_hotspots: usize,
}

impl Default for ValidParams {
    /// [`Params::default`], checked.
    fn default() -> Self {
        Params::default()
            .check()
            .expect("the default parameters are valid")
    }
}

impl ValidParams {
    /// The same parameters keeping every hotspot, for a caller that ranks them later with
    /// [`crate::rescore`].
    pub fn keeping_all(&self) -> ValidParams {
        ValidParams {
            max_hotspots: usize::MAX,
            ..self.clone()
        }
    }

    /// Width of a window in days.
    pub fn window_days(&self) -> u32 {
        self.window_days
    }

    /// Fewest petitions in a hotspot.
    pub fn min_count(&self) -> usize {
        self.min_count
    }

    /// Cosine similarity at which two petitions join one cluster.
    pub fn similarity(&self) -> f32 {
        self.similarity
    }

    /// Most hotspots returned.
    pub fn max_hotspots(&self) -> usize {
        self.max_hotspots
    }
}

/// A parameter value that [`Params::check`] refused, with what to change.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ParamsError {
    /// `window_days` is 0 or above [`MAX_WINDOW_DAYS`].
    #[error("window_days = {0}: a window must be 1 to {MAX_WINDOW_DAYS} days long (7, one ISO week, is the default)")]
    WindowDays(u32),
    /// `min_count` is below 2.
    #[error("min_count = {0}: a hotspot needs at least 2 similar petitions (3 is the default)")]
    MinCount(usize),
    /// `similarity` is not in (0, 1].
    #[error("similarity = {0}: the cosine similarity threshold must be above 0 and at most 1 (0.4 is the default; raise it to keep only closer rewordings together)")]
    Similarity(f64),
    /// `max_hotspots` is 0.
    #[error("max_hotspots = 0: ask for at least 1 hotspot (100 is the default)")]
    MaxHotspots,
}
