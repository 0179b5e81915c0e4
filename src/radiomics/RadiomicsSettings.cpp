#include "ren/radiomics/RadiomicsSettings.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "ren/core/Csv.h"
#include "ren/core/Error.h"

namespace ren::radiomics {
namespace {

const char* const kKeys =
    "binWidth, binCount, voxelArrayShift, distances, symmetricalGLCM, weightingNorm, gldm_a, resegmentRange, label, "
    "minimumROIDimensions, minimumROISize, featureClass";

std::string trim(std::string s) {
  const auto notSpace = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), notSpace));
  s.erase(std::find_if(s.rbegin(), s.rend(), notSpace).base(), s.end());
  return s;
}

/// "1,2", "[1, 2]", "(1, 2)" -> {"1", "2"}; "" / "None" / "[]" -> {}.
std::vector<std::string> listItems(std::string value) {
  value = trim(value);
  if (!value.empty() && (value.front() == '[' || value.front() == '(')) value.erase(value.begin());
  if (!value.empty() && (value.back() == ']' || value.back() == ')')) value.pop_back();
  std::vector<std::string> items;
  std::stringstream in(value);
  std::string item;
  while (std::getline(in, item, ',')) {
    item = trim(item);
    if (!item.empty()) items.push_back(item);
  }
  if (items.size() == 1 && (items[0] == "None" || items[0] == "none")) items.clear();
  return items;
}

double number(const std::string& key, const std::string& value) {
  try {
    std::size_t used = 0;
    const double v = std::stod(trim(value), &used);
    if (used != trim(value).size()) throw std::invalid_argument(value);
    return v;
  } catch (const std::exception&) {
    throw UsageError("radiomics setting " + key + "='" + value + "' is not a number");
  }
}

long long integer(const std::string& key, const std::string& value) {
  const double v = number(key, value);
  if (v != std::floor(v) || std::abs(v) > 9e15)
    throw UsageError("radiomics setting " + key + "='" + value + "' is not an integer");
  return static_cast<long long>(v);
}

bool isNone(const std::string& value) {
  const std::string v = trim(value);
  return v.empty() || v == "None" || v == "none" || v == "null";
}

}  // namespace

std::string weightingNormName(WeightingNorm norm) {
  switch (norm) {
    case WeightingNorm::None: return "none";
    case WeightingNorm::Manhattan: return "manhattan";
    case WeightingNorm::Euclidean: return "euclidean";
    case WeightingNorm::Infinity: return "infinity";
    case WeightingNorm::NoWeighting: return "no_weighting";
  }
  return "none";
}

void applySetting(RadiomicsSettings& s, const std::string& rawKey, const std::string& value) {
  const std::string key = trim(rawKey);
  if (key == "binWidth") {
    s.binWidth = number(key, value);
  } else if (key == "binCount") {
    if (isNone(value)) s.binCount.reset();
    else s.binCount = static_cast<int>(integer(key, value));
  } else if (key == "voxelArrayShift") {
    s.voxelArrayShift = number(key, value);
  } else if (key == "distances") {
    s.distances.clear();
    for (const auto& item : listItems(value)) s.distances.push_back(static_cast<int>(integer(key, item)));
  } else if (key == "symmetricalGLCM") {
    const std::string v = trim(value);
    if (v == "true" || v == "True" || v == "1") s.symmetricalGlcm = true;
    else if (v == "false" || v == "False" || v == "0") s.symmetricalGlcm = false;
    else throw UsageError("radiomics setting symmetricalGLCM='" + value + "': allowed values are true, false");
  } else if (key == "weightingNorm") {
    const std::string v = trim(value);
    if (isNone(v)) s.weightingNorm = WeightingNorm::None;
    else if (v == "manhattan") s.weightingNorm = WeightingNorm::Manhattan;
    else if (v == "euclidean") s.weightingNorm = WeightingNorm::Euclidean;
    else if (v == "infinity") s.weightingNorm = WeightingNorm::Infinity;
    else if (v == "no_weighting") s.weightingNorm = WeightingNorm::NoWeighting;
    else
      throw UsageError("radiomics setting weightingNorm='" + value +
                       "': allowed values are none, manhattan, euclidean, infinity, no_weighting");
  } else if (key == "gldm_a") {
    s.gldmAlpha = number(key, value);
  } else if (key == "resegmentRange") {
    const auto items = listItems(value);
    if (items.empty()) s.resegmentRange.reset();
    else if (items.size() == 1) s.resegmentRange = std::make_pair(number(key, items[0]), HUGE_VAL);
    else if (items.size() == 2) s.resegmentRange = std::make_pair(number(key, items[0]), number(key, items[1]));
    else throw UsageError("radiomics setting resegmentRange='" + value + "' needs one or two values (lo[,hi])");
  } else if (key == "label") {
    s.label = static_cast<int>(integer(key, value));
  } else if (key == "minimumROIDimensions") {
    s.minimumRoiDimensions = static_cast<int>(integer(key, value));
  } else if (key == "minimumROISize") {
    if (isNone(value)) s.minimumRoiSize.reset();
    else s.minimumRoiSize = integer(key, value);
  } else if (key == "featureClass") {
    s.featureClasses = listItems(value);
  } else {
    throw UsageError("unknown radiomics setting '" + key + "'; allowed settings: " + kKeys);
  }
  validate(s);
}

void validate(const RadiomicsSettings& s) {
  if (!(s.binWidth > 0) || !std::isfinite(s.binWidth))
    throw UsageError("radiomics setting binWidth=" + formatDouble(s.binWidth) + " must be a finite number > 0");
  if (s.binCount && (*s.binCount < 1 || *s.binCount > 65535))
    throw UsageError("radiomics setting binCount=" + std::to_string(*s.binCount) + " must be in 1..65535");
  if (s.distances.empty()) throw UsageError("radiomics setting distances must list at least one distance >= 1");
  for (int d : s.distances)
    if (d < 1 || d > 16)
      throw UsageError("radiomics setting distances: " + std::to_string(d) + " is not in 1..16");
  if (s.gldmAlpha < 0 || !std::isfinite(s.gldmAlpha))
    throw UsageError("radiomics setting gldm_a=" + formatDouble(s.gldmAlpha) + " must be >= 0");
  if (s.resegmentRange && !(s.resegmentRange->first <= s.resegmentRange->second))
    throw UsageError("radiomics setting resegmentRange: lower bound above upper bound");
  if (s.minimumRoiDimensions < 1 || s.minimumRoiDimensions > 3)
    throw UsageError("radiomics setting minimumROIDimensions=" + std::to_string(s.minimumRoiDimensions) +
                     " must be 1, 2 or 3");
  if (s.minimumRoiSize && *s.minimumRoiSize < 1)
    throw UsageError("radiomics setting minimumROISize must be >= 1 (or None)");
  if (!std::isfinite(s.voxelArrayShift))
    throw UsageError("radiomics setting voxelArrayShift must be a finite number");
}

std::string describe(const RadiomicsSettings& s) {
  std::ostringstream out;
  if (s.binCount) out << "binCount=" << *s.binCount;
  else out << "binWidth=" << formatDouble(s.binWidth);
  out << " voxelArrayShift=" << formatDouble(s.voxelArrayShift) << " distances=[";
  for (std::size_t i = 0; i < s.distances.size(); ++i) out << (i ? "," : "") << s.distances[i];
  out << "] symmetricalGLCM=" << (s.symmetricalGlcm ? "true" : "false")
      << " weightingNorm=" << weightingNormName(s.weightingNorm) << " gldm_a=" << formatDouble(s.gldmAlpha);
  if (s.resegmentRange)
    out << " resegmentRange=[" << formatDouble(s.resegmentRange->first) << "," << formatDouble(s.resegmentRange->second) << "]";
  out << " minimumROIDimensions=" << s.minimumRoiDimensions;
  if (s.minimumRoiSize) out << " minimumROISize=" << *s.minimumRoiSize;
  if (!s.featureClasses.empty()) {
    out << " featureClass=";
    for (std::size_t i = 0; i < s.featureClasses.size(); ++i) out << (i ? "," : "") << s.featureClasses[i];
  }
  return out.str();
}

}  // namespace ren::radiomics
