#pragma once
// Lobe label-map conventions (METHOD.md section 1), registered by name. A convention maps the label
// values a segmentation tool writes to the canonical lobes LUL, LLL, RUL, RML, RLL (1..5).
#include <array>
#include <string>
#include <vector>

namespace ren {

struct LabelConvention {
  std::string name;              ///< registry key, e.g. "lungmask"
  std::string description;       ///< the tool and model that writes it
  std::array<int, 5> lobeLabels; ///< label value of LUL, LLL, RUL, RML, RLL in this convention

  /// Canonical lobe (1..5) of a label value, 0 for background/other labels.
  int canonicalLobe(int labelValue) const;
};

class LabelConventionRegistry {
 public:
  static LabelConventionRegistry& instance();
  /// Adds a convention; throws ConfigError if the name is taken or labels repeat.
  void add(LabelConvention convention);
  /// The convention of that name; throws ConfigError listing the registered names if unknown.
  const LabelConvention& get(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  LabelConventionRegistry();
  std::vector<LabelConvention> conventions_;
};

}  // namespace ren
