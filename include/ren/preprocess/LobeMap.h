#pragma once
// Lobe label maps in any supported convention (METHOD.md section 1) mapped to the canonical
// lobes 1..5. `auto` detects the convention from the label values, logs what it chose and refuses
// an ambiguous map; a declared convention whose lobe labels are all absent is refused (the map is
// in another convention); a missing lobe is legal and recorded.
#include <array>
#include <cstdint>
#include <string>

#include "ren/core/Config.h"
#include "ren/core/LabelConvention.h"
#include "ren/io/Volume.h"

namespace ren::preprocess {

struct CanonicalLobeMap {
  io::Volume<std::uint8_t> lobes;     ///< canonical 0..5; labels outside the convention's lobes -> 0
  std::string convention;             ///< the convention used (detected when auto)
  std::array<bool, 5> present{};      ///< LUL..RLL non-empty
};

/// The convention the config names: a registered one, or "custom" built from cohort.lobe_labels.
/// Returns false for "auto" (detect per map).
bool configuredConvention(const CohortConfig& cohort, LabelConvention& out);

/// The registered convention whose five lobe labels are all present in `labels`; throws InputError
/// naming `source` when none or several match.
const LabelConvention& detectConvention(const io::Volume<std::int32_t>& labels, const std::string& source);

/// Maps `labels` to canonical lobes with `cohort`'s convention (detecting it for auto).
CanonicalLobeMap toCanonicalLobes(const io::Volume<std::int32_t>& labels, const CohortConfig& cohort,
                                  const std::string& source);

}  // namespace ren::preprocess
