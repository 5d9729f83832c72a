//! Bad input: clear errors with locations, the right exit code, nothing written.
