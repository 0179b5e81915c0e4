#include "ren/core/Sha256.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "ren/core/Error.h"

namespace ren {
namespace {

// FIPS 180-4 section 4.2.2: first 32 bits of the fractional parts of the cube roots of the first
// 64 primes.
constexpr std::uint32_t kRound[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u};

// FIPS 180-4 section 5.3.3: initial hash value.
constexpr std::uint32_t kInitial[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                       0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};

inline std::uint32_t rotr(std::uint32_t x, unsigned n) { return (x >> n) | (x << (32u - n)); }
inline std::uint32_t ch(std::uint32_t x, std::uint32_t y, std::uint32_t z) { return (x & y) ^ (~x & z); }
inline std::uint32_t maj(std::uint32_t x, std::uint32_t y, std::uint32_t z) { return (x & y) ^ (x & z) ^ (y & z); }
inline std::uint32_t bigSigma0(std::uint32_t x) { return rotr(x, 2) ^ rotr(x, 13) ^ rotr(x, 22); }
inline std::uint32_t bigSigma1(std::uint32_t x) { return rotr(x, 6) ^ rotr(x, 11) ^ rotr(x, 25); }
inline std::uint32_t smallSigma0(std::uint32_t x) { return rotr(x, 7) ^ rotr(x, 18) ^ (x >> 3); }
inline std::uint32_t smallSigma1(std::uint32_t x) { return rotr(x, 17) ^ rotr(x, 19) ^ (x >> 10); }

std::string toHex(const std::array<std::uint8_t, 32>& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return out;
}

}  // namespace

Sha256::Sha256() {
  for (std::size_t i = 0; i < 8; ++i) state_[i] = kInitial[i];
}

void Sha256::compress(const std::uint8_t* block) {
  // Message schedule (FIPS 180-4 section 6.2.2 step 1), words read big-endian.
  std::uint32_t w[64];
  for (std::size_t t = 0; t < 16; ++t) {
    w[t] = (static_cast<std::uint32_t>(block[4 * t]) << 24) | (static_cast<std::uint32_t>(block[4 * t + 1]) << 16) |
           (static_cast<std::uint32_t>(block[4 * t + 2]) << 8) | static_cast<std::uint32_t>(block[4 * t + 3]);
  }
  for (std::size_t t = 16; t < 64; ++t) {
    w[t] = smallSigma1(w[t - 2]) + w[t - 7] + smallSigma0(w[t - 15]) + w[t - 16];
  }
  std::uint32_t a = state_[0], b = state_[1], c = state_[2], d = state_[3];
  std::uint32_t e = state_[4], f = state_[5], g = state_[6], h = state_[7];
  for (std::size_t t = 0; t < 64; ++t) {
    const std::uint32_t t1 = h + bigSigma1(e) + ch(e, f, g) + kRound[t] + w[t];
    const std::uint32_t t2 = bigSigma0(a) + maj(a, b, c);
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state_[0] += a;
  state_[1] += b;
  state_[2] += c;
  state_[3] += d;
  state_[4] += e;
  state_[5] += f;
  state_[6] += g;
  state_[7] += h;
}

void Sha256::update(const void* data, std::size_t n) {
  if (finalised_) throw std::logic_error("Sha256::update called after the digest was finalised");
  if (n == 0) return;
  const auto* p = static_cast<const std::uint8_t*>(data);
  totalBytes_ += n;
  if (bufferLen_ > 0) {
    const std::size_t take = std::min(n, buffer_.size() - bufferLen_);
    std::memcpy(buffer_.data() + bufferLen_, p, take);
    bufferLen_ += take;
    p += take;
    n -= take;
    if (bufferLen_ < buffer_.size()) return;
    compress(buffer_.data());
    bufferLen_ = 0;
  }
  while (n >= 64) {
    compress(p);
    p += 64;
    n -= 64;
  }
  if (n > 0) {
    std::memcpy(buffer_.data(), p, n);
    bufferLen_ = n;
  }
}

void Sha256::update(std::string_view s) { update(s.data(), s.size()); }

void Sha256::finalise() {
  if (finalised_) return;
  // Padding (FIPS 180-4 section 5.1.1): a 1 bit, zeros up to 56 mod 64 bytes, then the message
  // length in bits as a 64-bit big-endian integer.
  const std::uint64_t bitLength = totalBytes_ * 8u;
  buffer_[bufferLen_++] = 0x80;
  if (bufferLen_ > 56) {
    std::fill(buffer_.begin() + static_cast<std::ptrdiff_t>(bufferLen_), buffer_.end(), std::uint8_t{0});
    compress(buffer_.data());
    bufferLen_ = 0;
  }
  std::fill(buffer_.begin() + static_cast<std::ptrdiff_t>(bufferLen_), buffer_.begin() + 56, std::uint8_t{0});
  for (std::size_t i = 0; i < 8; ++i) buffer_[56 + i] = static_cast<std::uint8_t>(bitLength >> (56 - 8 * i));
  compress(buffer_.data());
  bufferLen_ = 0;
  for (std::size_t i = 0; i < 8; ++i) {
    digest_[4 * i] = static_cast<std::uint8_t>(state_[i] >> 24);
    digest_[4 * i + 1] = static_cast<std::uint8_t>(state_[i] >> 16);
    digest_[4 * i + 2] = static_cast<std::uint8_t>(state_[i] >> 8);
    digest_[4 * i + 3] = static_cast<std::uint8_t>(state_[i]);
  }
  finalised_ = true;
}

std::array<std::uint8_t, 32> Sha256::digest() {
  finalise();
  return digest_;
}

std::string Sha256::hexDigest() { return toHex(digest()); }

std::string sha256Hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hexDigest();
}

std::string sha256File(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError("cannot hash '" + path.string() + "': it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot open file for hashing '" + path.string() + "': " + std::strerror(errno));
  Sha256 h;
  std::vector<char> block(std::size_t{1} << 20);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    const std::streamsize got = in.gcount();
    if (got > 0) h.update(block.data(), static_cast<std::size_t>(got));
  }
  if (in.bad() || !in.eof()) throw InputError("cannot read file for hashing '" + path.string() + "'");
  return h.hexDigest();
}

}  // namespace ren
