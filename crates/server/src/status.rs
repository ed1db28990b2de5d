//! The errors a call can meet below the gRPC layer, and the one place they become a gRPC
//! status with a message that says what to do.

use pr_feedback::FeedbackError;
use pr_router::RouteError;
use tonic::Status;

/// Why a call failed after its request was accepted.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CallError {
    /// The petition could not be routed.
    #[error(transparent)]
    Route(#[from] RouteError),
    /// The feedback store failed (after its own retries).
    #[error(transparent)]
    Store(#[from] FeedbackError),
    /// The task that talks to the feedback store ended abnormally.
    #[error("the feedback task failed: {0}")]
    StoreTask(#[from] tokio::task::JoinError),
    /// A feedback call on a server started without a store.
    #[error("this server keeps no feedback store")]
    NoStore,
    /// A new model or keyword list did not load; `serving` keeps serving.
    #[error("reload refused, model {serving} keeps serving: {reason}")]
    ReloadRefused { serving: String, reason: String },
}

impl From<CallError> for Status {
    fn from(e: CallError) -> Status {
        match e {
            CallError::Route(RouteError::EmptyText) => Status::invalid_argument(
                "the petition has no text left after removing markup and whitespace: send the petition text in `content`",
            ),
            CallError::Store(e) => {
                Status::unavailable(format!("the feedback store failed: {e}; retry later"))
            }
            CallError::StoreTask(_) => Status::internal(e.to_string()),
            CallError::NoStore => Status::failed_precondition(
                "this server keeps no feedback store: start it with --feedback-store sqlite:PATH",
            ),
            CallError::ReloadRefused { .. } => Status::failed_precondition(e.to_string()),
        }
    }
}
