#include "ren/core/Logging.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "ren/core/Error.h"

namespace ren {

void initLogging(const std::string& level, const std::string& consoleLevel) {
  auto logger = spdlog::default_logger();
  if (logger->name() != "ren") {
    logger = std::make_shared<spdlog::logger>("ren", std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    spdlog::set_default_logger(logger);
  }
  logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%^%l%$] %v");
  logger->set_level(spdlog::level::from_str(level));
  logger->sinks().front()->set_level(spdlog::level::from_str(consoleLevel.empty() ? level : consoleLevel));
  logger->flush_on(spdlog::level::info);
}

LogFileScope::LogFileScope(const std::filesystem::path& file) {
  try {
    std::filesystem::create_directories(file.parent_path());
    sink_ = std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string(), false);
  } catch (const std::exception& e) {
    throw InputError("cannot open log file '" + file.string() + "': " + e.what());
  }
  sink_->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%l] %v");
  spdlog::default_logger()->sinks().push_back(sink_);
}

LogFileScope::~LogFileScope() {
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  sink_->flush();
}

}  // namespace ren
