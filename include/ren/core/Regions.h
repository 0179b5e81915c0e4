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
/// Values of the canonical label map beyond the lobes: a lung whose lobes are unknown (the
/// fallback lung segmentation when a scan has no lobe map). They belong to LEFT / RIGHT only.
constexpr std::uint8_t kLeftLungUnknownLobe = 6;
constexpr std::uint8_t kRightLungUnknownLobe = 7;
constexpr int kCanonicalLabelCount = 7;  ///< label values 1..7

struct Region {
  int index;                    ///< 0..6, the order of every file, table and weight vector
  std::string_view name;        ///< LUL LLL RUL RML RLL LEFT RIGHT
  std::uint8_t lobeBits;        ///< bit (v-1) set when canonical label value v (1..7) belongs to the region
  bool contains(int canonicalLabel) const {
    return canonicalLabel >= 1 && canonicalLabel <= kCanonicalLabelCount && (lobeBits >> (canonicalLabel - 1)) & 1u;
  }
};

constexpr int kRegionCount = 7;
extern const std::array<Region, kRegionCount> kRegions;

/// Region by name (case-sensitive, canonical names); nullopt if unknown.
std::optional<Region> findRegion(std::string_view name);

/// The whole lung (every canonical label 1..7): the input of the whole-lung baselines (region name
/// "LUNG" of the task grid). Not one of the seven regions: index 7, outside every per-region table.
extern const Region kWholeLung;
/// A region of the task grid: one of the seven, or LUNG; nullopt if unknown.
std::optional<Region> findTaskRegion(std::string_view name);

/// Region sets of METHOD.md: lungs = {LEFT, RIGHT}, lobes = {LUL..RLL}, all7 = all seven.
/// Throws ConfigError listing the allowed names when `name` is unknown.
std::vector<Region> regionSet(std::string_view name);
std::vector<std::string> regionSetNames();

}  // namespace ren
