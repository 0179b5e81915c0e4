#include <algorithm>

#include "StrategySupport.h"
#include "ren/core/Error.h"
#include "ren/gating/GatingStrategy.h"

namespace ren::gating {

std::vector<double> GatingModel::predict(const ScanRows& rows) const {
  const Matrix w = weights(rows);
  std::vector<double> p(rows.size(), 0.0);
  for (std::size_t i = 0; i < rows.size(); ++i)
    for (std::size_t k = 0; k < w.cols; ++k) p[i] += w(i, k) * rows.probs(i, k);
  return p;
}

GatingStrategyRegistry& GatingStrategyRegistry::instance() {
  static GatingStrategyRegistry registry;
  return registry;
}

GatingStrategyRegistry::GatingStrategyRegistry() {
  for (auto group : {performanceStrategies, featureStrategies, learnedStrategies})
    for (auto& s : group()) add(std::move(s));
}

void GatingStrategyRegistry::add(GatingStrategy strategy) {
  for (const auto& s : strategies_)
    if (s.name == strategy.name) throw UsageError("gating strategy '" + strategy.name + "' is registered twice");
  strategies_.push_back(std::move(strategy));
}

const GatingStrategy& GatingStrategyRegistry::get(const std::string& name) const {
  for (const auto& s : strategies_)
    if (s.name == name) return s;
  std::string allowed;
  for (const auto& s : strategies_) allowed += (allowed.empty() ? "" : ", ") + s.name;
  throw ConfigError("gating.strategies: unknown strategy '" + name + "' (allowed: all, " + allowed + ")");
}

std::vector<std::string> GatingStrategyRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& s : strategies_) out.push_back(s.name);
  return out;
}

void hierarchicalNormalise(std::vector<double>& weights, const std::vector<int>& regionIndex) {
  double lobeSum = 0, lungSum = 0;
  std::size_t lobes = 0, lungs = 0;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    const bool lobe = regionIndex[k] < 5;
    (lobe ? lobeSum : lungSum) += weights[k];
    (lobe ? lobes : lungs) += 1;
  }
  const double lobeMass = lungs == 0 ? 1.0 : (lobes == 0 ? 0.0 : 0.5);
  const double lungMass = 1.0 - lobeMass;
  for (std::size_t k = 0; k < weights.size(); ++k) {
    const bool lobe = regionIndex[k] < 5;
    const double sum = lobe ? lobeSum : lungSum;
    const double count = static_cast<double>(lobe ? lobes : lungs);
    const double share = sum > 0 ? weights[k] / sum : 1.0 / count;
    weights[k] = (lobe ? lobeMass : lungMass) * share;
  }
}

}  // namespace ren::gating
