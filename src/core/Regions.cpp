#include "ren/core/Regions.h"

#include "ren/core/Error.h"

namespace ren {

const std::array<Region, kRegionCount> kRegions{{
    {0, "LUL", 0b00001},
    {1, "LLL", 0b00010},
    {2, "RUL", 0b00100},
    {3, "RML", 0b01000},
    {4, "RLL", 0b10000},
    {5, "LEFT", 0b0100011},   // LUL, LLL, left lung with unknown lobes
    {6, "RIGHT", 0b1011100},  // RUL, RML, RLL, right lung with unknown lobes
}};

std::optional<Region> findRegion(std::string_view name) {
  for (const Region& r : kRegions)
    if (r.name == name) return r;
  return std::nullopt;
}

const Region kWholeLung{7, "LUNG", 0b1111111};

std::optional<Region> findTaskRegion(std::string_view name) {
  if (name == kWholeLung.name) return kWholeLung;
  return findRegion(name);
}

std::vector<std::string> regionSetNames() { return {"lungs", "lobes", "all7"}; }

std::vector<Region> regionSet(std::string_view name) {
  if (name == "lungs") return {kRegions[5], kRegions[6]};
  if (name == "lobes") return {kRegions.begin(), kRegions.begin() + 5};
  if (name == "all7") return {kRegions.begin(), kRegions.end()};
  throw ConfigError("unknown region set '" + std::string(name) + "': allowed values are lungs, lobes, all7");
}

}  // namespace ren
