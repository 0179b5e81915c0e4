#pragma once
// What every trainer writes (INTERFACE.md): predictions.csv (scan_id,patient_id,role,label,prob for the
// validation and test scans) and metrics.json (METHOD.md section 8 metrics for val and test, with the
// Youden threshold chosen on validation). Both written atomically.
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ren/train/TaskData.h"

namespace ren::train {

struct Prediction {
  LabelledScan scan;
  std::string role;  ///< val or test
  double prob = 0;   ///< P(label 1)
};

/// Writes predictions.csv (val rows, then test rows; probabilities in shortest round-trip text).
void writePredictions(const std::filesystem::path& path, const std::vector<Prediction>& predictions);
/// Reads it back (InputError naming the file when malformed).
std::vector<Prediction> readPredictions(const std::filesystem::path& path);

/// {"youden_threshold": t (chosen on val), "val": binaryMetrics(val, t), "test": binaryMetrics(test, t)}.
nlohmann::json predictionMetrics(const std::vector<Prediction>& predictions);

/// Writes JSON atomically (2-space indent, NaN as null).
void writeJsonAtomic(const std::filesystem::path& path, const nlohmann::json& value);

}  // namespace ren::train
