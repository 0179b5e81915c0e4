#pragma once
// The gating strategies of METHOD.md section 6, registered by name. A strategy is fitted on a set of
// validation scans (never test scans) and yields a model: per-scan weights over the K experts
// (non-negative, summing to 1; the same for every scan for a static strategy) and the ensemble's
// probability p(x) = sum_k w_k(x) p_k(x) (stacking_logistic is its own combiner).
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ren/gating/ScanRows.h"

namespace ren::gating {

/// [gating] settings the strategies read.
struct GatingOptions {
  std::vector<double> softmaxTaus{0.01, 0.02, 0.05, 0.1, 0.2};  ///< val_auc_softmax's candidate temperatures
  double learnedL2 = 0.01;      ///< learned_softmax: lambda of lambda * ||theta||^2
  double stackingC = 1.0;       ///< stacking_logistic: inverse L2 strength (scikit-learn's C)
  double gateL2 = 0.01;         ///< radiomics_gate: lambda of lambda * ||W||^2
  double magnitudeEps = 0.01;   ///< magnitude_based: epsilon
  bool hierarchical = false;    ///< lobes and lungs each carry half the mass (reference-code parity)
  int innerFolds = 5;           ///< inner cross-validation folds for fitted strategies
  std::uint64_t seed = 42;      ///< inner-fold assignment
};

/// The experts being combined and what strategies know about each.
struct ExpertSet {
  std::vector<std::string> names;    ///< "<region>-<arch>"
  std::vector<int> regionIndex;      ///< 0..6 (kRegions order)
  std::vector<double> radiomicsAuc;  ///< validation AUC of the region's XGBoost expert (NaN when unknown)
  std::size_t size() const { return names.size(); }
};

class GatingModel {
 public:
  virtual ~GatingModel() = default;
  /// scans x experts weights; every row non-negative and summing to 1.
  virtual Matrix weights(const ScanRows& rows) const = 0;
  /// The ensemble's P(label 1) per scan; by default sum_k w_k p_k.
  virtual std::vector<double> predict(const ScanRows& rows) const;
  /// The fitted parameters, for the record (tau, k, theta, coefficients ...).
  virtual nlohmann::json parameters() const { return nlohmann::json::object(); }
};

/// A strategy that cannot be used on this problem (e.g. no radiomics expert AUCs): it is reported as
/// unavailable, with this message, and takes no part in the selection.
class StrategyUnavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GatingStrategy {
  std::string name;
  std::string group;    ///< performance, feature or learned
  std::string formula;  ///< one line, for the docs and the JSON
  bool dynamic = false; ///< per-scan weights
  bool fitted = false;  ///< has fitted parameters: scored by inner cross-validation (3, 5, 9, 10, 11)
  bool combiner = false;///< predicts by its own model rather than sum_k w_k p_k (hierarchical leaves it alone)
  std::function<std::unique_ptr<GatingModel>(const ScanRows& fitRows, const ExpertSet& experts,
                                              const GatingOptions& options)> fit;
};

class GatingStrategyRegistry {
 public:
  static GatingStrategyRegistry& instance();
  /// Throws UsageError when the name is taken.
  void add(GatingStrategy strategy);
  /// Throws ConfigError listing the registered names when unknown.
  const GatingStrategy& get(const std::string& name) const;
  const std::vector<GatingStrategy>& strategies() const { return strategies_; }
  std::vector<std::string> names() const;

 private:
  GatingStrategyRegistry();
  std::vector<GatingStrategy> strategies_;
};

/// Hierarchical normalisation of one weight row: lobe experts (regions 0..4) renormalised among
/// themselves and lung experts (5, 6) among themselves, each group carrying half the mass (all of it
/// when the other group is absent); a group with zero total weight shares its half equally.
void hierarchicalNormalise(std::vector<double>& weights, const std::vector<int>& regionIndex);

/// Weighted strategies of each group, defined in their own files; called by the registry.
std::vector<GatingStrategy> performanceStrategies();
std::vector<GatingStrategy> featureStrategies();
std::vector<GatingStrategy> learnedStrategies();

}  // namespace ren::gating
