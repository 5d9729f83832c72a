//! Failures with their exit codes (DESIGN §3): 1 for what the user must act
//! on, 2 for bad usage, 130 for an interruption.

use std::fmt;

/// A failure to report; its message is already written for the user.
#[derive(Debug)]
pub struct Fail {
    /// The exit code.
    pub code: u8,
    /// The message (may span lines).
    pub message: String,
}

impl Fail {
    /// Something the user must act on: exit 1.
    pub fn user(message: impl Into<String>) -> Fail {
        Fail {
            code: 1,
            message: message.into(),
        }
    }

    /// Bad usage: exit 2.
    pub fn usage(message: impl Into<String>) -> Fail {
        Fail {
            code: 2,
            message: message.into(),
        }
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Fail {}

/// A command's result: an exit code, or a failure.
pub type Outcome = Result<u8, Fail>;
