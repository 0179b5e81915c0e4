#include "ren/core/LabelConvention.h"

#include <algorithm>
#include <set>

#include "ren/core/Error.h"

namespace ren {

int LabelConvention::canonicalLobe(int labelValue) const {
  for (int i = 0; i < 5; ++i)
    if (lobeLabels[i] == labelValue) return i + 1;
  return 0;
}

LabelConventionRegistry::LabelConventionRegistry() {
  add({"lungmask", "lungmask LTRCLobes (1..5 = LUL, LLL, RUL, RML, RLL); canonical", {1, 2, 3, 4, 5}});
  add({"totalseg-v2", "TotalSegmentator v2 task total (10..14 = lung_upper_lobe_left ... lung_lower_lobe_right)",
       {10, 11, 12, 13, 14}});
  add({"totalseg-v1", "TotalSegmentator v1 task total (13..17, same order)", {13, 14, 15, 16, 17}});
}

LabelConventionRegistry& LabelConventionRegistry::instance() {
  static LabelConventionRegistry registry;
  return registry;
}

void LabelConventionRegistry::add(LabelConvention convention) {
  for (const auto& c : conventions_)
    if (c.name == convention.name) throw ConfigError("label convention '" + convention.name + "' is registered twice");
  std::set<int> distinct(convention.lobeLabels.begin(), convention.lobeLabels.end());
  if (distinct.size() != 5 || distinct.count(0))
    throw ConfigError("label convention '" + convention.name + "' needs five distinct non-zero lobe labels");
  conventions_.push_back(std::move(convention));
}

const LabelConvention& LabelConventionRegistry::get(const std::string& name) const {
  for (const auto& c : conventions_)
    if (c.name == name) return c;
  std::string allowed;
  for (const auto& n : names()) allowed += (allowed.empty() ? "" : ", ") + n;
  throw ConfigError("unknown lobe label convention '" + name + "': registered conventions are " + allowed);
}

std::vector<std::string> LabelConventionRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& c : conventions_) out.push_back(c.name);
  return out;
}

}  // namespace ren
