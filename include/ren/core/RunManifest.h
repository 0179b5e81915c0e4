#pragma once
// RUN/manifest.json: config hash, versions, and the status and times of every stage. Updates are
// read-modify-write under an exclusive file lock (several processes or ranks may update it) and are
// written atomically.
#include <filesystem>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace ren {

class RunManifest {
 public:
  explicit RunManifest(std::filesystem::path runDir);

  const std::filesystem::path& runDir() const { return runDir_; }
  std::filesystem::path path() const { return runDir_ / "manifest.json"; }

  /// Current content ({} when the file does not exist yet). Throws InputError if it is corrupt.
  nlohmann::json read() const;

  /// Locks, reads, lets `edit` change the JSON, stamps "updated" and writes it back atomically.
  void update(const std::function<void(nlohmann::json&)>& edit) const;

 private:
  std::filesystem::path runDir_;
};

/// This machine's host name ("unknown" when it cannot be read), recorded with stage and task status.
std::string hostName();

/// Current UTC time as ISO 8601 (e.g. 2026-11-28T18:04:05Z).
std::string utcNow();

}  // namespace ren
