#pragma once
// SHA-256 (FIPS 180-4), used for content hashes of inputs and outputs (manifests, provenance).
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace ren {

/// Incremental SHA-256. Feed bytes with update(), then call digest() or hexDigest() once; both
/// finalise the hash. Calling either again returns the same value; update() after finalisation
/// throws std::logic_error.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t n);
  void update(std::string_view s);
  /// Finalises and returns the 32-byte digest.
  std::array<std::uint8_t, 32> digest();
  /// Finalises and returns the digest as 64 lowercase hexadecimal characters.
  std::string hexDigest();

 private:
  void compress(const std::uint8_t* block);
  void finalise();

  std::array<std::uint32_t, 8> state_{};
  std::array<std::uint8_t, 64> buffer_{};
  std::size_t bufferLen_ = 0;
  std::uint64_t totalBytes_ = 0;
  bool finalised_ = false;
  std::array<std::uint8_t, 32> digest_{};
};

/// Lowercase hex SHA-256 of `data`.
std::string sha256Hex(std::string_view data);

/// Lowercase hex SHA-256 of a file's content, read in 1 MiB blocks. Throws InputError naming the
/// path when the file cannot be opened or read.
std::string sha256File(const std::filesystem::path& path);

}  // namespace ren
