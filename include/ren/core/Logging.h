#pragma once
// Logging through spdlog: the console (stderr) always, plus one log file per stage and rank under
// RUN/logs/ while that stage runs.
#include <filesystem>
#include <memory>
#include <string>

namespace spdlog::sinks {
class sink;
}

namespace ren {

/// Sets up logging at `level` (trace, debug, info, warn, error). The console shows messages from
/// `consoleLevel` up (empty = `level`): non-zero MPI ranks keep their console for warnings while
/// their log files get everything. Idempotent.
void initLogging(const std::string& level, const std::string& consoleLevel = "");

/// While alive, everything logged also goes to `file` (appended; parent directories created).
class LogFileScope {
 public:
  explicit LogFileScope(const std::filesystem::path& file);
  ~LogFileScope();
  LogFileScope(const LogFileScope&) = delete;
  LogFileScope& operator=(const LogFileScope&) = delete;

 private:
  std::shared_ptr<spdlog::sinks::sink> sink_;
};

}  // namespace ren
