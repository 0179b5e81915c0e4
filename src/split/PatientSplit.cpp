#include "ren/split/PatientSplit.h"

#include <algorithm>
#include <array>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "ren/core/AtomicFile.h"
#include "ren/core/Csv.h"
#include "ren/core/Error.h"
#include "ren/core/Random.h"

namespace ren::split {
namespace fs = std::filesystem;

const char* roleName(Role r) {
  switch (r) {
    case Role::Train:
      return "train";
    case Role::Val:
      return "val";
    case Role::Test:
      return "test";
  }
  return "train";
}

Role parseRole(std::string_view s) {
  if (s == "train") return Role::Train;
  if (s == "val") return Role::Val;
  if (s == "test") return Role::Test;
  throw InputError("unknown role '" + std::string(s) + "' (expected train, val or test)");
}

int PatientSplit::foldCount() const { return baseFolds * (rotated ? 2 : 1); }

PatientSplit makePatientSplit(const CohortTable& cohort, const SplitOptions& options) {
  const int K = options.folds;
  if (K < 2) throw InputError("split: folds must be at least 2, got " + std::to_string(K));

  // Scans of each patient, patients in id order (std::string compares bytes as unsigned char).
  std::map<std::string, std::vector<std::size_t>> byPatient;
  {
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < cohort.scans.size(); ++i) {
      const ScanRecord& s = cohort.scans[i];
      if (s.scanId.empty()) throw InputError("split: scan " + std::to_string(i + 1) + " has an empty scan_id");
      if (s.patientId.empty()) {
        throw InputError("split: scan '" + s.scanId + "' has an empty patient_id");
      }
      if (!seen.insert(s.scanId).second) {
        throw InputError("split: duplicate scan_id '" + s.scanId + "' in the cohort");
      }
      byPatient[s.patientId].push_back(i);
    }
  }
  if (static_cast<std::size_t>(K) > byPatient.size()) {
    throw InputError("split: " + std::to_string(K) + " folds but only " +
                     std::to_string(byPatient.size()) + " patients");
  }

  // Greedy balancing: scan count descending, ties by patient id ascending.
  std::vector<const std::string*> order;
  order.reserve(byPatient.size());
  for (const auto& [id, scans] : byPatient) order.push_back(&id);
  std::stable_sort(order.begin(), order.end(), [&](const std::string* a, const std::string* b) {
    return byPatient.at(*a).size() > byPatient.at(*b).size();
  });
  std::vector<std::size_t> foldScans(static_cast<std::size_t>(K), 0);
  std::vector<std::vector<std::string>> foldPatients(static_cast<std::size_t>(K));
  for (const std::string* id : order) {
    std::size_t best = 0;
    for (std::size_t f = 1; f < foldScans.size(); ++f) {
      if (foldScans[f] < foldScans[best]) best = f;
    }
    foldScans[best] += byPatient.at(*id).size();
    foldPatients[best].push_back(*id);
  }

  // Val/test halves of each held-out fold.
  std::unordered_map<std::string, int> heldOutFold;
  std::unordered_map<std::string, Role> heldOutRole;
  for (int k = 0; k < K; ++k) {
    std::vector<std::string> pts = foldPatients[static_cast<std::size_t>(k)];
    std::sort(pts.begin(), pts.end());
    Rng rng(options.seed + static_cast<std::uint64_t>(k));
    rng.shuffle(pts);
    const std::size_t nVal = pts.size() / 2;
    for (std::size_t i = 0; i < pts.size(); ++i) {
      heldOutFold[pts[i]] = k;
      heldOutRole[pts[i]] = i < nVal ? Role::Val : Role::Test;
    }
  }

  PatientSplit out;
  out.baseFolds = K;
  out.rotated = options.rotateValTest;
  const int F = out.foldCount();
  out.rows.reserve(cohort.scans.size() * static_cast<std::size_t>(F));
  for (int f = 0; f < F; ++f) {
    const int base = f % K;
    const bool swapped = f >= K;
    for (const ScanRecord& s : cohort.scans) {
      Role role = Role::Train;
      if (heldOutFold.at(s.patientId) == base) {
        role = heldOutRole.at(s.patientId);
        if (swapped) role = role == Role::Val ? Role::Test : Role::Val;
      }
      out.rows.push_back(SplitRow{s.scanId, s.patientId, f, role});
    }
  }
  return out;
}

void writeSplitCsv(const fs::path& path, const PatientSplit& s) {
  CsvTable t;
  t.header = {"scan_id", "patient_id", "fold", "role"};
  t.rows.reserve(s.rows.size());
  for (const SplitRow& r : s.rows) {
    t.rows.push_back({r.scanId, r.patientId, std::to_string(r.fold), roleName(r.role)});
  }
  writeFileAtomic(path, formatCsv(t));
}

namespace {

bool isRotated(const std::vector<std::vector<const SplitRow*>>& byFold) {
  const std::size_t F = byFold.size();
  if (F < 4 || F % 2 != 0) return false;
  const std::size_t K = F / 2;
  for (std::size_t k = 0; k < K; ++k) {
    std::unordered_map<std::string_view, Role> a;
    for (const SplitRow* r : byFold[k]) a.emplace(r->scanId, r->role);
    if (byFold[k + K].size() != a.size()) return false;
    for (const SplitRow* r : byFold[k + K]) {
      auto it = a.find(r->scanId);
      if (it == a.end()) return false;
      const Role expect = it->second == Role::Train ? Role::Train
                          : it->second == Role::Val ? Role::Test
                                                    : Role::Val;
      if (r->role != expect) return false;
    }
  }
  return true;
}

}  // namespace

PatientSplit readSplitCsv(const fs::path& path) {
  const std::string file = path.string();
  const CsvTable t = readCsv(path);
  const std::vector<std::string> expected = {"scan_id", "patient_id", "fold", "role"};
  if (t.header != expected) {
    std::string found;
    for (std::size_t i = 0; i < t.header.size(); ++i) found += (i ? "," : "") + t.header[i];
    throw InputError(file + ":1: split header must be 'scan_id,patient_id,fold,role', found '" +
                     found + "'");
  }
  if (t.rows.empty()) throw InputError(file + ": split has no rows");

  std::vector<SplitRow> rows;
  rows.reserve(t.rows.size());
  std::vector<std::size_t> lines;
  int maxFold = -1;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const auto& c = t.rows[i];
    const std::string where = file + ":" + std::to_string(t.lineOf(i)) + ": ";
    SplitRow r;
    r.scanId = c[0];
    r.patientId = c[1];
    if (r.scanId.empty()) throw InputError(where + "empty scan_id");
    if (r.patientId.empty()) throw InputError(where + "empty patient_id");
    const auto fold = parseInt(c[2]);
    if (!fold || *fold < 0 || *fold > 100000) {
      throw InputError(where + "fold must be a non-negative integer, found '" + c[2] + "'");
    }
    r.fold = static_cast<int>(*fold);
    try {
      r.role = parseRole(c[3]);
    } catch (const InputError& e) {
      throw InputError(where + e.what());
    }
    maxFold = std::max(maxFold, r.fold);
    rows.push_back(std::move(r));
    lines.push_back(t.lineOf(i));
  }
  const int F = maxFold + 1;

  // Per-fold consistency.
  std::vector<std::vector<const SplitRow*>> byFold(static_cast<std::size_t>(F));
  std::vector<std::size_t> idx(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) idx[i] = i;
  std::unordered_map<std::string, std::string> patientOf;  // scan -> patient
  std::vector<std::unordered_map<std::string, std::size_t>> seenScan(static_cast<std::size_t>(F));
  std::vector<std::unordered_map<std::string, Role>> patientRole(static_cast<std::size_t>(F));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const SplitRow& r = rows[i];
    const std::string where = file + ":" + std::to_string(lines[i]) + ": ";
    const auto f = static_cast<std::size_t>(r.fold);
    auto [sit, fresh] = seenScan[f].emplace(r.scanId, lines[i]);
    if (!fresh) {
      throw InputError(where + "scan '" + r.scanId + "' appears twice in fold " +
                       std::to_string(r.fold) + " (first on line " + std::to_string(sit->second) +
                       ")");
    }
    auto [pit, newScan] = patientOf.emplace(r.scanId, r.patientId);
    if (!newScan && pit->second != r.patientId) {
      throw InputError(where + "scan '" + r.scanId + "' has patient '" + r.patientId +
                       "' here but '" + pit->second + "' elsewhere");
    }
    auto [rit, newPatient] = patientRole[f].emplace(r.patientId, r.role);
    if (!newPatient && rit->second != r.role) {
      throw InputError(where + "patient '" + r.patientId + "' is both " + roleName(rit->second) +
                       " and " + roleName(r.role) + " in fold " + std::to_string(r.fold));
    }
    byFold[f].push_back(&r);
  }
  for (int f = 0; f < F; ++f) {
    const auto& seen = seenScan[static_cast<std::size_t>(f)];
    if (seen.empty()) {
      throw InputError(file + ": fold " + std::to_string(f) + " has no rows (folds 0.." +
                       std::to_string(F - 1) + " expected)");
    }
    if (seen.size() != patientOf.size()) {
      for (const auto& [scan, patient] : patientOf) {
        if (!seen.count(scan)) {
          throw InputError(file + ": scan '" + scan + "' is missing from fold " + std::to_string(f));
        }
      }
    }
  }

  PatientSplit out;
  const bool rotated = isRotated(byFold);
  out.rotated = rotated;
  out.baseFolds = rotated ? F / 2 : F;
  std::stable_sort(idx.begin(), idx.end(),
                   [&](std::size_t a, std::size_t b) { return rows[a].fold < rows[b].fold; });
  out.rows.reserve(rows.size());
  for (std::size_t i : idx) out.rows.push_back(rows[i]);
  return out;
}

void checkSplitMatchesCohort(const PatientSplit& s, const CohortTable& cohort,
                             const std::string& what) {
  std::unordered_map<std::string_view, std::string_view> patientOf;
  for (const ScanRecord& r : cohort.scans) patientOf.emplace(r.scanId, r.patientId);
  std::vector<std::size_t> perFold(static_cast<std::size_t>(std::max(0, s.foldCount())), 0);
  for (const SplitRow& r : s.rows) {
    auto it = patientOf.find(r.scanId);
    if (it == patientOf.end()) {
      throw InputError(what + ": scan '" + r.scanId + "' is not in the cohort table");
    }
    if (it->second != r.patientId) {
      throw InputError(what + ": scan '" + r.scanId + "' has patient '" + r.patientId +
                       "' but the cohort table says '" + std::string(it->second) + "'");
    }
    if (r.fold < 0 || r.fold >= s.foldCount()) {
      throw InputError(what + ": scan '" + r.scanId + "' has fold " + std::to_string(r.fold) +
                       " outside 0.." + std::to_string(s.foldCount() - 1));
    }
    ++perFold[static_cast<std::size_t>(r.fold)];
  }
  for (std::size_t f = 0; f < perFold.size(); ++f) {
    if (perFold[f] != patientOf.size()) {
      throw InputError(what + ": fold " + std::to_string(f) + " has " + std::to_string(perFold[f]) +
                       " scans, the cohort table has " + std::to_string(patientOf.size()));
    }
  }
}

nlohmann::json splitSummary(const PatientSplit& s, const CohortTable& cohort) {
  std::unordered_map<std::string_view, int> labelOf;
  for (const ScanRecord& r : cohort.scans) labelOf.emplace(r.scanId, r.label);

  const int F = s.foldCount();
  struct Counts {
    std::size_t scans = 0;
    std::size_t label[2] = {0, 0};
    std::set<std::string_view> patients;
  };
  std::vector<std::array<Counts, 3>> counts(static_cast<std::size_t>(std::max(F, 0)));
  std::set<std::string_view> allScans, allPatients;
  for (const SplitRow& r : s.rows) {
    auto it = labelOf.find(r.scanId);
    if (it == labelOf.end()) {
      throw InputError("split summary: scan '" + r.scanId + "' is not in the cohort table");
    }
    if (r.fold < 0 || r.fold >= F) {
      throw InputError("split summary: scan '" + r.scanId + "' has fold " + std::to_string(r.fold) +
                       " outside 0.." + std::to_string(F - 1));
    }
    Counts& c = counts[static_cast<std::size_t>(r.fold)][static_cast<std::size_t>(r.role)];
    ++c.scans;
    ++c.label[it->second == 1 ? 1 : 0];
    c.patients.insert(r.patientId);
    allScans.insert(r.scanId);
    allPatients.insert(r.patientId);
  }

  nlohmann::json perFold = nlohmann::json::array();
  nlohmann::json warnings = nlohmann::json::array();
  const Role roles[3] = {Role::Train, Role::Val, Role::Test};
  for (int f = 0; f < F; ++f) {
    nlohmann::json fold;
    fold["fold"] = f;
    for (Role role : roles) {
      const Counts& c = counts[static_cast<std::size_t>(f)][static_cast<std::size_t>(role)];
      fold[roleName(role)] = {{"scans", c.scans},
                              {"patients", c.patients.size()},
                              {"label0", c.label[0]},
                              {"label1", c.label[1]}};
      const std::string prefix = "fold " + std::to_string(f) + " " + roleName(role);
      if (c.scans == 0) {
        warnings.push_back(prefix + " has no scans");
      } else {
        for (int l = 0; l < 2; ++l) {
          if (c.label[l] == 0) warnings.push_back(prefix + " has no label-" + std::to_string(l) + " scans");
        }
      }
    }
    perFold.push_back(std::move(fold));
  }

  nlohmann::json out;
  out["folds"] = F;
  out["base_folds"] = s.baseFolds;
  out["rotated"] = s.rotated;
  out["scans"] = allScans.size();
  out["patients"] = allPatients.size();
  out["per_fold"] = std::move(perFold);
  out["warnings"] = std::move(warnings);
  return out;
}

}  // namespace ren::split
