#include "ren/core/AtomicFile.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ren/core/Error.h"

namespace ren {
namespace fs = std::filesystem;

namespace {
std::atomic<unsigned long> g_counter{0};

[[noreturn]] void fail(const std::string& what, const fs::path& path) {
  throw InputError(what + " '" + path.string() + "': " + std::strerror(errno));
}

void syncFile(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) fail("cannot open for sync", path);
  if (::fsync(fd) != 0) {
    ::close(fd);
    fail("cannot sync", path);
  }
  ::close(fd);
}
}  // namespace

fs::path temporaryPathFor(const fs::path& path) {
  std::ostringstream name;
  name << "." << path.filename().string() << ".tmp." << ::getpid() << "." << g_counter.fetch_add(1);
  return path.parent_path() / name.str();
}

void commitTemporary(const fs::path& from, const fs::path& to) {
  syncFile(from);
  if (std::rename(from.c_str(), to.c_str()) != 0) {
    std::error_code ec;
    fs::remove(from, ec);
    fail("cannot rename '" + from.string() + "' to", to);
  }
}

void writeFileAtomic(const fs::path& path, std::string_view content) {
  if (path.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw InputError("cannot create directory '" + path.parent_path().string() + "': " + ec.message());
  }
  const fs::path tmp = temporaryPathFor(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) fail("cannot create", tmp);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      fs::remove(tmp, ec);
      fail("cannot write", tmp);
    }
  }
  commitTemporary(tmp, path);
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read file '" + path.string() + "': " + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace ren
