//! Petition text handling shared by training and routing: one canonical form of the text
//! ([`normalise`]), jieba segmentation with the duty-list keywords in its dictionary
//! ([`Segmenter`]), and hashed word / character n-gram features ([`FeatureExtractor`]).
//!
//! Everything here must behave identically at training and at serving time, so the feature
//! configuration and the hash function are part of the model file format.

#![warn(missing_docs)]

mod features;
pub mod hash;
mod normalise;
mod prefetch;
mod segment;

pub use features::{
    term_weight, term_weights, DocFeatures, Feature, FeatureConfig, FeatureConfigError,
    FeatureExtractor, FeatureKind, Scratch,
};
pub use normalise::{is_blank, normalise, normalise_into, Normalised};
pub use prefetch::prefetch;
pub use segment::Segmenter;
