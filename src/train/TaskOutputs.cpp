#include "ren/train/TaskOutputs.h"

#include <cmath>

#include "ren/core/AtomicFile.h"
#include "ren/core/Csv.h"
#include "ren/core/Error.h"
#include "ren/stats/BinaryMetrics.h"

namespace ren::train {

void writePredictions(const std::filesystem::path& path, const std::vector<Prediction>& predictions) {
  CsvTable t;
  t.header = {"scan_id", "patient_id", "role", "label", "prob"};
  for (const char* role : {"val", "test"})
    for (const auto& p : predictions)
      if (p.role == role)
        t.rows.push_back({p.scan.scanId, p.scan.patientId, p.role, std::to_string(p.scan.label), formatDouble(p.prob)});
  writeFileAtomic(path, formatCsv(t));
}

std::vector<Prediction> readPredictions(const std::filesystem::path& path) {
  const CsvTable t = readCsv(path);
  const std::vector<std::string> expected{"scan_id", "patient_id", "role", "label", "prob"};
  if (t.header != expected)
    throw InputError(path.string() + ": header must be scan_id,patient_id,role,label,prob");
  std::vector<Prediction> out;
  for (std::size_t i = 0; i < t.rows.size(); ++i) {
    const auto& r = t.rows[i];
    const auto label = parseInt(r[3]);
    const auto prob = parseDouble(r[4]);
    const std::string where = path.string() + ":" + std::to_string(t.rowLines.empty() ? i + 2 : t.rowLines[i]);
    if (!label || (*label != 0 && *label != 1)) throw InputError(where + ": label must be 0 or 1");
    if (!prob || !(*prob >= 0 && *prob <= 1)) throw InputError(where + ": prob must be a probability");
    if (r[2] != "val" && r[2] != "test") throw InputError(where + ": role must be val or test");
    out.push_back({{r[0], r[1], static_cast<int>(*label)}, r[2], *prob});
  }
  return out;
}

nlohmann::json predictionMetrics(const std::vector<Prediction>& predictions) {
  std::vector<int> labels[2];
  std::vector<double> scores[2];
  for (const auto& p : predictions) {
    const int k = p.role == "val" ? 0 : 1;
    labels[k].push_back(p.scan.label);
    scores[k].push_back(p.prob);
  }
  const double youden = stats::youdenThreshold(labels[0], scores[0]);
  nlohmann::json out;
  out["youden_threshold"] = youden;
  out["val"] = stats::toJson(stats::binaryMetrics(labels[0], scores[0], youden));
  out["test"] = stats::toJson(stats::binaryMetrics(labels[1], scores[1], youden));
  return out;
}

void writeJsonAtomic(const std::filesystem::path& path, const nlohmann::json& value) {
  writeFileAtomic(path, value.dump(2) + "\n");
}

}  // namespace ren::train
