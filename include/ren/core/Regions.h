#pragma once
// The seven lung regions of METHOD.md section 1, in canonical order, and the region sets.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ren {

/// Canonical lobes, numbered as the canonical (lungmask LTRCLobes) label map: LUL=1 ... RLL=5.
enum class Lobe : std::uint8_t { LUL = 1, LLL = 2, RUL = 3, RML = 4, RLL = 5 };
constexpr int kLobeCount = 5;

struct Region {
  int index;                    ///< 0..6, the order of every file, table and weight vector
  std::string_view name;        ///< LUL LLL RUL RML RLL LEFT RIGHT
  std::uint8_t lobeBits;        ///< bit (l-1) set when canonical lobe l belongs to the region
  bool contains(int canonicalLobe) const {
    return canonicalLobe >= 1 && canonicalLobe <= kLobeCount && (lobeBits >> (canonicalLobe - 1)) & 1u;
  }
};

constexpr int kRegionCount = 7;
extern const std::array<Region, kRegionCount> kRegions;

/// Region by name (case-sensitive, canonical names); nullopt if unknown.
std::optional<Region> findRegion(std::string_view name);

/// Region sets of METHOD.md: lungs = {LEFT, RIGHT}, lobes = {LUL..RLL}, all7 = all seven.
/// Throws ConfigError listing the allowed names when `name` is unknown.
std::vector<Region> regionSet(std::string_view name);
std::vector<std::string> regionSetNames();

}  // namespace ren
