#include "ren/core/CohortTable.h"

#include <set>
#include <string_view>
#include <unordered_map>

#include "ren/core/AtomicFile.h"
#include "ren/core/Csv.h"
#include "ren/core/Error.h"

namespace ren {
namespace fs = std::filesystem;

fs::path CohortTable::resolve(const std::string& relativeOrAbsolute) const {
  if (relativeOrAbsolute.empty()) return {};
  fs::path p(relativeOrAbsolute);
  if (p.is_absolute()) return p;
  const fs::path dir = source.parent_path();
  if (dir.empty()) return p;
  return dir / p;
}

std::size_t CohortTable::patientCount() const {
  std::set<std::string_view> ids;
  for (const auto& s : scans) ids.insert(s.patientId);
  return ids.size();
}

namespace {

std::string rowRef(const CsvTable& t, std::size_t i) {
  return "row " + std::to_string(i + 1) + " (line " + std::to_string(t.lineOf(i)) + ")";
}

}  // namespace

CohortTable readCohortTable(const fs::path& csv) {
  const std::string file = csv.string();
  CsvTable t;
  {
    std::error_code ec;
    if (!fs::exists(csv, ec)) throw InputError("cohort table not found: '" + file + "'");
    t = readCsv(csv);
  }
  if (t.header.empty()) throw InputError(file + ": cohort table is empty (no header)");

  std::string found;
  for (std::size_t i = 0; i < t.header.size(); ++i) {
    if (i > 0) found += ", ";
    found += t.header[i];
  }

  auto find = [&](const char* name, bool required) -> int {
    int idx = -1;
    for (std::size_t i = 0; i < t.header.size(); ++i) {
      if (trimView(t.header[i]) != name) continue;
      if (idx >= 0) throw InputError(file + ": column '" + name + "' appears more than once");
      idx = static_cast<int>(i);
    }
    if (idx < 0 && required) {
      throw InputError(file + ": missing required column '" + name + "' (columns found: " + found +
                       ")");
    }
    return idx;
  };
  const int cScan = find("scan_id", true);
  const int cPatient = find("patient_id", true);
  const int cLabel = find("label", true);
  const int cImage = find("image", true);
  const int cLobes = find("lobes", false);
  const int cSite = find("site", false);

  if (t.rows.empty()) throw InputError(file + ": cohort table has no scans");

  CohortTable out;
  out.source = csv;
  out.scans.reserve(t.rows.size());
  std::unordered_map<std::string, std::size_t> firstRow;  // scan_id -> row index
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    auto cell = [&](int c) { return c < 0 ? std::string() : std::string(trimView(row[c])); };
    ScanRecord s;
    s.scanId = cell(cScan);
    s.patientId = cell(cPatient);
    const std::string label = cell(cLabel);
    s.image = cell(cImage);
    s.lobes = cell(cLobes);
    s.site = cell(cSite);
    if (s.scanId.empty()) throw InputError(file + ": " + rowRef(t, r) + ": empty scan_id");
    if (s.patientId.empty()) {
      throw InputError(file + ": " + rowRef(t, r) + ": empty patient_id (scan '" + s.scanId + "')");
    }
    if (label == "0") {
      s.label = 0;
    } else if (label == "1") {
      s.label = 1;
    } else {
      throw InputError(file + ": " + rowRef(t, r) + ": label must be 0 or 1, found '" + label +
                       "' (scan '" + s.scanId + "')");
    }
    if (s.image.empty()) {
      throw InputError(file + ": " + rowRef(t, r) + ": empty image (scan '" + s.scanId + "')");
    }
    auto [it, inserted] = firstRow.emplace(s.scanId, r);
    if (!inserted) {
      throw InputError(file + ": " + rowRef(t, r) + ": duplicate scan_id '" + s.scanId +
                       "' (first at " + rowRef(t, it->second) + ")");
    }
    out.scans.push_back(std::move(s));
  }
  return out;
}

void writeCohortTable(const fs::path& csv, const CohortTable& t) {
  CsvTable out;
  out.header = {"scan_id", "patient_id", "label", "image", "lobes", "site"};
  out.rows.reserve(t.scans.size());
  for (const auto& s : t.scans) {
    out.rows.push_back({s.scanId, s.patientId, std::to_string(s.label), s.image, s.lobes, s.site});
  }
  writeFileAtomic(csv, formatCsv(out));
}

}  // namespace ren
