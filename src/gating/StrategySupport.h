#pragma once
// Pieces the gating strategies share: static-weight models, weight normalisation, per-expert and
// ensemble scores on a set of scans. Internal to ren_gating.
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ren/gating/GatingStrategy.h"

namespace ren::gating {

/// Probabilities are clipped to [kProbEps, 1 - kProbEps] wherever a log is taken.
constexpr double kProbEps = 1e-7;

/// The same weights for every scan.
class StaticWeights : public GatingModel {
 public:
  StaticWeights(std::vector<double> weights, nlohmann::json parameters = nlohmann::json::object());
  Matrix weights(const ScanRows& rows) const override;
  nlohmann::json parameters() const override { return parameters_; }
  const std::vector<double>& values() const { return weights_; }

 private:
  std::vector<double> weights_;
  nlohmann::json parameters_;
};

/// Non-negative and summing to 1; uniform when nothing positive and finite remains.
std::vector<double> normalisedWeights(std::vector<double> raw);
/// softmax(x) (stable).
std::vector<double> softmax(const std::vector<double>& x);

/// Column k of rows.probs.
std::vector<double> expertColumn(const ScanRows& rows, std::size_t k);
/// Validation AUC of every expert on `rows` (NaN when a class is absent).
std::vector<double> expertAucs(const ScanRows& rows);
/// sum_k w_k p_k per scan.
std::vector<double> weightedProbs(const ScanRows& rows, const std::vector<double>& weights);
/// AUC of the static-weight ensemble on `rows` (NaN when a class is absent).
double ensembleAuc(const ScanRows& rows, const std::vector<double>& weights);
/// True when both classes occur in rows.labels.
bool hasBothClasses(const ScanRows& rows);

/// A weight vector as JSON {expert name: weight}.
nlohmann::json namedWeights(const ExpertSet& experts, const std::vector<double>& weights);

}  // namespace ren::gating
