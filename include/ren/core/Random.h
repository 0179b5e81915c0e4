#pragma once
// Deterministic random numbers whose output is fixed by this file alone (no implementation-defined
// std::*_distribution), so results are identical across compilers, platforms and thread counts.
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <utility>
#include <vector>

namespace ren {

/// SplitMix64 finaliser: a strong 64-bit mixing function.
constexpr std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// Derives a seed from a base seed and any number of integer components (e.g. region, fold).
std::uint64_t deriveSeed(std::uint64_t base, std::initializer_list<std::uint64_t> parts);
/// Derives a seed from a base seed and a name (FNV-1a of the bytes, then mixed).
std::uint64_t deriveSeed(std::uint64_t base, std::string_view name);

/// xoshiro256** generator seeded through SplitMix64. Same seed => same stream everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed);
  std::uint64_t next();
  /// Uniform integer in [0, n) by rejection (unbiased); n > 0.
  std::uint64_t below(std::uint64_t n);
  /// Uniform integer in [lo, hi] (inclusive).
  std::int64_t between(std::int64_t lo, std::int64_t hi);
  /// Uniform double in [0, 1) with 53 random bits.
  double uniform();
  /// Uniform double in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Standard normal (Box-Muller, one value per call; deterministic).
  double normal();
  double normal(double mean, double sd) { return mean + sd * normal(); }
  /// True with probability p.
  bool bernoulli(double p) { return uniform() < p; }
  /// Fisher-Yates shuffle (i from n-1 down to 1, j = below(i+1)).
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      std::size_t j = static_cast<std::size_t>(below(i));
      std::swap(v[i - 1], v[j]);
    }
  }

 private:
  std::uint64_t s_[4];
};

/// Counter-based hash noise: a uniform double in [0,1) that depends only on (seed, index).
inline double hashUniform(std::uint64_t seed, std::uint64_t index) {
  return static_cast<double>(mix64(seed ^ mix64(index)) >> 11) * 0x1.0p-53;
}

}  // namespace ren
