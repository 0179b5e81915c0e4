#pragma once
// Error types and the exit codes they map to (INTERFACE.md): 2 = bad usage or bad config,
// 1 = a failed run (bad input data, I/O failure, internal error).
#include <stdexcept>
#include <string>

namespace ren {

/// Bad command-line usage or an invalid configuration: exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A configuration key with a bad value: the message names the key, the value and what is allowed.
class ConfigError : public UsageError {
 public:
  using UsageError::UsageError;
};

/// Bad input data (missing file, corrupt file, inconsistent cohort table): exit code 1.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A stage failed on another rank of the group: exit code 1.
class StageFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A stage that this build does not provide yet: exit code 2.
class UnavailableError : public UsageError {
 public:
  using UsageError::UsageError;
};

}  // namespace ren
