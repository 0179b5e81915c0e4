#pragma once
// Synthetic gating inputs shared by the gating tests: scans of patients with 1-3 scans each, expert
// probabilities from a chosen generator, radiomics abnormality and gate inputs.
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "ren/core/Random.h"
#include "ren/gating/GatingStrategy.h"

namespace ren::gating::testing {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

inline double sigmoid(double s) { return 1.0 / (1.0 + std::exp(-s)); }
inline double logit(double p) { return std::log(p / (1.0 - p)); }

using ExpertProb = std::function<double(int label, const double* gate, std::size_t k, Rng& rng)>;

/// `scans` scans of patients with 1-3 scans each (one label per patient, positive with probability
/// `positiveRate`); abnormality |N(0,1)|, gate inputs N(0,1) in `gateDims` columns, probabilities
/// from `prob`. Scan and patient ids carry `prefix`.
inline ScanRows syntheticRows(std::size_t scans, std::size_t experts, std::size_t gateDims, Rng& rng, const ExpertProb& prob,
                       const std::string& prefix = "v", double positiveRate = 0.5) {
  ScanRows rows;
  rows.probs = Matrix(scans, experts);
  rows.abnormality = Matrix(scans, experts);
  rows.gateInputs = Matrix(scans, gateDims);
  std::size_t patient = 0;
  while (rows.size() < scans) {
    const int label = rng.bernoulli(positiveRate) ? 1 : 0;
    const auto count = rng.between(1, 3);
    for (std::int64_t s = 0; s < count && rows.size() < scans; ++s) {
      const std::size_t i = rows.size();
      rows.scanIds.push_back(prefix + "scan" + std::to_string(i));
      rows.patientIds.push_back(prefix + "patient" + std::to_string(patient));
      rows.labels.push_back(label);
      for (std::size_t d = 0; d < gateDims; ++d) rows.gateInputs(i, d) = rng.normal();
      for (std::size_t k = 0; k < experts; ++k) {
        rows.abnormality(i, k) = std::abs(rng.normal());
        rows.probs(i, k) = prob(label, rows.gateInputs.row(i), k, rng);
      }
    }
    ++patient;
  }
  return rows;
}

inline ExpertSet expertSet(std::size_t k, std::vector<double> radiomicsAuc = {}) {
  static const char* regions[] = {"LUL", "LLL", "RUL", "RML", "RLL", "LEFT", "RIGHT"};
  ExpertSet e;
  for (std::size_t i = 0; i < k; ++i) {
    e.names.push_back(std::string(regions[i % 7]) + "-cnn");
    e.regionIndex.push_back(static_cast<int>(i % 7));
  }
  e.radiomicsAuc = radiomicsAuc.empty() ? std::vector<double>(k, kNaN) : radiomicsAuc;
  return e;
}

}  // namespace ren::gating::testing
