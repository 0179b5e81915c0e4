#pragma once
// Atomic file output: every file a stage writes appears complete or not at all.
// Content is written to a temporary name in the same directory, flushed to disk and renamed.
#include <filesystem>
#include <string>
#include <string_view>

namespace ren {

/// Writes `content` to `path` atomically (temp file + fsync + rename). Creates parent directories.
/// Throws InputError naming the path on failure; no partial file is left under `path`.
void writeFileAtomic(const std::filesystem::path& path, std::string_view content);

/// Reads a whole file; throws InputError naming the path when it cannot be read.
std::string readFile(const std::filesystem::path& path);

/// Temporary name used for an atomic write of `path` (unique per process and call).
std::filesystem::path temporaryPathFor(const std::filesystem::path& path);

/// Renames `from` over `to` after fsyncing `from`; throws InputError naming both on failure.
void commitTemporary(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace ren
