#include "radiomics/AnchorData.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>

#include "ren/core/Csv.h"
#include "ren/io/ImageFile.h"

namespace ren::radiomics::anchors {
namespace {

const std::string kAnchorDir = REN_ANCHOR_DIR;

std::string unquote(std::string s) {
  s = std::string(trimView(s));
  if (s.size() >= 2 && (s.front() == '\'' || s.front() == '"') && s.back() == s.front()) s = s.substr(1, s.size() - 2);
  return s;
}

/// "{'a': 1, 'b': [1, 2], 'c': None}" -> {a: "1", b: "[1, 2]", c: "None"} (top-level commas only).
std::map<std::string, std::string> parsePythonDict(const std::string& text) {
  std::string body(trimView(text));
  if (body.size() < 2 || body.front() != '{' || body.back() != '}') throw std::runtime_error("not a dict: " + text);
  body = body.substr(1, body.size() - 2);
  std::map<std::string, std::string> out;
  int depth = 0;
  std::string item;
  const auto flush = [&] {
    if (std::string(trimView(item)).empty()) return;
    const auto colon = item.find(':');
    out[unquote(item.substr(0, colon))] = unquote(item.substr(colon + 1));
    item.clear();
  };
  for (char c : body) {
    if (c == '[' || c == '(' || c == '{') ++depth;
    if (c == ']' || c == ')' || c == '}') --depth;
    if (c == ',' && depth == 0) flush();
    else item += c;
  }
  flush();
  return out;
}

/// Half a unit of the last printed digit of `text` ("0.503" -> 0.0005, "1.49e3" -> 5, "556" -> 0.5):
/// the tolerance of an IBSI reference whose table gives none ("—": exact as printed).
double printedPrecision(const std::string& text) {
  const auto e = text.find_first_of("eE");
  const std::string mantissa = text.substr(0, e);
  const int exponent = e == std::string::npos ? 0 : std::stoi(text.substr(e + 1));
  const auto dot = mantissa.find('.');
  const int decimals = dot == std::string::npos ? 0 : static_cast<int>(mantissa.size() - dot - 1);
  return 0.5 * std::pow(10.0, exponent - decimals);
}

/// Value text, value and tolerance (nullopt for "—") of the reference table's row of `code` and
/// `aggregation`; throws when absent.
struct IbsiRow {
  std::string text;
  double value;
  std::optional<double> tolerance;
};

IbsiRow ibsiRow(const std::string& code, const std::string& aggregation) {
  static const CsvTable table = [] {
    // Tab-separated: turn it into CSV text (no field holds a comma or quote? quote every field).
    std::FILE* f = std::fopen((kAnchorDir + "/ibsi1_digital_phantom/ibsi1_dig_phantom_reference_values.tsv").c_str(), "rb");
    if (!f) throw std::runtime_error("cannot open the IBSI reference table");
    std::string text, csv;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
    std::string field;
    const auto put = [&](char end) {
      csv += csvField(field);
      csv += end;
      field.clear();
    };
    for (char c : text) {
      if (c == '\t') put(',');
      else if (c == '\n') put('\n');
      else if (c != '\r') field += c;
    }
    if (!field.empty()) put('\n');
    return parseCsv(csv, "ibsi1_dig_phantom_reference_values.tsv");
  }();
  const int codeCol = table.column("ibsi_code"), aggCol = table.column("aggregation");
  const int valueCol = table.column("value"), tolCol = table.column("tolerance");
  for (const auto& row : table.rows)
    if (row[static_cast<std::size_t>(codeCol)] == code && row[static_cast<std::size_t>(aggCol)] == aggregation) {
      const std::string text = row[static_cast<std::size_t>(valueCol)];
      const auto value = parseDouble(text);
      if (!value) throw std::runtime_error("IBSI reference " + code + " is not numeric");
      return {text, *value, parseDouble(row[static_cast<std::size_t>(tolCol)])};
    }
  throw std::runtime_error("no IBSI reference for code " + code + " with aggregation '" + aggregation + "'");
}

const CsvTable& baselineTable(const std::string& cls) {
  static std::map<std::string, CsvTable> cache;
  auto it = cache.find(cls);
  if (it == cache.end())
    it = cache.emplace(cls, readCsv(kAnchorDir + "/pyradiomics_baseline/baseline_" + cls + ".csv")).first;
  return it->second;
}

std::string cell(const std::string& cls, const std::string& column, const std::string& key) {
  const CsvTable& t = baselineTable(cls);
  const int c = t.column(column);
  if (c < 0) throw std::runtime_error("baseline_" + cls + ".csv has no column " + column);
  for (const auto& row : t.rows)
    if (row[0] == key) return row[static_cast<std::size_t>(c)];
  throw std::runtime_error("baseline_" + cls + ".csv has no row " + key);
}

}  // namespace

RadiomicsSettings ibsiSettings() {
  RadiomicsSettings s;
  s.binWidth = 1;
  s.voxelArrayShift = 0;
  s.distances = {1};
  s.weightingNorm = WeightingNorm::None;
  s.gldmAlpha = 0;
  s.minimumRoiDimensions = 1;
  return s;
}

Roi ibsiPhantomRoi(const RadiomicsSettings& settings) {
  const auto image = io::readImage(kAnchorDir + "/ibsi1_digital_phantom/phantom.nii.gz");
  const auto mask = io::readLabelMap(kAnchorDir + "/ibsi1_digital_phantom/mask.nii.gz");
  return cropRoi(image, mask, 1, settings);
}

IbsiReference ibsiReference(const std::string& code, const std::string& aggregation) {
  const IbsiRow row = ibsiRow(code, aggregation);
  return {row.value, row.tolerance ? *row.tolerance : printedPrecision(row.text)};
}

IbsiReference ibsiReferenceToThreeDigits(const std::string& code, const std::string& aggregation) {
  const IbsiRow row = ibsiRow(code, aggregation);
  // (1 + 1e-9): a value exactly half a unit away (up to rounding) still passes.
  const double halfUnit =
      row.value == 0 ? 0.0 : 0.5 * std::pow(10.0, std::floor(std::log10(std::abs(row.value))) - 2) * (1 + 1e-9);
  return {row.value, std::max(row.tolerance.value_or(0.0), halfUnit)};
}

RadiomicsSettings baselineSettings(const std::string& cls, const std::string& column) {
  const auto dict = parsePythonDict(cell(cls, column, "diagnostics_Configuration_Settings"));
  RadiomicsSettings s;
  for (const auto& [key, value] : dict) {
    if (key == "binWidth" || key == "binCount" || key == "voxelArrayShift" || key == "distances" ||
        key == "weightingNorm" || key == "gldm_a" || key == "resegmentRange" || key == "label" ||
        key == "minimumROIDimensions" || key == "minimumROISize" || key == "symmetricalGLCM") {
      applySetting(s, key, value);
    } else if ((key == "force2D" && value != "False") || (key == "resampledPixelSpacing" && value != "None") ||
               (key == "normalize" && value != "False") || (key == "removeOutliers" && value != "None")) {
      throw std::runtime_error("baseline column " + column + " uses " + key + "=" + value + ", which these tests do not cover");
    }
  }
  return s;
}

std::optional<double> baselineValue(const std::string& cls, const std::string& column, const std::string& feature) {
  const std::string text = cell(cls, column, "original_" + cls + "_" + feature);
  if (std::string(trimView(text)).empty()) return std::nullopt;
  const auto v = parseDouble(text);
  if (!v) throw std::runtime_error("baseline value of " + feature + " in " + column + " is not a number: " + text);
  return v;
}

Roi baselineRoi(const std::string& column, const RadiomicsSettings& settings) {
  const std::string caseName = column.substr(0, column.find('_'));
  const auto image = io::readImage(kAnchorDir + "/pyradiomics_baseline/" + caseName + "_image.nrrd");
  const auto mask = io::readLabelMap(kAnchorDir + "/pyradiomics_baseline/" + caseName + "_label.nrrd");
  return cropRoi(image, mask, settings.label, settings);
}

double relativeDifference(double ours, double reference) {
  if (reference == 0) return ours == 0 ? 0.0 : HUGE_VAL;
  return std::abs(ours - reference) / std::abs(reference);
}

}  // namespace ren::radiomics::anchors
