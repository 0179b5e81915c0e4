#pragma once
// An exclusive advisory lock (flock) on a file, held for the object's lifetime: serialises processes
// or ranks that update the same file (the run manifest, a shared test fixture).
#include <filesystem>

namespace ren {

class FileLock {
 public:
  /// Creates the lock file if needed and blocks until the lock is ours. InputError naming the file
  /// when it cannot be opened or locked.
  explicit FileLock(const std::filesystem::path& file);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace ren
