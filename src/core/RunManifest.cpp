#include "ren/core/RunManifest.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "ren/core/AtomicFile.h"
#include "ren/core/Error.h"
#include "ren/core/FileLock.h"

namespace ren {
namespace fs = std::filesystem;

std::string hostName() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string utcNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

RunManifest::RunManifest(fs::path runDir) : runDir_(std::move(runDir)) {}

nlohmann::json RunManifest::read() const {
  if (!fs::exists(path())) return nlohmann::json::object();
  try {
    return nlohmann::json::parse(readFile(path()));
  } catch (const nlohmann::json::exception& e) {
    throw InputError("corrupt run manifest '" + path().string() + "': " + e.what());
  }
}

void RunManifest::update(const std::function<void(nlohmann::json&)>& edit) const {
  std::error_code ec;
  fs::create_directories(runDir_, ec);
  if (ec) throw InputError("cannot create run directory '" + runDir_.string() + "': " + ec.message());
  FileLock lock(runDir_ / ".manifest.lock");
  nlohmann::json manifest = read();
  edit(manifest);
  manifest["updated"] = utcNow();
  writeFileAtomic(path(), manifest.dump(2) + "\n");
}

}  // namespace ren
