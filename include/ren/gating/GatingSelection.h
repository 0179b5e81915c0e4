#pragma once
// Validation-only selection (METHOD.md section 6): every strategy is fitted on the fold's validation
// scans and scored by validation AUC -- strategies with fitted parameters by inner K-fold
// cross-validation over validation PATIENTS, so fitting and scoring never share scans. The best score
// wins (ties: the earlier strategy in registry order, i.e. the simpler one); its all-validation fit is
// frozen. Test scans are only predicted, after everything is fixed.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ren/gating/GatingStrategy.h"

namespace ren::gating {

struct StrategyOutcome {
  std::string name, group;
  bool dynamic = false, fitted = false;
  bool available = true;
  std::string unavailableReason;
  std::string scoring;              ///< "inner-cv" or "validation"
  double valScore = 0;              ///< the selection score: validation AUC (pooled inner-CV predictions when fitted)
  double valAuc = 0;                ///< AUC of the all-validation fit on validation (in-sample for fitted strategies)
  std::vector<double> weights;      ///< static weights; for a dynamic strategy the mean over validation scans
  nlohmann::json parameters;
  std::vector<double> valProbs, testProbs;  ///< the frozen (all-validation) fit's ensemble probabilities
};

struct GatingOutcome {
  std::vector<StrategyOutcome> strategies;  ///< registry order (those asked for)
  std::size_t selected = 0;                 ///< index into strategies
};

/// Inner folds over validation patients (a patient's scans stay together): positive-only, mixed and
/// negative-only patients, each group shuffled with `seed`, are dealt round-robin. The number of folds
/// is the largest <= k for which every fitting set (the other folds) holds both classes; one fold
/// (everything) when even 2 cannot, and then the fitted strategies cannot be scored. Returns each
/// fold's scan indices (ascending).
std::vector<std::vector<std::size_t>> innerFolds(const ScanRows& rows, int k, std::uint64_t seed);

/// Fits, scores and selects. `strategyNames` empty = every registered strategy. Throws InputError
/// when validation lacks a class (no strategy can be scored) or no strategy is available.
GatingOutcome selectGating(const ScanRows& val, const ScanRows& test, const ExpertSet& experts,
                           const GatingOptions& options, const std::vector<std::string>& strategyNames = {});

}  // namespace ren::gating
