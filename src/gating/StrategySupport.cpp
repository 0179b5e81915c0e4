#include "StrategySupport.h"

#include <algorithm>
#include <cmath>

#include "ren/stats/BinaryMetrics.h"

namespace ren::gating {

StaticWeights::StaticWeights(std::vector<double> weights, nlohmann::json parameters)
    : weights_(normalisedWeights(std::move(weights))), parameters_(std::move(parameters)) {}

Matrix StaticWeights::weights(const ScanRows& rows) const {
  Matrix w(rows.size(), weights_.size());
  for (std::size_t i = 0; i < rows.size(); ++i) std::copy(weights_.begin(), weights_.end(), w.row(i));
  return w;
}

std::vector<double> normalisedWeights(std::vector<double> raw) {
  double sum = 0;
  for (double& v : raw) {
    if (!std::isfinite(v) || v < 0) v = 0;
    sum += v;
  }
  if (!(sum > 0)) {
    std::fill(raw.begin(), raw.end(), raw.empty() ? 0.0 : 1.0 / static_cast<double>(raw.size()));
    return raw;
  }
  for (double& v : raw) v /= sum;
  return raw;
}

std::vector<double> softmax(const std::vector<double>& x) {
  std::vector<double> out(x.size());
  if (x.empty()) return out;
  const double m = *std::max_element(x.begin(), x.end());
  double sum = 0;
  for (std::size_t i = 0; i < x.size(); ++i) sum += (out[i] = std::exp(x[i] - m));
  for (double& v : out) v /= sum;
  return out;
}

std::vector<double> expertColumn(const ScanRows& rows, std::size_t k) {
  std::vector<double> col(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) col[i] = rows.probs(i, k);
  return col;
}

bool hasBothClasses(const ScanRows& rows) {
  const auto pos = std::count(rows.labels.begin(), rows.labels.end(), 1);
  return pos > 0 && pos < static_cast<std::ptrdiff_t>(rows.labels.size());
}

std::vector<double> expertAucs(const ScanRows& rows) {
  std::vector<double> aucs(rows.probs.cols);
  for (std::size_t k = 0; k < rows.probs.cols; ++k) aucs[k] = stats::rocAuc(rows.labels, expertColumn(rows, k));
  return aucs;
}

std::vector<double> weightedProbs(const ScanRows& rows, const std::vector<double>& weights) {
  std::vector<double> p(rows.size(), 0.0);
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t k = 0; k < weights.size(); ++k) p[i] += weights[k] * rows.probs(i, k);
  return p;
}

double ensembleAuc(const ScanRows& rows, const std::vector<double>& weights) {
  return stats::rocAuc(rows.labels, weightedProbs(rows, weights));
}

nlohmann::json namedWeights(const ExpertSet& experts, const std::vector<double>& weights) {
  nlohmann::json j = nlohmann::json::object();
  for (std::size_t k = 0; k < weights.size() && k < experts.size(); ++k) j[experts.names[k]] = weights[k];
  return j;
}

}  // namespace ren::gating
