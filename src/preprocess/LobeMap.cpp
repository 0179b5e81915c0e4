#include "ren/preprocess/LobeMap.h"

#include <spdlog/spdlog.h>

#include <set>
#include <sstream>

#include "ren/core/Error.h"

namespace ren::preprocess {

namespace {

std::set<std::int32_t> labelValues(const io::Volume<std::int32_t>& labels) {
  std::set<std::int32_t> values;
  for (std::int32_t v : labels.voxels)
    if (v != 0) values.insert(v);
  return values;
}

std::string listValues(const std::set<std::int32_t>& values) {
  std::ostringstream out;
  std::size_t n = 0;
  for (auto v : values) {
    if (n++ == 24) {
      out << ", ...";
      break;
    }
    out << (n > 1 ? ", " : "") << v;
  }
  return values.empty() ? "none" : out.str();
}

std::string listLabels(const LabelConvention& c) {
  std::ostringstream out;
  for (int i = 0; i < 5; ++i) out << (i ? "," : "") << c.lobeLabels[static_cast<std::size_t>(i)];
  return out.str();
}

}  // namespace

bool configuredConvention(const CohortConfig& cohort, LabelConvention& out) {
  if (cohort.labels == "auto") return false;
  if (cohort.labels == "custom") {
    out = {"custom", "user mapping (cohort.lobe_labels)", {}};
    std::istringstream in(cohort.lobeLabels);
    std::string item;
    for (int i = 0; i < 5 && std::getline(in, item, ','); ++i) out.lobeLabels[static_cast<std::size_t>(i)] = std::stoi(item);
    return true;
  }
  out = LabelConventionRegistry::instance().get(cohort.labels);
  return true;
}

const LabelConvention& detectConvention(const io::Volume<std::int32_t>& labels, const std::string& source) {
  // The convention with the most of its five lobe labels present wins; a tie is ambiguous (e.g. a
  // full TotalSegmentator map fits v1 and v2), and fewer than three present is not a lobe map.
  const auto values = labelValues(labels);
  const LabelConvention* best = nullptr;
  int bestScore = 0;
  std::string tied;
  for (const auto& name : LabelConventionRegistry::instance().names()) {
    const LabelConvention& c = LabelConventionRegistry::instance().get(name);
    int score = 0;
    for (int l : c.lobeLabels) score += static_cast<int>(values.count(l));
    if (score > bestScore) {
      best = &c;
      bestScore = score;
      tied = name;
    } else if (score == bestScore && score > 0) {
      tied += ", " + name;
    }
  }
  if (!best || bestScore < 3)
    throw InputError("lobe map '" + source + "': cannot detect the convention of labels {" + listValues(values) +
                     "}; set cohort.labels (lungmask, totalseg-v2, totalseg-v1, custom)");
  if (tied != best->name)
    throw InputError("lobe map '" + source + "' is ambiguous: its labels {" + listValues(values) + "} fit " + tied +
                     " equally well; set cohort.labels to the tool that made it");
  return *best;
}

CanonicalLobeMap toCanonicalLobes(const io::Volume<std::int32_t>& labels, const CohortConfig& cohort,
                                  const std::string& source) {
  LabelConvention convention;
  if (!configuredConvention(cohort, convention)) {
    convention = detectConvention(labels, source);
    spdlog::info("lobe map {}: detected the {} convention", source, convention.name);
  }
  CanonicalLobeMap out;
  out.convention = convention.name;
  out.lobes = io::Volume<std::uint8_t>(labels.geometry, 0);
  std::array<std::int64_t, 5> counts{};
  for (std::size_t i = 0; i < labels.voxels.size(); ++i) {
    const int lobe = convention.canonicalLobe(labels.voxels[i]);
    if (lobe > 0) {
      out.lobes.voxels[i] = static_cast<std::uint8_t>(lobe);
      ++counts[static_cast<std::size_t>(lobe - 1)];
    }
  }
  bool any = false;
  for (int l = 0; l < 5; ++l) {
    out.present[static_cast<std::size_t>(l)] = counts[static_cast<std::size_t>(l)] > 0;
    any = any || out.present[static_cast<std::size_t>(l)];
  }
  if (!any)
    throw InputError("lobe map '" + source + "' has none of the " + convention.name + " lobe labels (" +
                     listLabels(convention) + "); its labels are {" + listValues(labelValues(labels)) +
                     "}: is it in another convention? (cohort.labels)");
  return out;
}

}  // namespace ren::preprocess
